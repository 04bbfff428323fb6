//! Size limits on input files, so that a wrong or hostile file is refused with a clear error instead of
//! exhausting memory.
//!
//! The limits are far above any real district or state (California's ~10,000 schools make a 2 MB table and
//! a 4 MB plan.json) and low enough that a run on the largest accepted input stays within a few GB. Every
//! reader of a user's file goes through here; the limits are listed in the README.

use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

/// Most schools (rows) a table may hold: the largest instance the benchmarks plan (100,000 schools into
/// 3,200 networks, ten times California; BENCHMARKS.md, Scale). Larger tables are refused at once rather
/// than left to run for minutes.
pub(crate) const MAX_TABLE_ROWS: usize = 100_000;

/// Most networks a plan may have: above the 3,200 of the largest benchmarked instance.
pub const MAX_NETWORKS: usize = 4_000;

/// Largest school table file.
pub const MAX_TABLE_BYTES: u64 = 128 << 20;

/// Longest line of a school table (a row is a few hundred bytes).
pub(crate) const MAX_LINE_BYTES: usize = 1 << 20;

/// Largest scenario file.
pub(crate) const MAX_SCENARIO_BYTES: u64 = 1 << 20;

/// Largest outline (GeoJSON) or plan.json.
pub(crate) const MAX_DOCUMENT_BYTES: u64 = 256 << 20;

/// `n` bytes in words a planner reads ("128 MB").
pub(crate) fn describe_bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{} MB", n >> 20)
    } else if n >= 1 << 10 {
        format!("{} KB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// Reads a whole file of at most `max` bytes; `what` names its kind in the error ("school table").
pub(crate) fn read_file(path: &Path, max: u64, what: &str) -> Result<Vec<u8>> {
    let too_big = || {
        Error::input(
            path.display().to_string(),
            None,
            None,
            format!(
                "the file is larger than {}, the most a {what} may be",
                describe_bytes(max)
            ),
            format!("check that this is the {what} you meant; a real one is far smaller"),
        )
    };
    // Opening a FIFO blocks until something writes to it (a whole editor would wait on it), and a
    // device never ends: only files and folders (refused below as unreadable) are opened.
    if let Ok(m) = std::fs::metadata(path) {
        if !m.is_file() && !m.is_dir() {
            return Err(Error::input(
                path.display().to_string(),
                None,
                None,
                "this is not a regular file (a named pipe, socket or device)",
                format!("give the path of the {what} itself, saved as a file"),
            ));
        }
    }
    let file = std::fs::File::open(path).map_err(|e| Error::unreadable(path, e))?;
    if file.metadata().is_ok_and(|m| m.is_file() && m.len() > max) {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::unreadable(path, e))?;
    if bytes.len() as u64 > max {
        return Err(too_big());
    }
    Ok(bytes)
}

/// The encoding of text that is not UTF-8 but plainly another Unicode encoding, from its first bytes: a
/// byte-order mark, or ASCII with a zero byte beside every character (UTF-16 saved without a mark). Such a
/// file otherwise reads as one odd header or as "byte 0 is not UTF-8", which says nothing of the fix.
pub(crate) fn text_encoding(start: &[u8]) -> Option<&'static str> {
    match start {
        [0xFF, 0xFE, 0, 0, ..] => Some("UTF-32 (little-endian)"),
        [0, 0, 0xFE, 0xFF, ..] => Some("UTF-32 (big-endian)"),
        [0xFF, 0xFE, ..] => Some("UTF-16 (little-endian)"),
        [0xFE, 0xFF, ..] => Some("UTF-16 (big-endian)"),
        [a, 0, b, 0, ..] if a.is_ascii_graphic() && b.is_ascii() => Some("UTF-16 (little-endian)"),
        [0, a, 0, b, ..] if a.is_ascii_graphic() && b.is_ascii() => Some("UTF-16 (big-endian)"),
        _ => None,
    }
}

/// The error for a file in another Unicode encoding (see [`text_encoding`]).
pub(crate) fn not_utf8(source: &str, encoding: &str, what: &str) -> Error {
    Error::input(
        source,
        Some(1),
        None,
        format!("the file is {encoding} text; schoolnets reads UTF-8"),
        format!(
            "save the {what} as UTF-8 (in a spreadsheet: Save As > CSV UTF-8; in a text editor: Save As, encoding UTF-8)"
        ),
    )
}

/// Reads a whole UTF-8 text file of at most `max` bytes.
pub(crate) fn read_text(path: &Path, max: u64, what: &str) -> Result<String> {
    let bytes = read_file(path, max, what)?;
    if let Some(encoding) = text_encoding(&bytes) {
        return Err(not_utf8(&path.display().to_string(), encoding, what));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        Error::input(
            path.display().to_string(),
            Some(line),
            None,
            format!("byte {at} is not UTF-8 text"),
            format!("save the {what} as UTF-8 (in a text editor: Save As, encoding UTF-8)"),
        )
    })
}

/// A line longer than [`MAX_LINE_BYTES`], met while reading; carried inside an `io::Error`.
#[derive(Debug)]
pub(crate) struct LineTooLong {
    /// 1-based line number.
    pub line: u64,
}

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {} is longer than {}",
            self.line,
            describe_bytes(MAX_LINE_BYTES as u64)
        )
    }
}

impl std::error::Error for LineTooLong {}

/// A reader that fails with [`LineTooLong`] as soon as a line exceeds `limit` bytes, so that a parser
/// reading through it never buffers more than that for one line.
pub(crate) struct LineLimited<R> {
    inner: R,
    limit: usize,
    since_newline: usize,
    line: u64,
}

impl<R: Read> LineLimited<R> {
    pub fn new(inner: R, limit: usize) -> LineLimited<R> {
        LineLimited {
            inner,
            limit,
            since_newline: 0,
            line: 1,
        }
    }
}

impl<R: Read> Read for LineLimited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.line += 1;
                self.since_newline = 0;
            } else {
                self.since_newline += 1;
                if self.since_newline > self.limit {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        LineTooLong { line: self.line },
                    ));
                }
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_stops_the_reader_at_the_limit() {
        let text = format!("short\n{}\nafter\n", "x".repeat(100));
        let mut r = LineLimited::new(text.as_bytes(), 50);
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).unwrap_err();
        let inner = err
            .get_ref()
            .unwrap()
            .downcast_ref::<LineTooLong>()
            .unwrap();
        assert_eq!(inner.line, 2);

        let mut r = LineLimited::new(text.as_bytes(), 100);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, text.as_bytes());
    }

    #[test]
    fn files_over_the_limit_are_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.csv");
        std::fs::write(&p, vec![b'a'; 2000]).unwrap();
        let err = read_file(&p, 1000, "school table").unwrap_err().to_string();
        assert!(err.contains("larger than 1000 bytes"), "{err}");
        assert_eq!(read_file(&p, 2000, "school table").unwrap().len(), 2000);
        std::fs::write(&p, b"ok\n\xff\n").unwrap();
        let err = read_text(&p, 100, "scenario").unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("not UTF-8"), "{err}");
    }
}
