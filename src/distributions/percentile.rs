//! "Any two percentiles" (language 1.2): `normal`, `lognormal`, `weibull`,
//! `loguniform` and `gamma` given by two keys `pL` (or `median` = `p50`)
//! instead of their native pair.
//!
//! A key is `p`, one or two digits, and an optional `_` fraction: `p1`,
//! `p05` (= `p5`), `p10`, `p97_5`, `p99_9`, with 0 < L < 100. Three digits
//! (`p050`, `p100`), an empty fraction (`p5_`) or anything else after the
//! `p` is an error naming the key.

use super::normal::std_normal;
use super::{Distribution, Gamma, Lognormal, Loguniform, ParamError, Weibull, Z95};
use statrs::distribution::ContinuousCDF;
use std::sync::Arc;

/// One percentile key of an entry: as written, its canonical name, its
/// probability L/100 and its z = Phi^-1(L/100).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Percentile {
    /// The key as written (`p5`, `p05`, `median`): errors name it.
    key: Arc<str>,
    /// The canonical name (`p05`, `p97_5`, `median`): the model hash's.
    name: Arc<str>,
    /// L / 100, the double nearest the decimal, as bits (so `Eq` holds).
    p: u64,
    /// Phi^-1(L / 100), with z(L) = -z(100 - L) below 50, as bits.
    z: u64,
}

impl Percentile {
    /// Whether a key is meant as a percentile: `median`, or `p` and a digit.
    pub fn looks_like(key: &str) -> bool {
        key == "median" || (key.starts_with('p') && key[1..].starts_with(|c: char| c.is_ascii_digit()))
    }

    /// Parses a percentile key; the error says what is wrong with it.
    pub fn parse(key: &str) -> Result<Percentile, String> {
        let bad = || {
            format!(
                "'{key}' is not a percentile key: write pL with L one or two digits and an optional _ fraction (p5, p10, p97_5), 0 < L < 100, or median"
            )
        };
        let (whole, fraction) = if key == "median" {
            ("50", "")
        } else {
            let rest = key.strip_prefix('p').ok_or_else(bad)?;
            let (whole, fraction) = match rest.split_once('_') {
                Some((w, f)) if !f.is_empty() => (w, f),
                Some(_) => return Err(bad()),
                None => (rest, ""),
            };
            let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
            if whole.is_empty() || whole.len() > 2 || !digits(whole) || !digits(fraction) {
                return Err(bad());
            }
            (whole, fraction)
        };
        let whole: u32 = whole.parse().map_err(|_| bad())?;
        let fraction = fraction.trim_end_matches('0');
        if whole == 0 && fraction.is_empty() {
            return Err(format!(
                "'{key}' is not a percentile key: the level must be > 0 (0 < L < 100)"
            ));
        }
        let name = match (whole, fraction) {
            (50, "") => "median".to_string(),
            (w, "") => format!("p{w:02}"),
            (w, f) => format!("p{w:02}_{f}"),
        };
        // Decimals, so that each probability is the double nearest it.
        let prob = |w: u32, f: &str| -> f64 {
            format!("0.{w:02}{f}")
                .parse()
                .expect("digits make a decimal")
        };
        let p = prob(whole, fraction);
        let z = if whole == 50 && fraction.is_empty() {
            0.0
        } else if whole >= 50 {
            upper_z(p)
        } else {
            // 100 - L in decimal: the fraction's complement, which ends in a
            // non-zero digit, so adding one to its last digit never carries.
            let (w, f) = if fraction.is_empty() {
                (100 - whole, String::new())
            } else {
                let mut f: Vec<u8> = fraction.bytes().map(|b| b'9' - b + b'0').collect();
                *f.last_mut().expect("a non-empty fraction") += 1;
                (99 - whole, String::from_utf8(f).expect("digits"))
            };
            -upper_z(prob(w, &f))
        };
        Ok(Percentile {
            key: key.into(),
            name: name.into(),
            p: p.to_bits(),
            z: z.to_bits(),
        })
    }

    /// The key as written.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The canonical name: `p05`, `p97_5`, `median`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// L / 100.
    pub fn prob(&self) -> f64 {
        f64::from_bits(self.p)
    }

    /// Phi^-1(L / 100).
    pub fn z(&self) -> f64 {
        f64::from_bits(self.z)
    }
}

