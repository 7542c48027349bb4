//! Exchange through the real router of two kojo installations on real SQLite files: the
//! supplier's administrator creates a signing key on the web (the secret key arrives as a
//! download), packs an approved revision (「提出パッケージ作成」); the customer's administrator
//! registers the supplier with the public key the supplier's kojo serves, sees it missing in
//! receipt tracking with a reminder, has a changed package refused with nothing stored, receives
//! the real one (「提出受付」) and then sees it submitted, filed read-only with a 「受領」 badge.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Login, World, login, world};
use kojo_app::Actor;
use tower::ServiceExt;

const PASSPHRASE: &str = "correct horse battery staple";

struct Res {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Res {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn send(w: &World, req: Request<Body>) -> Res {
    let router = w.router.clone();
    let res = router.oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Res {
        status,
        headers,
        body,
    }
}

async fn get(w: &World, l: &Login, path: &str) -> Res {
    let req = Request::get(path)
        .header(header::COOKIE, &l.cookie)
        .body(Body::empty())
        .unwrap();
    send(w, req).await
}

async fn post_form(w: &World, l: &Login, path: &str, form: &[(&str, &str)]) -> Res {
    let body = serde_urlencoded::to_string(form).unwrap();
    let req = Request::post(path)
        .header(header::COOKIE, &l.cookie)
        .header("x-csrf-token", &l.csrf)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    send(w, req).await
}

/// A multipart form: text fields, then file fields `(name, filename, bytes)`.
async fn post_multipart(
    w: &World,
    l: &Login,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> Res {
    let boundary = "kojo-exchange-test";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, filename, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let req = Request::post(path)
        .header(header::COOKIE, &l.cookie)
        .header("x-csrf-token", &l.csrf)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    send(w, req).await
}

/// Company SUPP with plant SP1 and an approved 2026 assessment of it (signed by the world's
/// three signers).
async fn supplier_side(w: &World) -> String {
    let cli = Actor::cli();
    let admin = w.app.admin(&cli).unwrap();
    admin.add_company("SUPP", "Supplier Co").await.unwrap();
    admin
        .add_company_site("SUPP", "SP1", "Supplier plant 1")
        .await
        .unwrap();
    for name in ["author2", "checker2", "approver2"] {
        admin.grant(name, "SP1").await.unwrap();
    }
    let a = admin
        .new_assessment(
            "SP1",
            None,
            kojo_domain::FiscalYear::new(2026).unwrap(),
            None,
        )
        .await
        .unwrap();
    for (name, decision) in [
        ("author2", kojo_domain::Decision::Submit),
        ("checker2", kojo_domain::Decision::Confirm),
        ("approver2", kojo_domain::Decision::Approve),
    ] {
        let actor = w.app.actor_for(name).await.unwrap();
        w.app
            .signer(&actor)
            .unwrap()
            .decide(&a.id, decision, None)
            .await
            .unwrap();
    }
    a.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_package_made_on_the_web_is_received_on_the_web_and_tracked() {
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let supplier = world(dirs.0.path()).await;
    let customer = world(dirs.1.path()).await;
    let id = supplier_side(&supplier).await;
    let s_admin = login(&supplier.app, "admin1").await;
    let c_admin = login(&customer.app, "admin1").await;

    // 提出パッケージ作成 offers nothing until the company has a key.
    let page = get(&supplier, &s_admin, &format!("/a/{id}/submit")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("id=\"submit-blocked\""),
        "{}",
        page.text()
    );
    assert!(!page.text().contains("id=\"submit-package\""));

    // Two different passphrases: refused, no key registered.
    let res = post_form(
        &supplier,
        &s_admin,
        "/keys/generate",
        &[
            ("company", "SUPP"),
            ("passphrase", PASSPHRASE),
            ("passphrase2", "another passphrase"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().contains("2つのパスフレーズが一致しません"));

    // The key: the secret key arrives as SUPP.key; the server keeps only the public key.
    let res = post_form(
        &supplier,
        &s_admin,
        "/keys/generate",
        &[
            ("company", "SUPP"),
            ("passphrase", PASSPHRASE),
            ("passphrase2", PASSPHRASE),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert!(
        res.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("SUPP.key")
    );
    let secret = res.body;
    assert!(String::from_utf8_lossy(&secret).starts_with("untrusted comment:"));
    let keys = supplier
        .app
        .reader(&Actor::cli())
        .company_keys(Some("SUPP"))
        .await
        .unwrap();
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    let page = get(&supplier, &s_admin, "/keys").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains(&key.fingerprint), "fingerprint shown");
    assert!(page.text().contains(&key.key.key_id));
    let public = get(
        &supplier,
        &s_admin,
        &format!("/keys/{}/public", key.key.key_id),
    )
    .await;
    assert_eq!(public.status, StatusCode::OK);
    assert_eq!(public.text(), key.public_file);

    // A wrong passphrase: the form again with the reason.
    let res = post_multipart(
        &supplier,
        &s_admin,
        &format!("/a/{id}/submit"),
        &[("passphrase", "not the passphrase"), ("lang", "ja")],
        &[("key", "SUPP.key", &secret)],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text().contains("パスフレーズが違います"),
        "{}",
        res.text()
    );

    // The package, twice: the same bytes.
    let mut packages = Vec::new();
    for _ in 0..2 {
        let res = post_multipart(
            &supplier,
            &s_admin,
            &format!("/a/{id}/submit"),
            &[("passphrase", PASSPHRASE), ("lang", "ja")],
            &[("key", "SUPP.key", &secret)],
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        assert_eq!(res.headers[header::CONTENT_TYPE], "application/zip");
        assert!(
            res.headers[header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .contains("2026_SP1_r1.kojo")
        );
        packages.push(res.body);
    }
    assert_eq!(packages[0], packages[1], "reproducible");
    let package = &packages[0];

    // The customer registers the supplier with the public key file.
    let res = post_form(
        &customer,
        &c_admin,
        "/suppliers",
        &[
            ("code", "SUPP"),
            ("name", "Supplier Co"),
            ("public_key", &public.text()),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert!(res.text().contains(&key.fingerprint));
    let status = get(&customer, &c_admin, "/suppliers?period=2026").await;
    let text = status.text();
    assert!(
        text.contains("data-supplier=\"SUPP\" data-submitted=\"false\""),
        "{text}"
    );
    assert!(
        text.contains("id=\"letter-SUPP\""),
        "a reminder for the missing supplier"
    );
    assert!(text.contains("Supplier Co 御中"));

    // One changed byte: refused, nothing stored.
    let mut changed = package.clone();
    let at = changed.len() / 2;
    changed[at] ^= 0x01;
    let res = post_multipart(
        &customer,
        &c_admin,
        "/receive",
        &[("company", "SUPP")],
        &[("package", "p.kojo", &changed)],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text().contains("id=\"receive-error\""),
        "{}",
        res.text()
    );
    let status = get(&customer, &c_admin, "/suppliers?period=2026").await;
    assert!(status.text().contains("data-submitted=\"false\""));

    // The package as it was made: filed.
    let res = post_multipart(
        &customer,
        &c_admin,
        "/receive",
        &[("company", "SUPP")],
        &[("package", "p.kojo", package)],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let text = res.text();
    assert!(
        text.contains("id=\"receive-result\" data-current=\"true\""),
        "{text}"
    );
    assert!(text.contains(&format!("href=\"/a/{id}\"")));

    // Tracked as submitted, revision 1, linked.
    let status = get(&customer, &c_admin, "/suppliers?period=2026").await;
    let text = status.text();
    assert!(
        text.contains("data-supplier=\"SUPP\" data-submitted=\"true\""),
        "{text}"
    );
    assert!(text.contains("SUPP.SP1 r1"));
    assert!(!text.contains("id=\"letter-SUPP\""));

    // Filed read-only with the badge; no sign-off or revision offered; not packable here.
    let page = get(&customer, &c_admin, &format!("/a/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(text.contains("id=\"received-badge\""));
    assert!(text.contains("id=\"received-notice\""));
    assert!(!text.contains("id=\"to-submit\""));
    assert!(!text.contains("action=\"/a/{id}/revise\""));
    let res = post_form(
        &customer,
        &c_admin,
        &format!("/a/{id}/items/1"),
        &[("mark", "ok"), ("version", "0")],
    )
    .await;
    assert_ne!(
        res.status,
        StatusCode::SEE_OTHER,
        "a received assessment is not edited"
    );
    let portfolio = get(&customer, &c_admin, "/portfolio?period=2026").await;
    assert!(portfolio.text().contains("badge received"));

    // The same package again: refused as already received.
    let res = post_multipart(
        &customer,
        &c_admin,
        "/receive",
        &[],
        &[("package", "p.kojo", package)],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().contains("受領済み"), "{}", res.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_package_over_the_limit_is_refused_with_the_limit_named() {
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    let admin = login(&w.app, "admin1").await;
    let big = vec![0u8; kojo_app::MAX_PACKAGE_BYTES + 1];
    let res = post_multipart(
        &w,
        &admin,
        "/receive",
        &[],
        &[("package", "big.kojo", &big)],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().contains("256 MiB"), "{}", res.text());
}
