//! Excel number formats: a cell's value as the clerk saw it in Excel (`1,260.00`, `85%`,
//! `¥3,000.00`, `2026年12月1日`), so an imported table reads the same on the screen.
//!
//! Covers what village ledgers use: General, digit placeholders `0 # ?` with thousands
//! separators and decimals, percent, currency and other literals, sections for negatives
//! and zero, scientific notation and dates/times. Anything else falls back to General.
//! Pure functions; no I/O.

use jiff::civil::{Date, DateTime};

/// Formats a number with an Excel format code.
pub(crate) fn format_number(v: f64, code: &str) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let sections = split_sections(code);
    let (section, value, sign) = match sections.len() {
        _ if code.trim().is_empty() || code.eq_ignore_ascii_case("general") || code == "@" => return general(v),
        n if v < 0.0 && n >= 2 => (sections[1].as_str(), -v, ""),
        n if v == 0.0 && n >= 3 => (sections[2].as_str(), v, ""),
        _ => (sections[0].as_str(), v.abs(), if v < 0.0 { "-" } else { "" }),
    };
    if is_date_format(section) {
        return format_date(v, section).unwrap_or_else(|| general(v));
    }
    let Some(parts) = Parts::read(section) else { return general(v) };
    let mut value = value * if parts.percent { 100.0 } else { 1.0 } / 1000f64.powi(parts.scale as i32);
    let body = if !parts.number {
        String::new()
    } else if parts.scientific {
        scientific(value, parts.decimals)
    } else {
        if parts.general {
            return format!("{sign}{}{}{}", parts.prefix, general(value), parts.suffix);
        }
        value = round_to(value, parts.decimals);
        digits(value, &parts)
    };
    // A value that rounds to zero shows no minus sign, as in Excel.
    let sign = if body.chars().all(|c| matches!(c, '0' | '.' | ',' | ' ')) { "" } else { sign };
    format!("{sign}{}{body}{}", parts.prefix, parts.suffix)
}

