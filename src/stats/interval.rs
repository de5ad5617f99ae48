//! Confidence intervals for a proportion and for a mean.

use statrs::distribution::{Beta, ContinuousCDF, Normal, StudentsT};

crate::choice::choice! {
    /// How to compute the interval of an event's probability.
    pub enum ProportionInterval {
        /// Wilson score interval: good coverage at every p, cheap.
        Wilson = "wilson",
        /// Clopper-Pearson "exact" interval: never under-covers, conservative.
        ClopperPearson = "clopper-pearson",
    }
}

impl ProportionInterval {
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

/// Degrees of freedom above which the t quantile comes from its expansion.
const T_EXPANSION_DF: f64 = 1000.0;

/// The two-sided Student-t critical value with `df` degrees of freedom.
///
/// statrs inverts a regularised incomplete beta, which is accurate but
/// becomes very slow as df grows (minutes at df = 10^8). Above 1,000
/// degrees of freedom the Cornish-Fisher expansion in 1/df (to third
/// order) is used instead; its first omitted term is below 1e-10 there. The tests check it against
/// SciPy's values (statrs itself is only good to about 1e-8 at df = 10^4).
pub fn t_value(confidence: f64, df: f64) -> f64 {
    let q = 1.0 - (1.0 - confidence) / 2.0;
    if df > T_EXPANSION_DF {
        let z = z_value(confidence);
        let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
        z + (z3 + z) / (4.0 * df)
            + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * df * df)
            + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * df * df * df)
    } else {
        StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |d| d.inverse_cdf(q))
    }
}

/// Student-t interval for a mean from its estimate, standard error and count.
pub fn mean_interval(mean: f64, std_error: f64, count: u64, confidence: f64) -> (f64, f64) {
    if count < 2 || !std_error.is_finite() {
        return (f64::NAN, f64::NAN);
    }
    let t = t_value(confidence, (count - 1) as f64);
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

    /// Two-sided t critical values from SciPy 1.x (`scipy.stats.t.ppf`),
    /// recorded as (confidence, df, value).
    const SCIPY_T: [(f64, f64, f64); 12] = [
        (0.8, 1000.5, 1.282398297809231),
        (0.8, 2000.0, 1.2819750006831374),
        (0.8, 10000.0, 1.2816362297304775),
        (0.95, 1000.5, 1.962337892459348),
        (0.95, 2000.0, 1.9611508260994377),
        (0.95, 10000.0, 1.960201239890626),
        (0.99, 1000.5, 2.5807522321743113),
        (0.99, 2000.0, 2.5782897875575186),
        (0.99, 10000.0, 2.5763210466685282),
        (0.999, 1000.5, 3.300277759796564),
        (0.999, 2000.0, 3.2953981367297707),
        (0.999, 10000.0, 3.2914999659416355),
    ];

    #[test]
    fn t_expansion_matches_reference_values_where_it_takes_over() {
        for (confidence, df, reference) in SCIPY_T {
            let approx = t_value(confidence, df);
            assert!(
                (approx - reference).abs() < 1e-10,
                "{confidence} {df}: {approx} vs {reference}"
            );
        }
        // It is fast at the sample counts users run, and tends to z.
        let start = std::time::Instant::now();
        assert!((t_value(0.95, 1e8) - z_value(0.95)).abs() < 1e-7);
        assert!(start.elapsed().as_millis() < 100);
    }

    #[test]
    fn t_interval_uses_the_t_quantile() {
        // t_{0.975, 9} = 2.262157.
        let (lo, hi) = mean_interval(10.0, 1.0, 10, 0.95);
        assert!((hi - 10.0 - 2.262157).abs() < 1e-5 && (10.0 - lo - 2.262157).abs() < 1e-5);
        assert!((z_value(0.95) - 1.959964).abs() < 1e-6);
    }
}
