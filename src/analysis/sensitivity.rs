//! Which assumption drives a quantity: variance-based Sobol indices with
//! bootstrap intervals, a tornado of one-at-a-time swings, and Spearman
//! rank correlations.
//!
//! Sobol design without matrices: every random node draws its uniforms from
//! its own stream, so "matrix A" is the streams of seed A, "matrix B" those
//! of seed B, and "A with column i from B" draws node i from seed B and all
//! others from seed A. The factors are the random nodes' own uniforms: for
//! an input that is the input itself; for a random derived node (such as
//! `attempt ~ bernoulli(p_attempt)`) it is the randomness the node adds
//! beyond its parents. Constants are not factors.

use crate::engine::many::{chunk_columns, run_many_all};
use crate::engine::program::{Operand, Program};
use crate::engine::rng::{StreamRng, stream_id};
use crate::engine::schedule::{Flow, for_chunks_in};
use crate::engine::{Outcome, RunSettings, Workers};
use crate::error::{Error, Result};
use crate::model::overrides::{self, Override};
use crate::model::spec::{Body, ModelSpec, Section};
use crate::model::{compile::compile, validate};
use crate::stats::interval::z_value;

/// Seed offset of matrix B's streams.
const B_STREAMS: u64 = 0x5b0b_01d5_eed0_000b;

/// One row of the results: a measure of one factor.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub factor: String,
    /// `first_order`, `total`, `at_p10`, `at_p90`, `swing`, `spearman`.
    pub measure: &'static str,
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// The input's value for tornado rows (its 10th or 90th percentile).
    pub factor_value: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    pub method: &'static str,
    pub samples: u64,
    /// Model evaluations made.
    pub evaluations: u64,
    /// Rows in rank order of the method's main measure, most influential first.
    pub rows: Vec<Measure>,
    /// The quantity's estimate in the unmodified model (mean or probability).
    pub reference: f64,
    pub notes: Vec<String>,
}

fn quantity_operand(program: &Program, quantity: usize) -> Operand {
    program.quantities[quantity].value
}

/// Mean of `f` over `idx` (all rows when `idx` is None).
fn mean_over(f: &[f64], idx: Option<&[u32]>, g: impl Fn(usize) -> f64) -> f64 {
    match idx {
        None => (0..f.len()).map(&g).sum::<f64>() / f.len() as f64,
        Some(idx) => idx.iter().map(|&j| g(j as usize)).sum::<f64>() / idx.len() as f64,
    }
}

/// Saltelli (2010) first-order and Jansen (1999) total indices, with the
/// variance from A and B together (as SALib does).
fn sobol_indices(
    fa: &[f64],
    fb: &[f64],
    fab: &[Vec<f64>],
    idx: Option<&[u32]>,
) -> (Vec<f64>, Vec<f64>) {
    let ma = mean_over(fa, idx, |j| fa[j]);
    let mb = mean_over(fb, idx, |j| fb[j]);
    let m = (ma + mb) / 2.0;
    let var = (mean_over(fa, idx, |j| (fa[j] - m).powi(2))
        + mean_over(fb, idx, |j| (fb[j] - m).powi(2)))
        / 2.0;
    let first = fab
        .iter()
        .map(|fi| mean_over(fa, idx, |j| fb[j] * (fi[j] - fa[j])) / var)
        .collect();
    let total = fab
        .iter()
        .map(|fi| mean_over(fa, idx, |j| (fa[j] - fi[j]).powi(2)) / (2.0 * var))
        .collect();
    (first, total)
}

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

/// Sobol indices of quantity `quantity` over every random node, from
/// N (d + 2) evaluations, with `bootstrap` resamples for the intervals.
/// Cancelled, it returns no indices: they need every row of the design.
pub fn sobol(
    program: &Program,
    quantity: usize,
    settings: &RunSettings,
    confidence: f64,
    bootstrap: usize,
    workers: &Workers,
    progress: &mut dyn FnMut(u64),
) -> Result<Outcome<Sensitivity>> {
    let mut f: Vec<Vec<f64>> =
        vec![Vec::with_capacity(settings.samples as usize); program.streams.len() + 2];
    let pass = sobol_evaluations(
        program,
        quantity,
        settings,
        workers,
        0..settings.chunks(),
        &mut |columns| {
            for (all, part) in f.iter_mut().zip(columns) {
                all.extend(part);
            }
        },
        progress,
    )?;
    if let Some(stopped) = pass.stopped() {
        return Ok(stopped);
    }
    let indices = sobol_indices_from(program, f, settings, confidence, bootstrap, workers)?;
    Ok(match indices {
        Some(s) => Outcome::Completed(s),
        None => Outcome::Cancelled {
            samples_done: settings.samples,
            partial: None,
        },
    })
}

