//! Rare events: the probability of one event by subset simulation (Au and
//! Beck 2001) or adaptive importance sampling (cross-entropy), where plain
//! Monte Carlo would need about 400 / P samples for a 10% answer.
//!
//! Every random node, input or derived, draws from its own stream of
//! uniforms, so the model is a deterministic function of one point `z` in
//! standard normal space (a coordinate per stream, `u = Phi(z)`). Both
//! methods work there. They need a continuous measure of how close a sample
//! comes to the event, its *margin*: at least 0 exactly where the event
//! holds. It is read off the event's expression (`limit`): a comparison
//! `a > b` gives `a - b` in units of its spread over the first level's
//! samples, `and` the smaller margin, `or` the larger, `not` the negative,
//! and a Bernoulli node its own normal coordinate's distance from the gate
//! (`z + Phi^-1(p)`), so discrete nodes take part like continuous ones.
//!
//! Reproducible by construction: points come from streams keyed by seed,
//! level and chain, the model is evaluated on the calling thread, and every
//! sum runs in a fixed order (rare-event runs are cheap: their cost is the
//! number of model evaluations, a few hundred thousand at most).

use super::rare_limit::Limit;
use crate::engine::cancel::CancelToken;
use crate::engine::rng::{StreamRng, stream};
use crate::error::{Error, Result};
use crate::stats::interval::z_value;
use statrs::distribution::{ContinuousCDF, Normal};
use std::collections::BTreeMap;

crate::choice::choice! {
    /// The estimator of a rare event's probability.
    pub enum RareMethod {
        /// Subset simulation (Au and Beck 2001) with adaptive conditional sampling.
        Subset = "subset",
        /// Cross-entropy importance sampling with a Gaussian proposal.
        ImportanceSampling = "is",
    }
}

/// Each level (subset) keeps this share of its samples as the next level's
/// seeds; each stage (is) aims its threshold at this share.
pub const LEVEL_PROBABILITY: f64 = 0.1;
/// At most this many levels or stages: probabilities down to 1e-20.
pub const MAX_LEVELS: usize = 20;
/// Acceptance rate the conditional sampler adapts toward (Papaioannou et
/// al. 2015).
const TARGET_ACCEPTANCE: f64 = 0.44;
/// An importance-sampling estimate whose weights' effective sample size is
/// below this is flagged as not to be trusted.
pub const MIN_EFFECTIVE_SAMPLES: f64 = 100.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RareSettings {
    pub method: RareMethod,
    /// Samples per level (subset) or per stage (is).
    pub samples: usize,
    pub seed: u64,
    pub confidence: f64,
    /// Keep the samples of the event region and of the first level
    /// (`RareEstimate::region`), for filtering.
    pub keep_region: bool,
}

/// One level or stage: the threshold its samples were held to and the
/// share of them that passed the next.
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    pub threshold: f64,
    pub probability: f64,
    /// The level's coefficient of variation (subset), or NaN.
    pub cov: f64,
    /// Share of proposals accepted by the conditional sampler (subset).
    pub acceptance: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RareEstimate {
    pub method: RareMethod,
    pub evaluations: u64,
    pub mean: f64,
    pub std_error: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Levels (subset) or stages including the final one (is).
    pub levels: Vec<Level>,
    /// The importance weights' effective sample size (is), else NaN.
    pub effective_samples: f64,
    pub warnings: Vec<String>,
    /// The samples found in the event, if asked for.
    pub region: Option<Region>,
}

/// Samples of the event region beside samples of the whole space, as
/// points in standard normal space: what Monte Carlo filtering compares
/// when the event is too rare for a plain run to hold many of its samples.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Region {
    /// Samples in the event: the last level's (subset) or the final
    /// stage's (is).
    pub inside: Vec<Vec<f64>>,
    /// Their weights: 1 (subset) or the importance weights (is).
    pub weights: Vec<f64>,
    /// How many independent samples they are worth: the number of
    /// first-level ancestries, weighted by how many samples each holds
    /// (subset), or the weights' effective sample size (is).
    pub effective: f64,
    /// The first level's (or stage's) samples outside the event: a plain
    /// sample of the space where the event fails.
    pub outside: Vec<Vec<f64>>,
}

/// Kish's effective sample size of weights (or of cluster sizes).
fn effective_size(weights: impl Iterator<Item = f64> + Clone) -> f64 {
    let sum: f64 = weights.clone().sum();
    let squares: f64 = weights.map(|w| w * w).sum();
    if squares > 0.0 {
        sum * sum / squares
    } else {
        0.0
    }
}

