//! Prepares the embedded static assets at build time: a content-hashed name for each (so it
//! can be cached as immutable) and its gzip and brotli forms (so no request compresses it).
//! Writes `$OUT_DIR/assets.rs`, included by `src/assets.rs`.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

/// (file, media type) of every asset in `assets/`.
const ASSETS: &[(&str, &str)] = &[
    ("kojo.css", "text/css; charset=utf-8"),
    ("kojo.js", "text/javascript; charset=utf-8"),
    ("htmx.min.js", "text/javascript; charset=utf-8"),
    ("favicon.svg", "image/svg+xml"),
];

/// The first 12 hex digits of the SHA-256 of `bytes`.
fn short_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn main() {
    let out = std::env::var("OUT_DIR").expect("OUT_DIR");
    let out = Path::new(&out);
    // The report's Japanese font doubles as the web font of last resort (a browser without a
    // Japanese system font shows boxes otherwise). It is embedded once, by kojo-report; here
    // only its hashed name is made, for the stylesheet's @font-face and the static route.
    let font = Path::new("../report/fonts/ipaexg.ttf");
    println!("cargo::rerun-if-changed={}", font.display());
    let font_bytes = std::fs::read(font).unwrap_or_else(|e| panic!("{}: {e}", font.display()));
    let font_file = format!("ipaexg.{}.ttf", short_hash(&font_bytes));
    std::fs::write(
        out.join("font.rs"),
        format!("/// The hashed name of the embedded web font.\npub const FONT_FILE: &str = {font_file:?};\n"),
    )
    .expect("write font.rs");
    let mut table = String::from("&[\n");
    for (file, mime) in ASSETS {
        let src = Path::new("assets").join(file);
        println!("cargo::rerun-if-changed={}", src.display());
        let mut raw = std::fs::read(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
        if *file == "kojo.css" {
            let css = String::from_utf8(raw).expect("kojo.css is UTF-8");
            assert!(
                css.contains("@KOJO_FONT@"),
                "kojo.css names the web font as @KOJO_FONT@"
            );
            raw = css
                .replace("@KOJO_FONT@", &format!("/static/{font_file}"))
                .into_bytes();
        }
        let hash = short_hash(&raw);
        let (stem, ext) = file.rsplit_once('.').expect("an extension");
        let hashed = format!("{stem}.{hash}.{ext}");
        std::fs::write(out.join(&hashed), &raw).expect("write");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&raw).expect("gzip");
        let gz = gz.finish().expect("gzip");
        let mut br = Vec::new();
        {
            let params = brotli::enc::BrotliEncoderParams {
                quality: 11,
                ..Default::default()
            };
            brotli::BrotliCompress(&mut raw.as_slice(), &mut br, &params).expect("brotli");
        }
        for (suffix, bytes) in [("gz", &gz), ("br", &br)] {
            std::fs::write(out.join(format!("{hashed}.{suffix}")), bytes).expect("write");
        }
        // Compressed forms that do not save anything are not served.
        let pick = |suffix: &str, len: usize| {
            if len < raw.len() {
                format!("Some(include_bytes!(concat!(env!(\"OUT_DIR\"), \"/{hashed}.{suffix}\")))")
            } else {
                "None".to_string()
            }
        };
        table.push_str(&format!(
            "    Asset {{ name: {file:?}, hashed: {hashed:?}, mime: {mime:?}, \
             raw: include_bytes!(concat!(env!(\"OUT_DIR\"), \"/{hashed}\")), \
             gzip: {}, brotli: {} }},\n",
            pick("gz", gz.len()),
            pick("br", br.len()),
        ));
    }
    table.push(']');
    std::fs::write(out.join("assets.rs"), table).expect("write assets.rs");
    println!("cargo::rerun-if-changed=build.rs");
}
