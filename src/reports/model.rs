//! One content model for every report, and its three renderers.
//!
//! A report is a list of [`Section`]s: a title, then paragraphs, notes, bullet lists, tables and folded
//! blocks, in order. Whatever a report says is said once, by building sections; [`markdown`], [`html`] and
//! [`csv`] only decide how it looks, so report.md and report.html (and compare.md and the comparison in
//! report.html) cannot drift apart. Text is plain: renderers escape it for their format.

use crate::text::{escape_html as esc, md_cell};
use std::fmt::Write;

/// A titled part of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub title: String,
    /// Anchor for links inside an HTML page (`id` attribute); empty for none.
    pub anchor: String,
    pub blocks: Vec<Block>,
}

/// What a section holds, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph.
    Paragraph(String),
    /// A statement about the whole plan that holds (`true`) or not (`false`): shown bold, and in HTML in a
    /// green or red box.
    Verdict(bool, String),
    /// Something the reader must know before the figures (a quote in Markdown, a marked paragraph in HTML).
    Note(String),
    /// A bulleted list.
    Bullets(Vec<String>),
    Table(Table),
    /// Long preformatted text, folded away in HTML (the scenario as run).
    Folded {
        summary: String,
        text: String,
    },
    /// A map or chart: its SVG inline in HTML (with the caption); in Markdown the caption and the file
    /// that holds the picture.
    Figure {
        svg: String,
        caption: String,
        file: String,
    },
}

/// How a cell reads: plain text, a number (right-aligned), or a rule's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Number,
    /// A rule holds: shown as is, green in HTML.
    Holds,
    /// A rule is broken: bold in Markdown, red in HTML.
    Broken,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub kind: Kind,
}

impl Cell {
    pub fn text(t: impl Into<String>) -> Cell {
        Cell {
            text: t.into(),
            kind: Kind::Text,
        }
    }

    pub fn num(t: impl Into<String>) -> Cell {
        Cell {
            text: t.into(),
            kind: Kind::Number,
        }
    }

    /// "yes" (holds) or "NO" (broken).
    pub fn verdict(holds: bool) -> Cell {
        if holds {
            Cell {
                text: "yes".into(),
                kind: Kind::Holds,
            }
        } else {
            Cell {
                text: "NO".into(),
                kind: Kind::Broken,
            }
        }
    }
}

impl From<String> for Cell {
    fn from(t: String) -> Cell {
        Cell::text(t)
    }
}

impl From<&str> for Cell {
    fn from(t: &str) -> Cell {
        Cell::text(t)
    }
}

/// A table: a header, rows, an optional total row set apart.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Shown above the table (bold in Markdown, `<caption>` in HTML); empty for none.
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub total: Option<Vec<Cell>>,
    /// Fold the table away in HTML (long member lists).
    pub collapsed: bool,
    /// The first cell of each row names the row (a `<th>` in HTML).
    pub row_headers: bool,
    /// The HTML `class` of the table (for the page's styles and scripts); empty for none.
    pub class: String,
}

