//! Map colours: telling neighbouring networks apart (graph colouring), or shading networks by a figure.
//!
//! Palettes are colour-blind safe: Paul Tol's "light" qualitative scheme for networks, ColorBrewer's YlOrRd
//! (sequential) for shares and PuOr (diverging, centred on zero) for enrollment deviation.

use crate::plan_file::{NetworkMetrics, Outlook};
use crate::text::fmt_num;

/// Paul Tol's "light" scheme (pale enough for dark labels on top), then his "muted" scheme as a reserve.
const QUALITATIVE: [&str; 18] = [
    "#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF", "#44BB99", "#BBCC33", "#AAAA00",
    "#DDDDDD", "#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99",
    "#999933", "#AA4499",
];
/// ColorBrewer YlOrRd, 5 classes.
const SEQUENTIAL: [&str; 5] = ["#FFFFB2", "#FECC5C", "#FD8D3C", "#F03B20", "#BD0026"];
/// ColorBrewer PuOr, 5 classes: orange below the mean, purple above.
const DIVERGING: [&str; 5] = ["#E66101", "#FDB863", "#F7F7F7", "#B2ABD2", "#5E3C99"];
/// Networks without the figure.
pub(crate) const NO_DATA: &str = "#D9D9D9";

/// What the network fill shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColourBy {
    /// Distinct colours, so that neighbouring networks never share one.
    #[default]
    Networks,
    /// Share of students eligible for free or reduced-price meals.
    Frpm,
    /// Share of rated schools that are low-performing.
    LowPerforming,
    /// Enrollment above or below the mean network enrollment.
    Enrollment,
    /// The first forecast year each network would leave its enrollment band (the plan's outlook).
    Outlook,
}

impl ColourBy {
    /// Words for the legend.
    pub fn title(self) -> &'static str {
        match self {
            ColourBy::Networks => "Networks (colours tell neighbours apart)",
            ColourBy::Frpm => "Students in poverty (FRPM), %",
            ColourBy::LowPerforming => "Low-performing schools, % of rated",
            ColourBy::Enrollment => "Enrollment vs. network mean, %",
            ColourBy::Outlook => "Forecast: first year outside the enrollment band",
        }
    }

    /// The figure shaded, per network.
    pub fn value(self, n: &NetworkMetrics) -> Option<f64> {
        match self {
            ColourBy::Networks => None,
            ColourBy::Frpm => n.frpm_pct,
            ColourBy::LowPerforming => n.low_performing_pct,
            ColourBy::Enrollment => Some(n.enrollment_deviation_pct),
            ColourBy::Outlook => None,
        }
    }
}

/// Warm for the years soonest, pale for a network that stays in its band (ColorBrewer OrRd, reversed).
const OUTLOOK: [&str; 5] = ["#B30000", "#E34A33", "#FC8D59", "#FDCC8A", "#F0F0F0"];

/// Colours by the year each network leaves its band (the outlook's first years darkest).
fn outlook_fills(networks: &[NetworkMetrics], outlook: Option<&Outlook>) -> Fills {
    let Some(o) = outlook else {
        return Fills {
            fills: vec![NO_DATA; networks.len()],
            classes: vec![Class {
                colour: NO_DATA,
                label: "no forecast (give the district's history)".into(),
            }],
        };
    };
    let shown = o.years.len().min(OUTLOOK.len() - 1);
    let class_of = |year: &Option<String>| match year {
        Some(y) => o
            .years
            .iter()
            .position(|x| x == y)
            .unwrap_or(0)
            .min(shown - 1),
        None => OUTLOOK.len() - 1,
    };
    let fills = networks
        .iter()
        .map(|n| {
            o.networks
                .iter()
                .find(|x| x.network == n.network)
                .map_or(NO_DATA, |x| OUTLOOK[class_of(&x.leaves_band)])
        })
        .collect();
    let mut classes: Vec<Class> = o.years[..shown]
        .iter()
        .enumerate()
        .map(|(i, y)| Class {
            colour: OUTLOOK[i],
            label: if i + 1 == shown && o.years.len() > shown {
                format!("leaves it in {y} or later")
            } else {
                format!("leaves it in {y}")
            },
        })
        .collect();
    classes.push(Class {
        colour: OUTLOOK[OUTLOOK.len() - 1],
        label: format!(
            "within it through {}",
            o.years.last().map_or("", String::as_str)
        ),
    });
    Fills { fills, classes }
}

/// One legend entry: a colour and what it means.
#[derive(Debug, Clone, PartialEq)]
pub struct Class {
    pub colour: &'static str,
    pub label: String,
}

/// Each network's fill and, for a figure, the legend's classes.
#[derive(Debug, Clone, PartialEq)]
pub struct Fills {
    pub fills: Vec<&'static str>,
    pub classes: Vec<Class>,
}

