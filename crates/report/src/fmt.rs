//! Formatting and escaping shared by the HTML, SVG and PDF renderers.

use chrono::{Datelike, NaiveDate};
use kojo_i18n::Lang;

/// A fraction in 0..=1 as a percentage with one decimal (`66.7%`), `—` when undefined.
pub fn percent(rate: Option<f64>) -> String {
    match rate {
        Some(r) if r.is_finite() => format!("{:.1}%", r * 100.0),
        _ => "\u{2014}".to_string(),
    }
}

/// A date as readers of `lang` expect it: `2026年4月1日` or `2026-04-01`.
pub fn date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Ja => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        Lang::En => d.format("%Y-%m-%d").to_string(),
    }
}

/// The calendar day of an RFC 3339 timestamp as `YYYY-MM-DD`, in the timestamp's own offset.
/// Text that is not a timestamp but starts with a date gives that date; anything else is
/// returned trimmed, as entered.
pub fn day_of(at: &str) -> String {
    let at = at.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(at) {
        return t.format("%Y-%m-%d").to_string();
    }
    at.get(..10)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| at.to_string())
}

/// The difference of two rates in percentage points with a sign and one decimal (`+12.5`,
/// `-3.0`, `±0.0`), `—` when either is undefined.
pub fn points(then: Option<f64>, now: Option<f64>) -> String {
    match (then, now) {
        (Some(a), Some(b)) if a.is_finite() && b.is_finite() => {
            let p = ((b - a) * 1000.0).round() / 10.0;
            if p == 0.0 {
                "\u{00B1}0.0".to_string()
            } else {
                format!("{p:+.1}")
            }
        }
        _ => "\u{2014}".to_string(),
    }
}

/// The templates' escaper (`askama.toml`): the same as [`escape`], so the HTML report and the
/// SVG escape alike and no control character reaches the document.
#[derive(Debug, Clone, Copy)]
pub struct Markup;

impl askama::filters::Escaper for Markup {
    fn write_escaped_str<W: std::fmt::Write>(&self, mut dest: W, s: &str) -> std::fmt::Result {
        dest.write_str(&escape(s))
    }
}

/// Escapes text for HTML and XML content and attribute values (`& < > " '`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and newlines are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A number for SVG coordinates: two decimals, no trailing zeros, never `-0`.
pub fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Upper-cases the first letter (English field names are lower case in running text).
pub fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_have_one_decimal() {
        assert_eq!(percent(Some(1.0 / 6.0)), "16.7%");
        assert_eq!(percent(Some(1.0)), "100.0%");
        assert_eq!(percent(Some(0.0)), "0.0%");
        assert_eq!(percent(None), "—");
    }

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("日本語\u{1}"), "日本語\u{FFFD}");
    }

    #[test]
    fn timestamps_give_their_own_day() {
        assert_eq!(day_of("2027-05-01T23:30:00+09:00"), "2027-05-01");
        assert_eq!(day_of("2027-04-30T23:30:00Z"), "2027-04-30");
        assert_eq!(day_of(" 2027-05-02 10:00 "), "2027-05-02");
        assert_eq!(day_of("yesterday"), "yesterday");
    }

    #[test]
    fn point_differences_are_signed() {
        assert_eq!(points(Some(0.5), Some(0.625)), "+12.5");
        assert_eq!(points(Some(0.5), Some(0.47)), "-3.0");
        assert_eq!(points(Some(0.5), Some(0.5000001)), "±0.0");
        assert_eq!(points(None, Some(0.5)), "—");
    }

    #[test]
    fn numbers_are_compact() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(12.346), "12.35");
        assert_eq!(num(12.5), "12.5");
    }
}
