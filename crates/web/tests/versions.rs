//! Catalog versions through the real router on a real SQLite file, with the test catalog
//! listed: the diff page, the assessment page's version block, 新版で作成 and where each
//! changed item came from.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Login, World, login, world};
use tower::ServiceExt;

async fn send(w: &World, req: Request<Body>) -> (StatusCode, String, String) {
    let router = w.router.clone();
    let res = router.oneshot(req).await.unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        location,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

fn get(l: &Login, path: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, &l.cookie)
        .body(Body::empty())
        .unwrap()
}

fn post(l: &Login, path: &str, form: &str) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, &l.cookie)
        .header("x-csrf-token", &l.csrf)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_string()))
        .unwrap()
}

async fn test_world() -> (tempfile::TempDir, World) {
    kojo_catalog::enable_test_catalog_for_tests();
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    (dir, w)
}

#[tokio::test]
async fn the_diff_page_shows_what_changed_and_refuses_pairs_without_a_mapping() {
    let (_dir, w) = test_world().await;
    let v = login(&w.app, "viewer1").await;
    let (st, _, html) = send(&w, get(&v, "/catalog/diff")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("<ins>、制御用端末</ins>"), "{html}");
    assert_eq!(html.matches("class=\"version-row\"").count(), 6);
    assert!(html.contains("data-change=\"removed\""));
    assert!(html.contains("<td class=\"num\" data-change=\"same\">58</td>"));
    let (st, _, html) = send(&w, get(&v, "/catalog/diff?from=0.9&to=0.9-test&all=1")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(html.matches("class=\"version-row\"").count(), 64);
    for bad in [
        "/catalog/diff?from=0.9-test&to=0.9",
        "/catalog/diff?from=9.9&to=0.9",
        "/catalog/diff?from=0.9&to=",
    ] {
        let (st, _, _) = send(&w, get(&v, bad)).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{bad}");
    }
}

#[tokio::test]
async fn create_on_the_new_version_from_the_assessment_page() {
    let (_dir, w) = test_world().await;
    let assessor = login(&w.app, "assessor1").await;
    let viewer = login(&w.app, "viewer1").await;
    let page = format!("/a/{}", w.own_assessment);
    let (_, _, html) = send(&w, get(&assessor, &page)).await;
    assert!(html.contains("id=\"catalog-version\""), "{html}");
    assert!(html.contains("新しい版があります: 0.9-test"));
    let link = html.split("id=\"to-version-diff\" href=\"").nth(1).unwrap();
    let link = &link[..link.find('"').unwrap()];
    assert!(
        link.starts_with("/catalog/diff?from=0.9&") && link.ends_with("to=0.9-test"),
        "{link}"
    );
    assert!(html.contains("id=\"migrate\""));
    let (_, _, html) = send(&w, get(&viewer, &page)).await;
    assert!(html.contains("新しい版があります") && !html.contains("id=\"migrate\""));

    // A year that does not parse: the page again with the reason, nothing created.
    let (st, _, html) = send(
        &w,
        post(
            &assessor,
            &format!("{page}/migrate"),
            "catalog=jama-japia-factory%400.9-test&period=abc",
        ),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"page-error\""));

    let (st, location, _) = send(
        &w,
        post(
            &assessor,
            &format!("{page}/migrate"),
            "catalog=jama-japia-factory%400.9-test&period=2026",
        ),
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert!(
        location.starts_with("/a/") && location != page,
        "{location}"
    );
    let (st, _, html) = send(&w, get(&assessor, &location)).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("ガイドラインの版: 0.9-test"), "{html}");
    assert!(!html.contains("id=\"newer-version\""));
    assert!(html.contains("id=\"origin-58\""));
    assert!(html.contains("旧版（0.9）からの引き継ぎ: 統合"));
    assert!(html.contains("旧版（0.9）からの引き継ぎ: 新規"));
    assert!(
        !html.contains("id=\"origin-1\""),
        "unchanged items carry no origin line"
    );
    // The new item's text is the test catalog's.
    assert!(html.contains("バックアップ媒体をネットワークから切り離して保管している"));
    // One item fragment shows its origin too.
    let (st, _, html) = send(&w, get(&assessor, &format!("{location}/items/57"))).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("id=\"origin-57\"") && html.contains("文言変更"),
        "{html}"
    );
}
