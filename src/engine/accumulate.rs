//! What a run keeps of its samples: per event a count, per output moments
//! and a quantile sketch. Constant memory whatever the sample count.

use super::design::{Design, qmc_points};
use super::eval::{Values, Workspace};
use super::program::{Program, Quantity, QuantityKind};
use super::settings::RunSettings;
use crate::stats::fine::{FineCounts, Window};
use crate::stats::moments::Moments;
use crate::stats::quantiles::QuantileRequest;
use crate::stats::sketch::QuantileSketch;
use std::sync::Arc;

/// Per quantity: the window of buckets an output splits finely.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Windows(Vec<Option<Arc<Window>>>);

impl Windows {
    /// No fine counts at all.
    pub fn none(program: &Program) -> Windows {
        Windows(vec![None; program.quantities.len()])
    }

    pub fn of(&self, quantity: usize) -> Option<Arc<Window>> {
        self.0.get(quantity).cloned().flatten()
    }

    /// One window (or none) per quantity, in program order.
    pub fn new(windows: Vec<Option<Arc<Window>>>) -> Windows {
        Windows(windows)
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum QuantityAccumulator {
    Event {
        /// Samples where the event is true (non-zero).
        hits: u64,
        /// Samples where it is false.
        misses: u64,
        /// Samples where it is NaN or infinite: excluded from the estimate.
        non_finite: u64,
    },
    Output {
        moments: Moments,
        sketch: QuantileSketch,
        /// Fine counts of chosen sketch buckets (`engine::refine`): one per
        /// window the samples were counted in.
        fine: Vec<FineCounts>,
        non_finite: u64,
    },
}

impl QuantityAccumulator {
    pub fn non_finite(&self) -> u64 {
        match self {
            QuantityAccumulator::Event { non_finite, .. }
            | QuantityAccumulator::Output { non_finite, .. } => *non_finite,
        }
    }
}

/// Independent units of a design whose samples are not independent: their
/// means give the interval.
#[derive(Debug, Clone, PartialEq)]
pub enum Units {
    /// Plain samples (mc, lhs): the per-sample formula applies.
    Samples,
    /// Antithetic pairs: the moments of the pair means, per quantity.
    Pairs(Vec<Moments>),
    /// QMC replicates: per quantity, (sum, count) of finite values per replicate.
    Replicates {
        points: u64,
        sums: Vec<Vec<(f64, u64)>>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Accumulators {
    pub samples: u64,
    /// The quantiles the run reports.
    pub request: QuantileRequest,
    pub quantities: Vec<QuantityAccumulator>,
    pub units: Units,
    /// A stepped program's accumulators at each time step (language 1.2),
    /// over `Stepping::horizon`'s quantities; empty for a static program.
    pub horizon: Vec<Accumulators>,
}

impl Accumulators {
    /// Accumulators that keep no fine counts.
    pub fn new(program: &Program, settings: &RunSettings) -> Self {
        Accumulators::windowed(program, settings, &Windows::none(program))
    }

    /// Accumulators that keep fine counts of each output's window.
    pub fn windowed(program: &Program, settings: &RunSettings, windows: &Windows) -> Self {
        let mut acc = Self::over(&program.quantities, settings, windows);
        if let Some(st) = &program.stepping {
            let none = Windows::new(vec![None; st.horizon.len()]);
            let step = Self::over(&st.horizon, settings, &none);
            acc.horizon = vec![step; st.steps as usize];
        }
        acc
    }

    /// Accumulators of `quantities` alone (no horizon).
    fn over(quantities: &[Quantity], settings: &RunSettings, windows: &Windows) -> Self {
        let n = quantities.len();
        let quantities = quantities
            .iter()
            .enumerate()
            .map(|(i, q)| match q.kind {
                QuantityKind::Event => QuantityAccumulator::Event {
                    hits: 0,
                    misses: 0,
                    non_finite: 0,
                },
                QuantityKind::Output => QuantityAccumulator::Output {
                    moments: Moments::default(),
                    sketch: QuantileSketch::default(),
                    fine: windows.of(i).map(FineCounts::new).into_iter().collect(),
                    non_finite: 0,
                },
            })
            .collect();
        let units = match settings.design {
            Design::Mc | Design::Lhs => Units::Samples,
            Design::Antithetic => Units::Pairs(vec![Moments::default(); n]),
            Design::Qmc => Units::Replicates {
                points: qmc_points(settings.samples),
                sums: vec![Vec::new(); n],
            },
        };
        Accumulators {
            samples: 0,
            request: settings.quantiles,
            quantities,
            units,
            horizon: Vec::new(),
        }
    }

    /// Takes the fine counts of `other` (a replay of the same chunks) beside
    /// these.
    pub fn add_fine(&mut self, other: &Accumulators) {
        for (a, b) in self.quantities.iter_mut().zip(&other.quantities) {
            if let (
                QuantityAccumulator::Output { fine, .. },
                QuantityAccumulator::Output { fine: f, .. },
            ) = (a, b)
            {
                merge_fine(fine, f);
            }
        }
    }

    /// Counts finely, in `windows`, the values `kept[q]` of each output q:
    /// all the samples these accumulators hold, in any order. The counts
    /// are those that evaluating the same samples with these windows would
    /// have made (the non-finite values are left out there too).
    pub(crate) fn note_fine(&mut self, windows: &Windows, kept: &[Vec<f64>]) {
        for (q, (acc, values)) in self.quantities.iter_mut().zip(kept).enumerate() {
            if let (QuantityAccumulator::Output { fine, .. }, Some(window)) = (acc, windows.of(q)) {
                let mut counts = FineCounts::new(window);
                if values.iter().all(|x| x.is_finite()) {
                    counts.add(values);
                } else {
                    let finite: Vec<f64> =
                        values.iter().copied().filter(|x| x.is_finite()).collect();
                    counts.add(&finite);
                }
                *fine = vec![counts];
            }
        }
    }

    /// Adds the first `len` samples of an evaluated block whose first sample
    /// has global index `start`. `scratch` holds the finite values of an
    /// output that had some non-finite ones.
    pub fn add_block(
        &mut self,
        program: &Program,
        ws: &Workspace,
        start: u64,
        len: usize,
        scratch: &mut Vec<f64>,
    ) {
        self.add_values(&program.quantities, ws, start, len, scratch)
    }

    /// Adds time step `step` (1-based) of a stepped program's block, as
    /// `add_block` adds its last values; nothing for a static program.
    pub fn add_step(
        &mut self,
        program: &Program,
        step: u32,
        ws: &Workspace,
        start: u64,
        len: usize,
        scratch: &mut Vec<f64>,
    ) {
        if let Some(st) = &program.stepping {
            self.horizon[step as usize - 1].add_values(&st.horizon, ws, start, len, scratch);
        }
    }

    fn add_values(
        &mut self,
        quantities: &[Quantity],
        ws: &Workspace,
        start: u64,
        len: usize,
        scratch: &mut Vec<f64>,
    ) {
        #[cfg(target_arch = "x86_64")]
        if crate::simd::wide_available() {
            // SAFETY: the CPU has AVX2 and FMA, checked just above.
            unsafe { self.add_block_wide(quantities, ws, len, scratch) };
            self.add_units(quantities, ws, start, len);
            return;
        }
        self.add_block_inline(quantities, ws, len, scratch);
        self.add_units(quantities, ws, start, len);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn add_block_wide(
        &mut self,
        quantities: &[Quantity],
        ws: &Workspace,
        len: usize,
        scratch: &mut Vec<f64>,
    ) {
        self.add_block_inline(quantities, ws, len, scratch)
    }

    /// The value a quantity contributes to unit means: the indicator for an
    /// event, the value for an output; None when not finite.
    fn unit_value(kind: QuantityKind, x: f64) -> Option<f64> {
        if !x.is_finite() {
            None
        } else if kind == QuantityKind::Event {
            Some(if x != 0.0 { 1.0 } else { 0.0 })
        } else {
            Some(x)
        }
    }

    fn add_units(&mut self, quantities: &[Quantity], ws: &Workspace, start: u64, len: usize) {
        match &mut self.units {
            Units::Samples => {}
            Units::Pairs(moments) => {
                // Blocks have even length except the very last, and pairs
                // never straddle blocks; a lone last sample is left out.
                for (m, q) in moments.iter_mut().zip(quantities) {
                    let values = ws.read(q.value, len);
                    let means: Vec<f64> = (0..len / 2)
                        .filter_map(|k| {
                            let a = Self::unit_value(q.kind, values.get(2 * k))?;
                            let b = Self::unit_value(q.kind, values.get(2 * k + 1))?;
                            Some((a + b) / 2.0)
                        })
                        .collect();
                    m.merge(&Moments::of(&means));
                }
            }
            Units::Replicates { points, sums } => {
                // Blocks never straddle replicates (`qmc_points` is a whole
                // number of blocks).
                let replicate = (start / *points) as usize;
                for (per, q) in sums.iter_mut().zip(quantities) {
                    let values = ws.read(q.value, len);
                    let (mut sum, mut count) = (0.0, 0u64);
                    for i in 0..len {
                        if let Some(v) = Self::unit_value(q.kind, values.get(i)) {
                            sum += v;
                            count += 1;
                        }
                    }
                    if per.len() <= replicate {
                        per.resize(replicate + 1, (0.0, 0));
                    }
                    per[replicate].0 += sum;
                    per[replicate].1 += count;
                }
            }
        }
    }

    #[inline(always)]
    fn add_block_inline(
        &mut self,
        quantities: &[Quantity],
        ws: &Workspace,
        len: usize,
        scratch: &mut Vec<f64>,
    ) {
        self.samples += len as u64;
        for (acc, q) in self.quantities.iter_mut().zip(quantities) {
            let values = ws.read(q.value, len);
            match acc {
                QuantityAccumulator::Event {
                    hits,
                    misses,
                    non_finite,
                } => {
                    let (h, bad) = match values {
                        Values::Column(c) => count_event(c),
                        Values::Constant(x, n) => {
                            let (h, bad) = count_event(&[x]);
                            (h * n as u64, bad * n as u64)
                        }
                    };
                    *hits += h;
                    *non_finite += bad;
                    *misses += len as u64 - h - bad;
                }
                QuantityAccumulator::Output {
                    moments,
                    sketch,
                    fine,
                    non_finite,
                } => {
                    // A NaN or an infinity makes the mean NaN or infinite,
                    // so one pass of the moments also tells whether every
                    // value was finite (a finite sum that overflows takes
                    // the slow path to the same moments).
                    let whole = match values {
                        Values::Column(c) => Some((c, Moments::of(c))),
                        Values::Constant(..) => None,
                    };
                    let (finite, block): (&[f64], Moments) = match whole {
                        Some((c, block)) if block.mean.is_finite() => (c, block),
                        _ => {
                            scratch.clear();
                            scratch
                                .extend((0..len).map(|i| values.get(i)).filter(|x| x.is_finite()));
                            *non_finite += (len - scratch.len()) as u64;
                            (scratch, Moments::of(scratch))
                        }
                    };
                    // SAFETY: `block` is `Moments::of(finite)`, and `finite`
                    // holds only finite values.
                    unsafe { sketch.add_finite_noting(finite, block.min, block.max, fine) };
                    moments.merge(&block);
                }
            }
        }
    }

    /// Adds the accumulators of later samples; merge order is fixed by the
    /// caller (chunk order), which makes results independent of threads.
    pub fn merge(&mut self, other: &Accumulators) {
        for (a, b) in self.horizon.iter_mut().zip(&other.horizon) {
            a.merge(b);
        }
        self.samples += other.samples;
        match (&mut self.units, &other.units) {
            (Units::Pairs(a), Units::Pairs(b)) => a.iter_mut().zip(b).for_each(|(x, y)| x.merge(y)),
            (Units::Replicates { sums: a, .. }, Units::Replicates { sums: b, .. }) => {
                for (x, y) in a.iter_mut().zip(b) {
                    if x.len() < y.len() {
                        x.resize(y.len(), (0.0, 0));
                    }
                    for (p, q) in x.iter_mut().zip(y) {
                        p.0 += q.0;
                        p.1 += q.1;
                    }
                }
            }
            _ => {}
        }
        for (a, b) in self.quantities.iter_mut().zip(&other.quantities) {
            match (a, b) {
                (
                    QuantityAccumulator::Event {
                        hits,
                        misses,
                        non_finite,
                    },
                    QuantityAccumulator::Event {
                        hits: h,
                        misses: m,
                        non_finite: n,
                    },
                ) => {
                    *hits += h;
                    *misses += m;
                    *non_finite += n;
                }
                (
                    QuantityAccumulator::Output {
                        moments,
                        sketch,
                        fine,
                        non_finite,
                    },
                    QuantityAccumulator::Output {
                        moments: m,
                        sketch: s,
                        fine: f,
                        non_finite: n,
                    },
                ) => {
                    moments.merge(m);
                    sketch.merge(s);
                    merge_fine(fine, f);
                    *non_finite += n;
                }
                _ => unreachable!("accumulators of one program have the same kinds"),
            }
        }
    }
}

/// Of an event's values: how many are true (finite and not zero), and how
/// many are not finite. Counted in a plain loop with one counter each,
/// which the compiler vectorises (a fold over pairs it did not).
#[inline(always)]
fn count_event(values: &[f64]) -> (u64, u64) {
    let (mut hits, mut finite) = (0u64, 0u64);
    for &x in values {
        let is_finite = x.abs() < f64::INFINITY;
        hits += u64::from(is_finite & (x != 0.0));
        finite += u64::from(is_finite);
    }
    (hits, values.len() as u64 - finite)
}

/// Adds fine counts to those over the same window, and keeps those of
/// another window beside them.
pub fn merge_fine(total: &mut Vec<FineCounts>, other: &[FineCounts]) {
    for f in other {
        match total
            .iter_mut()
            .find(|t| Arc::ptr_eq(&t.window, &f.window) || t.window == f.window)
        {
            Some(t) => t.merge(f),
            None => total.push(f.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the definition, value by value, at lengths that leave every
    /// remainder of the vector loop: zeros of both signs are false, NaN and
    /// infinities are neither true nor false, anything else is true.
    #[test]
    fn events_count_true_and_non_finite_values() {
        let kinds = [
            0.0,
            -0.0,
            1.0,
            -2.5,
            5e-324,
            f64::MAX,
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let mut k = 7u64;
        for len in 0..70 {
            let values: Vec<f64> = (0..len)
                .map(|_| {
                    k = k.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    kinds[(k >> 33) as usize % kinds.len()]
                })
                .collect();
            let hits = values
                .iter()
                .filter(|x| x.is_finite() && **x != 0.0)
                .count();
            let bad = values.iter().filter(|x| !x.is_finite()).count();
            assert_eq!(
                count_event(&values),
                (hits as u64, bad as u64),
                "{values:?}"
            );
        }
    }
}
