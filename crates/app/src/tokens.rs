//! Personal API tokens: `kojo_` and 64 hex digits, shown once, stored as SHA-256. A token acts
//! as its user with the user's role and grants, never more; a `read` token only reads (the API
//! refuses every other method for it before any handler runs).

use crate::Role;
use crate::auth::{parse_stamp, random_token, sha256_hex, stamp};
use crate::{Actor, Admin, App, AppError, Reader, check_name};
use chrono::{NaiveDate, Utc};
use kojo_i18n::Lang;
use kojo_store::{ApiToken, NewApiToken, User};
use std::time::Duration;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// `GET` only.
    Read,
    /// Everything its user may do.
    Write,
}

impl Scope {
    /// Parses `read` / `write`.
    pub fn parse(s: &str) -> Result<Scope, AppError> {
        match s.trim() {
            "read" => Ok(Scope::Read),
            "write" => Ok(Scope::Write),
            other => Err(AppError::bad("token.bad_scope", &[("scope", &other)])),
        }
    }

    /// `read` / `write`.
    pub fn key(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }
}

/// The prefix of every token (recognisable in logs and secret scanners).
pub const TOKEN_PREFIX: &str = "kojo_";
/// The longest token name.
pub const TOKEN_NAME_MAX: usize = 100;
/// How often a token's last use is written at most.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// The i18n key of a token's state now: `token.active`, `token.revoked_state` or
/// `token.expired_state`.
pub fn token_state(t: &ApiToken) -> &'static str {
    let expired = t
        .expires_at
        .as_deref()
        .and_then(parse_stamp)
        .is_some_and(|e| e < Utc::now());
    if t.revoked_at.is_some() {
        "token.revoked_state"
    } else if expired {
        "token.expired_state"
    } else {
        "token.active"
    }
}

/// A token just created: the secret is in `token`, shown this once.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewToken {
    /// The secret (`kojo_…`).
    pub token: String,
    /// The stored record.
    #[serde(flatten)]
    pub info: ApiToken,
}

/// A request authenticated by a token.
#[derive(Debug, Clone)]
pub struct ApiSession {
    /// Who acts.
    pub actor: Actor,
    /// What the token allows.
    pub scope: Scope,
    /// The user's language (the default when the request names none).
    pub lang: Lang,
    /// The token's id.
    pub token_id: String,
}

fn check_token_name(name: &str) -> Result<String, AppError> {
    let name = check_name(name)?;
    if name.chars().count() > TOKEN_NAME_MAX {
        return Err(AppError::bad(
            "token.name_too_long",
            &[("max", &TOKEN_NAME_MAX)],
        ));
    }
    Ok(name)
}

/// The end of the expiry day in JST, which is what people mean by a date here.
fn expiry(on: Option<NaiveDate>) -> Result<Option<String>, AppError> {
    let Some(d) = on else { return Ok(None) };
    let today = (Utc::now() + chrono::Duration::hours(9)).date_naive();
    if d < today {
        return Err(AppError::bad("token.expired_date", &[("date", &d)]));
    }
    Ok(Some(format!("{d}T14:59:59.999Z")))
}

async fn create(
    app: &App,
    user: &User,
    name: &str,
    scope: Scope,
    expires: Option<NaiveDate>,
    by: &Actor,
) -> Result<NewToken, AppError> {
    let name = check_token_name(name)?;
    let expires_at = expiry(expires)?;
    let token = format!("{TOKEN_PREFIX}{}", random_token());
    let info = app
        .store
        .add_api_token(&NewApiToken {
            user_id: &user.id,
            name: &name,
            scope: scope.key(),
            token_hash: &sha256_hex(&token),
            expires_at: expires_at.as_deref(),
        })
        .await?;
    app.store
        .audit(
            Some(&by.name),
            by.client.as_deref(),
            "token_create",
            Some(&user.name),
            Some(&format!("{} {} {}", info.id, scope.key(), name)),
        )
        .await?;
    Ok(NewToken { token, info })
}