/// Excel's General format: integers as they are up to 11 digits, other numbers to about ten
/// significant digits, very large or small ones in scientific notation.
pub(crate) fn general(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if v.fract() == 0.0 && a < 1e11 {
        return format!("{}", v as i64);
    }
    if !(1e-9..1e11).contains(&a) {
        let s = scientific(v.abs(), 5);
        let (m, e) = s.split_once('E').unwrap_or((&s, ""));
        let m = if m.contains('.') { m.trim_end_matches('0').trim_end_matches('.') } else { m };
        return format!("{}{m}E{e}", if v < 0.0 { "-" } else { "" });
    }
    let digits_before = (a.log10().floor() as i32 + 1).max(1);
    let decimals = (10 - digits_before).clamp(0, 10) as usize;
    let s = format!("{:.*}", decimals, v);
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

fn round_to(v: f64, decimals: usize) -> f64 {
    let p = 10f64.powi(decimals as i32);
    // Excel rounds half away from zero on the decimal digits it shows.
    (v * p + 1e-9_f64.copysign(v)).round() / p
}

fn scientific(v: f64, decimals: usize) -> String {
    let s = format!("{:.*e}", decimals, v);
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    format!("{m}E{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

/// Splits on `;` outside quotes and brackets.
fn split_sections(code: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let (mut quoted, mut bracket, mut escaped) = (false, false, false);
    for c in code.chars() {
        let cur = out.last_mut().expect("one section");
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                cur.push(c);
            }
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            '[' if !quoted => {
                bracket = true;
                cur.push(c);
            }
            ']' if !quoted => {
                bracket = false;
                cur.push(c);
            }
            ';' if !quoted && !bracket => out.push(String::new()),
            _ => cur.push(c),
        }
    }
    out
}

/// A number section taken apart: literals around one numeric pattern.
#[derive(Debug, Default)]
struct Parts {
    prefix: String,
    suffix: String,
    /// Placeholders before the decimal point, e.g. `#,##0`.
    int: String,
    decimals: usize,
    min_decimals: usize,
    percent: bool,
    scientific: bool,
    /// Trailing commas: the value is shown in thousands per comma.
    scale: usize,
    /// The section says `General` among literals (`"¥"General`).
    general: bool,
    /// Whether the section shows the number at all (`"-"` for zero does not).
    number: bool,
}

impl Parts {
    fn read(section: &str) -> Option<Parts> {
        let mut p = Parts::default();
        let chars: Vec<char> = section.chars().collect();
        let mut i = 0;
        let mut seen_number = false;
        let mut in_fraction = false;
        let mut after_number = false;
        let lit = |p: &mut Parts, s: &str, after: bool| if after { p.suffix.push_str(s) } else { p.prefix.push_str(s) };
        while i < chars.len() {
            let c = chars[i];
            match c {
                '"' => {
                    let end = chars[i + 1..].iter().position(|&c| c == '"').map_or(chars.len(), |e| i + 1 + e);
                    let s: String = chars[i + 1..end.min(chars.len())].iter().collect();
                    lit(&mut p, &s, seen_number);
                    i = end + 1;
                    continue;
                }
                '\\' => {
                    if let Some(n) = chars.get(i + 1) {
                        lit(&mut p, &n.to_string(), seen_number);
                    }
                    i += 2;
                    continue;
                }
                '_' => {
                    // Space the width of the next char (the parenthesis of accounting formats).
                    lit(&mut p, " ", seen_number);
                    i += 2;
                    continue;
                }
                '*' => {
                    i += 2;
                    continue;
                }
                '[' => {
                    let end = chars[i..].iter().position(|&c| c == ']').map_or(chars.len(), |e| i + e);
                    let inner: String = chars[i + 1..end.min(chars.len())].iter().collect();
                    // [$¥-804] is a currency symbol with a locale; [Red] and [>100] only colour or choose.
                    if let Some(cur) = inner.strip_prefix('$') {
                        lit(&mut p, cur.split('-').next().unwrap_or(""), seen_number);
                    }
                    i = end + 1;
                    continue;
                }
                '0' | '#' | '?' if !after_number => {
                    seen_number = true;
                    if in_fraction {
                        p.decimals += 1;
                        if c != '#' {
                            p.min_decimals += 1;
                        }
                    } else {
                        p.int.push(c);
                    }
                }
                '.' if seen_number && !in_fraction && !after_number => in_fraction = true,
                '.' if !seen_number && chars.get(i + 1).is_some_and(|n| matches!(n, '0' | '#' | '?')) => {
                    seen_number = true;
                    in_fraction = true;
                }
                ',' if seen_number && !in_fraction && !after_number => {
                    // A comma followed by more placeholders groups thousands; trailing ones scale.
                    if chars[i + 1..].iter().take_while(|c| **c != '.' && **c != ';').any(|c| matches!(c, '0' | '#' | '?')) {
                        p.int.push(',');
                    } else {
                        p.scale += 1;
                    }
                }
                'E' | 'e' if seen_number && matches!(chars.get(i + 1), Some('+' | '-')) => {
                    p.scientific = true;
                    after_number = true;
                    // Skip the sign and exponent digits.
                    i += 2;
                    while chars.get(i).is_some_and(|c| matches!(c, '0' | '#' | '?')) {
                        i += 1;
                    }
                    continue;
                }
                '%' => {
                    p.percent = true;
                    lit(&mut p, "%", seen_number);
                    if seen_number {
                        after_number = true;
                    }
                }
                _ if section[section.char_indices().nth(i).map_or(0, |(b, _)| b)..].to_ascii_lowercase().starts_with("general") => {
                    p.general = true;
                    seen_number = true;
                    after_number = true;
                    i += 7;
                    continue;
                }
                '/' if seen_number => return None,
                _ => {
                    if seen_number {
                        after_number = true;
                    }
                    lit(&mut p, &c.to_string(), seen_number);
                }
            }
            i += 1;
        }
        p.number = seen_number;
        Some(p)
    }
}

/// The digits of a rounded, non-negative value laid out by the placeholders.
fn digits(v: f64, p: &Parts) -> String {
    let s = format!("{:.*}", p.decimals, v);
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut frac = frac.to_string();
    while frac.len() > p.min_decimals && frac.ends_with('0') {
        frac.pop();
    }
    let min_int = p.int.chars().filter(|c| *c == '0').count();
    let mut int = int.trim_start_matches('0').to_string();
    while int.len() < min_int {
        int.insert(0, '0');
    }
    if p.int.contains(',') && int.len() > 3 {
        let bytes: Vec<char> = int.chars().collect();
        let mut g = String::new();
        for (k, c) in bytes.iter().enumerate() {
            if k > 0 && (bytes.len() - k).is_multiple_of(3) {
                g.push(',');
            }
            g.push(*c);
        }
        int = g;
    }
    if frac.is_empty() { if p.decimals > 0 && p.min_decimals == 0 && int.is_empty() { "0".into() } else { int } } else { format!("{int}.{frac}") }
}

/// Whether a section formats dates or times (y, m, d, h, s outside quotes and brackets).
fn is_date_format(section: &str) -> bool {
    let (mut quoted, mut bracket, mut escaped) = (false, false, false);
    for c in section.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' | '_' | '*' => escaped = true,
            '"' => quoted = !quoted,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            'y' | 'Y' | 'm' | 'M' | 'd' | 'D' | 'h' | 'H' | 's' | 'S' if !quoted && !bracket => return true,
            _ => {}
        }
    }
    false
}

