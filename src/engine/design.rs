//! Sampling designs: where each random node's uniforms come from.
//!
//! - `mc`: independent uniforms from the node's stream.
//! - `antithetic`: pairs (u, 1 - u) within each block; the interval comes
//!   from the pair means, which are independent.
//! - `lhs`: a Latin hypercube within each chunk: each node's uniforms are
//!   one per stratum of 1/L (L the chunk's length), in a random order from
//!   the node's stream. The interval uses the Monte Carlo formula, which is
//!   conservative for LHS (its variance is at most n/(n-1) that of MC).
//! - `qmc`: randomised quasi-Monte Carlo: Owen-scrambled Sobol points, one
//!   dimension per random node, 32 structured bits completed to an f64 with
//!   random low bits. Samples form `replicates` independent scrambles of
//!   `points` points each (8 replicates, fewer points each than 2^16 allows
//!   only when the run is small); the interval is a t interval from the spread of
//!   the replicate means.
//!
//! Every design keeps the (seed, chunk, node) identity of the streams, so
//! results are byte-identical at any thread count.

use super::chunk::{BLOCK, ChunkSpan};
use super::rng::{StreamRng, stream};

crate::choice::choice! {
    /// How a run draws each random node's uniforms.
    pub enum Design {
        /// Independent draws.
        Mc = "mc",
        /// A Latin hypercube within each chunk.
        Lhs = "lhs",
        /// Owen-scrambled Sobol points, 8 replicates.
        Qmc = "qmc",
        /// Pairs u, 1 - u.
        Antithetic = "antithetic",
    }
}

/// Independent scrambles a QMC run is split into, at least.
pub const QMC_REPLICATES: u64 = 8;
/// Most points one scrambled Sobol sequence provides here.
pub const QMC_MAX_POINTS: u64 = 1 << 16;
/// Dimensions (random nodes) QMC supports.
pub const QMC_MAX_DIMENSIONS: usize = sobol_burley::NUM_DIMENSIONS as usize;

/// Points per QMC replicate: samples / 8, rounded up to a whole block (so
/// every block lies in one replicate), at most 2^16.
pub fn qmc_points(samples: u64) -> u64 {
    let block = BLOCK as u64;
    samples
        .div_ceil(QMC_REPLICATES)
        .div_ceil(block)
        .max(1)
        .saturating_mul(block)
        .min(QMC_MAX_POINTS)
}

/// The source of one random node's uniforms within one chunk.
pub enum Uniforms {
    Mc(StreamRng),
    Antithetic(StreamRng),
    Lhs {
        values: Vec<f64>,
        next: usize,
    },
    /// Uniforms given by the caller (a rare-event method's points).
    Given {
        values: Vec<f64>,
        next: usize,
    },
    Qmc {
        dimension: u32,
        seed: u64,
        next: u64,
        points: u64,
        jitter: StreamRng,
    },
}

