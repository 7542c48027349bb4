//! Signing in: first-run setup, login with throttling, sessions with an idle timeout, logout.
//!
//! The web crate calls these use cases and never the store: it holds a cookie token and gets
//! back a [`Session`] whose [`Actor`] the role-limited handles take.
//!
//! # Throttling (guideline item 51; an attacker must not lock anybody out)
//!
//! Failures are counted in the database, so every instance shares them and
//! `kojo user unlock NAME` can clear them, in three counters: the (account, client address)
//! pair, the account from any address, and the address for any account. A counter forgets
//! failures older than [`WINDOW`].
//!
//! - **Pair**: after [`PAIR_FREE`] failures each further attempt waits twice as long as the one
//!   before ([`BASE_DELAY`], then 2×, 4×, … up to [`MAX_DELAY`]). A success clears the pair.
//! - **Account ceiling**: after [`ACCOUNT_CEILING`] failures from anywhere, addresses that never
//!   logged in to the account are delayed the same way; an address that has logged in before is
//!   only slowed by [`KNOWN_SLOWDOWN`], never refused, so a password-guessing crowd cannot lock
//!   the real user (or the last administrator) out.
//! - **Address ceiling**: after [`CLIENT_CEILING`] failures for any accounts, the address is
//!   delayed the same way (password spraying).
//!
//! While delayed, an attempt is answered "throttled" without checking the password and without
//! counting. A login name that is not a valid user name (longer than 64 characters, say) is
//! refused before anything is stored.

use crate::{Actor, App, AppError, check_user_name, password};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use chrono::{DateTime, Utc};
use kojo_domain::Lang;
use kojo_store::{ContentStamp, FailureCount, Session as StoredSession};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Failures older than this are forgotten.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures of one account from one address before delays start.
pub const PAIR_FREE: i64 = 5;
/// The first delay; each further failure doubles it.
pub const BASE_DELAY: Duration = Duration::from_secs(30);
/// Failures of one account from all addresses before unknown addresses are delayed.
pub const ACCOUNT_CEILING: i64 = 20;
/// Failures from one address (any accounts) before that address is delayed.
pub const CLIENT_CEILING: i64 = 50;
/// The longest delay between two attempts.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// How much an address that logged in before is slowed once the account ceiling is reached.
pub const KNOWN_SLOWDOWN: Duration = Duration::from_secs(1);
/// How long an address stays known to an account after its last successful login.
pub const KNOWN_FOR: Duration = Duration::from_secs(180 * 24 * 3600);

/// A signed-in user, as one request sees it.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who is acting (for the role-limited handles).
    pub actor: Actor,
    /// The user's language.
    pub lang: Lang,
    /// The CSRF token of this session's forms.
    pub csrf: String,
    /// The database's content stamp, read with the session (none for a session just started):
    /// a page rendered for this request may be kept under it.
    pub content_stamp: Option<ContentStamp>,
    token_hash: String,
}

impl Session {
    /// The user's login name.
    pub fn user_name(&self) -> &str {
        &self.actor.name
    }
}

/// A session just started: the token goes into the cookie (only its hash is stored).
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The cookie value.
    pub token: String,
    /// The session.
    pub session: Session,
}

/// What a session cookie turned out to be.
#[derive(Debug, Clone)]
pub enum SessionLookup {
    /// A live session (its last-seen time is refreshed now and then).
    Active(Session),
    /// The session was idle too long and has ended now (recorded in the access log).
    Expired,
    /// No such session (or its user is disabled).
    None,
}

/// The result of a login attempt.
#[derive(Debug, Clone)]
pub enum LoginOutcome {
    /// Signed in.
    LoggedIn(NewSession),
    /// Wrong name or password (the two are not told apart).
    Failed,
    /// Too many failures: try again later.
    Throttled,
}

/// 32 random bytes from the operating system, in hex (session IDs, CSRF tokens, API tokens).
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    hex(&b)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|x| format!("{x:02x}")).collect()
}

