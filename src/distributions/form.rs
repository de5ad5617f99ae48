//! Which parameters a distribution entry gives, and how they become a
//! validated `Distribution`.
//!
//! Resolving the form once (at compile time) lets random nodes whose
//! parameters are expressions build their distribution per sample from a
//! plain slice of numbers, with no string handling in the hot loop.

use super::*;
use std::borrow::Cow;
use std::sync::Arc;

/// The distribution families of the model language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Constant,
    Uniform,
    Normal,
    Lognormal,
    Beta,
    Triangular,
    Pert,
    Gamma,
    Exponential,
    Bernoulli,
    Poisson,
    Binomial,
    Discrete,
    Weibull,
    StudentT,
    Loguniform,
    Pareto,
    NegativeBinomial,
    Mixture,
    Empirical,
}

impl Family {
    pub const ALL: [Family; 20] = [
        Family::Constant,
        Family::Uniform,
        Family::Normal,
        Family::Lognormal,
        Family::Beta,
        Family::Triangular,
        Family::Pert,
        Family::Gamma,
        Family::Exponential,
        Family::Bernoulli,
        Family::Poisson,
        Family::Binomial,
        Family::Discrete,
        Family::Weibull,
        Family::StudentT,
        Family::Loguniform,
        Family::Pareto,
        Family::NegativeBinomial,
        Family::Mixture,
        Family::Empirical,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Family::Constant => "constant",
            Family::Uniform => "uniform",
            Family::Normal => "normal",
            Family::Lognormal => "lognormal",
            Family::Beta => "beta",
            Family::Triangular => "triangular",
            Family::Pert => "pert",
            Family::Gamma => "gamma",
            Family::Exponential => "exponential",
            Family::Bernoulli => "bernoulli",
            Family::Poisson => "poisson",
            Family::Binomial => "binomial",
            Family::Discrete => "discrete",
            Family::Weibull => "weibull",
            Family::StudentT => "student_t",
            Family::Loguniform => "loguniform",
            Family::Pareto => "pareto",
            Family::NegativeBinomial => "negative_binomial",
            Family::Mixture => "mixture",
            Family::Empirical => "empirical",
        }
    }

    pub fn from_name(name: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether the family may be given by two percentiles instead of its
    /// native pair (see `Percentile`).
    pub fn takes_percentiles(self) -> bool {
        matches!(
            self,
            Family::Normal
                | Family::Lognormal
                | Family::Weibull
                | Family::Loguniform
                | Family::Gamma
        )
    }

    /// Whether `name` is a parameter of the family: a known one, or (for
    /// the families that take them) a well-formed percentile key.
    pub fn accepts(self, name: &str) -> bool {
        self.known_params().contains(&name)
            || (self.takes_percentiles() && Percentile::parse(name).is_ok())
    }

    /// Every native parameter name the family accepts, in any of its forms
    /// (percentile keys aside: see `accepts`).
    pub fn known_params(self) -> &'static [&'static str] {
        match self {
            Family::Constant => &["value"],
            Family::Uniform => &["min", "max"],
            Family::Normal => &["mean", "sd", "min", "max"],
            Family::Lognormal => &["mu", "sigma"],
            Family::Beta => &["alpha", "beta", "mean", "concentration"],
            Family::Triangular => &["min", "mode", "max"],
            Family::Pert => &["min", "mode", "max", "lambda"],
            Family::Gamma => &["shape", "scale"],
            Family::Exponential => &["rate"],
            Family::Bernoulli => &["p"],
            Family::Poisson => &["rate"],
            Family::Binomial => &["n", "p"],
            Family::Discrete => &["values", "weights"],
            Family::Weibull => &["shape", "scale"],
            Family::StudentT => &["df", "loc", "scale"],
            Family::Loguniform => &["min", "max"],
            Family::Pareto => &["scale", "shape"],
            Family::NegativeBinomial => &["r", "p", "mean"],
            Family::Mixture => &["components", "weights"],
            Family::Empirical => &["file", "column"],
        }
    }

    /// The accepted parameter sets, for error messages.
    pub fn forms_hint(self) -> &'static str {
        match self {
            Family::Constant => "value",
            Family::Uniform => "min + max",
            Family::Normal => {
                "mean + sd, or two percentiles (e.g. p05 + p95); optional min/max truncate"
            }
            Family::Lognormal => "mu + sigma, or two percentiles (e.g. p05 + p95, median + p95)",
            Family::Beta => "alpha + beta, or mean + concentration",
            Family::Triangular => "min + mode + max",
            Family::Pert => "min + mode + max, optional lambda",
            Family::Gamma => "shape + scale, or two percentiles (e.g. p10 + p90)",
            Family::Exponential => "rate",
            Family::Bernoulli => "p",
            Family::Poisson => "rate",
            Family::Binomial => "n + p",
            Family::Discrete => "values = [..] + weights = [..]",
            Family::Weibull => "shape + scale, or two percentiles (e.g. p10 + p90)",
            Family::StudentT => "df, optional loc and scale",
            Family::Loguniform => "min + max, or two percentiles (e.g. p10 + p90)",
            Family::Pareto => "scale + shape",
            Family::NegativeBinomial => "r + p, or mean + r",
            Family::Mixture => "components = [{ dist = .. }, ..] + weights = [..]",
            Family::Empirical => "file + column",
        }
    }

    /// Families whose parameters are lists, tables or file names: the
    /// parser builds their `Form` itself (`Form::discrete`, `Form::mixture`,
    /// `Form::Empirical`) after `Form::check_names`.
    pub fn is_structured(self) -> bool {
        matches!(self, Family::Discrete | Family::Mixture | Family::Empirical)
    }
}

