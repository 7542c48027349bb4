//! Browser tests in real headless Chromium, through fantoccini (a maintained WebDriver client)
//! and Debian's `chromedriver` (package `chromium-driver`), over plain HTTP on loopback.
//!
//! What is kojo's own here is only what fantoccini does not do: starting chromedriver on a free
//! loopback port with a fresh profile, a blocking facade (the tests are plain `#[test]`s), the
//! explicit waits the tests read well with, the page hook (axe on every page), and saving a
//! screenshot and the page source when a test fails.
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
//! - Every method panics on failure with a message naming the command, the WebDriver error and
//!   the page: these are test helpers, a failure is a test failure.
//! - [`Browser::find`] and [`Element::find`] wait up to [`FIND_TIMEOUT`] for the element;
//!   [`Browser::exists`] never waits. The session's implicit wait stays 0.
//! - Each [`Browser`] owns its chromedriver process and profile directory, so tests may run in
//!   parallel. Dropping it closes the session and ends chromedriver and everything it started.
//! - When a test panics while a `Browser` is alive, the drop saves a screenshot and the page
//!   source under `$CARGO_TARGET_TMPDIR/webdriver-failures/` and prints their paths.
//! - A missing `chromedriver` or `chromium` is a failure, never a skip.
#![allow(dead_code)]

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::ElementRef;
use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::fmt;
use std::future::Future;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

/// How long [`Browser::find`] and [`Element::find`] wait for an element to appear.
pub const FIND_TIMEOUT: Duration = Duration::from_secs(5);
/// How long chromedriver may take to listen on its port.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
/// Page load and script timeouts of the session, in milliseconds.
const PAGE_LOAD_TIMEOUT_MS: u64 = 30_000;
const SCRIPT_TIMEOUT_MS: u64 = 30_000;
/// Pause between two polls of a waiting method.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

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

/// Runs fantoccini's futures; the session's connection task runs while a command does.
#[derive(Clone)]
struct Rt(Arc<Runtime>);

impl Rt {
    fn block<T>(&self, f: impl Future<Output = T>) -> T {
        self.0.block_on(f)
    }
}

/// A headless Chromium session and the chromedriver that runs it.
pub struct Browser {
    rt: Rt,
    client: Client,
    driver: Child,
    /// Holds the Chromium profile (`profile/`) and `chromedriver.log`; removed last.
    dir: tempfile::TempDir,
    /// Run once on every document the browser shows ([`Browser::on_every_page`]).
    on_page: Option<fn(&Browser)>,
}

