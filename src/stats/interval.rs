//! Confidence intervals for a proportion and for a mean.

use statrs::distribution::{Beta, ContinuousCDF, Normal, StudentsT};

/// How to compute the interval of an event's probability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProportionInterval {
    /// Wilson score interval: good coverage at every p, cheap.
    #[default]
    Wilson,
    /// Clopper-Pearson "exact" interval: never under-covers, conservative.
    ClopperPearson,
}

impl ProportionInterval {
    pub fn name(self) -> &'static str {
        match self {
            ProportionInterval::Wilson => "wilson",
            ProportionInterval::ClopperPearson => "clopper-pearson",
        }
    }

    /// The interval for `k` successes in `n` trials at `confidence`.
    pub fn interval(self, k: u64, n: u64, confidence: f64) -> (f64, f64) {
        match self {
            ProportionInterval::Wilson => wilson(k, n, confidence),
            ProportionInterval::ClopperPearson => clopper_pearson(k, n, confidence),
        }
    }
}

/// The two-sided normal critical value: Phi^-1(1 - (1 - confidence) / 2).
pub fn z_value(confidence: f64) -> f64 {
    Normal::standard().inverse_cdf(1.0 - (1.0 - confidence) / 2.0)
}

pub fn wilson(k: u64, n: u64, confidence: f64) -> (f64, f64) {
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let z = z_value(confidence);
    let (n, p) = (n as f64, k as f64 / n as f64);
    let z2n = z * z / n;
    let centre = (p + z2n / 2.0) / (1.0 + z2n);
    let half = z / (1.0 + z2n) * (p * (1.0 - p) / n + z2n / (4.0 * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

pub fn clopper_pearson(k: u64, n: u64, confidence: f64) -> (f64, f64) {
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let alpha = 1.0 - confidence;
    let (kf, nf) = (k as f64, n as f64);
    let low = if k == 0 {
        0.0
    } else {
        Beta::new(kf, nf - kf + 1.0).map_or(f64::NAN, |b| b.inverse_cdf(alpha / 2.0))
    };
    let high = if k == n {
        1.0
    } else {
        Beta::new(kf + 1.0, nf - kf).map_or(f64::NAN, |b| b.inverse_cdf(1.0 - alpha / 2.0))
    };
    (low, high)
}

/// Student-t interval for a mean from its estimate, standard error and count.
pub fn mean_interval(mean: f64, std_error: f64, count: u64, confidence: f64) -> (f64, f64) {
    if count < 2 || !std_error.is_finite() {
        return (f64::NAN, f64::NAN);
    }
    let q = 1.0 - (1.0 - confidence) / 2.0;
    let t = StudentsT::new(0.0, 1.0, (count - 1) as f64).map_or(f64::NAN, |d| d.inverse_cdf(q));
    (mean - t * std_error, mean + t * std_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_a_published_value() {
        // Newcombe (1998), Table I: 81 of 263 gives 0.2553 to 0.3662 at 95%.
        let (lo, hi) = wilson(81, 263, 0.95);
        assert!(
            (lo - 0.2553).abs() < 5e-5 && (hi - 0.3662).abs() < 5e-5,
            "{lo} {hi}"
        );
        // 0 of 10: 0 to 0.2775 (Newcombe, Table I).
        let (lo, hi) = wilson(0, 10, 0.95);
        assert!(lo == 0.0 && (hi - 0.2775).abs() < 5e-5, "{hi}");
    }

    #[test]
    fn clopper_pearson_matches_published_values() {
        // Newcombe (1998), Table I: 81/263 -> 0.2527 to 0.3676; 0/10 -> 0 to 0.3085.
        let (lo, hi) = clopper_pearson(81, 263, 0.95);
        assert!(
            (lo - 0.2527).abs() < 5e-5 && (hi - 0.3676).abs() < 5e-5,
            "{lo} {hi}"
        );
        let (lo, hi) = clopper_pearson(0, 10, 0.95);
        assert!(lo == 0.0 && (hi - 0.3085).abs() < 5e-5, "{hi}");
        // Large n stays accurate: at 10^6 trials it nearly equals Wilson.
        let (cl, ch) = clopper_pearson(30_000, 1_000_000, 0.95);
        let (wl, wh) = wilson(30_000, 1_000_000, 0.95);
        assert!((cl - wl).abs() < 2e-5 && (ch - wh).abs() < 2e-5);
    }

    #[test]
    fn t_interval_uses_the_t_quantile() {
        // t_{0.975, 9} = 2.262157.
        let (lo, hi) = mean_interval(10.0, 1.0, 10, 0.95);
        assert!((hi - 10.0 - 2.262157).abs() < 1e-5 && (10.0 - lo - 2.262157).abs() < 1e-5);
        assert!((z_value(0.95) - 1.959964).abs() < 1e-6);
    }
}
