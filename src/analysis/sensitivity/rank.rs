//! Spearman rank correlations of the random nodes with the quantity.

use super::factors::factor_columns;
use super::{Measure, Method, Sensitivity};
use crate::engine::program::Program;
use crate::engine::{Outcome, RunSettings, Workers};
use crate::error::Result;
use crate::stats::interval::z_value;

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
    let (factors, mut columns) =
        match factor_columns(program, quantity, settings, workers, progress)?.or_stopped() {
            Ok(found) => found,
            Err(stopped) => return Ok(stopped),
        };
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
        method: Method::Rank,
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
}
