//! Register values: what a cell of a ledger says, parsed into one canonical text per field type.
//!
//! Ledgers come from Japanese Excel: full-width digits, dates as `2026/4/1`, `令和8年4月1日`,
//! `R8.4.1` or an Excel serial number, port lists with `、`, addresses with a CIDR suffix. Each
//! value is parsed once, on entry or import, and stored canonically (ISO dates, `80,443,8000-8080`,
//! `192.168.0.0/24`, enum ids), so the rules and the exports never parse free text again.

use chrono::{Days, NaiveDate};
use kojo_catalog::registers::{FieldDef, FieldType};
use std::net::IpAddr;
use unicode_normalization::UnicodeNormalization;

/// The longest text a cell may hold, in characters.
pub const MAX_TEXT: usize = 2000;

/// A value that does not fit its field: the field, the value as given and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", kojo_i18n::both(self.problem.key(), &[("field", &self.field), ("value", &self.value), ("choices", &self.choices)]))]
pub struct ValueError {
    /// The field's Japanese name.
    pub field: String,
    /// The value as given (shortened).
    pub value: String,
    /// What is wrong.
    pub problem: ValueProblem,
    /// For an enum: the choices (Japanese labels).
    pub choices: String,
}

impl ValueError {
    /// The message in one language.
    pub fn message(&self, lang: kojo_i18n::Lang) -> String {
        kojo_i18n::tr(
            lang,
            self.problem.key(),
            &[
                ("field", &self.field),
                ("value", &self.value),
                ("choices", &self.choices),
            ],
        )
    }
}

/// What is wrong with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueProblem {
    /// Not a date in any accepted form.
    Date,
    /// Not an IP address or CIDR block.
    Ip,
    /// Not a port list.
    Ports,
    /// Not a number.
    Number,
    /// Not one of the choices.
    Enum,
    /// Longer than [`MAX_TEXT`].
    TooLong,
}

impl ValueProblem {
    fn key(self) -> &'static str {
        match self {
            ValueProblem::Date => "register.value.date",
            ValueProblem::Ip => "register.value.ip",
            ValueProblem::Ports => "register.value.ports",
            ValueProblem::Number => "register.value.number",
            ValueProblem::Enum => "register.value.enum",
            ValueProblem::TooLong => "register.value.too_long",
        }
    }
}

/// NFKC (full-width digits and letters become ASCII), then trimmed.
pub fn fold(raw: &str) -> String {
    if raw.is_ascii() {
        // NFKC leaves ASCII as it is: most cells of a ledger are, and skip the tables.
        return raw.trim().to_string();
    }
    raw.nfkc().collect::<String>().trim().to_string()
}

/// A header or choice as compared: NFKC, no whitespace at all, lower case.
pub fn fold_key(raw: &str) -> String {
    raw.nfkc()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Parses `raw` for `field`: `Ok(None)` when empty, else the canonical text.
pub fn parse(field: &FieldDef, raw: &str) -> Result<Option<String>, ValueError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let err = |problem| ValueError {
        field: field.name.ja.clone(),
        value: trimmed.chars().take(40).collect(),
        problem,
        choices: field
            .values
            .iter()
            .map(|v| v.ja.as_str())
            .collect::<Vec<_>>()
            .join("・"),
    };
    if trimmed.chars().count() > MAX_TEXT {
        return Err(err(ValueProblem::TooLong));
    }
    let folded = || fold(trimmed);
    let value = match field.ty {
        FieldType::Text | FieldType::User | FieldType::Evidence => trimmed.to_string(),
        FieldType::Date => parse_date(&folded())
            .ok_or_else(|| err(ValueProblem::Date))?
            .format("%Y-%m-%d")
            .to_string(),
        FieldType::Ip => parse_ips(&folded()).ok_or_else(|| err(ValueProblem::Ip))?,
        FieldType::Ports => parse_ports(&folded()).ok_or_else(|| err(ValueProblem::Ports))?,
        FieldType::Number => parse_number(&folded()).ok_or_else(|| err(ValueProblem::Number))?,
        FieldType::Enum => {
            // A choice written as kojo writes it (an exported ledger, a drop-down) matches as
            // it is; anything else after folding both sides.
            let exact = field
                .values
                .iter()
                .find(|v| v.id == trimmed || v.ja == trimmed || v.en == trimmed);
            let found = exact.or_else(|| {
                let k = fold_key(trimmed);
                field
                    .values
                    .iter()
                    .find(|v| fold_key(&v.id) == k || fold_key(&v.ja) == k || fold_key(&v.en) == k)
            });
            found
                .map(|v| v.id.clone())
                .ok_or_else(|| err(ValueProblem::Enum))?
        }
    };
    Ok(Some(value))
}

