//! The selection language of `[affiliation.*] select`: conditions on the school table's columns, such as
//! `ela_level = 1` or `model != charter`. Parsed when the scenario is read, so a bad condition is an error
//! on the scenario's line; evaluated by `affiliations`.

use std::cmp::Ordering;

/// A comparison in a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// One condition of a selection rule: `column op value`, e.g. `ela_level = 1` or `model != charter`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    pub column: String,
    pub op: Op,
    pub value: String,
}

/// The derived column `dfs`: the average of a school's ELA and math distance from standard.
pub(crate) const DFS_COLUMN: &str = "dfs";

impl Condition {
    /// Parses `column op value` (op: `= != < <= > >=`; `==` is read as `=`; quotes around the value are
    /// dropped).
    pub fn parse(text: &str) -> std::result::Result<Condition, String> {
        let at = text
            .find(['<', '>', '=', '!'])
            .ok_or("no comparison (one of = != < <= > >=)")?;
        let rest = &text[at..];
        let (op, len) = match rest.as_bytes() {
            [b'<', b'=', ..] => (Op::Le, 2),
            [b'>', b'=', ..] => (Op::Ge, 2),
            [b'!', b'=', ..] => (Op::Ne, 2),
            [b'=', b'=', ..] => (Op::Eq, 2),
            [b'=', ..] => (Op::Eq, 1),
            [b'<', ..] => (Op::Lt, 1),
            [b'>', ..] => (Op::Gt, 1),
            _ => return Err("\"!\" must be followed by \"=\"".into()),
        };
        let column = text[..at].trim().to_string();
        let value = rest[len..]
            .trim()
            .trim_matches(['"', '\''])
            .trim()
            .to_string();
        if column.is_empty() {
            return Err("no column name before the comparison".into());
        }
        if value.is_empty() {
            return Err("no value after the comparison".into());
        }
        if value.starts_with(['<', '>', '=', '!']) {
            return Err(format!("\"{value}\" is not a value"));
        }
        Ok(Condition { column, op, value })
    }

    /// Whether a school's value meets the condition. Blank never matches; two numbers compare as numbers,
    /// anything else as text (ignoring case), where only `=` and `!=` can hold.
    pub fn matches(&self, value: &str) -> bool {
        let value = value.trim();
        if value.is_empty() {
            return false;
        }
        let order = match (value.parse::<f64>(), self.value.parse::<f64>()) {
            (Ok(a), Ok(b)) => a.partial_cmp(&b),
            _ if value.eq_ignore_ascii_case(&self.value) => Some(Ordering::Equal),
            _ => {
                return self.op == Op::Ne;
            }
        };
        let Some(o) = order else { return false };
        match self.op {
            Op::Eq => o == Ordering::Equal,
            Op::Ne => o != Ordering::Equal,
            Op::Lt => o == Ordering::Less,
            Op::Le => o != Ordering::Greater,
            Op::Gt => o == Ordering::Greater,
            Op::Ge => o != Ordering::Less,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_parse_and_match() {
        let c = Condition::parse("ela_level <= 1").unwrap();
        assert_eq!(
            (c.column.as_str(), c.op, c.value.as_str()),
            ("ela_level", Op::Le, "1")
        );
        assert!(c.matches("1") && c.matches("0.5") && !c.matches("2") && !c.matches(""));
        let c = Condition::parse("model != \"independent charter\"").unwrap();
        assert!(c.matches("traditional") && !c.matches("Independent Charter"));
        assert!(Condition::parse("csi == yes").unwrap().matches("YES"));
        assert!(!Condition::parse("level > 3").unwrap().matches("high"));
        for bad in ["ela_level", "= 1", "ela_level =", "a ! 1", "a <= >= 1"] {
            assert!(Condition::parse(bad).is_err(), "{bad}");
        }
    }
}