/// A family together with the parameter set an entry uses. `build` takes the
/// values in the order of `Form::params`. List parameters are flattened
/// into that order: a discrete of n values takes n values, then n weights;
/// a mixture takes each component's parameters in turn, then its weights.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    Constant,
    Uniform,
    Normal {
        quantiles: bool,
        min: bool,
        max: bool,
    },
    LognormalMuSigma,
    LognormalP05P95,
    LognormalMedianP95,
    BetaShapes,
    BetaMeanConcentration,
    Triangular,
    Pert {
        lambda: bool,
    },
    Gamma,
    Exponential,
    Bernoulli,
    Poisson,
    Binomial,
    Weibull,
    StudentT {
        loc: bool,
        scale: bool,
    },
    Loguniform,
    Pareto,
    NegativeBinomialRP,
    NegativeBinomialMeanR,
    /// `n` values, then `n` weights.
    Discrete {
        n: usize,
    },
    /// The components' forms (none a mixture); their parameters, then one
    /// weight per component.
    Mixture(Arc<[Form]>),
    /// The data, read when the model was loaded; no numeric parameters.
    Empirical(Arc<Empirical>),
    /// Two percentiles (lower level first) of a family that takes them,
    /// other than the forms above (`p05` + `p95`, lognormal `median` +
    /// `p95`); `min`/`max` truncate a normal. Values: the two percentiles',
    /// then min, then max.
    Percentiles {
        family: Family,
        at: Arc<[Percentile; 2]>,
        min: bool,
        max: bool,
    },
}

impl Form {
    /// Checks the parameter names of an entry: none unknown, and exactly one
    /// accepted set. The error names what is unknown, missing or mixed.
    pub fn check_names(family: Family, given: &[&str]) -> Result<(), String> {
        if family.is_structured() {
            let known = family.known_params();
            if let Some(unknown) = given.iter().find(|k| !known.contains(k)) {
                return Err(format!(
                    "unknown parameter '{unknown}' for {} (expects {})",
                    family.name(),
                    family.forms_hint()
                ));
            }
            if given.len() == known.len() && known.iter().all(|k| given.contains(k)) {
                return Ok(());
            }
            let mut shown: Vec<&str> = given.to_vec();
            shown.sort_unstable();
            return Err(format!(
                "{} needs {}; got {}",
                family.name(),
                family.forms_hint(),
                if shown.is_empty() {
                    "no parameters".to_string()
                } else {
                    shown.join(", ")
                }
            ));
        }
        Form::resolve(family, given).map(|_| ())
    }

    /// The form of a discrete distribution of `n` values.
    pub fn discrete(n: usize) -> Form {
        Form::Discrete { n }
    }

    /// The form of a mixture of components of these forms.
    pub fn mixture(components: Vec<Form>) -> Form {
        Form::Mixture(components.into())
    }

