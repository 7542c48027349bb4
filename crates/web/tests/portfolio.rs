//! The portfolio through the real router on a real SQLite file: a user granted one company (or
//! one plant) sees nothing of another company in any number, export or chart of the portfolio —
//! the page (heatmap, companies, trend SVG, weakest items), the workbook and the PDF — and the
//! figures they see are those of their own plants.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{PASSWORD, World, login, world};
use kojo_app::{Actor, Role};
use std::io::Read;
use tower::ServiceExt;

async fn get(w: &World, cookie: &str, path: &str) -> (StatusCode, Vec<u8>) {
    let router = w.router.clone();
    let req = Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let res = router.oneshot(req).await.unwrap();
    let status = res.status();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    (status, body)
}

/// The text of a workbook's cells (its shared strings; cell references like `B1` in the sheet
/// parts are not text).
fn xlsx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = String::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        if f.name().is_ok_and(|n| n == "xl/sharedStrings.xml") {
            f.read_to_string(&mut out).unwrap();
        }
    }
    out
}

/// The PDF's text, by poppler's `pdftotext` (installed by scripts/test; missing, it fails).
fn pdf_text(dir: &std::path::Path, bytes: &[u8]) -> String {
    let path = dir.join(format!("portfolio-{}.pdf", bytes.len()));
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) must be installed");
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Company B with plant BEEPLANT1 (answered), a viewer granted company B. The code is long enough
/// that no random token on a page and no cell reference holds it (`B1` once turned up in one).
async fn company_b(w: &World) {
    let cli = Actor::cli();
    let admin = w.app.admin(&cli).unwrap();
    admin.add_company("B", "Bee Industries").await.unwrap();
    admin
        .add_company_site("B", "BEEPLANT1", "Bee plant one")
        .await
        .unwrap();
    let a = admin
        .new_assessment(
            "BEEPLANT1",
            None,
            kojo_domain::FiscalYear::new(2026).unwrap(),
            None,
        )
        .await
        .unwrap();
    let raw = kojo_domain::RawAnswer {
        mark: Some("ok".into()),
        ..Default::default()
    };
    for n in 1..=20 {
        let item = kojo_domain::ItemNo::new(n, w.app.catalog).unwrap();
        admin.answer(&a.id, item, Some(&raw), None).await.unwrap();
    }
    admin
        .add_user("bview", Role::Viewer, PASSWORD, &[])
        .await
        .unwrap();
    admin.grant_company("bview", "B").await.unwrap();
}

const FOREIGN: [&str; 2] = ["FOREIGN", "Foreign plant"];
const OTHER_COMPANY: [&str; 3] = ["BEEPLANT1", "Bee plant one", "Bee Industries"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portfolio_shows_nothing_of_another_company() {
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    company_b(&w).await;

    // viewer1 is granted plant OWN of the default company.
    let v = login(&w.app, "viewer1").await;
    let (s, html) = get(&w, &v.cookie, "/portfolio").await;
    assert_eq!(s, StatusCode::OK);
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("data-site=\"OWN\""), "own plant shown");
    let (s, xlsx) = get(&w, &v.cookie, "/portfolio.xlsx").await;
    assert_eq!(s, StatusCode::OK);
    let xlsx = xlsx_text(&xlsx);
    assert!(xlsx.contains("OWN"), "own plant in the workbook");
    let (s, pdf) = get(&w, &v.cookie, "/portfolio.pdf").await;
    assert_eq!(s, StatusCode::OK);
    let pdf = pdf_text(dir.path(), &pdf);
    assert!(pdf.contains("OWN"), "own plant in the PDF");
    for (what, text) in [("page", &html), ("workbook", &xlsx), ("PDF", &pdf)] {
        for absent in FOREIGN.iter().chain(&OTHER_COMPANY) {
            assert!(!text.contains(absent), "{what} of viewer1 names {absent}");
        }
    }
    // Its companies table counts one plant of one (OWN), never the plants it cannot see.
    assert!(
        html.contains("0 / 1") || html.contains("1 / 1"),
        "plant counts of OWN only"
    );
    // Another company, named: as absent as a missing one.
    let (s, _) = get(&w, &v.cookie, "/portfolio?company=B").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = get(&w, &v.cookie, "/portfolio.pdf?company=B").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // bview is granted company B: BEEPLANT1 only, and B's numbers are the administrator's for B.
    let b = login(&w.app, "bview").await;
    let (_, html) = get(&w, &b.cookie, "/portfolio").await;
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("data-site=\"BEEPLANT1\""));
    let (_, xlsx) = get(&w, &b.cookie, "/portfolio.xlsx").await;
    let xlsx = xlsx_text(&xlsx);
    let (_, pdf) = get(&w, &b.cookie, "/portfolio.pdf").await;
    let pdf = pdf_text(dir.path(), &pdf);
    for (what, text) in [("page", &html), ("workbook", &xlsx), ("PDF", &pdf)] {
        for absent in ["OWN", "Own plant"].iter().chain(&FOREIGN) {
            assert!(!text.contains(absent), "{what} of bview names {absent}");
        }
    }
    let companies = |h: &str| {
        let t = &h[h.find("id=\"pf-companies\"").unwrap()..];
        t[..t.find("</table>").unwrap()].to_string()
    };
    let admin = login(&w.app, "admin1").await;
    let (_, all) = get(&w, &admin.cookie, "/portfolio?company=B").await;
    let all = String::from_utf8(all).unwrap();
    assert_eq!(
        companies(&html),
        companies(&all),
        "B's figures, whoever looks"
    );
    // 20 ○ of 63 items.
    assert!(companies(&html).contains("31.7%"), "{}", companies(&html));
    // The administrator sees every company.
    let (_, all) = get(&w, &admin.cookie, "/portfolio").await;
    let all = String::from_utf8(all).unwrap();
    for code in ["OWN", "FOREIGN", "BEEPLANT1"] {
        assert!(all.contains(&format!("data-site=\"{code}\"")), "{code}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_filters_are_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    let v = login(&w.app, "viewer1").await;
    for (q, status) in [
        ("period=abc", StatusCode::BAD_REQUEST),
        ("label=99", StatusCode::NOT_FOUND),
        ("label=x", StatusCode::NOT_FOUND),
        ("area=nowhere", StatusCode::NOT_FOUND),
    ] {
        let (s, body) = get(&w, &v.cookie, &format!("/portfolio?{q}")).await;
        assert_eq!(s, status, "{q}: {}", String::from_utf8_lossy(&body));
    }
    let (s, _) = get(&w, &v.cookie, "/portfolio?period=2026&page=999").await;
    assert_eq!(s, StatusCode::OK, "a page past the end shows the last");
}
