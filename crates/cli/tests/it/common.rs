//! Helpers to run the real binary.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn kojo() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kojo"));
    c.env_remove("KOJO_LANG")
        .env_remove("KOJO_DATABASE_URL")
        .env("NO_COLOR", "1");
    c
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(cmd: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("run kojo");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(stderr).expect("utf-8 stderr"),
    }
}

pub fn ok(cmd: &mut Command) -> Run {
    let r = run(cmd);
    assert_eq!(
        r.code, 0,
        "command failed\nstdout: {}\nstderr: {}",
        r.stdout, r.stderr
    );
    r
}

pub fn shared(rel: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(rel);
    assert!(p.exists(), "{} missing", p.display());
    p
}

/// A database for one test: a SQLite file in a temp dir, or a fresh database on the test
/// PostgreSQL server (`KOJO_TEST_POSTGRES_URL`, started by `scripts/test`; missing = failure).
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
}

pub fn sqlite_db() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    TestDb {
        url: format!("sqlite:{}", dir.path().join("kojo.sqlite3").display()),
        dir,
    }
}

pub fn postgres_db() -> TestDb {
    let base = std::env::var("KOJO_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| panic!("KOJO_TEST_POSTGRES_URL is not set: run ./scripts/test, which starts a throwaway PostgreSQL server"));
    let name = format!("kojo_cli_{}", std::process::id()) + &format!("_{}", uniq());
    let out = Command::new("psql")
        .arg(&base)
        .args(["-v", "ON_ERROR_STOP=1", "-qc"])
        .arg(format!("CREATE DATABASE {name}"))
        .output()
        .expect("psql");
    assert!(
        out.status.success(),
        "CREATE DATABASE failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (prefix, _) = base.rsplit_once('/').unwrap();
    TestDb {
        url: format!("{prefix}/{name}"),
        dir: tempfile::tempdir().unwrap(),
    }
}

fn uniq() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    t ^ N
        .fetch_add(1, Ordering::SeqCst)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl TestDb {
    pub fn kojo(&self) -> Command {
        let mut c = kojo();
        c.env("KOJO_DATABASE_URL", &self.url)
            .current_dir(self.dir.path());
        c
    }

    /// Adds plant `code` named `name` (`kojo site add`).
    pub fn add_plant(&self, code: &str, name: &str) {
        ok(self.kojo().args(["site", "add", code, "--name", name]));
    }

    /// A new assessment of plant `site` for fiscal year `period` (`kojo assessment new`);
    /// returns its id.
    pub fn new_assessment(&self, site: &str, period: &str) -> String {
        last_line(&ok(self.kojo().args([
            "assessment",
            "new",
            "--site",
            site,
            "--period",
            period,
        ])))
    }
}

/// Runs each named test function on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite { $(#[test] fn $name() { super::$name(&$crate::common::sqlite_db()); })* }
        mod on_postgres { $(#[test] fn $name() { super::$name(&$crate::common::postgres_db()); })* }
    };
}

/// A running `kojo serve`, stopped on drop.
pub struct Server {
    child: std::process::Child,
    pub base: String,
}

impl Server {
    pub fn start(db_url: &str, extra: &[&str]) -> Server {
        Server::start_with_env(db_url, extra, &[])
    }

    /// [`Server::start`] with extra environment variables (test hooks).
    pub fn start_with_env(db_url: &str, extra: &[&str], env: &[(&str, &str)]) -> Server {
        Server::spawn(db_url, extra, env, None)
    }

    /// [`Server::start_with_env`], collecting standard error into a [`Log`].
    pub fn start_logged(db_url: &str, extra: &[&str], env: &[(&str, &str)]) -> (Server, Log) {
        let log = Log::default();
        (Server::spawn(db_url, extra, env, Some(log.clone())), log)
    }

    fn spawn(db_url: &str, extra: &[&str], env: &[(&str, &str)], log: Option<Log>) -> Server {
        let mut cmd = kojo();
        cmd.envs(env.iter().copied());
        let mut child = cmd
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .env("KOJO_DATABASE_URL", db_url)
            .stdout(Stdio::piped())
            .stderr(if log.is_some() {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
            .spawn()
            .expect("start kojo serve");
        if let (Some(sink), Some(stderr)) = (log, child.stderr.take()) {
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    eprintln!("{line}");
                    let (lines, cv) = &*sink.0;
                    lines.lock().unwrap().push(line);
                    cv.notify_all();
                }
            });
        }
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut base = None;
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(i) = line.find("http://") {
                base = Some(line[i..].trim_end_matches('/').to_string());
                break;
            }
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            base: base.expect("kojo serve printed its address"),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// The lines a server writes to standard error, collected as they come.
#[derive(Clone, Default)]
pub struct Log(std::sync::Arc<(std::sync::Mutex<Vec<String>>, std::sync::Condvar)>);

impl Log {
    /// Waits until the lines satisfy `done` (no fixed sleep: woken by every new line), and
    /// returns a copy of them. Fails after `limit`, a guard against a hang, not a timing.
    pub fn wait_until(
        &self,
        limit: std::time::Duration,
        done: impl Fn(&[String]) -> bool,
    ) -> Vec<String> {
        let (lines, cv) = &*self.0;
        let guard = lines.lock().unwrap();
        let (guard, r) = cv.wait_timeout_while(guard, limit, |l| !done(l)).unwrap();
        assert!(
            !r.timed_out(),
            "the server never logged what was awaited:\n{}",
            guard.join("\n")
        );
        guard.clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The password of users the tests add (`add_user`).
pub const PASSWORD: &str = "correct horse battery 42!";

pub fn json_of(r: &Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

pub fn last_line(r: &Run) -> String {
    r.stdout.lines().last().unwrap_or("").trim().to_string()
}

/// Runs a command that must fail with exit code 1 and a one-line message; returns it.
pub fn fails(cmd: &mut Command) -> Run {
    let r = run(cmd);
    assert_eq!(
        r.code, 1,
        "expected failure\nstdout: {}\nstderr: {}",
        r.stdout, r.stderr
    );
    assert!(r.stderr.starts_with("エラー: ") || r.stderr.starts_with("error: "));
    r
}

pub fn add_user(db: &TestDb, name: &str, role: &str, site: Option<&str>) {
    use std::io::Write;
    let mut cmd = db.kojo();
    cmd.args(["user", "add", name, "--role", role, "--password-stdin"]);
    if let Some(s) = site {
        cmd.args(["--site", s]);
    }
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(PASSWORD.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "user add {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn answer(db: &TestDb, id: &str, args: &[&str]) {
    ok(db.kojo().args(["assessment", "answer", id]).args(args));
}

/// Runs SQL statements on a SQLite test database directly (tampering, ageing rows).
pub fn run_sql(db: &TestDb, statements: &[&str]) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        for s in statements {
            sqlx::raw_sql(sqlx::AssertSqlSafe(s.to_string()))
                .execute(&mut c)
                .await
                .unwrap();
        }
    });
}
