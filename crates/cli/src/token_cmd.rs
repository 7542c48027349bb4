//! `kojo token …` (personal API tokens) and `kojo api openapi` (the API's description).

use crate::db::{app_failure, open};
use crate::output::{Failure, outln, print_json, print_listing, write_file};
use clap::Subcommand;
use kojo_app::{Actor, AppError, Scope};
use kojo_i18n::{Lang, t, tr};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum TokenCmd {
    /// Create a personal API token for /api/v1. It is printed once (the last line of the
    /// output); only its hash is stored. It acts with its user's role and plants, never more.
    Create {
        /// What the token is for.
        name: String,
        /// `read` (GET only) or `write` (whatever its user may do).
        #[arg(long)]
        scope: String,
        /// Last day it works (YYYY-MM-DD, JST); without it, until revoked.
        #[arg(long)]
        expires: Option<chrono::NaiveDate>,
        /// The user it acts as (default: the only administrator, if there is one).
        #[arg(long)]
        user: Option<String>,
        /// Machine-readable output (the token in `token`).
        #[arg(long)]
        json: bool,
    },
    /// List tokens (never their secrets): state, expiry, last use.
    List {
        /// Only this user's.
        #[arg(long)]
        user: Option<String>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by its id; it stops working at once and stays listed.
    Revoke {
        /// Token id (from `kojo token list`).
        id: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ApiCmd {
    /// Print the OpenAPI 3.1 document of /api/v1 (what /api/openapi.json serves).
    Openapi {
        /// Write it to this file instead of standard output.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
}

pub async fn token(cmd: TokenCmd, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    let app = open(db, lang).await?;
    let actor = Actor::cli();
    let admin = app
        .admin(&actor)
        .ok_or_else(|| app_failure(AppError::Forbidden))?;
    match cmd {
        TokenCmd::Create {
            name,
            scope,
            expires,
            user,
            json,
        } => {
            let scope = Scope::parse(&scope).map_err(app_failure)?;
            let user = match user {
                Some(u) => u,
                None => admin
                    .sole_admin()
                    .await
                    .map_err(app_failure)?
                    .ok_or_else(|| Failure::key("token.which_user", &[]))?,
            };
            let new = admin
                .create_token_for(&user, &name, scope, expires)
                .await
                .map_err(app_failure)?;
            if json {
                return print_json(&new);
            }
            outln!(
                "{}",
                tr(
                    lang,
                    "token.created",
                    &[
                        ("name", &new.info.name),
                        ("scope", &new.info.scope),
                        ("id", &new.info.id)
                    ]
                )
            );
            outln!("{}", new.token);
            Ok(())
        }
        TokenCmd::List { user, json } => {
            let rows = admin.tokens(user.as_deref()).await.map_err(app_failure)?;
            print_listing(
                &rows,
                json,
                t(lang, "token.none"),
                [
                    t(lang, "token.col_id"),
                    t(lang, "token.col_user"),
                    t(lang, "token.col_name"),
                    t(lang, "token.col_scope"),
                    t(lang, "token.col_state"),
                    t(lang, "token.col_expires"),
                    t(lang, "token.col_last_used"),
                ],
                |r| serde_json::to_value(r).unwrap_or_default(),
                |r| {
                    [
                        r.id.clone(),
                        r.user_name.clone(),
                        r.name.clone(),
                        r.scope.clone(),
                        t(lang, kojo_app::token_state(r)).to_string(),
                        r.expires_at.clone().unwrap_or_default(),
                        r.last_used_at
                            .clone()
                            .unwrap_or_else(|| t(lang, "token.never").to_string()),
                    ]
                },
            )
        }
        TokenCmd::Revoke { id } => {
            let r = admin.revoke_token(&id).await.map_err(app_failure)?;
            outln!("{}", tr(lang, "token.revoked", &[("id", &r.id)]));
            Ok(())
        }
    }
}

pub fn api(cmd: ApiCmd) -> Result<(), Failure> {
    match cmd {
        ApiCmd::Openapi { output } => {
            let doc = kojo_web::api::openapi::json();
            match output {
                Some(path) => write_file(&path, doc.as_bytes()),
                None => {
                    outln!("{doc}");
                    Ok(())
                }
            }
        }
    }
}
