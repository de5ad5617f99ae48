//! Fine counts inside chosen buckets of the quantile sketch.
//!
//! The sketch's buckets are 1/128 of a power of two wide (0.39%), too coarse
//! to quote a quantile to four digits. Splitting every bucket 64 ways
//! (8,192 per power of two, 0.012%) would cost a scattered increment over a
//! table 64 times larger for every value. Only the few buckets that hold a
//! reported quantile or the ends of its interval need the split, so the
//! split is kept for a *window*: a set of coarse buckets chosen before the
//! run (`engine::refine`). Values outside the window cost one comparison.
//!
//! A bucket is named by its *slot*: the coarse key of the value's magnitude
//! for positive values, `-key - 1` for negative ones, so that slots are in
//! value order. Zero and subnormal magnitudes have no slot (the sketch keeps
//! them exactly, as zeros).

use std::sync::Arc;

/// Mantissa bits of a coarse bucket (the sketch's): 128 per power of two.
pub const COARSE_BITS: u32 = 7;
/// Mantissa bits of a fine bucket: 8,192 fine buckets per power of two.
pub const FINE_BITS: u32 = 13;
/// Fine buckets per coarse bucket.
pub const SPLIT: usize = 1 << (FINE_BITS - COARSE_BITS);
const FINE_SHIFT: u32 = 52 - FINE_BITS;
/// Bits of a fine key below its slot.
const SUB_BITS: u32 = FINE_BITS - COARSE_BITS;

/// The guaranteed bound on |estimate - exact| / |exact| for a value read
/// from a fine bucket with its harmonic midpoint: 1 / (2 * 8192 + 1).
pub const FINE_RELATIVE_ACCURACY: f64 = 1.0 / (2.0 * (1u64 << FINE_BITS) as f64 + 1.0);

/// The most coarse buckets one window's lookup table may span; a wider
/// window keeps the buckets nearest its middle (what it drops is computed
/// later by replay, never guessed).
pub const MAX_SPAN: usize = 1 << 16;

/// The smallest slot of a normal positive value: magnitudes below
/// `f64::MIN_POSITIVE` (zero and subnormals) have no slot.
pub const FIRST_POSITIVE_SLOT: i64 = 1 << COARSE_BITS;

/// A value's fine key in value order: `slot * SPLIT + sub`, `sub` counting
/// up in value order within the slot. Meaningful only for normal values.
#[inline(always)]
pub fn ordered_fine_key(x: f64) -> i64 {
    let bits = x.to_bits();
    let magnitude = ((bits & !(1u64 << 63)) >> FINE_SHIFT) as i64;
    // -magnitude - 1 for negative values, without a branch.
    let negative = (bits >> 63) as i64;
    magnitude ^ -negative
}

/// The slot of a value (see the module comment).
#[inline(always)]
#[cfg_attr(not(feature = "internals"), allow(dead_code))]
pub fn slot_of(x: f64) -> i64 {
    ordered_fine_key(x) >> SUB_BITS
}

/// The values of fine bucket `sub` (in value order) of `slot`: its lower
/// and upper end and its harmonic midpoint, the representative that is
/// within `FINE_RELATIVE_ACCURACY` of every value in it.
pub fn fine_bucket(slot: i64, sub: usize) -> (f64, f64, f64) {
    let k = slot * SPLIT as i64 + sub as i64;
    let bounds = |m: i64| {
        let lo = f64::from_bits((m as u64) << FINE_SHIFT);
        // The last bucket below infinity ends at the largest double.
        let hi = f64::from_bits(((m + 1) as u64) << FINE_SHIFT).min(f64::MAX);
        // 2 lo hi / (lo + hi), with halves so that lo + hi cannot overflow.
        (lo, hi, lo * (hi / (lo / 2.0 + hi / 2.0)))
    };
    if k >= 0 {
        bounds(k)
    } else {
        let (lo, hi, mid) = bounds(-k - 1);
        (-hi, -lo, -mid)
    }
}

/// The coarse buckets whose values are split 64 ways, with tables from
/// slot to place: one for negative slots and one for positive, so that a
/// window on both sides of zero does not span the magnitudes between.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// The slots, increasing.
    slots: Vec<i64>,
    /// Negative slots, then positive ones.
    sides: [Side; 2],
}

#[derive(Debug, Clone, PartialEq, Default)]
struct Side {
    /// The first slot the table covers.
    first: i64,
    /// Per slot from `first`: the index of its first fine counter (its
    /// index in `slots` times `SPLIT`, so that a lookup needs no
    /// multiplication), or `OUTSIDE`.
    table: Vec<u32>,
}

const NONE: u32 = u32::MAX;

