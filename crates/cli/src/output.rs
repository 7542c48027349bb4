//! Errors as the user reads them, and small output helpers.

use kojo_i18n::Lang;

/// A failure with a one-line message in the user's language.
#[derive(Debug)]
pub enum Failure {
    /// An i18n message key with its arguments.
    Key(&'static str, Vec<(&'static str, String)>),
    /// A message already rendered in both languages (ja, en).
    Text { ja: String, en: String },
}

impl Failure {
    /// A failure from a message key.
    pub fn key(key: &'static str, args: &[(&'static str, &dyn std::fmt::Display)]) -> Failure {
        Failure::Key(key, args.iter().map(|(k, v)| (*k, v.to_string())).collect())
    }

    /// A failure from per-language renderings.
    pub fn localized(f: impl Fn(Lang) -> String) -> Failure {
        Failure::Text {
            ja: f(Lang::Ja),
            en: f(Lang::En),
        }
    }

    /// The message in `lang`, on one line.
    pub fn message(&self, lang: Lang) -> String {
        let s = match self {
            Failure::Key(key, args) => {
                let args: Vec<(&str, &dyn std::fmt::Display)> = args
                    .iter()
                    .map(|(k, v)| (*k, v as &dyn std::fmt::Display))
                    .collect();
                kojo_i18n::tr(lang, key, &args)
            }
            Failure::Text { ja, en } => match lang {
                Lang::Ja => ja.clone(),
                Lang::En => en.clone(),
            },
        };
        s.replace('\n', " ")
    }
}

/// Writes `bytes` to `path`, atomically (temp file + rename) so a failed write leaves nothing half-written.
pub fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), Failure> {
    let fail = |e: std::io::Error| {
        Failure::key(
            "error.write_file",
            &[("file", &path.display()), ("detail", &e)],
        )
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.kojo-tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

/// Prints JSON to stdout, pretty.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    let s = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::key("error.internal", &[("detail", &e)]))?;
    println!("{s}");
    Ok(())
}

/// Display width of a string in a terminal (East Asian wide characters count 2).
pub fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let c = c as u32;
            if (0x1100..=0x115F).contains(&c)
                || (0x2E80..=0xA4CF).contains(&c)
                || (0xAC00..=0xD7A3).contains(&c)
                || (0xF900..=0xFAFF).contains(&c)
                || (0xFE30..=0xFE4F).contains(&c)
                || (0xFF00..=0xFF60).contains(&c)
                || (0xFFE0..=0xFFE6).contains(&c)
                || (0x25A0..=0x25FF).contains(&c)
            {
                2
            } else {
                1
            }
        })
        .sum()
}

/// `s` padded with spaces to display width `w`.
pub fn pad(s: &str, w: usize) -> String {
    let n = width(s);
    if n >= w {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}
