//! Count, mean and sum of squared deviations, mergeable (Chan et al. 1979).

/// Independent partial sums in `Moments::of`.
const LANES: usize = 8;

/// Sum of `f(x)` over `values` in `LANES` partial sums, combined pairwise.
#[inline(always)]
fn lane_sum(values: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    let mut acc = [0.0; LANES];
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..LANES {
            acc[k] += f(c[k]);
        }
    }
    for (k, &x) in rest.iter().enumerate() {
        acc[k] += f(x);
    }
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
}

/// Running moments of the finite values seen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    pub count: u64,
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
    pub min: f64,
    pub max: f64,
}

impl Default for Moments {
    fn default() -> Self {
        Moments {
            count: 0,
            mean: 0.0,
            m2: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl Moments {
    /// The moments of a slice of finite values, by two passes (exact
    /// centring, no cancellation). Sums run in `LANES` independent partial
    /// sums combined in a fixed order: deterministic, and free of the
    /// one-add-per-cycle-latency chain of a single running sum.
    #[inline(always)]
    pub fn of(values: &[f64]) -> Moments {
        if values.is_empty() {
            return Moments::default();
        }
        let n = values.len() as f64;
        let mean = lane_sum(values, |x| x) / n;
        let m2 = lane_sum(values, |x| (x - mean) * (x - mean));
        let (mut lo, mut hi) = ([f64::INFINITY; LANES], [f64::NEG_INFINITY; LANES]);
        let chunks = values.chunks_exact(LANES);
        let rest = chunks.remainder();
        for c in chunks {
            for k in 0..LANES {
                // Plain comparisons (values are finite): these vectorise,
                // unlike the NaN-aware f64::min.
                lo[k] = if c[k] < lo[k] { c[k] } else { lo[k] };
                hi[k] = if c[k] > hi[k] { c[k] } else { hi[k] };
            }
        }
        for (k, &x) in rest.iter().enumerate() {
            lo[k] = if x < lo[k] { x } else { lo[k] };
            hi[k] = if x > hi[k] { x } else { hi[k] };
        }
        Moments {
            count: values.len() as u64,
            mean,
            m2,
            min: lo.iter().copied().fold(f64::INFINITY, f64::min),
            max: hi.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }

    /// Combines with the moments of a disjoint set of values. Not
    /// commutative in floating point: callers merge in a fixed order.
    pub fn merge(&mut self, other: &Moments) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        let (na, nb) = (self.count as f64, other.count as f64);
        let n = na + nb;
        let delta = other.mean - self.mean;
        self.mean += delta * nb / n;
        self.m2 += other.m2 + delta * delta * na * nb / n;
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Sample variance (n - 1 denominator).
    pub fn variance(&self) -> f64 {
        if self.count < 2 {
            f64::NAN
        } else {
            self.m2 / (self.count - 1) as f64
        }
    }

    pub fn sd(&self) -> f64 {
        self.variance().sqrt()
    }

    /// Standard error of the mean.
    pub fn std_error(&self) -> f64 {
        (self.variance() / self.count as f64).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_moments_equal_moments_of_the_union() {
        let xs: Vec<f64> = (0..1000)
            .map(|i| ((i * 7919) % 1000) as f64 / 7.0 + 1e6)
            .collect();
        let whole = Moments::of(&xs);
        let mut merged = Moments::default();
        for part in xs.chunks(37) {
            merged.merge(&Moments::of(part));
        }
        assert_eq!(merged.count, whole.count);
        assert!((merged.mean - whole.mean).abs() < 1e-9);
        assert!((merged.variance() / whole.variance() - 1.0).abs() < 1e-10);
        assert_eq!((merged.min, merged.max), (whole.min, whole.max));
        // Against the textbook formula, shifted to avoid cancellation.
        let mean = xs.iter().sum::<f64>() / 1000.0;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 999.0;
        assert!((whole.variance() / var - 1.0).abs() < 1e-12);
    }
}
