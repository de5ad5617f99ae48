//! What a run keeps of its samples: per event a count, per output moments
//! and a quantile sketch. Constant memory whatever the sample count.

use super::eval::{Values, Workspace};
use super::program::{Program, QuantityKind};
use crate::stats::moments::Moments;
use crate::stats::sketch::QuantileSketch;

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

#[derive(Debug, Clone, PartialEq)]
pub struct Accumulators {
    pub samples: u64,
    pub quantities: Vec<QuantityAccumulator>,
}

impl Accumulators {
    pub fn new(program: &Program) -> Self {
        let quantities = program
            .quantities
            .iter()
            .map(|q| match q.kind {
                QuantityKind::Event => QuantityAccumulator::Event {
                    hits: 0,
                    misses: 0,
                    non_finite: 0,
                },
                QuantityKind::Output => QuantityAccumulator::Output {
                    moments: Moments::default(),
                    sketch: QuantileSketch::default(),
                    non_finite: 0,
                },
            })
            .collect();
        Accumulators {
            samples: 0,
            quantities,
        }
    }

    /// Adds the first `len` samples of an evaluated block. `scratch` holds
    /// the finite values of an output that had some non-finite ones.
    pub fn add_block(
        &mut self,
        program: &Program,
        ws: &Workspace,
        len: usize,
        scratch: &mut Vec<f64>,
    ) {
        self.samples += len as u64;
        for (acc, q) in self.quantities.iter_mut().zip(&program.quantities) {
            let values = ws.read(q.value, len);
            match acc {
                QuantityAccumulator::Event {
                    hits,
                    misses,
                    non_finite,
                } => {
                    let (mut h, mut bad) = (0u64, 0u64);
                    for i in 0..values.len() {
                        let x = values.get(i);
                        h += u64::from(x != 0.0 && x.is_finite());
                        bad += u64::from(!x.is_finite());
                    }
                    *hits += h;
                    *non_finite += bad;
                    *misses += len as u64 - h - bad;
                }
                QuantityAccumulator::Output {
                    moments,
                    sketch,
                    non_finite,
                } => {
                    let finite: &[f64] = match values {
                        Values::Column(c) if c.iter().all(|x| x.is_finite()) => c,
                        _ => {
                            scratch.clear();
                            scratch
                                .extend((0..len).map(|i| values.get(i)).filter(|x| x.is_finite()));
                            *non_finite += (len - scratch.len()) as u64;
                            scratch
                        }
                    };
                    let block = Moments::of(finite);
                    sketch.add_finite(finite, block.min, block.max);
                    moments.merge(&block);
                }
            }
        }
    }

    /// Adds the accumulators of later samples; merge order is fixed by the
    /// caller (chunk order), which makes results independent of threads.
    pub fn merge(&mut self, other: &Accumulators) {
        self.samples += other.samples;
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
                        non_finite,
                    },
                    QuantityAccumulator::Output {
                        moments: m,
                        sketch: s,
                        non_finite: n,
                    },
                ) => {
                    moments.merge(m);
                    sketch.merge(s);
                    *non_finite += n;
                }
                _ => unreachable!("accumulators of one program have the same kinds"),
            }
        }
    }
}
