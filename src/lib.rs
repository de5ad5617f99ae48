//! gaprisk: Monte Carlo risk estimation from model files.
//!
//! The library is the product; the command line (`crates/cli`), the
//! service (`crates/server`) and the Python package (`python/`) are shells
//! over it, and see only what this file makes public:
//!
//! - the commands' options, declared once (`spec`): what the CLI parses,
//!   the service and the Python package read from JSON, and the service's
//!   OpenAPI document publishes;
//! - a job built from them and run (`Job`, `RunContext`, `Outcome`), with
//!   its model files (`LayeredFiles`) and limits (`Limits`), and the jobs
//!   that are not options of a model (`MergeJob`, `ReportJob`, `check`);
//! - its result files (`files`) and what a live page draws (`live`);
//! - errors (`Error`).
//!
//! Inside, layers use only those below them: `distributions` and `stats`
//! (families and estimators); `engine` (streams, block evaluation, the
//! parallel scheduler, accumulators, cancellation); `model` (the model
//! language: parse, validate, compile to an engine program) and `summary`;
//! `analysis` (compare, sweep, sensitivity, rare events); `output` (each
//! command's files, terminal text and report.html section); `jobs` (a spec
//! validated into a job, run with its own cancellation token and progress
//! callback, returning data and the exact bytes of each file). `simd`
//! (which instruction set the hot loops run) is below them all. The layers
//! are public only with the `internals` feature, for benches, fuzz targets
//! and tests that reach inside.

mod choice;
pub mod error;
pub(crate) mod simd;

/// Each layer: public with `internals`, the crate's own otherwise.
macro_rules! layers {
    ($($layer:ident),*) => {$(
        #[cfg(feature = "internals")] pub mod $layer;
        #[cfg(not(feature = "internals"))] pub(crate) mod $layer;
    )*};
}
layers!(
    analysis,
    distributions,
    engine,
    jobs,
    model,
    output,
    stats,
    summary
);

pub use engine::{CancelToken, Outcome, Workers};
pub use error::{Error, ModelError, Result};
pub use jobs::check::{CheckResults, Entry, check, model_info};
pub use jobs::merge::MergeJob;
pub use jobs::report::ReportJob;
pub use jobs::run::RunSinks;
pub use jobs::spec;
pub use jobs::{Job, JobOutput, Limits, Presentation, RunContext, Watched};
pub use model::files::{LayeredFiles, ModelFiles};

/// A job's result files: written into a folder, or served, as they are.
pub mod files {
    pub use crate::output::format::atomic::{remove_stale, write as write_atomically};
    pub use crate::output::format::manifest::{FILE_NAME as MANIFEST, with_job_id};
    pub use crate::output::report::{FILE_NAME as REPORT, INPUT_FILES as REPORT_INPUTS};
    pub use crate::output::run::draws::{DrawsFile, DrawsFormat};
    pub use crate::output::{OutputFile, write_all};
}

/// What a page draws while a run goes: its convergence points, as the
/// report's convergence chart draws them.
pub mod live {
    pub use crate::output::report::live_convergence_chart;
    pub use crate::summary::Estimate;
    pub use crate::summary::convergence::ConvergencePoint;
}
