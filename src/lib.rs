//! gaprisk: Monte Carlo risk estimation from model files.
//!
//! The crate is organised as the pipeline it runs: `model` (parse,
//! validate, compile), `dist` (distributions), `engine` (streams, block
//! evaluation, parallel runner, accumulators), `stats` (estimators and
//! intervals), `report` (from accumulators to summaries), `output` (files
//! and tables) and `cli`.

pub mod analysis;
pub mod cli;
pub mod dist;
pub mod engine;
pub mod error;
pub mod model;
pub mod output;
pub mod stats;
pub mod summary;
