//! `kojo site …` and `kojo line …`.

use crate::db::{app_failure, open};
use crate::output::{Failure, outln, pad, print_json};
use clap::Subcommand;
use kojo_app::Actor;
use kojo_i18n::{Lang, t, tr};

#[derive(Subcommand, Debug)]
pub enum SiteCmd {
    /// Add a plant (工場).
    Add {
        /// Plant code (A–Z a–z 0–9 - _ .).
        code: String,
        /// Plant name.
        #[arg(long)]
        name: String,
        /// The company (code) it belongs to; the default company when not given.
        #[arg(long)]
        company: Option<String>,
    },
    /// List plants.
    List {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum LineCmd {
    /// Add a production line (ライン) to a plant.
    Add {
        /// Plant code.
        site: String,
        /// Line code.
        code: String,
        /// Line name.
        #[arg(long)]
        name: String,
    },
    /// List the lines of a plant.
    List {
        /// Plant code.
        site: String,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

pub async fn site(cmd: SiteCmd, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    let app = open(db, lang).await?;
    let actor = Actor::cli();
    let admin = app
        .admin(&actor)
        .ok_or_else(|| app_failure(kojo_app::AppError::Forbidden))?;
    match cmd {
        SiteCmd::Add {
            code,
            name,
            company,
        } => {
            let s = match company {
                Some(c) => admin.add_company_site(&c, &code, &name).await,
                None => admin.add_site(&code, &name).await,
            }
            .map_err(app_failure)?;
            outln!(
                "{}",
                tr(
                    lang,
                    "cli.site_added",
                    &[("code", &s.code), ("name", &s.name)]
                )
            );
        }
        SiteCmd::List { json } => {
            let sites = admin.sites().await.map_err(app_failure)?;
            if json {
                return print_json(&sites);
            }
            if sites.is_empty() {
                outln!("{}", t(lang, "cli.no_sites"));
            }
            for s in sites {
                outln!("{}  {}", pad(&s.code, 12), s.name);
            }
        }
    }
    Ok(())
}

pub async fn line(cmd: LineCmd, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    let app = open(db, lang).await?;
    let actor = Actor::cli();
    let admin = app
        .admin(&actor)
        .ok_or_else(|| app_failure(kojo_app::AppError::Forbidden))?;
    match cmd {
        LineCmd::Add { site, code, name } => {
            let l = admin
                .add_line(&site, &code, &name)
                .await
                .map_err(app_failure)?;
            outln!(
                "{}",
                tr(
                    lang,
                    "cli.line_added",
                    &[("site", &site), ("code", &l.code), ("name", &l.name)]
                )
            );
        }
        LineCmd::List { site, json } => {
            let s = admin.site(&site).await.map_err(app_failure)?;
            let lines = admin.lines(&s).await.map_err(app_failure)?;
            if json {
                return print_json(&lines);
            }
            if lines.is_empty() {
                outln!("{}", t(lang, "cli.no_lines"));
            }
            for l in lines {
                outln!("{}  {}", pad(&l.code, 12), l.name);
            }
        }
    }
    Ok(())
}
