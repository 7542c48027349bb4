//! The assessment page's weight (issue 13 §1): criteria fetched when opened, from a public
//! and immutable URL; only the current mark's fields in each item (one template per mark for
//! the others); and the compact view, one row per item, which saves like the full one.

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use common::{Login, World, login, world};
use kojo_app::Actor;
use kojo_domain::{ItemNo, RawAnswer};
use std::io::Read;

async fn send(w: &World, req: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let (status, headers, body) = common::send_raw(w, req).await;
    let body = match headers.get(header::CONTENT_ENCODING).map(|v| v.as_bytes()) {
        Some(b"br") => {
            let mut out = Vec::new();
            brotli::Decompressor::new(&body[..], 4096)
                .read_to_end(&mut out)
                .unwrap();
            format!(
                "{} bytes on the wire\n{}",
                body.len(),
                String::from_utf8(out).unwrap()
            )
        }
        _ => String::from_utf8(body.to_vec()).unwrap(),
    };
    (status, headers, body)
}

fn get(l: Option<&Login>, path: &str) -> Request<Body> {
    let mut r = Request::get(path);
    if let Some(l) = l {
        r = r.header(header::COOKIE, &l.cookie);
    }
    r.body(Body::empty()).unwrap()
}

fn post(l: &Login, path: &str, form: &[(&str, &str)], htmx: bool) -> Request<Body> {
    let mut r = Request::post(path)
        .header(header::COOKIE, &l.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if htmx {
        r = r.header("hx-request", "true");
    }
    let mut all = vec![("_csrf", l.csrf.as_str())];
    all.extend_from_slice(form);
    r.body(Body::from(serde_urlencoded::to_string(&all).unwrap()))
        .unwrap()
}

/// Answers all 63 items of `id` the way a plant does: mostly ○, the rest □ △ × － with the
/// fields each needs, and a note on some.
async fn answer_all(w: &World, id: &str) {
    let cli = Actor::cli();
    let editor = w.app.editor(&cli).unwrap();
    for n in 1..=63u16 {
        let mut raw = RawAnswer {
            note: (n % 4 == 0).then(|| format!("備考 {n}")),
            ..Default::default()
        };
        match n % 8 {
            1 => {
                raw.mark = Some("deferred".into());
                raw.reason = Some("予算確保が翌年度のため".into());
                raw.review_by = Some("2027-09-30".into());
            }
            2 => {
                raw.mark = Some("considering".into());
                raw.status = Some("情報システム部と検討中".into());
            }
            3 => raw.mark = Some("not_considered".into()),
            4 => {
                raw.mark = Some("not_applicable".into());
                raw.na_reason = Some("対象となる無線設備なし".into());
            }
            _ => raw.mark = Some("implemented".into()),
        }
        let item = ItemNo::new(n, w.app.catalog).unwrap();
        editor.answer(id, item, Some(&raw), None).await.unwrap();
    }
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

#[tokio::test]
async fn the_page_fetches_criteria_when_opened_and_sends_only_the_current_marks_fields() {
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    answer_all(&w, &w.own_assessment).await;
    let l = login(&w.app, "admin1").await;
    let (s, _, page) = send(&w, get(Some(&l), &format!("/a/{}", w.own_assessment))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(count(&page, "<form id=\"item-"), 63);
    // No criteria text in the page: one lazy <details> per item, with a link that works
    // without script.
    assert_eq!(count(&page, "<div class=\"section"), 0);
    assert_eq!(count(&page, "hx-trigger=\"toggle once\""), 63);
    assert!(page.contains("href=\"/catalog/jama-japia-factory@0.9/ja/items/7/criteria?v="));
    // Item 1 is □: its fields, and no other mark's.
    let item1 = &page[page.find("id=\"item-1\"").unwrap()..page.find("id=\"wrap-2\"").unwrap()];
    assert!(item1.contains("id=\"reason-1\"") && item1.contains("id=\"review-1\""));
    assert!(!item1.contains("id=\"status-1\"") && !item1.contains("id=\"na-1\""));
    assert!(!item1.contains("id=\"alt-1\""));
    // Item 3 is ×: no fields at all.
    let item3 = &page[page.find("id=\"item-3\"").unwrap()..page.find("id=\"wrap-4\"").unwrap()];
    assert!(!item3.contains("class=\"fields "));
    // One template per mark that has fields, for the script to put in on a change.
    for m in ["implemented", "deferred", "considering", "not_applicable"] {
        assert_eq!(
            count(&page, &format!("<template id=\"tpl-{m}\">")),
            1,
            "{m}"
        );
    }
    assert_eq!(count(&page, "<template id=\"tpl-not_considered\">"), 0);
    assert!(page.contains("id=\"reason-__n__\""));
    // The compact view: one row per item, no fields, no templates, within the page budget.
    let (s, _, compact) = send(
        &w,
        get(Some(&l), &format!("/a/{}?view=compact", w.own_assessment)),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(count(&compact, "class=\"item compact"), 63);
    assert_eq!(count(&compact, "class=\"fields"), 0);
    assert_eq!(count(&compact, "<template"), 0);
    assert!(compact.contains("id=\"view-full\"") && page.contains("id=\"view-compact\""));
    let mut br = get(Some(&l), &format!("/a/{}?view=compact", w.own_assessment));
    br.headers_mut()
        .insert(header::ACCEPT_ENCODING, "br".parse().unwrap());
    let (_, _, wire) = send(&w, br).await;
    let wire_bytes: usize = wire.split(' ').next().unwrap().parse().unwrap();
    eprintln!(
        "assessment page, 63 answers: full {} B, compact {} B, compact with br {wire_bytes} B",
        page.len(),
        compact.len()
    );
    assert!(compact.len() <= 120_000, "compact page {} B", compact.len());
    assert!(
        wire_bytes <= 25_000,
        "compact page on the wire {wire_bytes} B"
    );
}

#[tokio::test]
async fn criteria_are_public_immutable_per_language_and_set_headless_sections_apart() {
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    let l = login(&w.app, "admin1").await;
    let (_, _, page) = send(&w, get(Some(&l), &format!("/a/{}", w.own_assessment))).await;
    let at = page
        .find("/catalog/jama-japia-factory@0.9/ja/items/33/criteria?v=")
        .unwrap();
    let url = &page[at..at + page[at..].find('"').unwrap()];
    // No session needed: the guideline's text is the same for everyone.
    let (s, h, body) = send(&w, get(None, url)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        h.get(header::CACHE_CONTROL).unwrap(),
        "public, max-age=31536000, immutable"
    );
    assert!(body.contains("<html lang=\"ja\">") && body.contains("<div class=\"crit\">"));
    assert!(
        body.contains("section headless"),
        "item 33 sets its headless section apart"
    );
    let (_, _, b38) = send(&w, get(None, &url.replace("/33/", "/38/"))).await;
    assert!(b38.contains("section headless"), "item 38 too");
    let (_, _, b1) = send(&w, get(None, &url.replace("/33/", "/1/"))).await;
    assert!(!b1.contains("section headless"));
    let (s, _, en) = send(&w, get(None, &url.replace("/ja/", "/en/"))).await;
    assert_eq!(s, StatusCode::OK);
    assert!(en.contains("<html lang=\"en\">"));
    assert_ne!(en, body);
    for bad in [
        url.replace("/33/", "/64/"),
        url.replace("/33/", "/x/"),
        url.replace("/ja/", "/JA/"),
        url.replace("@0.9", "@9.9"),
    ] {
        let (s, _, _) = send(&w, get(None, &bad)).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{bad}");
    }
}

#[tokio::test]
async fn compact_rows_save_as_rows_keep_the_note_and_open_in_full_to_ask_for_fields() {
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    answer_all(&w, &w.own_assessment).await;
    let l = login(&w.app, "admin1").await;
    let id = &w.own_assessment;
    // Item 4 is － with a note: the row carries both, so a new mark keeps the note.
    let (_, _, compact) = send(&w, get(Some(&l), &format!("/a/{id}?view=compact"))).await;
    let row4 =
        &compact[compact.find("id=\"item-4\"").unwrap()..compact.find("id=\"wrap-5\"").unwrap()];
    assert!(row4.contains("name=\"note\" value=\"備考 4\""));
    assert!(row4.contains("name=\"view\" value=\"compact\""));
    let version = |row: &str| {
        let at = row.find("name=\"version\" value=\"").unwrap() + 22;
        row[at..at + row[at..].find('"').unwrap()].to_string()
    };
    let v4 = version(row4);
    let (s, _, frag) = send(
        &w,
        post(
            &l,
            &format!("/a/{id}/items/4"),
            &[
                ("version", &v4),
                ("view", "compact"),
                ("mark", "not_considered"),
                ("note", "備考 4"),
                ("na_reason", "対象となる無線設備なし"),
            ],
            true,
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        frag.contains("class=\"item compact") && frag.contains("data-state=\"saved\""),
        "{frag}"
    );
    let cli = Actor::cli();
    let view = w.app.reader(&cli).assessment(id).await.unwrap();
    let raw = view.answers[&4].answer.as_ref().unwrap().to_raw();
    assert_eq!(raw.mark.as_deref(), Some("×"));
    assert_eq!(raw.note.as_deref(), Some("備考 4"));
    assert_eq!(raw.na_reason, None, "a field of the old mark is not kept");
    // □ needs a reason: the answer is refused and the item comes back in full, saying so.
    let v3 = version(&compact[compact.find("id=\"item-3\"").unwrap()..]);
    let (s, _, frag) = send(
        &w,
        post(
            &l,
            &format!("/a/{id}/items/3"),
            &[("version", &v3), ("view", "compact"), ("mark", "deferred")],
            true,
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(!frag.contains("class=\"item compact"));
    assert!(frag.contains("data-field=\"reason\"") && frag.contains("id=\"reason-3\""));
    // What the script asks for when □ is picked in a row: the full item with □ chosen.
    let (s, _, full) = send(&w, get(Some(&l), &format!("/a/{id}/items/3?mark=deferred"))).await;
    assert_eq!(s, StatusCode::OK);
    assert!(full.contains("value=\"deferred\" checked") && full.contains("id=\"reason-3\""));
    // Without script a saved row returns to the compact page.
    let (s, h, _) = send(
        &w,
        post(
            &l,
            &format!("/a/{id}/items/3"),
            &[
                ("version", &v3),
                ("view", "compact"),
                ("mark", "implemented"),
            ],
            false,
        ),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        h.get(header::LOCATION).unwrap(),
        &format!("/a/{id}?view=compact#item-3")
    );
}

/// `page` with every CSRF token replaced by `T`, and the tokens it had.
fn tokens_out(page: &str) -> (String, Vec<String>) {
    let mut rest = page;
    let (mut out, mut tokens) = (String::new(), Vec::new());
    for key in ["name=\"_csrf\" value=\"", "name=\"csrf-token\" content=\""] {
        assert!(page.contains(key), "{key}");
    }
    while let Some(at) = rest.find("_csrf\" value=\"") {
        let (head, tail) = rest.split_at(at + "_csrf\" value=\"".len());
        let end = tail.find('"').unwrap();
        out.push_str(head);
        out.push('T');
        tokens.push(tail[..end].to_string());
        rest = &tail[end..];
    }
    out.push_str(rest);
    let meta = "name=\"csrf-token\" content=\"";
    let at = out.find(meta).unwrap() + meta.len();
    let end = at + out[at..].find('"').unwrap();
    tokens.push(out[at..end].to_string());
    out.replace_range(at..end, "T");
    (out, tokens)
}

#[tokio::test]
async fn a_kept_page_comes_with_a_fresh_token_until_anything_it_shows_changes() {
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    answer_all(&w, &w.own_assessment).await;
    let l = login(&w.app, "admin1").await;
    let path = format!("/a/{}", w.own_assessment);
    let (s, _, first) = send(&w, get(Some(&l), &path)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, second) = send(&w, get(Some(&l), &path)).await;
    assert_eq!(s, StatusCode::OK);
    // The same page, each response with its own masked token in every form.
    let ((a, ta), (b, tb)) = (tokens_out(&first), tokens_out(&second));
    assert_eq!(a, b);
    assert!(ta.len() > 63, "{} tokens", ta.len());
    assert!(ta.iter().all(|t| *t == ta[0]) && tb.iter().all(|t| *t == tb[0]));
    assert_ne!(ta[0], tb[0], "a token is masked afresh per response");
    assert!(!second.contains("csrf-slot"));

    // The kept page's token saves (item 2, version 1 from answer_all).
    let kept = Login {
        cookie: l.cookie.clone(),
        csrf: tb[0].clone(),
    };
    let form = [
        ("version", "1"),
        ("mark", "implemented"),
        ("note", "saved with the kept page's token"),
    ];
    let (s, _, _) = send(&w, post(&kept, &format!("{path}/items/2"), &form, false)).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, third) = send(&w, get(Some(&l), &path)).await;
    assert!(third.contains("saved with the kept page"), "the save shows");

    // Changes made elsewhere (the CLI, another instance): an answer, and a comment by another
    // user, show on the next request, on the page and on the dashboard.
    let dash = format!("{path}/dashboard");
    let (_, _, dash_before) = send(&w, get(Some(&l), &dash)).await;
    let cli = Actor::cli();
    let item = ItemNo::new(5, w.app.catalog).unwrap();
    let raw = RawAnswer {
        mark: Some("considering".into()),
        status: Some("別の経路で変更".into()),
        ..Default::default()
    };
    w.app
        .editor(&cli)
        .unwrap()
        .answer(&w.own_assessment, item, Some(&raw), None)
        .await
        .unwrap();
    let (_, _, fourth) = send(&w, get(Some(&l), &path)).await;
    assert!(
        fourth.contains("別の経路で変更"),
        "the other path's answer shows"
    );
    let (_, _, dash_after) = send(&w, get(Some(&l), &dash)).await;
    assert_ne!(
        tokens_out(&dash_before).0,
        tokens_out(&dash_after).0,
        "the dashboard too"
    );
    let other = login(&w.app, "assessor1").await;
    let form = [("body", "別の利用者のコメント")];
    let (s, _, _) = send(&w, post(&other, &format!("{path}/comments"), &form, false)).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, fifth) = send(&w, get(Some(&l), &path)).await;
    assert!(
        fifth.contains("別の利用者のコメント"),
        "another user's comment shows"
    );

    // Another user gets their own page: a viewer's has no save buttons, and names them.
    let v = login(&w.app, "viewer1").await;
    let (_, _, theirs) = send(&w, get(Some(&v), &path)).await;
    assert!(theirs.contains("viewer1") && !theirs.contains("class=\"save\""));
    let (_, _, mine) = send(&w, get(Some(&l), &path)).await;
    assert!(mine.contains("admin1") && mine.contains("class=\"save\""));
}
