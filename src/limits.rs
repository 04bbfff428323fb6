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

/// Longest line of a CSV file (a school's row is a few hundred bytes, a pin's a few dozen).
pub(crate) const MAX_LINE_BYTES: usize = 1 << 20;

/// Largest scenario file.
pub(crate) const MAX_SCENARIO_BYTES: u64 = 1 << 20;

/// Largest outline (GeoJSON) or plan.json.
pub(crate) const MAX_DOCUMENT_BYTES: u64 = 256 << 20;

/// The syntax a kind of file is written in, which decides the advice for a file that is not in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// Comma-separated values, often saved from a spreadsheet.
    Csv,
    /// A TOML text, written in a text editor.
    Toml,
    /// JSON (GeoJSON, plan.json), written by a program: GIS software, schoolnets.
    Json,
}

/// A kind of input file: its name in messages, its syntax and the most bytes it may have.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kind {
    pub what: &'static str,
    pub format: Format,
    pub max: u64,
}

const fn kind(what: &'static str, format: Format, max: u64) -> Kind {
    Kind { what, format, max }
}

pub(crate) const SCHOOL_TABLE: Kind = kind("school table", Format::Csv, MAX_TABLE_BYTES);
pub(crate) const PINS: Kind = kind("pins file", Format::Csv, MAX_TABLE_BYTES);
/// History files hold one row per school and year, and state-wide CDE files all of California.
pub(crate) const HISTORY: Kind = kind("history file", Format::Csv, MAX_TABLE_BYTES * 40);
pub(crate) const SCENARIO: Kind = kind("scenario", Format::Toml, MAX_SCENARIO_BYTES);
pub(crate) const OUTLINE: Kind = kind("district outline", Format::Json, MAX_DOCUMENT_BYTES);
pub(crate) const BARRIERS: Kind = kind("barriers file", Format::Json, MAX_DOCUMENT_BYTES);
pub(crate) const PLAN_JSON: Kind = kind("plan.json", Format::Json, MAX_DOCUMENT_BYTES);
pub(crate) const ENSEMBLE_JSON: Kind = kind("ensemble.json", Format::Json, MAX_DOCUMENT_BYTES);
pub(crate) const SAMPLES: Kind = kind("samples.csv", Format::Csv, MAX_DOCUMENT_BYTES);
/// A CDE file `import cde` reads: large, so read whole without the size limit.
pub(crate) const CDE_FILE: Kind = kind("CDE file", Format::Csv, u64::MAX);

impl Kind {
    /// How to save a file of this kind as UTF-8 text.
    fn save_as_utf8(&self) -> String {
        match self.format {
            Format::Csv => format!(
                "save the {} as UTF-8 (in a spreadsheet: Save As > CSV UTF-8 (comma delimited); in a text editor: Save As, encoding UTF-8)",
                self.what
            ),
            Format::Toml => format!(
                "save the {} as UTF-8 text (in a text editor: Save As, encoding UTF-8)",
                self.what
            ),
            Format::Json => format!(
                "save the {} as UTF-8 (in GIS software: export as GeoJSON with the encoding UTF-8; in a text editor: Save As, encoding UTF-8)",
                self.what
            ),
        }
    }

    /// The syntax the file should be in, for people.
    fn syntax(&self) -> &'static str {
        match self.format {
            Format::Csv => "a CSV text file",
            Format::Toml => "a TOML text file",
            Format::Json => "a JSON text file",
        }
    }
}

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

/// Reads a whole file of at most `kind.max` bytes.
pub(crate) fn read_file(path: &Path, kind: &Kind) -> Result<Vec<u8>> {
    let (max, what) = (kind.max, kind.what);
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
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::unreadable(path, e))?;
    if bytes.len() as u64 > max {
        return Err(too_big());
    }
    Ok(bytes)
}

