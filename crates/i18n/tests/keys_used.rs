//! Every message key that code or a template names exists in both languages, and every key in the
//! locale files is named somewhere: a typo in a key would otherwise show the raw key to a user,
//! and an orphaned key is a translation nobody reads.
//!
//! Keys are found as string literals in `crates/*/src`, `crates/*/templates` and build scripts.
//! A literal with a placeholder (`"version.change.{}"`, `"mark.{}.name"`) or a trailing dot names
//! every key it matches; each such pattern must match at least one key.

use regex::Regex;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// File names that look like keys (`report.html`) but are not.
const EXTENSIONS: &[&str] = &[
    "css", "csv", "html", "js", "json", "key", "pdf", "pub", "toml", "txt", "typ", "xlsx", "zip",
];

fn sources() -> Vec<(PathBuf, String)> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&crates)
        .expect("crates/")
        .map(|e| e.expect("crate dir").path())
        .filter(|p| !p.ends_with("i18n"))
        .collect();
    dirs.sort();
    for krate in dirs {
        for sub in ["src", "templates", "build.rs"] {
            for e in walkdir::WalkDir::new(krate.join(sub)).sort_by_file_name() {
                let Ok(e) = e else { continue };
                let p = e.path();
                let wanted = p
                    .extension()
                    .is_some_and(|x| x == "rs" || x == "html" || x == "typ" || x == "js");
                if e.file_type().is_file() && wanted {
                    let text = std::fs::read_to_string(p).expect("source is UTF-8");
                    out.push((p.to_path_buf(), text));
                }
            }
        }
    }
    assert!(out.len() > 50, "found only {} source files", out.len());
    out
}

struct Usage {
    literal: BTreeSet<String>,
    patterns: Vec<(String, Regex, PathBuf)>,
    unknown: Vec<(String, PathBuf)>,
}

fn usage(keys: &BTreeSet<&str>) -> Usage {
    let tops: BTreeSet<&str> = keys.iter().filter_map(|k| k.split('.').next()).collect();
    let lit = Regex::new(r#""([a-z0-9_{}]+(?:\.[a-z0-9_{}]*)+)""#).unwrap();
    let hole = Regex::new(r"\\\{[^}]*\\\}").unwrap();
    let mut u = Usage {
        literal: BTreeSet::new(),
        patterns: Vec::new(),
        unknown: Vec::new(),
    };
    for (path, text) in sources() {
        for m in lit.captures_iter(&text) {
            let s = &m[1];
            let first = s.split('.').next().unwrap_or("");
            let last = s.rsplit('.').next().unwrap_or("");
            if keys.contains(s) {
                u.literal.insert(s.to_string());
            } else if !tops.contains(first) || EXTENSIONS.contains(&last) {
                continue;
            } else if s.contains('{') || s.ends_with('.') {
                let mut rx = hole
                    .replace_all(&regex::escape(s), "[a-z0-9_]+")
                    .into_owned();
                if s.ends_with('.') {
                    rx.push_str(".+");
                }
                let rx = Regex::new(&format!("^{rx}$")).unwrap();
                u.patterns.push((s.to_string(), rx, path.clone()));
            } else {
                u.unknown.push((s.to_string(), path.clone()));
            }
        }
    }
    u
}

fn all_keys() -> BTreeSet<&'static str> {
    kojo_i18n::keys(kojo_i18n::Lang::Ja).collect()
}

#[test]
fn every_key_named_in_code_exists_in_both_languages() {
    let keys = all_keys();
    let u = usage(&keys);
    let mut bad: Vec<String> = u
        .unknown
        .iter()
        .map(|(k, p)| format!("{k} ({})", p.display()))
        .collect();
    for (s, rx, p) in &u.patterns {
        if !keys.iter().any(|k| rx.is_match(k)) {
            bad.push(format!("{s} matches no key ({})", p.display()));
        }
    }
    for k in &u.literal {
        if !kojo_i18n::has(k) {
            bad.push(format!("{k} is missing in one language"));
        }
    }
    assert!(bad.is_empty(), "unknown message keys:\n{}", bad.join("\n"));
    assert!(
        u.literal.len() > 500,
        "found only {} keys in use",
        u.literal.len()
    );
}

#[test]
fn every_key_is_used() {
    let keys = all_keys();
    let u = usage(&keys);
    let unused: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| !u.literal.contains(*k) && !u.patterns.iter().any(|(_, rx, _)| rx.is_match(k)))
        .collect();
    assert!(
        unused.is_empty(),
        "keys no code or template names:\n{}",
        unused.join("\n")
    );
}
