//! The web crate keeps the shape ARCHITECTURE.md describes: one file per resource, and no file
//! that grows past 400 lines (a file that does holds more than one concern; split it).

use std::path::Path;

const MAX_LINES: usize = 400;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("readable source dir") {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_source_file_is_over_400_lines() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 30, "found only {} files", files.len());
    let mut long: Vec<String> = files
        .iter()
        .filter_map(|p| {
            let n = std::fs::read_to_string(p).expect("UTF-8").lines().count();
            (n > MAX_LINES).then(|| format!("{} has {n} lines", p.display()))
        })
        .collect();
    long.sort();
    assert!(
        long.is_empty(),
        "split these files by concern:\n{}",
        long.join("\n")
    );
}