fn std_normal() -> Normal {
    Normal::standard()
}

/// Standard normal draws from a stream, by inverse transform.
fn normals(rng: &mut StreamRng, out: &mut [f64]) {
    rng.fill_unit(out);
    let n = std_normal();
    for v in out {
        *v = n.inverse_cdf(*v);
    }
}

/// The stream of level (or stage) `level`, chain (or batch) `index`.
fn rng_for(seed: u64, level: usize, index: u64) -> StreamRng {
    stream(seed ^ 0x7a7e_e7e9_75ee_d000, level as u64, index)
}

/// Stops the method with `Ok(None)` once the token is cancelled.
macro_rules! stop_if_cancelled {
    ($token:expr) => {
        if $token.is_cancelled() {
            return Ok(None);
        }
    };
}

/// Estimates the probability of the limit's event; `None` if cancelled.
pub fn estimate(
    limit: &mut Limit,
    settings: &RareSettings,
    token: &CancelToken,
    progress: &mut dyn FnMut(u64),
) -> Result<Option<RareEstimate>> {
    match settings.method {
        RareMethod::Subset => subset(limit, settings, token, progress),
        RareMethod::ImportanceSampling => importance(limit, settings, token, progress),
    }
}

/// Samples of the first level or stage: `n` points of dimension `d`.
fn fresh_points(seed: u64, level: usize, n: usize, d: usize) -> Vec<Vec<f64>> {
    (0..n)
        .map(|i| {
            let mut z = vec![0.0; d];
            normals(&mut rng_for(seed, level, i as u64), &mut z);
            z
        })
        .collect()
}

/// Subset simulation: level 0 by plain sampling; each later level by
/// Markov chains started from the best `p0` share of the previous one and
/// held above its threshold, until the event itself is reached.
fn subset(
    limit: &mut Limit,
    s: &RareSettings,
    token: &CancelToken,
    progress: &mut dyn FnMut(u64),
) -> Result<Option<RareEstimate>> {
    let n = s.samples;
    let d = limit.dimension();
    let seeds_per_level = ((n as f64 * LEVEL_PROBABILITY).round() as usize).max(1);
    let chain_length = n / seeds_per_level;
    let n = seeds_per_level * chain_length;
    let mut points = fresh_points(s.seed, 0, n, d);
    limit.calibrate(&points)?;
    let mut margins = limit.margins(&points)?;
    let mut outside: Vec<Vec<f64>> = if s.keep_region {
        points
            .iter()
            .zip(&margins)
            .filter(|(_, g)| **g < 0.0)
            .map(|(z, _)| z.clone())
            .collect()
    } else {
        Vec::new()
    };
    let mut region = None;
    let mut evaluations = n as u64;
    progress(evaluations);
    // Each level's samples as chains (level 0: one-sample chains), and the
    // level-0 sample each chain descends from.
    let mut chains: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    let mut roots: Vec<usize> = (0..n).collect();
    let mut influence = Influence::new(n);
    let mut levels = Vec::new();
    let mut probability = 1.0;
    let mut warnings = Vec::new();
    // The acceptance of the chains that sampled the current level.
    let mut acceptance = f64::NAN;
    for level in 0..MAX_LEVELS {
        stop_if_cancelled!(token);
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| margins[b].total_cmp(&margins[a]).then(a.cmp(&b)));
        let reached = margins.iter().filter(|&&g| g >= 0.0).count();
        let last = reached >= seeds_per_level || level + 1 == MAX_LEVELS;
        let threshold = if last {
            0.0
        } else {
            0.5 * (margins[order[seeds_per_level - 1]] + margins[order[seeds_per_level]])
        };
        let passed: Vec<bool> = margins.iter().map(|&g| g >= threshold).collect();
        let count = passed.iter().filter(|&&p| p).count();
        if count == 0 {
            return Err(Error::Rare(
                "no sample reached the event or a level toward it: its margin is flat where the \
                 samples are (try more --samples, or --method is)"
                    .into(),
            ));
        }
        let p_level = count as f64 / n as f64;
        let level_cov = influence.add_level(&chains, &roots, &passed, p_level);
        probability *= p_level;
        levels.push(Level {
            threshold,
            probability: p_level,
            cov: level_cov,
            acceptance,
        });
        if last {
            if s.keep_region {
                let mut per_root = BTreeMap::<usize, f64>::new();
                let mut inside = Vec::with_capacity(count);
                for (chain, &root) in chains.iter().zip(&roots) {
                    for &i in chain.iter().filter(|&&i| passed[i]) {
                        *per_root.entry(root).or_default() += 1.0;
                        inside.push(points[i].clone());
                    }
                }
                region = Some(Region {
                    weights: vec![1.0; inside.len()],
                    inside,
                    effective: effective_size(per_root.values().copied()),
                    outside: std::mem::take(&mut outside),
                });
            }
            if reached < seeds_per_level {
                warnings.push(format!(
                    "stopped after {MAX_LEVELS} levels without reaching the event's level"
                ));
            }
            break;
        }
        // The next level: chains from the samples above the threshold, in
        // the samples' order (not by margin: the sampler adapts as it goes).
        let mut seeds: Vec<usize> = order[..count.min(seeds_per_level)].to_vec();
        seeds.sort_unstable();
        // Chain c of the next level starts from seeds[c].
        let mut root_of = vec![0usize; n];
        for (chain, &root) in chains.iter().zip(&roots) {
            for &i in chain {
                root_of[i] = root;
            }
        }
        roots = seeds.iter().map(|&i| root_of[i]).collect();
        let Some((next_points, next_margins, next_chains, accepted)) = conditional_chains(
            limit,
            s.seed,
            level + 1,
            &points,
            &margins,
            &seeds,
            n,
            threshold,
            token,
        )?
        else {
            return Ok(None);
        };
        evaluations += (n - seeds.len()) as u64;
        progress(evaluations);
        points = next_points;
        margins = next_margins;
        chains = next_chains;
        acceptance = accepted;
    }
    let cov = influence.cov();
    let z = z_value(s.confidence);
    Ok(Some(RareEstimate {
        method: RareMethod::Subset,
        evaluations,
        mean: probability,
        std_error: probability * cov,
        // On the log scale: the estimate is a product of level shares.
        ci_low: probability * (-z * cov).exp(),
        ci_high: probability * (z * cov).exp(),
        levels,
        effective_samples: f64::NAN,
        warnings,
        region,
    }))
}

