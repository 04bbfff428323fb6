//! Numbers and text for people and for files: rounding, thousands separators, escaping for HTML, SVG and
//! Markdown table cells.
//!
//! Every writer (reports, maps, comparisons, the terminal) formats through here, so a figure reads the same
//! in report.md, report.html, the map's legend and the terminal.

/// Rounds to `d` decimals (for stable, readable output); never returns `-0`.
pub fn round(v: f64, d: i32) -> f64 {
    let m = 10f64.powi(d);
    let r = (v * m).round() / m;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// Formats a float with at most `decimals` decimals, trimming trailing zeros (`-0` becomes `0`). Plain
/// digits, no separators: the form CSV files and plan.json use.
pub(crate) fn fmt_num(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// [`fmt_num`], or an empty string for a missing value (a blank CSV cell).
pub(crate) fn fmt_opt(v: Option<f64>, decimals: usize) -> String {
    v.map(|v| fmt_num(v, decimals)).unwrap_or_default()
}

/// [`fmt_num`], or `n/a` for a missing value (for people).
pub(crate) fn or_na(v: Option<f64>, decimals: usize) -> String {
    v.map(|v| fmt_num(v, decimals))
        .unwrap_or_else(|| "n/a".into())
}

/// A whole number with thousands separators (for people; CSV files get plain numbers).
pub fn thousands(v: f64) -> String {
    let n = v.round() as i64;
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A number for people: thousands separators and at most `d` decimals.
pub(crate) fn human(v: f64, d: usize) -> String {
    let s = fmt_num(v, d);
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let int = thousands(int.parse::<f64>().unwrap_or(0.0));
    // thousands() rounds, so keep the sign of values such as -0.4 that have an integer part of "-0".
    let sign = if int == "0" && s.starts_with('-') {
        "-"
    } else {
        ""
    };
    match frac {
        Some(f) => format!("{sign}{int}.{f}"),
        None => format!("{sign}{int}"),
    }
}

/// A percentage with its sign: `+3.2%`, `-1%`, `0%`.
pub(crate) fn signed_pct(v: f64) -> String {
    format!("{}{}%", if v > 0.0 { "+" } else { "" }, fmt_num(v, 1))
}

/// US dollars with thousands separators: `$1,234,000`.
pub(crate) fn money(v: f64) -> String {
    format!("${}", thousands(v))
}

/// A column-name form of a title: lower case, words joined by `_`.
pub(crate) fn slug(title: &str) -> String {
    title
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// Escapes text for HTML and SVG (element content and quoted attributes). Characters XML cannot hold at
/// all (control characters other than tab, line feed and carriage return; U+FFFE, U+FFFF) become U+FFFD,
/// so that a stray byte in a school name cannot make the map unreadable.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            c if not_in_xml(c) => out.push('\u{FFFD}'),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Whether XML 1.0 forbids `c` in a document (so SVG and HTML renderers reject or mangle it).
fn not_in_xml(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{7F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// A control character that has no place in a name: any but tab.
pub(crate) fn is_stray_control(c: char) -> bool {
    c.is_control() && c != '\t'
}

/// Control characters shown for a message: `\u{1b}` for ESC, and so on.
pub(crate) fn escape_control(s: &str) -> String {
    s.chars()
        .map(|c| {
            if is_stray_control(c) {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Escapes a Markdown table cell (a `|` would end the cell; a line break or control character would break
/// the table).
pub(crate) fn md_cell(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '|' => "\\|".to_string(),
            c if c.is_control() => " ".to_string(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_xml_or_tables() {
        let name = "A\u{b}B\u{1b}C\u{0}D\te|f";
        let html = escape_html(name);
        assert_eq!(html, "A\u{FFFD}B\u{FFFD}C\u{FFFD}D\te|f");
        assert_eq!(md_cell(name), "A B C D e\\|f");
        assert_eq!(escape_control("a\u{1b}b"), "a\\u{1b}b");
    }

    #[test]
    fn human_numbers() {
        assert_eq!(human(15493.0, 0), "15,493");
        assert_eq!(human(1234567.26, 1), "1,234,567.3");
        assert_eq!(human(-12.5, 1), "-12.5");
        assert_eq!(human(-0.4, 1), "-0.4");
        assert_eq!(human(-1234.0, 0), "-1,234");
    }

    #[test]
    fn plain_numbers_trim_zeros_and_never_show_minus_zero() {
        assert_eq!(fmt_num(2.50, 2), "2.5");
        assert_eq!(fmt_num(-0.001, 1), "0");
        assert_eq!(fmt_num(3.0, 0), "3");
        assert_eq!(round(-0.0001, 2), 0.0);
        assert!(round(-0.0001, 2).is_sign_positive());
        assert_eq!(thousands(-1234567.0), "-1,234,567");
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape_html("a<b & \"c\"'"),
            "a&lt;b &amp; &quot;c&quot;&#39;"
        );
        assert_eq!(md_cell("a|b"), "a\\|b");
        assert_eq!(
            slug("Deputy director, and lead"),
            "deputy_director_and_lead"
        );
    }
}
