//! The factors of a plain run: every random node's values beside the
//! quantity's, which rank correlations and Monte Carlo filtering read.

use super::quantity_operand;
use crate::engine::many::chunk_columns_averaged;
use crate::engine::program::{Operand, Program};
use crate::engine::schedule::{Flow, for_chunks_in};
use crate::engine::{Outcome, RunSettings, Workers};
use crate::error::Result;

/// The random nodes, by name, with their value columns: the factors that
/// rank correlations and filtering measure.
pub(in crate::analysis) fn random_nodes(program: &Program) -> Vec<(String, Operand)> {
    program
        .node_columns
        .iter()
        .filter(|(name, _)| program.stream_nodes.contains(name))
        .cloned()
        .collect()
}

/// One plain run's values of every random node (the factors, by name)
/// and, last, of the quantity: what rank correlations and filtering read.
#[allow(clippy::type_complexity)]
pub(in crate::analysis) fn factor_columns(
    program: &Program,
    quantity: usize,
    settings: &RunSettings,
    workers: &Workers,
    progress: &mut dyn FnMut(u64),
) -> Result<Outcome<(Vec<(String, Operand)>, Vec<Vec<f64>>)>> {
    let factors = random_nodes(program);
    let mut ops: Vec<Operand> = factors.iter().map(|(_, op)| *op).collect();
    ops.push(quantity_operand(program, quantity));
    let seeds = vec![settings.seed; program.streams.len()];
    // A random node drawn at every step of a stepped program is one
    // factor: its mean over the steps.
    let per_step = |name: &str| {
        program.stepping.as_ref().is_some_and(|st| {
            let k = program.stream_nodes.iter().position(|n| n == name);
            k.is_some_and(|k| st.dims.first().is_some_and(|_| st.dims[k] != u32::MAX))
        })
    };
    let mut averaged: Vec<bool> = factors.iter().map(|(name, _)| per_step(name)).collect();
    averaged.push(false);
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); ops.len()];
    let pass = for_chunks_in(
        workers,
        settings.samples,
        0..settings.chunks(),
        |chunk| {
            chunk_columns_averaged(program, &seeds, chunk, settings.samples, &ops, &averaged)
        },
        |part: Vec<Vec<f64>>| {
            for (all, p) in columns.iter_mut().zip(part) {
                all.extend(p);
            }
            Ok(Flow::Continue)
        },
        progress,
    )?;
    Ok(match pass.stopped() {
        Some(stopped) => stopped,
        None => Outcome::Completed((factors, columns)),
    })
}
