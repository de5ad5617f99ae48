//! The sampling engine: compiled programs, random streams, block
//! evaluation, per-chunk accumulators, and the parallel runner.

pub mod accumulate;
pub mod copula;
pub mod design;
pub mod eval;
pub mod parts;
pub mod program;
pub mod rng;
pub mod runner;
pub(crate) mod simd;

pub use accumulate::{Accumulators, QuantityAccumulator};
pub use runner::{
    CHUNK_SIZE, ManyResult, PairedAccumulator, Pairing, RunSettings, request_stop, run, run_many,
    run_until, stop_requested,
};
