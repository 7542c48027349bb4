//! Companies (the `organisations` table), plants and lines.

use super::*;

impl Store {
    // ---- organisations -------------------------------------------------------------------

    /// The default organisation, created with `name` on first use.
    pub async fn default_org(&self, name: &str) -> Result<Organisation> {
        let sql_ins = "INSERT INTO organisations (id, code, name, created_at) VALUES ($1, 'default', $2, $3) \
                       ON CONFLICT (code) DO NOTHING";
        let (id, at) = (new_id(), now());
        let n = exec!(self, sqlx::query(sql_ins).bind(&id).bind(name).bind(&at))?;
        at_most_one(n, "company")?;
        let sql = "SELECT id, code, name, created_at FROM organisations WHERE code = 'default'";
        Ok(on!(self, |pool| sqlx::query_as::<_, Organisation>(sql)
            .fetch_one(pool)
            .await)?)
    }

    /// Every company, by code.
    pub async fn companies(&self) -> Result<Vec<Organisation>> {
        let sql = "SELECT id, code, name, created_at FROM organisations ORDER BY code";
        Ok(on!(self, |pool| sqlx::query_as::<_, Organisation>(sql)
            .fetch_all(pool)
            .await)?)
    }

    /// A company by code.
    pub async fn company_by_code(&self, code: &str) -> Result<Option<Organisation>> {
        let sql = "SELECT id, code, name, created_at FROM organisations WHERE code = $1";
        Ok(on!(self, |pool| sqlx::query_as::<_, Organisation>(sql)
            .bind(code)
            .fetch_optional(pool)
            .await)?)
    }

    /// Adds a company; a duplicate code is [`StoreError::Duplicate`].
    pub async fn add_company(&self, code: &str, name: &str) -> Result<Organisation> {
        let org = Organisation {
            id: new_id(),
            code: code.into(),
            name: name.into(),
            created_at: now(),
        };
        let sql = "INSERT INTO organisations (id, code, name, created_at) VALUES ($1, $2, $3, $4)";
        let r = exec!(
            self,
            sqlx::query(sql)
                .bind(&org.id)
                .bind(&org.code)
                .bind(&org.name)
                .bind(&org.created_at)
        );
        match r {
            Ok(n) => inserted(n, "company").map(|()| org),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate {
                what: "company",
                key: code.into(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Renames an organisation (the company name printed on checksheets and reports).
    pub async fn rename_org(&self, org_id: &str, name: &str) -> Result<()> {
        let sql = "UPDATE organisations SET name = $1 WHERE id = $2";
        let r = exec!(self, sqlx::query(sql).bind(name).bind(org_id))?;
        one_row(r, "organisation", org_id)
    }

    // ---- sites and lines -----------------------------------------------------------------

    /// Adds a plant to a company; a duplicate code (in the deployment) is
    /// [`StoreError::Duplicate`].
    pub async fn add_site(&self, org_id: &str, code: &str, name: &str) -> Result<Site> {
        let site = Site {
            id: new_id(),
            org_id: org_id.into(),
            code: code.into(),
            name: name.into(),
            created_at: now(),
        };
        let sql =
            "INSERT INTO sites (id, org_id, code, name, created_at) VALUES ($1, $2, $3, $4, $5)";
        let r = exec!(
            self,
            sqlx::query(sql)
                .bind(&site.id)
                .bind(&site.org_id)
                .bind(&site.code)
                .bind(&site.name)
                .bind(&site.created_at)
        );
        match r {
            Ok(n) => inserted(n, "site").map(|()| site),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate {
                what: "site",
                key: code.into(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Plants of one company (all when `None`), by code.
    pub async fn sites(&self, org_id: Option<&str>) -> Result<Vec<Site>> {
        let sql = "SELECT id, org_id, code, name, created_at FROM sites \
                   WHERE CAST($1 AS TEXT) IS NULL OR org_id = $1 ORDER BY code";
        Ok(on!(self, |pool| sqlx::query_as::<_, Site>(sql)
            .bind(org_id)
            .fetch_all(pool)
            .await)?)
    }

    /// Plants a user may see (granted, or of a granted company), by code.
    pub async fn sites_granted(&self, user_id: &str) -> Result<Vec<Site>> {
        let sql = "SELECT s.id, s.org_id, s.code, s.name, s.created_at FROM sites s \
                   JOIN site_access g ON g.site_id = s.id WHERE g.user_id = $1 ORDER BY s.code";
        Ok(on!(self, |pool| sqlx::query_as::<_, Site>(sql)
            .bind(user_id)
            .fetch_all(pool)
            .await)?)
    }

    /// A plant by code (unique in the deployment).
    pub async fn site_by_code(&self, code: &str) -> Result<Option<Site>> {
        let sql = "SELECT id, org_id, code, name, created_at FROM sites WHERE code = $1";
        Ok(on!(self, |pool| sqlx::query_as::<_, Site>(sql)
            .bind(code)
            .fetch_optional(pool)
            .await)?)
    }

    /// A plant by id.
    pub async fn site(&self, id: &str) -> Result<Option<Site>> {
        let sql = "SELECT id, org_id, code, name, created_at FROM sites WHERE id = $1";
        Ok(on!(self, |pool| sqlx::query_as::<_, Site>(sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?)
    }

    /// Adds a line to a plant; a duplicate code in the plant is [`StoreError::Duplicate`].
    pub async fn add_line(&self, site_id: &str, code: &str, name: &str) -> Result<Line> {
        let line = Line {
            id: new_id(),
            site_id: site_id.into(),
            code: code.into(),
            name: name.into(),
            created_at: now(),
        };
        let sql =
            "INSERT INTO lines (id, site_id, code, name, created_at) VALUES ($1, $2, $3, $4, $5)";
        let r = exec!(
            self,
            sqlx::query(sql)
                .bind(&line.id)
                .bind(&line.site_id)
                .bind(&line.code)
                .bind(&line.name)
                .bind(&line.created_at)
        );
        match r {
            Ok(n) => inserted(n, "line").map(|()| line),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate {
                what: "line",
                key: code.into(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Lines of a plant, by code.
    pub async fn lines(&self, site_id: &str) -> Result<Vec<Line>> {
        let sql = "SELECT id, site_id, code, name, created_at FROM lines WHERE site_id = $1 ORDER BY code";
        Ok(on!(self, |pool| sqlx::query_as::<_, Line>(sql)
            .bind(site_id)
            .fetch_all(pool)
            .await)?)
    }

    /// A line by code.
    pub async fn line_by_code(&self, site_id: &str, code: &str) -> Result<Option<Line>> {
        let sql = "SELECT id, site_id, code, name, created_at FROM lines WHERE site_id = $1 AND code = $2";
        Ok(on!(self, |pool| sqlx::query_as::<_, Line>(sql)
            .bind(site_id)
            .bind(code)
            .fetch_optional(pool)
            .await)?)
    }

    /// A line by id.
    pub async fn line(&self, id: &str) -> Result<Option<Line>> {
        let sql = "SELECT id, site_id, code, name, created_at FROM lines WHERE id = $1";
        Ok(on!(self, |pool| sqlx::query_as::<_, Line>(sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?)
    }
}
