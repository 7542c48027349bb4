//! `kojo company …`: the companies (会社) above plants.

use crate::db::{app_failure, open};
use crate::output::{Failure, outln, print_listing};
use clap::Subcommand;
use kojo_app::Actor;
use kojo_i18n::{Lang, t, tr};

#[derive(Subcommand, Debug)]
pub enum CompanyCmd {
    /// Add a company (会社).
    Add {
        /// Company code (A–Z a–z 0–9 - _ .).
        code: String,
        /// Company name.
        #[arg(long)]
        name: String,
    },
    /// Rename a company: the name printed on checksheets and reports. Installations start
    /// with one company, code `default`.
    Rename {
        /// Company code.
        code: String,
        /// The new name.
        #[arg(long)]
        name: String,
    },
    /// List companies.
    List {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cmd: CompanyCmd, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    let app = open(db, lang).await?;
    let actor = Actor::cli();
    let admin = app
        .admin(&actor)
        .ok_or_else(|| app_failure(kojo_app::AppError::Forbidden))?;
    match cmd {
        CompanyCmd::Add { code, name } => {
            let c = admin.add_company(&code, &name).await.map_err(app_failure)?;
            outln!(
                "{}",
                tr(
                    lang,
                    "cli.company_added",
                    &[("code", &c.code), ("name", &c.name)]
                )
            );
        }
        CompanyCmd::Rename { code, name } => {
            let c = admin
                .rename_company(&code, &name)
                .await
                .map_err(app_failure)?;
            outln!(
                "{}",
                tr(
                    lang,
                    "cli.company_renamed",
                    &[("code", &c.code), ("name", &c.name)]
                )
            );
        }
        CompanyCmd::List { json } => {
            let companies = admin.companies().await.map_err(app_failure)?;
            let sites = admin.sites().await.map_err(app_failure)?;
            let plants_of = |id: &str| -> Vec<String> {
                sites
                    .iter()
                    .filter(|s| s.org_id == id)
                    .map(|s| s.code.clone())
                    .collect()
            };
            print_listing(
                &companies,
                json,
                t(lang, "cli.no_companies"),
                [
                    t(lang, "cli.col_code"),
                    t(lang, "cli.col_name"),
                    t(lang, "cli.col_plants"),
                ],
                |c| {
                    serde_json::json!({
                        "code": c.code,
                        "name": c.name,
                        "plants": plants_of(&c.id),
                        "created_at": c.created_at,
                    })
                },
                |c| [c.code.clone(), c.name.clone(), plants_of(&c.id).join(",")],
            )?;
        }
    }
    Ok(())
}