/// Phi^-1(p) for p > 1/2; the language fixes z(95) at `Z95`.
fn upper_z(p: f64) -> f64 {
    if p == 0.95 {
        Z95
    } else {
        std_normal().inverse_cdf(p)
    }
}

/// Checks two (percentile, value) pairs, lower level first: values finite
/// (and > 0 when `positive`), increasing with the level. The errors name
/// the keys as written.
fn check(at: &[Percentile; 2], x: [f64; 2], positive: bool) -> Result<(), ParamError> {
    for (pct, v) in at.iter().zip(x) {
        let key = || pct.key().to_string();
        if !v.is_finite() {
            return Err(ParamError::named(key(), format!("must be finite, got {v}")));
        }
        if positive && v <= 0.0 {
            return Err(ParamError::named(key(), format!("must be > 0, got {v}")));
        }
    }
    if x[0] >= x[1] {
        let (a, b) = (at[0].key(), at[1].key());
        return Err(ParamError::named(
            a.to_string(),
            format!("must be < {b}, got {a} = {}, {b} = {}", x[0], x[1]),
        ));
    }
    Ok(())
}

/// The mean and sd of the normal with values `x` at the two levels. When
/// the levels are symmetric (p05/p95) or one is the median, the formulas
/// (and so the bits) are those of `Normal::from_p05_p95` and
/// `Lognormal::from_median_p95`.
fn normal_fit(at: &[Percentile; 2], x: [f64; 2]) -> (f64, f64) {
    let (z1, z2) = (at[0].z(), at[1].z());
    if z1 == -z2 {
        return ((x[0] + x[1]) / 2.0, (x[1] - x[0]) / (2.0 * z2));
    }
    let sd = (x[1] - x[0]) / (z2 - z1);
    // From the level nearer the median, where sd * z is smaller.
    let mean = if z1.abs() <= z2.abs() {
        x[0] - sd * z1
    } else {
        x[1] - sd * z2
    };
    (mean, sd)
}

/// The mean and sd of the normal with these percentiles (values finite and
/// increasing).
pub(crate) fn normal(at: &[Percentile; 2], x: [f64; 2]) -> Result<(f64, f64), ParamError> {
    check(at, x, false)?;
    Ok(normal_fit(at, x))
}

/// The lognormal with these percentiles: a normal on ln x.
pub(crate) fn lognormal(at: &[Percentile; 2], x: [f64; 2]) -> Result<Lognormal, ParamError> {
    check(at, x, true)?;
    let (mu, sigma) = normal_fit(at, [x[0].ln(), x[1].ln()]);
    Lognormal::new(mu, sigma)
}

/// -ln(1 - u), as `Weibull::quantile` computes it.
fn weibull_h(u: f64) -> f64 {
    if u <= 0.5 {
        -(-u).ln_1p()
    } else {
        -(1.0 - u).ln()
    }
}

/// The Weibull with these percentiles: ln(-ln(1 - p)) = k (ln x - ln lambda).
pub(crate) fn weibull(at: &[Percentile; 2], x: [f64; 2]) -> Result<Weibull, ParamError> {
    check(at, x, true)?;
    let (g1, g2) = (
        weibull_h(at[0].prob()).ln(),
        weibull_h(at[1].prob()).ln(),
    );
    let shape = (g2 - g1) / (x[1].ln() - x[0].ln());
    let scale = x[0] / (g1 / shape).exp();
    Weibull::new(shape, scale)
}

/// The log-uniform with these percentiles: ln x = ln min + p (ln max - ln min).
pub(crate) fn loguniform(at: &[Percentile; 2], x: [f64; 2]) -> Result<Loguniform, ParamError> {
    check(at, x, true)?;
    let (p1, p2) = (at[0].prob(), at[1].prob());
    let (a, b) = (x[0].ln(), x[1].ln());
    let slope = (b - a) / (p2 - p1);
    Loguniform::new((a - p1 * slope).exp(), (b + (1.0 - p2) * slope).exp())
}

/// The shapes the gamma solver searches, as ln k.
const GAMMA_LN_SHAPE: (f64, f64) = (-6.907755278982137, 23.025850929940457); // 1e-3, 1e10

