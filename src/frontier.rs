//! `schoolnets frontier`: what balance costs in distance.
//!
//! Sweeps a *strength* t from 0 (no balance rules) to 1 (every chosen rule at the district's own figure).
//! At strength t each chosen rule is `loose + t·(tight − loose)`, where `loose` is what the plan without
//! balance rules already has (so t = 0 binds nothing) and `tight` is the district value (cap = the
//! district's low-performing share; bands = 0 points). Each step is a full plan; the sweep stops after two
//! steps in a row find no plan meeting every rule. Pure: returns points; the writers render them.

use crate::error::{Error, Result};
use crate::plan_file::PlanFile;
use crate::plans::{make_plan, PlanInputs};
use crate::scenarios::Scenario;
use crate::text::{fmt_num, fmt_opt as opt, round};
use serde::Serialize;

/// Which balance rules the sweep tightens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub low_performing: bool,
    pub dfs: bool,
    pub frpm: bool,
    pub ethnicity: bool,
}

impl Rules {
    /// Parses a comma-separated list: `low`, `dfs`, `frpm`, `ethnicity`.
    pub fn parse(text: &str) -> std::result::Result<Rules, String> {
        let mut r = Rules {
            low_performing: false,
            dfs: false,
            frpm: false,
            ethnicity: false,
        };
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "low" => r.low_performing = true,
                "dfs" => r.dfs = true,
                "frpm" => r.frpm = true,
                "ethnicity" => r.ethnicity = true,
                other => {
                    return Err(format!(
                        "'{other}' is not a balance rule; use low, dfs, frpm, ethnicity"
                    ))
                }
            }
        }
        if r == (Rules {
            low_performing: false,
            dfs: false,
            frpm: false,
            ethnicity: false,
        }) {
            return Err("name at least one rule: low, dfs, frpm, ethnicity".into());
        }
        Ok(r)
    }
}

/// One step of the sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    pub strength: f64,
    pub max_low_performing_share: Option<f64>,
    pub dfs_band: Option<f64>,
    pub frpm_band: Option<f64>,
    pub ethnicity_band: Option<f64>,
    /// A plan meeting every rule was found.
    pub feasible: bool,
    pub compactness_km2: Option<f64>,
    /// Mean over networks of the mean school-to-centre distance, km.
    pub mean_km: Option<f64>,
    /// Highest low-performing share of any network, percent.
    pub worst_low_performing_pct: Option<f64>,
    /// Highest minus lowest network mean distance from standard, points.
    pub dfs_spread: Option<f64>,
    /// Highest minus lowest network FRPM share, percentage points.
    pub frpm_spread: Option<f64>,
    /// Mean index of dissimilarity of the four largest groups (hispanic, black, white, asian).
    pub dissimilarity: Option<f64>,
    /// For infeasible steps: the rules the best plan found broke.
    pub broken: String,
}

fn spread(v: impl Iterator<Item = f64>) -> Option<f64> {
    let v: Vec<f64> = v.collect();
    (!v.is_empty()).then(|| {
        round(
            v.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                - v.iter().copied().fold(f64::INFINITY, f64::min),
            1,
        )
    })
}

fn measured(strength: f64, s: &Scenario, f: &PlanFile) -> Point {
    let n = &f.networks;
    let groups = ["hispanic", "black", "white", "asian"];
    let dis: Vec<f64> = groups
        .iter()
        .filter_map(|g| f.dissimilarity_index.get(*g).copied())
        .collect();
    Point {
        strength,
        max_low_performing_share: s.performance.max_low_performing_share,
        dfs_band: s.performance.dfs_band,
        frpm_band: s.diversity.frpm_band,
        ethnicity_band: s.diversity.ethnicity_band,
        feasible: true,
        compactness_km2: Some(f.compactness_km2),
        mean_km: Some(round(
            n.iter().map(|m| m.mean_km).sum::<f64>() / n.len() as f64,
            2,
        )),
        worst_low_performing_pct: n
            .iter()
            .filter_map(|m| m.low_performing_pct)
            .reduce(f64::max),
        dfs_spread: spread(n.iter().filter_map(|m| m.dfs)),
        frpm_spread: spread(n.iter().filter_map(|m| m.frpm_pct)),
        dissimilarity: (!dis.is_empty())
            .then(|| round(dis.iter().sum::<f64>() / dis.len() as f64, 1)),
        broken: String::new(),
    }
}

