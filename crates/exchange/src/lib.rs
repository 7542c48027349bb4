//! What kojo sends and receives: company signing keys ([`keys`]), the signed submission package
//! ([`package`]) with its canonical assessment document ([`doc`]), and the OSCAL
//! assessment-results export ([`oscal`]).
//!
//! Nothing here touches the store: `app` gathers an approved assessment into an
//! [`doc::AssessmentDoc`], packs it, and on the receiving side reads, verifies and files it.
#![deny(missing_docs)]

pub mod doc;
pub mod keys;
pub mod oscal;
pub mod package;

use kojo_i18n::{Lang, tr};

/// A refusal, with its message key (`exchange.*`) and arguments; the message is in both
/// languages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message(Lang::En))]
pub struct ExchangeError {
    /// The message key.
    pub key: &'static str,
    /// Named arguments of the message.
    pub args: Vec<(&'static str, String)>,
}

impl ExchangeError {
    /// An error with no arguments.
    pub fn new(key: &'static str) -> ExchangeError {
        ExchangeError {
            key,
            args: Vec::new(),
        }
    }

    /// Adds an argument.
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> ExchangeError {
        self.args.push((name, value.into()));
        self
    }

    /// An internal failure (a bug or the machine, not the input).
    pub fn internal(detail: impl Into<String>) -> ExchangeError {
        ExchangeError::new("exchange.internal").with("detail", detail)
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let args: Vec<(&str, &dyn std::fmt::Display)> = self
            .args
            .iter()
            .map(|(k, v)| (*k, v as &dyn std::fmt::Display))
            .collect();
        tr(lang, self.key, &args)
    }
}