/// The gamma with these percentiles. The ratio Q(p2; k) / Q(p1; k) of the
/// unit-scale quantiles falls from infinity to 1 as the shape k grows, so
/// one k matches x2 / x1: bracketed in ln k, found by the Illinois method
/// to the last bits; then scale = x1 / Q(p1; k). Each quantile is
/// `Gamma::quantile_exact`'s (statrs' safeguarded Newton, polished).
pub(crate) fn gamma(at: &[Percentile; 2], x: [f64; 2]) -> Result<Gamma, ParamError> {
    check(at, x, true)?;
    let (p1, p2) = (at[0].prob(), at[1].prob());
    let target = (x[1] / x[0]).ln();
    let q = |t: f64, p: f64| Gamma::new(t.exp(), 1.0).map_or(f64::NAN, |d| d.quantile_exact(p));
    // g(t) = ln ratio - ln target, decreasing in t = ln k.
    let g = |t: f64| (q(t, p2) / q(t, p1)).ln() - target;
    let unreachable = || {
        ParamError::named(
            at[0].key().to_string(),
            format!(
                "no gamma with shape in [1e-3, 1e10] has {} = {} and {} = {}",
                at[0].key(),
                x[0],
                at[1].key(),
                x[1]
            ),
        )
    };
    // Bracket from k = 1 outwards, in steps of e^2 in k.
    let g0 = g(0.0);
    if !g0.is_finite() {
        return Err(unreachable());
    }
    let (mut lo, mut hi, mut g_lo, mut g_hi) = (0.0, 0.0, g0, g0);
    if g0 > 0.0 {
        while g_hi > 0.0 {
            lo = hi;
            g_lo = g_hi;
            hi += 2.0;
            if hi > GAMMA_LN_SHAPE.1 {
                return Err(unreachable());
            }
            g_hi = g(hi);
            if !g_hi.is_finite() {
                return Err(unreachable());
            }
        }
    } else {
        while g_lo < 0.0 {
            hi = lo;
            g_hi = g_lo;
            lo -= 2.0;
            if lo < GAMMA_LN_SHAPE.0 {
                return Err(unreachable());
            }
            g_lo = g(lo);
            if !g_lo.is_finite() {
                return Err(unreachable());
            }
        }
    }
    // Illinois: regula falsi that halves the stale end's value.
    let mut t = lo;
    let mut side = 0;
    for _ in 0..200 {
        if g_lo == 0.0 {
            t = lo;
            break;
        }
        if g_hi == 0.0 {
            t = hi;
            break;
        }
        t = (lo * g_hi - hi * g_lo) / (g_hi - g_lo);
        if !(t > lo && t < hi) {
            t = 0.5 * (lo + hi);
        }
        if hi - lo <= 4.0 * f64::EPSILON * t.abs().max(1.0) {
            break;
        }
        let gt = g(t);
        if !gt.is_finite() {
            return Err(unreachable());
        }
        if gt == 0.0 {
            break;
        }
        if gt > 0.0 {
            lo = t;
            g_lo = gt;
            if side == 1 {
                g_hi /= 2.0;
            }
            side = 1;
        } else {
            hi = t;
            g_hi = gt;
            if side == -1 {
                g_lo /= 2.0;
            }
            side = -1;
        }
    }
    let shape = t.exp();
    let scale = x[0] / q(t, p1);
    Gamma::new(shape, scale)
}

/// The distribution of `family` with these percentiles (lower level
/// first); `bounds` truncate a normal.
pub(crate) fn build(
    family: super::Family,
    at: &[Percentile; 2],
    x: [f64; 2],
    bounds: (Option<f64>, Option<f64>),
) -> Result<Distribution, ParamError> {
    use super::Family;
    Ok(match family {
        Family::Normal => {
            let (mean, sd) = normal(at, x)?;
            super::form::normal_with_bounds(mean, sd, bounds.0, bounds.1)?
        }
        Family::Lognormal => Distribution::Lognormal(lognormal(at, x)?),
        Family::Weibull => Distribution::Weibull(weibull(at, x)?),
        Family::Loguniform => Distribution::Loguniform(loguniform(at, x)?),
        Family::Gamma => Distribution::Gamma(gamma(at, x)?),
        other => unreachable!("{} takes no percentiles", other.name()),
    })
}
