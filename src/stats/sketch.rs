//! A streaming, mergeable, deterministic quantile sketch with a relative
//! error guarantee, in the manner of DDSketch (Masson et al., VLDB 2019).
//!
//! A value's bucket is the top 7 bits of its mantissa with its exponent,
//! read straight from the IEEE-754 bits: 128 buckets per power of two, each
//! spanning a ratio of at most 1 + 1/128. A quantile is answered with the
//! bucket's harmonic midpoint `2 lo hi / (lo + hi)`, clamped to the exact
//! min and max seen, so it is within a relative error of
//! `RELATIVE_ACCURACY` = 1/257 (0.39%) of the exact order statistic of
//! that rank. Zero is kept exactly; magnitudes below `f64::MIN_POSITIVE`
//! (subnormals) count as zero. Merging adds bucket counts, so the result
//! does not depend on how samples were split or in which order parts merge.

use super::fine::{COARSE_BITS, FineCounts, PositiveTable};

/// The guaranteed bound on |estimate - exact| / |exact|.
pub const RELATIVE_ACCURACY: f64 = 1.0 / 257.0;

/// Bits of mantissa kept: buckets per power of two = 2^MANTISSA_BITS.
pub const MANTISSA_BITS: u32 = COARSE_BITS;
const SHIFT: u32 = 52 - MANTISSA_BITS;

#[derive(Debug, Clone, Default)]
struct Store {
    /// Key of `counts[0]`.
    offset: i64,
    counts: Vec<u64>,
}

impl PartialEq for Store {
    /// The same counts per key, however much room each has around them.
    fn eq(&self, other: &Store) -> bool {
        let used = |s: &Store| -> Vec<(i64, u64)> {
            let keys = s.counts.iter().enumerate();
            keys.filter(|&(_, &c)| c > 0)
                .map(|(i, &c)| (s.offset + i as i64, c))
                .collect()
        };
        used(self) == used(other)
    }
}

impl Store {
    #[inline(always)]
    fn add(&mut self, key: i64, n: u64) {
        let i = key.wrapping_sub(self.offset) as usize;
        if let Some(c) = self.counts.get_mut(i) {
            *c += n;
            return;
        }
        self.grow_and_add(key, n);
    }

    #[cold]
    fn grow_and_add(&mut self, key: i64, n: u64) {
        if self.counts.is_empty() {
            self.offset = key;
            self.counts.push(0);
        }
        if key < self.offset {
            let grow = (self.offset - key) as usize;
            // Grow by at least a power of two's worth, to amortise shifting.
            let grow = grow.max(1 << MANTISSA_BITS);
            let mut counts = vec![0; grow + self.counts.len()];
            counts[grow..].copy_from_slice(&self.counts);
            self.counts = counts;
            self.offset -= grow as i64;
        }
        let i = (key - self.offset) as usize;
        if i >= self.counts.len() {
            self.counts.resize(i + 1 + (1 << MANTISSA_BITS), 0);
        }
        self.counts[i] += n;
    }

    /// A pointer that key k indexes (`counts[k - offset]` is at k): one
    /// subtraction per store instead of one per value. Out of the
    /// allocation itself (hence wrapping arithmetic); only keys that
    /// `cover` made room for may be read or written through it.
    #[inline(always)]
    fn by_key(&mut self) -> *mut u64 {
        self.counts
            .as_mut_ptr()
            .wrapping_offset(-(self.offset as isize))
    }

    /// Makes room for every key from `low` to `high`, so that a loop over
    /// values known to lie between them can index without growing.
    fn cover(&mut self, low: i64, high: i64) {
        for key in [low, high] {
            if key.wrapping_sub(self.offset) as usize >= self.counts.len() {
                self.grow_and_add(key, 0);
            }
        }
    }

    fn merge(&mut self, other: &Store) {
        for (i, &c) in other.counts.iter().enumerate() {
            if c > 0 {
                self.add(other.offset + i as i64, c);
            }
        }
    }

    #[cfg(test)]
    fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// Quantile sketch of the finite values seen.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantileSketch {
    positive: Store,
    negative: Store,
    zeros: u64,
    count: u64,
    min: f64,
    max: f64,
}

