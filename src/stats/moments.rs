//! Count, mean and sum of squared deviations, mergeable (Chan et al. 1979).

/// Independent partial sums in `Moments::of`.
const LANES: usize = 8;

/// The partial sums of the lanes, added pairwise in a fixed order.
#[inline(always)]
fn combine(acc: [f64; LANES]) -> f64 {
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
}

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
    combine(acc)
}

/// `lane_sum(values, |x| x)` and the least and greatest value, in one pass.
/// Min and max are plain comparisons, `if x < lo { x } else { lo }`, which
/// is what AVX's `vminpd` computes; the values are finite wherever min and
/// max are used (a NaN or an infinity makes the sum, so the mean, NaN or
/// infinite, and `Accumulators::add_block` then recomputes from the finite
/// values).
#[inline(always)]
fn sum_min_max(values: &[f64]) -> (f64, f64, f64) {
    #[cfg(target_arch = "x86_64")]
    if crate::simd::wide_available() {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { sum_min_max_avx2(values) };
    }
    sum_min_max_portable(values)
}

#[inline(always)]
fn sum_min_max_portable(values: &[f64]) -> (f64, f64, f64) {
    let (mut acc, mut lo, mut hi) = lane_start();
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..LANES {
            acc[k] += c[k];
            lo[k] = if c[k] < lo[k] { c[k] } else { lo[k] };
            hi[k] = if c[k] > hi[k] { c[k] } else { hi[k] };
        }
    }
    lane_finish((acc, lo, hi), rest)
}

/// `lane_sum(values, |x| (x - mean) * (x - mean))`.
#[inline(always)]
fn sum_squares(values: &[f64], mean: f64) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if crate::simd::wide_available() {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { sum_squares_avx2(values, mean) };
    }
    lane_sum(values, |x| (x - mean) * (x - mean))
}

/// `sum_squares` with lanes 0-3 and 4-7 in two AVX registers: the same
/// operations per lane, so the same bits. The compiler's own vector loop
/// for `lane_sum` permuted its lanes twice per eight values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn sum_squares_avx2(values: &[f64], mean: f64) -> f64 {
    use std::arch::x86_64::*;
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    let m = _mm256_set1_pd(mean);
    let (mut s0, mut s1) = (_mm256_setzero_pd(), _mm256_setzero_pd());
    for c in chunks {
        // SAFETY: `c` is LANES = 8 readable f64; loadu needs no alignment.
        let (a, b) = unsafe {
            (
                _mm256_loadu_pd(c.as_ptr()),
                _mm256_loadu_pd(c.as_ptr().add(4)),
            )
        };
        let (a, b) = (_mm256_sub_pd(a, m), _mm256_sub_pd(b, m));
        s0 = _mm256_add_pd(s0, _mm256_mul_pd(a, a));
        s1 = _mm256_add_pd(s1, _mm256_mul_pd(b, b));
    }
    let mut acc = [0.0; LANES];
    // SAFETY: `acc` is LANES = 8 writable f64.
    unsafe {
        _mm256_storeu_pd(acc.as_mut_ptr(), s0);
        _mm256_storeu_pd(acc.as_mut_ptr().add(4), s1);
    }
    for (k, &x) in rest.iter().enumerate() {
        acc[k] += (x - mean) * (x - mean);
    }
    combine(acc)
}

/// Per lane: partial sum, least and greatest value.
type Lanes = ([f64; LANES], [f64; LANES], [f64; LANES]);

#[inline(always)]
fn lane_start() -> Lanes {
    (
        [0.0; LANES],
        [f64::INFINITY; LANES],
        [f64::NEG_INFINITY; LANES],
    )
}

/// Adds the values past the last whole group of `LANES` to the first lanes
/// and combines the lanes in a fixed order.
#[inline(always)]
fn lane_finish(lanes: Lanes, rest: &[f64]) -> (f64, f64, f64) {
    let (mut acc, mut lo, mut hi) = lanes;
    for (k, &x) in rest.iter().enumerate() {
        acc[k] += x;
        lo[k] = if x < lo[k] { x } else { lo[k] };
        hi[k] = if x > hi[k] { x } else { hi[k] };
    }
    (
        combine(acc),
        lo.iter().copied().fold(f64::INFINITY, f64::min),
        hi.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    )
}

