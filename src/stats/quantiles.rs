//! Sample quantiles you can quote: which levels a run reports, the ranks of
//! the order statistics that estimate them and bound them, and the values
//! read from the sketch (and its fine counts, where the run kept them).
//!
//! The estimate of the quantile of level p from n values is the order
//! statistic of rank ceil(p n), the inverse of the empirical CDF (what
//! `numpy.quantile(x, p, method="inverted_cdf")` returns). Its interval is
//! distribution-free: ranks l and u from the binomial(n, p) such that
//! P(X(l) > q) < alpha / 2 and P(X(u) < q) <= alpha / 2 for the true
//! quantile q of any distribution, continuous or not; each end is then
//! pushed outward to the end of the bucket that holds it, so the sketch's
//! resolution only widens it.

use super::fine::{FINE_RELATIVE_ACCURACY, FineCounts, SPLIT, fine_bucket};
use super::sketch::{Located, QuantileSketch, RELATIVE_ACCURACY};
use crate::distributions::{Binomial, std_normal_quantile};

/// The levels every run reports (summary.csv's p05 ... p95).
pub const STANDARD_LEVELS: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// The most levels a run may ask for beyond the standard ones.
pub const MAX_EXTRA_LEVELS: usize = 16;
const MAX_LEVELS: usize = STANDARD_LEVELS.len() + MAX_EXTRA_LEVELS;

/// The quantile levels a run reports, increasing, and the confidence of
/// their intervals: what the run must resolve finely.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantileRequest {
    levels: [f64; MAX_LEVELS],
    len: usize,
    pub confidence: f64,
}

impl QuantileRequest {
    /// The standard levels and `extra` ones, each in (0, 1).
    pub fn new(extra: &[f64], confidence: f64) -> Result<QuantileRequest, String> {
        if extra.len() > MAX_EXTRA_LEVELS {
            return Err(format!(
                "at most {MAX_EXTRA_LEVELS} levels may be asked for, got {}",
                extra.len()
            ));
        }
        if let Some(bad) = extra.iter().find(|p| !(**p > 0.0 && **p < 1.0)) {
            return Err(format!("a quantile level must be in (0, 1), got {bad}"));
        }
        let mut all: Vec<f64> = STANDARD_LEVELS.iter().chain(extra).copied().collect();
        all.sort_by(f64::total_cmp);
        all.dedup();
        let mut levels = [0.0; MAX_LEVELS];
        levels[..all.len()].copy_from_slice(&all);
        Ok(QuantileRequest {
            levels,
            len: all.len(),
            confidence,
        })
    }

    /// The standard levels only.
    pub fn standard(confidence: f64) -> QuantileRequest {
        QuantileRequest::new(&[], confidence).expect("the standard levels are valid")
    }

    pub fn levels(&self) -> &[f64] {
        &self.levels[..self.len]
    }
}

/// 1-based ranks of the order statistics for level p among n values: the
/// estimate, and the interval's ends (None where the sample is too small
/// to bound that side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ranks {
    pub point: u64,
    pub low: Option<u64>,
    pub high: Option<u64>,
}

/// Beyond this standard deviation of the binomial the ranks come from the
/// Cornish-Fisher expansion (a sum over the counts would take too long),
/// widened by one rank each way to stay conservative.
const EXACT_SD: f64 = 100.0;

/// The smallest k with P(B <= k) >= u for B ~ binomial(n, p), or an
/// approximation of it and the slack to allow.
fn binomial_quantile(n: u64, p: f64, u: f64) -> (f64, f64) {
    let sd = (n as f64 * p * (1.0 - p)).sqrt();
    if sd <= EXACT_SD {
        let b = Binomial::new(n as f64, p).expect("n and p were checked");
        (b.quantile_exact(u), 0.0)
    } else {
        let z = std_normal_quantile(u);
        let skew = (1.0 - 2.0 * p) / sd;
        let x = n as f64 * p + sd * (z + skew * (z * z - 1.0) / 6.0);
        ((x - 0.5).ceil().clamp(0.0, n as f64), 1.0)
    }
}

pub fn ranks(n: u64, p: f64, confidence: f64) -> Ranks {
    let point = ((p * n as f64).ceil() as u64).clamp(1, n.max(1));
    let alpha = 1.0 - confidence;
    // l: the largest rank with P(B <= l - 1) < alpha / 2, which is the
    // smallest k with P(B <= k) >= alpha / 2.
    let (k, slack) = binomial_quantile(n, p, alpha / 2.0);
    let low = k - slack;
    // u: the smallest rank with P(B >= u) <= alpha / 2.
    let (k, slack) = binomial_quantile(n, p, 1.0 - alpha / 2.0);
    let high = k + 1.0 + slack;
    Ranks {
        point,
        low: (low >= 1.0).then_some(low as u64),
        high: (high <= n as f64).then_some(high as u64),
    }
}