impl Default for QuantileSketch {
    fn default() -> Self {
        QuantileSketch {
            positive: Store::default(),
            negative: Store::default(),
            zeros: 0,
            count: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

#[inline]
fn key(magnitude: f64) -> i64 {
    (magnitude.to_bits() >> SHIFT) as i64
}

/// The lower end of the bucket of magnitudes with key `key`.
fn bucket_bound(key: i64) -> f64 {
    f64::from_bits((key as u64) << SHIFT)
}

/// The smallest bucket boundary at or above `x` (in value order): the
/// place where a histogram may put an edge without splitting a bucket.
pub fn boundary_at_or_above(x: f64) -> f64 {
    let m = x.abs();
    if m < f64::MIN_POSITIVE || !x.is_finite() {
        return if m < f64::MIN_POSITIVE { 0.0 } else { x };
    }
    let low = bucket_bound(key(m));
    if low == m {
        x
    } else if x > 0.0 {
        bucket_bound(key(m) + 1)
    } else {
        -low
    }
}

/// Where a rank falls in the sketch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Located {
    /// Among the zeros (kept exactly).
    Zero,
    /// In the bucket of `slot`, which holds `count` values, `below` of them
    /// before this rank's.
    Slot { slot: i64, below: u64, count: u64 },
}

/// One bucket of the sketch: `count` values between `low` and `high`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub low: f64,
    pub high: f64,
    pub count: u64,
}

/// The representative value of a bucket.
fn representative(key: i64) -> f64 {
    let lo = f64::from_bits((key as u64) << SHIFT);
    let hi = f64::from_bits(((key + 1) as u64) << SHIFT);
    if lo + hi == f64::INFINITY {
        // The top buckets: the last ends at the largest double, and the
        // sum must not overflow.
        let hi = hi.min(f64::MAX);
        return lo * (hi / (lo / 2.0 + hi / 2.0));
    }
    2.0 * lo * (hi / (lo + hi))
}

impl QuantileSketch {
    /// Adds one finite value (callers filter non-finite values out).
    #[inline(always)]
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    pub fn add(&mut self, x: f64) {
        debug_assert!(x.is_finite());
        self.count += 1;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        let m = x.abs();
        if m < f64::MIN_POSITIVE {
            self.zeros += 1;
        } else if x > 0.0 {
            self.positive.add(key(m), 1);
        } else {
            self.negative.add(key(m), 1);
        }
    }

    /// Adds a slice of finite values whose minimum and maximum are known
    /// (the block's moments have them): the per-value work is only the
    /// bucket increment.
    ///
    /// # Safety
    ///
    /// Every value is finite and lies between `min` and `max`: the loops
    /// make room for the keys of `min` and `max` once, then index the counts
    /// without bounds checks (`Moments::of` of the same values gives such a
    /// `min` and `max`).
    #[inline(always)]
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    pub unsafe fn add_finite(&mut self, values: &[f64], min: f64, max: f64) {
        // SAFETY: the caller's promise is this function's.
        unsafe { self.add_finite_noting(values, min, max, &mut []) };
    }