impl fmt::Debug for Browser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Browser(chromedriver pid {})", self.driver.id())
    }
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a headless Chromium session
    /// (a 1280×800 window, Japanese UI and `Accept-Language: ja`, a fresh profile).
    ///
    /// Panics if `chromedriver` or `chromium` is missing, or if either does not come up.
    pub fn start() -> Browser {
        let missing = |what: &str| -> ! {
            panic!(
                "{what} not found: install Debian's chromium and chromium-driver (scripts/test does)"
            )
        };
        let driver_bin = locate("chromedriver", "/usr/bin/chromedriver")
            .unwrap_or_else(|| missing("chromedriver"));
        let chromium =
            locate("chromium", "/usr/bin/chromium").unwrap_or_else(|| missing("chromium"));
        let dir = tempfile::Builder::new()
            .prefix("kojo-webdriver-")
            .tempdir()
            .expect("create a temp dir for the browser profile");
        let profile = dir.path().join("profile");
        std::fs::create_dir_all(&profile).expect("create the browser profile dir");
        let log = dir.path().join("chromedriver.log");
        let rt = Rt(Arc::new(
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime for the WebDriver client"),
        ));
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("pageLoadStrategy".into(), json!("normal"));
        caps.insert(
            "timeouts".into(),
            json!({ "implicit": 0, "pageLoad": PAGE_LOAD_TIMEOUT_MS, "script": SCRIPT_TIMEOUT_MS }),
        );
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium.display().to_string(),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--no-default-browser-check",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--window-size=1280,800",
                    format!("--user-data-dir={}", profile.display()), "--lang=ja",
                ],
                "prefs": { "intl.accept_languages": "ja,ja-JP" },
            }),
        );
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
            {
                // Its own process group, so that Drop can end Chromium's helpers with it.
                use std::os::unix::process::CommandExt;
                cmd.process_group(0);
            }
            let mut driver = cmd
                .spawn()
                .unwrap_or_else(|e| panic!("start {}: {e}", driver_bin.display()));
            if let Err(e) = wait_listening(port, &mut driver) {
                last_failure = e;
                kill_driver(&mut driver);
                continue;
            }
            let connected = rt.block(
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(caps.clone())
                    .connect(&format!("http://127.0.0.1:{port}")),
            );
            match connected {
                Ok(client) => {
                    return Browser {
                        rt,
                        client,
                        driver,
                        dir,
                        on_page: None,
                    };
                }
                Err(e) => {
                    last_failure = format!("new session (Chromium {}): {e}", chromium.display());
                    kill_driver(&mut driver);
                }
            }
        }
        panic!(
            "chromedriver ({}) did not start a session: {last_failure}\n--- chromedriver.log (tail) ---\n{}",
            driver_bin.display(),
            tail(&log, 40)
        );
    }

    /// Runs `hook` once on every document the browser shows from now on: checked after each
    /// navigation and after each successful wait, so pages reached by clicking count too.
    pub fn on_every_page(mut self, hook: fn(&Browser)) -> Browser {
        self.on_page = Some(hook);
        self
    }

    /// Unwraps a command's result; panics naming the command and the page.
    fn ok<T>(&self, what: &str, r: Result<T, CmdError>) -> T {
        r.unwrap_or_else(|e| {
            panic!(
                "WebDriver {what} failed (at {}): {e}",
                self.url_or_unknown()
            )
        })
    }

    fn url_or_unknown(&self) -> String {
        self.rt
            .block(self.client.current_url())
            .map(|u| u.to_string())
            .unwrap_or_else(|_| "an unknown page".into())
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
        let r = self.rt.block(self.client.goto(url));
        self.ok(&format!("goto {url}"), r);
        self.visited();
    }

    pub fn current_url(&self) -> String {
        let r = self.rt.block(self.client.current_url());
        self.ok("current_url", r).to_string()
    }

    pub fn title(&self) -> String {
        let r = self.rt.block(self.client.title());
        self.ok("title", r)
    }

    /// The serialized DOM as it is now (not the bytes the server sent).
    pub fn page_source(&self) -> String {
        let r = self.rt.block(self.client.source());
        self.ok("page_source", r)
    }

    pub fn refresh(&self) {
        let r = self.rt.block(self.client.refresh());
        self.ok("refresh", r);
        self.visited();
    }

    pub fn back(&self) {
        let r = self.rt.block(self.client.back());
        self.ok("back", r);
        self.visited();
    }

    pub fn forward(&self) {
        let r = self.rt.block(self.client.forward());
        self.ok("forward", r);
        self.visited();
    }

    // --- elements ---------------------------------------------------------------------------

    /// The first element matching the CSS selector, waiting up to [`FIND_TIMEOUT`] for it.
    pub fn find(&self, css: &str) -> Element {
        self.wait_for(css, FIND_TIMEOUT)
    }

    /// The first element matching the CSS selector, waiting up to `timeout` for it to exist.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Element {
        let el = find_waiting(self, css, timeout);
        self.visited();
        el
    }

    /// Every element matching the CSS selector now (possibly none; no waiting).
    pub fn find_all(&self, css: &str) -> Vec<Element> {
        let r = self.rt.block(self.client.find_all(Locator::Css(css)));
        self.ok(&format!("find_all {css:?}"), r)
            .into_iter()
            .map(|el| self.element(el, css))
            .collect()
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
                    self.url_or_unknown()
                );
            }
            thread::sleep(POLL_INTERVAL);
        }
    }

    fn element(&self, el: fantoccini::elements::Element, css: &str) -> Element {
        Element {
            rt: self.rt.clone(),
            client: self.client.clone(),
            el,
            css: css.to_string(),
        }
    }

    // --- scripts ----------------------------------------------------------------------------

    /// Runs `js` as the body of a function (use `return …`; `arguments[i]` are `args`) and
    /// returns its JSON result. Elements can be passed with [`Element::to_arg`] and come back
    /// as references ([`Browser::element_from`]). WebDriver scripts are not subject to the
    /// page's Content-Security-Policy.
    pub fn execute(&self, js: &str, args: &[Value]) -> Value {
        let r = self.rt.block(self.client.execute(js, args.to_vec()));
        self.ok(&format!("execute {}", truncate(js, 120)), r)
    }

    /// Runs `js` asynchronously: it ends by calling `arguments[arguments.length - 1]` with
    /// its result, which is returned as JSON.
    pub fn execute_async(&self, js: &str, args: &[Value]) -> Value {
        let r = self.rt.block(self.client.execute_async(js, args.to_vec()));
        self.ok(&format!("execute_async {}", truncate(js, 120)), r)
    }

    /// The element a script returned, or `None` if `value` is not an element reference.
    pub fn element_from(&self, value: &Value) -> Option<Element> {
        let id = value.get("element-6066-11e4-a52e-4f735466cecf")?.as_str()?;
        let el = fantoccini::elements::Element::from_element_id(
            self.client.clone(),
            ElementRef::from(id.to_string()),
        );
        Some(self.element(el, ""))
    }

    // --- window, screen, cookies ------------------------------------------------------------

    /// A PNG screenshot of the viewport.
    pub fn screenshot_png(&self) -> Vec<u8> {
        let r = self.rt.block(self.client.screenshot());
        self.ok("screenshot", r)
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
        let r = self.rt.block(self.client.set_window_size(width, height));
        self.ok(&format!("set_window_size {width}x{height}"), r);
    }

    /// Deletes every cookie visible to the current page.
    pub fn delete_all_cookies(&self) {
        let r = self.rt.block(self.client.delete_all_cookies());
        self.ok("delete_all_cookies", r);
    }

    // --- keyboard ---------------------------------------------------------------------------

    /// Types `keys` into whatever has focus, with the actions API: each character is a key
    /// down and up (text or a [`keys`] code); a modifier ([`keys::SHIFT`], …) is held until it
    /// appears again, [`keys::NULL`] or the end. All keys are released afterwards.
    pub fn press_keys(&self, keys: &str) {
        let mut actions = KeyActions::new("kojo-keyboard".into());
        let mut held: Vec<char> = Vec::new();
        for c in keys.chars() {
            if keys::is_modifier(c) {
                if let Some(i) = held.iter().position(|&h| h == c) {
                    held.remove(i);
                    actions = actions.then(KeyAction::Up { value: c });
                } else {
                    held.push(c);
                    actions = actions.then(KeyAction::Down { value: c });
                }
            } else if c == '\u{E000}' {
                for h in held.drain(..).rev() {
                    actions = actions.then(KeyAction::Up { value: h });
                }
            } else {
                actions = actions
                    .then(KeyAction::Down { value: c })
                    .then(KeyAction::Up { value: c });
            }
        }
        for h in held.drain(..).rev() {
            actions = actions.then(KeyAction::Up { value: h });
        }
        let what = format!("press_keys {}", describe_keys(keys));
        let r = self.rt.block(self.client.perform_actions(actions));
        self.ok(&what, r);
        let r = self.rt.block(self.client.release_actions());
        self.ok(&what, r);
    }

    /// Saves a screenshot and the page source for a failing test (best effort).
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
        if std::fs::create_dir_all(&dir).is_err() {
            return;
        }
        let url = self.url_or_unknown();
        let png_path = dir.join(format!("{name}.png"));
        if let Ok(png) = self.rt.block(self.client.screenshot())
            && std::fs::write(&png_path, png).is_ok()
        {
            eprintln!(
                "webdriver: screenshot of {url} at failure: {}",
                png_path.display()
            );
        }
        let html_path = dir.join(format!("{name}.html"));
        if let Ok(src) = self.rt.block(self.client.source())
            && std::fs::write(&html_path, src).is_ok()
        {
            eprintln!("webdriver: page source at failure: {}", html_path.display());
        }
    }
}