/// SplitMix64's finaliser, for deriving scramble keys.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Uniforms {
    /// The uniforms of stream `id`, the `dimension`-th random node, over
    /// the chunk `span`.
    pub fn new(design: Design, seed: u64, id: u64, dimension: usize, span: &ChunkSpan) -> Self {
        let ChunkSpan {
            chunk,
            start,
            len,
            samples,
        } = *span;
        let mut rng = stream(seed, chunk, id);
        match design {
            Design::Mc => Uniforms::Mc(rng),
            // Sobol points exist for so many dimensions; the nodes beyond
            // are plain Monte Carlo from their own streams (language 1.2),
            // which keeps every replicate independent and its interval valid.
            Design::Qmc if dimension >= QMC_MAX_DIMENSIONS => Uniforms::Mc(rng),
            Design::Antithetic => Uniforms::Antithetic(rng),
            Design::Lhs => {
                let mut jitter = vec![0.0; len];
                let mut order = vec![0.0; len];
                rng.fill_unit(&mut jitter);
                rng.fill_unit(&mut order);
                // Fisher-Yates with the node's own uniforms.
                let mut strata: Vec<u32> = (0..len as u32).collect();
                for i in (1..len).rev() {
                    let j = ((order[i] * (i + 1) as f64) as usize).min(i);
                    strata.swap(i, j);
                }
                let values = strata
                    .iter()
                    .zip(&jitter)
                    .map(|(&s, &v)| {
                        ((s as f64 + v) / len as f64)
                            .clamp(f64::EPSILON / 2.0, 1.0 - f64::EPSILON / 2.0)
                    })
                    .collect();
                Uniforms::Lhs { values, next: 0 }
            }
            Design::Qmc => Uniforms::Qmc {
                dimension: dimension as u32,
                seed,
                next: start,
                points: qmc_points(samples),
                jitter: rng,
            },
        }
    }

    pub fn fill_unit(&mut self, out: &mut [f64]) {
        match self {
            Uniforms::Mc(rng) => rng.fill_unit(out),
            Uniforms::Antithetic(rng) => {
                let pairs = out.len() / 2;
                let mut half = vec![0.0; pairs + out.len() % 2];
                rng.fill_unit(&mut half);
                for (k, &v) in half.iter().take(pairs).enumerate() {
                    out[2 * k] = v;
                    out[2 * k + 1] = 1.0 - v;
                }
                if out.len() % 2 == 1 {
                    out[out.len() - 1] = half[pairs];
                }
            }
            Uniforms::Lhs { values, next } | Uniforms::Given { values, next } => {
                out.copy_from_slice(&values[*next..*next + out.len()]);
                *next += out.len();
            }
            Uniforms::Qmc {
                dimension,
                seed,
                next,
                points,
                jitter,
            } => {
                use sobol_burley::parts::{hash, owen_scramble_rev, sobol_rev};
                let mut low = vec![0.0; out.len()];
                jitter.fill_unit(&mut low);
                for (o, l) in out.iter_mut().zip(low) {
                    let (replicate, point) = (*next / *points, (*next % *points) as u32);
                    let key =
                        mix(mix(*seed ^ 0x51ab_0cc0_7e5f_ed00) ^ replicate) ^ u64::from(*dimension);
                    let scramble = hash((key ^ (key >> 32)) as u32);
                    let bits =
                        owen_scramble_rev(sobol_rev(point.reverse_bits(), *dimension), scramble)
                            .reverse_bits();
                    // The 32 structured bits, completed with random low bits.
                    *o = ((bits as f64 + l) / 4_294_967_296.0)
                        .clamp(f64::EPSILON / 2.0, 1.0 - f64::EPSILON / 2.0);
                    *next += 1;
                }
            }
        }
    }
}

/// The QMC uniforms of one random node over the chunk `span`: dimension
/// `dimension` of the point set scrambled under `seed`, with the random low
/// bits from the stream (`jitter_seed`, chunk, `id`). A Sobol sensitivity
/// design takes matrix A from dimensions 0..d and matrix B from d..2d of
/// one such point set. Its rows are one scramble of up to 2^16 points (the
/// next 2^16 rows another, independent one), not 8 scrambles of N / 8
/// points like a run's: the estimate pools every row, and a net of N
/// points integrates far better than eight of N / 8 (on the 8-input
/// G-function at N = 16,384, the largest error over 10 seeds fell from
/// 0.0085 to 0.002).
pub fn qmc_uniforms(
    seed: u64,
    dimension: usize,
    jitter_seed: u64,
    id: u64,
    span: &ChunkSpan,
) -> Uniforms {
    Uniforms::Qmc {
        dimension: dimension as u32,
        seed,
        next: span.start,
        points: QMC_MAX_POINTS,
        jitter: stream(jitter_seed, span.chunk, id),
    }
}

/// All streams of a program for one chunk, under `design`: one per design
/// dimension (`Program::dimensions`), random node k's at every step under
/// `seeds[k]`, so that a node is one factor over all its steps.
pub fn chunk_streams(
    program: &super::program::Program,
    design: Design,
    seeds: &[u64],
    chunk: u64,
    samples: u64,
) -> Vec<Uniforms> {
    let span = ChunkSpan::of(chunk, samples);
    if program.stepping.is_none() {
        return program
            .streams
            .iter()
            .zip(seeds)
            .enumerate()
            .map(|(d, (&id, &seed))| Uniforms::new(design, seed, id, d, &span))
            .collect();
    }
    program
        .dimensions()
        .into_iter()
        .enumerate()
        .map(|(d, (k, step))| {
            let id = super::rng::step_stream_id(program.streams[k], step);
            Uniforms::new(design, seeds[k], id, d, &span)
        })
        .collect()
}