    /// `add_finite`, and the values in the window of `fine` (if any) noted
    /// there. For a positive quantity and a window of positive slots, one
    /// loop does both: the bucket key is read once, and the fine counter's
    /// index is written for every value but kept only for those inside
    /// (see `Window::note`).
    ///
    /// # Safety
    ///
    /// As `add_finite`: every value is finite and lies between `min` and
    /// `max`.
    #[inline(always)]
    pub unsafe fn add_finite_noting(
        &mut self,
        values: &[f64],
        min: f64,
        max: f64,
        fine: &mut [FineCounts],
    ) {
        debug_assert!(
            values
                .iter()
                .all(|x| x.is_finite() && (min..=max).contains(x))
        );
        self.count += values.len() as u64;
        self.min = self.min.min(min);
        self.max = self.max.max(max);
        // A window of positive slots only is noted in the sketch's own loops
        // below, reading each value's bits once; any other in its own pass.
        let window = match fine {
            [f] => Some(f.window.clone()),
            _ => None,
        };
        let table = window.as_deref().and_then(|w| w.positive_table());
        let mut noted = match (table, fine.first_mut()) {
            (Some(_), Some(f)) => Some(f.scratch(values.len())),
            _ => None,
        };
        let table = table.unwrap_or(PositiveTable::EMPTY);
        let mut n_fine = 0;
        if min >= f64::MIN_POSITIVE {
            // The common case of a positive quantity: no sign or zero tests.
            // Every key lies between min's and max's, so the counts can be
            // indexed without a bounds check or growing.
            self.positive.cover(key(min), key(max));
            let counts = self.positive.by_key();
            match noted.as_deref_mut() {
                Some(out) => {
                    let mut one = |x: f64| {
                        let bits = x.to_bits();
                        // SAFETY: key(min) <= key <= key(max), which `cover` made room for.
                        unsafe { *counts.wrapping_add((bits >> SHIFT) as usize) += 1 };
                        let i = table.index(bits);
                        // SAFETY: n_fine counts values before this one, so n_fine < values.len() <= out.len().
                        unsafe { *out.get_unchecked_mut(n_fine) = i };
                        n_fine += PositiveTable::inside(i);
                    };
                    // Two values per turn of the loop, so that its own
                    // count, compare and branch are paid once per pair.
                    let pairs = values.chunks_exact(2);
                    let rest = pairs.remainder();
                    for pair in pairs {
                        one(pair[0]);
                        one(pair[1]);
                    }
                    rest.iter().for_each(|&x| one(x));
                }
                None => {
                    for &x in values {
                        // SAFETY: as above.
                        unsafe { *counts.wrapping_add(key(x) as usize) += 1 };
                    }
                }
            }
        } else if min >= 0.0 {
            // Non-negative with zeros (an indicator times something, or a
            // clamp at 0): count zeros and compact the other keys without a
            // branch, since zero versus non-zero is unpredictable.
            // Keys of non-negative values are at most 2^18 (-0.0's): u32
            // holds them, and AVX2 has an unsigned 32-bit min (not 64-bit).
            let mut keys = [0u32; 256];
            for part in values.chunks(keys.len()) {
                let mut n = 0;
                for &x in part {
                    let nonzero = x >= f64::MIN_POSITIVE;
                    // SAFETY: n counts values of `part` before this one, so
                    // n < part.len() <= keys.len().
                    unsafe { *keys.get_unchecked_mut(n) = key(x) as u32 };
                    n += usize::from(nonzero);
                    if let Some(out) = noted.as_deref_mut() {
                        let i = table.index(x.to_bits());
                        // SAFETY: n_fine counts values before this one, so n_fine < values.len() <= out.len().
                        unsafe { *out.get_unchecked_mut(n_fine) = i };
                        n_fine += PositiveTable::inside(i);
                    }
                }
                self.zeros += (part.len() - n) as u64;
                // Room for the part's keys once (their least is found in a
                // pass that vectorises), then increments without a bounds
                // check or growing, as in the positive case.
                let keys = &keys[..n];
                if keys.is_empty() {
                    continue;
                }
                // A plain fold: `Iterator::min` compiled to a scalar loop.
                let low = keys.iter().fold(u32::MAX, |low, &k| low.min(k));
                self.positive.cover(i64::from(low), key(max));
                let counts = self.positive.by_key();
                for &k in keys {
                    // SAFETY: low <= k <= key(max), which `cover` made room for.
                    unsafe { *counts.wrapping_add(k as usize) += 1 };
                }
            }
        } else {
            self.add_mixed(values);
            noted = None;
        }
        match noted {
            Some(_) => fine[0].commit(n_fine),
            None => fine.iter_mut().for_each(|f| f.add(values)),
        }
    }

    /// Values of both signs (or negative only).
    fn add_mixed(&mut self, values: &[f64]) {
        for &x in values {
            let m = x.abs();
            if m < f64::MIN_POSITIVE {
                self.zeros += 1;
            } else if x > 0.0 {
                self.positive.add(key(m), 1);
            } else {
                self.negative.add(key(m), 1);
            }
        }
    }