/// An Excel serial date (1900 system, days since 1899-12-30) as a civil date-time.
pub(crate) fn serial_to_datetime(serial: f64) -> Option<DateTime> {
    if !(0.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let secs = ((serial - serial.floor()) * 86_400.0).round() as i64;
    let base = Date::new(1899, 12, 30).ok()?.to_datetime(jiff::civil::Time::midnight());
    base.checked_add(jiff::SignedDuration::from_secs(days * 86_400 + secs)).ok()
}

/// Formats a serial date with a date format code (`yyyy-mm-dd`, `yyyy"年"m"月"d"日"`, `h:mm`).
pub(crate) fn format_date(serial: f64, code: &str) -> Option<String> {
    let dt = serial_to_datetime(serial)?;
    let chars: Vec<char> = code.chars().collect();
    let ampm = code.to_ascii_uppercase().contains("AM/PM");
    let mut out = String::new();
    let mut i = 0;
    let mut last_was_hour = false;
    while i < chars.len() {
        let c = chars[i];
        let run = chars[i..].iter().take_while(|x| x.eq_ignore_ascii_case(&c)).count();
        match c.to_ascii_lowercase() {
            '"' => {
                let end = chars[i + 1..].iter().position(|&c| c == '"').map_or(chars.len(), |e| i + 1 + e);
                out.extend(&chars[i + 1..end.min(chars.len())]);
                i = end + 1;
                continue;
            }
            '\\' => {
                if let Some(n) = chars.get(i + 1) {
                    out.push(*n);
                }
                i += 2;
                continue;
            }
            '[' => {
                let end = chars[i..].iter().position(|&c| c == ']').map_or(chars.len(), |e| i + e);
                i = end + 1;
                continue;
            }
            'y' => {
                let y = dt.year();
                out.push_str(&if run <= 2 { format!("{:02}", y % 100) } else { y.to_string() });
                last_was_hour = false;
            }
            'm' => {
                // `m` after an hour (or before seconds) is minutes; otherwise it is the month.
                let next_is_sec = chars[i + run..].iter().find(|c| c.is_ascii_alphabetic()).is_some_and(|c| c.eq_ignore_ascii_case(&'s'));
                if last_was_hour || next_is_sec {
                    out.push_str(&pad(dt.minute() as i64, run));
                } else {
                    match run {
                        1 | 2 => out.push_str(&pad(dt.month() as i64, run)),
                        _ => out.push_str(&dt.month().to_string()),
                    }
                }
                last_was_hour = false;
            }
            'd' => {
                out.push_str(&pad(dt.day() as i64, run.min(2)));
                last_was_hour = false;
            }
            'h' => {
                let h = dt.hour() as i64;
                let h = if ampm { (h + 11) % 12 + 1 } else { h };
                out.push_str(&pad(h, run));
                last_was_hour = true;
            }
            's' => {
                out.push_str(&pad(dt.second() as i64, run));
                last_was_hour = false;
            }
            'a' if code[code.char_indices().nth(i).map_or(0, |(b, _)| b)..].to_ascii_uppercase().starts_with("AM/PM") => {
                out.push_str(if dt.hour() < 12 { "AM" } else { "PM" });
                i += 5;
                continue;
            }
            _ => {
                out.push(c);
                i += 1;
                continue;
            }
        }
        i += run;
    }
    Some(out)
}

fn pad(v: i64, width: usize) -> String {
    if width >= 2 { format!("{v:02}") } else { v.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(v: f64, code: &str, want: &str) {
        assert_eq!(format_number(v, code), want, "{v} with {code:?}");
    }

    #[test]
    fn amounts_keep_thousands_separators_and_decimals() {
        check(1260.0, "#,##0.00", "1,260.00");
        check(1260.5, "#,##0.00", "1,260.50");
        check(1234567.891, "#,##0.00", "1,234,567.89");
        check(980.0, "#,##0.00", "980.00");
        check(0.5, "#,##0.00", "0.50");
        check(1260.0, "0.00", "1260.00");
        check(1260.0, "#,##0", "1,260");
        check(1260.456, "0.0#", "1260.46");
        check(1260.4, "0.0#", "1260.4");
        check(7.0, "000", "007");
        check(2.675, "0.00", "2.68");
    }

    #[test]
    fn currency_percent_sections_and_literals() {
        check(3000.0, "\"¥\"#,##0.00", "¥3,000.00");
        check(3000.0, "[$¥-804]#,##0.00", "¥3,000.00");
        check(-3000.0, "#,##0.00;[Red]-#,##0.00", "-3,000.00");
        check(-3000.0, "#,##0.00;(#,##0.00)", "(3,000.00)");
        check(-3000.0, "#,##0.00", "-3,000.00");
        check(0.0, "#,##0.00;-#,##0.00;\"-\"", "-");
        check(0.853, "0%", "85%");
        check(0.8537, "0.0%", "85.4%");
        check(12.0, "0\"人\"", "12人");
        check(1500.0, "#,##0.00_);(#,##0.00)", "1,500.00 ");
        check(1234567.0, "#,##0,", "1,235");
        check(-0.001, "0.00", "0.00");
    }

    #[test]
    fn general_and_scientific_look_as_in_excel() {
        check(1260.0, "General", "1260");
        check(0.1 + 0.2, "General", "0.3");
        check(1.2345678901234, "General", "1.23456789");
        check(110105194912310000.0, "General", "1.10105E+17");
        check(12345.0, "0.00E+00", "1.23E+04");
        check(1260.0, "@", "1260");
    }

    #[test]
    fn dates_in_chinese_and_iso_forms() {
        // 46357 is 2026-12-01 in Excel's 1900 date system.
        assert_eq!(format_date(46357.0, "yyyy-mm-dd").as_deref(), Some("2026-12-01"));
        assert_eq!(format_date(46357.0, "yyyy\"年\"m\"月\"d\"日\"").as_deref(), Some("2026年12月1日"));
        assert_eq!(format_date(46357.75, "yyyy/m/d h:mm").as_deref(), Some("2026/12/1 18:00"));
        assert_eq!(format_date(46357.75, "h:mm AM/PM").as_deref(), Some("6:00 PM"));
        assert_eq!(format_number(46357.0, "yyyy-mm-dd"), "2026-12-01");
    }
}