/// `sum_min_max` with lanes 0-3 and 4-7 in two AVX registers each. The
/// compiler turns the portable comparisons into compare-and-blend sequences
/// (five instructions per value); `vminpd a, b` is exactly `a < b ? a : b`
/// (NaN and signed zeros included) and `vmaxpd` likewise, so the bits are
/// the portable loop's.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn sum_min_max_avx2(values: &[f64]) -> (f64, f64, f64) {
    use std::arch::x86_64::*;
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    let (mut s0, mut s1) = (_mm256_setzero_pd(), _mm256_setzero_pd());
    let (mut lo0, mut lo1) = (_mm256_set1_pd(f64::INFINITY), _mm256_set1_pd(f64::INFINITY));
    let (mut hi0, mut hi1) = (
        _mm256_set1_pd(f64::NEG_INFINITY),
        _mm256_set1_pd(f64::NEG_INFINITY),
    );
    for c in chunks {
        // SAFETY: `c` is LANES = 8 readable f64; loadu needs no alignment.
        let (a, b) = unsafe {
            (
                _mm256_loadu_pd(c.as_ptr()),
                _mm256_loadu_pd(c.as_ptr().add(4)),
            )
        };
        s0 = _mm256_add_pd(s0, a);
        s1 = _mm256_add_pd(s1, b);
        lo0 = _mm256_min_pd(a, lo0);
        lo1 = _mm256_min_pd(b, lo1);
        hi0 = _mm256_max_pd(a, hi0);
        hi1 = _mm256_max_pd(b, hi1);
    }
    // Every lane is stored from the registers.
    let mut lanes: Lanes = Default::default();
    for (out, (r0, r1)) in [&mut lanes.0, &mut lanes.1, &mut lanes.2].into_iter().zip([
        (s0, s1),
        (lo0, lo1),
        (hi0, hi1),
    ]) {
        // SAFETY: `out` is LANES = 8 writable f64.
        unsafe {
            _mm256_storeu_pd(out.as_mut_ptr(), r0);
            _mm256_storeu_pd(out.as_mut_ptr().add(4), r1);
        }
    }
    lane_finish(lanes, rest)
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
        let (sum, min, max) = sum_min_max(values);
        let mean = sum / n;
        let m2 = sum_squares(values, mean);
        Moments {
            count: values.len() as u64,
            mean,
            m2,
            min,
            max,
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

    /// The AVX2 passes give the portable passes' bits, for every remainder
    /// length, with NaNs, infinities and zeros of both signs (where the
    /// order of a comparison's operands decides the result).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_vector_pass_gives_the_portable_bits() {
        // Also in a `portable` build, which never takes the AVX2 passes
        // itself; a CPU without AVX2 has only the portable passes.
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let mut k = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            k = k
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1442695040888963407);
            k
        };
        let specials = [
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e308,
            -1e-310,
        ];
        for len in 0..40 {
            for trial in 0..50 {
                let values: Vec<f64> = (0..len)
                    .map(|_| {
                        let r = next();
                        if trial % 2 == 1 && r % 5 == 0 {
                            specials[(r >> 8) as usize % specials.len()]
                        } else {
                            (r >> 11) as f64 / (1u64 << 40) as f64 - 4096.0
                        }
                    })
                    .collect();
                // Rust leaves the sign and payload of a NaN that arithmetic
                // makes unspecified (the compiler may swap an addition's
                // operands): a NaN sum counts as any NaN.
                let bits = |(a, b, c): (f64, f64, f64)| {
                    [if a.is_nan() { f64::NAN } else { a }, b, c].map(f64::to_bits)
                };
                // SAFETY: the CPU has AVX2, checked above.
                let wide = unsafe { sum_min_max_avx2(&values) };
                assert_eq!(
                    bits(wide),
                    bits(sum_min_max_portable(&values)),
                    "{values:?}"
                );
                let mean = wide.0 / len.max(1) as f64;
                // SAFETY: as above.
                let wide = unsafe { sum_squares_avx2(&values, mean) };
                let portable = lane_sum(&values, |x| (x - mean) * (x - mean));
                assert_eq!(
                    bits((wide, 0.0, 0.0)),
                    bits((portable, 0.0, 0.0)),
                    "{values:?}"
                );
            }
        }
    }

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