    /// The family this form belongs to.
    pub fn family(&self) -> Family {
        match self {
            Form::Constant => Family::Constant,
            Form::Uniform => Family::Uniform,
            Form::Normal { .. } => Family::Normal,
            Form::LognormalMuSigma | Form::LognormalP05P95 | Form::LognormalMedianP95 => {
                Family::Lognormal
            }
            Form::BetaShapes | Form::BetaMeanConcentration => Family::Beta,
            Form::Triangular => Family::Triangular,
            Form::Pert { .. } => Family::Pert,
            Form::Gamma => Family::Gamma,
            Form::Exponential => Family::Exponential,
            Form::Bernoulli => Family::Bernoulli,
            Form::Poisson => Family::Poisson,
            Form::Binomial => Family::Binomial,
            Form::Weibull => Family::Weibull,
            Form::StudentT { .. } => Family::StudentT,
            Form::Loguniform => Family::Loguniform,
            Form::Pareto => Family::Pareto,
            Form::NegativeBinomialRP | Form::NegativeBinomialMeanR => Family::NegativeBinomial,
            Form::Discrete { .. } => Family::Discrete,
            Form::Mixture(_) => Family::Mixture,
            Form::Empirical(_) => Family::Empirical,
            Form::Percentiles { family, .. } => *family,
        }
    }

    /// How many values `build` takes.
    pub fn param_count(&self) -> usize {
        match self {
            Form::Discrete { n } => 2 * n,
            Form::Mixture(forms) => {
                forms.iter().map(Form::param_count).sum::<usize>() + forms.len()
            }
            other => other.params().len(),
        }
    }

    /// Picks the form from the parameter names given (in any order). The
    /// error names what is missing, unknown or mixed.
    pub fn resolve(family: Family, given: &[&str]) -> Result<Form, String> {
        let known = family.known_params();
        for k in given {
            if known.contains(k) {
                continue;
            }
            if family.takes_percentiles() && Percentile::looks_like(k) {
                Percentile::parse(k)?;
                continue;
            }
            return Err(format!(
                "unknown parameter '{k}' for {} (expects {})",
                family.name(),
                family.forms_hint()
            ));
        }
        if family.takes_percentiles() && given.iter().any(|k| Percentile::looks_like(k)) {
            return Form::resolve_percentiles(family, given);
        }
        let has = |k: &str| given.contains(&k);
        let exactly = |set: &[&str]| given.len() == set.len() && set.iter().all(|k| has(k));
        let form = match family {
            Family::Constant if exactly(&["value"]) => Some(Form::Constant),
            Family::Uniform if exactly(&["min", "max"]) => Some(Form::Uniform),
            Family::Normal => {
                let (min, max) = (has("min"), has("max"));
                let core: Vec<&str> = given
                    .iter()
                    .copied()
                    .filter(|k| *k != "min" && *k != "max")
                    .collect();
                let core_is =
                    |set: &[&str]| core.len() == set.len() && set.iter().all(|k| core.contains(k));
                if core_is(&["mean", "sd"]) {
                    Some(Form::Normal {
                        quantiles: false,
                        min,
                        max,
                    })
                } else if core_is(&["p05", "p95"]) {
                    Some(Form::Normal {
                        quantiles: true,
                        min,
                        max,
                    })
                } else {
                    None
                }
            }
            Family::Lognormal if exactly(&["mu", "sigma"]) => Some(Form::LognormalMuSigma),
            Family::Lognormal if exactly(&["p05", "p95"]) => Some(Form::LognormalP05P95),
            Family::Lognormal if exactly(&["median", "p95"]) => Some(Form::LognormalMedianP95),
            Family::Beta if exactly(&["alpha", "beta"]) => Some(Form::BetaShapes),
            Family::Beta if exactly(&["mean", "concentration"]) => {
                Some(Form::BetaMeanConcentration)
            }
            Family::Triangular if exactly(&["min", "mode", "max"]) => Some(Form::Triangular),
            Family::Pert if exactly(&["min", "mode", "max"]) => Some(Form::Pert { lambda: false }),
            Family::Pert if exactly(&["min", "mode", "max", "lambda"]) => {
                Some(Form::Pert { lambda: true })
            }
            Family::Gamma if exactly(&["shape", "scale"]) => Some(Form::Gamma),
            Family::Exponential if exactly(&["rate"]) => Some(Form::Exponential),
            Family::Bernoulli if exactly(&["p"]) => Some(Form::Bernoulli),
            Family::Poisson if exactly(&["rate"]) => Some(Form::Poisson),
            Family::Binomial if exactly(&["n", "p"]) => Some(Form::Binomial),
            Family::Weibull if exactly(&["shape", "scale"]) => Some(Form::Weibull),
            Family::StudentT if has("df") => {
                let (loc, scale) = (has("loc"), has("scale"));
                (given.len() == 1 + usize::from(loc) + usize::from(scale))
                    .then_some(Form::StudentT { loc, scale })
            }
            Family::Loguniform if exactly(&["min", "max"]) => Some(Form::Loguniform),
            Family::Pareto if exactly(&["scale", "shape"]) => Some(Form::Pareto),
            Family::NegativeBinomial if exactly(&["r", "p"]) => Some(Form::NegativeBinomialRP),
            Family::NegativeBinomial if exactly(&["mean", "r"]) => {
                Some(Form::NegativeBinomialMeanR)
            }
            // Built by the parser (see `Family::is_structured`).
            Family::Discrete | Family::Mixture | Family::Empirical => None,
            _ => None,
        };
        form.ok_or_else(|| {
            let mut shown: Vec<&str> = given.to_vec();
            shown.sort_unstable();
            format!(
                "{} needs {}; got {}",
                family.name(),
                family.forms_hint(),
                if shown.is_empty() {
                    "no parameters".to_string()
                } else {
                    shown.join(", ")
                }
            )
        })
    }

