//! kojo's use cases: what the CLI and the web app call.
//!
//! Authorization is by type: [`App::reader`], [`App::editor`] and [`App::admin`] hand out
//! handles limited to what an [`Actor`]'s role may do, so a caller holding a [`Reader`] cannot
//! write and a route without an [`Admin`] cannot manage users. Every handle only sees plants the
//! actor may see; anything else is [`AppError::NotFound`], indistinguishable from absent.
#![deny(missing_docs)]

mod actions;
mod answer_file;
pub mod audit;
mod auth;
mod companies;
mod cycle;
pub mod doctor;
mod error;
mod evidence;
mod exchange;
mod handles;
mod inherit;
mod names;
mod view;
pub use names::{check_code, check_name};
pub mod jobs;
pub mod ops;
pub mod password;
mod portfolio;
mod receive;
pub mod register_edit;
pub mod register_import;
pub mod registers;
mod review;
mod signoff;
pub mod suggestions;
mod tokens;
mod users;
mod versions;

pub use actions::{ACTION_TITLE_MAX, ActionEntry, parse_action_status};
pub use answer_file::{
    AnswerFileError, MAX_ANSWER_ENTRIES, MAX_ANSWER_FILE_BYTES, parse_answer_file,
};
pub use auth::{
    ACCOUNT_CEILING, BASE_DELAY, CLIENT_CEILING, KNOWN_SLOWDOWN, LoginOutcome, MAX_DELAY,
    NewSession, PAIR_FREE, Session, SessionLookup, WINDOW, delay_after, random_token,
};
pub use cycle::{
    DiffView, SETTING_EVIDENCE_MAX_MIB, SETTING_EVIDENCE_QUOTA_MIB, SETTING_SIGNERS, SETTINGS,
    today,
};
pub use error::AppError;
pub use evidence::{clean_name, sniff};
pub use exchange::{KeyInfo, Submission, SubmitOptions};
pub use handles::*;
pub use kojo_domain::portfolio::{
    Aggregate, Company, Portfolio, PortfolioRow, TrendSeries, WeakItem,
};
pub use kojo_exchange::keys::{GeneratedKey, MIN_PASSPHRASE_CHARS, PublicKey};
pub use kojo_exchange::package::MAX_PACKAGE_BYTES;
pub use view::{AssessmentItem, AssessmentView};

/// Parses a `.pub` file's text (minisign format).
pub fn parse_public_key(text: &str) -> Result<PublicKey, AppError> {
    Ok(PublicKey::parse(text)?)
}

/// Rows the use cases return (read-only data; only this crate reaches the store).
pub use kojo_store::{
    ActionEvent, ActionListRow, ActionRow, ApiToken, Assessment, AuditEntry, Comment, CompanyKey,
    ContentStamp, CycleCounts, EvidenceRow, HistoryEntry, Line, Organisation, QueueRow, ReceiptRow,
    SignOffRow, Site, StoredAnswer, User,
};
/// Register rows and queries (see [`registers`]).
pub use kojo_store::{
    ActivityRecord, ChangeCounts, EntryChange, EntryData, EntryQuery, RegisterEntry, RegisterReview,
};
pub use portfolio::{PortfolioQuery, WEAKEST_MAX, status_label};
pub use receive::{Received, SupplierStatus, received_site_code};
pub use review::{QueueItem, QueueQuery, ReviewInput};
pub use signoff::{Signer, Verification};
pub use tokens::{ApiSession, NewToken, Scope, TOKEN_NAME_MAX, TOKEN_PREFIX, token_state};
pub use users::{USER_NAME_MAX, check_user_name, create_first_admin};
pub use versions::{CatalogOrigin, Migrated, Origin};

use kojo_catalog::Catalog;
pub use kojo_domain::Role;
use kojo_domain::Scorer;
use kojo_store::Store;

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Name recorded in history and the access log.
    pub name: String,
    /// The user's id; `None` for the local command line, which acts as administrator (whoever
    /// can open the database file can change it anyway).
    pub user_id: Option<String>,
    /// Role.
    pub role: Role,
    /// Client address (web) for the access log.
    pub client: Option<String>,
}

impl Actor {
    /// The local command-line operator (`cli:$USER`).
    pub fn cli() -> Actor {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "local".into());
        Actor {
            name: format!("cli:{user}"),
            user_id: None,
            role: Role::Admin,
            client: None,
        }
    }

    /// The server's own scheduled work (backups, anchors, retention), recorded as `system:serve`.
    pub fn system() -> Actor {
        Actor {
            name: "system:serve".into(),
            user_id: None,
            role: Role::Admin,
            client: None,
        }
    }

    /// Whether the actor sees every plant (admins and the command line).
    pub fn sees_all(&self) -> bool {
        self.role == Role::Admin
    }

    /// How many characters of an assessment id identify it: 4 on the local command line (typed
    /// by hand), 8 for users of the web app, where a short prefix would let anyone probe ids.
    pub fn min_id_prefix(&self) -> usize {
        if self.user_id.is_none() { 4 } else { 8 }
    }
}

