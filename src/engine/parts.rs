//! Encoding accumulators for shard part files, exactly (f64 as bits).
//!
//! A part keeps what merges exactly once for the whole shard (event counts,
//! non-finite counts, quantile sketches: integer counts and min/max) and,
//! per chunk, what does not (moments and design units, whose floating-point
//! merges depend on order). Replaying the per-chunk merges in chunk order
//! reproduces a single run bit for bit.

use super::accumulate::{Accumulators, QuantityAccumulator, Units};
use crate::stats::moments::Moments;
use crate::stats::sketch::QuantileSketch;

/// A flat sequence of u64 words, read back in the same order.
pub struct Words<'a> {
    words: &'a [u64],
    at: usize,
}

impl<'a> Words<'a> {
    pub fn new(words: &'a [u64]) -> Self {
        Words { words, at: 0 }
    }

    fn next(&mut self) -> Result<u64, String> {
        let w = self
            .words
            .get(self.at)
            .copied()
            .ok_or("the part file's data ends early")?;
        self.at += 1;
        Ok(w)
    }

    fn f64(&mut self) -> Result<f64, String> {
        self.next().map(f64::from_bits)
    }

    pub fn done(&self) -> bool {
        self.at == self.words.len()
    }
}

fn put_moments(out: &mut Vec<u64>, m: &Moments) {
    out.extend([
        m.count,
        m.mean.to_bits(),
        m.m2.to_bits(),
        m.min.to_bits(),
        m.max.to_bits(),
    ]);
}

fn get_moments(w: &mut Words) -> Result<Moments, String> {
    Ok(Moments {
        count: w.next()?,
        mean: w.f64()?,
        m2: w.f64()?,
        min: w.f64()?,
        max: w.f64()?,
    })
}

/// What merges in order: samples, each output's moments, the design units.
pub fn encode_ordered(acc: &Accumulators) -> Vec<u64> {
    let mut out = vec![acc.samples];
    for q in &acc.quantities {
        if let QuantityAccumulator::Output { moments, .. } = q {
            put_moments(&mut out, moments);
        }
    }
    match &acc.units {
        Units::Samples => {}
        Units::Pairs(ms) => ms.iter().for_each(|m| put_moments(&mut out, m)),
        Units::Replicates { sums, .. } => {
            for per in sums {
                let used: Vec<(usize, &(f64, u64))> =
                    per.iter().enumerate().filter(|(_, s)| s.1 > 0).collect();
                out.push(used.len() as u64);
                for (r, (sum, count)) in used {
                    out.extend([r as u64, sum.to_bits(), *count]);
                }
            }
        }
    }
    out
}

/// Merges one chunk's ordered words into `total`, as `Accumulators::merge`
/// would have merged that chunk.
pub fn merge_ordered(total: &mut Accumulators, words: &[u64]) -> Result<(), String> {
    let mut w = Words::new(words);
    total.samples += w.next()?;
    for q in &mut total.quantities {
        if let QuantityAccumulator::Output { moments, .. } = q {
            moments.merge(&get_moments(&mut w)?);
        }
    }
    match &mut total.units {
        Units::Samples => {}
        Units::Pairs(ms) => {
            for m in ms {
                m.merge(&get_moments(&mut w)?);
            }
        }
        Units::Replicates { sums, .. } => {
            for per in sums {
                for _ in 0..w.next()? {
                    let (r, sum, count) = (w.next()? as usize, w.f64()?, w.next()?);
                    if per.len() <= r {
                        per.resize(r + 1, (0.0, 0));
                    }
                    per[r].0 += sum;
                    per[r].1 += count;
                }
            }
        }
    }
    if w.done() {
        Ok(())
    } else {
        Err("a chunk record has extra data".into())
    }
}

/// What merges exactly, for the whole shard: counts and sketches.
pub fn encode_exact(acc: &Accumulators) -> Vec<u64> {
    let mut out = Vec::new();
    for q in &acc.quantities {
        match q {
            QuantityAccumulator::Event {
                hits,
                misses,
                non_finite,
            } => out.extend([*hits, *misses, *non_finite]),
            QuantityAccumulator::Output {
                sketch, non_finite, ..
            } => {
                out.push(*non_finite);
                sketch.encode(&mut out);
            }
        }
    }
    out
}

/// Adds a shard's exact words into `total`.
pub fn merge_exact(total: &mut Accumulators, words: &[u64]) -> Result<(), String> {
    let mut w = Words::new(words);
    for q in &mut total.quantities {
        match q {
            QuantityAccumulator::Event {
                hits,
                misses,
                non_finite,
            } => {
                *hits += w.next()?;
                *misses += w.next()?;
                *non_finite += w.next()?;
            }
            QuantityAccumulator::Output {
                sketch, non_finite, ..
            } => {
                *non_finite += w.next()?;
                let part = QuantileSketch::decode(&mut || w.next())?;
                sketch.merge(&part);
            }
        }
    }
    if w.done() {
        Ok(())
    } else {
        Err("the shard record has extra data".into())
    }
}