    pub fn merge(&mut self, other: &QuantileSketch) {
        self.positive.merge(&other.positive);
        self.negative.merge(&other.negative);
        self.zeros += other.zeros;
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Appends an exact encoding (for shard part files).
    pub fn encode(&self, out: &mut Vec<u64>) {
        out.extend([
            self.zeros,
            self.count,
            self.min.to_bits(),
            self.max.to_bits(),
        ]);
        for store in [&self.positive, &self.negative] {
            out.extend([store.offset as u64, store.counts.len() as u64]);
            out.extend(&store.counts);
        }
    }

    /// Reads what `encode` wrote, word by word from `next`.
    pub fn decode(next: &mut dyn FnMut() -> Result<u64, String>) -> Result<QuantileSketch, String> {
        let (zeros, count) = (next()?, next()?);
        let (min, max) = (f64::from_bits(next()?), f64::from_bits(next()?));
        let mut stores = [Store::default(), Store::default()];
        for store in &mut stores {
            store.offset = next()? as i64;
            let len = next()? as usize;
            if len > 1 << 24 {
                return Err("a sketch in the part file is implausibly large".into());
            }
            store.counts = (0..len)
                .map(|_| next())
                .collect::<Result<Vec<u64>, String>>()?;
        }
        let [positive, negative] = stores;
        Ok(QuantileSketch {
            positive,
            negative,
            zeros,
            count,
            min,
            max,
        })
    }

    /// The smallest value seen (infinite when empty).
    pub fn min(&self) -> f64 {
        self.min
    }

    /// The largest value seen (negative infinite when empty).
    pub fn max(&self) -> f64 {
        self.max
    }

    /// Every non-empty bucket in increasing order of value: negative
    /// buckets, the zeros as a point bucket `[0, 0]`, positive buckets. A
    /// positive bucket holds the values in `[low, high)`, a negative one
    /// those in `(low, high]`.
    pub fn buckets(&self) -> Vec<Bucket> {
        let mut out = Vec::new();
        for (i, &count) in self.negative.counts.iter().enumerate().rev() {
            if count > 0 {
                let k = self.negative.offset + i as i64;
                out.push(Bucket {
                    low: -bucket_bound(k + 1),
                    high: -bucket_bound(k),
                    count,
                });
            }
        }
        if self.zeros > 0 {
            out.push(Bucket {
                low: 0.0,
                high: 0.0,
                count: self.zeros,
            });
        }
        for (i, &count) in self.positive.counts.iter().enumerate() {
            if count > 0 {
                let k = self.positive.offset + i as i64;
                out.push(Bucket {
                    low: bucket_bound(k),
                    high: bucket_bound(k + 1),
                    count,
                });
            }
        }
        out
    }

    /// The value of rank `ceil(q n) - 1` (0-based) in sorted order, i.e. the
    /// inverse of the empirical CDF, to within `RELATIVE_ACCURACY`. NaN when
    /// empty.
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    pub fn quantile(&self, q: f64) -> f64 {
        if self.count == 0 || q.is_nan() {
            return f64::NAN;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).clamp(1, self.count) - 1;
        let value = self.value_at_rank(rank);
        value.clamp(self.min, self.max)
    }

    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    fn value_at_rank(&self, rank: u64) -> f64 {
        let mut seen = 0u64;
        // Negative values: largest magnitude first.
        for (i, &c) in self.negative.counts.iter().enumerate().rev() {
            seen += c;
            if seen > rank {
                return -representative(self.negative.offset + i as i64);
            }
        }
        seen += self.zeros;
        if seen > rank {
            return 0.0;
        }
        for (i, &c) in self.positive.counts.iter().enumerate() {
            seen += c;
            if seen > rank {
                return representative(self.positive.offset + i as i64);
            }
        }
        self.max
    }

    /// Where the value of 0-based rank `rank` lies: among the zeros, or in
    /// a slot (see `stats::fine`) after `below` smaller values of that slot.
    pub fn locate(&self, rank: u64) -> Located {
        let mut seen = 0u64;
        for (i, &c) in self.negative.counts.iter().enumerate().rev() {
            if seen + c > rank {
                let key = self.negative.offset + i as i64;
                return Located::Slot {
                    slot: -key - 1,
                    below: rank - seen,
                    count: c,
                };
            }
            seen += c;
        }
        if seen + self.zeros > rank {
            return Located::Zero;
        }
        seen += self.zeros;
        for (i, &c) in self.positive.counts.iter().enumerate() {
            if seen + c > rank {
                return Located::Slot {
                    slot: self.positive.offset + i as i64,
                    below: rank - seen,
                    count: c,
                };
            }
            seen += c;
        }
        // Past the end: the largest value's slot (callers pass ranks < n).
        match self.positive.counts.iter().rposition(|&c| c > 0) {
            Some(i) => Located::Slot {
                slot: self.positive.offset + i as i64,
                below: self.positive.counts[i].saturating_sub(1),
                count: self.positive.counts[i],
            },
            None => Located::Zero,
        }
    }

    /// The lower end, upper end and representative of a slot's bucket.
    pub fn slot_bucket(&self, slot: i64) -> (f64, f64, f64) {
        if slot >= 0 {
            (
                bucket_bound(slot),
                bucket_bound(slot + 1),
                representative(slot),
            )
        } else {
            let key = -slot - 1;
            (
                -bucket_bound(key + 1),
                -bucket_bound(key),
                -representative(key),
            )
        }
    }

    /// The slots that hold values, in value order, with their counts.
    pub fn slots(&self) -> Vec<(i64, u64)> {
        let negative = self.negative.counts.iter().enumerate().rev();
        let negative = negative.map(|(i, &c)| (-(self.negative.offset + i as i64) - 1, c));
        let positive = self.positive.counts.iter().enumerate();
        let positive = positive.map(|(i, &c)| (self.positive.offset + i as i64, c));
        negative.chain(positive).filter(|&(_, c)| c > 0).collect()
    }

    #[cfg(test)]
    fn consistent(&self) -> bool {
        self.positive.total() + self.negative.total() + self.zeros == self.count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_distr::Distribution;

    fn exact(sorted: &[f64], q: f64) -> f64 {
        let n = sorted.len();
        let rank = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
        sorted[rank]
    }

    #[test]
    fn quantiles_are_within_the_stated_relative_accuracy() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        let normal = rand_distr::Normal::new(0.0, 1000.0).unwrap();
        let lognormal = rand_distr::LogNormal::new(0.0, 3.0).unwrap();
        let datasets: Vec<Vec<f64>> = vec![
            (0..50_000).map(|_| normal.sample(&mut rng)).collect(),
            (0..50_000).map(|_| lognormal.sample(&mut rng)).collect(),
            (0..50_000)
                .map(|i| {
                    if i % 3 == 0 {
                        0.0
                    } else {
                        (rng.next_u64() % 100) as f64
                    }
                })
                .collect(),
        ];
        for data in datasets {
            let mut sketch = QuantileSketch::default();
            data.iter().for_each(|&x| sketch.add(x));
            assert!(sketch.consistent());
            let mut sorted = data.clone();
            sorted.sort_by(f64::total_cmp);
            for q in [0.0, 0.001, 0.05, 0.25, 0.5, 0.75, 0.95, 0.999, 1.0] {
                let (est, truth) = (sketch.quantile(q), exact(&sorted, q));
                assert!(
                    (est - truth).abs() <= RELATIVE_ACCURACY * truth.abs(),
                    "q {q}: estimate {est}, exact {truth}"
                );
            }
        }
    }

    #[test]
    fn merging_is_order_independent_and_equals_one_pass() {
        let data: Vec<f64> = (0..10_000)
            .map(|i| ((i * 7919) % 10_007) as f64 - 5000.0)
            .collect();
        let mut whole = QuantileSketch::default();
        data.iter().for_each(|&x| whole.add(x));
        let parts: Vec<QuantileSketch> = data
            .chunks(999)
            .map(|c| {
                let mut s = QuantileSketch::default();
                c.iter().for_each(|&x| s.add(x));
                s
            })
            .collect();
        let mut forward = QuantileSketch::default();
        parts.iter().for_each(|p| forward.merge(p));
        let mut backward = QuantileSketch::default();
        parts.iter().rev().for_each(|p| backward.merge(p));
        for q in [0.05, 0.25, 0.5, 0.75, 0.95] {
            assert_eq!(forward.quantile(q), whole.quantile(q));
            assert_eq!(backward.quantile(q), whole.quantile(q));
        }
    }

    #[test]
    fn block_insertion_equals_one_at_a_time() {
        // Each path of add_finite: positive, non-negative with zeros (one
        // with whole parts of 256 zeros, negative zeros and subnormals,
        // which count as zeros), mixed signs. Odd lengths leave a value
        // after the pairs.
        let datasets: [Vec<f64>; 4] = [
            (1..1000).map(|i| i as f64 * 0.37).collect(),
            (0..1000)
                .map(|i| if i % 3 == 0 { 0.0 } else { i as f64 })
                .collect(),
            (0..1001)
                .map(|i| match i {
                    0..600 => [-0.0, 0.0, 5e-324, 1e-310][i % 4],
                    _ => 1e300 / i as f64,
                })
                .collect(),
            (0..1000).map(|i| (i as f64 - 500.0) / 7.0).collect(),
        ];
        for data in datasets {
            let (mut one, mut block) = (QuantileSketch::default(), QuantileSketch::default());
            data.iter().for_each(|&x| one.add(x));
            let (lo, hi) = data
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                });
            // SAFETY: lo and hi are the data's min and max; all finite.
            unsafe { block.add_finite(&data, lo, hi) };
            assert_eq!(one, block);
        }
    }

