//! A tornado: one-at-a-time swings of the quantity as each uncertain input
//! moves from its 10th to its 90th percentile.

use super::{Measure, Method, Sensitivity};
use crate::engine::many::run_many_all;
use crate::engine::program::Program;
use crate::engine::{Outcome, RunSettings, Workers};
use crate::error::{Error, Result};
use crate::model::overrides::{self, Override};
use crate::model::spec::{Body, ModelSpec, Section};
use crate::model::{compile::compile, validate};

/// The quantity with each uncertain input fixed at its 10th and 90th
/// percentile in turn, all on common random numbers; sorted by swing. A
/// stepped model is cut after `step`.
pub fn tornado(
    spec: &ModelSpec,
    quantity: &str,
    step: Option<u32>,
    settings: &RunSettings,
    confidence: f64,
    workers: &Workers,
    progress: &mut dyn FnMut(u64),
) -> Result<Outcome<Sensitivity>> {
    let inputs: Vec<(String, f64, f64)> = spec
        .section(Section::Inputs)
        .filter_map(|e| match &e.body {
            Body::Fixed(d, _) if !d.is_constant() => {
                Some((e.name.clone(), d.quantile_exact(0.1), d.quantile_exact(0.9)))
            }
            _ => None,
        })
        .collect();
    let build = |set: &[Override]| -> Result<Program> {
        let model = validate::validate(overrides::apply(spec.clone(), set)?)?;
        let program = compile(&model)?;
        // A stepped model explained at step `step` (`--step`).
        Ok(match step {
            Some(k) => program.through(k),
            None => program,
        })
    };
    let mut programs = vec![build(&[])?];
    for (name, lo, hi) in &inputs {
        for value in [*lo, *hi] {
            programs.push(build(&[Override {
                name: name.clone(),
                value,
            }])?);
        }
    }
    let q = programs[0]
        .quantity(quantity)
        .ok_or_else(|| Error::UnknownQuantity {
            option: "quantity",
            name: quantity.to_string(),
            available: Some(programs[0].quantity_names()),
        })?;
    let result = match run_many_all(&programs, &[], settings, workers, progress)?.or_stopped() {
        Ok(result) => result,
        Err(stopped) => return Ok(stopped),
    };
    let summary = crate::summary::SummarySettings {
        confidence,
        proportion_interval: crate::stats::interval::ProportionInterval::Wilson,
    };
    let estimate = |k: usize| {
        let s = crate::summary::summarise(&programs[k], &result.each[k], &summary);
        let x = &s[q];
        (x.mean, x.ci_low, x.ci_high)
    };
    let reference = estimate(0).0;
    let mut rows: Vec<(f64, Vec<Measure>)> = inputs
        .iter()
        .enumerate()
        .map(|(i, (name, lo, hi))| {
            let (a, al, ah) = estimate(1 + 2 * i);
            let (b, bl, bh) = estimate(2 + 2 * i);
            let swing = b - a;
            let m = |measure, value, ci_low, ci_high, factor_value| Measure {
                factor: name.clone(),
                measure,
                value,
                ci_low,
                ci_high,
                factor_value,
            };
            (
                swing.abs(),
                vec![
                    m("at_p10", a, al, ah, *lo),
                    m("at_p90", b, bl, bh, *hi),
                    m("swing", swing, f64::NAN, f64::NAN, f64::NAN),
                ],
            )
        })
        .collect();
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(Outcome::Completed(Sensitivity {
        method: Method::Tornado,
        samples: settings.samples,
        evaluations: settings.samples * programs.len() as u64,
        rows: rows.into_iter().flat_map(|(_, r)| r).collect(),
        reference,
        notes: Vec::new(),
    }))
}
