use super::table::QuantileTable;
use super::{ParamError, finite, positive};
use statrs::distribution::{Continuous, ContinuousCDF, Normal as StatrsNormal};
use std::sync::OnceLock;

/// The standard normal CDF and exact quantile, from statrs (erfc and its inverse).
pub(crate) fn std_normal() -> StatrsNormal {
    StatrsNormal::standard()
}

/// The table of Phi^-1 shared by every normal.
fn std_normal_table() -> &'static QuantileTable {
    static TABLE: OnceLock<QuantileTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let n = std_normal();
        QuantileTable::build(|s| n.inverse_cdf(s), |s| -n.inverse_cdf(s), |x| n.pdf(x))
    })
}

fn std_normal_exact(u: f64) -> f64 {
    std_normal().inverse_cdf(u.clamp(0.0, 1.0))
}

/// Phi(z), the standard normal CDF.
#[inline]
pub fn std_normal_cdf(z: f64) -> f64 {
    std_normal().cdf(z)
}

/// Phi^-1(u) through the shared table.
#[inline(always)]
pub fn std_normal_quantile(u: f64) -> f64 {
    std_normal_table().quantile(u, std_normal_exact)
}

/// Normal with mean and standard deviation.
#[derive(Debug, Clone, PartialEq)]
pub struct Normal {
    mean: f64,
    sd: f64,
}

impl Normal {
    pub fn new(mean: f64, sd: f64) -> Result<Self, ParamError> {
        finite("mean", mean)?;
        positive("sd", sd)?;
        Ok(Normal { mean, sd })
    }

    /// The mean and sd of the normal whose 5th and 95th percentiles are `p05` and `p95`.
    pub fn from_p05_p95(p05: f64, p95: f64) -> Result<(f64, f64), ParamError> {
        finite("p05", p05)?;
        finite("p95", p95)?;
        if p05 >= p95 {
            return Err(ParamError::new(
                "p05",
                format!("must be < p95, got p05 = {p05}, p95 = {p95}"),
            ));
        }
        Ok(((p05 + p95) / 2.0, (p95 - p05) / (2.0 * super::Z95)))
    }

    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        self.mean + self.sd * std_normal_quantile(u)
    }

    #[inline(always)]
    pub fn map(&self, us: &[f64], out: &mut [f64]) {
        std_normal_table().map(us, out, std_normal_exact);
        for x in out.iter_mut() {
            *x = self.mean + self.sd * *x;
        }
    }

    pub fn quantile_exact(&self, u: f64) -> f64 {
        self.mean + self.sd * std_normal().inverse_cdf(u.clamp(0.0, 1.0))
    }
}

/// Normal restricted to [min, max] (either bound may be infinite), by
/// inverse transform, so every draw costs the same whatever the bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct TruncatedNormal {
    mean: f64,
    sd: f64,
    /// Phi of the standardised bounds, on the side of the mean where they are
    /// accurate (see `flip`).
    cdf_low: f64,
    cdf_high: f64,
    /// Mirror the distribution when the window lies above the mean, because
    /// the lower tail of Phi is represented far more precisely in f64.
    flip: bool,
}

impl TruncatedNormal {
    pub fn new(mean: f64, sd: f64, min: f64, max: f64) -> Result<Self, ParamError> {
        finite("mean", mean)?;
        positive("sd", sd)?;
        if min.is_nan() || max.is_nan() || min >= max {
            return Err(ParamError::new(
                "min",
                format!("must be < max, got min = {min}, max = {max}"),
            ));
        }
        let (a, b) = ((min - mean) / sd, (max - mean) / sd);
        let flip = a > 0.0;
        let (lo, hi) = if flip { (-b, -a) } else { (a, b) };
        let phi = std_normal();
        let (cdf_low, cdf_high) = (phi.cdf(lo), phi.cdf(hi));
        if cdf_high - cdf_low <= 0.0 {
            return Err(ParamError::new(
                "min",
                format!(
                    "truncation window [{min}, {max}] has no probability under normal({mean}, {sd})"
                ),
            ));
        }
        Ok(TruncatedNormal {
            mean,
            sd,
            cdf_low,
            cdf_high,
            flip,
        })
    }

    fn window(&self, u: f64) -> (f64, f64) {
        let u = u.clamp(0.0, 1.0);
        let (u, sign) = if self.flip { (1.0 - u, -1.0) } else { (u, 1.0) };
        let p = self.cdf_low + u * (self.cdf_high - self.cdf_low);
        (p.clamp(self.cdf_low, self.cdf_high), sign)
    }

    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        let (p, sign) = self.window(u);
        let z = std_normal_quantile(p);
        // The table may step a hair outside the window at its very edge.
        let (lo, hi) = (
            std_normal_bound(self.cdf_low),
            std_normal_bound(self.cdf_high),
        );
        self.mean + self.sd * sign * z.clamp(lo, hi)
    }

    pub fn quantile_exact(&self, u: f64) -> f64 {
        let (p, sign) = self.window(u);
        self.mean + self.sd * sign * std_normal().inverse_cdf(p)
    }
}

fn std_normal_bound(p: f64) -> f64 {
    if p <= 0.0 {
        f64::NEG_INFINITY
    } else if p >= 1.0 {
        f64::INFINITY
    } else {
        std_normal().inverse_cdf(p)
    }
}
