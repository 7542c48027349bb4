//! View models of the exchange pages: signing keys, the submission package, suppliers and
//! receipt tracking, receiving a package.

use crate::views::{OptVm, Page};
use askama::Template;

/// One registered public key.
pub struct KeyVm {
    pub key_id: String,
    pub fingerprint: String,
    pub public_file: String,
    pub created: String,
    pub created_by: String,
    /// When a newer key replaced it; empty for the current key.
    pub retired: String,
}

/// A company's keys, current first.
pub struct CompanyKeysVm {
    pub code: String,
    pub name: String,
    pub supplier: bool,
    pub keys: Vec<KeyVm>,
}

#[derive(Template)]
#[template(path = "keys.html")]
pub struct KeysPage {
    pub page: Page,
    pub own: Vec<CompanyKeysVm>,
    pub suppliers: Vec<CompanyKeysVm>,
    /// Own companies that can sign (admin forms), as `(code, name)`.
    pub signers: Vec<(String, String)>,
    pub min_passphrase: usize,
    pub error: Option<String>,
    pub notice: Option<String>,
}

#[derive(Template)]
#[template(path = "submit.html")]
pub struct SubmitPage {
    pub page: Page,
    pub id: String,
    pub title: String,
    pub status: &'static str,
    pub revision: i64,
    /// Why a package cannot be made now; the form is not shown then.
    pub blocked: Option<String>,
    /// The company's current key, which the uploaded secret key must match.
    pub key: Option<KeyVm>,
    pub langs: Vec<OptVm>,
    pub error: Option<String>,
}

/// One plant or line received from a supplier in the period.
pub struct ReceivedVm {
    pub scope: String,
    pub revision: i64,
    pub at: String,
    pub link: String,
}

pub struct SupplierVm {
    pub code: String,
    pub name: String,
    pub submitted: bool,
    pub received: Vec<ReceivedVm>,
    pub last: String,
    /// The reminder to copy into a letter or e-mail (missing suppliers only).
    pub letter: String,
}

#[derive(Template)]
#[template(path = "suppliers.html")]
pub struct SuppliersPage {
    pub page: Page,
    pub periods: Vec<OptVm>,
    pub rows: Vec<SupplierVm>,
    pub missing: usize,
    pub error: Option<String>,
    pub notice: Option<String>,
}

/// What a received package became.
pub struct ReceivedResultVm {
    pub message: String,
    pub link: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "receive.html")]
pub struct ReceivePage {
    pub page: Page,
    pub suppliers: Vec<(String, String)>,
    pub max_mib: u64,
    pub result: Option<ReceivedResultVm>,
    pub error: Option<String>,
}

pub struct TokenVm {
    pub id: String,
    pub name: String,
    pub scope: String,
    pub state: &'static str,
    pub active: bool,
    pub created: String,
    pub expires: String,
    pub last_used: String,
}

#[derive(Template)]
#[template(path = "tokens.html")]
pub struct TokensPage {
    pub page: Page,
    pub tokens: Vec<TokenVm>,
    /// A token just created: shown this once.
    pub created: Option<String>,
    pub error: Option<String>,
    pub notice: Option<String>,
}
