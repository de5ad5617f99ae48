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
    /// Stepped models with the same steps (language 1.2): every model's
    /// quantities at every step, with the paired difference from the base.
    pub horizon: Option<Vec<HorizonComparison>>,
    /// What could not be compared, and why: for the user to read.
    pub notes: Vec<String>,
}

/// One row of compare_horizon.csv: a model's quantity at one step (an
/// event's `by_step`, an output's `mean`) and its paired difference from
/// the base's (absent for the base and for quantities the base lacks).
#[derive(Debug, Clone, PartialEq)]
pub struct HorizonComparison {
    pub model: String,
    pub quantity: String,
    pub step: u32,
    pub measure: &'static str,
    pub value: f64,
    pub difference: Option<Estimate>,
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
    let horizon = (!result.paired_steps.is_empty())
        .then(|| horizon_rows(contenders, pairings, result, summary));
    Comparison {
        models,
        horizon,
        notes,
    }
}

/// The rows of compare_horizon.csv: by model (the base first), quantity,
/// step.
fn horizon_rows(
    contenders: &[Contender],
    pairings: &[Pairing],
    result: &engine::ManyResult,
    summary: &SummarySettings,
) -> Vec<HorizonComparison> {
    let mut rows = Vec::new();
    for (k, c) in contenders.iter().enumerate() {
        let Some(each) = crate::summary::horizon::horizon(&c.program, &result.each[k], summary)
        else {
            continue;
        };
        for h in each
            .into_iter()
            .filter(|h| h.measure == "by_step" || h.measure == "mean")
        {
            let difference = (k > 0)
                .then(|| {
                    let pairing = &pairings[k - 1];
                    let q = c.program.quantity(&h.quantity)?;
                    let at = pairing.quantities.iter().position(|&(_, o)| o == q)?;
                    let acc = &result.paired_steps[k - 1][at][h.step as usize - 1];
                    Some(acc.moments.difference(summary.confidence))
                })
                .flatten();
            rows.push(HorizonComparison {
                model: c.name.clone(),
                quantity: h.quantity,
                step: h.step,
                measure: h.measure,
                value: h.value,
                difference,
            });
        }
    }
    rows
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