/// Colours networks by `by`. `neighbours` lists networks whose territories touch; `tolerance_pct` is the
/// scenario's enrollment tolerance in percent (the diverging scale's range); `outlook` is the plan's, for
/// [`ColourBy::Outlook`].
pub fn fills(
    by: ColourBy,
    networks: &[NetworkMetrics],
    neighbours: &[(usize, usize)],
    tolerance_pct: f64,
    outlook: Option<&Outlook>,
) -> Fills {
    match by {
        ColourBy::Outlook => outlook_fills(networks, outlook),
        ColourBy::Networks => Fills {
            fills: colour_graph(networks.len(), neighbours)
                .into_iter()
                .map(|c| QUALITATIVE[c % QUALITATIVE.len()])
                .collect(),
            classes: vec![],
        },
        ColourBy::Enrollment => {
            let t = tolerance_pct.max(1.0);
            let breaks = [-0.6 * t, -0.2 * t, 0.2 * t, 0.6 * t];
            classed(by, networks, &breaks, &DIVERGING)
        }
        ColourBy::Frpm | ColourBy::LowPerforming => {
            let values: Vec<f64> = networks.iter().filter_map(|n| by.value(n)).collect();
            let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let (lo, hi) = if lo.is_finite() {
                (lo.floor(), hi.ceil().max(lo.floor() + 5.0))
            } else {
                (0.0, 100.0)
            };
            let step = (hi - lo) / 5.0;
            let breaks: Vec<f64> = (1..5).map(|i| round_nice(lo + step * i as f64)).collect();
            classed(by, networks, &breaks, &SEQUENTIAL)
        }
    }
}

fn round_nice(v: f64) -> f64 {
    (v * 2.0).round() / 2.0
}

fn classed(
    by: ColourBy,
    networks: &[NetworkMetrics],
    breaks: &[f64],
    palette: &[&'static str; 5],
) -> Fills {
    let class_of = |v: f64| breaks.iter().take_while(|&&b| v >= b).count();
    let fills = networks
        .iter()
        .map(|n| by.value(n).map_or(NO_DATA, |v| palette[class_of(v)]))
        .collect();
    let f = |v: f64| fmt_num(v, if v.fract() == 0.0 { 0 } else { 1 });
    let mut classes = Vec::new();
    for (i, colour) in palette.iter().enumerate() {
        let label = match i {
            0 => format!("below {}", f(breaks[0])),
            4 => format!("{} or more", f(breaks[3])),
            _ => format!("{} to {}", f(breaks[i - 1]), f(breaks[i])),
        };
        classes.push(Class { colour, label });
    }
    if networks.iter().any(|n| by.value(n).is_none()) {
        classes.push(Class {
            colour: NO_DATA,
            label: "no data".into(),
        });
    }
    Fills { fills, classes }
}

/// DSatur graph colouring: colour indices such that no two neighbours share one. Deterministic: ties go to
/// the network with more neighbours, then the lower index. Planar maps need at most 4 colours in theory;
/// DSatur uses 4 or 5 on district maps.
pub(crate) fn colour_graph(k: usize, neighbours: &[(usize, usize)]) -> Vec<usize> {
    let mut adj = vec![Vec::new(); k];
    for &(a, b) in neighbours {
        if a < k && b < k && a != b {
            adj[a].push(b);
            adj[b].push(a);
        }
    }
    let mut colour: Vec<Option<usize>> = vec![None; k];
    for _ in 0..k {
        let saturation = |v: usize| {
            let mut seen: Vec<usize> = adj[v].iter().filter_map(|&w| colour[w]).collect();
            seen.sort_unstable();
            seen.dedup();
            seen.len()
        };
        let Some(v) = (0..k)
            .filter(|&v| colour[v].is_none())
            .max_by_key(|&v| (saturation(v), adj[v].len(), std::cmp::Reverse(v)))
        else {
            break;
        };
        let taken: Vec<usize> = adj[v].iter().filter_map(|&w| colour[w]).collect();
        colour[v] = (0..).find(|c| !taken.contains(c));
    }
    colour.into_iter().map(|c| c.unwrap_or(0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_never_share_a_colour() {
        // A wheel: a hub touching a ring of 7 (odd cycles need 3 colours, the hub a 4th).
        let mut edges: Vec<(usize, usize)> = (1..8).map(|i| (0, i)).collect();
        edges.extend((1..8).map(|i| (i, i % 7 + 1)));
        let c = colour_graph(8, &edges);
        for &(a, b) in &edges {
            assert_ne!(c[a], c[b], "{a} and {b}");
        }
        assert_eq!(c.iter().max(), Some(&3));
        assert_eq!(c, colour_graph(8, &edges), "deterministic");
    }

    #[test]
    fn shares_fall_into_ordered_classes() {
        let mut nets = Vec::new();
        for (i, v) in [Some(50.0), Some(90.0), None, Some(70.0)]
            .into_iter()
            .enumerate()
        {
            nets.push(NetworkMetrics {
                network: format!("N{i}"),
                frpm_pct: v,
                ..Default::default()
            });
        }
        let f = fills(ColourBy::Frpm, &nets, &[], 10.0, None);
        assert_eq!(f.fills[0], SEQUENTIAL[0]);
        assert_eq!(f.fills[1], SEQUENTIAL[4]);
        assert_eq!(f.fills[2], NO_DATA);
        assert_eq!(f.fills[3], SEQUENTIAL[2]);
        assert_eq!(f.classes.len(), 6);
        assert_eq!(f.classes[0].label, "below 58");
    }
}
