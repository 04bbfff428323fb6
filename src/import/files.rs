//! Where `import cde` reads the CDE files from: a folder the planner downloaded (`--cde-dir`), or the
//! state-wide files built into the binary (`data/cde/`, gzip-compressed), so any California district
//! imports on a fresh clone with no download.

use crate::error::{Error, Result};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The state files compiled in: the upstream bytes, `gzip -9 -n` (provenance: `data/cde/README.md`).
const BUILT_IN: &[(&str, &[u8])] = &[
    (
        "pubschls.txt",
        include_bytes!("../../data/cde/pubschls.txt.gz"),
    ),
    (
        "frpm1617.csv",
        include_bytes!("../../data/cde/frpm1617.csv.gz"),
    ),
    (
        "frpm1718.csv",
        include_bytes!("../../data/cde/frpm1718.csv.gz"),
    ),
    (
        "frpm1819.csv",
        include_bytes!("../../data/cde/frpm1819.csv.gz"),
    ),
    (
        "frpm1920.csv",
        include_bytes!("../../data/cde/frpm1920.csv.gz"),
    ),
    (
        "frpm2021.csv",
        include_bytes!("../../data/cde/frpm2021.csv.gz"),
    ),
    (
        "english_2018_academic_indicator.csv",
        include_bytes!("../../data/cde/english_2018_academic_indicator.csv.gz"),
    ),
    (
        "math_2018_academic_indicator.csv",
        include_bytes!("../../data/cde/math_2018_academic_indicator.csv.gz"),
    ),
    (
        "demographics.csv",
        include_bytes!("../../data/cde/demographics.csv.gz"),
    ),
    (
        super::outline::OUTLINES_FILE,
        include_bytes!("../../data/cde/ca_districts_2012.topojson.gz"),
    ),
];

/// How the built-in files are named in messages.
pub const BUILT_IN_NAME: &str = "the built-in state files (data/cde/, CDE 2016-17 to 2020-21)";

/// A set of CDE files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CdeFiles {
    /// Files in a folder, named as the CDE publishes them.
    Folder(PathBuf),
    /// The state files compiled into the binary.
    BuiltIn,
}

impl CdeFiles {
    /// `--cde-dir` when given, else the built-in files.
    pub fn from_option(dir: Option<&Path>) -> CdeFiles {
        dir.map_or(CdeFiles::BuiltIn, |d| CdeFiles::Folder(d.to_path_buf()))
    }

    /// The folder, when the files are in one.
    pub fn folder(&self) -> Option<&Path> {
        match self {
            CdeFiles::Folder(d) => Some(d),
            CdeFiles::BuiltIn => None,
        }
    }

    /// The set, for a message.
    pub fn describe(&self) -> String {
        match self {
            CdeFiles::Folder(d) => format!("the CDE files in {}", d.display()),
            CdeFiles::BuiltIn => BUILT_IN_NAME.to_string(),
        }
    }

    /// One file's name in messages: its path, or `data/cde/NAME (built in)`.
    pub fn name(&self, file: &str) -> String {
        match self {
            CdeFiles::Folder(d) => d.join(file).display().to_string(),
            CdeFiles::BuiltIn => format!("data/cde/{file} (built in)"),
        }
    }

    /// Whether the set holds a file.
    pub fn has(&self, file: &str) -> bool {
        match self {
            CdeFiles::Folder(d) => d.join(file).is_file(),
            CdeFiles::BuiltIn => BUILT_IN.iter().any(|(n, _)| *n == file),
        }
    }

    /// The FRPM files of the set (`frpm*.csv`), by name.
    pub fn frpm_files(&self) -> Result<Vec<String>> {
        let mut out: Vec<String> = match self {
            CdeFiles::Folder(d) => std::fs::read_dir(d)
                .map_err(|e| Error::unreadable(d, e))?
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .collect(),
            CdeFiles::BuiltIn => BUILT_IN.iter().map(|(n, _)| n.to_string()).collect(),
        };
        out.retain(|n| n.starts_with("frpm") && n.ends_with(".csv"));
        out.sort();
        Ok(out)
    }

    /// One file as text: UTF-8 when valid, otherwise Latin-1 (CDE files have used both).
    pub fn read_text(&self, file: &str) -> Result<String> {
        match self {
            CdeFiles::Folder(d) => super::read_text(&d.join(file)),
            CdeFiles::BuiltIn => {
                let (_, gz) = BUILT_IN.iter().find(|(n, _)| *n == file).ok_or_else(|| {
                    Error::input(
                        self.name(file),
                        None,
                        None,
                        "not among the built-in CDE files",
                        format!(
                            "the built-in files are {}; give a folder holding this file with --cde-dir",
                            BUILT_IN.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                        ),
                    )
                })?;
                let mut bytes = Vec::new();
                flate2::read::GzDecoder::new(*gz)
                    .read_to_end(&mut bytes)
                    .map_err(|e| {
                        Error::Internal(format!("built-in {file} does not unpack: {e}"))
                    })?;
                Ok(decode(bytes))
            }
        }
    }
}

/// Text from bytes already checked not to be UTF-16 or UTF-32: UTF-8 when valid, otherwise Latin-1.
pub(super) fn decode(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => e.into_bytes().iter().map(|&b| b as char).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_file_unpacks_with_its_header() {
        let files = CdeFiles::BuiltIn;
        for (name, _) in BUILT_IN {
            let text = files.read_text(name).unwrap();
            assert!(text.len() > 100_000, "{name}");
        }
        assert_eq!(
            files.frpm_files().unwrap(),
            [
                "frpm1617.csv",
                "frpm1718.csv",
                "frpm1819.csv",
                "frpm1920.csv",
                "frpm2021.csv"
            ]
        );
        assert!(files.read_text("nope.csv").is_err());
    }
}
