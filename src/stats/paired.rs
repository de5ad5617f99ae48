//! Moments of pairs (x, y) measured on the same samples: means, variances
//! and covariance, mergeable in fixed order (Chan et al. for co-moments).
//! They give the difference y - x and the ratio y / x with intervals that
//! account for the pairing, which is what common random numbers buy.

use super::interval::z_value;
use super::moments::Moments;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PairedMoments {
    pub count: u64,
    pub mean_x: f64,
    pub mean_y: f64,
    pub m2x: f64,
    pub m2y: f64,
    /// Sum of (x - mean_x)(y - mean_y).
    pub cxy: f64,
}

/// An estimate with its standard error and interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub std_error: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl Estimate {
    pub const NAN: Estimate = Estimate {
        value: f64::NAN,
        std_error: f64::NAN,
        ci_low: f64::NAN,
        ci_high: f64::NAN,
    };
}

impl PairedMoments {
    /// The moments of finite pairs (callers drop pairs with a non-finite side).
    pub fn of(x: &[f64], y: &[f64]) -> PairedMoments {
        debug_assert_eq!(x.len(), y.len());
        if x.is_empty() {
            return PairedMoments::default();
        }
        let (mx, my) = (Moments::of(x), Moments::of(y));
        let mut cxy = 0.0;
        for (a, b) in x.iter().zip(y) {
            cxy += (a - mx.mean) * (b - my.mean);
        }
        PairedMoments {
            count: x.len() as u64,
            mean_x: mx.mean,
            mean_y: my.mean,
            m2x: mx.m2,
            m2y: my.m2,
            cxy,
        }
    }

    pub fn merge(&mut self, other: &PairedMoments) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        let (na, nb) = (self.count as f64, other.count as f64);
        let n = na + nb;
        let (dx, dy) = (other.mean_x - self.mean_x, other.mean_y - self.mean_y);
        let w = na * nb / n;
        self.mean_x += dx * nb / n;
        self.mean_y += dy * nb / n;
        self.m2x += other.m2x + dx * dx * w;
        self.m2y += other.m2y + dy * dy * w;
        self.cxy += other.cxy + dx * dy * w;
        self.count += other.count;
    }

    fn var(&self, m2: f64) -> f64 {
        m2 / (self.count as f64 - 1.0)
    }

    /// y - x: the mean per-sample difference, its standard error from the
    /// paired variance var(x) + var(y) - 2 cov(x, y), and a normal interval.
    pub fn difference(&self, confidence: f64) -> Estimate {
        if self.count < 2 {
            return Estimate::NAN;
        }
        let n = self.count as f64;
        let var = (self.var(self.m2x) + self.var(self.m2y) - 2.0 * self.var(self.cxy)).max(0.0);
        let se = (var / n).sqrt();
        let value = self.mean_y - self.mean_x;
        let z = z_value(confidence);
        Estimate {
            value,
            std_error: se,
            ci_low: value - z * se,
            ci_high: value + z * se,
        }
    }

    /// The standard error the difference would have if x and y came from two
    /// independent runs of the same size: sqrt(se_x^2 + se_y^2).
    pub fn independent_std_error(&self) -> f64 {
        let n = self.count as f64;
        ((self.var(self.m2x) + self.var(self.m2y)) / n).sqrt()
    }

    /// y / x, with an interval from the delta method on the log scale using
    /// the paired covariance. NaN when a mean is not positive.
    pub fn ratio(&self, confidence: f64) -> Estimate {
        if self.count < 2 || !(self.mean_x > 0.0 && self.mean_y > 0.0) {
            return Estimate::NAN;
        }
        let n = self.count as f64;
        let (mx, my) = (self.mean_x, self.mean_y);
        let var_log = (self.var(self.m2y) / (my * my) + self.var(self.m2x) / (mx * mx)
            - 2.0 * self.var(self.cxy) / (mx * my))
            .max(0.0)
            / n;
        let se_log = var_log.sqrt();
        let value = my / mx;
        let z = z_value(confidence);
        Estimate {
            value,
            std_error: value * se_log,
            ci_low: value * (-z * se_log).exp(),
            ci_high: value * (z * se_log).exp(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_co_moments_equal_those_of_the_union() {
        let x: Vec<f64> = (0..1000)
            .map(|i| ((i * 7919) % 1000) as f64 / 10.0)
            .collect();
        let y: Vec<f64> = x
            .iter()
            .enumerate()
            .map(|(i, v)| 2.0 * v + (i % 7) as f64)
            .collect();
        let whole = PairedMoments::of(&x, &y);
        let mut merged = PairedMoments::default();
        for (a, b) in x.chunks(37).zip(y.chunks(37)) {
            merged.merge(&PairedMoments::of(a, b));
        }
        assert_eq!(merged.count, 1000);
        assert!((merged.cxy / whole.cxy - 1.0).abs() < 1e-12);
        assert!((merged.m2y / whole.m2y - 1.0).abs() < 1e-12);
        // Against the textbook covariance.
        let (mx, my) = (
            x.iter().sum::<f64>() / 1000.0,
            y.iter().sum::<f64>() / 1000.0,
        );
        let c: f64 = x.iter().zip(&y).map(|(a, b)| (a - mx) * (b - my)).sum();
        assert!((whole.cxy / c - 1.0).abs() < 1e-12);
    }

    #[test]
    fn difference_of_identical_columns_has_zero_error_and_pairing_beats_independence() {
        let x: Vec<f64> = (0..500).map(|i| (i % 13) as f64).collect();
        let same = PairedMoments::of(&x, &x).difference(0.95);
        assert_eq!((same.value, same.std_error), (0.0, 0.0));
        let y: Vec<f64> = x.iter().map(|v| v + 1.0).collect();
        let p = PairedMoments::of(&x, &y);
        assert_eq!(p.difference(0.95).value, 1.0);
        assert!(p.difference(0.95).std_error < 1e-12);
        assert!(p.independent_std_error() > 0.1);
        let r = p.ratio(0.95);
        assert!(
            (r.value - p.mean_y / p.mean_x).abs() < 1e-15
                && r.ci_low < r.value
                && r.value < r.ci_high
        );
    }
}