impl Window {
    /// A window over `slots` (any order, repeats and slots of zero
    /// ignored); None if none is left. Where the slots of one sign span
    /// more than `MAX_SPAN`, those nearest their middle are kept.
    pub fn new(slots: impl IntoIterator<Item = i64>) -> Option<Window> {
        let mut all: Vec<i64> = slots
            .into_iter()
            .filter(|s| !(-FIRST_POSITIVE_SLOT..FIRST_POSITIVE_SLOT).contains(s))
            .collect();
        all.sort_unstable();
        all.dedup();
        let split = all.partition_point(|&s| s < 0);
        let (mut negative, mut positive) = (all[..split].to_vec(), all[split..].to_vec());
        let span = |s: &[i64]| s.last().map_or(0, |l| (l - s[0]) as usize + 1);
        for side in [&mut negative, &mut positive] {
            let middle = side.get(side.len() / 2).copied().unwrap_or(0);
            while span(side) > MAX_SPAN {
                if middle - side[0] > side[side.len() - 1] - middle {
                    side.remove(0);
                } else {
                    side.pop();
                }
            }
        }
        let slots: Vec<i64> = negative.iter().chain(&positive).copied().collect();
        if slots.is_empty() {
            return None;
        }
        let mut sides = [Side::default(), Side::default()];
        let mut index = 0u32;
        for (side, kept) in sides.iter_mut().zip([&negative, &positive]) {
            let Some(&first) = kept.first() else {
                // No slot on this side: one entry that holds none, so that
                // `note` can always read the table.
                side.table = vec![OUTSIDE];
                continue;
            };
            side.first = first;
            // One entry past the end that holds none: `note` reads it for
            // every slot beyond the window.
            side.table = vec![OUTSIDE; span(kept) + 1];
            for &s in kept.iter() {
                side.table[(s - first) as usize] = index * SPLIT as u32;
                index += 1;
            }
        }
        Some(Window { slots, sides })
    }

    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    pub fn slots(&self) -> &[i64] {
        &self.slots
    }

    /// The lookup of a window of positive slots only; None if the window
    /// has negative slots.
    pub fn positive_table(&self) -> Option<PositiveTable<'_>> {
        (self.slots[0] > 0).then(|| PositiveTable {
            first: self.sides[1].first,
            table: &self.sides[1].table,
        })
    }

    /// The index of `slot` in the window.
    pub fn position(&self, slot: i64) -> Option<usize> {
        let side = &self.sides[usize::from(slot >= 0)];
        let d = usize::try_from(slot.wrapping_sub(side.first)).ok()?;
        match side.table.get(d) {
            Some(&p) if p != OUTSIDE => Some(p as usize / SPLIT),
            _ => None,
        }
    }

    /// Counters a window needs: `SPLIT` per slot.
    pub fn len(&self) -> usize {
        self.slots.len() * SPLIT
    }

    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Writes, for each value of `values` in the window, the index of its
    /// fine counter (`SPLIT` per slot, in slot order) to the front of
    /// `out`, and returns how many it wrote. Branch-free: whether a value is
    /// in the window is unpredictable, so every value writes an index and
    /// only those inside advance. `out` must be at least as long as
    /// `values`.
    #[inline(always)]
    pub fn note(&self, values: &[f64], out: &mut [u32]) -> usize {
        let out = &mut out[..values.len()];
        let mut n = 0;
        if let Some(table) = self.positive_table() {
            // The common case, a window of positive slots only.
            for &x in values {
                let i = table.index(x.to_bits());
                // SAFETY: n counts values before this one, so n < values.len() = out.len().
                unsafe { *out.get_unchecked_mut(n) = i };
                n += PositiveTable::inside(i);
            }
            return n;
        }
        for &x in values {
            let k = ordered_fine_key(x);
            let slot = k >> SUB_BITS;
            let side = &self.sides[usize::from(slot >= 0)];
            let last = side.table.len() - 1;
            let d = (slot.wrapping_sub(side.first) as u64).min(last as u64);
            // SAFETY: d <= last = table.len() - 1.
            let p = unsafe { *side.table.get_unchecked(d as usize) };
            // SAFETY: n counts values before this one, so n < values.len() = out.len().
            unsafe { *out.get_unchecked_mut(n) = p | (k as u32 & (SPLIT as u32 - 1)) };
            n += usize::from(p != OUTSIDE);
        }
        n
    }
}

/// Where `PositiveTable::index` puts a value outside the window: at or
/// above this (`NONE` times `SPLIT`, plus the fine part).
pub const OUTSIDE: u32 = NONE.wrapping_mul(SPLIT as u32);

/// A window of positive slots only, as a lookup from a value's raw bits:
/// its first slot, and per slot from it the index of the slot's first fine
/// counter (its place in the window times `SPLIT`) or `OUTSIDE`, ending in
/// `OUTSIDE`.
#[derive(Debug, Clone, Copy)]
pub struct PositiveTable<'a> {
    first: i64,
    table: &'a [u32],
}

