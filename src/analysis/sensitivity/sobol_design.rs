//! The model's values for a Sobol design.
//!
//! Sobol design without matrices: every random node draws its uniforms from
//! its own stream, so "matrix A" is the streams of seed A, "matrix B" those
//! of seed B, and "A with column i from B" draws node i from seed B and all
//! others from seed A. The factors are the random nodes' own uniforms: for
//! an input that is the input itself; for a random derived node (such as
//! `attempt ~ bernoulli(p_attempt)`) it is the randomness the node adds
//! beyond its parents. Constants are not factors.

use super::quantity_operand;
use crate::engine::chunk::ChunkSpan;
use crate::engine::design::{Design, QMC_MAX_DIMENSIONS, chunk_streams, qmc_uniforms};
use crate::engine::rng::step_stream_id;
use crate::engine::many::columns_from;
use crate::engine::program::Program;
use crate::engine::schedule::{Flow, for_chunks_in};
use crate::engine::{RunSettings, Workers};
use crate::error::{Error, Result};

/// Seed offset of matrix B's streams.
const B_STREAMS: u64 = 0x5b0b_01d5_eed0_000b;

/// The model's values for the Sobol design (A, B, A with node i from B for
/// every i, then B with node i from A for every i) over the chunks of `range`, one chunk at a time, in chunk order.
///
/// Under `settings.design` mc, A and B are the streams of two seeds. Under
/// qmc, A and B are the two halves of one 2d-dimensional Owen-scrambled
/// Sobol point set (one scramble per 2^16 rows): node k takes dimension k
/// in A and d + k in B (its random low bits from the streams of the two
/// seeds), so that every row of (A, B) is one point of the set.
pub fn sobol_evaluations(
    program: &Program,
    quantity: usize,
    settings: &RunSettings,
    workers: &Workers,
    range: std::ops::Range<u64>,
    absorb: &mut dyn FnMut(Vec<Vec<f64>>),
    progress: &mut dyn FnMut(u64),
) -> Result<crate::engine::Pass> {
    let d = program.streams.len();
    if d == 0 {
        return Err(Error::option(
            "method",
            "the model has no random node: nothing to analyse",
        ));
    }
    let qmc = match settings.design {
        Design::Qmc => true,
        Design::Mc => false,
        other => {
            return Err(Error::option(
                "design",
                format!("a Sobol design is qmc or mc, not {}", other.name()),
            ));
        }
    };
    let dimensions = program.dimension_count();
    if qmc && 2 * dimensions > QMC_MAX_DIMENSIONS {
        let has = if program.stepping.is_some() {
            format!("{dimensions} node-steps (a random derived node counts once per step)")
        } else {
            format!("{d}")
        };
        return Err(Error::option(
            "design",
            format!(
                "{{design}} qmc supports Sobol indices over at most {} random nodes (2d dimensions of at most {QMC_MAX_DIMENSIONS}); this model has {has}: use {{design}} mc",
                QMC_MAX_DIMENSIONS / 2
            ),
        ));
    }
    // Per matrix, which node draws from B: A, B, AB_i, BA_i.
    let mut configs = vec![vec![false; d], vec![true; d]];
    for i in 0..d {
        let mut c = vec![false; d];
        c[i] = true;
        configs.push(c);
    }
    for i in 0..d {
        let mut c = vec![true; d];
        c[i] = false;
        configs.push(c);
    }
    matrix_evaluations(
        program, quantity, settings, workers, range, &configs, absorb, progress,
    )
}

/// The model's values for matrices mixing A and B: `configs[m][k]` says
/// whether node k of matrix m draws from B.
#[allow(clippy::too_many_arguments)]
pub(super) fn matrix_evaluations(
    program: &Program,
    quantity: usize,
    settings: &RunSettings,
    workers: &Workers,
    range: std::ops::Range<u64>,
    configs: &[Vec<bool>],
    absorb: &mut dyn FnMut(Vec<Vec<f64>>),
    progress: &mut dyn FnMut(u64),
) -> Result<crate::engine::Pass> {
    let dimensions = program.dimensions();
    let qmc = settings.design == Design::Qmc;
    let seed_a = settings.seed;
    let seed_b = settings.seed ^ B_STREAMS;
    let op = [quantity_operand(program, quantity)];
    let samples = settings.samples;
    for_chunks_in(
        workers,
        samples,
        range,
        |chunk| {
            let span = ChunkSpan::of(chunk, samples);
            configs
                .iter()
                .map(|from_b| {
                    let rngs = if qmc {
                        // Node k at step s is design dimension j (a static
                        // model's j is k); B's dimensions follow A's.
                        let total = dimensions.len();
                        dimensions
                            .iter()
                            .enumerate()
                            .map(|(j, &(k, step))| {
                                let id = step_stream_id(program.streams[k], step);
                                let (dimension, jitter) = if from_b[k] {
                                    (total + j, seed_b)
                                } else {
                                    (j, seed_a)
                                };
                                qmc_uniforms(seed_a, dimension, jitter, id, &span)
                            })
                            .collect()
                    } else {
                        let seeds: Vec<u64> = from_b
                            .iter()
                            .map(|&b| if b { seed_b } else { seed_a })
                            .collect();
                        chunk_streams(program, Design::Mc, &seeds, chunk, samples)
                    };
                    columns_from(program, rngs, chunk, samples, &op)
                        .pop()
                        .expect("one operand")
                })
                .collect::<Vec<Vec<f64>>>()
        },
        |columns: Vec<Vec<f64>>| {
            absorb(columns);
            Ok(Flow::Continue)
        },
        progress,
    )
}