impl Reader<'_> {
    fn own_user_id(&self) -> Result<&str, AppError> {
        self.actor
            .user_id
            .as_deref()
            .ok_or_else(|| AppError::bad("token.no_user", &[]))
    }

    /// The actor's own tokens, oldest first.
    pub async fn my_tokens(&self) -> Result<Vec<ApiToken>, AppError> {
        Ok(self.app.store.api_tokens(Some(self.own_user_id()?)).await?)
    }

    /// Creates a token for the actor (any role: it can do no more than the user).
    pub async fn create_token(
        &self,
        name: &str,
        scope: Scope,
        expires: Option<NaiveDate>,
    ) -> Result<NewToken, AppError> {
        let id = self.own_user_id()?;
        let user = self
            .app
            .store
            .user(id)
            .await?
            .ok_or_else(|| AppError::Internal("the signed-in user is missing".into()))?;
        create(self.app, &user, name, scope, expires, self.actor).await
    }

    /// Revokes one of the actor's tokens (administrators: anyone's).
    pub async fn revoke_token(&self, id: &str) -> Result<ApiToken, AppError> {
        let not_found = || AppError::NotFound {
            what: "token",
            key: id.to_string(),
        };
        let t = self
            .app
            .store
            .api_token(id.trim())
            .await?
            .ok_or_else(not_found)?;
        if !self.actor.role.may_administer() && self.actor.user_id.as_deref() != Some(&t.user_id) {
            return Err(not_found());
        }
        self.app.store.revoke_api_token(&t.id).await?;
        self.app
            .store
            .audit(
                Some(&self.actor.name),
                self.actor.client.as_deref(),
                "token_revoke",
                Some(&t.user_name),
                Some(&t.id),
            )
            .await?;
        self.app.store.api_token(&t.id).await?.ok_or_else(not_found)
    }
}

impl Admin<'_> {
    /// Creates a token for a user (the command line's `kojo token create --user`).
    pub async fn create_token_for(
        &self,
        user: &str,
        name: &str,
        scope: Scope,
        expires: Option<NaiveDate>,
    ) -> Result<NewToken, AppError> {
        let u = self.user(user).await?;
        if u.disabled {
            return Err(AppError::bad("token.user_disabled", &[("user", &u.name)]));
        }
        create(self.app, &u, name, scope, expires, self.actor).await
    }

    /// Every user's tokens, or one user's.
    pub async fn tokens(&self, user: Option<&str>) -> Result<Vec<ApiToken>, AppError> {
        let id = match user {
            Some(u) => Some(self.user(u).await?.id),
            None => None,
        };
        Ok(self.app.store.api_tokens(id.as_deref()).await?)
    }

    /// The one enabled administrator, when there is exactly one (the default user of
    /// `kojo token create`).
    pub async fn sole_admin(&self) -> Result<Option<String>, AppError> {
        let admins: Vec<User> = self
            .app
            .store
            .users()
            .await?
            .into_iter()
            .filter(|u| u.role == Role::Admin && !u.disabled)
            .collect();
        Ok(match admins.as_slice() {
            [one] => Some(one.name.clone()),
            _ => None,
        })
    }
}

impl App {
    /// The session of a request bearing `token`: `None` for an unknown, revoked or expired
    /// token or a disabled user (the API answers all of them alike, 401).
    pub async fn api_session(
        &self,
        token: &str,
        client: &str,
    ) -> Result<Option<ApiSession>, AppError> {
        if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
            return Ok(None);
        }
        let Some((t, user)) = self.store.api_token_by_hash(&sha256_hex(token)).await? else {
            return Ok(None);
        };
        let now = Utc::now();
        let expired = t
            .expires_at
            .as_deref()
            .and_then(parse_stamp)
            .is_some_and(|e| e < now);
        if t.revoked_at.is_some() || expired || user.disabled {
            return Ok(None);
        }
        let stale = t
            .last_used_at
            .as_deref()
            .and_then(parse_stamp)
            .and_then(|last| now.signed_duration_since(last).to_std().ok())
            .is_none_or(|d| d >= TOUCH_EVERY);
        if stale {
            self.store.touch_api_token(&t.id, &stamp(now)).await?;
        }
        Ok(Some(ApiSession {
            actor: Actor {
                name: user.name.clone(),
                user_id: Some(user.id.clone()),
                role: user.role,
                client: Some(client.to_string()),
            },
            scope: Scope::parse(&t.scope)?,
            lang: user.lang.parse().unwrap_or_default(),
            token_id: t.id,
        }))
    }
}
