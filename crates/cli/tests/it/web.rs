//! The web app over plain HTTP: security headers, CSRF, cookies, limits, throttling, escaping,
//! checksheet upload, through reqwest (no redirects followed, cookies kept by hand so a test
//! sees and controls every one).

use crate::common::*;
use std::collections::BTreeMap;

pub(crate) struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

#[derive(Default)]
pub(crate) struct Client {
    cookies: BTreeMap<String, String>,
}

impl Client {
    /// Sends one request (no redirects followed, no compression asked for) with this client's
    /// cookies, and keeps the cookies the response sets.
    pub fn send(
        &mut self,
        s: &Server,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Resp {
        let http = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .expect("an HTTP client");
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let mut req = http
            .request(method, format!("{}{path}", s.base))
            .body(body.to_vec());
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header("Cookie", c.join("; "));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().expect("the server answers");
        let status = res.status().as_u16();
        let headers: Vec<(String, String)> = res
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).to_string(),
                )
            })
            .collect();
        let body = res.text().unwrap_or_default();
        for (k, v) in &headers {
            if k.eq_ignore_ascii_case("set-cookie") {
                let (nv, _) = v.split_once(';').unwrap_or((v, ""));
                let (n, val) = nv.split_once('=').unwrap();
                if val.is_empty() {
                    self.cookies.remove(n)
                } else {
                    self.cookies.insert(n.to_string(), val.to_string())
                };
            }
        }
        Resp {
            status,
            headers,
            body,
        }
    }

    pub fn get(&mut self, s: &Server, path: &str) -> Resp {
        self.send(s, "GET", path, &[], b"")
    }

    pub fn post(&mut self, s: &Server, path: &str, form: &[(&str, &str)]) -> Resp {
        let body: Vec<String> = form
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        self.send(
            s,
            "POST",
            path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            body.join("&").as_bytes(),
        )
    }

    /// The CSRF token the last page carried.
    pub fn csrf(&mut self, s: &Server, page: &str) -> String {
        let r = self.get(s, page);
        let i = r
            .body
            .find("name=\"csrf-token\" content=\"")
            .expect("csrf meta")
            + 27;
        r.body[i..i + r.body[i..].find('"').expect("csrf end")].to_string()
    }
}

pub(crate) fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub(crate) const PW: &str = "correct horse battery staple";

