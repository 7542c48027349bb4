//! A small, blocking W3C WebDriver client for browser tests in real headless Chromium.
//!
//! It drives Debian's `chromedriver` (package `chromium-driver`) and `chromium` with nothing but
//! the standard library and `serde_json`: the wire protocol is plain HTTP/1.1 with JSON bodies
//! on a loopback port, so a tiny HTTP client (one connection per command, `Connection: close`,
//! a deadline on every request) is all it takes; no async runtime, no HTTP crate.
//!
//! ```ignore
//! use crate::webdriver::{Browser, keys};
//!
//! let b = Browser::start();
//! b.goto(&format!("{base}/login"));
//! b.find("#user").send_keys("工場長");
//! b.find("button[type=submit]").click();
//! b.wait_until(|b| b.current_url().ends_with("/home"), Duration::from_secs(5), "the home page");
//! b.press_keys(&format!("{}{}", keys::TAB, keys::ENTER));
//! ```
//!
//! Conventions:
//! - Every method panics on failure with a message that names the command, the WebDriver error
//!   and the page it happened on: these are test helpers, a failure is a test failure.
//! - [`Browser::find`] and [`Element::find`] wait (polling) up to [`FIND_TIMEOUT`] for the element
//!   to be present; [`Browser::exists`] never waits. The session's implicit wait stays 0, so
//!   waiting is always explicit and visible here.
//! - Each [`Browser`] owns its own chromedriver process (on a free loopback port) and a fresh
//!   profile directory, so tests may run in parallel. Dropping the `Browser` deletes the session
//!   and ends chromedriver and everything it started.
//! - When a test panics while a `Browser` is alive, the drop saves a screenshot and the page
//!   source under `$CARGO_TARGET_TMPDIR/webdriver-failures/` and prints their paths.
//! - A missing `chromedriver` or `chromium` is a failure, never a skip.
#![allow(dead_code)]

use std::fmt;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long [`Browser::find`] and [`Element::find`] wait for an element to appear.
pub const FIND_TIMEOUT: Duration = Duration::from_secs(5);
/// The HTTP deadline of one ordinary WebDriver command. It is longer than the session's page
/// load and script timeouts, so a slow page surfaces as a WebDriver `timeout` error, not as a
/// broken connection.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// The HTTP deadline of creating a session (this is when Chromium starts).
const NEW_SESSION_TIMEOUT: Duration = Duration::from_secs(90);
/// How long chromedriver may take to report itself ready on `/status`.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
/// Page load and script timeouts of the session, in milliseconds.
const PAGE_LOAD_TIMEOUT_MS: u64 = 30_000;
const SCRIPT_TIMEOUT_MS: u64 = 30_000;
/// Pause between two polls of a waiting method.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// The W3C key of an element reference in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// WebDriver key codes for [`Browser::press_keys`] (and [`Element::send_keys`]).
///
/// Build key sequences with `format!`/`concat!`, e.g. `&format!("{TAB}{TAB}{ENTER}")` or
/// `&keys::TAB.repeat(3)`. In [`Browser::press_keys`] a modifier ([`SHIFT`], [`CONTROL`], [`ALT`],
/// [`META`]) is held down from where it appears until it appears again, [`NULL`] is sent or the
/// sequence ends, so `&format!("{SHIFT}{TAB}")` is Shift+Tab.
pub mod keys {
    /// Releases every held modifier.
    pub const NULL: &str = "\u{E000}";
    pub const BACKSPACE: &str = "\u{E003}";
    pub const TAB: &str = "\u{E004}";
    pub const ENTER: &str = "\u{E007}";
    pub const SHIFT: &str = "\u{E008}";
    pub const CONTROL: &str = "\u{E009}";
    pub const ALT: &str = "\u{E00A}";
    pub const ESCAPE: &str = "\u{E00C}";
    pub const SPACE: &str = "\u{E00D}";
    pub const END: &str = "\u{E010}";
    pub const HOME: &str = "\u{E011}";
    pub const ARROW_LEFT: &str = "\u{E012}";
    pub const ARROW_UP: &str = "\u{E013}";
    pub const ARROW_RIGHT: &str = "\u{E014}";
    pub const ARROW_DOWN: &str = "\u{E015}";
    pub const DELETE: &str = "\u{E017}";
    pub const META: &str = "\u{E03D}";

