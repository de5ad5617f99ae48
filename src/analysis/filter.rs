//! Monte Carlo filtering (regional sensitivity analysis) of an event: for
//! every random node, the Kolmogorov-Smirnov distance between its values
//! where the event holds and where it does not. From a plain run, or, for
//! events too rare for one, from the samples subset simulation or
//! importance sampling found in the event's region.

use super::Limit;
use super::rare::{RareEstimate, Region};
use super::sensitivity::{Measure, Sensitivity, factor_columns, random_nodes};
use crate::engine::program::Program;
use crate::engine::{Outcome, RunSettings, Workers};
use crate::error::Result;

/// The two-sample Kolmogorov-Smirnov distance between `x` and `y` (both
/// sorted, ties allowed): the largest gap between their empirical CDFs,
/// and a value of the factor where it is reached.
pub fn ks_distance(x: &[f64], y: &[f64]) -> (f64, f64) {
    weighted_ks_distance(x, &vec![1.0; x.len()], y)
}

/// `ks_distance` where each of `x`'s values carries a weight (`x` sorted,
/// `weights` beside it): the empirical CDF of `x` is the weighted one.
/// With unit weights the sums are whole numbers, exact in floating point.
pub fn weighted_ks_distance(x: &[f64], weights: &[f64], y: &[f64]) -> (f64, f64) {
    let total: f64 = weights.iter().sum();
    let m = y.len() as f64;
    let (mut i, mut j, mut below) = (0, 0, 0.0);
    let (mut d, mut at) = (0.0, f64::NAN);
    while i < x.len() && j < y.len() {
        let v = x[i].min(y[j]);
        while i < x.len() && x[i] <= v {
            below += weights[i];
            i += 1;
        }
        while j < y.len() && y[j] <= v {
            j += 1;
        }
        let gap = (below / total - j as f64 / m).abs();
        if gap > d {
            (d, at) = (gap, v);
        }
    }
    (d, at)
}

/// The Kolmogorov distribution's upper tail P(K > lambda): the asymptotic
/// p-value of a KS distance D between samples of sizes n1 and n2 at
/// lambda = D sqrt(n1 n2 / (n1 + n2)).
pub fn kolmogorov_tail(lambda: f64) -> f64 {
    if lambda.is_nan() {
        return f64::NAN;
    }
    if lambda <= 0.0 {
        return 1.0;
    }
    if lambda < 1.18 {
        // P(K <= l) = sqrt(2 pi) / l sum_k exp(-(2k - 1)^2 pi^2 / (8 l^2)),
        // which converges fast for small l.
        let pi2 = std::f64::consts::PI.powi(2);
        let sum: f64 = (1..=20)
            .map(|k| (-((2 * k - 1) as f64).powi(2) * pi2 / (8.0 * lambda * lambda)).exp())
            .sum();
        (1.0 - (2.0 * std::f64::consts::PI).sqrt() / lambda * sum).clamp(0.0, 1.0)
    } else {
        let sum: f64 = (1..=100)
            .map(|k| {
                let sign = if k % 2 == 1 { 1.0 } else { -1.0 };
                sign * (-2.0 * (k * k) as f64 * lambda * lambda).exp()
            })
            .sum();
        (2.0 * sum).clamp(0.0, 1.0)
    }
}

