//! Adaptive importance sampling by the cross-entropy method, with a Gaussian
//! proposal.

use super::points::fresh_points;
use super::{
    LEVEL_PROBABILITY, Level, Limit, MAX_LEVELS, MIN_EFFECTIVE_SAMPLES, RareEstimate, RareMethod,
    RareSettings, Region, effective_size,
};
use crate::engine::cancel::CancelToken;
use crate::error::Result;
use crate::stats::interval::z_value;

/// Cross-entropy importance sampling: stages of samples from a Gaussian
/// with its own mean and spread per coordinate, each refitted to the
/// weighted samples beyond the stage's threshold, until the threshold
/// reaches the event; then a final stage estimates the probability with
/// importance weights.
pub(super) fn importance(
    limit: &mut Limit,
    s: &RareSettings,
    token: &CancelToken,
    progress: &mut dyn FnMut(u64),
) -> Result<Option<RareEstimate>> {
    let n = s.samples;
    let d = limit.dimension();
    let mut mean = vec![0.0; d];
    let mut sd = vec![1.0; d];
    let mut levels = Vec::new();
    let mut evaluations = 0u64;
    let mut warnings = Vec::new();
    let draw = |stage: usize, mean: &[f64], sd: &[f64]| -> Vec<Vec<f64>> {
        fresh_points(s.seed, stage, n, d)
            .into_iter()
            .map(|xi| (0..d).map(|k| mean[k] + sd[k] * xi[k]).collect())
            .collect()
    };
    let log_weight = |z: &[f64], mean: &[f64], sd: &[f64]| -> f64 {
        (0..d)
            .map(|k| {
                let t = (z[k] - mean[k]) / sd[k];
                -0.5 * z[k] * z[k] + 0.5 * t * t + sd[k].ln()
            })
            .sum()
    };
    // Stage 0 samples the standard normal itself: its samples outside the
    // event are what filtering compares the event's against.
    let mut outside = Vec::new();
    let mut stage = 0;
    loop {
        stop_if_cancelled!(token);
        let points = draw(stage, &mean, &sd);
        if stage == 0 {
            limit.calibrate(&points)?;
        }
        let margins = limit.margins(&points)?;
        if stage == 0 && s.keep_region {
            outside = (0..n)
                .filter(|&i| margins[i] < 0.0)
                .map(|i| points[i].clone())
                .collect();
        }
        evaluations += n as u64;
        progress(evaluations);
        let mut sorted = margins.clone();
        sorted.sort_by(|a, b| b.total_cmp(a));
        let keep = ((n as f64 * LEVEL_PROBABILITY).round() as usize).clamp(1, n);
        let threshold = sorted[keep - 1].min(0.0);
        let elite: Vec<usize> = (0..n).filter(|&i| margins[i] >= threshold).collect();
        let log_w: Vec<f64> = elite
            .iter()
            .map(|&i| log_weight(&points[i], &mean, &sd))
            .collect();
        let top = log_w.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = log_w.iter().map(|l| (l - top).exp()).collect();
        let total: f64 = w.iter().sum();
        levels.push(Level {
            threshold,
            probability: elite.len() as f64 / n as f64,
            cov: f64::NAN,
            acceptance: f64::NAN,
        });
        // Refit the proposal to the weighted elite samples.
        for k in 0..d {
            let m = elite
                .iter()
                .zip(&w)
                .map(|(&i, w)| w * points[i][k])
                .sum::<f64>()
                / total;
            let v = elite
                .iter()
                .zip(&w)
                .map(|(&i, w)| w * (points[i][k] - m).powi(2))
                .sum::<f64>()
                / total;
            mean[k] = m;
            sd[k] = v.sqrt().clamp(0.1, 3.0);
        }
        stage += 1;
        if threshold >= 0.0 {
            break;
        }
        if stage == MAX_LEVELS {
            warnings.push(format!(
                "the proposal did not reach the event in {MAX_LEVELS} stages; the estimate may be poor"
            ));
            break;
        }
    }
    // The final stage: weighted indicator of the event itself.
    stop_if_cancelled!(token);
    let points = draw(stage, &mean, &sd);
    let margins = limit.margins(&points)?;
    evaluations += n as u64;
    progress(evaluations);
    let values: Vec<f64> = points
        .iter()
        .zip(&margins)
        .map(|(z, &g)| {
            if g >= 0.0 {
                log_weight(z, &mean, &sd).exp()
            } else {
                0.0
            }
        })
        .collect();
    let mean_value = values.iter().sum::<f64>() / n as f64;
    let var = values.iter().map(|v| (v - mean_value).powi(2)).sum::<f64>() / (n - 1) as f64;
    let std_error = (var / n as f64).sqrt();
    let effective = effective_size(values.iter().copied().filter(|&v| v > 0.0));
    if effective < MIN_EFFECTIVE_SAMPLES {
        warnings.push(format!(
            "the importance weights' effective sample size is {effective:.0}, under {MIN_EFFECTIVE_SAMPLES:.0}: \
             the estimate and its interval are not to be trusted (try more --samples, or --method subset)"
        ));
    }
    levels.push(Level {
        threshold: 0.0,
        probability: margins.iter().filter(|&&g| g >= 0.0).count() as f64 / n as f64,
        cov: f64::NAN,
        acceptance: f64::NAN,
    });
    let z = z_value(s.confidence);
    Ok(Some(RareEstimate {
        method: RareMethod::ImportanceSampling,
        evaluations,
        mean: mean_value,
        std_error,
        ci_low: (mean_value - z * std_error).max(0.0),
        ci_high: mean_value + z * std_error,
        levels,
        effective_samples: effective,
        warnings,
        region: s.keep_region.then(|| {
            let inside: Vec<usize> = (0..n).filter(|&i| values[i] > 0.0).collect();
            Region {
                inside: inside.iter().map(|&i| points[i].clone()).collect(),
                weights: inside.iter().map(|&i| values[i]).collect(),
                effective,
                outside,
            }
        }),
    }))
}