    /// Whether `c` is one of the modifier keys that [`super::Browser::press_keys`] holds down.
    pub(super) fn is_modifier(c: char) -> bool {
        matches!(c, '\u{E008}' | '\u{E009}' | '\u{E00A}' | '\u{E03D}')
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// A failed WebDriver command: either the remote end answered with a W3C error, or the HTTP
/// exchange itself failed (then `error` is `"transport"` and `status` is 0).
#[derive(Debug, Clone)]
pub struct WdError {
    /// The HTTP status, 0 for a transport failure.
    pub status: u16,
    /// The W3C error code, e.g. `no such element`, `timeout`, `invalid selector`.
    pub error: String,
    pub message: String,
}

impl WdError {
    fn transport(message: impl Into<String>) -> Self {
        WdError {
            status: 0,
            error: "transport".into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for WdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.status == 0 {
            write!(f, "{}: {}", self.error, self.message)
        } else {
            write!(f, "{} (HTTP {}): {}", self.error, self.status, self.message)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The wire: WebDriver commands over loopback HTTP/1.1
// ---------------------------------------------------------------------------------------------

/// One chromedriver endpoint and one session on it; shared by the [`Browser`] and its
/// [`Element`]s.
#[derive(Debug)]
struct Wire {
    port: u16,
    /// Empty until the session exists.
    session: String,
}

impl Wire {
    /// Sends one command on the session (`path` is relative to `/session/{id}`) and returns the
    /// `value` of the answer.
    fn session_cmd(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        timeout: Duration,
    ) -> Result<Value, WdError> {
        let full = format!("/session/{}{}", self.session, path);
        self.cmd(method, &full, body, timeout)
    }

    /// Sends one command to an absolute path and returns the `value` of the answer.
    fn cmd(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        timeout: Duration,
    ) -> Result<Value, WdError> {
        // WebDriver wants a JSON body on every POST, `{}` when there is nothing to say.
        let body = match (method, body) {
            (_, Some(b)) => Some(b.to_string()),
            ("POST", None) => Some("{}".to_string()),
            _ => None,
        };
        let (status, raw) = http(self.port, method, path, body.as_deref(), timeout)?;
        let text = String::from_utf8_lossy(&raw);
        let doc: Value = serde_json::from_str(&text).map_err(|e| WdError {
            status,
            error: "invalid response".into(),
            message: format!("{e}; body: {}", truncate(&text, 500)),
        })?;
        let value = doc.get("value").cloned().unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            return Ok(value);
        }
        Err(WdError {
            status,
            error: value["error"]
                .as_str()
                .unwrap_or("unknown error")
                .to_string(),
            message: value["message"]
                .as_str()
                .map(|m| m.trim().to_string())
                .unwrap_or_else(|| truncate(&text, 500)),
        })
    }
}

/// One HTTP/1.1 exchange with `127.0.0.1:port`, bounded by `timeout` as a whole. Returns the
/// status code and the (de-chunked) body.
fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&str>,
    timeout: Duration,
) -> Result<(u16, Vec<u8>), WdError> {
    let deadline = Instant::now() + timeout;
    let what = |e: std::io::Error| WdError::transport(format!("{method} {path}: {e}"));
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout.min(Duration::from_secs(10))).map_err(what)?;
    stream.set_nodelay(true).map_err(what)?;
    stream.set_write_timeout(Some(timeout)).map_err(what)?;

    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Accept: application/json\r\n"
    );
    match body {
        Some(b) => req.push_str(&format!(
            "Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{b}",
            b.len()
        )),
        None => req.push_str("Content-Length: 0\r\n\r\n"),
    }
    stream.write_all(req.as_bytes()).map_err(what)?;
    stream.flush().map_err(what)?;

    // Read until the body is complete (Content-Length) or the server closes the connection.
    let mut buf = Vec::with_capacity(8 * 1024);
    let mut chunk = [0u8; 16 * 1024];
    let mut head: Option<(usize, u16, Option<usize>, bool)> = None; // (body start, status, len, chunked)
    loop {
        if let Some((start, _, Some(len), _)) = head
            && buf.len() >= start + len
        {
            break;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(WdError::transport(format!(
                "{method} {path}: no complete answer within {timeout:?}"
            )));
        }
        stream.set_read_timeout(Some(left)).map_err(what)?;
        let n = match stream.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(WdError::transport(format!(
                    "{method} {path}: no complete answer within {timeout:?}"
                )));
            }
            Err(e) => return Err(what(e)),
        };
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if head.is_none()
            && let Some(end) = find_subslice(&buf, b"\r\n\r\n")
        {
            let (status, len, chunked) = parse_head(&buf[..end]).map_err(|m| {
                WdError::transport(format!("{method} {path}: bad response head: {m}"))
            })?;
            head = Some((end + 4, status, len, chunked));
        }
    }
    let Some((start, status, len, chunked)) = head else {
        return Err(WdError::transport(format!(
            "{method} {path}: connection closed before a complete response head ({} bytes)",
            buf.len()
        )));
    };
    let mut payload = buf.split_off(start);
    if let Some(len) = len {
        if payload.len() < len {
            return Err(WdError::transport(format!(
                "{method} {path}: body cut short ({} of {len} bytes)",
                payload.len()
            )));
        }
        payload.truncate(len);
    } else if chunked {
        payload = dechunk(&payload)
            .map_err(|m| WdError::transport(format!("{method} {path}: bad chunked body: {m}")))?;
    }
    Ok((status, payload))
}

