use super::table::QuantileTable;
use super::{ParamError, finite, positive};
use statrs::distribution::{Continuous, StudentsT as StatrsT};
use statrs::function::beta::{beta_reg, inv_beta_reg};
use std::sync::Arc;

/// Student's t with `df` degrees of freedom, shifted by `loc` and stretched
/// by `scale` (the quantile is loc + scale * t).
#[derive(Debug, Clone, PartialEq)]
pub struct StudentT {
    df: f64,
    loc: f64,
    scale: f64,
    table: Option<Arc<QuantileTable>>,
}

/// The standard t's CDF at t <= 0: I_{df/(df+t^2)}(df/2, 1/2) / 2. Only
/// the lower tail is ever evaluated (the upper one by symmetry), where this
/// small number keeps its relative precision.
fn lower_cdf(df: f64, t: f64) -> f64 {
    0.5 * beta_reg(df / 2.0, 0.5, df / (df + t * t))
}

/// The standard t's quantile at s <= 1/2: statrs inverts the incomplete
/// beta function, then Newton steps on the CDF polish the result (the
/// inverse alone is off by a factor of two at s = 5e-9 for df = 1). In the
/// tail the steps are taken on ln(-t) against ln CDF, which is nearly a
/// straight line there (the tail is a power law), so Newton neither
/// overshoots nor crawls; near the centre, on t against the CDF.
fn lower_quantile(df: f64, s: f64) -> f64 {
    if s >= 0.5 {
        return 0.0;
    }
    let y = inv_beta_reg(df / 2.0, 0.5, (2.0 * s).clamp(0.0, 1.0));
    let mut t = -(df * (1.0 - y) / y).sqrt();
    let Ok(standard) = StatrsT::new(0.0, 1.0, df) else {
        return t;
    };
    for _ in 0..12 {
        if !(t.is_finite() && t < 0.0) {
            break;
        }
        let (cdf, density) = (lower_cdf(df, t), standard.pdf(t));
        if !(density > 0.0 && cdf > 0.0) {
            break;
        }
        let next = if s < 0.1 {
            // w = ln(-t); d ln F / dw = t f(t) / F(t).
            let w = (-t).ln() - (cdf.ln() - s.ln()) / (t * density / cdf);
            -w.exp()
        } else {
            t - (cdf - s) / density
        };
        if !(next.is_finite() && next < 0.0) {
            break;
        }
        // Converged: further steps only move the last bits back and forth.
        let done = (next - t).abs() <= 4.0 * f64::EPSILON * t.abs();
        t = next;
        if done {
            break;
        }
    }
    t
}

impl StudentT {
    pub fn new(df: f64, loc: f64, scale: f64) -> Result<Self, ParamError> {
        positive("df", df)?;
        finite("loc", loc)?;
        positive("scale", scale)?;
        Ok(StudentT {
            df,
            loc,
            scale,
            table: None,
        })
    }

    /// Tabulates the standard t's quantile (see `table`). Not below 2
    /// degrees of freedom: there the tails are so heavy (Cauchy at 1) that
    /// the cubic cells miss the exact quantile by 5e-8 of the spread, more
    /// than `table` promises, so the quantile is computed per draw.
    pub fn with_table(mut self) -> Self {
        let df = self.df;
        if df < 2.0 {
            return self;
        }
        if let Ok(standard) = StatrsT::new(0.0, 1.0, df) {
            let table = QuantileTable::build(
                |s| lower_quantile(df, s),
                |s| -lower_quantile(df, s),
                |x| standard.pdf(x),
            );
            self.table = Some(Arc::new(table));
        }
        self
    }

    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        let t = match &self.table {
            Some(table) => table.quantile(u, |u| self.standard_exact(u)),
            None => self.standard_exact(u),
        };
        self.loc + self.scale * t
    }

    fn standard_exact(&self, u: f64) -> f64 {
        if u <= 0.5 {
            lower_quantile(self.df, u)
        } else {
            -lower_quantile(self.df, 1.0 - u)
        }
    }

    pub fn quantile_exact(&self, u: f64) -> f64 {
        self.loc + self.scale * self.standard_exact(u.clamp(0.0, 1.0))
    }

    /// statrs' CDF of the same distribution, for tests.
    #[cfg(test)]
    pub fn statrs(&self) -> StatrsT {
        StatrsT::new(self.loc, self.scale, self.df).expect("validated parameters")
    }
}

impl StudentT {
    pub(crate) fn heap_bytes(&self, seen: &mut super::heap::Seen) -> u64 {
        super::heap::table(&self.table, seen)
    }
}