pub(crate) fn admin_session(db: &TestDb, s: &Server) -> Client {
    let mut c = Client::default();
    let csrf = c.csrf(s, "/setup");
    let r = c.post(
        s,
        "/setup",
        &[
            ("_csrf", &csrf),
            ("username", "admin"),
            ("password", PW),
            ("password_confirm", PW),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/sites"));
    let _ = db;
    c
}

#[test]
fn security_headers_cookies_and_csrf() {
    let db = sqlite_db();
    let s = Server::start(&db.url, &[]);
    let mut anon = Client::default();
    let r = anon.get(&s, "/setup");
    assert_eq!(r.status, 200);
    let csp = r.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'")
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert!(r.header("referrer-policy").is_some());
    assert!(
        !r.body.contains("<script>") && !r.body.contains(" onclick="),
        "no inline script"
    );
    // A POST without the token changes nothing.
    let r = anon.post(
        &s,
        "/setup",
        &[
            ("username", "admin"),
            ("password", PW),
            ("password_confirm", PW),
        ],
    );
    assert_eq!(r.status, 403);
    let r = anon.post(
        &s,
        "/setup",
        &[
            ("_csrf", &"0".repeat(64)),
            ("username", "admin"),
            ("password", PW),
            ("password_confirm", PW),
        ],
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        run(db.kojo().args(["user", "list", "--json"]))
            .stdout
            .trim(),
        "[]",
        "no user was created"
    );
    // Setup creates the admin and a session cookie: HttpOnly, SameSite, not Secure over plain HTTP.
    let mut c = admin_session(&db, &s);
    let set = c.get(&s, "/sites");
    assert_eq!(set.status, 200);
    let r = Client::default().get(&s, "/setup");
    assert_eq!(r.status, 303, "setup is gone once an admin exists");
    // Logged in: state changes still need the session's token.
    let r = c.post(&s, "/sites", &[("code", "P1"), ("name", "x")]);
    assert_eq!(r.status, 403);
    let csrf = c.csrf(&s, "/sites");
    let r = c.post(
        &s,
        "/sites",
        &[
            ("_csrf", &csrf),
            ("code", "P1"),
            ("name", "<script>alert('x')</script>\"工場\""),
        ],
    );
    assert_eq!(r.status, 303);
    let page = c.get(&s, "/sites").body;
    assert!(
        page.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;&#34;工場&#34;"),
        "escaped: {page}"
    );
    assert!(!page.contains("<script>alert("));
    // Unknown pages: a plain 404 without internals.
    let r = c.get(&s, "/no/such/page");
    assert_eq!(r.status, 404);
    assert!(!r.body.to_lowercase().contains("panicked") && !r.body.contains("sqlx"));
    // Request body limit.
    let big = "a".repeat(2 * 1024 * 1024);
    let r = c.post(
        &s,
        "/sites",
        &[("_csrf", &csrf), ("code", "P2"), ("name", &big)],
    );
    assert_eq!(r.status, 413);
}

#[test]
fn session_cookie_flags_follow_the_trusted_proxy_only() {
    let db = sqlite_db();
    let plain = Server::start(&db.url, &[]);
    let mut c = Client::default();
    let csrf = c.csrf(&plain, "/setup");
    let r = c.send(
        &plain,
        "POST",
        "/setup",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Forwarded-Proto", "https"),
        ],
        format!(
            "_csrf={csrf}&username=admin&password={}&password_confirm={}",
            enc(PW),
            enc(PW)
        )
        .as_bytes(),
    );
    let cookie = r
        .all("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("kojo_session="))
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "an untrusted X-Forwarded-Proto is ignored: {cookie}"
    );
    let proxied = Server::start(&db.url, &["--trusted-proxy", "127.0.0.1"]);
    let mut c = Client::default();
    let csrf = c.csrf(&proxied, "/login");
    let r = c.send(
        &proxied,
        "POST",
        "/login",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-For", "203.0.113.9"),
        ],
        format!("_csrf={csrf}&username=admin&password={}", enc(PW)).as_bytes(),
    );
    assert_eq!(r.status, 303);
    let cookie = r
        .all("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("kojo_session="))
        .unwrap()
        .to_string();
    assert!(cookie.contains("Secure"), "{cookie}");
    let log = run(db.kojo().args(["user", "log", "--json"])).stdout;
    assert!(
        log.contains("203.0.113.9"),
        "the client address behind the proxy is logged"
    );
}

#[test]
fn checksheet_upload_is_all_or_nothing() {
    let db = sqlite_db();
    let s = Server::start(&db.url, &[]);
    let mut c = admin_session(&db, &s);
    db.add_plant("P1", "第一工場");
    // A filled checksheet made by exporting an assessment.
    let id = ok(db
        .kojo()
        .args(["assessment", "new", "--site", "P1", "--period", "2025"]))
    .stdout
    .lines()
    .last()
    .unwrap()
    .to_string();
    ok(db.kojo().args(["assessment", "answer", &id, "1", "○"]));
    ok(db.kojo().args([
        "assessment",
        "answer",
        &id,
        "2",
        "□",
        "--reason",
        "予算待ち",
        "--review-by",
        "2027-03-31",
    ]));
    let file = db.dir.path().join("filled.xlsx");
    ok(db
        .kojo()
        .args(["checksheet", "export", &id, "-o"])
        .arg(&file));
    let xlsx = std::fs::read(&file).unwrap();
    let csrf = c.csrf(&s, "/import");
    let upload = |c: &mut Client, bytes: &[u8]| {
        let boundary = "kojoBOUNDARY1234";
        let mut body = Vec::new();
        for (k, v) in [("site", "P1"), ("line", ""), ("period", "2026")] {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let ct = format!("multipart/form-data; boundary={boundary}");
        c.send(
            &s,
            "POST",
            &format!("/import?_csrf={csrf}"),
            &[("Content-Type", &ct)],
            &body,
        )
    };
    let bad = upload(&mut c, b"this is not a spreadsheet");
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("import-errors"), "{}", bad.body);
    let count = || {
        serde_json::from_str::<serde_json::Value>(
            &ok(db.kojo().args(["assessment", "list", "--json"])).stdout,
        )
        .unwrap()
        .as_array()
        .unwrap()
        .len()
    };
    assert_eq!(count(), 1, "nothing imported");
    let good = upload(&mut c, &xlsx);
    assert_eq!(good.status, 303, "{}", good.body);
    let new_id = good
        .header("location")
        .unwrap()
        .trim_start_matches("/a/")
        .to_string();
    let j: serde_json::Value =
        serde_json::from_str(&ok(db.kojo().args(["assessment", "show", &new_id, "--json"])).stdout)
            .unwrap();
    assert_eq!(j["summary"]["overall"]["answered"], 2);
    assert_eq!(j["assessment"]["period"], 2026);
    // Downloads of the new assessment.
    let x = c.get(&s, &format!("/a/{new_id}/checksheet.xlsx"));
    assert_eq!(x.status, 200);
    assert!(
        x.header("content-disposition")
            .unwrap()
            .contains("attachment")
    );
}

#[test]
fn reviewers_comment_and_viewers_cannot() {
    let db = sqlite_db();
    let s = Server::start(&db.url, &[]);
    let _admin = admin_session(&db, &s);
    db.add_plant("P1", "第一工場");
    let id = ok(db
        .kojo()
        .args(["assessment", "new", "--site", "P1", "--period", "2026"]))
    .stdout
    .lines()
    .last()
    .unwrap()
    .to_string();
    for (name, role) in [("rev1", "reviewer"), ("view1", "viewer")] {
        let mut add = db
            .kojo()
            .args([
                "user",
                "add",
                name,
                "--role",
                role,
                "--site",
                "P1",
                "--password-stdin",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut add.stdin.take().unwrap(), PW.as_bytes()).unwrap();
        assert!(add.wait().unwrap().success());
    }
    let login = |name: &str| {
        let mut c = Client::default();
        let csrf = c.csrf(&s, "/login");
        assert_eq!(
            c.post(
                &s,
                "/login",
                &[("_csrf", &csrf), ("username", name), ("password", PW)]
            )
            .status,
            303
        );
        c
    };
    let users: serde_json::Value =
        serde_json::from_str(&ok(db.kojo().args(["user", "list", "--json"])).stdout).unwrap();
    let rev1 = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "rev1")
        .unwrap();
    assert_eq!(
        rev1["sites"],
        serde_json::json!(["P1"]),
        "grants listed per user"
    );
    let mut rev = login("rev1");
    let csrf = rev.csrf(&s, &format!("/a/{id}"));
    let r = rev.post(
        &s,
        &format!("/a/{id}/comments"),
        &[
            ("_csrf", &csrf),
            ("item", "3"),
            ("body", "根拠資料は？ <i>至急</i>"),
        ],
    );
    assert_eq!(r.status, 303);
    let page = rev.get(&s, &format!("/a/{id}")).body;
    assert!(
        page.contains("根拠資料は？ &#60;i&#62;至急&#60;/i&#62;"),
        "comment shown, escaped"
    );
    // A reviewer reads but cannot answer.
    let r = rev.post(
        &s,
        &format!("/a/{id}/items/3"),
        &[("_csrf", &csrf), ("version", "0"), ("mark", "implemented")],
    );
    assert_eq!(r.status, 403);
    let mut view = login("view1");
    let csrf = view.csrf(&s, &format!("/a/{id}"));
    let r = view.post(
        &s,
        &format!("/a/{id}/comments"),
        &[("_csrf", &csrf), ("item", "3"), ("body", "x")],
    );
    assert_eq!(r.status, 403);
    assert!(
        !view
            .get(&s, &format!("/a/{id}"))
            .body
            .contains("comment-form"),
        "no comment form for viewers"
    );
}
