//! `kojo serve` and `kojo user …`.

use crate::db::{app_failure, open};
use crate::output::{Failure, outln, pad, print_json};
use clap::{Args, Subcommand};
use kojo_app::{Actor, AppError, Role};
use kojo_i18n::{Lang, t, tr};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "KOJO_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Idle session timeout in minutes (guideline item 52).
    #[arg(
        long = "session-idle-minutes",
        env = "KOJO_SESSION_IDLE_MINUTES",
        default_value_t = 30.0
    )]
    pub session_idle_minutes: f64,
    /// A reverse proxy whose X-Forwarded-Proto / X-Forwarded-For are trusted (TLS terminates there).
    #[arg(long = "trusted-proxy", env = "KOJO_TRUSTED_PROXY")]
    pub trusted_proxy: Option<std::net::IpAddr>,
    /// Write verified backups into this directory on a schedule (guideline items 60–62).
    #[arg(long = "backup-dir", env = "KOJO_BACKUP_DIR")]
    pub backup_dir: Option<std::path::PathBuf>,
    /// How often (`24h`, `12h`, `7d`; at least 1m).
    #[arg(long = "backup-every", env = "KOJO_BACKUP_EVERY", default_value = "24h", value_parser = parse_every)]
    pub backup_every: Duration,
    /// How many scheduled backups to keep; older ones go only after a new one verified.
    #[arg(long = "backup-keep", env = "KOJO_BACKUP_KEEP", default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub backup_keep: u32,
    /// Keep audit records this long (`730d`); older ones are removed daily, the chain
    /// verifiable from a recorded anchor. Without it, records are kept for ever.
    #[arg(long = "audit-retention", env = "KOJO_AUDIT_RETENTION", value_parser = parse_retention)]
    pub audit_retention: Option<Duration>,
}

pub(crate) fn parse_every(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| e.to_string())?;
    if d < Duration::from_secs(60) {
        return Err("at least 1m".into());
    }
    Ok(d)
}

fn parse_retention(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| e.to_string())?;
    if d < Duration::from_secs(24 * 3600) {
        return Err("at least 1d".into());
    }
    Ok(d)
}

