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

/// `println!` for command output. A closed pipe (`kojo … | head -1`) ends the program quietly
/// with success, as ripgrep does, instead of a panic with a backtrace; another write error
/// (a full disk) is reported and the program fails.
macro_rules! outln {
    () => { $crate::output::write_out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::write_out(format_args!("{}\n", format_args!($($arg)*))) };
}
pub(crate) use outln;

/// Writes to standard output; see [`outln!`].
pub fn write_out(args: std::fmt::Arguments) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("kojo: {e}");
        std::process::exit(1);
    }
}

/// Writes raw bytes to standard output (`kojo evidence get -o -`), with [`write_out`]'s
/// handling of a closed pipe.
pub fn write_out_bytes(bytes: &[u8]) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(bytes).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("kojo: {e}");
        std::process::exit(1);
    }
}

/// Prints JSON to stdout, pretty.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    let s = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::key("error.internal", &[("detail", &e)]))?;
    outln!("{s}");
    Ok(())
}

/// Display width of a string in a terminal: East Asian wide and ambiguous characters (○ □ △,
/// most Japanese text) count 2, as Japanese terminals show them.
pub fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width_cjk(s)
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

/// `s` right-aligned in display width `w`.
pub fn lpad(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(width(s))))
}

const OPENING: &[char] = &['(', '（', '「', '『', '[', '［', '【', '〔', '《', '〈'];
const CLOSING: &[char] = &[')', '）', '」', '』', ']', '］', '】', '〕', '》', '〉'];

/// `s` cut to display width `w` with `…`, never inside a bracket: a cut that would leave a
/// bracket open goes back to before that bracket (so `復元(リストア)` becomes `復元…`, never
/// `復元(リス…`). Whole if it fits.
pub fn fit(s: &str, w: usize) -> String {
    if width(s) <= w {
        return s.to_string();
    }
    let budget = w.saturating_sub(width("…")); // room for the ellipsis (2 columns in CJK)
    let mut cut = 0; // byte index of the cut
    let mut used = 0;
    let mut open_at: Vec<usize> = Vec::new();
    for (i, c) in s.char_indices() {
        let cw = unicode_width::UnicodeWidthChar::width_cjk(c).unwrap_or(0);
        if used + cw > budget {
            break;
        }
        used += cw;
        if OPENING.contains(&c) {
            open_at.push(i);
        } else if CLOSING.contains(&c) {
            open_at.pop();
        }
        cut = i + c.len_utf8();
    }
    if let Some(&first_open) = open_at.first() {
        cut = first_open;
    }
    format!("{}…", s[..cut].trim_end())
}

/// Prints a table aligned by display width (the last column is not padded).
pub fn print_table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) {
    let rows: Vec<&[String]> = rows.iter().map(|r| r.as_slice()).collect();
    print_rows(header, &rows);
}

/// [`print_table`] for a number of columns known only at run time: every row has as many
/// cells as `header`.
pub fn print_rows<R: AsRef<[String]>>(header: &[&str], rows: &[R]) {
    let n = header.len();
    let mut w: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in rows {
        for (i, c) in r.as_ref().iter().enumerate().take(n) {
            w[i] = w[i].max(width(c));
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == n {
                s.push_str(c);
            } else {
                s.push_str(&pad(c, w[i] + 2));
            }
        }
        s.trim_end().to_string()
    };
    outln!("{}", line(header.to_vec()));
    for r in rows {
        outln!(
            "{}",
            line(r.as_ref().iter().take(n).map(String::as_str).collect())
        );
    }
}

/// Prints a list as JSON (one object per entry, `--json`) or as a table for people, with
/// `empty` instead of an empty table.
pub fn print_listing<T, const N: usize>(
    entries: &[T],
    json: bool,
    empty: &str,
    header: [&str; N],
    to_json: impl Fn(&T) -> serde_json::Value,
    to_cells: impl Fn(&T) -> [String; N],
) -> Result<(), Failure> {
    if json {
        return print_json(&entries.iter().map(to_json).collect::<Vec<_>>());
    }
    if entries.is_empty() {
        outln!("{empty}");
        return Ok(());
    }
    let rows: Vec<[String; N]> = entries.iter().map(to_cells).collect();
    print_table(&header, &rows);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_count_wide_characters_twice() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("バックアップ"), 12);
        assert_eq!(width("○□△"), 6);
    }

    #[test]
    fn fit_never_cuts_inside_brackets() {
        assert_eq!(
            fit("バックアップ・復元(リストア)", 40),
            "バックアップ・復元(リストア)"
        );
        assert_eq!(
            fit("バックアップ・復元(リストア)", 24),
            "バックアップ・復元…"
        );
        assert_eq!(fit("ネットワーク（工場）の管理", 20), "ネットワーク…");
        assert_eq!(fit("abcdef", 4), "ab…"); // … takes two columns in a CJK terminal
        assert!(width(&fit("資産管理の対象と範囲の明確化", 11)) <= 11);
    }

    #[test]
    fn pad_aligns_by_display_width() {
        assert_eq!(width(&pad("復元", 10)), 10);
        assert_eq!(width(&pad("abc", 10)), 10);
    }
}
