//! The yearly cycle through the real router on a real SQLite file: evidence upload limits and
//! download headers, read-only states, re-confirmation, sign-off refusals, the queue and diff.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::http::{get, post, send};
use common::{Login, RESIDUAL_ITEM, login, world};

fn upload(l: &Login, path: &str, name: &str, data: &[u8]) -> Request<Body> {
    let boundary = "kojo-cycle-test";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"valid_until\"\r\n\r\n2020-01-31\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Request::post(path)
        .header(header::COOKIE, &l.cookie)
        .header("x-csrf-token", &l.csrf)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap()
}

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_is_uploaded_within_the_limit_and_downloaded_as_a_sandboxed_attachment() {
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    let assessor = login(&w.app, "assessor1").await;
    let path = format!("/a/{}/items/{RESIDUAL_ITEM}/evidence", w.own_assessment);
    // The name as people write it; the content decides the media type, not the name.
    let name = "点検記録 #1 (2026).txt";
    let r = send(&w, upload(&assessor, &path, name, PNG)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let cli = kojo_app::Actor::cli();
    let list = w
        .app
        .reader(&cli)
        .evidence_list(&w.own_assessment)
        .await
        .unwrap();
    let row = list.iter().find(|e| e.name == name).expect("stored");
    assert_eq!(row.media_type, "image/png");
    assert_eq!(row.valid_until.as_deref(), Some("2020-01-31"));

    let r = send(&w, get(&assessor, &format!("/evidence/{}", row.id))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, PNG);
    let h = |k: header::HeaderName| r.headers.get(k).unwrap().to_str().unwrap().to_string();
    assert_eq!(h(header::CONTENT_TYPE), "image/png");
    assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(
        h(header::CONTENT_SECURITY_POLICY),
        "sandbox; default-src 'none'"
    );
    let disp = h(header::CONTENT_DISPOSITION);
    assert!(disp.starts_with("attachment; "), "{disp}");
    assert!(
        disp.ends_with(
            "filename*=UTF-8''%E7%82%B9%E6%A4%9C%E8%A8%98%E9%8C%B2%20#1%20%282026%29.txt"
        ),
        "{disp}"
    );

    // The item page lists it with its validity end passed.
    let r = send(
        &w,
        get(
            &assessor,
            &format!("/a/{}/items/{RESIDUAL_ITEM}/review", w.own_assessment),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let page = r.text();
    assert!(page.contains(&format!("href=\"/evidence/{}\"", row.id)));
    assert!(page.contains("期限切れ"), "expired flag shown");

    // A user of another plant: absent, as the answers are.
    let admin = w.app.admin(&cli).unwrap();
    admin
        .add_user("outsider", kojo_app::Role::Admin, common::PASSWORD, &[])
        .await
        .unwrap();
    admin
        .add_user(
            "foreign1",
            kojo_app::Role::Assessor,
            common::PASSWORD,
            &["FOREIGN".to_string()],
        )
        .await
        .unwrap();
    let foreign = login(&w.app, "foreign1").await;
    let r = send(&w, get(&foreign, &format!("/evidence/{}", row.id))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send(
        &w,
        post(&foreign, &format!("/evidence/{}/remove", row.id), ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Over the size setting (1 MiB): refused with the limit named, nothing stored.
    admin
        .set_setting(kojo_app::SETTING_EVIDENCE_MAX_MIB, "1")
        .await
        .unwrap();
    let big = vec![b'a'; 1024 * 1024 + 1];
    let r = send(&w, upload(&assessor, &path, "big.txt", &big)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("1.0 MiB"), "{}", r.text());
    // A body declared far over the limit is refused before it is read.
    let huge = vec![b'a'; 1024 * 1024 + 100 * 1024];
    let r = send(&w, upload(&assessor, &path, "huge.txt", &huge)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let after = w
        .app
        .reader(&cli)
        .evidence_list(&w.own_assessment)
        .await
        .unwrap();
    assert_eq!(after.len(), list.len());
    // Exactly the limit is fine.
    let r = send(
        &w,
        upload(&assessor, &path, "fits.txt", &vec![b'a'; 1024 * 1024]),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submitted_assessment_is_read_only_and_sign_off_refusals_are_shown() {
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    let assessor = login(&w.app, "assessor1").await;
    let reviewer = login(&w.app, "reviewer1").await;
    let id = &w.own_assessment;

    let r = send(&w, get(&assessor, &format!("/a/{id}"))).await;
    let page = r.text();
    assert!(page.contains("id=\"sign-submit\""), "提出 offered");
    assert!(page.contains("class=\"save\""));
    assert!(!page.contains("id=\"read-only-notice\""));

    // The reviewer may not submit (403), the author may.
    let r = send(
        &w,
        post(&reviewer, &format!("/a/{id}/signoff"), "decision=submit"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(
        &w,
        post(&assessor, &format!("/a/{id}/signoff"), "decision=submit"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

    let r = send(&w, get(&assessor, &format!("/a/{id}"))).await;
    let page = r.text();
    assert!(page.contains("id=\"read-only-notice\""));
    assert!(page.contains("「提出済み」"), "the notice names the state");
    assert!(!page.contains("class=\"save\""), "no edit controls");
    assert!(page.contains("<fieldset class=\"answer\" disabled>"));
    assert!(
        page.contains("<span class=\"by\">assessor1</span>"),
        "作成 box"
    );
    assert!(!page.contains("id=\"sign-submit\""));

    // Saving an answer now is refused with the state named.
    let r = send(
        &w,
        post(&assessor, &format!("/a/{id}/items/1"), "mark=ok&version=0"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("提出済み"));

    // The reviewer sees 確認 and 差戻し; a return without a reason is refused on the page.
    let r = send(&w, get(&reviewer, &format!("/a/{id}"))).await;
    let page = r.text();
    assert!(page.contains("id=\"sign-confirm\"") && page.contains("id=\"return-form\""));
    let r = send(
        &w,
        post(
            &reviewer,
            &format!("/a/{id}/signoff"),
            "decision=return&comment=",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("差戻しには理由"));
    // The author cannot confirm their own submission.
    let r = send(
        &w,
        post(&assessor, &format!("/a/{id}/signoff"), "decision=confirm"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(
        &w,
        post(
            &reviewer,
            &format!("/a/{id}/signoff"),
            "decision=return&comment=No.62+needs+a+date",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = send(&w, get(&assessor, &format!("/a/{id}"))).await.text();
    assert!(page.contains("No.62 needs a date"), "the reason is shown");
    assert!(page.contains("class=\"save\""), "a draft again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_year_is_carried_reconfirmed_by_filter_and_compared() {
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    let assessor = login(&w.app, "assessor1").await;
    // From the 2026 draft (item 62 □) to 2027.
    let r = send(
        &w,
        post(
            &assessor,
            "/sites/OWN/carry",
            &format!("from={}&period=2027", w.own_assessment),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let new = r.location().trim_start_matches("/a/").to_string();
    let page = send(&w, get(&assessor, &format!("/a/{new}?unconfirmed=1")))
        .await
        .text();
    assert!(page.contains("id=\"unconfirmed-62\""), "provisional");
    assert!(page.contains("id=\"prev-62\""), "last year's mark beside");
    assert!(page.contains("name=\"items\" value=\"62\""));
    // Confirm the items shown; the filter comes back, and nothing is left to confirm.
    let r = send(
        &w,
        post(
            &assessor,
            &format!("/a/{new}/reconfirm"),
            "items=62&back=unconfirmed%3D1%26label%3D17",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.location(),
        format!("/a/{new}?label=17&unconfirmed=1#item-62")
    );
    let page = send(&w, get(&assessor, &format!("/a/{new}"))).await.text();
    assert!(!page.contains("id=\"unconfirmed-62\""));
    // An invalid filter is dropped, never followed.
    let r = send(
        &w,
        post(
            &assessor,
            &format!("/a/{new}/reconfirm"),
            "items=&back=%2F%2Fevil.example",
        ),
    )
    .await;
    assert_eq!(r.location(), format!("/a/{new}?"));

    // The queue names what the □ still needs; the diff compares with 2026.
    let page = send(&w, get(&assessor, "/review?site=OWN")).await.text();
    assert!(page.contains(&format!("data-assessment=\"{new}\" data-item=\"62\"")));
    assert!(page.contains("data-need=\"validity\""));
    let r = send(&w, get(&assessor, &format!("/a/{new}/diff"))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("id=\"diff-rates\""));
    // A review completes it.
    let r = send(
        &w,
        post(
            &assessor,
            &format!("/a/{new}/items/{RESIDUAL_ITEM}/review"),
            "valid=no&progress_pct=30&note=Budget+moved",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = send(&w, get(&assessor, "/review?site=OWN")).await.text();
    assert!(!page.contains("data-need=\"validity\""));
    // A bad percentage is refused on the item page with the value.
    let r = send(
        &w,
        post(
            &assessor,
            &format!("/a/{new}/items/{RESIDUAL_ITEM}/review"),
            "valid=yes&progress_pct=140",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("140"));
}
