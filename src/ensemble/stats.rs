//! Summaries of a figure's draws: where a plan falls among them, and whether the chains agree.
//!
//! R-hat and the effective sample size follow Gelman et al., *Bayesian Data Analysis* (3rd ed., §11.4-11.5):
//! split R-hat (each chain cut in two halves, so a chain that drifts disagrees with itself) and the effective
//! size from the chains' autocorrelations, summed over lags in pairs until a pair turns negative (Geyer's
//! initial positive sequence).

/// Percentage of `draws` below `value`, ties counted half: 50 is typical, near 0 or 100 an outlier.
pub fn percentile(draws: &[f64], value: f64) -> f64 {
    if draws.is_empty() {
        return f64::NAN;
    }
    let below = draws.iter().filter(|&&d| d < value).count() as f64;
    let ties = draws.iter().filter(|&&d| d == value).count() as f64;
    100.0 * (below + 0.5 * ties) / draws.len() as f64
}

/// The `q`-quantile (0-1) of `draws`, by linear interpolation between order statistics.
pub fn quantile(draws: &[f64], q: f64) -> f64 {
    if draws.is_empty() {
        return f64::NAN;
    }
    let mut s = draws.to_vec();
    s.sort_by(f64::total_cmp);
    let h = q.clamp(0.0, 1.0) * (s.len() - 1) as f64;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    s[lo] + (h - lo as f64) * (s[hi] - s[lo])
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

fn variance(x: &[f64]) -> f64 {
    let m = mean(x);
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() as f64 - 1.0)
}

/// The chains cut in halves of equal length (the shortest chain's), for split R-hat.
fn halves(chains: &[Vec<f64>]) -> Vec<&[f64]> {
    let n = chains.iter().map(Vec::len).min().unwrap_or(0) / 2;
    chains
        .iter()
        .flat_map(|c| [&c[..n], &c[n..2 * n]])
        .collect()
}

/// Within- and between-chain variance of equal-length `chains`: (W, var⁺), or `None` when too short.
fn variances(chains: &[&[f64]]) -> Option<(f64, f64)> {
    let (m, n) = (chains.len(), chains.first().map_or(0, |c| c.len()));
    if m < 2 || n < 2 {
        return None;
    }
    let means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
    let b = n as f64 * variance(&means);
    let w = chains.iter().map(|c| variance(c)).sum::<f64>() / m as f64;
    let var_plus = (n as f64 - 1.0) / n as f64 * w + b / n as f64;
    Some((w, var_plus))
}

/// Split R-hat of a figure over chains: about 1 when the chains have mixed; `None` when there are too few
/// draws. A figure that never changes has R-hat 1.
pub fn rhat(chains: &[Vec<f64>]) -> Option<f64> {
    let (w, var_plus) = variances(&halves(chains))?;
    if w == 0.0 {
        let all = chains.iter().flatten();
        let first = chains.iter().flatten().next()?;
        return Some(if all.into_iter().all(|v| v == first) {
            1.0
        } else {
            f64::INFINITY
        });
    }
    Some((var_plus / w).sqrt())
}

/// Effective sample size of a figure over chains (of the split halves, as for R-hat): how many
/// independent draws the correlated ones are worth.
pub fn ess(chains: &[Vec<f64>]) -> Option<f64> {
    let h = halves(chains);
    let (w, var_plus) = variances(&h)?;
    let (m, n) = (h.len(), h[0].len());
    if var_plus == 0.0 || w == 0.0 {
        return Some((m * n) as f64);
    }
    // Autocovariance of each half at lag t, averaged over halves.
    let means: Vec<f64> = h.iter().map(|c| mean(c)).collect();
    let acov = |t: usize| -> f64 {
        h.iter()
            .zip(&means)
            .map(|(c, mu)| {
                (0..n - t)
                    .map(|i| (c[i] - mu) * (c[i + t] - mu))
                    .sum::<f64>()
                    / n as f64
            })
            .sum::<f64>()
            / m as f64
    };
    let rho = |t: usize| 1.0 - (w - acov(t)) / var_plus;
    let mut sum = 0.0;
    let mut t = 1;
    while t + 1 < n {
        let pair = rho(t) + rho(t + 1);
        if pair < 0.0 {
            break;
        }
        sum += pair;
        t += 2;
    }
    let tau = (-1.0 + 2.0 * (rho(0) + sum)).max(1.0 / ((m * n) as f64).log10().max(1.0));
    Some(((m * n) as f64 / tau).min((m * n) as f64))
}

/// `bins` equal bins over `[lo, hi]`: each bin's count of draws.
pub fn histogram(draws: &[f64], lo: f64, hi: f64, bins: usize) -> Vec<usize> {
    let mut out = vec![0; bins];
    let width = (hi - lo) / bins as f64;
    for &d in draws {
        let b = if width > 0.0 {
            ((d - lo) / width).floor().clamp(0.0, (bins - 1) as f64) as usize
        } else {
            bins / 2
        };
        out[b] += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn percentile_counts_ties_half() {
        let d = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&d, 0.0), 0.0);
        assert_eq!(percentile(&d, 2.0), 37.5);
        assert_eq!(percentile(&d, 9.0), 100.0);
        assert_eq!(quantile(&d, 0.5), 2.5);
    }

    /// Independent chains from one distribution give R-hat near 1 and an effective size near the draws;
    /// chains stuck at different levels give R-hat far above 1; a random walk has a small effective size.
    #[test]
    fn rhat_and_ess_tell_mixed_from_stuck() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let iid: Vec<Vec<f64>> = (0..4)
            .map(|_| (0..1000).map(|_| rng.random::<f64>()).collect())
            .collect();
        let r = rhat(&iid).unwrap();
        assert!((0.99..1.01).contains(&r), "{r}");
        let e = ess(&iid).unwrap();
        assert!(e > 3000.0, "{e}");
        let stuck: Vec<Vec<f64>> = (0..4)
            .map(|c| (0..1000).map(|_| c as f64 + rng.random::<f64>()).collect())
            .collect();
        assert!(rhat(&stuck).unwrap() > 1.5);
        let walk: Vec<Vec<f64>> = (0..4)
            .map(|_| {
                let mut x = 0.0;
                (0..1000)
                    .map(|_| {
                        x = 0.99 * x + rng.random::<f64>() - 0.5;
                        x
                    })
                    .collect()
            })
            .collect();
        assert!(ess(&walk).unwrap() < 400.0);
        assert_eq!(rhat(&[vec![2.0; 10], vec![2.0; 10]]), Some(1.0));
    }
}
