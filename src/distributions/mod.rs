//! Probability distributions of model inputs and random nodes.
//!
//! One file per family. Every constructor validates its parameters and
//! returns `Result`, so a model that compiles can never produce a sampler with
//! invalid parameters. Each family offers a fast sampler (`sample`) for plain
//! Monte Carlo and a quantile function (`quantile`) for designs that transform
//! uniform points (Latin hypercube, quasi-Monte Carlo, Sobol analysis).

pub(crate) mod bernoulli;
mod beta;
mod binomial;
mod discrete;
mod empirical;
mod exponential;
mod form;
mod gamma;
pub mod heap;
mod incomplete_beta;
mod lattice;
mod lognormal;
mod loguniform;
mod mixture;
mod negative_binomial;
mod normal;
mod percentile;
mod pareto;
mod pert;
mod poisson;
mod student_t;
pub mod table;
mod triangular;
mod uniform;
mod weibull;

pub use bernoulli::Bernoulli;
pub use beta::Beta;
pub use binomial::Binomial;
pub use discrete::Discrete;
pub use empirical::Empirical;
pub use exponential::Exponential;
pub use form::{Family, Form};
pub use gamma::Gamma;
pub use lognormal::Lognormal;
pub use loguniform::Loguniform;
pub use mixture::Mixture;
pub use negative_binomial::NegativeBinomial;
pub use normal::{Normal, TruncatedNormal, std_normal_cdf, std_normal_quantile};
pub use percentile::Percentile;
pub use pareto::Pareto;
pub use pert::Pert;
pub use poisson::Poisson;
pub use student_t::StudentT;
pub use triangular::Triangular;
pub use uniform::Uniform;
pub use weibull::Weibull;

use std::fmt;

/// z such that Phi(z) = 0.95: the model language (docs/model-language.md) defines `p05`/`p95` with this value.
pub const Z95: f64 = 1.6448536269514722;

/// A parameter that is out of its range, named so that the caller can point at it.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamError {
    /// The parameter's name: a native one, or a percentile key as written.
    pub param: std::borrow::Cow<'static, str>,
    pub message: String,
}

impl ParamError {
    pub fn new(param: &'static str, message: impl Into<String>) -> Self {
        ParamError {
            param: param.into(),
            message: message.into(),
        }
    }

    /// An error about a parameter whose name is not static (a percentile
    /// key as written).
    pub fn named(param: String, message: impl Into<String>) -> Self {
        ParamError {
            param: param.into(),
            message: message.into(),
        }
    }
}

/// The sum of `weights` (a discrete's or a mixture's), each of which must
/// be finite and non-negative, the sum positive and finite.
pub(crate) fn weights_total(weights: &[f64]) -> Result<f64, ParamError> {
    if let Some((i, w)) = weights
        .iter()
        .enumerate()
        .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
    {
        return Err(ParamError::new(
            "weights",
            format!("must be >= 0 and finite, got {w} (entry {})", i + 1),
        ));
    }
    let total: f64 = weights.iter().sum();
    if !(total > 0.0 && total.is_finite()) {
        return Err(ParamError::new(
            "weights",
            format!("must have a positive finite sum, got {total}"),
        ));
    }
    Ok(total)
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
    Poisson(Poisson),
    Binomial(Binomial),
    Discrete(Discrete),
    Weibull(Weibull),
    StudentT(StudentT),
    Loguniform(Loguniform),
    Mixture(Mixture),
    Empirical(Empirical),
    Pareto(Pareto),
    NegativeBinomial(NegativeBinomial),
}

