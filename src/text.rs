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

/// Which way a rule's margin points, so its words go the right way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Binding {
    /// Not known (a check read back from a file that does not say): "broken by 2 schools".
    #[default]
    Unknown,
    /// A floor binds: a broken rule is short ("short by 2 schools").
    Floor,
    /// A ceiling binds: a broken rule is over ("over by 886 students").
    Ceiling,
    /// The rule counts things that break it (networks in pieces, campuses split): the phrase says what
    /// each one is ("not in one piece").
    Count(&'static str),
}

/// A rule's margin in words, in the right direction and number: "4 schools to spare", "at the limit",
/// "short by 2 schools", "over by 886 students", "1 network not in one piece". `unit` is the plural
/// ("schools"); the singular is made from it when the number is 1.
pub fn margin_words(margin: f64, holds: bool, binding: Binding, unit: &str) -> String {
    let amount = |v: f64| {
        let v = v.abs();
        let shown = if (v - v.round()).abs() < 1e-9 {
            human(v, 0)
        } else {
            human(v, 1)
        };
        let unit = if shown == "1" {
            singular(unit)
        } else {
            unit.to_string()
        };
        if unit.is_empty() {
            shown
        } else {
            format!("{shown} {unit}")
        }
    };
    match binding {
        Binding::Count(what) if holds => format!("none {what}"),
        Binding::Count(what) => format!("{} {what}", amount(margin)),
        _ if holds && margin.abs() < 1e-9 => "at the limit".into(),
        _ if holds => format!("{} to spare", amount(margin)),
        Binding::Unknown => format!("broken by {}", amount(margin)),
        Binding::Floor => format!("short by {}", amount(margin)),
        Binding::Ceiling => format!("over by {}", amount(margin)),
    }
}

/// A count with its noun in the right number: `count(1, "high schools")` → "1 high school",
/// `count(1200, "schools")` → "1,200 schools". `plural` is the noun's plural; the singular comes from
/// [`singular`].
pub fn count(n: impl Into<f64>, plural: &str) -> String {
    let n = n.into();
    if n == 1.0 {
        format!("1 {}", singular(plural))
    } else {
        format!("{} {plural}", thousands(n))
    }
}

/// The singular of a unit of count: "schools" → "school", "campuses" → "campus", "percentage points" →
/// "percentage point", "magnet schools" → "magnet school".
pub fn singular(unit: &str) -> String {
    if let Some(stem) = unit.strip_suffix("uses") {
        format!("{stem}us")
    } else if let Some(stem) = unit.strip_suffix('s') {
        stem.to_string()
    } else {
        unit.to_string()
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

/// Items in a sentence: "a", "a and b", "a, b and c".
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The first `shown` items, then how many more: "a, b, c and 4,206 more" (a list that can run to
/// thousands, such as a county layer's barriers).
pub fn first_of(items: &[impl AsRef<str>], shown: usize) -> String {
    let mut out = items
        .iter()
        .take(shown)
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > shown {
        out.push_str(&format!(
            " and {} more",
            thousands((items.len() - shown) as f64)
        ));
    }
    out
}

/// A number as a person wrote it, for echoing input back in an error: as is when it reads well, in
/// scientific notation when it is huge or tiny (`1e308`, not 309 digits), and `not a number` or `infinite`
/// for what is not one.
pub fn echo(v: f64) -> String {
    if v.is_nan() {
        "not a number".into()
    } else if v.is_infinite() {
        "infinite".into()
    } else if v != 0.0 && !(1e-4..1e9).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// `s` when it has at most `max` characters; otherwise its start and end with how much was left out
/// between them ("abc… [19,999,940 characters left out] …xyz"), so a message that echoes a huge value
/// stays readable and its words after the value stay in it.
pub fn clip(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    let n = s.chars().count();
    if n <= max {
        return std::borrow::Cow::Borrowed(s);
    }
    let head = max * 3 / 4;
    let tail = max / 4;
    let start: String = s.chars().take(head).collect();
    let end: String = s.chars().skip(n - tail).collect();
    std::borrow::Cow::Owned(format!(
        "{start}… [{} characters left out] …{end}",
        thousands_exact((n - head - tail) as i64)
    ))
}

/// A position as a person wrote it, each number [`echo`]ed: `(34.05, -118.25)`, `(1e-320, -118.25)`.
pub fn echo_position(a: f64, b: f64) -> String {
    format!("({}, {})", echo(a), echo(b))
}

/// A whole number with thousands separators (for people; CSV files get plain numbers). A number too
/// large to be a count of anything ([`echo`]'s form) or none at all is shown as [`echo`] shows it, never
/// as a saturated 9,223,372,036,854,775,807.
pub fn thousands(v: f64) -> String {
    if !v.is_finite() || v.abs() >= 1e18 {
        return echo(v);
    }
    thousands_exact(v.round() as i64)
}

/// [`thousands`] of an integer, every digit kept (a TOML integer as written).
pub fn thousands_exact(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
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
    #[test]
    fn echoed_numbers_read_well_at_any_size() {
        use super::echo;
        assert_eq!(echo(1e308), "1e308");
        assert_eq!(echo(-2.5e-9), "-2.5e-9");
        assert_eq!(echo(34.05), "34.05");
        assert_eq!(echo(0.0), "0");
        assert_eq!(echo(f64::NAN), "not a number");
        assert_eq!(echo(f64::INFINITY), "infinite");
        assert_eq!(echo(1e-320), "1e-320");
        assert_eq!(echo_position(-1e308, 34.05), "(-1e308, 34.05)");
    }

    #[test]
    fn margins_read_in_the_right_direction_and_number() {
        use super::{margin_words, Binding};
        assert_eq!(
            margin_words(-886.0, false, Binding::Ceiling, "students"),
            "over by 886 students"
        );
        assert_eq!(
            margin_words(-2.0, false, Binding::Floor, "schools"),
            "short by 2 schools"
        );
        assert_eq!(
            margin_words(0.0, true, Binding::Floor, "schools"),
            "at the limit"
        );
        assert_eq!(
            margin_words(4.0, true, Binding::Ceiling, "networks"),
            "4 networks to spare"
        );
        assert_eq!(
            margin_words(1.0, true, Binding::Floor, "magnet schools"),
            "1 magnet school to spare"
        );
        assert_eq!(
            margin_words(-1.0, false, Binding::Count("not in one piece"), "networks"),
            "1 network not in one piece"
        );
        assert_eq!(
            margin_words(-3.0, false, Binding::Count("split"), "campuses"),
            "3 campuses split"
        );
        assert_eq!(
            margin_words(0.0, true, Binding::Count("split"), "campuses"),
            "none split"
        );
        assert_eq!(
            margin_words(-1.25, false, Binding::Ceiling, "percentage points"),
            "over by 1.2 percentage points"
        );
        assert_eq!(
            margin_words(-12345.0, false, Binding::Floor, "students"),
            "short by 12,345 students"
        );
    }

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
    fn long_text_is_clipped_keeping_its_ends() {
        assert_eq!(clip("short", 10), "short");
        let long = format!("'{}' is not a model", "x".repeat(1_000_000));
        let shown = clip(&long, 100);
        assert!(
            shown.starts_with("'xxx") && shown.ends_with("x' is not a model"),
            "{shown}"
        );
        assert!(shown.contains("[999,917 characters left out]"), "{shown}");
        assert!(shown.chars().count() < 160);
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
        assert_eq!(thousands(1e300), "1e300");
        assert_eq!(thousands(f64::INFINITY), "infinite");
        assert_eq!(thousands_exact(i64::MIN), "-9,223,372,036,854,775,808");
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