/// The estimate's coefficient of variation, by the delta method over
/// independent clusters. The level-0 samples are independent, and every
/// later sample descends from one of them through the chains' seeds, so
/// the samples that share a level-0 ancestor form a cluster and distinct
/// clusters are (nearly) independent. The log of the estimate is the sum
/// of the levels' log shares, whose linearisation is the sum over
/// clusters of each cluster's excess of passed samples, `sum_i (S_ci -
/// n_ci p_i) / (n p_i)`; its variance is the sum of their squares.
///
/// This counts what the Au-Beck formula (2001, eq. 29) leaves out: chains
/// started from the same chain of the level before, and the correlation
/// between levels (a level's seeds are the last level's samples). Over
/// 100 seeds on each of the four closed forms in tests/rare.rs, the
/// Au-Beck coefficient of variation was 0.77-1.01 of the spread observed
/// and its 95% intervals covered 359 times in 400; this one was 0.95-1.06
/// and covered 378 times.
struct Influence {
    /// Per level-0 sample: its cluster's linearised contribution.
    by_root: Vec<f64>,
    n: f64,
}

impl Influence {
    fn new(n: usize) -> Influence {
        Influence {
            by_root: vec![0.0; n],
            n: n as f64,
        }
    }

    /// Adds one level, whose samples are `chains` (chain c descends from
    /// `roots[c]`) and of which the share `p` passed; returns that level's
    /// own coefficient of variation by the same clusters.
    fn add_level(
        &mut self,
        chains: &[Vec<usize>],
        roots: &[usize],
        passed: &[bool],
        p: f64,
    ) -> f64 {
        let mut level = BTreeMap::<usize, f64>::new();
        for (chain, &root) in chains.iter().zip(roots) {
            let hits = chain.iter().filter(|&&i| passed[i]).count() as f64;
            let excess = (hits - chain.len() as f64 * p) / (self.n * p);
            self.by_root[root] += excess;
            *level.entry(root).or_default() += excess;
        }
        level.values().map(|u| u * u).sum::<f64>().sqrt()
    }

    fn cov(&self) -> f64 {
        self.by_root.iter().map(|u| u * u).sum::<f64>().sqrt()
    }
}