    #[test]
    fn noting_in_the_sketch_loop_equals_noting_alone() {
        use crate::stats::fine::{Window, slot_of};
        use std::sync::Arc;
        // Each path of add_finite_noting: positive, non-negative with
        // zeros, mixed signs; windows of positive slots and of both signs.
        let datasets: [Vec<f64>; 3] = [
            (1..3000).map(|i| 90.0 + i as f64 * 0.007).collect(),
            (0..3000)
                .map(|i| {
                    if i % 3 == 0 {
                        0.0
                    } else {
                        90.0 + i as f64 * 0.007
                    }
                })
                .collect(),
            (0..3000).map(|i| (i as f64 - 1500.0) * 0.07).collect(),
        ];
        let windows = [
            Window::new([slot_of(95.0), slot_of(100.0), slot_of(101.0)]).unwrap(),
            Window::new([slot_of(-50.0), slot_of(95.0), slot_of(100.0)]).unwrap(),
        ];
        for data in &datasets {
            for window in &windows {
                let window = Arc::new(window.clone());
                let (lo, hi) = data
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                        (a.min(x), b.max(x))
                    });
                let mut fused = [FineCounts::new(window.clone())];
                let mut sketch = QuantileSketch::default();
                for block in data.chunks(1000) {
                    let (lo, hi) = block
                        .iter()
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                            (a.min(x), b.max(x))
                        });
                    // SAFETY: lo and hi are the block's min and max; all finite.
                    unsafe { sketch.add_finite_noting(block, lo, hi, &mut fused) };
                }
                let mut alone = FineCounts::new(window.clone());
                alone.add(data);
                let mut plain = QuantileSketch::default();
                // SAFETY: as above, for the whole data.
                unsafe { plain.add_finite(data, lo, hi) };
                assert_eq!(sketch, plain);
                assert_eq!(fused[0], alone);
                let noted: u64 = window
                    .slots()
                    .iter()
                    .map(|&s| alone.of_slot(s).unwrap().iter().sum::<u64>())
                    .sum();
                let inside = data
                    .iter()
                    .filter(|&&x| x != 0.0 && window.slots().contains(&slot_of(x)))
                    .count();
                assert_eq!(noted, inside as u64);
            }
        }
    }

    #[test]
    fn the_largest_values_have_finite_representatives() {
        let mut s = QuantileSketch::default();
        for x in [f64::MAX, f64::MAX * 0.999, -f64::MAX, 1.0] {
            s.add(x);
        }
        for q in [0.0, 0.3, 0.6, 1.0] {
            assert!(s.quantile(q).is_finite(), "q {q}: {}", s.quantile(q));
        }
        assert!((s.quantile(1.0) - f64::MAX).abs() <= RELATIVE_ACCURACY * f64::MAX);
        let (low, _, value) = s.slot_bucket(key(f64::MAX));
        assert!(low <= value && value <= f64::MAX);
    }

    #[test]
    fn indicators_and_constants_come_back_exactly() {
        let mut s = QuantileSketch::default();
        (0..700).for_each(|_| s.add(0.0));
        (0..300).for_each(|_| s.add(1.0));
        assert_eq!((s.quantile(0.7), s.quantile(0.71)), (0.0, 1.0));
        let mut c = QuantileSketch::default();
        (0..10).for_each(|_| c.add(500.0));
        assert_eq!(c.quantile(0.5), 500.0);
        assert!(QuantileSketch::default().quantile(0.5).is_nan());
    }
}
