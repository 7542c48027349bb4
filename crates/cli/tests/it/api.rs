//! The REST API from the outside (issue 11 §5): `kojo token create|list|revoke` with the real
//! binary, a real `kojo serve` answering the token over HTTP, and `kojo api openapi`, which
//! the standard openapi-spec-validator (PyPI) accepts and which equals what the server serves.

use crate::common::*;
use crate::web::Client;
use serde_json::Value;

fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

#[test]
fn a_token_made_on_the_command_line_reads_over_http_until_revoked() {
    let db = sqlite_db();
    db.add_plant("P1", "第一工場");
    add_user(&db, "boss", "admin", None);
    // One administrator: --user may be left out.
    let made = ok(db
        .kojo()
        .args(["token", "create", "nightly export", "--scope", "read"]));
    let token = last_line(&made);
    assert!(token.starts_with("kojo_") && token.len() == 69, "{token}");
    assert!(made.stdout.contains("nightly export"));
    let list = json_of(&ok(db.kojo().args(["token", "list", "--json"])));
    let rows = list.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["user_name"], "boss");
    assert_eq!(rows[0]["scope"], "read");
    assert!(
        !list.to_string().contains(&token),
        "the secret is not stored"
    );
    let id = rows[0]["id"].as_str().unwrap().to_string();

    let server = Server::start(&db.url, &[]);
    let mut c = Client::default();
    let auth = bearer(&token);
    let r = c.send(
        &server,
        "GET",
        "/api/v1/sites",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["items"][0]["code"], "P1");
    // A read token changes nothing, in the language asked for.
    let r = c.send(
        &server,
        "POST",
        "/api/v1/sites",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
            ("Accept-Language", "en"),
        ],
        br#"{"code":"P2","name":"x"}"#,
    );
    assert_eq!(r.status, 403);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    assert!(
        r.body.contains("A read token cannot change anything"),
        "{}",
        r.body
    );
    // No cookies on the API: a browser session is not a token.
    let r = c.send(
        &server,
        "GET",
        "/api/v1/sites",
        &[("Cookie", "kojo_session=whatever")],
        b"",
    );
    assert_eq!(r.status, 401);
    assert!(r.header("set-cookie").is_none(), "the API sets no cookie");

    let list = json_of(&ok(db.kojo().args(["token", "list", "--json"])));
    assert!(list[0]["last_used_at"].is_string(), "last use recorded");
    ok(db.kojo().args(["token", "revoke", &id]));
    let r = c.send(
        &server,
        "GET",
        "/api/v1/sites",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(r.status, 401);
    let list = json_of(&ok(db.kojo().args(["token", "list", "--json"])));
    assert!(list[0]["revoked_at"].is_string());

    // Several administrators: the command line asks which user.
    add_user(&db, "boss2", "admin", None);
    let r = fails(db.kojo().args(["token", "create", "x", "--scope", "write"]));
    assert!(r.stderr.contains("--user"), "{}", r.stderr);
    let r = fails(
        db.kojo()
            .args(["token", "create", "x", "--scope", "admin", "--user", "boss"]),
    );
    assert!(r.stderr.contains("read"), "{}", r.stderr);
    ok(db.kojo().args([
        "token", "create", "x", "--scope", "write", "--user", "boss2",
    ]));
}

#[test]
fn the_openapi_document_passes_the_standard_validator_and_is_what_the_server_serves() {
    let db = sqlite_db();
    let file = db.dir.path().join("openapi.json");
    ok(db.kojo().args(["api", "openapi", "-o"]).arg(&file));
    let python = std::env::var("KOJO_TEST_OPENAPI_PYTHON").expect(
        "KOJO_TEST_OPENAPI_PYTHON is not set: run ./scripts/test, which installs openapi-spec-validator",
    );
    let out = std::process::Command::new(&python)
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openapi-spec-validator refused the document:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["paths"]["/api/v1/assessments/{id}"]["get"].is_object());
    // A broken document is refused by the same check (the check can fail).
    let mut broken = doc.clone();
    broken["paths"]["/api/v1/sites"]["get"]["responses"] = Value::String("nope".into());
    let bad = db.dir.path().join("broken.json");
    std::fs::write(&bad, serde_json::to_vec(&broken).unwrap()).unwrap();
    let out = std::process::Command::new(&python)
        .args(["-m", "openapi_spec_validator"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "the validator must refuse a broken document"
    );

    add_user(&db, "boss", "admin", None);
    let server = Server::start(&db.url, &[]);
    let r = Client::default().send(&server, "GET", "/api/openapi.json", &[], b"");
    assert_eq!(r.status, 200);
    let served: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(served, doc);
}