/// The model's values for the Sobol design (A, B, then A with node i from
/// B) over the chunks of `range`, one chunk at a time, in chunk order.
pub fn sobol_evaluations(
    program: &Program,
    quantity: usize,
    settings: &RunSettings,
    workers: &Workers,
    range: std::ops::Range<u64>,
    absorb: &mut dyn FnMut(Vec<Vec<f64>>),
    progress: &mut dyn FnMut(u64),
) -> Result<crate::engine::Pass> {
    let d = program.streams.len();
    if d == 0 {
        return Err(Error::option(
            "method",
            "the model has no random node: nothing to analyse",
        ));
    }
    let seed_a = settings.seed;
    let seed_b = settings.seed ^ B_STREAMS;
    let mut configs = vec![vec![seed_a; d], vec![seed_b; d]];
    for i in 0..d {
        let mut c = vec![seed_a; d];
        c[i] = seed_b;
        configs.push(c);
    }
    let op = [quantity_operand(program, quantity)];
    for_chunks_in(
        workers,
        settings.samples,
        range,
        |chunk| {
            configs
                .iter()
                .map(|seeds| {
                    chunk_columns(program, seeds, chunk, settings.samples, &op)
                        .pop()
                        .expect("one operand")
                })
                .collect::<Vec<Vec<f64>>>()
        },
        |columns: Vec<Vec<f64>>| {
            absorb(columns);
            Ok(Flow::Continue)
        },
        progress,
    )
}

/// Sobol indices and bootstrap intervals from the design's values `f`
/// (A, B, then the d mixed matrices), all N rows in sample order. `None`
/// if the workers' token is cancelled during the bootstrap.
pub fn sobol_indices_from(
    program: &Program,
    mut f: Vec<Vec<f64>>,
    settings: &RunSettings,
    confidence: f64,
    bootstrap: usize,
    workers: &Workers,
) -> Result<Option<Sensitivity>> {
    let d = program.streams.len();
    let n = settings.samples as usize;
    // Every column must hold every row: indices from part of a design would
    // be wrong, not merely noisy.
    if f.len() != d + 2 || f.iter().any(|col| col.len() != n) {
        let rows: Vec<usize> = f.iter().map(Vec::len).collect();
        return Err(Error::PartMismatch(format!(
            "the Sobol design needs {} columns of {n} rows, got {} columns of {:?} rows",
            d + 2,
            f.len(),
            rows.iter()
                .min()
                .zip(rows.iter().max())
                .map(|(a, b)| (*a, *b))
                .unwrap_or((0, 0))
        )));
    }
    // Rows with a non-finite value in any evaluation are left out everywhere.
    let keep: Vec<usize> = (0..n)
        .filter(|&j| f.iter().all(|col| col[j].is_finite()))
        .collect();
    let mut notes = Vec::new();
    if keep.len() < n {
        notes.push(format!(
            "{} of {n} sample rows had a non-finite value and were left out",
            n - keep.len()
        ));
        for col in &mut f {
            *col = keep.iter().map(|&j| col[j]).collect();
        }
    }
    let (fa, fb, fab) = (&f[0], &f[1], &f[2..]);
    let rows_n = fa.len();
    let (first, total) = sobol_indices(fa, fb, fab, None);
    // Bootstrap over sample rows, from a stream of its own.
    let mut rng = StreamRng::from_key(settings.seed ^ stream_id("gaprisk bootstrap"));
    let mut u = vec![0.0; rows_n];
    let (mut first_reps, mut total_reps) = (vec![Vec::new(); d], vec![Vec::new(); d]);
    let mut idx = vec![0u32; rows_n];
    for _ in 0..bootstrap {
        if workers.is_cancelled() {
            return Ok(None);
        }
        rng.fill_unit(&mut u);
        for (i, x) in idx.iter_mut().zip(&u) {
            *i = ((x * rows_n as f64) as usize).min(rows_n - 1) as u32;
        }
        let (s1, st) = sobol_indices(fa, fb, fab, Some(&idx));
        for k in 0..d {
            first_reps[k].push(s1[k]);
            total_reps[k].push(st[k]);
        }
    }
    let mut order: Vec<usize> = (0..d).collect();
    order.sort_by(|&a, &b| total[b].total_cmp(&total[a]));
    let mut rows = Vec::new();
    for k in order {
        let (l1, h1) = percentile_interval(std::mem::take(&mut first_reps[k]), confidence);
        let (lt, ht) = percentile_interval(std::mem::take(&mut total_reps[k]), confidence);
        let factor = program.stream_nodes[k].clone();
        rows.push(Measure {
            factor: factor.clone(),
            measure: "first_order",
            value: first[k],
            ci_low: l1,
            ci_high: h1,
            factor_value: f64::NAN,
        });
        rows.push(Measure {
            factor,
            measure: "total",
            value: total[k],
            ci_low: lt,
            ci_high: ht,
            factor_value: f64::NAN,
        });
    }
    let reference = (fa.iter().sum::<f64>() + fb.iter().sum::<f64>()) / (2.0 * rows_n as f64);
    Ok(Some(Sensitivity {
        method: "sobol",
        samples: settings.samples,
        evaluations: settings.samples * (d as u64 + 2),
        rows,
        reference,
        notes,
    }))
}

