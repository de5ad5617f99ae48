//! A stepped model's results at every time step (language 1.2): per event
//! `by_step`, `at_step` and `hazard`, per output `mean`, `p05`, `p50` and
//! `p95`, with the intervals summary.csv and quantiles.csv use.

use super::{SummarySettings, estimate, estimate_from_samples};
use crate::engine::program::{Program, QuantityKind};
use crate::engine::{Accumulators, QuantityAccumulator};
use crate::stats::quantiles::QuantileReader;

/// One row of horizon.csv.
#[derive(Debug, Clone, PartialEq)]
pub struct HorizonRow {
    pub quantity: String,
    pub step: u32,
    /// `by_step`, `at_step`, `hazard`, `mean`, `p05`, `p50` or `p95`.
    pub measure: &'static str,
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// The measures of an event, in row order.
pub const EVENT_MEASURES: [&str; 3] = ["by_step", "at_step", "hazard"];
/// The measures of an output, in row order, with their levels.
pub const OUTPUT_MEASURES: [(&str, Option<f64>); 4] = [
    ("mean", None),
    ("p05", Some(0.05)),
    ("p50", Some(0.5)),
    ("p95", Some(0.95)),
];

/// The rows of a stepped run, by quantity (events, then outputs, in
/// program order), then step, then measure; None for a static program.
/// The last step's `by_step`, `mean` and quantiles are read from the main
/// accumulators, so that they equal summary.csv and quantiles.csv.
pub fn horizon(
    program: &Program,
    acc: &Accumulators,
    settings: &SummarySettings,
) -> Option<Vec<HorizonRow>> {
    let st = program.stepping.as_ref()?;
    let mut rows = Vec::new();
    // Each quantity's first position among the horizon's quantities.
    let mut at = 0;
    for (index, q) in program.quantities.iter().enumerate() {
        let width = if q.kind == QuantityKind::Event { 3 } else { 1 };
        for step in 1..=st.steps {
            let last = step == st.steps;
            let per = &acc.horizon[step as usize - 1];
            let row = |measure, (value, ci_low, ci_high)| HorizonRow {
                quantity: q.name.clone(),
                step,
                measure,
                value,
                ci_low,
                ci_high,
            };
            match q.kind {
                QuantityKind::Event => {
                    let by = if last {
                        estimate(acc, index, settings)
                    } else {
                        estimate(per, at, settings)
                    };
                    let at_step = estimate(per, at + 1, settings);
                    // A ratio of counts: the proportion interval with n its
                    // denominator, whatever the design.
                    let hazard = estimate_from_samples(per, at + 2, settings);
                    for (measure, e) in EVENT_MEASURES.into_iter().zip([by, at_step, hazard]) {
                        rows.push(row(measure, (e.mean, e.ci_low, e.ci_high)));
                    }
                }
                QuantityKind::Output => {
                    let (source, i) = if last { (acc, index) } else { (per, at) };
                    let e = estimate(source, i, settings);
                    rows.push(row("mean", (e.mean, e.ci_low, e.ci_high)));
                    let QuantityAccumulator::Output { sketch, fine, .. } = &source.quantities[i]
                    else {
                        unreachable!("an output's accumulator")
                    };
                    let reader = QuantileReader { sketch, fine };
                    for (measure, level) in &OUTPUT_MEASURES[1..] {
                        let level = level.expect("a quantile's level");
                        let value = reader
                            .estimate(level, settings.confidence)
                            .map_or((f64::NAN, f64::NAN, f64::NAN), |e| {
                                (e.value, e.ci_low, e.ci_high)
                            });
                        rows.push(row(measure, value));
                    }
                }
            }
        }
        at += width;
    }
    Some(rows)
}
