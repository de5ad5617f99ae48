//! From accumulators to the numbers we report for each event and output.

use crate::engine::accumulate::Units;
use crate::engine::program::{Program, QuantityKind};
use crate::engine::{Accumulators, QuantityAccumulator};
use crate::stats::interval::{ProportionInterval, mean_interval};
use crate::stats::moments::Moments;

/// The quantiles reported for every quantity, with their column names.
pub const QUANTILES: [(f64, &str); 5] = [
    (0.05, "p05"),
    (0.25, "p25"),
    (0.5, "p50"),
    (0.75, "p75"),
    (0.95, "p95"),
];

#[derive(Debug, Clone, PartialEq)]
pub struct QuantitySummary {
    pub name: String,
    pub kind: QuantityKind,
    /// Samples drawn, including non-finite ones.
    pub samples: u64,
    /// Samples whose value was NaN or infinite: excluded from every estimate.
    pub non_finite: u64,
    /// Probability (events) or mean (outputs) over the finite samples.
    pub mean: f64,
    pub std_error: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// `wilson`, `clopper-pearson` (events) or `t` (outputs); `pairs-t` or
    /// `replicates-t` under the antithetic and qmc designs.
    pub interval: &'static str,
    pub sd: f64,
    pub min: f64,
    pub quantiles: [f64; 5],
    pub max: f64,
}

/// Settings that shape the summary, not the samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummarySettings {
    pub confidence: f64,
    pub proportion_interval: ProportionInterval,
}

pub fn summarise(
    program: &Program,
    acc: &Accumulators,
    settings: &SummarySettings,
) -> Vec<QuantitySummary> {
    (0..program.quantities.len())
        .map(|i| summarise_one(program, acc, i, settings))
        .collect()
}

/// The summary of quantity `index` alone (what a stopping rule watches).
pub fn summarise_one(
    program: &Program,
    acc: &Accumulators,
    index: usize,
    settings: &SummarySettings,
) -> QuantitySummary {
    let mut s = summarise_samples(program, acc, index, settings);
    // Designs whose samples are not independent: the standard error and
    // interval come from the independent units (antithetic pairs, QMC
    // replicates), around the same estimate.
    let (units, name) = match &acc.units {
        Units::Samples => return s,
        Units::Pairs(m) => (m[index], "pairs-t"),
        Units::Replicates { sums, .. } => {
            let means: Vec<f64> = sums[index]
                .iter()
                .filter(|(_, c)| *c > 0)
                .map(|(sum, c)| sum / *c as f64)
                .collect();
            (Moments::of(&means), "replicates-t")
        }
    };
    s.std_error = units.std_error();
    let (lo, hi) = mean_interval(s.mean, s.std_error, units.count, settings.confidence);
    (s.ci_low, s.ci_high, s.interval) = (lo, hi, name);
    s
}

/// The summary with the per-sample formulas (independent samples).
fn summarise_samples(
    program: &Program,
    acc: &Accumulators,
    index: usize,
    settings: &SummarySettings,
) -> QuantitySummary {
    let (q, a) = (&program.quantities[index], &acc.quantities[index]);
    {
        match a {
            QuantityAccumulator::Event {
                hits,
                misses,
                non_finite,
            } => {
                let n = hits + misses;
                let p = *hits as f64 / n as f64;
                let (ci_low, ci_high) =
                    settings
                        .proportion_interval
                        .interval(*hits, n, settings.confidence);
                // Quantiles of a 0/1 indicator are exact: 0 up to rank `misses`.
                let quantile = |level: f64| {
                    let rank = ((level * n as f64).ceil() as u64).clamp(1, n.max(1)) - 1;
                    if n == 0 {
                        f64::NAN
                    } else if rank < *misses {
                        0.0
                    } else {
                        1.0
                    }
                };
                QuantitySummary {
                    name: q.name.clone(),
                    kind: q.kind,
                    samples: acc.samples,
                    non_finite: *non_finite,
                    mean: p,
                    std_error: (p * (1.0 - p) / n as f64).sqrt(),
                    ci_low,
                    ci_high,
                    interval: settings.proportion_interval.name(),
                    sd: (p * (1.0 - p)).sqrt(),
                    min: if *misses > 0 {
                        0.0
                    } else if n > 0 {
                        1.0
                    } else {
                        f64::NAN
                    },
                    quantiles: QUANTILES.map(|(level, _)| quantile(level)),
                    max: if *hits > 0 {
                        1.0
                    } else if n > 0 {
                        0.0
                    } else {
                        f64::NAN
                    },
                }
            }
            QuantityAccumulator::Output {
                moments,
                sketch,
                non_finite,
            } => {
                let n = moments.count;
                let mean = if n > 0 { moments.mean } else { f64::NAN };
                let std_error = moments.std_error();
                let (ci_low, ci_high) = mean_interval(mean, std_error, n, settings.confidence);
                QuantitySummary {
                    name: q.name.clone(),
                    kind: q.kind,
                    samples: acc.samples,
                    non_finite: *non_finite,
                    mean,
                    std_error,
                    ci_low,
                    ci_high,
                    interval: "t",
                    sd: moments.sd(),
                    min: if n > 0 { moments.min } else { f64::NAN },
                    quantiles: QUANTILES.map(|(level, _)| sketch.quantile(level)),
                    max: if n > 0 { moments.max } else { f64::NAN },
                }
            }
        }
    }
}
