//! User accounts: the administrator's use cases, the user-name rule and the first administrator.

use crate::{Admin, App, AppError, Role, password};
use kojo_domain::Lang;
use kojo_store::{AuditEntry, Site, User};

/// The most characters of a login name.
pub const USER_NAME_MAX: usize = 64;

/// The one rule for login names, the same on the command line and the web: 1–64 characters,
/// letters and digits of any script and `.` `_` `-` `@`, starting with a letter or digit (so
/// `..`, `a/b` or names with spaces never exist). Full-width ASCII is folded to half-width and
/// surrounding spaces are trimmed first; the result is the name to store or look up.
pub fn check_user_name(name: &str) -> Result<String, AppError> {
    let n = kojo_domain::normalize_width(name.trim());
    let ok = n.chars().count() <= USER_NAME_MAX
        && n.chars().next().is_some_and(char::is_alphanumeric)
        && n.chars().all(|c| c.is_alphanumeric() || "._-@".contains(c));
    if ok {
        Ok(n)
    } else {
        let shown: String = name.chars().take(USER_NAME_MAX).collect();
        Err(AppError::bad("app.bad_user_name", &[("name", &shown)]))
    }
}

impl Admin<'_> {
    /// Adds a personal account after checking the password rules; grants `sites` (codes).
    pub async fn add_user(
        &self,
        name: &str,
        role: Role,
        password: &str,
        sites: &[String],
    ) -> Result<User, AppError> {
        let name = check_user_name(name)?;
        password::check(&name, password)?;
        let mut site_ids = Vec::new();
        for code in sites {
            site_ids.push(self.site(code).await?);
        }
        let hash = password::hash(password)?;
        let user = self.app.store.add_user(&name, role, &hash, "ja").await?;
        for s in &site_ids {
            self.app.store.grant(&user.id, &s.id).await?;
        }
        let codes: Vec<&str> = site_ids.iter().map(|s| s.code.as_str()).collect();
        self.audit(
            "user_add",
            &user.name,
            Some(&format!("role={} sites={}", role.key(), codes.join(","))),
        )
        .await?;
        Ok(user)
    }

    /// Users with their granted plants (two queries whatever the number of users).
    pub async fn users(&self) -> Result<Vec<(User, Vec<Site>)>, AppError> {
        let mut grants: std::collections::HashMap<String, Vec<Site>> =
            std::collections::HashMap::new();
        for (user_id, site) in self.app.store.all_grants().await? {
            grants.entry(user_id).or_default().push(site);
        }
        Ok(self
            .app
            .store
            .users()
            .await?
            .into_iter()
            .map(|u| {
                let sites = grants.remove(&u.id).unwrap_or_default();
                (u, sites)
            })
            .collect())
    }

    pub(crate) async fn user(&self, name: &str) -> Result<User, AppError> {
        let not_found = || AppError::NotFound {
            what: "user",
            key: name.chars().take(USER_NAME_MAX).collect(),
        };
        let name = check_user_name(name).map_err(|_| not_found())?;
        self.app
            .store
            .user_by_name(&name)
            .await?
            .ok_or_else(not_found)
    }

    /// Sets a user's password (rules apply); ends the user's sessions.
    pub async fn set_password(&self, name: &str, password: &str) -> Result<(), AppError> {
        let u = self.user(name).await?;
        password::check(&u.name, password)?;
        self.app
            .store
            .set_password(&u.id, &password::hash(password)?)
            .await?;
        self.audit("user_passwd", &u.name, None).await
    }

    /// Disables (or re-enables) a user; disabling ends the user's sessions. Nobody disables
    /// their own account, and the last enabled administrator stays enabled.
    pub async fn set_disabled(&self, name: &str, disabled: bool) -> Result<(), AppError> {
        let u = self.user(name).await?;
        if disabled && self.actor.user_id.as_deref() == Some(u.id.as_str()) {
            return Err(AppError::bad("app.not_self", &[]));
        }
        self.app.store.set_disabled(&u.id, disabled).await?;
        self.audit(
            if disabled {
                "user_disable"
            } else {
                "user_enable"
            },
            &u.name,
            None,
        )
        .await
    }

    /// Changes a user's role; the last enabled administrator cannot be demoted.
    pub async fn set_role(&self, name: &str, role: Role) -> Result<(), AppError> {
        let u = self.user(name).await?;
        self.app.store.set_role(&u.id, role).await?;
        self.audit("user_role", &u.name, Some(role.key())).await
    }

    /// Grants a plant to a user.
    pub async fn grant(&self, name: &str, site_code: &str) -> Result<(), AppError> {
        let u = self.user(name).await?;
        let s = self.site(site_code).await?;
        self.app.store.grant(&u.id, &s.id).await?;
        self.audit("grant", &u.name, Some(&s.code)).await
    }

    /// Revokes a plant from a user.
    pub async fn revoke(&self, name: &str, site_code: &str) -> Result<(), AppError> {
        let u = self.user(name).await?;
        let s = self.site(site_code).await?;
        self.app.store.revoke(&u.id, &s.id).await?;
        self.audit("revoke", &u.name, Some(&s.code)).await
    }

    /// A page of the access log, newest first: `limit` entries older than order key `before`
    /// (from the newest when `None`).
    pub async fn access_log(
        &self,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, AppError> {
        Ok(self.app.store.audit_log(before, limit).await?)
    }

    /// Clears the failed-login counters of a user (from every address), so that a throttled
    /// account can log in again at once. Returns how many counters were cleared.
    pub async fn unlock(&self, name: &str) -> Result<u64, AppError> {
        let u = self.user(name).await?;
        let n = self
            .app
            .store
            .throttle_clear_account(&u.name.to_lowercase())
            .await?;
        self.audit("user_unlock", &u.name, None).await?;
        Ok(n)
    }
}

/// Creates the first administrator on an empty database (first run; no default account).
/// Returns `None` if any user exists already.
pub async fn create_first_admin(
    app: &App,
    name: &str,
    password: &str,
    lang: Lang,
    client: Option<&str>,
) -> Result<Option<User>, AppError> {
    let name = check_user_name(name)?;
    password::check(&name, password)?;
    let hash = password::hash(password)?;
    let user = app
        .store
        .add_first_user(&name, Role::Admin, &hash, lang.code())
        .await?;
    if let Some(u) = &user {
        app.store
            .audit(
                Some(&u.name),
                client,
                "user_add",
                Some(&u.name),
                Some("first administrator (setup)"),
            )
            .await?;
    }
    Ok(user)
}
