//! `report.html`: one self-contained page a superintendent can open from an e-mail.
//!
//! For each plan: the map (the SVG of [`crate::maps::svg`], inline, with a tooltip per network and school),
//! which rules hold, one row per network with its balance figures, and the scenario and data it came from.
//! When several plans are given (`briefing`, `compare`), their side-by-side comparison follows, as
//! sections the caller passes in (the comparison is built above this module, which does not know it).
//! No network access: no external scripts, styles, fonts or images; the
//! one script only moves the tooltip, and without it each map element still has its SVG `<title>`. A print
//! stylesheet keeps maps and tables whole on paper.

use super::model::{self, Section};
use crate::plan_file::PlanFile;
use crate::schools::SchoolTable;
use crate::text::escape_html as esc;
use std::fmt::Write;

/// One plan in the report.
pub struct Part<'a> {
    /// Short label ("neighborhood", a folder name); empty for a report of one plan.
    pub label: String,
    pub file: &'a PlanFile,
    /// The map's SVG text (`map.svg`), when there is one.
    pub map_svg: Option<&'a str>,
    /// The school table the plan was made from, when at hand (names schools, counts missing data).
    pub table: Option<&'a SchoolTable>,
}

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 1.5em auto; max-width: 1500px; padding: 0 1.5em; color: #222; line-height: 1.4; }
h1 { margin-bottom: 0.2em; }
p.sub { color: #555; margin-top: 0; }
.verdict { font-weight: bold; padding: 0.5em 0.8em; border-left: 5px solid #2e7d32; background: #eef7ee; }
.verdict.broken { border-color: #b00020; background: #fdecee; }
figure.map { margin: 1em 0; }
.side-by-side { display: flex; gap: 1em; }
.side-by-side figure.map { flex: 1; min-width: 0; }
figure.map svg { max-width: 100%; height: auto; border: 1px solid #ddd; }
figure.map figcaption { color: #555; font-size: 0.9em; }
div.wide { overflow-x: auto; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.55em; text-align: left; vertical-align: top; }
thead th { background: #f3f5f8; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.ok { color: #2e7d32; font-weight: bold; }
td.broken { color: #b00020; font-weight: bold; }
tr.section th { background: #eef2f7; }
tr.total th, tr.total td { font-weight: bold; border-top: 2px solid #888; }
caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
p.note { border-left: 4px solid #e0a800; padding-left: 0.8em; }
li { overflow-wrap: anywhere; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
#tooltip { position: absolute; z-index: 10; max-width: 420px; padding: 0.45em 0.65em; background: #1f1f1f; color: #fff; border-radius: 4px; font-size: 0.85em; pointer-events: none; box-shadow: 0 2px 6px rgba(0,0,0,0.3); }
#tooltip[hidden] { display: none; }
[data-tip]:hover { opacity: 0.85; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10pt; }
  #tooltip, details, figure.map figcaption { display: none; }
  figure.map, tr { break-inside: avoid-page; }
  div.wide { overflow: visible; }
  figure.map svg { max-height: 7.2in; width: auto; }
  h2, h3 { break-after: avoid-page; }
  section.plan + section.plan, section#comparison, section#front + section.plan { break-before: page; }
  thead th { position: static; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// Shows the `data-tip` of the map element under the pointer; removes the SVG `<title>`s so the browser's
/// own tooltip does not show the same text twice.
const SCRIPT: &str = r#"
(function () {
  var tip = document.getElementById("tooltip");
  document.querySelectorAll("svg [data-tip] > title").forEach(function (t) { t.remove(); });
  function target(e) { return e.target && e.target.closest ? e.target.closest("[data-tip]") : null; }
  document.addEventListener("mouseover", function (e) {
    var t = target(e);
    if (!t) { tip.hidden = true; return; }
    tip.textContent = t.getAttribute("data-tip");
    tip.hidden = false;
    place(e);
  });
  document.addEventListener("mousemove", function (e) { if (!tip.hidden) { place(e); } });
  document.addEventListener("mouseleave", function () { tip.hidden = true; });
  function place(e) {
    var x = e.pageX + 14, y = e.pageY + 14;
    var w = tip.offsetWidth, max = window.scrollX + document.documentElement.clientWidth - 8;
    if (x + w > max) { x = Math.max(window.scrollX + 8, e.pageX - w - 14); }
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }
})();
"#;

/// The whole page: `title`, then each plan, then the comparison's sections when there are any. `date` is
/// the date printed under the title (an input, so the page is reproducible).
pub fn page(title: &str, date: &str, parts: &[Part], comparison: Option<&[Section]>) -> String {
    page_with_front(title, date, None, parts, comparison)
}

/// [`page`] with a first page (`front`, HTML) before the plans: the board briefing's summary.
pub fn page_with_front(
    title: &str,
    date: &str,
    front: Option<&str>,
    parts: &[Part],
    comparison: Option<&[Section]>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        esc(title)
    );
    let _ = writeln!(out, "<header>\n<h1>{}</h1>", esc(title));
    let tool = parts.first().map(|p| p.file.tool.as_str()).unwrap_or("");
    let _ = writeln!(
        out,
        "<p class=\"sub\">{} · {}</p>\n</header>",
        esc(date),
        esc(tool)
    );
    if parts.len() > 1 {
        let _ = writeln!(
            out,
            "<nav><p>Plans: {}{}</p></nav>",
            parts
                .iter()
                .enumerate()
                .map(|(i, p)| format!("<a href=\"#plan-{i}\">{}</a>", esc(&p.label)))
                .collect::<Vec<_>>()
                .join(" · "),
            if comparison.is_some() {
                " · <a href=\"#comparison\">comparison</a>"
            } else {
                ""
            }
        );
    }
    if let Some(front) = front {
        let _ = writeln!(out, "<section id=\"front\">\n{front}</section>");
    }
    for (i, p) in parts.iter().enumerate() {
        plan_section(&mut out, i, p, parts.len() > 1);
    }
    if let Some(c) = comparison {
        let _ = writeln!(out, "<section id=\"comparison\">\n<h2>Plans compared</h2>");
        out.push_str(&model::html(c, 3));
        out.push_str("</section>\n");
    }
    let _ = writeln!(
        out,
        "<div id=\"tooltip\" role=\"tooltip\" hidden></div>\n<script>{SCRIPT}</script>\n</body>\n</html>"
    );
    out
}

/// A page of the same look around `body` (HTML): the title, the line under it, then the body, with the
/// tooltip script. Pages other than a plan's report (the ensemble's) use it.
pub(crate) fn shell(title: &str, sub: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{t}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{t}</h1>\n<p class=\"sub\">{s}</p>\n</header>\n{body}<div id=\"tooltip\" role=\"tooltip\" hidden></div>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        t = esc(title),
        s = esc(sub),
    )
}

/// A map (its SVG inline, anything before the first tag dropped) with a caption, given as HTML.
pub(crate) fn figure(svg: &str, caption_html: &str) -> String {
    format!(
        "<figure class=\"map\">\n{}<figcaption>{caption_html}</figcaption>\n</figure>\n",
        svg.trim_start_matches(|c| c != '<'),
    )
}

fn plan_section(out: &mut String, i: usize, p: &Part, several: bool) {
    let f = p.file;
    let _ = writeln!(out, "<section class=\"plan\" id=\"plan-{i}\">");
    if several {
        let _ = writeln!(
            out,
            "<h2>{}: {}, {} networks</h2>",
            esc(&p.label),
            esc(&f.scenario.name),
            f.networks.len()
        );
    }
    let sections = super::plan::sections(f, p.table);
    let (overview, rest) = sections.split_at(1);
    out.push_str(&model::html(overview, 3));
    match p.map_svg {
        Some(svg) => {
            out.push_str(&figure(
                svg,
                "Point at a network or a school for its figures. Networks are labelled on the map; the legend lists each network's schools, students and one balance figure.",
            ));
        }
        None => {
            let _ = writeln!(
                out,
                "<p class=\"note\">No map: this plan's folder has no map.svg (plans made before maps existed). Run the plan again to draw one.</p>"
            );
        }
    }
    out.push_str(&model::html(rest, 3));
    if let Some(o) = &f.outlook {
        let base: Vec<f64> = f
            .networks
            .iter()
            .map(|n| n.enrollment_deviation_pct)
            .collect();
        out.push_str(&figure(
            &super::forecast::outlook_svg(o, &base),
            "Each network's gap from the mean network, from the plan's year through the forecast years; the band shaded. Point at a line for its network.",
        ));
    }
    out.push_str("</section>\n");
}
