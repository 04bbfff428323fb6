//! Errors, and the exit code each class of error maps to.
//!
//! Every error a user can cause says *where* (file, row, column), *what* is wrong and *how to fix it*.
//! The class decides the process exit code, so scripts can tell a typo in a command from a bad table
//! from a scenario that cannot be satisfied.

use std::fmt;
use std::path::Path;

/// Process exit codes. Documented in the README; never renumber them.
pub mod exit {
    /// Everything worked (for `plan`: every hard constraint holds).
    pub const OK: i32 = 0;
    /// `plan --best-effort` wrote a plan, but some hard constraints do not hold.
    pub const CONSTRAINTS_VIOLATED: i32 = 1;
    /// The command line is wrong (unknown option, bad value). clap uses 2 as well.
    pub const USAGE: i32 = 2;
    /// An input file (school table, scenario, outline, plan) is missing or malformed.
    pub(crate) const INPUT: i32 = 3;
    /// The scenario's constraints cannot all hold on this table.
    pub(crate) const INFEASIBLE: i32 = 4;
    /// An output could not be written (permissions, disk full, would overwrite an input).
    pub(crate) const OUTPUT: i32 = 5;
    /// A bug in schoolnets. Please report it.
    pub const INTERNAL: i32 = 70;
}

/// One problem found in an input file, located as precisely as we can.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// File the problem is in, as the user named it.
    pub file: String,
    /// 1-based line in the file as a text editor or spreadsheet shows it (header = line 1).
    pub line: Option<u64>,
    /// Column or field name.
    pub field: Option<String>,
    /// What is wrong.
    pub what: String,
    /// How to fix it.
    pub fix: String,
}

/// The most characters of one part of a message (what, fix, a field's name, a command-line message) the
/// terminal is given: a message echoes what it read (an id, a label, a model name), and a 20 MB label must
/// not become 20 MB of error. Longer parts keep their start and end ([`crate::text::clip`]).
const MAX_SHOWN_CHARS: usize = 2_000;

/// A field's name, shown: a key or column is short.
const MAX_FIELD_CHARS: usize = 200;

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::text::clip;
        write!(f, "{}", clip(&self.file, MAX_SHOWN_CHARS))?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(field) = &self.field {
            write!(
                f,
                ", {} '{}'",
                field_noun(&self.file),
                clip(field, MAX_FIELD_CHARS)
            )?;
        }
        write!(f, ": {}", clip(&self.what, MAX_SHOWN_CHARS))?;
        if !self.fix.is_empty() {
            write!(f, "\n    fix: {}", clip(&self.fix, MAX_SHOWN_CHARS))?;
        }
        Ok(())
    }
}

/// What a field is called in a file of this kind: a key in TOML and JSON, a column in a table.
fn field_noun(file: &str) -> &'static str {
    let file = file.to_ascii_lowercase();
    if [".toml", ".json", ".geojson"]
        .iter()
        .any(|ext| file.contains(ext))
    {
        "key"
    } else {
        "column"
    }
}

/// Every error schoolnets reports.
#[derive(Debug)]
pub enum Error {
    /// The command line asks for something impossible or contradictory.
    Usage(String),
    /// One or more problems in input files.
    Input(Vec<Problem>),
    /// The constraints cannot all hold: the proofs, or the rules the best plan breaks, as data.
    Infeasible(Box<Infeasible>),
    /// Writing an output failed.
    Output(String),
    /// A bug.
    Internal(String),
}

/// How many problems to print before summarising the rest.
const MAX_PROBLEMS_SHOWN: usize = 25;

impl Error {
    /// A single located input problem.
    pub fn input(
        file: impl Into<String>,
        line: Option<u64>,
        field: Option<&str>,
        what: impl Into<String>,
        fix: impl Into<String>,
    ) -> Error {
        Error::Input(vec![Problem {
            file: file.into(),
            line,
            field: field.map(str::to_string),
            what: what.into(),
            fix: fix.into(),
        }])
    }

    /// An input file that could not be opened or read.
    pub(crate) fn unreadable(path: &Path, err: std::io::Error) -> Error {
        let fix = match err.kind() {
            std::io::ErrorKind::NotFound => {
                "check the path; relative paths start from the current folder"
            }
            std::io::ErrorKind::PermissionDenied => {
                "make the file readable (or copy it somewhere you can read)"
            }
            _ => "check that the file exists and is readable",
        };
        Error::input(
            path.display().to_string(),
            None,
            None,
            format!("cannot read: {err}"),
            fix,
        )
    }