    /// The form of an entry with at least one percentile key (all keys
    /// known or well-formed). The errors name every key at fault.
    fn resolve_percentiles(family: Family, given: &[&str]) -> Result<Form, String> {
        let bounds = |k: &&str| family == Family::Normal && (*k == "min" || *k == "max");
        let mut keys: Vec<&str> = given
            .iter()
            .copied()
            .filter(|k| !bounds(k))
            .collect();
        keys.sort_unstable();
        let percentiles: Vec<Percentile> = keys
            .iter()
            .filter(|k| Percentile::looks_like(k))
            .map(|k| Percentile::parse(k))
            .collect::<Result<_, _>>()?;
        if percentiles.len() != keys.len() {
            return Err(format!(
                "{} takes its native parameters or two percentiles, not both; got {}",
                family.name(),
                keys.join(", ")
            ));
        }
        if percentiles.len() > 2 {
            return Err(format!(
                "{} takes exactly two percentiles; got {}",
                family.name(),
                keys.join(", ")
            ));
        }
        let [a, b] = <[Percentile; 2]>::try_from(percentiles).map_err(|_| {
            format!(
                "{} needs {}; got {}",
                family.name(),
                family.forms_hint(),
                keys.join(", ")
            )
        })?;
        if a.prob() == b.prob() {
            return Err(format!(
                "percentiles '{}' and '{}' are at one level ({})",
                a.key(),
                b.key(),
                a.name()
            ));
        }
        let at = if a.prob() < b.prob() { [a, b] } else { [b, a] };
        let (min, max) = (given.contains(&"min"), given.contains(&"max"));
        // The forms of language 1.0 keep their names (and so the model hash).
        let keys_are = |lo: &str, hi: &str| at[0].key() == lo && at[1].key() == hi;
        Ok(match family {
            Family::Normal if keys_are("p05", "p95") => Form::Normal {
                quantiles: true,
                min,
                max,
            },
            Family::Lognormal if keys_are("p05", "p95") => Form::LognormalP05P95,
            Family::Lognormal if keys_are("median", "p95") => Form::LognormalMedianP95,
            _ => Form::Percentiles {
                family,
                at: Arc::new(at),
                min,
                max,
            },
        })
    }