impl PositiveTable<'_> {
    /// A window with no slot: every value is outside.
    pub const EMPTY: PositiveTable<'static> = PositiveTable {
        first: 0,
        table: &[OUTSIDE],
    };

    /// The index of the fine counter of a value given by its bits, or
    /// `OUTSIDE` or more when the value is outside the window. The raw bits
    /// are the key: zero's slot is none, and a negative value's sign bit
    /// puts its slot above every finite positive one, so neither finds a
    /// counter.
    #[inline(always)]
    pub fn index(&self, bits: u64) -> u32 {
        let k = (bits >> FINE_SHIFT) as i64;
        let last = self.table.len() as u64 - 1;
        let d = ((k >> SUB_BITS).wrapping_sub(self.first) as u64).min(last);
        // SAFETY: d <= last = table.len() - 1 (a table is never empty).
        let p = unsafe { *self.table.get_unchecked(d as usize) };
        p | (k as u32 & (SPLIT as u32 - 1))
    }

    /// Whether `index` put a value in the window, as 1 or 0: counter
    /// indices are below 2^31 (a window has at most 2 (MAX_SPAN + 1)
    /// slots of `SPLIT`), and `OUTSIDE` and above have the top bit set.
    /// A shift, where `i < OUTSIDE` compiled to a compare and a set.
    #[inline(always)]
    pub fn inside(i: u32) -> usize {
        ((i >> 31) ^ 1) as usize
    }
}

/// Fine counts of the values in a window's slots: noted as counter
/// indices where the values are evaluated (a chunk), added up where chunks
/// merge, so a chunk costs nothing for the counters it does not touch.
#[derive(Debug, Clone)]
pub struct FineCounts {
    pub window: Arc<Window>,
    /// `SPLIT` counters per slot; empty until something is merged in.
    counts: Vec<u64>,
    /// Counter indices not yet added to `counts`.
    pending: Vec<u32>,
    /// Where `note` writes a block's indices (reused, so never cleared).
    scratch: Vec<u32>,
}

impl PartialEq for FineCounts {
    /// Equal windows and equal counts, however they are held.
    fn eq(&self, other: &FineCounts) -> bool {
        let settled = |f: &FineCounts| {
            let mut f = f.clone();
            f.settle();
            f.counts
        };
        self.window == other.window && settled(self) == settled(other)
    }
}

