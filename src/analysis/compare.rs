//! Variants against a base on common random numbers: each model's
//! estimates, and for every quantity the base shares, the paired difference
//! and the ratio (relative risk for events) with their intervals.

use crate::engine::program::{Program, QuantityKind};
use crate::engine::{self, Outcome, PairedAccumulator, Pairing, RunSettings, Workers};
use crate::error::Result;
use crate::stats::paired::Estimate;
use crate::summary::{QuantitySummary, SummarySettings, summarise};
use std::collections::HashSet;

/// One model of a comparison, ready to run.
pub struct Contender {
    pub name: String,
    pub file: String,
    pub hash: String,
    pub program: Program,
}

/// A quantity of one model, with its comparison to the base (absent for
/// the base itself and for quantities the base does not have).
#[derive(Debug, Clone, PartialEq)]
pub struct ComparedQuantity {
    pub summary: QuantitySummary,
    pub versus_base: Option<Paired>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    /// This model minus the base, per sample.
    pub difference: Estimate,
    /// The standard error two independent runs of this size would give.
    pub independent_std_error: f64,
    /// This model over the base (relative risk for events).
    pub ratio: Estimate,
    /// Pairs left out because a side was not finite.
    pub dropped: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelResult {
    pub name: String,
    pub file: String,
    pub hash: String,
    pub quantities: Vec<ComparedQuantity>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The base first, then the variants in the order given.
    pub models: Vec<ModelResult>,
    /// What could not be compared, and why: for the user to read.
    pub notes: Vec<String>,
}

/// Matches each variant's quantities to the base's by name and kind.
fn pairings(contenders: &[Contender], notes: &mut Vec<String>) -> Vec<Pairing> {
    let base = &contenders[0];
    let base_streams: HashSet<u64> = base.program.streams.iter().copied().collect();
    (1..contenders.len())
        .map(|k| {
            let other = &contenders[k];
            let mut quantities = Vec::new();
            for (qo, q) in other.program.quantities.iter().enumerate() {
                match base.program.quantities.iter().position(|b| b.name == q.name && b.kind == q.kind) {
                    Some(qb) => quantities.push((qb, qo)),
                    None => notes.push(format!(
                        "{}: {} '{}' is not in {}, so it has no difference",
                        other.name,
                        q.kind.as_str(),
                        q.name,
                        base.name
                    )),
                }
            }
            for b in &base.program.quantities {
                if !other.program.quantities.iter().any(|q| q.name == b.name && q.kind == b.kind) {
                    notes.push(format!("{}: has no {} '{}' of {}", other.name, b.kind.as_str(), b.name, base.name));
                }
            }
            if !other.program.streams.iter().any(|s| base_streams.contains(s)) {
                notes.push(format!(
                    "{}: shares no random node with {}, so its draws are independent of the base's and pairing gains nothing",
                    other.name, base.name
                ));
            }
            Pairing {
                base: 0,
                other: k,
                quantities,
            }
        })
        .collect()
}

/// Runs all contenders in one pass over the chunks and compares each with
/// the first.
pub fn compare(
    contenders: &[Contender],
    settings: &RunSettings,
    summary: &SummarySettings,
    workers: &Workers,
    progress: &mut dyn FnMut(u64),
) -> Result<Outcome<Comparison>> {
    let (pairings, notes) = prepare(contenders);
    let programs: Vec<Program> = contenders.iter().map(|c| c.program.clone()).collect();
    let outcome = engine::run_many_all(&programs, &pairings, settings, workers, progress)?;
    Ok(outcome.map(|result| assemble(contenders, &pairings, notes, &result, summary)))
}

/// What a comparison pairs, and the notes about what it cannot.
pub fn prepare(contenders: &[Contender]) -> (Vec<Pairing>, Vec<String>) {
    let mut notes = Vec::new();
    let pairings = pairings(contenders, &mut notes);
    (pairings, notes)
}

/// The comparison from the accumulated results of all contenders.
pub fn assemble(
    contenders: &[Contender],
    pairings: &[Pairing],
    notes: Vec<String>,
    result: &engine::ManyResult,
    summary: &SummarySettings,
) -> Comparison {
    let confidence = summary.confidence;
    let models = contenders
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let summaries = summarise(&c.program, &result.each[k], summary);
            let quantities = summaries
                .into_iter()
                .enumerate()
                .map(|(qo, s)| {
                    let versus_base = (k > 0)
                        .then(|| {
                            let pairing = &pairings[k - 1];
                            let at = pairing.quantities.iter().position(|&(_, o)| o == qo)?;
                            let acc: &PairedAccumulator = &result.paired[k - 1][at];
                            Some(Paired {
                                difference: acc.moments.difference(confidence),
                                independent_std_error: acc.moments.independent_std_error(),
                                ratio: acc.moments.ratio(confidence),
                                dropped: acc.dropped,
                            })
                        })
                        .flatten();
                    ComparedQuantity {
                        summary: s,
                        versus_base,
                    }
                })
                .collect();
            ModelResult {
                name: c.name.clone(),
                file: c.file.clone(),
                hash: c.hash.clone(),
                quantities,
            }
        })
        .collect();
    Comparison { models, notes }
}

impl Comparison {
    /// The base's first event: what the table ranks by.
    pub fn headline(&self) -> Option<&str> {
        self.models[0]
            .quantities
            .iter()
            .find(|q| q.summary.kind == QuantityKind::Event)
            .or_else(|| self.models[0].quantities.first())
            .map(|q| q.summary.name.as_str())
    }
}