/// The UTF-8 byte-order mark some programs (Excel, Notepad) put before the text. It is not part of the
/// text: every reader skips it.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// What a file that is not UTF-8 text plainly is, from its first bytes: another Unicode encoding (a
/// byte-order mark, or ASCII with a zero byte beside every character: UTF-16 saved without a mark), or a
/// binary format by its magic number. Such a file otherwise reads as one odd header, as "missing columns"
/// or as "byte 0 is not UTF-8", which says nothing of the fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotText {
    /// Unicode text in another encoding ("UTF-16 (little-endian)").
    Encoding(&'static str),
    /// A workbook or document: a zip archive (.xlsx, .ods, .docx) or an old Office file (.xls, .doc).
    Workbook(&'static str),
    /// A compressed file (gzip, bzip2, xz, zstd, 7-Zip).
    Compressed(&'static str),
    /// Another binary format (PDF, an image, SQLite, Parquet).
    Binary(&'static str),
}

/// The first bytes of the binary formats a planner may give instead of a text file.
const MAGIC: [(&[u8], NotText); 13] = [
    (
        b"PK\x03\x04",
        NotText::Workbook(
            "a zip archive (an Excel .xlsx or OpenDocument .ods workbook, or another zip file)",
        ),
    ),
    (b"PK\x05\x06", NotText::Workbook("an empty zip archive")),
    (
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
        NotText::Workbook("an old Office file (an Excel .xls workbook)"),
    ),
    (b"\x1F\x8B", NotText::Compressed("gzip")),
    (b"BZh", NotText::Compressed("bzip2")),
    (b"\xFD7zXZ\x00", NotText::Compressed("xz")),
    (b"\x28\xB5\x2F\xFD", NotText::Compressed("zstd")),
    (b"7z\xBC\xAF\x27\x1C", NotText::Compressed("7-Zip")),
    (b"%PDF-", NotText::Binary("a PDF document")),
    (b"\x89PNG\r\n\x1A\n", NotText::Binary("a PNG image")),
    (b"\xFF\xD8\xFF", NotText::Binary("a JPEG image")),
    (
        b"SQLite format 3\x00",
        NotText::Binary("an SQLite database"),
    ),
    (b"PAR1", NotText::Binary("a Parquet file")),
];

/// What `start` (a file's first bytes) shows the file to be, when not text (see [`NotText`]).
pub(crate) fn sniff(start: &[u8]) -> Option<NotText> {
    if let Some((_, found)) = MAGIC.iter().find(|(magic, _)| start.starts_with(magic)) {
        return Some(*found);
    }
    let encoding = match start {
        [0xFF, 0xFE, 0, 0, ..] => "UTF-32 (little-endian)",
        [0, 0, 0xFE, 0xFF, ..] => "UTF-32 (big-endian)",
        [0xFF, 0xFE, ..] => "UTF-16 (little-endian)",
        [0xFE, 0xFF, ..] => "UTF-16 (big-endian)",
        [a, 0, b, 0, ..] if a.is_ascii_graphic() && b.is_ascii() => "UTF-16 (little-endian)",
        [0, a, 0, b, ..] if a.is_ascii_graphic() && b.is_ascii() => "UTF-16 (big-endian)",
        _ => return None,
    };
    Some(NotText::Encoding(encoding))
}

/// Refuses a file whose first bytes show it is not UTF-8 text (see [`sniff`]), with the fix for a file of
/// `kind`. Every reader of a user's file calls it on the file's start.
pub(crate) fn check_start(source: &str, start: &[u8], kind: &Kind) -> Result<()> {
    let Some(found) = sniff(start) else {
        return Ok(());
    };
    let what = kind.what;
    let (is, fix) = match found {
        NotText::Encoding(encoding) => (
            format!("the file is {encoding} text; schoolnets reads UTF-8"),
            kind.save_as_utf8(),
        ),
        NotText::Workbook(format) => (
            format!("the file is {format}, not {}", kind.syntax()),
            match kind.format {
                Format::Csv => format!(
                    "open it in the spreadsheet and save the {what} as CSV (File > Save As > CSV UTF-8 (comma delimited)), then give the .csv file"
                ),
                _ => format!("give the {what} itself, saved as {}", kind.syntax()),
            },
        ),
        NotText::Compressed(format) => (
            format!("the file is {format}-compressed, not {}", kind.syntax()),
            format!("decompress it first (for example `gunzip FILE` or your archive tool) and give the {what} inside"),
        ),
        NotText::Binary(format) => (
            format!("the file is {format}, not {}", kind.syntax()),
            format!("give the {what} itself, saved as {}", kind.syntax()),
        ),
    };
    Err(Error::input(source, Some(1), None, is, fix))
}

/// Reads a whole UTF-8 text file of at most `kind.max` bytes, without a byte-order mark.
pub(crate) fn read_text(path: &Path, kind: &Kind) -> Result<String> {
    let mut bytes = read_file(path, kind)?;
    let source = path.display().to_string();
    check_start(&source, &bytes, kind)?;
    if bytes.starts_with(UTF8_BOM) {
        bytes.drain(..UTF8_BOM.len());
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        Error::input(
            source,
            Some(line),
            None,
            format!("byte {at} is not UTF-8 text"),
            kind.save_as_utf8(),
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

/// The reader every CSV file is parsed through: it skips a UTF-8 byte-order mark, ends every line with a
/// line feed (Windows' CR LF and old Macs' lone CR alike, so the csv crate's line numbers are the lines an
/// editor shows: it counts line feeds, and counts a CR LF's only once the next row has started), and fails
/// with [`LineTooLong`] as soon as a line exceeds `limit` bytes, so a parser reading through it never
/// buffers more than that for one line.
pub(crate) struct LineLimited<R> {
    inner: R,
    limit: usize,
    since_newline: usize,
    line: u64,
    /// The first bytes, read to look for a byte-order mark, and not yet passed on.
    start: Vec<u8>,
    /// Whether the start has been looked at.
    looked: bool,
    /// The last byte passed on was a CR turned into a line feed (so a line feed after it is dropped).
    after_cr: bool,
}

impl<R: Read> LineLimited<R> {
    pub fn new(inner: R, limit: usize) -> LineLimited<R> {
        LineLimited {
            inner,
            limit,
            since_newline: 0,
            line: 1,
            start: Vec::new(),
            looked: false,
            after_cr: false,
        }
    }

    /// The next raw bytes: the start held back (without its byte-order mark), then the inner reader's.
    fn fill(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.looked {
            let start = &mut self.start;
            while start.len() < UTF8_BOM.len() && UTF8_BOM.starts_with(start) {
                let mut some = [0u8; 3];
                let n = self.inner.read(&mut some[..UTF8_BOM.len() - start.len()])?;
                if n == 0 {
                    break;
                }
                start.extend_from_slice(&some[..n]);
            }
            if start.as_slice() == UTF8_BOM {
                start.clear();
            }
            self.looked = true;
        }
        if !self.start.is_empty() {
            let n = self.start.len().min(buf.len());
            buf[..n].copy_from_slice(&self.start[..n]);
            self.start.drain(..n);
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

impl<R: Read> Read for LineLimited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.fill(buf)?;
            if n == 0 {
                return Ok(0);
            }
            let mut out = 0;
            for i in 0..n {
                let b = buf[i];
                if b == b'\n' && self.after_cr {
                    self.after_cr = false;
                    continue;
                }
                self.after_cr = b == b'\r';
                let b = if b == b'\r' { b'\n' } else { b };
                buf[out] = b;
                out += 1;
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
            // A read of only a dropped line feed passes nothing on; 0 would mean the end.
            if out > 0 {
                return Ok(out);
            }
        }
    }
}

/// `inner` read as CSV text is read: through [`LineLimited`] at [`MAX_LINE_BYTES`].
pub(crate) fn csv_text<R: Read>(inner: R) -> LineLimited<R> {
    LineLimited::new(inner, MAX_LINE_BYTES)
}

/// A CSV reader's error as a located problem: a line over the limit as such, anything else as CSV that
/// does not parse, at its line; `fix` says how to mend the latter.
pub(crate) fn csv_problem(
    source: &str,
    e: &csv::Error,
    kind: &Kind,
    fix: &str,
) -> crate::error::Problem {
    if let csv::ErrorKind::Io(io) = e.kind() {
        if let Some(long) = io.get_ref().and_then(|r| r.downcast_ref::<LineTooLong>()) {
            return crate::error::Problem {
                file: source.into(),
                line: Some(long.line),
                field: None,
                what: format!("{long}; a row of a {} is a few hundred bytes", kind.what),
                fix: format!(
                    "check that this is the {} you meant, saved as CSV with one row per line",
                    kind.what
                ),
            };
        }
    }
    crate::error::Problem {
        file: source.into(),
        line: e.position().map(|p| p.line()),
        field: None,
        what: format!("not valid CSV: {e}"),
        fix: fix.into(),
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

    /// Everything `r` gives, read a few bytes at a time (so marks and line ends fall across reads).
    fn drip(text: &[u8], chunk: usize) -> Vec<u8> {
        struct Drip<'a>(&'a [u8], usize);
        impl Read for Drip<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut out = Vec::new();
        csv_text(Drip(text, chunk)).read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn csv_text_skips_a_byte_order_mark_and_ends_lines_with_a_line_feed() {
        for chunk in [1, 2, 3, 4, 1000] {
            assert_eq!(drip(b"\xEF\xBB\xBFa,b\r\n1,2\r\n", chunk), b"a,b\n1,2\n");
            assert_eq!(drip(b"a\rb\r\rc", chunk), b"a\nb\n\nc");
            assert_eq!(drip(b"\xEF\xBBx", chunk), b"\xEF\xBBx");
            assert_eq!(drip(b"\xEF", chunk), b"\xEF");
            assert_eq!(drip(b"a\n\xEF\xBB\xBF", chunk), b"a\n\xEF\xBB\xBF");
        }
        // The csv crate's lines are then an editor's, whatever the line ends.
        for text in [
            "h\r\nx\r\ny\r\n",
            "h\nx\ny\n",
            "h\rx\ry\r",
            "\u{feff}h\r\nx\r\ny",
        ] {
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(csv_text(text.as_bytes()));
            let lines: Vec<u64> = r
                .records()
                .map(|r| r.unwrap().position().unwrap().line())
                .collect();
            assert_eq!(lines, [1, 2, 3], "{text:?}");
        }
    }

    #[test]
    fn files_that_are_no_text_are_named_with_the_fix_for_their_kind() {
        let says =
            |start: &[u8], kind: &Kind| check_start("f", start, kind).unwrap_err().to_string();
        let xlsx = says(b"PK\x03\x04\x14\x00", &SCHOOL_TABLE);
        assert!(
            xlsx.contains(".xlsx") && xlsx.contains("CSV UTF-8"),
            "{xlsx}"
        );
        let gz = says(b"\x1F\x8B\x08\x00", &SCHOOL_TABLE);
        assert!(gz.contains("gzip") && gz.contains("decompress"), "{gz}");
        assert!(says(b"%PDF-1.7", &PINS).contains("a PDF document"));
        let u16 = says(b"\xFF\xFE{\x00", &OUTLINE);
        assert!(
            u16.contains("UTF-16") && u16.contains("GeoJSON") && !u16.contains("CSV"),
            "{u16}"
        );
        let u16 = says(b"\xFF\xFEn\x00", &SCENARIO);
        assert!(
            !u16.contains("CSV") && !u16.contains("spreadsheet"),
            "{u16}"
        );
        assert!(check_start("f", b"\xEF\xBB\xBFid,", &SCHOOL_TABLE).is_ok());
    }

    #[test]
    fn files_over_the_limit_are_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.csv");
        std::fs::write(&p, vec![b'a'; 2000]).unwrap();
        let small = |max| Kind {
            max,
            ..SCHOOL_TABLE
        };
        let err = read_file(&p, &small(1000)).unwrap_err().to_string();
        assert!(err.contains("larger than 1000 bytes"), "{err}");
        assert_eq!(read_file(&p, &small(2000)).unwrap().len(), 2000);
        std::fs::write(&p, b"ok\n\xff\n").unwrap();
        let err = read_text(&p, &SCENARIO).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("not UTF-8"), "{err}");
        std::fs::write(&p, b"\xEF\xBB\xBF{}").unwrap();
        assert_eq!(read_text(&p, &PLAN_JSON).unwrap(), "{}");
    }
}
