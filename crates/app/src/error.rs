//! Errors of use cases, each with a message in Japanese and English.

use kojo_domain::{FieldErrors, Lang};
use kojo_i18n::tr;
use kojo_store::{StoreError, StoredAnswer};

/// What can go wrong in a use case.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Absent, or not visible to the actor (the two are deliberately indistinguishable).
    #[error("{what} {key} not found")]
    NotFound {
        /// Kind (`site`, `line`, `assessment`, `user`).
        what: &'static str,
        /// What was asked for.
        key: String,
    },
    /// A short id matches several assessments.
    #[error("ambiguous id {0}")]
    Ambiguous(String),
    /// The actor's role may not do this.
    #[error("forbidden")]
    Forbidden,
    /// An answer is incomplete or invalid; names every field.
    #[error("{0}")]
    Invalid(#[from] FieldErrors),
    /// Bad input other than an answer (period, item number, code, …): message in both languages.
    #[error("{en}")]
    BadInput {
        /// Japanese.
        ja: String,
        /// English.
        en: String,
    },
    /// Someone changed the answer first.
    #[error("conflict on item {item}")]
    Conflict {
        /// Item.
        item: u16,
        /// What is stored now.
        current: Option<Box<StoredAnswer>>,
    },
    /// The assessment is not a draft (submitted, confirmed or approved); its content is locked.
    #[error("assessment is {status}")]
    Locked {
        /// The status key.
        status: String,
    },
    /// A code or name is taken.
    #[error("{what} {key} exists")]
    Duplicate {
        /// Kind.
        what: &'static str,
        /// Key.
        key: String,
    },
    /// A password breaks the rules.
    #[error("{0}")]
    Password(#[from] crate::password::PasswordError),
    /// A database or other internal failure (details are logged, not shown to web users).
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { item, current } => AppError::Conflict { item, current },
            StoreError::Duplicate { what, key } => AppError::Duplicate { what, key },
            StoreError::NotDraft { status } => AppError::Locked { status },
            StoreError::StateChanged { expected } => AppError::Locked { status: expected },
            StoreError::NotFound { what, key } => AppError::NotFound { what, key },
            StoreError::LastAdmin => AppError::bad("app.last_admin", &[]),
            StoreError::NotInheriting => AppError::bad("inherit.not_inheriting", &[]),
            StoreError::NotOverridden { item } => {
                AppError::bad("inherit.not_overridden", &[("item", &item)])
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl AppError {
    /// A bad-input error from a message key.
    pub fn bad(key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> AppError {
        AppError::BadInput {
            ja: tr(Lang::Ja, key, args),
            en: tr(Lang::En, key, args),
        }
    }

    /// A bad-input error whose arguments are themselves words of the language (a state's
    /// name, a role's): `args` gives them for each language.
    pub fn bad_with(key: &str, args: impl Fn(Lang) -> Vec<(&'static str, String)>) -> AppError {
        let message = |lang| {
            let args = args(lang);
            let refs: Vec<(&str, &dyn std::fmt::Display)> = args
                .iter()
                .map(|(k, v)| (*k, v as &dyn std::fmt::Display))
                .collect();
            tr(lang, key, &refs)
        };
        AppError::BadInput {
            ja: message(Lang::Ja),
            en: message(Lang::En),
        }
    }

    /// The message in `lang`, one line.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            AppError::NotFound { what, key } => {
                let what = kojo_i18n::t(lang, &format!("app.what.{what}"));
                tr(lang, "app.not_found", &[("what", &what), ("key", key)])
            }
            AppError::Ambiguous(p) => tr(lang, "app.ambiguous", &[("id", p)]),
            AppError::Forbidden => tr(lang, "app.forbidden", &[]),
            AppError::Invalid(e) => e.message(lang),
            AppError::BadInput { ja, en } => match lang {
                Lang::Ja => ja.clone(),
                Lang::En => en.clone(),
            },
            AppError::Conflict { item, current } => {
                let by = current
                    .as_ref()
                    .map(|c| c.updated_by.clone())
                    .unwrap_or_default();
                let mark = current
                    .as_ref()
                    .and_then(|c| c.answer.as_ref())
                    .map(|a| a.mark().symbol())
                    .unwrap_or("—");
                tr(
                    lang,
                    "app.conflict",
                    &[("item", item), ("mark", &mark), ("by", &by)],
                )
            }
            AppError::Locked { status } => {
                let name = kojo_domain::Status::from_key(status)
                    .map(|s| s.name(lang))
                    .unwrap_or(status.as_str());
                tr(lang, "cycle.not_draft", &[("status", &name)])
            }
            AppError::Duplicate { what, key } => {
                let what = kojo_i18n::t(lang, &format!("app.what.{what}"));
                tr(lang, "app.duplicate", &[("what", &what), ("key", key)])
            }
            AppError::Password(e) => e.message(lang),
            AppError::Internal(d) => tr(lang, "app.internal", &[("detail", d)]),
        }
    }
}

impl From<kojo_exchange::ExchangeError> for AppError {
    fn from(e: kojo_exchange::ExchangeError) -> AppError {
        if e.key == "exchange.internal" {
            return AppError::Internal(e.message(Lang::En));
        }
        AppError::BadInput {
            ja: e.message(Lang::Ja),
            en: e.message(Lang::En),
        }
    }
}