/// The quantity with each uncertain input fixed at its 10th and 90th
/// percentile in turn, all on common random numbers; sorted by swing.
pub fn tornado(
    spec: &ModelSpec,
    quantity: &str,
    settings: &RunSettings,
    confidence: f64,
    workers: &Workers,
    progress: &mut dyn FnMut(u64),
) -> Result<Outcome<Sensitivity>> {
    let inputs: Vec<(String, f64, f64)> = spec
        .section(Section::Inputs)
        .filter_map(|e| match &e.body {
            Body::Fixed(d, _) if !d.is_constant() => {
                Some((e.name.clone(), d.quantile_exact(0.1), d.quantile_exact(0.9)))
            }
            _ => None,
        })
        .collect();
    let build = |set: &[Override]| -> Result<Program> {
        let model = validate::validate(overrides::apply(spec.clone(), set)?)?;
        Ok(compile(&model)?)
    };
    let mut programs = vec![build(&[])?];
    for (name, lo, hi) in &inputs {
        for value in [*lo, *hi] {
            programs.push(build(&[Override {
                name: name.clone(),
                value,
            }])?);
        }
    }
    let q = programs[0]
        .quantity(quantity)
        .ok_or_else(|| Error::UnknownQuantity {
            option: "quantity",
            name: quantity.to_string(),
            available: Some(programs[0].quantity_names()),
        })?;
    let result = match run_many_all(&programs, &[], settings, workers, progress)?.or_stopped() {
        Ok(result) => result,
        Err(stopped) => return Ok(stopped),
    };
    let summary = crate::summary::SummarySettings {
        confidence,
        proportion_interval: crate::stats::interval::ProportionInterval::Wilson,
    };
    let estimate = |k: usize| {
        let s = crate::summary::summarise(&programs[k], &result.each[k], &summary);
        let x = &s[q];
        (x.mean, x.ci_low, x.ci_high)
    };
    let reference = estimate(0).0;
    let mut rows: Vec<(f64, Vec<Measure>)> = inputs
        .iter()
        .enumerate()
        .map(|(i, (name, lo, hi))| {
            let (a, al, ah) = estimate(1 + 2 * i);
            let (b, bl, bh) = estimate(2 + 2 * i);
            let swing = b - a;
            let m = |measure, value, ci_low, ci_high, factor_value| Measure {
                factor: name.clone(),
                measure,
                value,
                ci_low,
                ci_high,
                factor_value,
            };
            (
                swing.abs(),
                vec![
                    m("at_p10", a, al, ah, *lo),
                    m("at_p90", b, bl, bh, *hi),
                    m("swing", swing, f64::NAN, f64::NAN, f64::NAN),
                ],
            )
        })
        .collect();
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(Outcome::Completed(Sensitivity {
        method: "tornado",
        samples: settings.samples,
        evaluations: settings.samples * programs.len() as u64,
        rows: rows.into_iter().flat_map(|(_, r)| r).collect(),
        reference,
        notes: Vec::new(),
    }))
}

