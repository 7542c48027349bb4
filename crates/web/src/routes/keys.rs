//! Signing keys: every registered public key with its fingerprint, and (administrators) a new
//! key for one of the installation's own companies, generated here or registered from a `.pub`
//! file made elsewhere. Rotation keeps the old public key, so old packages stay verifiable.

use super::downloads::download;
use super::when;
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views::Page;
use crate::views_exchange::*;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kojo_app::{AppError, KeyInfo, Reader};
use kojo_i18n::tr;
use std::sync::Arc;

type St = State<Arc<AppState>>;

pub(crate) fn key_vm(k: &KeyInfo) -> KeyVm {
    KeyVm {
        key_id: k.key.key_id.clone(),
        fingerprint: k.fingerprint.clone(),
        public_file: k.public_file.clone(),
        created: when(&k.key.created_at, false),
        created_by: k.key.created_by.clone(),
        retired: k
            .key
            .retired_at
            .as_deref()
            .map(|r| when(r, false))
            .unwrap_or_default(),
    }
}

/// The keys the reader may see, by company: own companies and suppliers apart.
async fn grouped(
    reader: &Reader<'_>,
) -> Result<(Vec<CompanyKeysVm>, Vec<CompanyKeysVm>), WebError> {
    let keys = reader.company_keys(None).await?;
    let suppliers = reader.suppliers().await?;
    let mut own = Vec::new();
    let mut theirs = Vec::new();
    for c in reader.companies().await? {
        let supplier = suppliers.iter().any(|s| s.id == c.id);
        let mut ks: Vec<KeyVm> = keys
            .iter()
            .filter(|k| k.key.org_id == c.id)
            .map(key_vm)
            .collect();
        // Current key first, then the retired ones, newest first.
        ks.sort_by(|a, b| {
            (!a.retired.is_empty(), std::cmp::Reverse(&a.created))
                .cmp(&(!b.retired.is_empty(), std::cmp::Reverse(&b.created)))
        });
        if c.code == "default" && ks.is_empty() {
            continue;
        }
        let vm = CompanyKeysVm {
            code: c.code,
            name: c.name,
            supplier,
            keys: ks,
        };
        if supplier {
            theirs.push(vm);
        } else {
            own.push(vm);
        }
    }
    Ok((own, theirs))
}

async fn keys_page(
    st: &AppState,
    au: &Authed,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let reader = st.app.reader(au.actor());
    let (own, suppliers) = grouped(&reader).await?;
    let signers = if st.app.admin(au.actor()).is_some() {
        own.iter()
            .filter(|c| c.code != "default")
            .map(|c| (c.code.clone(), c.name.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let failed = error.is_some();
    let mut res = crate::views::render(&KeysPage {
        page: Page::new(&au.ctx, "keys"),
        own,
        suppliers,
        signers,
        min_passphrase: kojo_exchange_min_passphrase(),
        error,
        notice,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

fn kojo_exchange_min_passphrase() -> usize {
    kojo_app::MIN_PASSPHRASE_CHARS
}

pub async fn page(State(st): St, au: Authed) -> Result<Response, WebError> {
    keys_page(&st, &au, None, None).await
}

#[derive(serde::Deserialize)]
pub struct RegisterForm {
    company: String,
    public_key: String,
}

/// Registers a public key made elsewhere (`kojo key generate` on an offline machine, or
/// `minisign -G`) as the company's current key.
pub async fn register(
    State(st): St,
    au: Authed,
    Form(f): Form<RegisterForm>,
) -> Result<Response, WebError> {
    let admin = st.app.admin(au.actor()).ok_or(WebError::Forbidden)?;
    let r = match kojo_app::parse_public_key(&f.public_key) {
        Ok(pk) => admin.register_key(&f.company, &pk).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(k) => {
            let notice = tr(
                au.lang(),
                "exchange.web.registered",
                &[("key", &k.key.key_id), ("code", &k.key.org_code)],
            );
            keys_page(&st, &au, None, Some(notice)).await
        }
        Err(AppError::Internal(d)) => Err(WebError::Internal(d)),
        Err(e) => keys_page(&st, &au, Some(e.message(au.lang())), None).await,
    }
}

#[derive(serde::Deserialize)]
pub struct GenerateForm {
    company: String,
    passphrase: String,
    passphrase2: String,
}

/// Generates a key pair, registers its public key as the company's current key and sends the
/// encrypted secret key as a download. The server keeps no copy of the secret key.
pub async fn generate(
    State(st): St,
    au: Authed,
    Form(f): Form<GenerateForm>,
) -> Result<Response, WebError> {
    let admin = st.app.admin(au.actor()).ok_or(WebError::Forbidden)?;
    if f.passphrase != f.passphrase2 {
        let e = kojo_i18n::t(au.lang(), "exchange.web.passphrase_differs").to_string();
        return keys_page(&st, &au, Some(e), None).await;
    }
    let generated = match admin.generate_key(&f.company, &f.passphrase).await {
        Ok(g) => g,
        Err(AppError::Internal(d)) => return Err(WebError::Internal(d)),
        Err(e) => return keys_page(&st, &au, Some(e.message(au.lang())), None).await,
    };
    match admin.register_key(&f.company, &generated.public).await {
        Ok(k) => Ok(download(
            generated.secret_file.into_bytes(),
            "application/octet-stream",
            &format!("{}.key", k.key.org_code),
        )),
        Err(AppError::Internal(d)) => Err(WebError::Internal(d)),
        Err(e) => keys_page(&st, &au, Some(e.message(au.lang())), None).await,
    }
}

/// A registered public key as a `.pub` file (to send to customers, or for `minisign -V`).
pub async fn public_file(
    State(st): St,
    au: Authed,
    Path(key_id): Path<String>,
) -> Result<Response, WebError> {
    let keys = st.app.reader(au.actor()).company_keys(None).await?;
    let k = keys
        .into_iter()
        .find(|k| k.key.key_id == key_id)
        .ok_or(WebError::NotFound)?;
    Ok(download(
        k.public_file.into_bytes(),
        "text/plain; charset=utf-8",
        &format!("{}.pub", k.key.org_code),
    ))
}
