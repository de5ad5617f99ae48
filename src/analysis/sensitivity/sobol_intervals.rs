//! Intervals of Sobol indices: under qmc from the spread of the estimates
//! of blocks of rows, under mc from bootstrap resamples.

use super::sobol_estimators::sobol_indices;
use crate::engine::design::qmc_points;
use crate::engine::rng::{StreamRng, stream_id};
use crate::engine::{RunSettings, Workers};
use crate::stats::interval::mean_interval;

/// The percentile interval of bootstrap replicates.
fn percentile_interval(mut values: Vec<f64>, confidence: f64) -> (f64, f64) {
    values.retain(|v| v.is_finite());
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let at = |q: f64| values[((q * n as f64).floor() as usize).min(n - 1)];
    let alpha = 1.0 - confidence;
    (at(alpha / 2.0), at(1.0 - alpha / 2.0))
}

/// A Student-t interval about `estimate` from the spread of `blocks`, the
/// estimates of R blocks that together make up the rows `estimate` pools
/// (NaN with fewer than two finite estimates). Each block of a scrambled
/// Sobol sequence is a scrambled net of its own; blocks of one sequence
/// are not independent but balance one another, so their spread over
/// sqrt(R) bounds the pooled estimate's error from above (conservative:
/// measured, the pooled estimate's error was about a quarter of it).
fn block_interval(estimate: f64, blocks: &[f64], confidence: f64) -> (f64, f64, f64) {
    let v: Vec<f64> = blocks.iter().copied().filter(|x| x.is_finite()).collect();
    let r = v.len() as f64;
    if v.len() < 2 {
        return (estimate, f64::NAN, f64::NAN);
    }
    let mean = v.iter().sum::<f64>() / r;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (r - 1.0);
    let (lo, hi) = mean_interval(estimate, (var / r).sqrt(), v.len() as u64, confidence);
    (estimate, lo, hi)
}

/// Blocks of a QMC Sobol design of `samples` rows (the last may be short)
/// whose estimates' spread gives the intervals.
pub fn sobol_blocks(samples: u64) -> u64 {
    samples.div_ceil(qmc_points(samples))
}

pub(super) fn to_u32(rows: &[usize]) -> Vec<u32> {
    rows.iter().map(|&j| j as u32).collect()
}

/// Per factor: (S1, low, high) and (ST, low, high).
pub(super) type Estimates = Vec<((f64, f64, f64), (f64, f64, f64))>;

/// Estimates from every kept row, with t intervals from the estimates of
/// each QMC block's kept rows; `None` if cancelled.
pub(super) fn replicate_estimates(
    f: &[Vec<f64>],
    keep: &[usize],
    settings: &RunSettings,
    confidence: f64,
    workers: &Workers,
) -> Option<Estimates> {
    let d = (f.len() - 2) / 2;
    let points = qmc_points(settings.samples) as usize;
    let (mut first, mut total) = (vec![Vec::new(); d], vec![Vec::new(); d]);
    for r in 0..sobol_blocks(settings.samples) as usize {
        if workers.is_cancelled() {
            return None;
        }
        let rows = (r * points)..((r + 1) * points);
        let idx: Vec<u32> = keep
            .iter()
            .filter(|j| rows.contains(j))
            .map(|&j| j as u32)
            .collect();
        if idx.len() < 2 {
            continue;
        }
        let (s1, st) = sobol_indices(f, Some(&idx));
        for k in 0..d {
            first[k].push(s1[k]);
            total[k].push(st[k]);
        }
    }
    let (s1, st) = sobol_indices(f, Some(&to_u32(keep)));
    Some(
        (0..d)
            .map(|k| {
                (
                    block_interval(s1[k], &first[k], confidence),
                    block_interval(st[k], &total[k], confidence),
                )
            })
            .collect(),
    )
}

/// Estimates from every kept row, with bootstrap percentile intervals
/// (resampling rows, from a stream of its own); `None` if cancelled.
pub(super) fn bootstrap_estimates(
    mut f: Vec<Vec<f64>>,
    keep: &[usize],
    settings: &RunSettings,
    confidence: f64,
    bootstrap: usize,
    workers: &Workers,
) -> Option<Estimates> {
    let d = (f.len() - 2) / 2;
    if keep.len() < f[0].len() {
        for col in &mut f {
            *col = keep.iter().map(|&j| col[j]).collect();
        }
    }
    let rows_n = f[0].len();
    let (first, total) = sobol_indices(&f, None);
    let mut rng = StreamRng::from_key(settings.seed ^ stream_id("gaprisk bootstrap"));
    let mut u = vec![0.0; rows_n];
    let (mut first_reps, mut total_reps) = (vec![Vec::new(); d], vec![Vec::new(); d]);
    let mut idx = vec![0u32; rows_n];
    for _ in 0..bootstrap {
        if workers.is_cancelled() {
            return None;
        }
        rng.fill_unit(&mut u);
        for (i, x) in idx.iter_mut().zip(&u) {
            *i = ((x * rows_n as f64) as usize).min(rows_n - 1) as u32;
        }
        let (s1, st) = sobol_indices(&f, Some(&idx));
        for k in 0..d {
            first_reps[k].push(s1[k]);
            total_reps[k].push(st[k]);
        }
    }
    Some(
        (0..d)
            .map(|k| {
                let (l1, h1) = percentile_interval(std::mem::take(&mut first_reps[k]), confidence);
                let (lt, ht) = percentile_interval(std::mem::take(&mut total_reps[k]), confidence);
                ((first[k], l1, h1), (total[k], lt, ht))
            })
            .collect(),
    )
}