    /// The exit code for this error's class (see [`exit`]).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => exit::USAGE,
            Error::Input(_) => exit::INPUT,
            Error::Infeasible(_) => exit::INFEASIBLE,
            Error::Output(_) => exit::OUTPUT,
            Error::Internal(_) => exit::INTERNAL,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::text::clip;
        match self {
            Error::Usage(msg) => write!(f, "usage error: {}", clip(msg, MAX_SHOWN_CHARS)),
            Error::Input(problems) => {
                let n = problems.len();
                if n == 1 {
                    write!(f, "input error: {}", problems[0])
                } else {
                    write!(f, "{n} input errors:")?;
                    for p in problems.iter().take(MAX_PROBLEMS_SHOWN) {
                        write!(f, "\n  {p}")?;
                    }
                    if n > MAX_PROBLEMS_SHOWN {
                        write!(f, "\n  ... and {} more", n - MAX_PROBLEMS_SHOWN)?;
                    }
                    Ok(())
                }
            }
            Error::Infeasible(why) => write!(f, "the scenario cannot be satisfied:\n{why}"),
            Error::Output(msg) => write!(f, "output error: {}", clip(msg, MAX_SHOWN_CHARS)),
            Error::Internal(msg) => write!(
                f,
                "internal error (a bug in schoolnets; please report it with the command you ran): {}",
                clip(msg, MAX_SHOWN_CHARS)
            ),
        }
    }
}

impl std::error::Error for Error {}

/// Why a scenario's rules cannot all hold on a table, as data: proofs found before any search, or the
/// rules the best plan found breaks. Commands and tests read the fields; [`fmt::Display`] turns them into
/// the prose the terminal shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Infeasible {
    /// Which plan, when a command makes several (`briefing`): "the feeder plan".
    pub plan: Option<String>,
    /// Arithmetic that no plan can beat, found before searching.
    pub proofs: Vec<Proof>,
    /// The rules the best plan found breaks.
    pub broken: Vec<Broken>,
    /// How that plan was found ("the best plan found after 3 restarts").
    pub searched: String,
    /// What to try next, one suggestion a line.
    pub hints: Vec<String>,
}

/// One proof that a rule cannot hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Proof {
    /// The rule it concerns: a key of plan.json's `constraints` ("schools_per_network", "pins").
    pub rule: String,
    /// The scenario keys involved ("networks", "size.min_schools").
    pub settings: Vec<String>,
    /// What the rule needs and what the table has, in the same unit.
    pub need: Amount,
    pub have: Amount,
    /// The arithmetic, for people.
    pub reason: String,
    /// The nearest settings that pass this check.
    pub nearest: Vec<Setting>,
}

/// A quantity with its unit ("640 schools").
#[derive(Debug, Clone, PartialEq)]
pub struct Amount {
    pub value: f64,
    pub unit: String,
}

impl Amount {
    pub fn new(value: f64, unit: impl Into<String>) -> Amount {
        Amount {
            value,
            unit: unit.into(),
        }
    }
}

/// A setting that would make a check pass: `key = value (note)`; a `key` of "" is a change of another kind
/// (the table's campuses), said in `value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub key: String,
    pub value: String,
    pub note: String,
}

impl Setting {
    pub fn new(
        key: impl Into<String>,
        value: impl Into<String>,
        note: impl Into<String>,
    ) -> Setting {
        Setting {
            key: key.into(),
            value: value.into(),
            note: note.into(),
        }
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}", self.value)?;
        } else {
            write!(f, "{} = {}", self.key, self.value)?;
        }
        if !self.note.is_empty() {
            write!(f, " ({})", self.note)?;
        }
        Ok(())
    }
}

/// A rule the best plan found breaks: what plan.json's `constraints` says of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Broken {
    pub rule: String,
    /// The rule in words, with its numbers.
    pub text: String,
    pub observed: String,
    pub margin: f64,
    pub unit: String,
    pub binding: crate::text::Binding,
    /// The networks (or regions) that break it.
    pub networks: Vec<String>,
}

impl Infeasible {
    /// The rule keys involved, proofs first, each once (for tables such as frontier.csv).
    pub fn rules(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in self
            .proofs
            .iter()
            .map(|p| p.rule.as_str())
            .chain(self.broken.iter().map(|b| b.rule.as_str()))
        {
            if !out.contains(&r) {
                out.push(r);
            }
        }
        out
    }
}

impl fmt::Display for Infeasible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut lines: Vec<String> = Vec::new();
        if let Some(plan) = &self.plan {
            lines.push(format!("{plan}:"));
        }
        for p in &self.proofs {
            let mut line = format!("- {}: {}", p.settings.join(", "), p.reason);
            match p.nearest.len() {
                0 => {}
                1 => line.push_str(&format!(" Nearest setting that works: {}.", p.nearest[0])),
                _ => line.push_str(&format!(
                    " Nearest settings that work: {}.",
                    p.nearest
                        .iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>()
                        .join(", or ")
                )),
            }
            lines.push(line);
        }
        for b in &self.broken {
            let mut detail = crate::text::margin_words(b.margin, false, b.binding, &b.unit);
            if !b.networks.is_empty() {
                detail.push_str(&format!("; networks {}", b.networks.join(", ")));
            }
            lines.push(format!(
                "- {}: {} breaks \"{}\": {} ({detail}).",
                b.rule, self.searched, b.text, b.observed
            ));
        }
        lines.extend(self.hints.iter().map(|h| format!("  {h}")));
        let lines: Vec<_> = lines
            .iter()
            .map(|l| crate::text::clip(l, MAX_SHOWN_CHARS))
            .collect();
        write!(f, "{}", lines.join("\n"))
    }
}

/// Result type used throughout the crate.
pub type Result<T> = std::result::Result<T, Error>;