impl Table {
    /// An empty table with these column names.
    pub fn new(caption: impl Into<String>, header: &[&str]) -> Table {
        Table {
            caption: caption.into(),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            total: None,
            collapsed: false,
            row_headers: true,
            class: String::new(),
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    /// Whether column `c` holds numbers (judged from its cells: right-aligned when any cell is a number).
    fn numeric(&self, c: usize) -> bool {
        self.rows
            .iter()
            .chain(&self.total)
            .any(|r| r.get(c).is_some_and(|x| x.kind == Kind::Number))
    }
}

impl Section {
    pub fn new(title: impl Into<String>) -> Section {
        Section {
            title: title.into(),
            anchor: String::new(),
            blocks: Vec::new(),
        }
    }

    pub(crate) fn paragraph(&mut self, p: impl Into<String>) -> &mut Section {
        self.blocks.push(Block::Paragraph(p.into()));
        self
    }

    pub fn note(&mut self, p: impl Into<String>) -> &mut Section {
        self.blocks.push(Block::Note(p.into()));
        self
    }

    pub(crate) fn bullets(&mut self, items: Vec<String>) -> &mut Section {
        self.blocks.push(Block::Bullets(items));
        self
    }

    pub fn table(&mut self, t: Table) -> &mut Section {
        self.blocks.push(Block::Table(t));
        self
    }
}

/// Markdown: each section as `#`×`level` title (`level` 2 gives `##`; a section without a title has
/// none), then its blocks.
pub fn markdown(sections: &[Section], level: usize) -> String {
    let mut out = String::new();
    for s in sections {
        if !s.title.is_empty() {
            let _ = writeln!(out, "{} {}\n", "#".repeat(level), s.title);
        }
        for b in &s.blocks {
            markdown_block(&mut out, b);
        }
    }
    out
}

fn markdown_block(out: &mut String, b: &Block) {
    match b {
        Block::Paragraph(p) => {
            let _ = writeln!(out, "{p}\n");
        }
        Block::Verdict(_, p) => {
            let _ = writeln!(out, "**{p}**\n");
        }
        Block::Note(p) => {
            let _ = writeln!(out, "> {p}\n");
        }
        Block::Bullets(items) => {
            for i in items {
                let _ = writeln!(out, "- {i}");
            }
            out.push('\n');
        }
        Block::Folded { summary, text } => {
            let _ = writeln!(out, "{summary}:\n\n```\n{}\n```\n", text.trim_end());
        }
        Block::Figure { caption, file, .. } => {
            let _ = writeln!(out, "{caption} (the picture: {file})\n");
        }
        Block::Table(t) => {
            if !t.caption.is_empty() {
                let _ = writeln!(out, "**{}**\n", t.caption);
            }
            let header: Vec<String> = t.header.iter().map(|h| md_cell(h)).collect();
            let _ = writeln!(out, "| {} |", header.join(" | "));
            let align: Vec<&str> = (0..t.header.len())
                .map(|c| if t.numeric(c) { "--:" } else { "---" })
                .collect();
            let _ = writeln!(out, "|{}|", align.join("|"));
            for r in t.rows.iter().chain(&t.total) {
                let cells: Vec<String> = r
                    .iter()
                    .map(|c| match c.kind {
                        Kind::Broken => format!("**{}**", md_cell(&c.text)),
                        _ => md_cell(&c.text),
                    })
                    .collect();
                let _ = writeln!(out, "| {} |", cells.join(" | "));
            }
            out.push('\n');
        }
    }
}

/// HTML: each section as an `<h{level}>` title, then its blocks (tables scroll sideways when wide).
pub fn html(sections: &[Section], level: usize) -> String {
    let mut out = String::new();
    for s in sections {
        if s.title.is_empty() {
        } else if s.anchor.is_empty() {
            let _ = writeln!(out, "<h{level}>{}</h{level}>", esc(&s.title));
        } else {
            let _ = writeln!(
                out,
                "<h{level} id=\"{}\">{}</h{level}>",
                esc(&s.anchor),
                esc(&s.title)
            );
        }
        for b in &s.blocks {
            html_block(&mut out, b);
        }
    }
    out
}

fn html_block(out: &mut String, b: &Block) {
    match b {
        Block::Paragraph(p) => {
            let _ = writeln!(out, "<p>{}</p>", esc(p));
        }
        Block::Verdict(holds, p) => {
            let class = if *holds { "verdict" } else { "verdict broken" };
            let _ = writeln!(out, "<p class=\"{class}\">{}</p>", esc(p));
        }
        Block::Note(p) => {
            let _ = writeln!(out, "<p class=\"note\">{}</p>", esc(p));
        }
        Block::Bullets(items) => {
            out.push_str("<ul>\n");
            for i in items {
                let _ = writeln!(out, "<li>{}</li>", esc(i));
            }
            out.push_str("</ul>\n");
        }
        Block::Folded { summary, text } => {
            let _ = writeln!(
                out,
                "<details><summary>{}</summary><pre>{}</pre></details>",
                esc(summary),
                esc(text)
            );
        }
        Block::Figure { svg, caption, .. } => {
            let _ = writeln!(
                out,
                "<figure class=\"map\">{}<figcaption>{}</figcaption></figure>",
                svg.trim_start_matches(|c| c != '<'),
                esc(caption)
            );
        }
        Block::Table(t) => {
            if t.collapsed {
                let _ = writeln!(
                    out,
                    "<details><summary>{} ({} rows)</summary>",
                    esc(&t.caption),
                    t.rows.len()
                );
            }
            if t.class.is_empty() {
                out.push_str("<div class=\"wide\"><table>");
            } else {
                let _ = write!(
                    out,
                    "<div class=\"wide\"><table class=\"{}\">",
                    esc(&t.class)
                );
            }
            if !t.caption.is_empty() {
                let _ = write!(out, "<caption>{}</caption>", esc(&t.caption));
            }
            out.push_str("<thead><tr>");
            for h in &t.header {
                let _ = write!(out, "<th>{}</th>", esc(h));
            }
            out.push_str("</tr></thead><tbody>\n");
            let row = |out: &mut String, r: &[Cell], class: &str| {
                let _ = write!(out, "<tr{class}>");
                for (c, v) in r.iter().enumerate() {
                    if c == 0 && t.row_headers {
                        let _ = write!(out, "<th scope=\"row\">{}</th>", esc(&v.text));
                        continue;
                    }
                    let class = match v.kind {
                        Kind::Text => "",
                        Kind::Number => " class=\"num\"",
                        Kind::Holds => " class=\"ok\"",
                        Kind::Broken => " class=\"broken\"",
                    };
                    let _ = write!(out, "<td{class}>{}</td>", esc(&v.text));
                }
                out.push_str("</tr>\n");
            };
            for r in &t.rows {
                row(out, r, "");
            }
            if let Some(r) = &t.total {
                row(out, r, " class=\"total\"");
            }
            out.push_str("</tbody></table></div>\n");
            if t.collapsed {
                out.push_str("</details>\n");
            }
        }
    }
}

/// CSV: the table's header and rows (and total), cells as written; for files a spreadsheet opens.
pub fn csv(t: &Table) -> Vec<u8> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(&t.header);
    for r in t.rows.iter().chain(&t.total) {
        let _ = w.write_record(r.iter().map(|c| c.text.as_str()));
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Section {
        let mut s = Section::new("Rules");
        s.paragraph("A <plan> & its rules.");
        let mut t = Table::new("", &["Rule", "Holds", "Margin"]);
        t.row(vec![
            "size | count".into(),
            Cell::verdict(true),
            Cell::num("3"),
        ]);
        t.row(vec!["band".into(), Cell::verdict(false), Cell::num("-2")]);
        s.table(t);
        s
    }

    #[test]
    fn the_three_renderers_say_the_same_thing() {
        let s = [sample()];
        let md = markdown(&s, 2);
        assert!(
            md.starts_with("## Rules\n\nA <plan> & its rules.\n"),
            "{md}"
        );
        assert!(
            md.contains("| Rule | Holds | Margin |\n|---|---|--:|"),
            "{md}"
        );
        assert!(md.contains("| size \\| count | yes | 3 |"), "{md}");
        assert!(md.contains("| band | **NO** | -2 |"), "{md}");
        let h = html(&s, 3);
        assert!(h.contains("<h3>Rules</h3>"), "{h}");
        assert!(h.contains("<p>A &lt;plan&gt; &amp; its rules.</p>"), "{h}");
        assert!(
            h.contains("<td class=\"broken\">NO</td><td class=\"num\">-2</td>"),
            "{h}"
        );
        let Block::Table(t) = &s[0].blocks[1] else {
            panic!()
        };
        let c = String::from_utf8(csv(t)).unwrap();
        assert_eq!(c, "Rule,Holds,Margin\nsize | count,yes,3\nband,NO,-2\n");
    }
}
