//! gaprisk: Monte Carlo risk estimation from model files.
//!
//! Layers, each using only those below it (README, "Architecture"):
//! `distributions` and `stats` (families and estimators); `engine`
//! (streams, block evaluation, the parallel scheduler, accumulators,
//! cancellation); `model` (the model language: parse, validate, compile to
//! an engine program) and `summary`; `analysis` (compare, sweep,
//! sensitivity); `output` (each command's files, terminal text and
//! report.html section); `jobs` (a request validated into a job, run with
//! its own cancellation token and progress callback, returning data and
//! the exact bytes of each file). The shells sit on top: `cli` (the `cli`
//! feature), the server (the `server` feature) and the Python package
//! (python/). `simd` (which instruction set the hot loops run) is below
//! them all.

pub mod analysis;
mod choice;
#[cfg(feature = "cli")]
pub mod cli;
pub mod distributions;
pub mod engine;
pub mod error;
pub mod jobs;
pub mod model;
pub mod output;
#[cfg(feature = "server")]
pub mod server;
pub(crate) mod simd;
pub mod stats;
pub mod summary;
