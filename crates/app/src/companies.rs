//! Companies (会社), the level above plants. A deployment starts with one, the default company
//! (code `default`), which single-company users never see; its name goes on checksheets and
//! reports, and `rename_company` sets it.

use crate::handles::not_found;
use crate::{Admin, AppError, Reader, check_code, check_name};
use kojo_store::{Organisation, Site};

impl Reader<'_> {
    /// Companies the actor may see, by code: every company for those who see everything, else
    /// the companies of the plants they may see (never one they have no plant of).
    pub async fn companies(&self) -> Result<Vec<Organisation>, AppError> {
        let sites = if self.actor.sees_all() {
            Vec::new()
        } else {
            self.sites().await?
        };
        self.companies_of(&sites).await
    }

    /// [`Self::companies`] when the caller already holds the plants the actor may see
    /// ([`Self::sites`]): one query instead of two.
    pub async fn companies_of(&self, visible: &[Site]) -> Result<Vec<Organisation>, AppError> {
        let all = self.app.store.companies().await?;
        if self.actor.sees_all() {
            return Ok(all);
        }
        Ok(all
            .into_iter()
            .filter(|c| visible.iter().any(|s| s.org_id == c.id))
            .collect())
    }
}

impl Admin<'_> {
    async fn company(&self, code: &str) -> Result<Organisation, AppError> {
        self.app
            .store
            .company_by_code(code.trim())
            .await?
            .ok_or_else(|| not_found("company", code))
    }

    /// Adds a company.
    pub async fn add_company(&self, code: &str, name: &str) -> Result<Organisation, AppError> {
        let org = self
            .app
            .store
            .add_company(&check_code(code)?, &check_name(name)?)
            .await?;
        self.audit("company_add", &org.code, Some(&org.name))
            .await?;
        Ok(org)
    }

    /// Renames a company (the name printed on checksheets and reports).
    pub async fn rename_company(&self, code: &str, name: &str) -> Result<Organisation, AppError> {
        let org = self.company(code).await?;
        let name = check_name(name)?;
        self.app.store.rename_org(&org.id, &name).await?;
        self.audit("company_rename", &org.code, Some(&name)).await?;
        Ok(Organisation { name, ..org })
    }

    /// Adds a plant to a company.
    pub async fn add_company_site(
        &self,
        company: &str,
        code: &str,
        name: &str,
    ) -> Result<Site, AppError> {
        let org = self.company(company).await?;
        let site = self
            .app
            .store
            .add_site(&org.id, &check_code(code)?, &check_name(name)?)
            .await?;
        self.audit(
            "site_add",
            &site.code,
            Some(&format!("{} ({})", site.name, org.code)),
        )
        .await?;
        Ok(site)
    }

    /// Grants a whole company to a user: every plant of it, including plants added later.
    pub async fn grant_company(&self, name: &str, company: &str) -> Result<(), AppError> {
        let u = self.user(name).await?;
        let org = self.company(company).await?;
        self.app.store.grant_company(&u.id, &org.id).await?;
        self.audit("grant_company", &u.name, Some(&org.code)).await
    }

    /// Revokes a company grant (the user's plant grants stay).
    pub async fn revoke_company(&self, name: &str, company: &str) -> Result<(), AppError> {
        let u = self.user(name).await?;
        let org = self.company(company).await?;
        self.app.store.revoke_company(&u.id, &org.id).await?;
        self.audit("revoke_company", &u.name, Some(&org.code)).await
    }

    /// Every company grant as (user id, company), by company code.
    pub async fn company_grants(&self) -> Result<Vec<(String, Organisation)>, AppError> {
        Ok(self.app.store.all_company_grants().await?)
    }
}
