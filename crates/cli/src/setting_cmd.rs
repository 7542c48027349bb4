//! `kojo setting …`: instance settings (the number of sign-off people, evidence limits).

use crate::db::{app_failure, open};
use crate::output::{Failure, outln, print_json};
use clap::Subcommand;
use kojo_app::{Actor, AppError, SETTINGS};
use kojo_i18n::{Lang, tr};

#[derive(Subcommand, Debug)]
pub enum SettingCmd {
    /// Every setting with its value, default and allowed range.
    List {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Set a setting: signoff.required_signers (3, or 2 for small plants),
    /// evidence.max_file_mib, evidence.quota_mib.
    Set {
        /// Setting name.
        key: String,
        /// New value (a whole number in the setting's range).
        value: String,
    },
}

pub async fn run(cmd: SettingCmd, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    let app = open(db, lang).await?;
    let actor = Actor::cli();
    let admin = app
        .admin(&actor)
        .ok_or_else(|| app_failure(AppError::Forbidden))?;
    match cmd {
        SettingCmd::List { json } => {
            let values = admin.settings().await.map_err(app_failure)?;
            let rows: Vec<(&str, i64, i64, i64, i64)> = values
                .iter()
                .filter_map(|(key, value)| {
                    let (_, default, min, max) = SETTINGS.iter().find(|s| s.0 == *key)?;
                    Some((*key, *value, *default, *min, *max))
                })
                .collect();
            if json {
                let j: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|(key, value, default, min, max)| {
                        serde_json::json!({"key": key, "value": value, "default": default, "min": min, "max": max})
                    })
                    .collect();
                return print_json(&j);
            }
            for (key, value, default, min, max) in rows {
                outln!(
                    "{}",
                    tr(
                        lang,
                        "cli.setting_row",
                        &[
                            ("key", &key),
                            ("value", &value),
                            ("default", &default),
                            ("min", &min),
                            ("max", &max)
                        ]
                    )
                );
            }
        }
        SettingCmd::Set { key, value } => {
            let n = admin.set_setting(&key, &value).await.map_err(app_failure)?;
            outln!(
                "{}",
                tr(
                    lang,
                    "cli.setting_set",
                    &[("key", &key.trim()), ("value", &n)]
                )
            );
        }
    }
    Ok(())
}
