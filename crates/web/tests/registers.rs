//! Registers (台帳) through the real router on a real SQLite file: the import wizard (upload a
//! CP932 ledger → mapping → preview, nothing written → apply), the paged list with search,
//! an entry's edit with its history, a stale edit refused, retirement, a review, an export
//! in the access log, and the year plan.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::http::{get, post, send};
use common::{Login, login, world};

fn upload(l: &Login, path: &str, data: &[u8]) -> Request<Body> {
    let boundary = "kojo-register-test";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fw.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n"
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
        .body(Body::from(body))
        .unwrap()
}

fn cp932(s: &str) -> Vec<u8> {
    let (b, _, bad) = encoding_rs::SHIFT_JIS.encode(s);
    assert!(!bad);
    b.into_owned()
}

const BASE: &str = "/sites/OWN/registers/firewall-rules";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_wizard_previews_then_applies_and_entries_keep_their_history() {
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    let a = login(&w.app, "assessor1").await;

    // Upload: a CP932 ledger with a title row, one column ("用途") that is no field name.
    let ledger = "FW 申請台帳\r\n\
        ルール番号,申請者,用途,有効期限\r\n\
        FW-10,山田,PLC 保守,2025/3/31\r\n\
        FW-11,佐藤,監視,令和9年3月31日\r\n";
    let res = send(&w, upload(&a, &format!("{BASE}/import"), &cp932(ledger))).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
    let wizard = res.location().to_string();
    assert!(wizard.starts_with(&format!("{BASE}/import/")), "{wizard}");

    // Mapping and preview: 用途 is not mapped yet; counts shown; nothing written.
    let page = send(&w, get(&a, &wizard)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("id=\"count-inserted\">2<"), "{html}");
    assert!(html.contains("用途"), "the unmapped column is offered");
    let list = send(&w, get(&a, BASE)).await.text();
    assert!(!list.contains("FW-10"), "a preview writes nothing");
    // Map 用途 → 利用用途 (column 2) and apply.
    let preview = send(
        &w,
        get(
            &a,
            &format!("{wizard}?col0=rule-id&col1=applicant&col2=purpose&col3=expiry"),
        ),
    )
    .await;
    assert!(preview.text().contains("id=\"count-inserted\">2<"));
    let applied = send(
        &w,
        post(
            &a,
            &wizard,
            "col0=rule-id&col1=applicant&col2=purpose&col3=expiry&key=&encoding=",
        ),
    )
    .await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER, "{}", applied.text());
    assert_eq!(applied.location(), BASE);
    // The upload is gone once applied.
    assert_eq!(
        send(&w, get(&a, &wizard)).await.status,
        StatusCode::NOT_FOUND
    );

    // The assessment page shows what the register suggests for item 45 beside it: FW-10
    // expired on 2025-03-31, the register was never reviewed.
    let page = send(&w, get(&a, &format!("/a/{}", w.own_assessment)))
        .await
        .text();
    let at = page
        .find("id=\"suggestion-45\"")
        .expect("a suggestion beside item 45");
    let line: String = page[at..].chars().take(400).collect();
    assert!(line.contains("×") || line.contains("△"), "{line}");
    assert!(page.contains("有効期限切れ 1 件"), "{line}");
    assert!(page.contains("/sites/OWN/registers/firewall-rules?q=FW-10"));

    // Answered ○, item 45 is a mismatch: on the page and on the dashboard.
    let cli = kojo_app::Actor::cli();
    let no = kojo_domain::ItemNo::new(45, w.app.catalog).unwrap();
    let ok = kojo_domain::RawAnswer {
        mark: Some("○".into()),
        ..Default::default()
    };
    w.app
        .editor(&cli)
        .unwrap()
        .answer(&w.own_assessment, no, Some(&ok), None)
        .await
        .unwrap();
    let page = send(&w, get(&a, &format!("/a/{}", w.own_assessment)))
        .await
        .text();
    let at = page.find("id=\"suggestion-45\"").unwrap();
    assert!(
        page[at..]
            .chars()
            .take(400)
            .collect::<String>()
            .contains("不整合")
    );
    let dash = send(&w, get(&a, &format!("/a/{}/dashboard", w.own_assessment)))
        .await
        .text();
    assert!(
        dash.contains("id=\"mismatch-list\"") && dash.contains("data-item=\"45\""),
        "{dash}"
    );

    // The list: searchable, the expired rule and its values shown.
    let list = send(&w, get(&a, &format!("{BASE}?q=PLC"))).await.text();
    assert!(list.contains("FW-10") && !list.contains("FW-11"), "{list}");
    assert!(list.contains("PLC 保守"));

    // A bad cell in an upload is named, nothing is kept.
    let bad = send(
        &w,
        upload(
            &a,
            &format!("{BASE}/import"),
            &cp932("ルール番号,有効期限\r\nFW-12,来年\r\n"),
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::SEE_OTHER);
    let page = send(&w, get(&a, bad.location())).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().contains("2 行目"), "{}", page.text());

    // Edit an entry: the history shows before → after; an edit of an old version is refused.
    let list = send(&w, get(&a, &format!("{BASE}?q=FW-10"))).await.text();
    let start = list.find(&format!("{BASE}/entries/")).unwrap();
    let entry: String = list[start..].chars().take_while(|c| *c != '"').collect();
    let edited = send(
        &w,
        post(&a, &entry, "version=1&rule-id=FW-10&expiry=2027-03-31"),
    )
    .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.text());
    let page = send(&w, get(&a, &entry)).await.text();
    assert!(
        page.contains("2025-03-31") && page.contains("2027-03-31"),
        "{page}"
    );
    let stale = send(
        &w,
        post(&a, &entry, "version=1&rule-id=FW-10&expiry=2028-03-31"),
    )
    .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(stale.text().contains("assessor1"), "{}", stale.text());

    // A viewer reads but may not change.
    let v = login(&w.app, "viewer1").await;
    assert_eq!(send(&w, get(&v, &entry)).await.status, StatusCode::OK);
    assert_eq!(
        send(&w, post(&v, &format!("{entry}/retire"), "version=2"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Retire: kept, with its history, among the retired.
    let retired = send(&w, post(&a, &format!("{entry}/retire"), "version=2")).await;
    assert_eq!(retired.status, StatusCode::SEE_OTHER);
    let shown = send(&w, get(&a, &format!("{BASE}?retired=true")))
        .await
        .text();
    assert!(shown.contains("FW-10"));

    // A review, then the export, recorded in the access log.
    let r = send(
        &w,
        post(
            &a,
            &format!("{BASE}/review"),
            "date=2026-05-01&reviewer=山田&note=年次",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(send(&w, get(&a, BASE)).await.text().contains("2026-05-01"));
    let csv = send(&w, get(&a, &format!("{BASE}/export?format=csv"))).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.text().contains("FW-11"));
    let cli = kojo_app::Actor::cli();
    let admin = w.app.admin(&cli).unwrap();
    let log = admin.access_log(None, 1000).await.unwrap();
    assert!(log.iter().any(|e| e.action == "register-export"));

    // The year plan, and an occurrence recorded on it.
    let rec = send(
        &w,
        post(
            &a,
            "/sites/OWN/activities",
            "activity=security-manager-training&date=2026-06-01&what=研修",
        ),
    )
    .await;
    assert_eq!(rec.status, StatusCode::SEE_OTHER, "{}", rec.text());
    let plan = send(&w, get(&a, rec.location())).await.text();
    assert!(
        plan.contains("研修") && plan.contains("2026-06-01"),
        "{plan}"
    );
}