/// Monte Carlo filtering (regional sensitivity analysis) of an event: for
/// every random node, the Kolmogorov-Smirnov distance between its values
/// in the samples where the event holds and where it does not, with the
/// asymptotic p-value; ranked by distance. From one plain run.
pub fn filter(
    program: &Program,
    quantity: usize,
    settings: &RunSettings,
    workers: &Workers,
    progress: &mut dyn FnMut(u64),
) -> Result<Outcome<Sensitivity>> {
    let (factors, mut columns) =
        match factor_columns(program, quantity, settings, workers, progress)?.or_stopped() {
            Ok(found) => found,
            Err(stopped) => return Ok(stopped),
        };
    let event = columns.pop().expect("the event column");
    let mut notes = Vec::new();
    let undefined = event.iter().filter(|v| !v.is_finite()).count();
    if undefined > 0 {
        notes.push(format!(
            "{undefined} of {} samples had no value of the event and were left out",
            event.len()
        ));
    }
    let holds: Vec<bool> = event.iter().map(|&v| v != 0.0).collect();
    let n1 = event.iter().filter(|v| v.is_finite() && **v != 0.0).count();
    let n2 = event.len() - undefined - n1;
    if n1 == 0 || n2 == 0 {
        notes.push(format!(
            "the event {} in every sample: there is nothing to filter",
            if n1 == 0 { "failed" } else { "held" }
        ));
    }
    let reference = n1 as f64 / (n1 + n2).max(1) as f64;
    let mut scored: Vec<(f64, Vec<Measure>)> = factors
        .iter()
        .zip(&columns)
        .map(|((name, _), x)| {
            let (mut inside, mut outside) = (Vec::with_capacity(n1), Vec::with_capacity(n2));
            for ((&v, &e), &h) in x.iter().zip(&event).zip(&holds) {
                // A node without a value in a sample (a NaN parameter) is
                // left out of that factor's samples only.
                if e.is_finite() && v.is_finite() {
                    if h { inside.push(v) } else { outside.push(v) }
                }
            }
            inside.sort_by(f64::total_cmp);
            outside.sort_by(f64::total_cmp);
            let (d, at) = if inside.is_empty() || outside.is_empty() {
                (f64::NAN, f64::NAN)
            } else {
                ks_distance(&inside, &outside)
            };
            (
                d,
                ks_rows(name, d, at, inside.len() as f64, outside.len() as f64),
            )
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(Outcome::Completed(Sensitivity {
        method: crate::analysis::sensitivity::Method::Filter,
        samples: settings.samples,
        evaluations: settings.samples,
        rows: scored.into_iter().flat_map(|(_, r)| r).collect(),
        reference,
        notes,
    }))
}

/// A factor's two rows: the distance (and where it is reached) and its
/// asymptotic p-value for samples worth `n1` and `n2` independent ones.
fn ks_rows(factor: &str, d: f64, at: f64, n1: f64, n2: f64) -> Vec<Measure> {
    let m = |measure, value, factor_value| Measure {
        factor: factor.to_string(),
        measure,
        value,
        ci_low: f64::NAN,
        ci_high: f64::NAN,
        factor_value,
    };
    let p = kolmogorov_tail(d * (n1 * n2 / (n1 + n2)).sqrt());
    vec![m("ks", d, at), m("ks_p_value", p, f64::NAN)]
}

/// Monte Carlo filtering of a rare event from `estimate`'s region (asked
/// for with `keep_region`): each random node's values in the samples of
/// the event, weighted (importance sampling) or not (subset simulation),
/// against its values in the first level's samples outside the event, a
/// plain sample of the space where the event fails. The p-value counts
/// the event's samples as the independent ones they are worth
/// (`Region::effective`), not as their number: chains and weights make
/// them fewer. Evaluates the model at both sets of samples once more.
pub fn filter_region(
    limit: &mut Limit,
    program: &Program,
    estimate: &RareEstimate,
    samples: u64,
) -> Result<Sensitivity> {
    let empty = Region::default();
    let region = estimate.region.as_ref().unwrap_or(&empty);
    let factors = random_nodes(program);
    let inside = limit.node_values(&region.inside)?;
    let outside = limit.node_values(&region.outside)?;
    let mut notes: Vec<String> = estimate.warnings.clone();
    notes.push(format!(
        "the event's samples come from {} ({} model evaluations, P = {:.4e}): {} samples in the \
         event, worth about {:.0} independent ones, against {} plain samples outside it",
        match estimate.method {
            super::rare::RareMethod::Subset => "subset simulation",
            super::rare::RareMethod::ImportanceSampling => "importance sampling",
        },
        estimate.evaluations,
        estimate.mean,
        region.inside.len(),
        region.effective,
        region.outside.len(),
    ));
    let mut scored: Vec<(f64, Vec<Measure>)> = factors
        .iter()
        .map(|(name, _)| {
            let column = program
                .node_columns
                .iter()
                .position(|(n, _)| n == name)
                .expect("a random node has a column");
            let mut held: Vec<(f64, f64)> = inside[column]
                .iter()
                .zip(&region.weights)
                .filter(|(v, _)| v.is_finite())
                .map(|(&v, &w)| (v, w))
                .collect();
            held.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (x, w): (Vec<f64>, Vec<f64>) = held.into_iter().unzip();
            let mut failed: Vec<f64> = outside[column]
                .iter()
                .copied()
                .filter(|v| v.is_finite())
                .collect();
            failed.sort_by(f64::total_cmp);
            let (d, at) = if x.is_empty() || failed.is_empty() {
                (f64::NAN, f64::NAN)
            } else {
                weighted_ks_distance(&x, &w, &failed)
            };
            (
                d,
                ks_rows(name, d, at, region.effective, failed.len() as f64),
            )
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(Sensitivity {
        method: crate::analysis::sensitivity::Method::Filter,
        samples,
        evaluations: estimate.evaluations + (region.inside.len() + region.outside.len()) as u64,
        rows: scored.into_iter().flat_map(|(_, r)| r).collect(),
        reference: estimate.mean,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kolmogorov_tail_matches_published_critical_values() {
        // P(K > 1.3581) = 0.05, P(K > 1.6276) = 0.01, P(K > 1.2238) = 0.10
        // (Smirnov 1948); both branches of the series, and their seam.
        for (lambda, p) in [(1.3581, 0.05), (1.6276, 0.01), (1.2238, 0.10)] {
            assert!((kolmogorov_tail(lambda) - p).abs() < 1e-4, "{lambda}");
        }
        let (below, above) = (kolmogorov_tail(1.18 - 1e-12), kolmogorov_tail(1.18));
        assert!((below - above).abs() < 1e-10);
        assert_eq!(kolmogorov_tail(0.0), 1.0);
        assert!(kolmogorov_tail(0.3) > 0.9999);
    }

    #[test]
    fn ks_distance_handles_ties_and_separation() {
        assert_eq!(ks_distance(&[0.0, 1.0], &[2.0, 3.0]), (1.0, 1.0));
        // Ties across the samples: no gap at the shared values themselves.
        let (d, _) = ks_distance(&[0.0, 0.0, 1.0, 1.0], &[0.0, 1.0]);
        assert_eq!(d, 0.0);
        let (d, at) = ks_distance(&[0.0, 0.0, 0.0, 1.0], &[0.0, 1.0, 1.0, 1.0]);
        assert_eq!((d, at), (0.5, 0.0));
    }

    #[test]
    fn weighted_distance_weighs_each_value() {
        // Weights 3:1 on {0, 1} against an even {0, 1}: CDFs 0.75 and 0.5
        // at 0.
        let (d, at) = weighted_ks_distance(&[0.0, 1.0], &[3.0, 1.0], &[0.0, 1.0]);
        assert_eq!((d, at), (0.25, 0.0));
        // Unit weights give the unweighted distance bit for bit.
        let x = [0.1, 0.4, 0.4, 2.0];
        let y = [0.0, 0.3, 0.5];
        assert_eq!(weighted_ks_distance(&x, &[1.0; 4], &y), ks_distance(&x, &y));
    }
}