impl FineCounts {
    pub fn new(window: Arc<Window>) -> FineCounts {
        FineCounts {
            window,
            counts: Vec::new(),
            pending: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Room for `len` counter indices, for a caller that notes values
    /// itself (the sketch's loop): write them at the front, then `commit`.
    pub fn scratch(&mut self, len: usize) -> &mut [u32] {
        if self.scratch.len() < len {
            self.scratch.resize(len, 0);
        }
        &mut self.scratch[..len]
    }

    /// Keeps the first `n` indices written to `scratch`.
    pub fn commit(&mut self, n: usize) {
        self.pending.extend_from_slice(&self.scratch[..n]);
    }

    /// Notes the values in the window.
    #[inline(always)]
    pub fn add(&mut self, values: &[f64]) {
        if self.scratch.len() < values.len() {
            self.scratch.resize(values.len(), 0);
        }
        let n = self.window.note(values, &mut self.scratch);
        self.pending.extend_from_slice(&self.scratch[..n]);
    }

    fn settle(&mut self) {
        if self.counts.is_empty() {
            self.counts = vec![0; self.window.len()];
        }
        for &i in &self.pending {
            self.counts[i as usize] += 1;
        }
        self.pending.clear();
    }

    /// Adds counts over the same window.
    pub fn merge(&mut self, other: &FineCounts) {
        debug_assert_eq!(self.window.slots, other.window.slots);
        self.settle();
        for &i in &other.pending {
            self.counts[i as usize] += 1;
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    /// The `SPLIT` counts of `slot`, in value order, if the window has it.
    pub fn of_slot(&self, slot: i64) -> Option<[u64; SPLIT]> {
        let p = self.window.position(slot)?;
        let mut out = [0u64; SPLIT];
        if !self.counts.is_empty() {
            out.copy_from_slice(&self.counts[p * SPLIT..(p + 1) * SPLIT]);
        }
        for &i in &self.pending {
            if i as usize / SPLIT == p {
                out[i as usize % SPLIT] += 1;
            }
        }
        Some(out)
    }

    /// Appends an exact encoding: the slots, then the non-zero counts.
    pub fn encode(&self, out: &mut Vec<u64>) {
        let mut settled = self.clone();
        settled.settle();
        out.push(self.window.slots.len() as u64);
        out.extend(self.window.slots.iter().map(|&s| s as u64));
        let used: Vec<(usize, u64)> = settled
            .counts
            .iter()
            .copied()
            .enumerate()
            .filter(|&(_, c)| c > 0)
            .collect();
        out.push(used.len() as u64);
        for (i, c) in used {
            out.extend([i as u64, c]);
        }
    }

    /// Reads what `encode` wrote.
    pub fn decode(next: &mut dyn FnMut() -> Result<u64, String>) -> Result<FineCounts, String> {
        let n = next()? as usize;
        if n > 2 * MAX_SPAN {
            return Err("a window in the part file is implausibly large".into());
        }
        let slots = (0..n)
            .map(|_| next().map(|s| s as i64))
            .collect::<Result<Vec<i64>, String>>()?;
        let window = Window::new(slots.iter().copied())
            .filter(|w| w.slots == slots)
            .ok_or("a window in the part file is malformed")?;
        let mut fine = FineCounts::new(Arc::new(window));
        fine.settle();
        for _ in 0..next()? {
            let (i, c) = (next()? as usize, next()?);
            *fine
                .counts
                .get_mut(i)
                .ok_or("a fine count in the part file is out of place")? += c;
        }
        Ok(fine)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fine_keys_are_in_value_order_and_buckets_hold_their_values() {
        let values = [
            -f64::MAX,
            -1e300,
            -3.5,
            -1.0,
            -0.9999,
            -1e-300,
            1e-300,
            0.5,
            1.0,
            1.0001,
            7.25,
            1e300,
            f64::MAX,
        ];
        for pair in values.windows(2) {
            assert!(ordered_fine_key(pair[0]) <= ordered_fine_key(pair[1]));
        }
        for &x in &values {
            let k = ordered_fine_key(x);
            let slot = k.div_euclid(SPLIT as i64);
            assert_eq!(slot, slot_of(x));
            let (lo, hi, mid) = fine_bucket(slot, k.rem_euclid(SPLIT as i64) as usize);
            assert!(lo <= x && x <= hi, "{x} in [{lo}, {hi}]");
            // The bound is reached at a bucket's lower end, up to rounding.
            let bound = FINE_RELATIVE_ACCURACY * (1.0 + 1e-12) * x.abs();
            assert!((mid - x).abs() <= bound, "{x}: {mid}");
        }
    }

    #[test]
    fn a_window_counts_only_its_slots() {
        let w = Arc::new(Window::new([slot_of(1.0), slot_of(-2.0), slot_of(1.0)]).unwrap());
        assert_eq!(w.slots(), &[slot_of(-2.0), slot_of(1.0)]);
        let mut f = FineCounts::new(w);
        f.add(&[1.0, 1.0002, 1.5, -2.0, -2.001, 0.0, -0.0, 3.0]);
        // A window of positive slots only takes the other path.
        let mut p = FineCounts::new(Arc::new(Window::new([slot_of(1.0)]).unwrap()));
        p.add(&[1.0, -1.0, -0.0, 0.0, 1.0002, f64::MIN_POSITIVE, -1e300]);
        assert_eq!(p.of_slot(slot_of(1.0)).unwrap()[..2], [1, 1]);
        let one = f.of_slot(slot_of(1.0)).unwrap();
        assert_eq!(one.iter().sum::<u64>(), 2);
        assert_eq!((one[0], one[1]), (1, 1));
        assert_eq!(f.of_slot(slot_of(-2.0)).unwrap().iter().sum::<u64>(), 2);
        assert!(f.of_slot(slot_of(3.0)).is_none());
        let mut words = Vec::new();
        f.encode(&mut words);
        let mut it = words.into_iter();
        let back = FineCounts::decode(&mut || it.next().ok_or("short".to_string())).unwrap();
        for slot in [slot_of(1.0), slot_of(-2.0)] {
            assert_eq!(back.of_slot(slot), f.of_slot(slot));
        }
        // Merging noted and settled counts adds them.
        let mut total = FineCounts::new(f.window.clone());
        total.merge(&f);
        total.merge(&back);
        assert_eq!(total.of_slot(slot_of(1.0)).unwrap()[1], 2);
    }

    #[test]
    fn zero_has_no_slot_and_wide_windows_keep_their_middle() {
        assert!(Window::new([0, -1, 5]).is_none());
        let w = Window::new([200, 300, 250, 200 + MAX_SPAN as i64 + 50]).unwrap();
        assert_eq!(w.slots(), &[200, 250, 300]);
        // Both sides of zero: far apart in slots, each side's table small.
        let both = Window::new([slot_of(-1e300), slot_of(1e300)]).unwrap();
        assert_eq!(both.slots().len(), 2);
        assert_eq!(both.position(slot_of(1e300)), Some(1));
    }
}