/// One reported quantile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantileEstimate {
    pub level: f64,
    pub value: f64,
    /// -inf or +inf where the sample is too small to bound that side.
    pub ci_low: f64,
    pub ci_high: f64,
    pub confidence: f64,
    /// The bound on |value - exact order statistic| / |exact|: 0 where the
    /// value is exact (zero, the minimum, the maximum), `FINE_RELATIVE_ACCURACY`
    /// where the run kept fine counts, the sketch's `RELATIVE_ACCURACY`
    /// otherwise (a shard merge whose parts lacked them).
    pub resolution: f64,
}

/// A bucket that holds a rank: its ends and representative, and how
/// precise the representative is.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Held {
    low: f64,
    high: f64,
    value: f64,
    resolution: f64,
}

/// Reads quantiles from a sketch and the fine counts kept beside it.
pub struct QuantileReader<'a> {
    pub sketch: &'a QuantileSketch,
    pub fine: &'a [FineCounts],
}

impl QuantileReader<'_> {
    /// The fine counts of `slot`, if some window counted every value of it.
    fn fine_of(&self, slot: i64, count: u64) -> Option<[u64; SPLIT]> {
        self.fine
            .iter()
            .filter_map(|f| f.of_slot(slot))
            .find(|c| c.iter().sum::<u64>() == count)
    }

    /// Whether the fine counts cover `slot` completely.
    pub fn complete(&self, slot: i64) -> bool {
        let count = self
            .sketch
            .slots()
            .iter()
            .find(|&&(s, _)| s == slot)
            .map_or(0, |&(_, c)| c);
        self.fine_of(slot, count).is_some()
    }

    /// The bucket of the value of 1-based rank `rank`, as finely as known.
    fn held(&self, rank: u64) -> Held {
        let (min, max) = (self.sketch.min(), self.sketch.max());
        let held = match self.sketch.locate(rank - 1) {
            Located::Zero => Held {
                low: 0.0,
                high: 0.0,
                value: 0.0,
                resolution: 0.0,
            },
            Located::Slot { slot, below, count } => {
                // Fine counts are used only where every value of the slot
                // was counted (a merge of parts may lack some).
                match self.fine_of(slot, count) {
                    Some(counts) => {
                        let mut seen = 0;
                        let sub = counts
                            .iter()
                            .position(|&c| {
                                seen += c;
                                seen > below
                            })
                            .unwrap_or(SPLIT - 1);
                        let (low, high, value) = fine_bucket(slot, sub);
                        Held {
                            low,
                            high,
                            value,
                            resolution: FINE_RELATIVE_ACCURACY,
                        }
                    }
                    None => {
                        let (low, high, value) = self.sketch.slot_bucket(slot);
                        Held {
                            low,
                            high,
                            value,
                            resolution: RELATIVE_ACCURACY,
                        }
                    }
                }
            }
        };
        // The exact extremes bound every bucket; a value clamped to one is
        // that extreme exactly.
        let value = held.value.clamp(min, max);
        Held {
            low: held.low.max(min),
            high: held.high.min(max),
            value,
            resolution: if value == min || value == max {
                0.0
            } else {
                held.resolution
            },
        }
    }

    /// The estimate of level `level` and its interval at `confidence`; None
    /// when the sketch is empty.
    pub fn estimate(&self, level: f64, confidence: f64) -> Option<QuantileEstimate> {
        let n = self.sketch.count();
        if n == 0 {
            return None;
        }
        let r = ranks(n, level, confidence);
        let point = self.held(r.point);
        Some(QuantileEstimate {
            level,
            value: point.value,
            ci_low: r.low.map_or(f64::NEG_INFINITY, |l| self.held(l).low),
            ci_high: r.high.map_or(f64::INFINITY, |u| self.held(u).high),
            confidence,
            resolution: point.resolution,
        })
    }

    /// The slots a level's estimate and interval are read from.
    pub fn needed_slots(&self, level: f64, confidence: f64) -> Vec<i64> {
        let n = self.sketch.count();
        if n == 0 {
            return Vec::new();
        }
        let r = ranks(n, level, confidence);
        [Some(r.point), r.low, r.high]
            .into_iter()
            .flatten()
            .filter_map(|rank| match self.sketch.locate(rank - 1) {
                Located::Slot { slot, .. } => Some(slot),
                Located::Zero => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::fine::{Window, slot_of};
    use std::sync::Arc;

    /// P(B <= k) for B ~ binomial(n, p), by summing the mass function in
    /// logs (small n only).
    fn binomial_cdf(k: i64, n: u64, p: f64) -> f64 {
        if k < 0 {
            return 0.0;
        }
        let ln_choose = |j: u64| -> f64 {
            (1..=j)
                .map(|i| ((n - j + i) as f64 / i as f64).ln())
                .sum::<f64>()
        };
        (0..=(k as u64).min(n))
            .map(|j| (ln_choose(j) + j as f64 * p.ln() + (n - j) as f64 * (1.0 - p).ln()).exp())
            .sum()
    }

    #[test]
    fn ranks_are_the_tightest_with_the_stated_tails() {
        for &(n, p) in &[
            (20u64, 0.5),
            (100, 0.05),
            (1000, 0.25),
            (5000, 0.95),
            (59, 0.05),
        ] {
            let r = ranks(n, p, 0.95);
            if let Some(l) = r.low {
                // P(X(l) > q) = P(B <= l - 1) < 0.025, and l + 1 would not be.
                assert!(
                    binomial_cdf(l as i64 - 1, n, p) < 0.025,
                    "n {n} p {p} l {l}"
                );
                assert!(binomial_cdf(l as i64, n, p) >= 0.025, "n {n} p {p} l {l}");
            } else {
                assert!(binomial_cdf(0, n, p) >= 0.025);
            }
            if let Some(u) = r.high {
                // P(X(u) < q) = P(B >= u) <= 0.025, and u - 1 would not be.
                assert!(1.0 - binomial_cdf(u as i64 - 1, n, p) <= 0.025 + 1e-12);
                assert!(1.0 - binomial_cdf(u as i64 - 2, n, p) > 0.025);
            }
            assert_eq!(r.point, (p * n as f64).ceil() as u64);
        }
        // Twenty values cannot bound the 5% quantile from below.
        assert_eq!(ranks(20, 0.05, 0.95).low, None);
    }

    #[test]
    fn approximate_ranks_are_never_narrower_than_exact_ones() {
        // Just above and below the switch: the expansion's ranks, widened
        // by one, contain the summed ones at a neighbouring n.
        let exact = ranks(40_000, 0.5, 0.95); // sd 100: summed
        let approx = ranks(40_004, 0.5, 0.95); // sd just above 100
        assert!(approx.low.unwrap() <= exact.low.unwrap() + 2);
        assert!(approx.high.unwrap() + 2 >= exact.high.unwrap() + 4);
        let wide = ranks(10_000_000, 0.05, 0.99);
        let sd = (1e7f64 * 0.05 * 0.95).sqrt();
        let z = std_normal_quantile(0.995);
        let (l, u) = (wide.low.unwrap() as f64, wide.high.unwrap() as f64);
        assert!((l - (5e5 - z * sd)).abs() < 3.0, "{l}");
        assert!((u - (5e5 + z * sd)).abs() < 3.0, "{u}");
    }

    #[test]
    fn levels_are_validated_and_merged_with_the_standard_ones() {
        let q = QuantileRequest::new(&[0.99, 0.5, 0.01], 0.95).unwrap();
        assert_eq!(q.levels(), &[0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]);
        assert!(QuantileRequest::new(&[1.0], 0.95).is_err());
        assert!(QuantileRequest::new(&[f64::NAN], 0.95).is_err());
        assert!(QuantileRequest::new(&[0.5; 17], 0.95).is_err());
    }

    #[test]
    fn fine_counts_read_the_order_statistic_to_their_resolution() {
        // 2,000 values packed into two coarse buckets near 100.
        let values: Vec<f64> = (0..2000).map(|i| 99.9 + i as f64 * 0.0007).collect();
        let mut sketch = QuantileSketch::default();
        values.iter().for_each(|&x| sketch.add(x));
        let coarse = QuantileReader {
            sketch: &sketch,
            fine: &[],
        };
        let slots: Vec<i64> = values.iter().map(|&x| slot_of(x)).collect();
        let mut fine = FineCounts::new(Arc::new(Window::new(slots).unwrap()));
        fine.add(&values);
        let fine = [fine];
        let reader = QuantileReader {
            sketch: &sketch,
            fine: &fine,
        };
        for level in [0.01, 0.3, 0.5, 0.77, 0.99] {
            let exact = values[(level * 2000.0_f64).ceil() as usize - 1];
            let e = reader.estimate(level, 0.95).unwrap();
            assert!((e.value - exact).abs() <= FINE_RELATIVE_ACCURACY * (1.0 + 1e-12) * exact);
            // Zero where the value is clamped to an exact extreme.
            assert!(e.resolution <= FINE_RELATIVE_ACCURACY);
            let c = coarse.estimate(level, 0.95).unwrap();
            assert!((c.value - exact).abs() <= RELATIVE_ACCURACY * exact);
            assert!(c.resolution <= RELATIVE_ACCURACY);
            // The interval holds the order statistics of its ranks.
            let r = ranks(2000, level, 0.95);
            assert!(e.ci_low <= values[r.low.unwrap() as usize - 1]);
            assert!(e.ci_high >= values[r.high.unwrap() as usize - 1]);
            assert!(c.ci_low <= e.ci_low && e.ci_high <= c.ci_high);
        }
    }
}
