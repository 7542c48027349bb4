//! Compresses the embedded font (brotli): the binary carries 3.3 MB instead of 6.1 MB. The
//! font is decompressed once, when first used; the web app serves the compressed bytes as they
//! are to browsers that accept brotli.

use std::path::{Path, PathBuf};

fn main() {
    let font = Path::new("fonts/ipaexg.ttf");
    println!("cargo::rerun-if-changed={}", font.display());
    let raw = std::fs::read(font).unwrap_or_else(|e| panic!("{}: {e}", font.display()));
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 24,
        ..Default::default()
    };
    let mut br = Vec::new();
    brotli::BrotliCompress(&mut raw.as_slice(), &mut br, &params).expect("brotli");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    std::fs::write(out.join("ipaexg.ttf.br"), br).expect("write the compressed font");
}