pub(crate) fn sha256_hex(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

pub(crate) fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub(crate) fn parse_stamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

fn ago(d: Duration) -> String {
    stamp(Utc::now() - chrono::Duration::from_std(d).unwrap_or_default())
}

/// The delay after `failures` failures when the first `free` are free: [`BASE_DELAY`], twice
/// that, four times, … up to [`MAX_DELAY`].
pub fn delay_after(failures: i64, free: i64) -> Duration {
    if failures < free {
        return Duration::ZERO;
    }
    let doublings = u32::try_from(failures - free).unwrap_or(u32::MAX).min(20);
    (BASE_DELAY * (1u32 << doublings)).min(MAX_DELAY)
}

/// Whether a counter still delays the next attempt at `now`.
fn delayed(count: &FailureCount, free: i64, now: DateTime<Utc>) -> bool {
    let delay = delay_after(count.failures, free);
    if delay.is_zero() {
        return false;
    }
    match count.last_failure.as_deref().and_then(parse_stamp) {
        Some(last) => now < last + chrono::Duration::from_std(delay).unwrap_or_default(),
        None => false,
    }
}

/// The session of `user` as requests see it.
fn session_of(
    user: &kojo_store::User,
    client: &str,
    csrf: String,
    token_hash: String,
    content_stamp: Option<ContentStamp>,
) -> Result<Session, AppError> {
    Ok(Session {
        actor: Actor {
            name: user.name.clone(),
            user_id: Some(user.id.clone()),
            role: user.role,
            client: Some(client.to_string()),
        },
        lang: user.lang.parse().unwrap_or_default(),
        csrf,
        token_hash,
        content_stamp,
    })
}

impl App {
    /// Whether no user exists yet (first run: the setup page creates the first administrator).
    pub async fn needs_setup(&self) -> Result<bool, AppError> {
        Ok(self.store.user_count().await? == 0)
    }

    /// Closes the database connections (waits for them to finish).
    pub async fn close(&self) {
        self.store.close().await
    }

    /// The database as start-up messages show it (password hidden).
    pub fn database_description(&self) -> &str {
        self.store.description()
    }

    async fn start_session(
        &self,
        user: &kojo_store::User,
        client: &str,
    ) -> Result<NewSession, AppError> {
        let token = random_token();
        let at = stamp(Utc::now());
        let stored = StoredSession {
            token_hash: sha256_hex(&token),
            user_id: user.id.clone(),
            csrf_token: random_token(),
            created_at: at.clone(),
            last_seen: at,
            client: Some(client.to_string()),
        };
        self.store.create_session(&stored).await?;
        Ok(NewSession {
            token,
            session: session_of(user, client, stored.csrf_token, stored.token_hash, None)?,
        })
    }

    /// First run: creates the first administrator and signs them in. `None` when a user
    /// exists already (of two racing set-ups exactly one succeeds).
    pub async fn setup(
        &self,
        name: &str,
        password: &str,
        lang: Lang,
        client: &str,
    ) -> Result<Option<NewSession>, AppError> {
        match crate::create_first_admin(self, name, password, lang, Some(client)).await? {
            Some(user) => {
                // The address that set kojo up is known to the account from now on.
                self.store
                    .throttle_success(&user.name.to_lowercase(), client)
                    .await?;
                Ok(Some(self.start_session(&user, client).await?))
            }
            None => Ok(None),
        }
    }

    /// A login attempt from `client` (see the module documentation for the throttling).
    pub async fn login(
        &self,
        name: &str,
        password: &str,
        client: &str,
    ) -> Result<LoginOutcome, AppError> {
        // Not a possible user name: refused before anything is stored or counted.
        let Ok(name) = check_user_name(name) else {
            return Ok(LoginOutcome::Failed);
        };
        let account = name.to_lowercase();
        let now = Utc::now();
        let state = self.store.throttle_state(&account, client).await?;
        let account_full = delayed(&state.account, ACCOUNT_CEILING, now);
        let throttled = delayed(&state.pair, PAIR_FREE, now)
            || delayed(&state.client, CLIENT_CEILING, now)
            || (account_full && !state.known);
        if throttled {
            self.store
                .audit(Some(&name), Some(client), "login_throttled", None, None)
                .await?;
            return Ok(LoginOutcome::Throttled);
        }
        if account_full {
            // A known address is slowed, never refused.
            tokio::time::sleep(KNOWN_SLOWDOWN).await;
        }
        let user = self.store.user_by_name(&name).await?;
        let hash = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(|| password::dummy_hash().to_string());
        let pw = password.to_string();
        let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &hash))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        match user {
            Some(u) if ok && !u.disabled => {
                self.store.throttle_success(&account, client).await?;
                self.store
                    .audit(Some(&u.name), Some(client), "login", None, None)
                    .await?;
                Ok(LoginOutcome::LoggedIn(
                    self.start_session(&u, client).await?,
                ))
            }
            _ => {
                self.store
                    .throttle_fail(&account, client, &ago(WINDOW))
                    .await?;
                self.store
                    .audit(Some(&name), Some(client), "login_failed", None, None)
                    .await?;
                Ok(LoginOutcome::Failed)
            }
        }
    }

    /// The session of a cookie token. A session idle longer than `idle` ends now; last-seen is
    /// written at most every `idle / 4` (and at least every 30 s of activity), not per request.
    pub async fn session(
        &self,
        token: &str,
        client: &str,
        idle: Duration,
    ) -> Result<SessionLookup, AppError> {
        let hash = sha256_hex(token);
        let Some((s, user, content_stamp)) = self.store.session(&hash).await? else {
            return Ok(SessionLookup::None);
        };
        let now = Utc::now();
        let idle_for = parse_stamp(&s.last_seen)
            .and_then(|last| now.signed_duration_since(last).to_std().ok())
            .unwrap_or_default();
        if user.disabled {
            // Whether this request or another ended it, the user is out.
            let _ended_here: bool = self.store.delete_session(&hash).await?;
            return Ok(SessionLookup::None);
        }
        if idle_for > idle {
            // Of two requests that find it expired, only the one that ends it records it.
            if !self.store.delete_session(&hash).await? {
                return Ok(SessionLookup::Expired);
            }
            self.store
                .audit(
                    Some(&user.name),
                    Some(client),
                    "session_timeout",
                    None,
                    None,
                )
                .await?;
            return Ok(SessionLookup::Expired);
        }
        let touch_every = (idle / 4).min(Duration::from_secs(30));
        if idle_for > touch_every && !self.store.touch_session(&hash, &stamp(now)).await? {
            // Ended between the lookup and now (a logout in another tab, a purge).
            return Ok(SessionLookup::None);
        }
        Ok(SessionLookup::Active(session_of(
            &user,
            client,
            s.csrf_token,
            hash,
            Some(content_stamp),
        )?))
    }

    /// Ends a session (recorded in the access log, once: a second logout of an ended session
    /// records nothing).
    pub async fn logout(&self, session: &Session) -> Result<(), AppError> {
        if !self.store.delete_session(&session.token_hash).await? {
            return Ok(());
        }
        self.store
            .audit(
                Some(&session.actor.name),
                session.actor.client.as_deref(),
                "logout",
                None,
                None,
            )
            .await?;
        Ok(())
    }

    /// Sets the signed-in user's language.
    pub async fn set_lang(&self, session: &Session, lang: Lang) -> Result<(), AppError> {
        let id = session
            .actor
            .user_id
            .as_deref()
            .ok_or(AppError::Forbidden)?;
        Ok(self.store.set_lang(id, lang.code()).await?)
    }

    /// Housekeeping: ends sessions idle longer than `idle` and forgets old login failures.
    pub async fn purge(&self, idle: Duration) -> Result<(), AppError> {
        self.store.purge_sessions(&ago(idle)).await?;
        self.store
            .purge_throttle(&ago(WINDOW), &ago(KNOWN_FOR))
            .await?;
        self.purge_job_runs().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_the_free_count_up_to_the_cap() {
        assert_eq!(delay_after(0, 5), Duration::ZERO);
        assert_eq!(delay_after(4, 5), Duration::ZERO);
        assert_eq!(delay_after(5, 5), Duration::from_secs(30));
        assert_eq!(delay_after(6, 5), Duration::from_secs(60));
        assert_eq!(delay_after(9, 5), Duration::from_secs(480));
        assert_eq!(delay_after(10, 5), MAX_DELAY);
        assert_eq!(delay_after(1_000_000, 5), MAX_DELAY);
    }

    #[test]
    fn a_counter_delays_only_until_its_delay_has_passed() {
        let now = Utc::now();
        let at = |secs_ago: i64| FailureCount {
            failures: 6, // 60 s delay with 5 free
            last_failure: Some(stamp(now - chrono::Duration::seconds(secs_ago))),
        };
        assert!(delayed(&at(0), 5, now));
        assert!(delayed(&at(59), 5, now));
        assert!(!delayed(&at(61), 5, now));
        assert!(!delayed(&FailureCount::default(), 5, now));
    }
}
