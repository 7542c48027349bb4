//! Users and plant grants.

use super::*;

impl Store {
    // ---- users, grants, sessions, access log ----------------------------------------------

    /// Number of user accounts (0 = first run: the setup page creates the first admin).
    pub async fn user_count(&self) -> Result<i64> {
        let (n,): (i64,) = on!(self, |pool| sqlx::query_as("SELECT COUNT(*) FROM users")
            .fetch_one(pool)
            .await)?;
        Ok(n)
    }

    /// Adds a user; a taken name is [`StoreError::Duplicate`].
    pub async fn add_user(
        &self,
        name: &str,
        role: kojo_domain::Role,
        password_hash: &str,
        lang: &str,
    ) -> Result<User> {
        let at = now();
        let user = User {
            id: new_id(),
            name: name.into(),
            role,
            password_hash: password_hash.into(),
            disabled: false,
            lang: lang.into(),
            created_at: at.clone(),
            password_changed_at: at,
        };
        let sql = concat!(
            "INSERT INTO users (",
            user_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        );
        let r = exec!(
            self,
            sqlx::query(sql)
                .bind(&user.id)
                .bind(&user.name)
                .bind(user.role.key())
                .bind(&user.password_hash)
                .bind(user.disabled)
                .bind(&user.lang)
                .bind(&user.created_at)
                .bind(&user.password_changed_at)
        );
        match r {
            Ok(n) => inserted(n, "user").map(|()| user),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate {
                what: "user",
                key: name.into(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Adds the first user only if there is none yet. The transaction first claims the
    /// `first_user` marker in `settings` (a primary key), so of two concurrent set-up requests
    /// exactly one proceeds on either engine. Returns `None` when a user already exists.
    pub async fn add_first_user(
        &self,
        name: &str,
        role: kojo_domain::Role,
        password_hash: &str,
        lang: &str,
    ) -> Result<Option<User>> {
        let at = now();
        let id = new_id();
        let created = write_tx!(self, |tx| {
            async {
                let claimed = sqlx::query("INSERT INTO settings (key, value) VALUES ('first_user', $1) ON CONFLICT (key) DO NOTHING")
                    .bind(&at)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users").fetch_one(&mut *tx).await?;
                if claimed == 0 || n > 0 {
                    return Ok::<_, StoreError>(false);
                }
                sqlx::query(
                    concat!("INSERT INTO users (", user_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $7)"),
                )
                .bind(&id)
                .bind(name)
                .bind(role.key())
                .bind(password_hash)
                .bind(false)
                .bind(lang)
                .bind(&at)
                .execute(&mut *tx)
                .await?;
                Ok(true)
            }
            .await
        })?;
        if created {
            self.user(&id).await
        } else {
            Ok(None)
        }
    }

    /// A user by login name.
    pub async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        let sql = concat!("SELECT ", user_columns!(), " FROM users WHERE name = $1");
        Ok(on!(self, |pool| sqlx::query_as::<_, User>(sql)
            .bind(name)
            .fetch_optional(pool)
            .await)?)
    }

    /// A user by id.
    pub async fn user(&self, id: &str) -> Result<Option<User>> {
        let sql = concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1");
        Ok(on!(self, |pool| sqlx::query_as::<_, User>(sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?)
    }

    /// All users by name.
    pub async fn users(&self) -> Result<Vec<User>> {
        let sql = concat!("SELECT ", user_columns!(), " FROM users ORDER BY name");
        Ok(on!(self, |pool| sqlx::query_as::<_, User>(sql)
            .fetch_all(pool)
            .await)?)
    }

    /// Sets a password hash (and the change time); ends the user's sessions.
    pub async fn set_password(&self, user_id: &str, password_hash: &str) -> Result<()> {
        let at = now();
        write_tx!(self, |tx| {
            async {
                let r = sqlx::query(
                    "UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
                )
                .bind(password_hash)
                .bind(&at)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
                one_row(r.rows_affected(), "user", user_id)?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                Ok(())
            }
            .await
        })
    }

    /// Enables or disables a user; disabling ends the user's sessions. Disabling the last
    /// enabled administrator is [`StoreError::LastAdmin`].
    pub async fn set_disabled(&self, user_id: &str, disabled: bool) -> Result<()> {
        write_tx!(self, |tx| {
            async {
                if disabled {
                    guard_last_admin!(tx, user_id);
                }
                let r = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                    .bind(disabled)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                one_row(r.rows_affected(), "user", user_id)?;
                if disabled {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?;
                }
                Ok(())
            }
            .await
        })
    }

    /// Changes a user's role. Demoting the last enabled administrator is
    /// [`StoreError::LastAdmin`].
    pub async fn set_role(&self, user_id: &str, role: kojo_domain::Role) -> Result<()> {
        write_tx!(self, |tx| {
            async {
                if role != kojo_domain::Role::Admin {
                    guard_last_admin!(tx, user_id);
                }
                let r = sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
                    .bind(role.key())
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                one_row(r.rows_affected(), "user", user_id)?;
                Ok(())
            }
            .await
        })
    }

    /// Sets a user's preferred language.
    pub async fn set_lang(&self, user_id: &str, lang: &str) -> Result<()> {
        let r = exec!(
            self,
            sqlx::query("UPDATE users SET lang = $1 WHERE id = $2")
                .bind(lang)
                .bind(user_id)
        )?;
        one_row(r, "user", user_id)
    }

    /// Grants a plant to a user (idempotent).
    pub async fn grant(&self, user_id: &str, site_id: &str) -> Result<()> {
        let sql = "INSERT INTO grants (user_id, site_id) VALUES ($1, $2) ON CONFLICT (user_id, site_id) DO NOTHING";
        let n = exec!(self, sqlx::query(sql).bind(user_id).bind(site_id))?;
        at_most_one(n, "grant").map(|_| ())
    }

    /// Revokes a plant from a user.
    pub async fn revoke(&self, user_id: &str, site_id: &str) -> Result<()> {
        let sql = "DELETE FROM grants WHERE user_id = $1 AND site_id = $2";
        let n = exec!(self, sqlx::query(sql).bind(user_id).bind(site_id))?;
        at_most_one(n, "grant").map(|_| ())
    }

    /// Grants a whole company to a user: its plants, present and future (idempotent).
    pub async fn grant_company(&self, user_id: &str, org_id: &str) -> Result<()> {
        let sql = "INSERT INTO company_grants (user_id, org_id) VALUES ($1, $2) \
                   ON CONFLICT (user_id, org_id) DO NOTHING";
        let n = exec!(self, sqlx::query(sql).bind(user_id).bind(org_id))?;
        at_most_one(n, "grant").map(|_| ())
    }

    /// Revokes a company grant (plant grants stay).
    pub async fn revoke_company(&self, user_id: &str, org_id: &str) -> Result<()> {
        let sql = "DELETE FROM company_grants WHERE user_id = $1 AND org_id = $2";
        let n = exec!(self, sqlx::query(sql).bind(user_id).bind(org_id))?;
        at_most_one(n, "grant").map(|_| ())
    }

    /// Every company grant as (user id, company), by company code (one query).
    pub async fn all_company_grants(&self) -> Result<Vec<(String, Organisation)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            user_id: String,
            #[sqlx(flatten)]
            org: Organisation,
        }
        let sql = "SELECT g.user_id, o.id, o.code, o.name, o.created_at FROM company_grants g \
                   JOIN organisations o ON o.id = g.org_id ORDER BY o.code, g.user_id";
        let rows: Vec<Row> = on!(self, |pool| sqlx::query_as::<_, Row>(sql)
            .fetch_all(pool)
            .await)?;
        Ok(rows.into_iter().map(|r| (r.user_id, r.org)).collect())
    }

    /// Every grant as (user id, plant), by plant code (one query, for the user listing).
    pub async fn all_grants(&self) -> Result<Vec<(String, Site)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            user_id: String,
            #[sqlx(flatten)]
            site: Site,
        }
        let sql = "SELECT g.user_id, s.id, s.org_id, s.code, s.name, s.created_at FROM grants g \
                   JOIN sites s ON s.id = g.site_id ORDER BY s.code, g.user_id";
        let rows: Vec<Row> = on!(self, |pool| sqlx::query_as::<_, Row>(sql)
            .fetch_all(pool)
            .await)?;
        Ok(rows.into_iter().map(|r| (r.user_id, r.site)).collect())
    }

    /// Whether `user_id` may see `site_id` (a plant grant or its company's).
    pub async fn is_granted(&self, user_id: &str, site_id: &str) -> Result<bool> {
        let sql = "SELECT COUNT(*) FROM site_access WHERE user_id = $1 AND site_id = $2";
        let (n,): (i64,) = on!(self, |pool| sqlx::query_as(sql)
            .bind(user_id)
            .bind(site_id)
            .fetch_one(pool)
            .await)?;
        Ok(n > 0)
    }
}