impl Drop for Browser {
    /// Closes the session (Chromium quits), then ends chromedriver and anything left in its
    /// process group. Never panics.
    fn drop(&mut self) {
        if thread::panicking() {
            self.save_failure_artifacts();
        }
        let client = self.client.clone();
        let _ = self
            .rt
            .block(async { tokio::time::timeout(Duration::from_secs(15), client.close()).await });
        kill_driver(&mut self.driver);
    }
}

/// Waits until chromedriver accepts connections on `port` (or exits).
fn wait_listening(port: u16, driver: &mut Child) -> Result<(), String> {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    loop {
        if let Ok(Some(status)) = driver.try_wait() {
            return Err(format!("chromedriver exited early ({status})"));
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("not listening within {STARTUP_TIMEOUT:?}"));
        }
        thread::sleep(POLL_INTERVAL);
    }
}

/// Ends chromedriver and its process group (Chromium and its helpers, if still there), then
/// reaps it. Best effort.
fn kill_driver(driver: &mut Child) {
    // The group id is chromedriver's pid (process_group(0)); `kill -KILL -PGID` ends the group.
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", driver.id())])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = driver.kill();
    let _ = driver.wait();
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
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

/// Finds `css` in the document, polling until `timeout`.
fn find_waiting(b: &Browser, css: &str, timeout: Duration) -> Element {
    let deadline = Instant::now() + timeout;
    loop {
        let r = b.rt.block(b.client.find(Locator::Css(css)));
        match r {
            Ok(el) => return b.element(el, css),
            Err(e) if e.is_no_such_element() && Instant::now() < deadline => {
                thread::sleep(POLL_INTERVAL)
            }
            Err(e) if e.is_no_such_element() => panic!(
                "no element matches {css:?} after {timeout:?} (at {}, title {:?})",
                b.url_or_unknown(),
                b.rt.block(b.client.title()).unwrap_or_default()
            ),
            Err(e) => panic!(
                "WebDriver find {css:?} failed (at {}): {e}",
                b.url_or_unknown()
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Element
// ---------------------------------------------------------------------------------------------

/// A reference to one DOM element of the current page. It goes stale when the page changes;
/// using a stale element panics with `stale element reference`.
#[derive(Clone)]
pub struct Element {
    rt: Rt,
    client: Client,
    el: fantoccini::elements::Element,
    /// The selector it was found with, for messages (empty if it came from a script).
    css: String,
}

impl fmt::Debug for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Element({:?} #{})", self.css, self.el.element_id())
    }
}

impl Element {
    fn ok<T>(&self, what: &str, r: Result<T, CmdError>) -> T {
        r.unwrap_or_else(|e| {
            let at = self
                .rt
                .block(self.client.current_url())
                .map(|u| u.to_string())
                .unwrap_or_else(|_| "an unknown page".into());
            panic!("WebDriver {what} on {:?} failed (at {at}): {e}", self.css)
        })
    }

    /// Another element of the same session, found with `css`.
    fn sibling(&self, el: fantoccini::elements::Element, css: &str) -> Element {
        Element {
            rt: self.rt.clone(),
            client: self.client.clone(),
            el,
            css: css.to_string(),
        }
    }

    /// This element as an argument for [`Browser::execute`] (`arguments[i]` in the script).
    pub fn to_arg(&self) -> Value {
        serde_json::to_value(&self.el).expect("an element reference serializes")
    }

    /// Scrolls the element into view and clicks its centre (fails if something covers it).
    pub fn click(&self) {
        let r = self.rt.block(self.el.click());
        self.ok("click", r);
    }

    /// Focuses the element and types `text` into it (any Unicode, e.g. Japanese, plus
    /// [`keys`] codes), appending to what is there.
    pub fn send_keys(&self, text: &str) {
        let r = self.rt.block(self.el.send_keys(text));
        self.ok(&format!("send_keys {}", describe_keys(text)), r);
    }

    /// Empties an input or textarea.
    pub fn clear(&self) {
        let r = self.rt.block(self.el.clear());
        self.ok("clear", r);
    }

    /// The rendered text (as the user sees it: hidden parts left out, whitespace collapsed).
    pub fn text(&self) -> String {
        let r = self.rt.block(self.el.text());
        self.ok("text", r)
    }

    /// The attribute `name` as WebDriver reports it (`None` if absent). For boolean attributes
    /// such as `checked` or `selected` this reflects the current state (`Some("true")`).
    pub fn attr(&self, name: &str) -> Option<String> {
        let r = self.rt.block(self.el.attr(name));
        self.ok(&format!("attr {name:?}"), r)
    }

    /// The DOM property `name` as JSON (`Null` if undefined), e.g. `checked`, `selectedIndex`.
    pub fn prop(&self, name: &str) -> Value {
        let r = self.rt.block(self.client.execute(
            "return arguments[0][arguments[1]] ?? null;",
            vec![self.to_arg(), json!(name)],
        ));
        self.ok(&format!("prop {name:?}"), r)
    }

    /// The current `value` property (what is typed or selected now), `""` if none.
    pub fn value(&self) -> String {
        match self.prop("value") {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => other.to_string(),
        }
    }

    /// The lowercase tag name, e.g. `input`.
    pub fn tag_name(&self) -> String {
        let r = self.rt.block(self.el.tag_name());
        self.ok("tag_name", r).to_lowercase()
    }

    pub fn is_displayed(&self) -> bool {
        let r = self.rt.block(self.el.is_displayed());
        self.ok("is_displayed", r)
    }

    pub fn is_enabled(&self) -> bool {
        let r = self.rt.block(self.el.is_enabled());
        self.ok("is_enabled", r)
    }

    /// Whether a checkbox, radio button or option is selected.
    pub fn is_selected(&self) -> bool {
        let r = self.rt.block(self.el.is_selected());
        self.ok("is_selected", r)
    }

    /// The first descendant matching `css`, waiting up to [`FIND_TIMEOUT`] for it.
    pub fn find(&self, css: &str) -> Element {
        let deadline = Instant::now() + FIND_TIMEOUT;
        loop {
            match self.rt.block(self.el.find(Locator::Css(css))) {
                Ok(el) => return self.sibling(el, css),
                Err(e) if e.is_no_such_element() && Instant::now() < deadline => {
                    thread::sleep(POLL_INTERVAL)
                }
                Err(e) => self.ok(&format!("find {css:?}"), Err(e)),
            }
        }
    }

    /// Every descendant matching `css` now (no waiting).
    pub fn find_all(&self, css: &str) -> Vec<Element> {
        let r = self.rt.block(self.el.find_all(Locator::Css(css)));
        self.ok(&format!("find_all {css:?}"), r)
            .into_iter()
            .map(|el| self.sibling(el, css))
            .collect()
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
