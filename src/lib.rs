//! gaprisk: Monte Carlo risk estimation from model files.
//!
//! The crate is organised as the pipeline it runs, each layer using only
//! those below it: `model` (the model language: parse, validate, compile),
//! `distributions`, `engine` (streams, block evaluation, the parallel
//! scheduler, accumulators), `stats` and `summary` (estimators, intervals),
//! `analysis` (compare, sweep, sensitivity), `output` (file formats and
//! tables), and `jobs` (a request validated into a job, run with its own
//! cancellation token and progress callback, returning data and the exact
//! bytes of each file). The shells sit on top: `cli` (the `cli` feature),
//! the server and the Python package.

pub mod analysis;
#[cfg(feature = "cli")]
pub mod cli;
pub mod distributions;
pub mod engine;
pub mod error;
pub mod jobs;
pub mod model;
pub mod output;
pub mod stats;
pub mod summary;
