//! Self-test of the WebDriver client (`webdriver.rs`) against Debian's headless Chromium:
//! a tiny std-only HTTP server serves a Japanese form whose behaviour lives in an external
//! script (`/app.js`, under a strict Content-Security-Policy: no inline JS), and one test drives
//! it through every part of the client API.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::json;

use crate::webdriver::{Browser, base64_decode, css_string, keys};

const PAGE: &str = r#"<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<title>自己診断テスト</title>
<script src="/app.js" defer></script>
</head>
<body>
<h1>自己診断</h1>
<form id="form" action="/second" method="get">
  <label for="name">工場名</label>
  <input id="name" name="name" type="text" placeholder="例: 本社工場">
  <label for="level">レベル</label>
  <select id="level" name="level">
    <option value="">選択してください</option>
    <option value="1">レベル1</option>
    <option value="2">レベル2</option>
  </select>
  <button type="button" id="go">確認</button>
</form>
<p id="out">未確認</p>
<p id="changed"></p>
<p id="hidden" hidden>隠し</p>
<a id="next" href="/second">次へ</a>
</body>
</html>
"#;

const APP_JS: &str = r#""use strict";
document.addEventListener("DOMContentLoaded", () => {
  const name = document.getElementById("name");
  const level = document.getElementById("level");
  const out = document.getElementById("out");
  document.getElementById("go").addEventListener("click", () => {
    out.textContent = "確認済み: " + name.value + " / " + level.value;
    // Something that appears later, for the waiting find().
    setTimeout(() => {
      if (!document.getElementById("late")) {
        const p = document.createElement("p");
        p.id = "late";
        p.textContent = "遅れて表示";
        document.body.appendChild(p);
      }
    }, 300);
  });
  level.addEventListener("change", () => {
    document.getElementById("changed").textContent = "change:" + level.value;
  });
});
"#;

