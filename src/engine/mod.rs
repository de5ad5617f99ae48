//! The sampling engine: compiled programs, random streams, block
//! evaluation, per-chunk accumulators, and the parallel scheduler.

pub mod accumulate;
pub mod cancel;
pub mod chunk;
pub mod copula;
pub mod design;
pub mod eval;
pub mod evaluate;
pub mod many;
pub mod operators;
pub mod parts;
pub mod program;
pub mod refine;
pub mod rng;
pub mod runner;
pub mod schedule;
pub mod settings;
pub mod vmath;

pub use accumulate::{Accumulators, QuantityAccumulator};
pub use cancel::{CancelToken, Outcome};
pub use chunk::CHUNK_SIZE;
pub use many::{ManyResult, PairedAccumulator, Pairing, run_many, run_many_all};
pub use runner::RunSettings;
// Whole runs of one program: what benches and tests call (`internals`).
#[cfg_attr(not(feature = "internals"), allow(unused_imports))]
pub use runner::{run, run_until};
pub use schedule::{Pass, Workers};
