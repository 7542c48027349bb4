//! Static assets, embedded in the binary with their gzip and brotli forms and a
//! content-hashed name, all made at build time (`build.rs`).
//!
//! Pages link the hashed name (`/static/kojo.1a2b3c4d5e6f.css`), which never changes meaning
//! and is cached as immutable; the plain name (`/static/kojo.css`) still answers, revalidated
//! daily, for anything that links it directly.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One embedded asset.
pub struct Asset {
    /// The file's name in `assets/`.
    pub name: &'static str,
    /// The name with the first 12 hex digits of its SHA-256 (`kojo.1a2b3c4d5e6f.css`).
    pub hashed: &'static str,
    mime: &'static str,
    raw: &'static [u8],
    /// Present when smaller than `raw`.
    gzip: Option<&'static [u8]>,
    brotli: Option<&'static [u8]>,
}

pub const FILES: &[Asset] = include!(concat!(env!("OUT_DIR"), "/assets.rs"));

include!(concat!(env!("OUT_DIR"), "/font.rs"));

/// The URL path of the asset `name` under its hashed name.
pub fn url(name: &str) -> String {
    match FILES.iter().find(|a| a.name == name) {
        Some(a) => format!("/static/{}", a.hashed),
        None => format!("/static/{name}"),
    }
}

/// Whether `accept` (an Accept-Encoding value) accepts `coding` with a non-zero weight.
fn accepts(accept: &str, coding: &str) -> bool {
    accept.split(',').any(|part| {
        let mut it = part.split(';');
        let name = it.next().unwrap_or("").trim();
        let q = it
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        name.eq_ignore_ascii_case(coding) && q > 0.0
    })
}

pub async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if file == FONT_FILE {
        // The stylesheet's last-resort Japanese font (the report's, embedded once, compressed
        // with brotli): as it is to browsers that accept brotli, else decompressed (and then
        // compressed by the compression layer if the browser takes gzip or zstd). Cached for good
        // under its hashed name.
        let headers = [
            (header::CONTENT_TYPE, HeaderValue::from_static("font/ttf")),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
            (header::VARY, HeaderValue::from_static("accept-encoding")),
        ];
        if accepts(accept, "br") {
            let mut res = (headers, kojo_report::embedded_font_br()).into_response();
            res.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
            return res;
        }
        return (headers, kojo_report::embedded_font()).into_response();
    }
    let Some((asset, hashed)) = FILES.iter().find_map(|a| {
        if a.hashed == file {
            Some((a, true))
        } else if a.name == file {
            Some((a, false))
        } else {
            None
        }
    }) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (body, coding) = match (asset.brotli, asset.gzip) {
        (Some(br), _) if accepts(accept, "br") => (br, Some("br")),
        (_, Some(gz)) if accepts(accept, "gzip") => (gz, Some("gzip")),
        _ => (asset.raw, None),
    };
    let cache = if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=86400"
    };
    let mut res = (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(asset.mime)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (header::VARY, HeaderValue::from_static("accept-encoding")),
        ],
        body,
    )
        .into_response();
    if let Some(c) = coding {
        res.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static(c));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_weights() {
        assert!(accepts("gzip, deflate, br, zstd", "br"));
        assert!(accepts("gzip;q=0.5", "gzip"));
        assert!(!accepts("gzip;q=0", "gzip"));
        assert!(!accepts("identity", "br"));
        assert!(!accepts("", "gzip"));
    }

    #[test]
    fn every_asset_has_a_hashed_name_and_smaller_compressed_forms() {
        for a in FILES {
            assert_ne!(a.name, a.hashed);
            assert!(a.hashed.len() == a.name.len() + 13, "{}", a.hashed);
            for c in [a.gzip, a.brotli].into_iter().flatten() {
                assert!(c.len() < a.raw.len(), "{}", a.name);
            }
        }
        assert!(
            FILES
                .iter()
                .any(|a| a.name == "htmx.min.js" && a.brotli.is_some())
        );
        assert_eq!(url("kojo.css"), format!("/static/{}", FILES[0].hashed));
    }

    #[test]
    fn the_stylesheet_names_the_embedded_font_as_its_last_resort() {
        let css = std::str::from_utf8(FILES[0].raw).unwrap();
        assert!(
            css.contains(&format!("url(\"/static/{FONT_FILE}\")")),
            "@font-face"
        );
        assert!(!css.contains("@KOJO_FONT@"));
        let family = css
            .lines()
            .find(|l| l.starts_with("html {"))
            .and_then(|l| l.split("font-family:").nth(1))
            .and_then(|f| f.split(';').next())
            .unwrap();
        assert!(
            family.trim_end().ends_with("\"kojo-ja\""),
            "last in the stack: {family}"
        );
    }
}