/// A date as Japanese ledgers write it (already NFKC-folded): `2026-04-01`, `2026/4/1`,
/// `2026.4.1`, `2026年4月1日`, `20260401`, an Excel serial (`46113`, also with a time
/// fraction), `令和8年4月1日`, `令和元年5月1日`, `R8.4.1`, `R8/4/1`, `平成31年4月30日`,
/// `H31.4.30`; a trailing time of day (`2026/4/1 0:00:00`) is ignored.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    // A time of day after the date, as Excel writes it into CSV.
    let s = match s.split_once(' ') {
        Some((d, t)) if t.trim().chars().all(|c| c.is_ascii_digit() || c == ':') => d,
        _ => s,
    };
    if let Some(d) = era_date(s) {
        return Some(d);
    }
    if !s.is_empty()
        && s.chars().all(|c| c.is_ascii_digit() || c == '.')
        && s.matches('.').count() <= 1
    {
        return serial_or_compact(s);
    }
    let parts: Vec<&str> = s
        .trim_end_matches('日')
        .split(['-', '/', '.', '年', '月'])
        .collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    if y.len() != 4 {
        return None;
    }
    ymd(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    if !(1900..=9999).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

/// `46113` (an Excel serial day, 1900 date system; a fraction is the time of day) or
/// `20260401`. Serials are five digits (1927-05-18 to 2173-10-13): a shorter or longer number is
/// more likely a typo than a date, and is refused rather than read as one.
fn serial_or_compact(s: &str) -> Option<NaiveDate> {
    let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
    if whole.len() == 8 && fraction.is_empty() {
        return ymd(
            whole[..4].parse().ok()?,
            whole[4..6].parse().ok()?,
            whole[6..].parse().ok()?,
        );
    }
    if whole.len() != 5 {
        return None;
    }
    let n: u64 = whole.parse().ok()?;
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(Days::new(n))
}

/// Japanese era dates: 令和 (from 2019-05-01) and 平成 (1989-01-08 to 2019-04-30), written out or
/// abbreviated (`R8.4.1`, `H31/4/30`).
fn era_date(s: &str) -> Option<NaiveDate> {
    type Ymd = (i32, u32, u32);
    /// (name, abbreviation, year 0 of the era, first day, last day).
    const ERAS: [(&str, &str, i32, Ymd, Ymd); 2] = [
        ("令和", "r", 2018, (2019, 5, 1), (9999, 12, 31)),
        ("平成", "h", 1988, (1989, 1, 8), (2019, 4, 30)),
    ];
    for (name, abbr, base, first, last) in ERAS {
        let rest = if let Some(r) = s.strip_prefix(name) {
            r
        } else if s.len() > 1 && s.as_bytes()[0].eq_ignore_ascii_case(&abbr.as_bytes()[0]) {
            &s[1..]
        } else {
            continue;
        };
        let rest = rest.replacen("元", "1", 1);
        let parts: Vec<&str> = rest
            .trim_end_matches('日')
            .split(['-', '/', '.', '年', '月'])
            .collect();
        let [y, m, d] = parts.as_slice() else {
            return None;
        };
        let y: i32 = y.parse().ok().filter(|y| *y >= 1)?;
        let date = ymd(base + y, m.parse().ok()?, d.parse().ok()?)?;
        let first = NaiveDate::from_ymd_opt(first.0, first.1, first.2)?;
        let last = NaiveDate::from_ymd_opt(last.0, last.1, last.2)?;
        return (first..=last).contains(&date).then_some(date);
    }
    None
}

fn items(s: &str) -> impl Iterator<Item = &str> {
    s.split([',', '、', ';', ' ', '\n', '\t'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// One or more addresses or CIDR blocks (IPv4 or IPv6), or `any`; canonical, `, `-separated.
fn parse_ips(s: &str) -> Option<String> {
    let mut out = Vec::new();
    for t in items(s) {
        if t.eq_ignore_ascii_case("any") {
            out.push("any".to_string());
            continue;
        }
        let (addr, prefix) = match t.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (t, None),
        };
        let ip: IpAddr = addr.parse().ok()?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        match prefix {
            None => out.push(ip.to_string()),
            Some(p) => {
                let p: u8 = p.parse().ok().filter(|p| *p <= max)?;
                out.push(format!("{ip}/{p}"));
            }
        }
    }
    (!out.is_empty()).then(|| out.join(", "))
}

/// Ports and ranges (`80, 443、8000-8080`, `8000〜8080`), or `any`; canonical `80,443,8000-8080`.
fn parse_ports(s: &str) -> Option<String> {
    let mut out = Vec::new();
    for t in items(s) {
        if t.eq_ignore_ascii_case("any") {
            out.push("any".to_string());
            continue;
        }
        let port = |p: &str| p.trim().parse::<u16>().ok();
        match t.split_once(['-', '~', '〜']) {
            Some((a, b)) => {
                let (a, b) = (port(a)?, port(b)?);
                if a > b {
                    return None;
                }
                out.push(format!("{a}-{b}"));
            }
            None => out.push(port(t)?.to_string()),
        }
    }
    (!out.is_empty()).then(|| out.join(","))
}

/// A decimal number, thousands separators allowed; canonical without them.
fn parse_number(s: &str) -> Option<String> {
    let plain: String = s.chars().filter(|c| *c != ',').collect();
    let n: f64 = plain.parse().ok().filter(|n: &f64| n.is_finite())?;
    Some(if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn every_date_form_of_japanese_ledgers() {
        for s in [
            "2026-04-01",
            "2026/4/1",
            "2026/04/01",
            "2026.4.1",
            "2026年4月1日",
            "20260401",
            "46113",
            "46113.5",
            "令和8年4月1日",
            "R8.4.1",
            "r8/4/1",
            "R8-04-01",
            "2026/4/1 0:00:00",
            "2026/4/1 0:00",
        ] {
            assert_eq!(parse_date(&fold(s)), d(2026, 4, 1), "{s}");
        }
        // Full-width digits and slashes, as typed with a Japanese IME.
        assert_eq!(parse_date(&fold("２０２６／４／１")), d(2026, 4, 1));
        assert_eq!(parse_date(&fold("Ｒ８．４．１")), d(2026, 4, 1));
        assert_eq!(parse_date("令和元年5月1日"), d(2019, 5, 1));
        assert_eq!(parse_date("平成31年4月30日"), d(2019, 4, 30));
        assert_eq!(parse_date("H31.4.30"), d(2019, 4, 30));
    }

    #[test]
    fn impossible_dates_are_refused() {
        for s in [
            "2026/2/30",
            "2026/13/1",
            "26/4/1",
            "令和元年4月30日",
            "平成31年5月1日",
            "R0.4.1",
            "60",
            "9999",
            "100000",
            "2026.4",
            "1.2.3",
            "明日",
            "2026/4",
            "",
        ] {
            assert_eq!(parse_date(&fold(s)), None, "{s}");
        }
    }

    #[test]
    fn excel_serials_are_counted_from_1899_12_30() {
        assert_eq!(parse_date("10000"), d(1927, 5, 18));
        assert_eq!(parse_date("45658"), d(2025, 1, 1));
        assert_eq!(parse_date("99999"), d(2173, 10, 13));
    }

    #[test]
    fn addresses_ports_and_numbers_are_canonical() {
        assert_eq!(
            parse_ips(&fold("192.168.10.0/24")).as_deref(),
            Some("192.168.10.0/24")
        );
        assert_eq!(
            parse_ips(&fold("１９２．１６８．１．５")).as_deref(),
            Some("192.168.1.5")
        );
        assert_eq!(
            parse_ips("10.0.0.1、 10.0.0.2 ,ANY").as_deref(),
            Some("10.0.0.1, 10.0.0.2, any")
        );
        assert_eq!(parse_ips("fe80::0:1/64").as_deref(), Some("fe80::1/64"));
        for bad in [
            "10.0.0.256",
            "10.0.0.0/33",
            "fe80::/129",
            "host-a",
            "10.0.0.0/",
        ] {
            assert_eq!(parse_ips(bad), None, "{bad}");
        }
        assert_eq!(
            parse_ports(&fold("80, 443、８０００〜８０８０")).as_deref(),
            Some("80,443,8000-8080")
        );
        assert_eq!(parse_ports("502").as_deref(), Some("502"));
        for bad in ["65536", "90-80", "http", "1-2-3"] {
            assert_eq!(parse_ports(bad), None, "{bad}");
        }
        assert_eq!(parse_number("1,234").as_deref(), Some("1234"));
        assert_eq!(parse_number("2.5").as_deref(), Some("2.5"));
        assert_eq!(parse_number("NaN"), None);
    }
}
