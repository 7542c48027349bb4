//! User-facing strings of kojo, in Japanese (the default) and English.
//!
//! Every string a user reads comes from `locales/ja/*.toml` or `locales/en/*.toml`, embedded in the
//! binary and parsed once. Keys are dotted paths (`cli.site.added`); `{name}` placeholders are
//! filled by [`tr`]. A missing key is a bug caught by the test that compares both files, so
//! lookups fall back to the key itself instead of panicking.
#![deny(missing_docs)]

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// A language kojo speaks. Japanese is the default everywhere.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Japanese (日本語), the guideline's language and kojo's default.
    #[default]
    Ja,
    /// English; translations of guideline text are unofficial.
    En,
}

impl Lang {
    /// All languages, default first.
    pub const ALL: [Lang; 2] = [Lang::Ja, Lang::En];

    /// The BCP 47 tag (`ja`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Error for a language code kojo does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLang(pub String);

impl fmt::Display for UnknownLang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "未対応の言語です: {} (ja または en) / unsupported language: {} (ja or en)",
            self.0, self.0
        )
    }
}

impl std::error::Error for UnknownLang {}

impl FromStr for Lang {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ja" | "ja-jp" | "jp" | "japanese" | "日本語" => Ok(Lang::Ja),
            "en" | "en-us" | "en-gb" | "english" => Ok(Lang::En),
            _ => Err(UnknownLang(s.to_string())),
        }
    }
}

macro_rules! locale {
    ($lang:literal) => {
        &[
            (
                "core",
                include_str!(concat!("../locales/", $lang, "/core.toml")),
            ),
            (
                "cli",
                include_str!(concat!("../locales/", $lang, "/cli.toml")),
            ),
            (
                "web",
                include_str!(concat!("../locales/", $lang, "/web.toml")),
            ),
            (
                "xlsx",
                include_str!(concat!("../locales/", $lang, "/xlsx.toml")),
            ),
            (
                "report",
                include_str!(concat!("../locales/", $lang, "/report.toml")),
            ),
            (
                "cycle",
                include_str!(concat!("../locales/", $lang, "/cycle.toml")),
            ),
            (
                "portfolio",
                include_str!(concat!("../locales/", $lang, "/portfolio.toml")),
            ),
            (
                "exchange",
                include_str!(concat!("../locales/", $lang, "/exchange.toml")),
            ),
            (
                "api",
                include_str!(concat!("../locales/", $lang, "/api.toml")),
            ),
            (
                "ops",
                include_str!(concat!("../locales/", $lang, "/ops.toml")),
            ),
            (
                "versions",
                include_str!(concat!("../locales/", $lang, "/versions.toml")),
            ),
            (
                "register",
                include_str!(concat!("../locales/", $lang, "/register.toml")),
            ),
        ]
    };
}

/// Locale files per language: (name, TOML source). Each file's tables merge into one key space.
const JA_SRC: &[(&str, &str)] = locale!("ja");
const EN_SRC: &[(&str, &str)] = locale!("en");

/// Looked up a few hundred times per page with keys written in kojo's code (never from input),
/// so a fast hash without flood resistance (FxHash) fits; SipHash was ~2 % of a page's time.
type Table = rustc_hash::FxHashMap<String, String>;

fn flatten(prefix: &str, value: &toml::Value, out: &mut Table) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

fn parse(files: &[(&str, &str)]) -> Table {
    let mut out = Table::default();
    for (_, src) in files {
        // A file that does not parse leaves its keys missing, which the locale tests report.
        if let Ok(value) = toml::from_str::<toml::Value>(src) {
            flatten("", &value, &mut out);
        }
    }
    out
}

fn table(lang: Lang) -> &'static Table {
    static JA: OnceLock<Table> = OnceLock::new();
    static EN: OnceLock<Table> = OnceLock::new();
    match lang {
        Lang::Ja => JA.get_or_init(|| parse(JA_SRC)),
        Lang::En => EN.get_or_init(|| parse(EN_SRC)),
    }
}

/// The message for `key` in `lang`, without placeholders filled.
/// Falls back to the key itself (never panics); a missing key is a bug the locale tests catch,
/// and its fallback string is kept for the process's lifetime.
pub fn t(lang: Lang, key: &str) -> &'static str {
    match table(lang).get(key) {
        Some(s) => s.as_str(),
        None => missing(key),
    }
}

fn missing(key: &str) -> &'static str {
    use std::sync::Mutex;
    static MISSING: OnceLock<Mutex<HashMap<String, &'static str>>> = OnceLock::new();
    let mut m = MISSING
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    m.entry(key.to_string())
        .or_insert_with(|| Box::leak(key.to_string().into_boxed_str()))
}

/// The message for `key` in `lang` with `{name}` placeholders replaced by `args`.
pub fn tr(lang: Lang, key: &str, args: &[(&str, &dyn fmt::Display)]) -> String {
    let mut s = t(lang, key).to_string();
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), &value.to_string());
    }
    s
}

/// A message in both languages, as kojo prints errors that must be understood by either reader.
pub fn both(key: &str, args: &[(&str, &dyn fmt::Display)]) -> String {
    format!("{} / {}", tr(Lang::Ja, key, args), tr(Lang::En, key, args))
}

/// Every key of a language's table (for tests and tooling).
pub fn keys(lang: Lang) -> impl Iterator<Item = &'static str> {
    table(lang).keys().map(String::as_str)
}

/// Whether `key` exists in both languages.
pub fn has(key: &str) -> bool {
    Lang::ALL.iter().all(|l| table(*l).contains_key(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn placeholders(s: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut rest = s;
        while let Some(start) = rest.find('{') {
            let after = &rest[start + 1..];
            if let Some(end) = after.find('}') {
                out.insert(after[..end].to_string());
                rest = &after[end + 1..];
            } else {
                break;
            }
        }
        out
    }

    #[test]
    fn both_locales_parse_and_are_not_empty() {
        for (name, src) in JA_SRC.iter().chain(EN_SRC) {
            if let Err(e) = toml::from_str::<toml::Value>(src) {
                panic!("locale file {name}.toml does not parse: {e}");
            }
        }
        assert!(table(Lang::Ja).len() > 20);
    }

    #[test]
    fn both_locales_have_the_same_keys_and_placeholders() {
        let ja: BTreeSet<_> = keys(Lang::Ja).collect();
        let en: BTreeSet<_> = keys(Lang::En).collect();
        let only_ja: Vec<_> = ja.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&ja).collect();
        assert!(only_ja.is_empty(), "keys missing in en.toml: {only_ja:?}");
        assert!(only_en.is_empty(), "keys missing in ja.toml: {only_en:?}");
        for k in ja {
            assert_eq!(
                placeholders(t(Lang::Ja, k)),
                placeholders(t(Lang::En, k)),
                "placeholders differ for {k}"
            );
            assert!(
                !t(Lang::En, k).trim().is_empty(),
                "empty English text for {k}"
            );
        }
    }

    #[test]
    fn placeholders_are_filled_and_missing_keys_fall_back() {
        let s = tr(
            Lang::En,
            "error.item_out_of_range",
            &[("item", &64), ("max", &63)],
        );
        assert!(s.contains("64") && s.contains("63"), "{s}");
        assert_eq!(t(Lang::Ja, "no.such.key"), "no.such.key");
    }

    #[test]
    fn lang_parses_common_spellings() {
        assert_eq!("EN".parse::<Lang>(), Ok(Lang::En));
        assert_eq!("ja-JP".parse::<Lang>(), Ok(Lang::Ja));
        assert!("fr".parse::<Lang>().is_err());
    }
}