pub async fn serve(
    args: ServeArgs,
    db: Option<&str>,
    lang: Lang,
    started: Instant,
) -> Result<(), Failure> {
    if !(args.session_idle_minutes > 0.0 && args.session_idle_minutes <= 24.0 * 60.0) {
        return Err(Failure::key(
            "cli.serve_idle",
            &[("value", &args.session_idle_minutes)],
        ));
    }
    let app = open(db, lang).await?;
    let database = app.database_description().to_string();
    let first_run = app.needs_setup().await.map_err(app_failure)?;
    let config = kojo_web::Config {
        session_idle: Duration::from_secs_f64(args.session_idle_minutes * 60.0),
        trusted_proxy: args.trusted_proxy,
        backup: args
            .backup_dir
            .clone()
            .map(|dir| kojo_web::jobs::BackupSchedule {
                dir,
                every: args.backup_every,
                keep: args.backup_keep as usize,
            }),
        audit_retention: args.audit_retention,
        ..Default::default()
    };
    kojo_web::serve(app, config, args.listen, |addr| {
        outln!(
            "{}",
            tr(
                lang,
                "cli.serve_listening",
                &[("url", &format!("http://{addr}/"))]
            )
        );
        outln!("{}", tr(lang, "cli.serve_database", &[("db", &database)]));
        if first_run {
            outln!(
                "{}",
                tr(
                    lang,
                    "cli.serve_first_run",
                    &[("url", &format!("http://{addr}/setup"))]
                )
            );
        }
        outln!(
            "{}",
            tr(
                lang,
                "cli.serve_ready",
                &[("ms", &started.elapsed().as_millis())]
            )
        );
    })
    .await
    .map_err(|e| {
        Failure::key(
            "cli.serve_failed",
            &[("addr", &args.listen), ("detail", &e)],
        )
    })
}

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Add a personal account; the password is read from standard input.
    Add {
        /// Login name.
        name: String,
        /// admin, assessor, approver, reviewer or viewer.
        #[arg(long)]
        role: String,
        /// Plant codes the user may see (repeat).
        #[arg(long = "site")]
        sites: Vec<String>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long = "password-stdin", required = true)]
        password_stdin: bool,
    },
    /// List accounts.
    List {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Set a password (read from standard input); ends the user's sessions.
    Passwd {
        /// Login name.
        name: String,
        /// Read the password from standard input.
        #[arg(long = "password-stdin", required = true)]
        password_stdin: bool,
    },
    /// Disable an account; ends its sessions.
    Disable {
        /// Login name.
        name: String,
    },
    /// Re-enable an account.
    Enable {
        /// Login name.
        name: String,
    },
    /// Change a user's role (the last enabled administrator cannot be demoted).
    Role {
        /// Login name.
        name: String,
        /// admin, assessor, approver, reviewer or viewer.
        role: String,
    },
    /// Clear a user's failed-login counters so they can log in again at once (the way back in
    /// for an administrator whose account is being attacked).
    Unlock {
        /// Login name.
        name: String,
    },
    /// Grant a plant, or with --company a whole company (its plants, present and future), to a
    /// user.
    Grant {
        /// Login name.
        name: String,
        /// Plant code.
        #[arg(required_unless_present = "company", conflicts_with = "company")]
        site: Option<String>,
        /// Company code.
        #[arg(long)]
        company: Option<String>,
    },
    /// Show the access log (logins, failures, logouts, user and grant changes).
    Log {
        /// Number of entries.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Only entries older than this one (its `seq`, for paging).
        #[arg(long)]
        before: Option<i64>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

fn parse_role(role: &str) -> Result<Role, Failure> {
    Role::from_key(role).ok_or_else(|| {
        let roles = Role::ALL.map(Role::key).join(", ");
        Failure::key("cli.bad_role", &[("role", &role), ("roles", &roles)])
    })
}

fn read_password() -> Result<String, Failure> {
    let mut s = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin().take(4096), &mut s)
        .map_err(|e| Failure::key("error.read_file", &[("file", &"stdin"), ("detail", &e)]))?;
    Ok(s.trim_end_matches(['\n', '\r']).to_string())
}

use std::io::Read as _;

pub async fn user(cmd: UserCmd, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    let app = open(db, lang).await?;
    let actor = Actor::cli();
    let admin = app
        .admin(&actor)
        .ok_or_else(|| app_failure(AppError::Forbidden))?;
    match cmd {
        UserCmd::Add {
            name, role, sites, ..
        } => {
            let role = parse_role(&role)?;
            let password = read_password()?;
            let u = admin
                .add_user(&name, role, &password, &sites)
                .await
                .map_err(app_failure)?;
            outln!(
                "{}",
                tr(
                    lang,
                    "cli.user_added",
                    &[("name", &u.name), ("role", &role.name(lang))]
                )
            );
        }
        UserCmd::List { json } => {
            let users = admin.users().await.map_err(app_failure)?;
            let company_grants = admin.company_grants().await.map_err(app_failure)?;
            let companies_of = |user_id: &str| -> Vec<String> {
                company_grants
                    .iter()
                    .filter(|(u, _)| u == user_id)
                    .map(|(_, c)| c.code.clone())
                    .collect()
            };
            if json {
                let rows: Vec<serde_json::Value> = users
                    .iter()
                    .map(|(u, s)| serde_json::json!({"name": u.name, "role": u.role, "disabled": u.disabled, "sites": s.iter().map(|x| &x.code).collect::<Vec<_>>(), "companies": companies_of(&u.id), "created_at": u.created_at}))
                    .collect();
                return print_json(&rows);
            }
            for (u, sites) in users {
                let role = u.role.name(lang);
                let state = if u.disabled {
                    t(lang, "web.users.disabled")
                } else {
                    t(lang, "web.users.active")
                };
                let mut codes: Vec<String> = sites.iter().map(|s| s.code.clone()).collect();
                codes.extend(
                    companies_of(&u.id)
                        .into_iter()
                        .map(|c| tr(lang, "cli.company_grant", &[("code", &c)])),
                );
                outln!(
                    "{}  {}  {}  {}",
                    pad(&u.name, 16),
                    pad(role, 10),
                    pad(state, 6),
                    codes.join(",")
                );
            }
        }
        UserCmd::Passwd { name, .. } => {
            let password = read_password()?;
            admin
                .set_password(&name, &password)
                .await
                .map_err(app_failure)?;
            outln!("{}", tr(lang, "cli.user_passwd", &[("name", &name)]));
        }
        UserCmd::Disable { name } => {
            admin.set_disabled(&name, true).await.map_err(app_failure)?;
            outln!("{}", tr(lang, "cli.user_disabled", &[("name", &name)]));
        }
        UserCmd::Enable { name } => {
            admin
                .set_disabled(&name, false)
                .await
                .map_err(app_failure)?;
            outln!("{}", tr(lang, "cli.user_enabled", &[("name", &name)]));
        }
        UserCmd::Role { name, role } => {
            let role = parse_role(&role)?;
            admin.set_role(&name, role).await.map_err(app_failure)?;
            outln!(
                "{}",
                tr(
                    lang,
                    "cli.user_role",
                    &[("name", &name), ("role", &role.name(lang))]
                )
            );
        }
        UserCmd::Unlock { name } => {
            let n = admin.unlock(&name).await.map_err(app_failure)?;
            outln!(
                "{}",
                tr(lang, "cli.user_unlocked", &[("name", &name), ("count", &n)])
            );
        }
        UserCmd::Grant {
            name,
            site,
            company,
        } => match (site, company) {
            (Some(site), _) => {
                admin.grant(&name, &site).await.map_err(app_failure)?;
                outln!(
                    "{}",
                    tr(
                        lang,
                        "cli.user_granted",
                        &[("name", &name), ("site", &site)]
                    )
                );
            }
            (None, Some(company)) => {
                admin
                    .grant_company(&name, &company)
                    .await
                    .map_err(app_failure)?;
                outln!(
                    "{}",
                    tr(
                        lang,
                        "cli.user_granted_company",
                        &[("name", &name), ("company", &company)]
                    )
                );
            }
            (None, None) => unreachable!("clap requires a plant or --company"),
        },
        UserCmd::Log {
            limit,
            before,
            json,
        } => {
            let log = admin
                .access_log(before, limit.clamp(1, 100_000))
                .await
                .map_err(app_failure)?;
            if json {
                return print_json(&log);
            }
            for e in log {
                outln!(
                    "{:>6}  {}  {}  {}  {}  {}  {}",
                    e.seq,
                    e.at,
                    pad(e.actor.as_deref().unwrap_or("-"), 14),
                    pad(e.client.as_deref().unwrap_or("-"), 15),
                    pad(&e.action, 16),
                    e.target.as_deref().unwrap_or(""),
                    e.detail.as_deref().unwrap_or("")
                );
            }
        }
    }
    Ok(())
}