/// Parses a response head: status code, `Content-Length`, whether the body is chunked.
fn parse_head(head: &[u8]) -> Result<(u16, Option<usize>, bool), String> {
    let head = std::str::from_utf8(head).map_err(|e| e.to_string())?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("status line {status_line:?}"))?;
    let (mut len, mut chunked) = (None, false);
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("content-length") {
            len = Some(
                value
                    .parse()
                    .map_err(|_| format!("Content-Length {value:?}"))?,
            );
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        }
    }
    if chunked {
        len = None; // RFC 9112: Transfer-Encoding wins over Content-Length.
    }
    Ok((status, len, chunked))
}

/// Decodes a complete `Transfer-Encoding: chunked` body.
fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(data.len());
    loop {
        let eol = find_subslice(data, b"\r\n").ok_or("missing chunk size line")?;
        let size_line = std::str::from_utf8(&data[..eol]).map_err(|e| e.to_string())?;
        let size_hex = size_line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| format!("size {size_hex:?}"))?;
        data = &data[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        if data.len() < size + 2 {
            return Err("chunk cut short".into());
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

fn find_subslice(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Percent-encodes one URL path segment (attribute and property names, element ids).
fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Quotes `s` as a CSS string (for attribute selectors such as `option[value="…"]`).
pub fn css_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            // Newlines and other control characters need a hex escape in CSS.
            c if c.is_control() => out.push_str(&format!("\\{:x} ", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Decodes standard (RFC 4648, `+/`) base64, with or without `=` padding; ASCII whitespace is
/// ignored. Returns `None` for any other character or an impossible length.
pub fn base64_decode(input: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let clean: Vec<u8> = input.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let data = match clean.iter().position(|&b| b == b'=') {
        Some(p) => {
            // Padding only at the very end, at most two, and only to complete a quantum.
            if clean[p..].iter().any(|&b| b != b'=')
                || clean.len() - p > 2
                || !clean.len().is_multiple_of(4)
            {
                return None;
            }
            &clean[..p]
        }
        None => &clean[..],
    };
    if data.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 2);
    for quad in data.chunks(4) {
        let mut acc = 0u32;
        for &c in quad {
            acc = (acc << 6) | sextet(c)?;
        }
        acc <<= 6 * (4 - quad.len() as u32);
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..quad.len()]);
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Locating the programs
// ---------------------------------------------------------------------------------------------

/// The first executable called `name` on `PATH`, else `fallback` if it is executable.
fn locate(name: &str, fallback: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join(name));
    on_path
        .chain(std::iter::once(PathBuf::from(fallback)))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// A port that was free on 127.0.0.1 a moment ago (the OS picks it; chromedriver binds it next).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0 to pick a free port")
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

// ---------------------------------------------------------------------------------------------
// Browser
// ---------------------------------------------------------------------------------------------

/// One headless Chromium session, driven through its own chromedriver process.
pub struct Browser {
    wire: Arc<Wire>,
    driver: Child,
    /// Holds the Chromium profile (`profile/`) and `chromedriver.log`; removed last.
    dir: tempfile::TempDir,
    /// Run once on every document the browser shows ([`Browser::on_every_page`]).
    on_page: Option<fn(&Browser)>,
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a headless Chromium session
    /// (a 1280×800 window, Japanese UI and `Accept-Language: ja`, a fresh profile). The viewport
    /// (`window.innerWidth/innerHeight`, screenshots) is the window less the browser's own UI.
    ///
    /// Panics if `chromedriver` or `chromium` is missing, or if either does not come up.
    pub fn start() -> Browser {
        let driver_bin = locate("chromedriver", "/usr/bin/chromedriver").unwrap_or_else(|| {
            panic!(
                "chromedriver not found: install Debian's chromium and chromium-driver \
                 (scripts/test does)"
            )
        });
        let chromium_bin = locate("chromium", "/usr/bin/chromium").unwrap_or_else(|| {
            panic!(
                "chromium not found: install Debian's chromium and chromium-driver \
                 (scripts/test does)"
            )
        });
        let dir = tempfile::Builder::new()
            .prefix("kojo-webdriver-")
            .tempdir()
            .expect("create a temp dir for the browser profile");
        let profile = dir.path().join("profile");
        std::fs::create_dir_all(&profile).expect("create the browser profile dir");
        let log = dir.path().join("chromedriver.log");

        // The port is picked before chromedriver binds it, so another process may take it in
        // between: then chromedriver exits early and we try again on another port.
        let mut last_failure = String::new();
        for _attempt in 0..3 {
            let port = free_port();
            let mut cmd = Command::new(&driver_bin);
            cmd.arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            #[cfg(unix)]
            {
                // Its own process group, so that Drop can end Chromium's helpers with it.
                use std::os::unix::process::CommandExt;
                cmd.process_group(0);
            }
            let mut driver = cmd
                .spawn()
                .unwrap_or_else(|e| panic!("start {}: {e}", driver_bin.display()));
            let wire = Wire {
                port,
                session: String::new(),
            };
            match wait_ready(&wire, &mut driver) {
                Ok(()) => {
                    let mut browser = Browser {
                        wire: Arc::new(wire),
                        driver,
                        dir,
                        on_page: None,
                    };
                    browser.new_session(&chromium_bin, &profile);
                    return browser;
                }
                Err(e) => {
                    last_failure = e;
                    kill_driver(&mut driver);
                }
            }
        }
        panic!(
            "chromedriver ({}) did not become ready: {last_failure}\n--- chromedriver.log (tail) ---\n{}",
            driver_bin.display(),
            tail(&log, 40)
        );
    }

    fn new_session(&mut self, chromium: &Path, profile: &Path) {
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--no-default-browser-check".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--window-size=1280,800".into(),
            format!("--user-data-dir={}", profile.display()),
            "--lang=ja".into(),
        ];
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "pageLoadStrategy": "normal",
                    "timeouts": {
                        "implicit": 0,
                        "pageLoad": PAGE_LOAD_TIMEOUT_MS,
                        "script": SCRIPT_TIMEOUT_MS,
                    },
                    "goog:chromeOptions": {
                        "binary": chromium.display().to_string(),
                        "args": args,
                        "prefs": { "intl.accept_languages": "ja,ja-JP" },
                    },
                }
            }
        });
        let value = self
            .wire
            .cmd("POST", "/session", Some(caps), NEW_SESSION_TIMEOUT)
            .unwrap_or_else(|e| {
                panic!(
                    "WebDriver new session (Chromium {}) failed: {e}\n--- chromedriver.log (tail) ---\n{}",
                    chromium.display(),
                    tail(&self.dir.path().join("chromedriver.log"), 40)
                )
            });
        let id = value["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("WebDriver new session: no sessionId in {value}"))
            .to_string();
        Arc::get_mut(&mut self.wire)
            .expect("no element exists before the session")
            .session = id;
    }

    /// The WebDriver session id.
    pub fn session_id(&self) -> &str {
        &self.wire.session
    }

    /// Runs a session command; panics with the command, the error and the current URL.
    fn call(&self, what: &str, method: &str, path: &str, body: Option<Value>) -> Value {
        self.wire
            .session_cmd(method, path, body, COMMAND_TIMEOUT)
            .unwrap_or_else(|e| fail(&self.wire, what, &e))
    }

    /// Runs `hook` once on every document the browser shows from now on: checked after each
    /// navigation and after each successful wait, so pages reached by clicking count too.
    pub fn on_every_page(mut self, hook: fn(&Browser)) -> Browser {
        self.on_page = Some(hook);
        self
    }

    /// Calls the page hook if this document has not had it yet and has finished loading.
    fn visited(&self) {
        let Some(hook) = self.on_page else { return };
        let fresh = self.execute(
            "if (window.__kojoVisited || document.readyState !== 'complete') return false; \
             window.__kojoVisited = true; return true;",
            &[],
        );
        if fresh == json!(true) {
            hook(self);
        }
    }

    // --- navigation -------------------------------------------------------------------------

    /// Navigates to `url` and waits for the page to load (`pageLoadStrategy: normal`).
    pub fn goto(&self, url: &str) {
        self.call(
            &format!("goto {url}"),
            "POST",
            "/url",
            Some(json!({ "url": url })),
        );
        self.visited();
    }

    pub fn current_url(&self) -> String {
        str_value(self.call("current_url", "GET", "/url", None))
    }

    pub fn title(&self) -> String {
        str_value(self.call("title", "GET", "/title", None))
    }

    /// The serialized DOM as it is now (not the bytes the server sent).
    pub fn page_source(&self) -> String {
        str_value(self.call("page_source", "GET", "/source", None))
    }

    pub fn refresh(&self) {
        self.call("refresh", "POST", "/refresh", None);
        self.visited();
    }

    pub fn back(&self) {
        self.call("back", "POST", "/back", None);
        self.visited();
    }

    pub fn forward(&self) {
        self.call("forward", "POST", "/forward", None);
        self.visited();
    }

    // --- elements ---------------------------------------------------------------------------

    /// The first element matching the CSS selector, waiting up to [`FIND_TIMEOUT`] for it.
    pub fn find(&self, css: &str) -> Element {
        self.wait_for(css, FIND_TIMEOUT)
    }

    /// The first element matching the CSS selector, waiting up to `timeout` for it to exist.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Element {
        let e = find_waiting(&self.wire, "/element", css, timeout, "");
        self.visited();
        e
    }

    /// Every element matching the CSS selector now (possibly none; no waiting).
    pub fn find_all(&self, css: &str) -> Vec<Element> {
        find_all(&self.wire, "/elements", css, "")
    }

    /// Whether an element matches the CSS selector now (no waiting).
    pub fn exists(&self, css: &str) -> bool {
        !self.find_all(css).is_empty()
    }

    /// The visible text of the first element matching `css` (waiting for it as [`Self::find`]).
    pub fn text(&self, css: &str) -> String {
        self.find(css).text()
    }

    /// Polls `cond` every 50 ms until it holds; panics after `timeout` naming `what`.
    pub fn wait_until(
        &self,
        mut cond: impl FnMut(&Browser) -> bool,
        timeout: Duration,
        what: &str,
    ) {
        let deadline = Instant::now() + timeout;
        loop {
            if cond(self) {
                self.visited();
                return;
            }
            if Instant::now() >= deadline {
                panic!(
                    "timed out after {timeout:?} waiting for {what} (at {})",
                    current_url_or_unknown(&self.wire)
                );
            }
            thread::sleep(POLL_INTERVAL);
        }
    }

    // --- scripts ----------------------------------------------------------------------------

    /// Runs `js` as the body of a function (use `return …`; `arguments[i]` are `args`) and
    /// returns its JSON result. Elements can be passed with [`Element::to_arg`] and come back
    /// as references ([`Browser::element_from`]). WebDriver scripts are not subject to the
    /// page's Content-Security-Policy.
    pub fn execute(&self, js: &str, args: &[Value]) -> Value {
        self.call(
            &format!("execute {}", truncate(js, 120)),
            "POST",
            "/execute/sync",
            Some(json!({ "script": js, "args": args })),
        )
    }

    /// Runs `js` asynchronously: it ends by calling `arguments[arguments.length - 1]` with
    /// its result, which is returned as JSON.
    pub fn execute_async(&self, js: &str, args: &[Value]) -> Value {
        self.call(
            &format!("execute_async {}", truncate(js, 120)),
            "POST",
            "/execute/async",
            Some(json!({ "script": js, "args": args })),
        )
    }

    /// The element a script returned, or `None` if `value` is not an element reference.
    pub fn element_from(&self, value: &Value) -> Option<Element> {
        element_from(&self.wire, value)
    }

    // --- window, screen, cookies ------------------------------------------------------------

    /// A PNG screenshot of the viewport.
    pub fn screenshot_png(&self) -> Vec<u8> {
        let b64 = str_value(self.call("screenshot", "GET", "/screenshot", None));
        base64_decode(&b64).expect("screenshot: chromedriver sent invalid base64")
    }

    /// Saves a PNG screenshot of the viewport to `path`, creating its folders.
    pub fn screenshot(&self, path: impl AsRef<Path>) {
        let path = path.as_ref();
        let png = self.screenshot_png();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("screenshot: create {}: {e}", parent.display()));
        }
        std::fs::write(path, png)
            .unwrap_or_else(|e| panic!("screenshot: write {}: {e}", path.display()));
    }

    /// Sets the outer size of the browser window.
    pub fn set_window_size(&self, width: u32, height: u32) {
        self.call(
            &format!("set_window_size {width}x{height}"),
            "POST",
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        );
    }

    /// The cookies visible to the current page, as W3C cookie objects (`name`, `value`,
    /// `path`, `domain`, `httpOnly`, `secure`, `sameSite`, maybe `expiry`).
    pub fn get_cookies(&self) -> Vec<Value> {
        match self.call("get_cookies", "GET", "/cookie", None) {
            Value::Array(a) => a,
            other => panic!("get_cookies: expected an array, got {other}"),
        }
    }

    /// Deletes every cookie visible to the current page.
    pub fn delete_all_cookies(&self) {
        self.call("delete_all_cookies", "DELETE", "/cookie", None);
    }

    // --- keyboard ---------------------------------------------------------------------------

    /// Types `keys` into whatever has focus, with the actions API: each character is a key
    /// down and up (text or a [`keys`] code); a modifier ([`keys::SHIFT`], …) is held until it
    /// appears again, [`keys::NULL`] or the end. All keys are released afterwards.
    pub fn press_keys(&self, keys: &str) {
        let mut actions = Vec::new();
        let mut held: Vec<char> = Vec::new();
        let key = |kind: &str, c: char| json!({ "type": kind, "value": c.to_string() });
        for c in keys.chars() {
            if keys::is_modifier(c) {
                if let Some(i) = held.iter().position(|&h| h == c) {
                    held.remove(i);
                    actions.push(key("keyUp", c));
                } else {
                    held.push(c);
                    actions.push(key("keyDown", c));
                }
            } else if c == '\u{E000}' {
                for h in held.drain(..).rev() {
                    actions.push(key("keyUp", h));
                }
            } else {
                actions.push(key("keyDown", c));
                actions.push(key("keyUp", c));
            }
        }
        for h in held.drain(..).rev() {
            actions.push(key("keyUp", h));
        }
        let body = json!({
            "actions": [{ "type": "key", "id": "kojo-keyboard", "actions": actions }]
        });
        let what = format!("press_keys {}", describe_keys(keys));
        self.call(&what, "POST", "/actions", Some(body));
        self.call(&what, "DELETE", "/actions", None);
    }

    /// Saves a screenshot and the page source for a failing test (best effort, short timeouts).
    fn save_failure_artifacts(&self) {
        let Some(base) = option_env!("CARGO_TARGET_TMPDIR") else {
            return;
        };
        let dir = Path::new(base).join("webdriver-failures");
        let name: String = thread::current()
            .name()
            .unwrap_or("unnamed")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let short = Duration::from_secs(10);
        if std::fs::create_dir_all(&dir).is_err() {
            return;
        }
        let url = current_url_or_unknown(&self.wire);
        let png_path = dir.join(format!("{name}.png"));
        if let Ok(Value::String(b64)) = self.wire.session_cmd("GET", "/screenshot", None, short)
            && let Some(png) = base64_decode(&b64)
            && std::fs::write(&png_path, png).is_ok()
        {
            eprintln!(
                "webdriver: screenshot of {url} at failure: {}",
                png_path.display()
            );
        }
        let html_path = dir.join(format!("{name}.html"));
        if let Ok(Value::String(src)) = self.wire.session_cmd("GET", "/source", None, short)
            && std::fs::write(&html_path, src).is_ok()
        {
            eprintln!("webdriver: page source at failure: {}", html_path.display());
        }
    }
}

