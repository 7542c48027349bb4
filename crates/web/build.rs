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

fn main() {
    let out = std::env::var("OUT_DIR").expect("OUT_DIR");
    let out = Path::new(&out);
    let mut table = String::from("&[\n");
    for (file, mime) in ASSETS {
        let src = Path::new("assets").join(file);
        println!("cargo::rerun-if-changed={}", src.display());
        let raw = std::fs::read(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
        let hash: String = Sha256::digest(&raw)[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let (stem, ext) = file.rsplit_once('.').expect("an extension");
        let hashed = format!("{stem}.{hash}.{ext}");
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
             raw: include_bytes!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/assets/{file}\")), \
             gzip: {}, brotli: {} }},\n",
            pick("gz", gz.len()),
            pick("br", br.len()),
        ));
    }
    table.push(']');
    std::fs::write(out.join("assets.rs"), table).expect("write assets.rs");
    println!("cargo::rerun-if-changed=build.rs");
}