/// The application: store, catalog (parsed once) and scorer (built once).
#[derive(Debug, Clone)]
pub struct App {
    /// Storage: private, so that every access goes through a use case or a role-limited handle.
    store: Store,
    /// The guideline version new assessments use.
    pub catalog: &'static Catalog,
    /// Scorer for that catalog.
    pub scorer: Scorer,
    /// Every available catalog version with its scorer (an assessment keeps the version it was
    /// made with).
    catalogs: std::sync::Arc<[(&'static Catalog, Scorer)]>,
    org: Organisation,
    /// This process's name in scheduled-job claims ([`jobs`]).
    instance: std::sync::Arc<str>,
    /// The register rules' suggestions per plant, under its register stamp ([`suggestions`]).
    suggestions: std::sync::Arc<suggestions::SuggestionCache>,
}

impl App {
    /// Opens the database at `url` (creating and migrating it) with the built-in catalog.
    pub async fn open(url: &str) -> Result<App, AppError> {
        App::open_with(url, ops::OpenOptions::default(), &|_| {}).await
    }

    /// The application over an opened, migrated store.
    async fn with_store(store: Store) -> Result<App, AppError> {
        let catalog = kojo_catalog::builtin().map_err(|e| AppError::Internal(e.to_string()))?;
        let org = store
            .default_org(kojo_i18n::t(kojo_i18n::Lang::Ja, "app.default_company"))
            .await?;
        let catalogs = kojo_catalog::available()
            .map_err(|e| AppError::Internal(e.to_string()))?
            .into_iter()
            .map(|c| (c, Scorer::new(c)))
            .collect();
        let app = App {
            store,
            catalog,
            scorer: Scorer::new(catalog),
            catalogs,
            org,
            instance: auth::random_token()[..12].into(),
            suggestions: Default::default(),
        };
        // Derived data brought up to date after the migrations: the register rules' facts of
        // every entry, when this kojo reads other facts than the one that wrote them.
        app.ensure_facts_layout(registers::registers()?).await?;
        Ok(app)
    }

    /// Every catalog version an assessment can use, oldest first.
    pub fn catalogs(&self) -> impl Iterator<Item = &'static Catalog> + '_ {
        self.catalogs.iter().map(|(c, _)| *c)
    }

    /// The catalog version `id` (an assessment's `catalog_id`).
    pub fn catalog_by_id(&self, id: &str) -> Result<&'static Catalog, AppError> {
        self.catalogs
            .iter()
            .find(|(c, _)| c.id == id)
            .map(|(c, _)| *c)
            .ok_or_else(|| AppError::bad("version.unknown", &[("catalog", &id)]))
    }

    /// The catalog version named by id or version (`0.9`, `jama-japia-factory@0.9`).
    pub fn find_catalog(&self, s: &str) -> Result<&'static Catalog, AppError> {
        let s = s.trim();
        self.catalogs()
            .find(|c| c.id == s || c.version == s)
            .ok_or_else(|| AppError::bad("version.unknown", &[("catalog", &s)]))
    }

    /// The scorer of catalog `c`.
    pub(crate) fn scorer_of(&self, c: &Catalog) -> &Scorer {
        self.catalogs
            .iter()
            .find(|(k, _)| k.id == c.id)
            .map_or(&self.scorer, |(_, s)| s)
    }

    /// The largest item count of any available catalog: the bound for parsing an item number
    /// before the assessment (and so its catalog) is known.
    pub(crate) fn widest_catalog(&self) -> &'static Catalog {
        self.catalogs()
            .max_by_key(|c| c.item_count())
            .unwrap_or(self.catalog)
    }

    /// Ready to serve: the database answers and its schema is this kojo's.
    pub async fn ready(&self) -> bool {
        matches!(self.store.schema_state().await, Ok(s) if s.database == s.latest)
    }

    /// The organisation.
    pub fn org(&self) -> &Organisation {
        &self.org
    }

    /// A read handle for `actor` (every role may read what it is granted).
    pub fn reader<'a>(&'a self, actor: &'a Actor) -> Reader<'a> {
        Reader { app: self, actor }
    }

    /// Runs `f` with every read it makes on one database connection ([`Store::pinned`]): for
    /// a short unit of work such as a web request that only reads, whose queries then skip the
    /// pool's hand-back (a round trip each). A write transaction inside uses that connection too
    /// (PostgreSQL) or the writer (SQLite), so `f` never holds two.
    pub async fn pinned<F: std::future::Future>(&self, f: F) -> F::Output {
        self.store.pinned(f).await
    }

    /// A write handle for assessments, if `actor` is an admin or assessor.
    pub fn editor<'a>(&'a self, actor: &'a Actor) -> Option<Editor<'a>> {
        actor.role.may_edit().then_some(Editor {
            reader: Reader { app: self, actor },
        })
    }

    /// A handle for review comments, if `actor` may comment (admin, assessor, reviewer).
    pub fn commenter<'a>(&'a self, actor: &'a Actor) -> Option<Commenter<'a>> {
        actor.role.may_comment().then_some(Commenter {
            reader: Reader { app: self, actor },
        })
    }

    /// An administration handle, if `actor` is an admin.
    pub fn admin<'a>(&'a self, actor: &'a Actor) -> Option<Admin<'a>> {
        actor.role.may_administer().then_some(Admin {
            editor: Editor {
                reader: Reader { app: self, actor },
            },
        })
    }
}
