//! Subset simulation (Au and Beck 2001) with adaptive conditional sampling.

use super::points::{fresh_points, normals, rng_for};
use super::{
    LEVEL_PROBABILITY, Level, Limit, MAX_LEVELS, RareEstimate, RareMethod, RareSettings, Region,
    effective_size,
};
use crate::engine::cancel::CancelToken;
use crate::engine::rng::StreamRng;
use crate::error::{Error, Result};
use crate::stats::interval::z_value;
use std::collections::BTreeMap;

/// Acceptance rate the conditional sampler adapts toward (Papaioannou et
/// al. 2015).
const TARGET_ACCEPTANCE: f64 = 0.44;

/// Subset simulation: level 0 by plain sampling; each later level by
/// Markov chains started from the best `p0` share of the previous one and
/// held above its threshold, until the event itself is reached.
pub(super) fn subset(
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
/// between levels (a level's seeds are the last level's samples).
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