type Chains = (Vec<Vec<f64>>, Vec<f64>, Vec<Vec<usize>>, f64);

/// Adaptive conditional sampling (after Papaioannou et al. 2015): from
/// each seed a chain of states above `threshold`, proposed by a Gaussian
/// random walk that keeps the standard normal invariant (`rho z + sigma
/// xi`), its spread adapted between groups of chains toward 44%
/// acceptance. Chains are seeded by their index and run in groups in order.
#[allow(clippy::too_many_arguments)]
fn conditional_chains(
    limit: &mut Limit,
    seed: u64,
    level: usize,
    points: &[Vec<f64>],
    margins: &[f64],
    seeds: &[usize],
    n: usize,
    threshold: f64,
    token: &CancelToken,
) -> Result<Option<Chains>> {
    let d = points[0].len();
    let chains_n = seeds.len();
    let length = n.div_ceil(chains_n);
    let groups = ((chains_n as f64 * 0.1).ceil() as usize).clamp(1, chains_n);
    let group_size = chains_n.div_ceil(groups);
    let mut lambda = 0.6f64;
    let mut out_points = Vec::with_capacity(n);
    let mut out_margins = Vec::with_capacity(n);
    let mut out_chains = Vec::with_capacity(chains_n);
    let (mut accepted_all, mut proposed_all) = (0usize, 0usize);
    for (g, group) in seeds.chunks(group_size).enumerate() {
        stop_if_cancelled!(token);
        // One spread for every coordinate: scaling by each coordinate's
        // spread among the seeds (Papaioannou et al.) mixed worse on a
        // gated event (its gate's coordinate nearly frozen) over 40 seeds.
        let sigma = lambda.min(1.0);
        let rho = (1.0 - sigma * sigma).sqrt();
        let first_chain = g * group_size;
        let mut rngs: Vec<StreamRng> = (0..group.len())
            .map(|c| rng_for(seed, level, (first_chain + c) as u64))
            .collect();
        let mut current: Vec<(Vec<f64>, f64)> = group
            .iter()
            .map(|&i| (points[i].clone(), margins[i]))
            .collect();
        let mut states: Vec<Vec<usize>> = vec![Vec::with_capacity(length); group.len()];
        let record = |c: usize,
                      z: &Vec<f64>,
                      m: f64,
                      states: &mut Vec<Vec<usize>>,
                      pts: &mut Vec<Vec<f64>>,
                      ms: &mut Vec<f64>| {
            states[c].push(pts.len());
            pts.push(z.clone());
            ms.push(m);
        };
        for (c, (z, m)) in current.iter().enumerate() {
            record(c, z, *m, &mut states, &mut out_points, &mut out_margins);
        }
        let (mut accepted, mut proposed) = (0usize, 0usize);
        let mut xi = vec![0.0; d];
        for _step in 1..length {
            let proposals: Vec<Vec<f64>> = current
                .iter()
                .zip(&mut rngs)
                .map(|((z, _), rng)| {
                    normals(rng, &mut xi);
                    (0..d).map(|k| rho * z[k] + sigma * xi[k]).collect()
                })
                .collect();
            let proposed_margins = limit.margins(&proposals)?;
            for (c, (p, m)) in proposals.into_iter().zip(proposed_margins).enumerate() {
                proposed += 1;
                if m >= threshold {
                    accepted += 1;
                    current[c] = (p, m);
                }
                let (z, m) = &current[c];
                record(c, z, *m, &mut states, &mut out_points, &mut out_margins);
            }
        }
        let rate = accepted as f64 / proposed.max(1) as f64;
        lambda *= ((rate - TARGET_ACCEPTANCE) / ((g + 1) as f64).sqrt()).exp();
        accepted_all += accepted;
        proposed_all += proposed;
        out_chains.extend(states);
    }
    // Chains of equal length give n samples; trim any excess in order.
    out_points.truncate(n);
    out_margins.truncate(n);
    for chain in &mut out_chains {
        chain.retain(|&i| i < n);
    }
    Ok(Some((
        out_points,
        out_margins,
        out_chains,
        accepted_all as f64 / proposed_all.max(1) as f64,
    )))
}

/// Cross-entropy importance sampling: stages of samples from a Gaussian
/// with its own mean and spread per coordinate, each refitted to the
/// weighted samples beyond the stage's threshold, until the threshold
/// reaches the event; then a final stage estimates the probability with
/// importance weights.
fn importance(
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