/// The scenario at strength `t`, from the balance-free plan's figures.
fn at_strength(base: &Scenario, rules: Rules, loose: &PlanFile, t: f64) -> Scenario {
    let mut s = base.clone();
    let d = &loose.district;
    let n = &loose.networks;
    let lerp = |a: f64, b: f64| a + t * (b - a);
    if rules.low_performing && d.rated_schools > 0 {
        let worst = n
            .iter()
            .filter_map(|m| m.low_performing_pct)
            .fold(0.0, f64::max)
            / 100.0;
        let tight = d.low_performing_schools as f64 / d.rated_schools as f64;
        // Rounded up so that the tightest step is still the district's own share, never below it.
        s.performance.max_low_performing_share =
            Some((lerp(worst, tight) * 1000.0).ceil() / 1000.0);
    }
    if let (true, Some(m)) = (rules.dfs, d.dfs) {
        let widest = n
            .iter()
            .filter_map(|x| x.dfs)
            .map(|v| (v - m).abs())
            .fold(0.0, f64::max);
        s.performance.dfs_band = Some(round(lerp(widest, 0.0), 1));
    }
    if let (true, Some(m)) = (rules.frpm, d.frpm_pct) {
        let widest = n
            .iter()
            .filter_map(|x| x.frpm_pct)
            .map(|v| (v - m).abs())
            .fold(0.0, f64::max);
        s.diversity.frpm_band = Some(round(lerp(widest, 0.0), 1));
    }
    if rules.ethnicity {
        let widest = n
            .iter()
            .flat_map(|x| {
                x.ethnicity_pct
                    .iter()
                    .map(|(g, v)| (v - d.ethnicity_pct.get(g).copied().unwrap_or(0.0)).abs())
            })
            .fold(0.0, f64::max);
        s.diversity.ethnicity_band = Some(round(lerp(widest, 0.0), 1));
    }
    s
}