impl Distribution {
    /// One draw, the way the sampler tests draw (the engine fills columns
    /// from its own streams).
    #[cfg(test)]
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.quantile(unit_from_bits(rng.next_u64()))
    }

    /// `out[i] = quantile(us[i])`; the family is matched once, not per value.
    #[inline(always)]
    pub fn map(&self, us: &[f64], out: &mut [f64]) {
        macro_rules! each {
            ($d:expr) => {
                for (o, &u) in out.iter_mut().zip(us) {
                    *o = $d.quantile(u);
                }
            };
        }
        match self {
            Distribution::Constant(v) => out.fill(*v),
            Distribution::Uniform(d) => each!(d),
            Distribution::Normal(d) => d.map(us, out),
            Distribution::TruncatedNormal(d) => each!(d),
            Distribution::Lognormal(d) => d.map(us, out),
            Distribution::Beta(d) => d.map(us, out),
            Distribution::Triangular(d) => each!(d),
            Distribution::Pert(d) => d.map(us, out),
            Distribution::Gamma(d) => d.map(us, out),
            Distribution::Exponential(d) => d.map(us, out),
            Distribution::Bernoulli(d) => each!(d),
            Distribution::Poisson(d) => each!(d),
            Distribution::Binomial(d) => each!(d),
            Distribution::Discrete(d) => each!(d),
            Distribution::Weibull(d) => each!(d),
            Distribution::StudentT(d) => each!(d),
            Distribution::Loguniform(d) => each!(d),
            Distribution::Mixture(d) => each!(d),
            Distribution::Empirical(d) => each!(d),
            Distribution::Pareto(d) => each!(d),
            Distribution::NegativeBinomial(d) => each!(d),
        }
    }

    /// The quantile function (inverse CDF) at `u` in (0, 1), through the
    /// family's table where it has one.
    #[inline(always)]
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
            Distribution::Poisson(d) => d.quantile(u),
            Distribution::Binomial(d) => d.quantile(u),
            Distribution::Discrete(d) => d.quantile(u),
            Distribution::Weibull(d) => d.quantile(u),
            Distribution::StudentT(d) => d.quantile(u),
            Distribution::Loguniform(d) => d.quantile(u),
            Distribution::Mixture(d) => d.quantile(u),
            Distribution::Empirical(d) => d.quantile(u),
            Distribution::Pareto(d) => d.quantile(u),
            Distribution::NegativeBinomial(d) => d.quantile(u),
        }
    }

    /// The quantile function computed without tables: the reference that
    /// tables are built from and tested against. Slow for beta and gamma.
    pub fn quantile_exact(&self, u: f64) -> f64 {
        match self {
            Distribution::Normal(d) => d.quantile_exact(u),
            Distribution::TruncatedNormal(d) => d.quantile_exact(u),
            Distribution::Lognormal(d) => d.quantile_exact(u),
            Distribution::Beta(d) => d.quantile_exact(u),
            Distribution::Pert(d) => d.quantile_exact(u),
            Distribution::Gamma(d) => d.quantile_exact(u),
            Distribution::Triangular(d) => d.quantile_exact(u),
            Distribution::Exponential(d) => d.quantile_exact(u),
            Distribution::Poisson(d) => d.quantile_exact(u),
            Distribution::Binomial(d) => d.quantile_exact(u),
            Distribution::NegativeBinomial(d) => d.quantile_exact(u),
            Distribution::StudentT(d) => d.quantile_exact(u),
            Distribution::Mixture(d) => d.quantile_exact(u),
            other => other.quantile(u),
        }
    }

    /// Tabulates the quantile function where the family has a table (see
    /// `table`): for distributions drawn from many times.
    pub fn with_tables(self) -> Self {
        match self {
            Distribution::Lognormal(d) => Distribution::Lognormal(d.with_table()),
            Distribution::Beta(d) => Distribution::Beta(d.with_table()),
            Distribution::Pert(d) => Distribution::Pert(d.with_table()),
            Distribution::Gamma(d) => Distribution::Gamma(d.with_table()),
            Distribution::Exponential(d) => Distribution::Exponential(d.with_table()),
            Distribution::Poisson(d) => Distribution::Poisson(d.with_table()),
            Distribution::Binomial(d) => Distribution::Binomial(d.with_table()),
            Distribution::NegativeBinomial(d) => Distribution::NegativeBinomial(d.with_table()),
            Distribution::StudentT(d) => Distribution::StudentT(d.with_table()),
            Distribution::Mixture(d) => Distribution::Mixture(d.with_tables()),
            other => other,
        }
    }

    /// True for a point mass: such an input is a constant, not a factor.
    pub fn is_constant(&self) -> bool {
        matches!(self, Distribution::Constant(_))
    }
}

/// A uniform draw in the open interval (0, 1) from 64 random bits: the
/// midpoint of one of 2^52 equal cells, so neither 0 nor 1 (where many
/// quantiles are infinite) can occur, and 1 - u is exact for u >= 1/2.
/// Built from the bits of a float in [1, 2), with no integer-to-float
/// conversion, so it vectorises. Every sampler uses it.
#[inline(always)]
pub fn unit_from_bits(bits: u64) -> f64 {
    // [1, 2) minus (1 - 2^-53) is exact (Sterbenz) and lands on (2k + 1) 2^-53.
    f64::from_bits(0x3FF0_0000_0000_0000 | (bits >> 12)) - (1.0 - f64::EPSILON / 2.0)
}

#[cfg(test)]
mod tests;
