//! From accumulators to the numbers we report for each event and output.

pub mod convergence;
pub mod histogram;
pub mod horizon;

use crate::engine::accumulate::Units;
use crate::engine::program::{Program, QuantityKind};
use crate::engine::{Accumulators, QuantityAccumulator};
use crate::stats::interval::{ProportionInterval, mean_interval};
use crate::stats::moments::Moments;
use crate::stats::quantiles::{QuantileEstimate, QuantileReader, STANDARD_LEVELS};

/// The quantiles reported for every quantity, with their column names.
pub const QUANTILES: [(f64, &str); 5] = [
    (STANDARD_LEVELS[0], "p05"),
    (STANDARD_LEVELS[1], "p25"),
    (STANDARD_LEVELS[2], "p50"),
    (STANDARD_LEVELS[3], "p75"),
    (STANDARD_LEVELS[4], "p95"),
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
    /// Outputs: every level the run reports (the standard ones and those
    /// asked for), with intervals. Empty for events.
    pub quantile_estimates: Vec<QuantileEstimate>,
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

/// The estimate of one quantity and its interval: the mean (a probability
/// for events) over the finite samples, with the interval the design calls
/// for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    pub std_error: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// `wilson`, `clopper-pearson` (events) or `t` (outputs); `pairs-t` or
    /// `replicates-t` under the antithetic and qmc designs.
    pub interval: &'static str,
}

/// The summary of quantity `index` alone (what a stopping rule watches).
pub fn summarise_one(
    program: &Program,
    acc: &Accumulators,
    index: usize,
    settings: &SummarySettings,
) -> QuantitySummary {
    let e = estimate(acc, index, settings);
    let (q, a) = (&program.quantities[index], &acc.quantities[index]);
    let (sd, min, quantiles, max, quantile_estimates) = match a {
        QuantityAccumulator::Event { hits, misses, .. } => {
            let n = hits + misses;
            let p = *hits as f64 / n as f64;
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
            let min = if *misses > 0 {
                0.0
            } else if n > 0 {
                1.0
            } else {
                f64::NAN
            };
            let max = if *hits > 0 {
                1.0
            } else if n > 0 {
                0.0
            } else {
                f64::NAN
            };
            (
                (p * (1.0 - p)).sqrt(),
                min,
                QUANTILES.map(|(level, _)| quantile(level)),
                max,
                Vec::new(),
            )
        }
        QuantityAccumulator::Output {
            moments,
            sketch,
            fine,
            ..
        } => {
            let n = moments.count;
            let reader = QuantileReader { sketch, fine };
            let estimates: Vec<QuantileEstimate> = acc
                .request
                .levels()
                .iter()
                .filter_map(|&level| reader.estimate(level, settings.confidence))
                .collect();
            let standard = QUANTILES.map(|(level, _)| {
                estimates
                    .iter()
                    .find(|e| e.level == level)
                    .map_or(f64::NAN, |e| e.value)
            });
            (
                moments.sd(),
                if n > 0 { moments.min } else { f64::NAN },
                standard,
                if n > 0 { moments.max } else { f64::NAN },
                estimates,
            )
        }
    };
    QuantitySummary {
        name: q.name.clone(),
        kind: q.kind,
        samples: acc.samples,
        non_finite: a.non_finite(),
        mean: e.mean,
        std_error: e.std_error,
        ci_low: e.ci_low,
        ci_high: e.ci_high,
        interval: e.interval,
        sd,
        min,
        quantiles,
        max,
        quantile_estimates,
    }
}

/// The estimate of quantity `index` and its interval.
pub fn estimate(acc: &Accumulators, index: usize, settings: &SummarySettings) -> Estimate {
    let mut e = estimate_from_samples(acc, index, settings);
    // Designs whose samples are not independent: the standard error and
    // interval come from the independent units (antithetic pairs, QMC
    // replicates), around the same estimate.
    let (units, name) = match &acc.units {
        Units::Samples => return e,
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
    e.std_error = units.std_error();
    let (lo, hi) = mean_interval(e.mean, e.std_error, units.count, settings.confidence);
    (e.ci_low, e.ci_high, e.interval) = (lo, hi, name);
    e
}

/// The estimate with the per-sample formulas (independent samples).
pub(crate) fn estimate_from_samples(acc: &Accumulators, index: usize, settings: &SummarySettings) -> Estimate {
    match &acc.quantities[index] {
        QuantityAccumulator::Event { hits, misses, .. } => {
            let n = hits + misses;
            let p = *hits as f64 / n as f64;
            let (ci_low, ci_high) =
                settings
                    .proportion_interval
                    .interval(*hits, n, settings.confidence);
            Estimate {
                mean: p,
                std_error: (p * (1.0 - p) / n as f64).sqrt(),
                ci_low,
                ci_high,
                interval: settings.proportion_interval.name(),
            }
        }
        QuantityAccumulator::Output { moments, .. } => {
            let n = moments.count;
            let mean = if n > 0 { moments.mean } else { f64::NAN };
            let std_error = moments.std_error();
            let (ci_low, ci_high) = mean_interval(mean, std_error, n, settings.confidence);
            Estimate {
                mean,
                std_error,
                ci_low,
                ci_high,
                interval: "t",
            }
        }
    }
}