    /// The parameter names as the model's text gives them, in the order
    /// `build` expects their values (a percentile key as written).
    pub fn params(&self) -> Vec<Cow<'static, str>> {
        match self {
            Form::Percentiles { at, .. } => {
                let mut p: Vec<Cow<'static, str>> = at
                    .iter()
                    .map(|pct| Cow::Owned(pct.key().to_string()))
                    .collect();
                p.extend(self.bounds().into_iter().map(Cow::Borrowed));
                p
            }
            Form::Mixture(forms) => {
                let mut p: Vec<Cow<'static, str>> = forms.iter().flat_map(|f| f.params()).collect();
                p.extend(std::iter::repeat_n(Cow::Borrowed("weights"), forms.len()));
                p
            }
            other => other.static_params().into_iter().map(Cow::Borrowed).collect(),
        }
    }

    /// As `params`, with each percentile key's canonical name (`p5` is
    /// `p05`, `p50` is `median`): what the model hash covers.
    pub fn canonical_params(&self) -> Vec<Cow<'static, str>> {
        match self {
            Form::Percentiles { at, .. } => {
                let mut p: Vec<Cow<'static, str>> = at
                    .iter()
                    .map(|pct| Cow::Owned(pct.name().to_string()))
                    .collect();
                p.extend(self.bounds().into_iter().map(Cow::Borrowed));
                p
            }
            Form::Mixture(forms) => {
                let mut p: Vec<Cow<'static, str>> =
                    forms.iter().flat_map(|f| f.canonical_params()).collect();
                p.extend(std::iter::repeat_n(Cow::Borrowed("weights"), forms.len()));
                p
            }
            other => other.params(),
        }
    }

    /// A percentile form's `min` and `max`, as given.
    fn bounds(&self) -> Vec<&'static str> {
        match self {
            Form::Percentiles { min, max, .. } => [(*min, "min"), (*max, "max")]
                .into_iter()
                .filter_map(|(on, name)| on.then_some(name))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The parameter names of the forms whose names are fixed.
    fn static_params(&self) -> Vec<&'static str> {
        match self {
            Form::Constant => vec!["value"],
            Form::Uniform => vec!["min", "max"],
            Form::Normal {
                quantiles,
                min,
                max,
            } => {
                let (quantiles, min, max) = (*quantiles, *min, *max);
                let mut p = if quantiles {
                    vec!["p05", "p95"]
                } else {
                    vec!["mean", "sd"]
                };
                if min {
                    p.push("min");
                }
                if max {
                    p.push("max");
                }
                p
            }
            Form::LognormalMuSigma => vec!["mu", "sigma"],
            Form::LognormalP05P95 => vec!["p05", "p95"],
            Form::LognormalMedianP95 => vec!["median", "p95"],
            Form::BetaShapes => vec!["alpha", "beta"],
            Form::BetaMeanConcentration => vec!["mean", "concentration"],
            Form::Triangular => vec!["min", "mode", "max"],
            Form::Pert { lambda } => {
                let mut p = vec!["min", "mode", "max"];
                if *lambda {
                    p.push("lambda");
                }
                p
            }
            Form::Gamma => vec!["shape", "scale"],
            Form::Exponential => vec!["rate"],
            Form::Bernoulli => vec!["p"],
            Form::Poisson => vec!["rate"],
            Form::Binomial => vec!["n", "p"],
            Form::Weibull => vec!["shape", "scale"],
            Form::StudentT { loc, scale } => {
                let mut p = vec!["df"];
                if *loc {
                    p.push("loc");
                }
                if *scale {
                    p.push("scale");
                }
                p
            }
            Form::Loguniform => vec!["min", "max"],
            Form::Pareto => vec!["scale", "shape"],
            Form::NegativeBinomialRP => vec!["r", "p"],
            Form::NegativeBinomialMeanR => vec!["mean", "r"],
            Form::Discrete { n } => {
                let mut p = vec!["values"; *n];
                p.extend(std::iter::repeat_n("weights", *n));
                p
            }
            Form::Mixture(_) => unreachable!("a mixture's names come from `params`"),
            Form::Empirical(_) => vec![],
            Form::Percentiles { .. } => unreachable!("percentile keys come from `params`"),
        }
    }

    /// Builds the validated distribution from values in `params()` order.
    pub fn build(&self, v: &[f64]) -> Result<Distribution, ParamError> {
        Ok(match self {
            Form::Constant => Distribution::Constant(finite("value", v[0])?),
            Form::Uniform => Distribution::Uniform(Uniform::new(v[0], v[1])?),
            Form::Normal {
                quantiles,
                min,
                max,
            } => {
                let (quantiles, min, max) = (*quantiles, *min, *max);
                let (mean, sd) = if quantiles {
                    Normal::from_p05_p95(v[0], v[1])?
                } else {
                    (v[0], v[1])
                };
                let mut rest = v[2..].iter().copied();
                let lo = if min { rest.next() } else { None };
                let hi = if max { rest.next() } else { None };
                normal_with_bounds(mean, sd, lo, hi)?
            }
            Form::Percentiles {
                family,
                at,
                min,
                max,
            } => {
                let mut rest = v[2..].iter().copied();
                let lo = if *min { rest.next() } else { None };
                let hi = if *max { rest.next() } else { None };
                percentile::build(*family, at, [v[0], v[1]], (lo, hi))?
            }
            Form::LognormalMuSigma => Distribution::Lognormal(Lognormal::new(v[0], v[1])?),
            Form::LognormalP05P95 => Distribution::Lognormal(Lognormal::from_p05_p95(v[0], v[1])?),
            Form::LognormalMedianP95 => {
                Distribution::Lognormal(Lognormal::from_median_p95(v[0], v[1])?)
            }
            Form::BetaShapes => Distribution::Beta(Beta::new(v[0], v[1])?),
            Form::BetaMeanConcentration => {
                Distribution::Beta(Beta::from_mean_concentration(v[0], v[1])?)
            }
            Form::Triangular => Distribution::Triangular(Triangular::new(v[0], v[1], v[2])?),
            Form::Pert { lambda } => Distribution::Pert(Pert::new(
                v[0],
                v[1],
                v[2],
                if *lambda { v[3] } else { Pert::DEFAULT_LAMBDA },
            )?),
            Form::Gamma => Distribution::Gamma(Gamma::new(v[0], v[1])?),
            Form::Exponential => Distribution::Exponential(Exponential::new(v[0])?),
            Form::Bernoulli => Distribution::Bernoulli(Bernoulli::new(v[0])?),
            Form::Poisson => Distribution::Poisson(Poisson::new(v[0])?),
            Form::Binomial => Distribution::Binomial(Binomial::new(v[0], v[1])?),
            Form::Weibull => Distribution::Weibull(Weibull::new(v[0], v[1])?),
            Form::StudentT { loc, scale } => {
                let mut rest = v[1..].iter().copied();
                let l = if *loc {
                    rest.next().unwrap_or(0.0)
                } else {
                    0.0
                };
                let s = if *scale {
                    rest.next().unwrap_or(1.0)
                } else {
                    1.0
                };
                Distribution::StudentT(StudentT::new(v[0], l, s)?)
            }
            Form::Loguniform => Distribution::Loguniform(Loguniform::new(v[0], v[1])?),
            Form::Pareto => Distribution::Pareto(Pareto::new(v[0], v[1])?),
            Form::NegativeBinomialRP => {
                Distribution::NegativeBinomial(NegativeBinomial::new(v[0], v[1])?)
            }
            Form::NegativeBinomialMeanR => {
                Distribution::NegativeBinomial(NegativeBinomial::from_mean_r(v[0], v[1])?)
            }
            Form::Discrete { n } => Distribution::Discrete(Discrete::new(&v[..*n], &v[*n..])?),
            Form::Mixture(forms) => {
                let mut components = Vec::with_capacity(forms.len());
                let mut at = 0;
                for (i, form) in forms.iter().enumerate() {
                    let k = form.param_count();
                    let d = form.build(&v[at..at + k]).map_err(|e| {
                        ParamError::new("components", format!("component {}: {e}", i + 1))
                    })?;
                    components.push(d);
                    at += k;
                }
                Distribution::Mixture(Mixture::new(components, &v[at..])?)
            }
            Form::Empirical(data) => Distribution::Empirical((**data).clone()),
        })
    }
}

/// A normal, truncated to [lo, hi] when either bound is given.
pub(crate) fn normal_with_bounds(
    mean: f64,
    sd: f64,
    lo: Option<f64>,
    hi: Option<f64>,
) -> Result<Distribution, ParamError> {
    if let Some(lo) = lo {
        finite("min", lo)?;
    }
    if let Some(hi) = hi {
        finite("max", hi)?;
    }
    Ok(if lo.is_none() && hi.is_none() {
        Distribution::Normal(Normal::new(mean, sd)?)
    } else {
        Distribution::TruncatedNormal(TruncatedNormal::new(
            mean,
            sd,
            lo.unwrap_or(f64::NEG_INFINITY),
            hi.unwrap_or(f64::INFINITY),
        )?)
    })
}
