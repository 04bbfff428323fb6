//! The figures an ensemble compares: the ones the report and `compare` print for a whole plan, read
//! from the same network figures (`metrics`), so the plan's value here is the value in its report.
//! For every one of them lower is better (more compact, closer to even, more mixed).

use crate::plan_file::NetworkMetrics;
use std::collections::BTreeMap;

/// What a figure reads from a plan's networks.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// Σ of the networks' compactness.
    Compactness,
    /// The largest |gap| of a network's enrollment from the mean.
    LargestGap,
    /// The highest network's low-performing share of rated schools.
    LowPerformingHighest,
    /// Highest minus lowest network mean distance from standard.
    DfsSpread,
    /// Highest minus lowest network FRPM share.
    FrpmSpread,
    /// The dissimilarity index of one ethnic group.
    Dissimilarity(String),
}

/// One figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Stable key (columns of samples.csv, ensemble.json).
    pub key: String,
    /// As the report words it.
    pub title: String,
    pub unit: &'static str,
    /// A short name for narrow tables (the editor's panel, a comparison's rows).
    pub short: String,
    /// What "lower" means, for the page ("more compact").
    pub lower: &'static str,
    /// What "higher" means ("less compact").
    pub higher: &'static str,
    pub reading: Reading,
}

impl Figure {
    fn new(
        key: &str,
        (title, short): (&str, &str),
        unit: &'static str,
        (lower, higher): (&'static str, &'static str),
        reading: Reading,
    ) -> Figure {
        Figure {
            key: key.into(),
            title: title.into(),
            short: short.into(),
            unit,
            lower,
            higher,
            reading,
        }
    }

    /// The figure of a plan with these networks and dissimilarity indexes, to 3 decimals (as samples.csv
    /// keeps it, so a plan read back from its plan.json ties with the draws it ties with here).
    pub fn value(
        &self,
        networks: &[NetworkMetrics],
        dissimilarity: &BTreeMap<String, f64>,
    ) -> Option<f64> {
        self.raw(networks, dissimilarity)
            .map(|v| crate::text::round(v, 3))
    }

    fn raw(
        &self,
        networks: &[NetworkMetrics],
        dissimilarity: &BTreeMap<String, f64>,
    ) -> Option<f64> {
        let spread = |per: &dyn Fn(&NetworkMetrics) -> Option<f64>| {
            let v: Vec<f64> = networks.iter().filter_map(per).collect();
            let lo = v.iter().copied().reduce(f64::min)?;
            let hi = v.iter().copied().reduce(f64::max)?;
            Some(hi - lo)
        };
        match &self.reading {
            Reading::Compactness => Some(networks.iter().map(|n| n.compactness_km2).sum()),
            Reading::LargestGap => networks
                .iter()
                .map(|n| n.enrollment_deviation_pct.abs())
                .reduce(f64::max),
            Reading::LowPerformingHighest => networks
                .iter()
                .filter_map(|n| n.low_performing_pct)
                .reduce(f64::max),
            Reading::DfsSpread => spread(&|n| n.dfs),
            Reading::FrpmSpread => spread(&|n| n.frpm_pct),
            Reading::Dissimilarity(g) => dissimilarity.get(g).copied(),
        }
    }
}

/// The figures, in the report's order; one dissimilarity index for each group the plan has one for.
pub fn list(dissimilarity: &BTreeMap<String, f64>) -> Vec<Figure> {
    let mut out = vec![
        Figure::new(
            "compactness_km2",
            (
                "Compactness: sum of squared school-to-centre distances",
                "Compactness",
            ),
            "km²",
            ("more compact", "less compact"),
            Reading::Compactness,
        ),
        Figure::new(
            "largest_enrollment_gap_pct",
            (
                "Largest gap from the mean enrollment",
                "Largest enrollment gap",
            ),
            "%",
            ("closer to even enrollment", "further from even enrollment"),
            Reading::LargestGap,
        ),
        Figure::new(
            "low_performing_highest_pct",
            (
                "Low-performing share: highest network",
                "Highest low-performing share",
            ),
            "%",
            (
                "less concentrated low performance",
                "more concentrated low performance",
            ),
            Reading::LowPerformingHighest,
        ),
        Figure::new(
            "dfs_spread",
            (
                "Distance from standard: spread between networks",
                "Test-score spread",
            ),
            "points",
            ("more even test scores", "less even test scores"),
            Reading::DfsSpread,
        ),
        Figure::new(
            "frpm_spread",
            (
                "Poverty (FRPM) share: spread between networks",
                "Poverty spread",
            ),
            "points",
            ("more even poverty", "less even poverty"),
            Reading::FrpmSpread,
        ),
    ];
    for g in dissimilarity.keys() {
        let name = group_name(g);
        out.push(Figure::new(
            &format!(
                "dissimilarity_{}",
                g.to_lowercase()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
            ),
            (
                &format!("Dissimilarity index, {name} students (0-100)"),
                &format!("Dissimilarity: {name}"),
            ),
            "",
            ("more mixed", "less mixed"),
            Reading::Dissimilarity(g.clone()),
        ));
    }
    out
}

/// A group of the table's ethnicity columns as people write it.
fn group_name(g: &str) -> String {
    match g {
        "asian" => "Asian".into(),
        "black" => "Black".into(),
        "filipino" => "Filipino".into(),
        "hispanic" => "Hispanic".into(),
        "multi" => "multiracial".into(),
        "native" => "Native American".into(),
        "not_reported" => "not reported".into(),
        "pacific" => "Pacific Islander".into(),
        "white" => "White".into(),
        other => other.replace('_', " "),
    }
}
