//! Probability distributions of model inputs and random nodes.
//!
//! One file per family. Every constructor validates its parameters and
//! returns `Result`, so a model that compiles can never produce a sampler with
//! invalid parameters. Each family offers a fast sampler (`sample`) for plain
//! Monte Carlo and a quantile function (`quantile`) for designs that transform
//! uniform points (Latin hypercube, quasi-Monte Carlo, Sobol analysis).

pub(crate) mod bernoulli;
mod beta;
mod exponential;
mod form;
mod gamma;
mod lognormal;
mod normal;
mod pert;
mod triangular;
mod uniform;

pub use bernoulli::Bernoulli;
pub use beta::Beta;
pub use exponential::Exponential;
pub use form::{Family, Form};
pub use gamma::Gamma;
pub use lognormal::Lognormal;
pub use normal::{Normal, TruncatedNormal};
pub use pert::Pert;
pub use triangular::Triangular;
pub use uniform::Uniform;

use rand::Rng;
use std::fmt;

/// z such that Phi(z) = 0.95: MODEL.md defines `p05`/`p95` with this value.
pub const Z95: f64 = 1.6448536269514722;

/// A parameter that is out of its range, named so that the caller can point at it.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamError {
    pub param: &'static str,
    pub message: String,
}

impl ParamError {
    pub fn new(param: &'static str, message: impl Into<String>) -> Self {
        ParamError {
            param,
            message: message.into(),
        }
    }
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "parameter '{}' {}", self.param, self.message)
    }
}

impl std::error::Error for ParamError {}

/// Checks that a parameter is a finite number.
pub(crate) fn finite(param: &'static str, value: f64) -> Result<f64, ParamError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ParamError::new(
            param,
            format!("must be finite, got {value}"),
        ))
    }
}

/// Checks that a parameter is a finite number greater than zero.
pub(crate) fn positive(param: &'static str, value: f64) -> Result<f64, ParamError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(ParamError::new(param, format!("must be > 0, got {value}")))
    }
}

/// Checks `min < max`, both finite.
pub(crate) fn ordered(min: f64, max: f64) -> Result<(), ParamError> {
    finite("min", min)?;
    finite("max", max)?;
    if min < max {
        Ok(())
    } else {
        Err(ParamError::new(
            "min",
            format!("must be < max, got min = {min}, max = {max}"),
        ))
    }
}

/// A validated distribution of one of the families of the model language.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    Constant(f64),
    Uniform(Uniform),
    Normal(Normal),
    TruncatedNormal(TruncatedNormal),
    Lognormal(Lognormal),
    Beta(Beta),
    Triangular(Triangular),
    Pert(Pert),
    Gamma(Gamma),
    Exponential(Exponential),
    Bernoulli(Bernoulli),
}

impl Distribution {
    /// One draw.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Distribution::Constant(v) => *v,
            Distribution::Uniform(d) => d.sample(rng),
            Distribution::Normal(d) => d.sample(rng),
            Distribution::TruncatedNormal(d) => d.sample(rng),
            Distribution::Lognormal(d) => d.sample(rng),
            Distribution::Beta(d) => d.sample(rng),
            Distribution::Triangular(d) => d.sample(rng),
            Distribution::Pert(d) => d.sample(rng),
            Distribution::Gamma(d) => d.sample(rng),
            Distribution::Exponential(d) => d.sample(rng),
            Distribution::Bernoulli(d) => d.sample(rng),
        }
    }

    /// Fills `out` with independent draws; the family is matched once, not per draw.
    pub fn fill<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [f64]) {
        macro_rules! fill_with {
            ($d:expr) => {
                for x in out.iter_mut() {
                    *x = $d.sample(rng);
                }
            };
        }
        match self {
            Distribution::Constant(v) => out.fill(*v),
            Distribution::Uniform(d) => fill_with!(d),
            Distribution::Normal(d) => fill_with!(d),
            Distribution::TruncatedNormal(d) => fill_with!(d),
            Distribution::Lognormal(d) => fill_with!(d),
            Distribution::Beta(d) => fill_with!(d),
            Distribution::Triangular(d) => fill_with!(d),
            Distribution::Pert(d) => fill_with!(d),
            Distribution::Gamma(d) => fill_with!(d),
            Distribution::Exponential(d) => fill_with!(d),
            Distribution::Bernoulli(d) => fill_with!(d),
        }
    }

    /// The quantile function (inverse CDF) at `u` in [0, 1].
    pub fn quantile(&self, u: f64) -> f64 {
        match self {
            Distribution::Constant(v) => *v,
            Distribution::Uniform(d) => d.quantile(u),
            Distribution::Normal(d) => d.quantile(u),
            Distribution::TruncatedNormal(d) => d.quantile(u),
            Distribution::Lognormal(d) => d.quantile(u),
            Distribution::Beta(d) => d.quantile(u),
            Distribution::Triangular(d) => d.quantile(u),
            Distribution::Pert(d) => d.quantile(u),
            Distribution::Gamma(d) => d.quantile(u),
            Distribution::Exponential(d) => d.quantile(u),
            Distribution::Bernoulli(d) => d.quantile(u),
        }
    }

    /// True for a point mass: such an input is a constant, not a factor.
    pub fn is_constant(&self) -> bool {
        matches!(self, Distribution::Constant(_))
    }
}

/// A uniform draw in [0, 1) with 53 random bits; the one used by every
/// inverse-transform sampler so that value stability depends on nothing else.
#[inline]
pub(crate) fn unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests;
