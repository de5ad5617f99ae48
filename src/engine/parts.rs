//! Encoding accumulators for shard part files, exactly (f64 as bits).
//!
//! A part keeps, per chunk, what the estimates are made of (event counts,
//! moments and design units: the floating-point merges depend on order, and
//! a run's convergence is read at chunk boundaries) and, once for the whole
//! shard, what merges exactly and only the final summary needs (outputs'
//! non-finite counts and quantile sketches). Replaying the per-chunk merges
//! in chunk order reproduces a single run bit for bit.

use super::accumulate::{Accumulators, QuantityAccumulator, Units, merge_fine};
use crate::stats::fine::FineCounts;
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

/// What each chunk adds: samples, each event's counts, each output's
/// moments, the design units.
pub fn encode_ordered(acc: &Accumulators) -> Vec<u64> {
    let mut out = Vec::new();
    put_ordered(acc, &mut out);
    // A stepped program's accumulators at each step follow (language 1.2).
    for step in &acc.horizon {
        put_ordered(step, &mut out);
    }
    out
}

fn put_ordered(acc: &Accumulators, out: &mut Vec<u64>) {
    out.push(acc.samples);
    for q in &acc.quantities {
        match q {
            QuantityAccumulator::Event {
                hits,
                misses,
                non_finite,
            } => out.extend([*hits, *misses, *non_finite]),
            QuantityAccumulator::Output { moments, .. } => put_moments(out, moments),
        }
    }
    match &acc.units {
        Units::Samples => {}
        Units::Pairs(ms) => ms.iter().for_each(|m| put_moments(out, m)),
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
}

/// Merges one chunk's ordered words into `total`, as `Accumulators::merge`
/// would have merged that chunk.
pub fn merge_ordered(total: &mut Accumulators, words: &[u64]) -> Result<(), String> {
    let mut w = Words::new(words);
    take_ordered(total, &mut w)?;
    for step in &mut total.horizon {
        take_ordered(step, &mut w)?;
    }
    if w.done() {
        Ok(())
    } else {
        Err("a chunk record has extra data".into())
    }
}

fn take_ordered(total: &mut Accumulators, w: &mut Words) -> Result<(), String> {
    total.samples += w.next()?;
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
            QuantityAccumulator::Output { moments, .. } => moments.merge(&get_moments(w)?),
        }
    }
    match &mut total.units {
        Units::Samples => {}
        Units::Pairs(ms) => {
            for m in ms {
                m.merge(&get_moments(w)?);
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
    Ok(())
}

/// What merges exactly, for the whole shard: each output's non-finite
/// count, sketch and fine counts.
pub fn encode_exact(acc: &Accumulators) -> Vec<u64> {
    let mut out = Vec::new();
    put_exact(acc, &mut out);
    for step in &acc.horizon {
        put_exact(step, &mut out);
    }
    out
}

fn put_exact(acc: &Accumulators, out: &mut Vec<u64>) {
    for q in &acc.quantities {
        if let QuantityAccumulator::Output {
            sketch,
            fine,
            non_finite,
            ..
        } = q
        {
            out.push(*non_finite);
            sketch.encode(out);
            out.push(fine.len() as u64);
            fine.iter().for_each(|f| f.encode(out));
        }
    }
}

/// Adds a shard's exact words into `total`.
pub fn merge_exact(total: &mut Accumulators, words: &[u64]) -> Result<(), String> {
    let mut w = Words::new(words);
    take_exact(total, &mut w)?;
    for step in &mut total.horizon {
        take_exact(step, &mut w)?;
    }
    if w.done() {
        Ok(())
    } else {
        Err("the shard record has extra data".into())
    }
}

fn take_exact(total: &mut Accumulators, w: &mut Words) -> Result<(), String> {
    for q in &mut total.quantities {
        if let QuantityAccumulator::Output {
            sketch,
            fine,
            non_finite,
            ..
        } = q
        {
            *non_finite += w.next()?;
            let part = QuantileSketch::decode(&mut || w.next())?;
            sketch.merge(&part);
            let windows = w.next()?;
            if windows > 8 {
                return Err("the part file has implausibly many fine windows".into());
            }
            let counts = (0..windows)
                .map(|_| FineCounts::decode(&mut || w.next()))
                .collect::<Result<Vec<_>, String>>()?;
            merge_fine(fine, &counts);
        }
    }
    Ok(())
}

/// A chunk of several programs and their pairings: each program's ordered
/// words, then each paired accumulator, each section prefixed by its length.
pub fn encode_many_ordered(r: &super::ManyResult) -> Vec<u64> {
    let mut out = Vec::new();
    for acc in &r.each {
        let words = encode_ordered(acc);
        out.push(words.len() as u64);
        out.extend(words);
    }
    let put = |out: &mut Vec<u64>, p: &super::many::PairedAccumulator| {
        let m = &p.moments;
        out.extend([
            m.count,
            m.mean_x.to_bits(),
            m.mean_y.to_bits(),
            m.m2x.to_bits(),
            m.m2y.to_bits(),
            m.cxy.to_bits(),
            p.dropped,
        ]);
    };
    for pairing in &r.paired {
        pairing.iter().for_each(|p| put(&mut out, p));
    }
    // Stepped comparisons' pairs at each step follow (language 1.2).
    for pairing in &r.paired_steps {
        pairing.iter().flatten().for_each(|p| put(&mut out, p));
    }
    out
}

/// Merges a chunk written by `encode_many_ordered` into `total`, as
/// `ManyResult::merge` would have.
pub fn merge_many_ordered(total: &mut super::ManyResult, words: &[u64]) -> Result<(), String> {
    let mut w = Words::new(words);
    for acc in &mut total.each {
        let len = w.next()? as usize;
        let start = w.at;
        let section = w
            .words
            .get(start..start + len)
            .ok_or("a chunk record ends early")?;
        merge_ordered(acc, section)?;
        w.at += len;
    }
    let take = |w: &mut Words, p: &mut super::many::PairedAccumulator| -> Result<(), String> {
        let m = crate::stats::paired::PairedMoments {
            count: w.next()?,
            mean_x: w.f64()?,
            mean_y: w.f64()?,
            m2x: w.f64()?,
            m2y: w.f64()?,
            cxy: w.f64()?,
        };
        p.moments.merge(&m);
        p.dropped += w.next()?;
        Ok(())
    };
    for pairing in &mut total.paired {
        for p in pairing {
            take(&mut w, p)?;
        }
    }
    for pairing in &mut total.paired_steps {
        for p in pairing.iter_mut().flatten() {
            take(&mut w, p)?;
        }
    }
    if w.done() {
        Ok(())
    } else {
        Err("a chunk record has extra data".into())
    }
}

/// The exact words of several programs, each section prefixed by its length.
pub fn encode_many_exact(r: &super::ManyResult) -> Vec<u64> {
    let mut out = Vec::new();
    for acc in &r.each {
        let words = encode_exact(acc);
        out.push(words.len() as u64);
        out.extend(words);
    }
    out
}

pub fn merge_many_exact(total: &mut super::ManyResult, words: &[u64]) -> Result<(), String> {
    let mut at = 0;
    for acc in &mut total.each {
        let len = *words.get(at).ok_or("the shard record ends early")? as usize;
        let section = words
            .get(at + 1..at + 1 + len)
            .ok_or("the shard record ends early")?;
        merge_exact(acc, section)?;
        at += 1 + len;
    }
    if at == words.len() {
        Ok(())
    } else {
        Err("the shard record has extra data".into())
    }
}