/// Runs the sweep in `steps` equal steps after the balance-free plan. `progress` is told each finished step.
pub fn sweep(
    inputs: &PlanInputs<'_>,
    rules: Rules,
    steps: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Point>> {
    let mut free = inputs.scenario.clone();
    free.performance.max_low_performing_share = None;
    free.performance.dfs_band = None;
    free.diversity.frpm_band = None;
    free.diversity.ethnicity_band = None;
    let run = |s: &Scenario| {
        let step = inputs.with_scenario(s);
        make_plan(&step, &|| {})
    };
    let base = run(&free)?.file;
    progress(0);
    let mut points = vec![measured(0.0, &free, &base)];
    let mut failures = 0;
    for i in 1..=steps {
        let t = round(i as f64 / steps as f64, 3);
        let s = at_strength(&free, rules, &base, t);
        match run(&s) {
            Ok(plan) => {
                failures = 0;
                points.push(measured(t, &s, &plan.file));
            }
            Err(Error::Infeasible(why)) => {
                failures += 1;
                let broken = why.rules();
                points.push(Point {
                    feasible: false,
                    compactness_km2: None,
                    mean_km: None,
                    worst_low_performing_pct: None,
                    dfs_spread: None,
                    frpm_spread: None,
                    dissimilarity: None,
                    broken: broken.join(" "),
                    ..measured(t, &s, &base)
                });
            }
            Err(e) => return Err(e),
        }
        progress(i);
        if failures >= 2 {
            break;
        }
    }
    Ok(points)
}

/// frontier.csv: one row per step.
pub fn csv(points: &[Point]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "strength",
        "max_low_performing_share",
        "dfs_band",
        "frpm_band",
        "ethnicity_band",
        "feasible",
        "compactness_km2",
        "mean_km",
        "worst_low_performing_pct",
        "dfs_spread",
        "frpm_spread",
        "dissimilarity",
        "broken_rules",
    ])
    .expect("writing to memory");
    for p in points {
        w.write_record([
            fmt_num(p.strength, 3),
            opt(p.max_low_performing_share, 3),
            opt(p.dfs_band, 1),
            opt(p.frpm_band, 1),
            opt(p.ethnicity_band, 1),
            if p.feasible {
                "yes".into()
            } else {
                "no".into()
            },
            opt(p.compactness_km2, 1),
            opt(p.mean_km, 2),
            opt(p.worst_low_performing_pct, 1),
            opt(p.dfs_spread, 1),
            opt(p.frpm_spread, 1),
            opt(p.dissimilarity, 1),
            p.broken.clone(),
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// frontier.md: the table with a reading guide.
pub fn markdown(points: &[Point], title: &str) -> String {
    use std::fmt::Write;
    let mut out = format!("# What balance costs in distance: {title}\n\n");
    let _ = writeln!(
        out,
        "Each row is a full plan. **Strength** 0 has no balance rule; 1 holds every network to the district's own figures. \
         **Compactness** is the sum of squared school-to-centre distances (km², lower is more compact).\n"
    );
    let _ = writeln!(out, "| Strength | Low-perf. cap | DFS band | FRPM band | Ethnicity band | Plan found | Compactness km² | Mean km | Worst low-perf. % | DFS spread | FRPM spread | Dissimilarity |");
    let _ = writeln!(out, "|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|");
    for p in points {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            fmt_num(p.strength, 2),
            p.max_low_performing_share
                .map(|v| format!("{}%", fmt_num(v * 100.0, 1)))
                .unwrap_or_else(|| "none".into()),
            p.dfs_band
                .map(|v| format!("±{}", fmt_num(v, 1)))
                .unwrap_or_else(|| "none".into()),
            p.frpm_band
                .map(|v| format!("±{}", fmt_num(v, 1)))
                .unwrap_or_else(|| "none".into()),
            p.ethnicity_band
                .map(|v| format!("±{}", fmt_num(v, 1)))
                .unwrap_or_else(|| "none".into()),
            if p.feasible {
                "yes".to_string()
            } else {
                format!("no ({})", p.broken)
            },
            opt(p.compactness_km2, 0),
            opt(p.mean_km, 2),
            opt(p.worst_low_performing_pct, 1),
            opt(p.dfs_spread, 1),
            opt(p.frpm_spread, 1),
            opt(p.dissimilarity, 1),
        );
    }
    let _ = writeln!(
        out,
        "\n\"no\" means the solver found no plan meeting every rule at that strength; it is not a proof that none exists."
    );
    out
}

/// The rules of a step in a few words ("low ≤ 40%, dfs ±35"), for the chart's labels.
fn rules_label(p: &Point) -> String {
    let mut parts = Vec::new();
    if let Some(v) = p.max_low_performing_share {
        parts.push(format!("low ≤ {:.0}%", 100.0 * v));
    }
    if let Some(v) = p.dfs_band {
        parts.push(format!("dfs ±{v:.0}"));
    }
    if let Some(v) = p.frpm_band {
        parts.push(format!("FRPM ±{v:.0}"));
    }
    if let Some(v) = p.ethnicity_band {
        parts.push(format!("ethn. ±{v:.0}"));
    }
    if parts.is_empty() {
        "no balance rule".into()
    } else {
        parts.join(", ")
    }
}

/// frontier.svg, in the board's terms: what balance buys (the worst network's share of low-performing
/// schools, or the spread in distance from standard when the table has no ratings) against what it
/// costs (the mean distance from a school to its network's centre), each plan labelled with its rules;
/// the steps where the solver found no plan are listed beside the chart.
pub fn svg(points: &[Point], title: &str) -> String {
    use plotters::prelude::*;
    let feasible: Vec<&Point> = points.iter().filter(|p| p.feasible).collect();
    let by_low = feasible
        .iter()
        .all(|p| p.worst_low_performing_pct.is_some());
    let (y_desc, y_of): (&str, fn(&Point) -> Option<f64>) = if by_low {
        ("worst network's share of low-performing schools, %", |p| {
            p.worst_low_performing_pct
        })
    } else {
        (
            "spread in distance from standard between networks, points",
            |p| p.dfs_spread,
        )
    };
    let ok: Vec<(f64, f64, String)> = feasible
        .iter()
        .filter_map(|p| Some((p.mean_km?, y_of(p)?, rules_label(p))))
        .collect();
    let failed: Vec<String> = points
        .iter()
        .filter(|p| !p.feasible)
        .map(|p| format!("strength {:.2}: {}", p.strength, rules_label(p)))
        .collect();
    let (x_lo, x_hi) = ok
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.0), hi.max(p.0))
        });
    let (x_lo, x_hi) = if ok.is_empty() {
        (0.0, 1.0)
    } else {
        let pad = ((x_hi - x_lo) * 0.1).max(0.05);
        ((x_lo - pad).max(0.0), x_hi + 3.0 * pad)
    };
    let y_hi = ok.iter().map(|p| p.1).fold(1.0, f64::max) * 1.15;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (900, 460)).into_drawing_area();
        let draw = || -> std::result::Result<(), Box<dyn std::error::Error + '_>> {
            root.fill(&WHITE)?;
            let (left, right) = root.split_horizontally(640);
            let mut chart = ChartBuilder::on(&left)
                .caption(
                    format!("What balance buys and what it costs: {title}"),
                    ("sans-serif", 17),
                )
                .margin(16)
                .x_label_area_size(44)
                .y_label_area_size(60)
                .build_cartesian_2d(x_lo..x_hi, 0f64..y_hi)?;
            chart
                .configure_mesh()
                .x_desc(
                    "mean distance from a school to its network's centre, km (what balance costs)",
                )
                .y_desc(y_desc)
                .x_label_formatter(&|v| format!("{v:.2}"))
                .y_label_formatter(&|v| format!("{v:.0}"))
                .draw()?;
            // Okabe-Ito blue for the plans found.
            let found = RGBColor(0, 114, 178);
            chart.draw_series(LineSeries::new(
                ok.iter().map(|p| (p.0, p.1)),
                found.stroke_width(2),
            ))?;
            chart.draw_series(
                ok.iter()
                    .map(|p| Circle::new((p.0, p.1), 4, found.filled())),
            )?;
            // Labels alternate above and below the line, so neighbouring steps do not overprint.
            chart.draw_series(ok.iter().enumerate().map(|(i, p)| {
                EmptyElement::at((p.0, p.1))
                    + Text::new(
                        p.2.clone(),
                        (6, if i % 2 == 0 { -16 } else { 5 }),
                        ("sans-serif", 11).into_font().color(&BLACK.mix(0.8)),
                    )
            }))?;
            let font = ("sans-serif", 13).into_font();
            right.draw(&Text::new(
                "Steps with no plan found",
                (10, 40),
                font.clone().style(FontStyle::Bold),
            ))?;
            let lines = if failed.is_empty() {
                vec!["none: every step has a plan".to_string()]
            } else {
                failed.clone()
            };
            for (i, line) in lines.iter().enumerate() {
                right.draw(&Text::new(
                    line.clone(),
                    (10, 64 + 20 * i as i32),
                    font.clone(),
                ))?;
            }
            right.draw(&Text::new(
                "(the solver's failure is not a proof",
                (10, 84 + 20 * lines.len() as i32),
                ("sans-serif", 11).into_font(),
            ))?;
            right.draw(&Text::new(
                "that no such plan exists)",
                (10, 98 + 20 * lines.len() as i32),
                ("sans-serif", 11).into_font(),
            ))?;
            root.present()?;
            Ok(())
        };
        draw().expect("drawing into a string does not fail");
    }
    text
}
