//! What goes over the wire (issue 13 §1): pages compressed by Accept-Encoding, static assets
//! under content-hashed names with their build-time brotli and gzip forms and immutable
//! caching, downloads left as they are, and the page's CSRF token masked afresh in every
//! response (so compression cannot leak it) yet accepted.

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use common::{Login, World, login, world};
use std::io::Read;

async fn send(w: &World, req: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    common::send_raw(w, req).await
}

fn get(l: &Login, path: &str, encoding: Option<&str>) -> Request<Body> {
    let mut r = Request::get(path).header(header::COOKIE, &l.cookie);
    if let Some(e) = encoding {
        r = r.header(header::ACCEPT_ENCODING, e);
    }
    r.body(Body::empty()).unwrap()
}

fn h(headers: &HeaderMap, name: header::HeaderName) -> &str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn unbrotli(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(b, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn ungzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn csrf_of(page: &str) -> String {
    let i = page.find("<meta name=\"csrf-token\" content=\"").unwrap() + 33;
    page[i..i + page[i..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn pages_are_compressed_by_accept_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    let l = login(&w.app, "admin1").await;
    let path = format!("/a/{}", w.own_assessment);
    let (s, hd, plain) = send(&w, get(&l, &path, None)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        h(&hd, header::CONTENT_ENCODING),
        "",
        "no Accept-Encoding, no encoding"
    );
    let plain = String::from_utf8(plain).unwrap();
    assert!(plain.contains("id=\"item-63\""));
    for (accept, coding, decode) in [
        ("br", "br", unbrotli as fn(&[u8]) -> Vec<u8>),
        ("gzip", "gzip", ungzip),
        ("gzip, deflate, br, zstd", "", |b: &[u8]| b.to_vec()),
    ] {
        let (s, hd, wire) = send(&w, get(&l, &path, Some(accept))).await;
        assert_eq!(s, StatusCode::OK);
        let got = h(&hd, header::CONTENT_ENCODING);
        if coding.is_empty() {
            assert!(["br", "zstd", "gzip"].contains(&got), "{accept}: {got}");
            continue;
        }
        assert_eq!(got, coding, "{accept}");
        assert!(
            h(&hd, header::VARY)
                .to_ascii_lowercase()
                .contains("accept-encoding")
        );
        let page = String::from_utf8(decode(&wire)).unwrap();
        assert!(page.contains("id=\"item-63\""), "{accept}");
        // Same page but for the masked CSRF token.
        assert_eq!(page.len(), plain.len(), "{accept}");
        assert!(
            wire.len() * 5 < page.len(),
            "{accept}: {} of {}",
            wire.len(),
            page.len()
        );
    }
    // Downloads that are compressed inside are sent as they are.
    let (s, hd, _) = send(
        &w,
        get(&l, &format!("{path}/checksheet.xlsx"), Some("br, gzip")),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h(&hd, header::CONTENT_ENCODING), "");
}

#[tokio::test]
async fn static_assets_have_hashed_names_precompressed_forms_and_immutable_caching() {
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    let l = login(&w.app, "admin1").await;
    let (_, _, page) = send(&w, get(&l, "/sites", None)).await;
    let page = String::from_utf8(page).unwrap();
    let css_at = page.find("/static/kojo.").unwrap();
    let css = &page[css_at..css_at + page[css_at..].find('"').unwrap()];
    assert!(
        css.ends_with(".css") && css.len() == "/static/kojo.css".len() + 13,
        "{css}"
    );
    // The stylesheet as built: the source with the web font's hashed URL put in.
    let (_, _, served) = send(&w, get(&l, css, None)).await;
    let served = String::from_utf8(served).unwrap();
    let font_at = served
        .find("url(\"/static/ipaexg.")
        .expect("the web font's @font-face")
        + 5;
    let font = &served[font_at..font_at + served[font_at..].find('"').unwrap()];
    assert!(
        font.len() == "/static/ipaexg..ttf".len() + 12 && font.ends_with(".ttf"),
        "{font}"
    );
    let source = String::from_utf8(include_bytes!("../assets/kojo.css").to_vec())
        .unwrap()
        .replace("@KOJO_FONT@", font)
        .into_bytes();
    // The font itself: the report's TrueType font, immutable under its hashed name.
    let (s, hd, ttf) = send(&w, get(&l, font, None)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h(&hd, header::CONTENT_TYPE), "font/ttf");
    assert_eq!(
        h(&hd, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        ttf,
        kojo_report::embedded_font(),
        "the embedded font, whole"
    );
    assert!(ttf.starts_with(&[0, 1, 0, 0]), "a TrueType font");
    // To a browser that takes brotli, the embedded compressed bytes as they are.
    let (s, hd, br) = send(&w, get(&l, font, Some("br, gzip"))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h(&hd, header::CONTENT_ENCODING), "br");
    assert_eq!(h(&hd, header::VARY), "accept-encoding");
    assert_eq!(br, kojo_report::embedded_font_br());
    assert!(
        br.len() < ttf.len() * 2 / 3,
        "compressed: {} of {}",
        br.len(),
        ttf.len()
    );
    assert_eq!(unbrotli(&br), ttf);
    for (accept, coding) in [(None, ""), (Some("br"), "br"), (Some("gzip"), "gzip")] {
        let (s, hd, body) = send(&w, get(&l, css, accept)).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h(&hd, header::CONTENT_ENCODING), coding);
        assert_eq!(
            h(&hd, header::CACHE_CONTROL),
            "public, max-age=31536000, immutable"
        );
        assert!(h(&hd, header::CONTENT_TYPE).starts_with("text/css"));
        let body = match coding {
            "br" => unbrotli(&body),
            "gzip" => ungzip(&body),
            _ => body,
        };
        assert_eq!(body, source, "{coding}");
    }
    // The plain name still answers, revalidated daily; an unknown name is 404.
    let (s, hd, body) = send(&w, get(&l, "/static/kojo.css", None)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h(&hd, header::CACHE_CONTROL), "public, max-age=86400");
    assert_eq!(body, source);
    let (s, _, _) = send(&w, get(&l, "/static/kojo.000000000000.css", None)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_csrf_token_is_masked_afresh_in_every_page_and_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    let l = login(&w.app, "admin1").await;
    let (_, _, a) = send(&w, get(&l, "/sites", None)).await;
    let (_, _, b) = send(&w, get(&l, "/sites", None)).await;
    let (a, b) = (
        csrf_of(&String::from_utf8(a).unwrap()),
        csrf_of(&String::from_utf8(b).unwrap()),
    );
    assert_ne!(a, b);
    assert!(!a.contains(&l.csrf) && !b.contains(&l.csrf));
    let post = |token: &str| {
        Request::post("/lang")
            .header(header::COOKIE, &l.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("_csrf={token}&lang=en&next=/sites")))
            .unwrap()
    };
    for token in [&a, &b, &l.csrf] {
        let (s, _, _) = send(&w, post(token)).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{token}");
    }
    let mut bad = a.into_bytes();
    bad[60] = if bad[60] == b'A' { b'B' } else { b'A' };
    let (s, _, _) = send(&w, post(&String::from_utf8(bad).unwrap())).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