/// A fixed-route HTTP/1.1 server on 127.0.0.1:0, one thread per connection; stops on drop.
struct TestServer {
    port: u16,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl TestServer {
    fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the test server");
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let accept = thread::spawn(move || {
            for conn in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    thread::spawn(move || serve(conn));
                }
            }
        });
        TestServer {
            port,
            stop,
            accept: Some(accept),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept() so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn serve(mut conn: TcpStream) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut req = Vec::new();
    let mut buf = [0u8; 4096];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") && req.len() < 64 * 1024 {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return, // a speculative connection that never sent anything
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    let req = String::from_utf8_lossy(&req);
    let mut lines = req.split("\r\n");
    let target = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("/")
        .to_string();
    let header = |name: &str| {
        req.split("\r\n")
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let path = target.split('?').next().unwrap_or("/");
    let (status, ctype, body, extra) = match path {
        "/" => (
            "200 OK",
            "text/html; charset=utf-8",
            PAGE.to_string(),
            "Set-Cookie: kojo_selftest=1; Path=/; SameSite=Lax\r\n",
        ),
        "/app.js" => (
            "200 OK",
            "text/javascript; charset=utf-8",
            APP_JS.to_string(),
            "",
        ),
        "/second" => (
            "200 OK",
            "text/html; charset=utf-8",
            format!(
                "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\">\
                 <title>二ページ目</title></head><body><p id=\"lang\">{}</p></body></html>",
                html_escape(&header("accept-language"))
            ),
            "",
        ),
        _ => (
            "404 Not Found",
            "text/plain; charset=utf-8",
            "not found".to_string(),
            "",
        ),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\
         Content-Security-Policy: default-src 'self'\r\nCache-Control: no-store\r\n\
         {extra}Connection: close\r\n\r\n",
        body.len()
    );
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body.as_bytes());
    let _ = conn.flush();
    let _ = conn.shutdown(Shutdown::Write);
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn active_id(b: &Browser) -> String {
    b.execute(
        "const a = document.activeElement; return a ? a.id : null;",
        &[],
    )
    .as_str()
    .unwrap_or_default()
    .to_string()
}

#[test]
fn webdriver_client_drives_headless_chromium() {
    let server = TestServer::start();
    let b = Browser::start();
    assert!(!b.session_id().is_empty());
    const WAIT: Duration = Duration::from_secs(5);

    // --- page, title, source, text ---
    b.goto(&server.url("/"));
    assert_eq!(b.current_url(), server.url("/"));
    assert_eq!(b.title(), "自己診断テスト");
    assert!(b.page_source().contains("工場名"));
    assert_eq!(b.text("label[for=name]"), "工場名");
    assert_eq!(b.text("h1"), "自己診断");

    // --- presence, visibility, attributes ---
    assert!(b.exists("#go"));
    assert!(!b.exists("#late"), "#late appears only after the click");
    assert!(b.find("#name").is_displayed());
    assert!(!b.find("#hidden").is_displayed());
    assert_eq!(b.text("#hidden"), "", "hidden text is not rendered text");
    let name = b.find("#name");
    assert_eq!(name.tag_name(), "input");
    assert_eq!(name.attr("placeholder").as_deref(), Some("例: 本社工場"));
    assert_eq!(name.attr("data-missing"), None);
    assert_eq!(b.find_all("#level option").len(), 3);
    assert_eq!(b.find("#form").find("button").text(), "確認");
    assert_eq!(b.find("#form").find_all("label").len(), 2);

    // --- typing Japanese, selecting, clicking; the script runs from /app.js under CSP ---
    name.send_keys("東京第一工場");
    assert_eq!(name.value(), "東京第一工場");
    let level = b.find("#level");
    level.select_by_value("2");
    assert_eq!(level.value(), "2");
    assert_eq!(b.text("#changed"), "change:2", "the change event fired");
    b.find("#go").click();
    b.wait_until(
        |b| b.text("#out") == "確認済み: 東京第一工場 / 2",
        WAIT,
        "#out to show the confirmed answer",
    );
    // find() waits for an element that the script adds 300 ms later.
    assert_eq!(b.find("#late").text(), "遅れて表示");

    // --- keyboard through the actions API ---
    name.clear();
    assert_eq!(name.value(), "");
    name.click();
    assert_eq!(active_id(&b), "name");
    b.press_keys("名古屋工場");
    assert_eq!(name.value(), "名古屋工場");
    b.press_keys(&format!("{}{}", keys::ARROW_LEFT, keys::BACKSPACE));
    assert_eq!(
        name.value(),
        "名古屋場",
        "caret moved left, one character deleted"
    );
    b.press_keys(keys::TAB);
    assert_eq!(active_id(&b), "level");
    b.press_keys(keys::TAB);
    assert_eq!(active_id(&b), "go");
    b.press_keys(&format!("{}{}", keys::SHIFT, keys::TAB));
    assert_eq!(active_id(&b), "level", "Shift+Tab goes back");
    b.press_keys(keys::TAB);
    b.press_keys(keys::ENTER);
    b.wait_until(
        |b| b.text("#out") == "確認済み: 名古屋場 / 2",
        WAIT,
        "Enter on the focused button",
    );
    name.clear();
    name.send_keys("堺工場");
    b.press_keys(&keys::TAB.repeat(2));
    assert_eq!(active_id(&b), "go");
    b.press_keys(keys::SPACE);
    b.wait_until(
        |b| b.text("#out") == "確認済み: 堺工場 / 2",
        WAIT,
        "Space on the focused button",
    );

    // --- scripts with element arguments and results ---
    assert_eq!(
        b.execute(
            "return arguments[0].id + arguments[1];",
            &[name.to_arg(), json!("!")]
        ),
        json!("name!")
    );
    let go = b
        .element_from(&b.execute("return document.getElementById('go');", &[]))
        .expect("an element reference");
    assert_eq!(go.text(), "確認");
    let lang = b.execute("return navigator.language;", &[]);
    assert!(
        lang.as_str().unwrap_or_default().starts_with("ja"),
        "navigator.language: {lang}"
    );

    // --- cookies ---
    let cookies = b.get_cookies();
    assert!(
        cookies
            .iter()
            .any(|c| c["name"] == "kojo_selftest" && c["value"] == "1"),
        "{cookies:?}"
    );
    b.delete_all_cookies();
    assert!(b.get_cookies().is_empty());

    // --- navigation: link, Accept-Language, back, refresh ---
    b.find("#next").click();
    b.wait_until(
        |b| b.current_url().ends_with("/second"),
        WAIT,
        "the second page",
    );
    assert_eq!(b.title(), "二ページ目");
    let accept_language = b.text("#lang");
    assert!(
        accept_language.starts_with("ja"),
        "Accept-Language sent: {accept_language:?}"
    );
    b.back();
    assert_eq!(b.current_url(), server.url("/"));
    b.find("#name").send_keys("再読込前");
    b.refresh();
    assert_eq!(b.find("#name").value(), "", "a refresh reloads the page");
    assert_eq!(b.text("#out"), "未確認");

    // --- a failing wait panics with the selector in the message ---
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        b.wait_for("#never-there", Duration::from_millis(200));
    }))
    .expect_err("waiting for a missing element panics");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("#never-there") && msg.contains("200ms"),
        "{msg}"
    );

    // --- window size and screenshot ---
    b.set_window_size(900, 700);
    let inner = b.execute("return [window.innerWidth, window.innerHeight];", &[]);
    let (iw, ih) = (inner[0].as_u64().unwrap(), inner[1].as_u64().unwrap());
    assert!(
        iw > 0 && iw <= 900 && ih > 0 && ih <= 700,
        "viewport {inner}"
    );
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("shots/nested/page.png");
    b.screenshot(&shot);
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG magic bytes");
    assert_eq!(&png[12..16], b"IHDR");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!(
        (width as u64, height as u64),
        (iw, ih),
        "screenshot = viewport"
    );

    drop(b);
    drop(server);
}

#[test]
fn webdriver_base64_decoder() {
    assert_eq!(base64_decode("").unwrap(), b"");
    assert_eq!(base64_decode("Zg==").unwrap(), b"f");
    assert_eq!(base64_decode("Zm8=").unwrap(), b"fo");
    assert_eq!(base64_decode("Zm9v").unwrap(), b"foo");
    assert_eq!(base64_decode("Zm9vYg").unwrap(), b"foob", "unpadded");
    assert_eq!(
        base64_decode("Zm9v\nYmFy").unwrap(),
        b"foobar",
        "whitespace"
    );
    assert_eq!(base64_decode("+/+/").unwrap(), [0xfb, 0xff, 0xbf]);
    assert_eq!(base64_decode("iVBORw0KGgo=").unwrap(), b"\x89PNG\r\n\x1a\n");
    assert_eq!(base64_decode("5bel5aC0").unwrap(), "工場".as_bytes());
    for bad in ["Z", "Zm9v=", "Zm=9", "Zm9*", "Zg===", "Z==="] {
        assert!(base64_decode(bad).is_none(), "{bad:?} is invalid");
    }
}

#[test]
fn webdriver_css_string_quoting() {
    assert_eq!(css_string("2"), r#""2""#);
    assert_eq!(css_string(r#"a"b\c"#), r#""a\"b\\c""#);
    assert_eq!(css_string("レベル\n2"), "\"レベル\\a 2\"");
}
