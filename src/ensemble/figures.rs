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
    /// What "lower" means, for the page ("more compact").
    pub lower: &'static str,
    pub reading: Reading,
}

impl Figure {
    fn new(
        key: &str,
        title: &str,
        unit: &'static str,
        lower: &'static str,
        reading: Reading,
    ) -> Figure {
        Figure {
            key: key.into(),
            title: title.into(),
            unit,
            lower,
            reading,
        }
    }

    /// The figure of a plan with these networks and dissimilarity indexes.
    pub fn value(
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
            "Compactness (sum of squared school-to-centre distances)",
            "km²",
            "more compact",
            Reading::Compactness,
        ),
        Figure::new(
            "largest_enrollment_gap_pct",
            "Largest gap from the mean enrollment",
            "%",
            "closer to even enrollment",
            Reading::LargestGap,
        ),
        Figure::new(
            "low_performing_highest_pct",
            "Low-performing share: highest network",
            "%",
            "less concentrated low performance",
            Reading::LowPerformingHighest,
        ),
        Figure::new(
            "dfs_spread",
            "Distance from standard: spread between networks",
            "points",
            "more even performance",
            Reading::DfsSpread,
        ),
        Figure::new(
            "frpm_spread",
            "Poverty (FRPM) share: spread between networks",
            "points",
            "more even poverty",
            Reading::FrpmSpread,
        ),
    ];
    for g in dissimilarity.keys() {
        out.push(Figure::new(
            &format!(
                "dissimilarity_{}",
                g.to_lowercase()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
            ),
            &format!("Dissimilarity index, {g} students (0-100)"),
            "",
            "more mixed",
            Reading::Dissimilarity(g.clone()),
        ));
    }
    out
}