impl Drop for Browser {
    /// Deletes the session (Chromium quits), then ends chromedriver and anything left in its
    /// process group. Never panics.
    fn drop(&mut self) {
        if !self.wire.session.is_empty() {
            if thread::panicking() {
                self.save_failure_artifacts();
            }
            let _ = self.wire.cmd(
                "DELETE",
                &format!("/session/{}", self.wire.session),
                None,
                Duration::from_secs(15),
            );
        }
        kill_driver(&mut self.driver);
    }
}

/// Ends chromedriver and its process group (Chromium and its helpers, if still there), then
/// reaps it. Best effort.
fn kill_driver(driver: &mut Child) {
    #[cfg(unix)]
    {
        // The group id is chromedriver's pid (process_group(0)); `kill -KILL -PGID` ends the
        // group. Only processes started here are in it.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", driver.id())])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = driver.kill();
    let _ = driver.wait();
}

/// Polls `/status` until chromedriver says it is ready.
fn wait_ready(wire: &Wire, driver: &mut Child) -> Result<(), String> {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    let mut last = String::from("no answer yet");
    loop {
        if let Ok(Some(status)) = driver.try_wait() {
            return Err(format!(
                "chromedriver exited early ({status}); last: {last}"
            ));
        }
        match wire.cmd("GET", "/status", None, Duration::from_secs(2)) {
            Ok(v) if v["ready"] == Value::Bool(true) => return Ok(()),
            Ok(v) => last = format!("status {v}"),
            Err(e) => last = e.to_string(),
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "not ready within {STARTUP_TIMEOUT:?}; last: {last}"
            ));
        }
        thread::sleep(POLL_INTERVAL);
    }
}

