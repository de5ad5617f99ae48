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

use crate::engine::cancel::CancelToken;
use crate::error::Result;

/// Stops the method with `Ok(None)` once the token is cancelled.
macro_rules! stop_if_cancelled {
    ($token:expr) => {
        if $token.is_cancelled() {
            return Ok(None);
        }
    };
}

mod importance;
mod limit;
mod points;
mod subset;

pub use limit::Limit;

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

/// Estimates the probability of the limit's event; `None` if cancelled.
pub fn estimate(
    limit: &mut Limit,
    settings: &RareSettings,
    token: &CancelToken,
    progress: &mut dyn FnMut(u64),
) -> Result<Option<RareEstimate>> {
    match settings.method {
        RareMethod::Subset => subset::subset(limit, settings, token, progress),
        RareMethod::ImportanceSampling => importance::importance(limit, settings, token, progress),
    }
}