/// Average ranks (ties share the mean of their positions), 1-based.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut r = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let average = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            r[k] = average;
        }
        i = j + 1;
    }
    r
}

/// Pearson correlation.
fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

/// Spearman rank correlation of every random node with the quantity, from
/// one plain run; intervals by Fisher's z with the variance 1.06 / (n - 3)
/// of Fieller, Hartley and Pearson (1957).
pub fn rank(
    program: &Program,
    quantity: usize,
    settings: &RunSettings,
    confidence: f64,
    workers: &Workers,
    progress: &mut dyn FnMut(u64),
) -> Result<Outcome<Sensitivity>> {
    let factors: Vec<(String, Operand)> = program
        .node_columns
        .iter()
        .filter(|(name, _)| program.stream_nodes.contains(name))
        .cloned()
        .collect();
    let mut ops: Vec<Operand> = factors.iter().map(|(_, op)| *op).collect();
    ops.push(quantity_operand(program, quantity));
    let seeds = vec![settings.seed; program.streams.len()];
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); ops.len()];
    let pass = for_chunks_in(
        workers,
        settings.samples,
        0..settings.chunks(),
        |chunk| chunk_columns(program, &seeds, chunk, settings.samples, &ops),
        |part: Vec<Vec<f64>>| {
            for (all, p) in columns.iter_mut().zip(part) {
                all.extend(p);
            }
            Ok(Flow::Continue)
        },
        progress,
    )?;
    if let Some(stopped) = pass.stopped() {
        return Ok(stopped);
    }
    let y = columns.pop().expect("the quantity column");
    let reference = y.iter().sum::<f64>() / y.len() as f64;
    let ry = ranks(&y);
    let n = y.len() as f64;
    let half = z_value(confidence) * (1.06 / (n - 3.0)).sqrt();
    let mut rows: Vec<Measure> = factors
        .iter()
        .zip(&columns)
        .map(|((name, _), x)| {
            let r = correlation(&ranks(x), &ry);
            let z = r.clamp(-0.999_999_999, 0.999_999_999).atanh();
            Measure {
                factor: name.clone(),
                measure: "spearman",
                value: r,
                ci_low: (z - half).tanh(),
                ci_high: (z + half).tanh(),
                factor_value: f64::NAN,
            }
        })
        .collect();
    rows.sort_by(|a, b| b.value.abs().total_cmp(&a.value.abs()));
    Ok(Outcome::Completed(Sensitivity {
        method: "rank",
        samples: settings.samples,
        evaluations: settings.samples,
        rows,
        reference,
        notes: Vec::new(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 2.0]), vec![3.0, 1.0, 2.0]);
        assert_eq!(ranks(&[0.0, 1.0, 0.0, 1.0]), vec![1.5, 3.5, 1.5, 3.5]);
    }

    #[test]
    fn sobol_estimators_on_an_additive_function() {
        // f = x1 + 2 x2 with independent uniforms: S1 = ST = (1/5, 4/5).
        let n = 20_000;
        let mut rng = StreamRng::from_key(1);
        let mut col = |_: usize| {
            let mut v = vec![0.0; n];
            rng.fill_unit(&mut v);
            v
        };
        let (a1, a2, b1, b2) = (col(0), col(1), col(2), col(3));
        let f = |x1: &[f64], x2: &[f64]| -> Vec<f64> {
            x1.iter().zip(x2).map(|(a, b)| a + 2.0 * b).collect()
        };
        let (fa, fb) = (f(&a1, &a2), f(&b1, &b2));
        let fab = vec![f(&b1, &a2), f(&a1, &b2)];
        let (s1, st) = sobol_indices(&fa, &fb, &fab, None);
        for (got, want) in s1.iter().chain(&st).zip([0.2, 0.8, 0.2, 0.8]) {
            assert!((got - want).abs() < 0.03, "{s1:?} {st:?}");
        }
    }
}