fn str_value(v: Value) -> String {
    match v {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn current_url_or_unknown(wire: &Wire) -> String {
    match wire.session_cmd("GET", "/url", None, Duration::from_secs(5)) {
        Ok(Value::String(u)) => u,
        _ => "an unknown page".into(),
    }
}

fn fail(wire: &Wire, what: &str, e: &WdError) -> ! {
    let at = if e.status == 0 {
        String::new() // the transport is broken: asking for the URL would fail the same way
    } else {
        format!(" (at {})", current_url_or_unknown(wire))
    };
    panic!("WebDriver {what} failed{at}: {e}")
}

fn describe_keys(keys: &str) -> String {
    keys.chars()
        .map(|c| match c {
            '\u{E000}' => "<Null>".into(),
            '\u{E003}' => "<Backspace>".into(),
            '\u{E004}' => "<Tab>".into(),
            '\u{E007}' => "<Enter>".into(),
            '\u{E008}' => "<Shift>".into(),
            '\u{E009}' => "<Control>".into(),
            '\u{E00A}' => "<Alt>".into(),
            '\u{E00C}' => "<Escape>".into(),
            '\u{E00D}' => "<Space>".into(),
            '\u{E010}' => "<End>".into(),
            '\u{E011}' => "<Home>".into(),
            '\u{E012}' => "<ArrowLeft>".into(),
            '\u{E013}' => "<ArrowUp>".into(),
            '\u{E014}' => "<ArrowRight>".into(),
            '\u{E015}' => "<ArrowDown>".into(),
            '\u{E017}' => "<Delete>".into(),
            '\u{E03D}' => "<Meta>".into(),
            c if ('\u{E000}'..='\u{F8FF}').contains(&c) => format!("<U+{:04X}>", c as u32),
            c => c.to_string(),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Element lookup shared by Browser and Element
// ---------------------------------------------------------------------------------------------

fn element_from(wire: &Arc<Wire>, value: &Value) -> Option<Element> {
    value
        .get(ELEMENT_KEY)
        .and_then(Value::as_str)
        .map(|id| Element {
            wire: Arc::clone(wire),
            id: id.to_string(),
            css: String::new(),
        })
}

/// `scope` is `""` for the document or ` in <parent selector>` for messages.
fn find_waiting(
    wire: &Arc<Wire>,
    endpoint: &str,
    css: &str,
    timeout: Duration,
    scope: &str,
) -> Element {
    let deadline = Instant::now() + timeout;
    let body = json!({ "using": "css selector", "value": css });
    loop {
        match wire.session_cmd("POST", endpoint, Some(body.clone()), COMMAND_TIMEOUT) {
            Ok(v) => {
                let mut el = element_from(wire, &v).unwrap_or_else(|| {
                    panic!("WebDriver find {css:?}{scope}: no element reference in {v}")
                });
                el.css = css.to_string();
                return el;
            }
            Err(e) if e.error == "no such element" && Instant::now() < deadline => {
                thread::sleep(POLL_INTERVAL);
            }
            Err(e) if e.error == "no such element" => panic!(
                "no element matches {css:?}{scope} after {timeout:?} (at {}, title {:?})",
                current_url_or_unknown(wire),
                wire.session_cmd("GET", "/title", None, Duration::from_secs(5))
                    .map(str_value)
                    .unwrap_or_default()
            ),
            Err(e) => fail(wire, &format!("find {css:?}{scope}"), &e),
        }
    }
}

fn find_all(wire: &Arc<Wire>, endpoint: &str, css: &str, scope: &str) -> Vec<Element> {
    let body = json!({ "using": "css selector", "value": css });
    let v = wire
        .session_cmd("POST", endpoint, Some(body), COMMAND_TIMEOUT)
        .unwrap_or_else(|e| fail(wire, &format!("find_all {css:?}{scope}"), &e));
    let Value::Array(items) = &v else {
        panic!("WebDriver find_all {css:?}{scope}: expected an array, got {v}")
    };
    items
        .iter()
        .map(|item| {
            let mut el = element_from(wire, item).unwrap_or_else(|| {
                panic!("WebDriver find_all {css:?}{scope}: not an element reference: {item}")
            });
            el.css = css.to_string();
            el
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Element
// ---------------------------------------------------------------------------------------------

/// A reference to one DOM element of the current page. It goes stale when the page changes;
/// using a stale element panics with `stale element reference`.
#[derive(Clone)]
pub struct Element {
    wire: Arc<Wire>,
    id: String,
    /// The selector it was found with, for messages (empty if it came from a script).
    css: String,
}

impl fmt::Debug for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Element({:?} #{})", self.css, self.id)
    }
}

impl Element {
    fn call(&self, what: &str, method: &str, sub: &str, body: Option<Value>) -> Value {
        let path = format!("/element/{}{sub}", path_segment(&self.id));
        self.wire
            .session_cmd(method, &path, body, COMMAND_TIMEOUT)
            .unwrap_or_else(|e| fail(&self.wire, &format!("{what} on {:?}", self.css), &e))
    }

    /// This element as an argument for [`Browser::execute`] (`arguments[i]` in the script).
    pub fn to_arg(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }

    /// Scrolls the element into view and clicks its centre (fails if something covers it).
    pub fn click(&self) {
        self.call("click", "POST", "/click", None);
    }

    /// Focuses the element and types `text` into it (any Unicode, e.g. Japanese, plus
    /// [`keys`] codes), appending to what is there.
    pub fn send_keys(&self, text: &str) {
        self.call(
            &format!("send_keys {}", describe_keys(text)),
            "POST",
            "/value",
            Some(json!({ "text": text })),
        );
    }

    /// Empties an input or textarea.
    pub fn clear(&self) {
        self.call("clear", "POST", "/clear", None);
    }

    /// The rendered text (as the user sees it: hidden parts left out, whitespace collapsed).
    pub fn text(&self) -> String {
        str_value(self.call("text", "GET", "/text", None))
    }

    /// The attribute `name` as WebDriver reports it (`None` if absent). For boolean attributes
    /// such as `checked` or `selected` this reflects the current state (`Some("true")`).
    pub fn attr(&self, name: &str) -> Option<String> {
        match self.call(
            &format!("attr {name:?}"),
            "GET",
            &format!("/attribute/{}", path_segment(name)),
            None,
        ) {
            Value::Null => None,
            v => Some(str_value(v)),
        }
    }

    /// The DOM property `name` (`Null` if undefined), e.g. `checked`, `value`, `selectedIndex`.
    pub fn prop(&self, name: &str) -> Value {
        self.call(
            &format!("prop {name:?}"),
            "GET",
            &format!("/property/{}", path_segment(name)),
            None,
        )
    }

    /// The current `value` property (what is typed or selected now), `""` if none.
    pub fn value(&self) -> String {
        str_value(self.prop("value"))
    }

    /// The lowercase tag name, e.g. `input`.
    pub fn tag_name(&self) -> String {
        str_value(self.call("tag_name", "GET", "/name", None)).to_lowercase()
    }

    pub fn is_displayed(&self) -> bool {
        self.call("is_displayed", "GET", "/displayed", None) == Value::Bool(true)
    }

    pub fn is_enabled(&self) -> bool {
        self.call("is_enabled", "GET", "/enabled", None) == Value::Bool(true)
    }

    /// Whether a checkbox, radio button or option is selected.
    pub fn is_selected(&self) -> bool {
        self.call("is_selected", "GET", "/selected", None) == Value::Bool(true)
    }

    /// The first descendant matching `css`, waiting up to [`FIND_TIMEOUT`] for it.
    pub fn find(&self, css: &str) -> Element {
        let endpoint = format!("/element/{}/element", path_segment(&self.id));
        find_waiting(
            &self.wire,
            &endpoint,
            css,
            FIND_TIMEOUT,
            &format!(" in {:?}", self.css),
        )
    }

    /// Every descendant matching `css` now (no waiting).
    pub fn find_all(&self, css: &str) -> Vec<Element> {
        let endpoint = format!("/element/{}/elements", path_segment(&self.id));
        find_all(&self.wire, &endpoint, css, &format!(" in {:?}", self.css))
    }

    /// Selects the `<option>` of this `<select>` whose value is `value`, by clicking it (as a
    /// user would; `input` and `change` events fire).
    pub fn select_by_value(&self, value: &str) {
        let option = self.find(&format!("option[value={}]", css_string(value)));
        option.click();
        if !option.is_selected() {
            panic!(
                "select_by_value({value:?}) on {:?}: the option was clicked but is not selected",
                self.css
            );
        }
    }
}
