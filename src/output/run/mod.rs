//! What `run` (and `merge` of a run's parts) leaves behind: its results
//! (`RunResults`), the files made of them (summary.csv, quantiles.csv,
//! histogram.csv, convergence.csv, horizon.csv, manifest.json; draws.csv
//! streamed while it runs), the text it prints and its section of
//! report.html.

pub mod convergence_csv;
pub mod draws;
pub mod histogram_csv;
pub mod horizon_csv;
pub(super) mod horizon_report;
mod manifest;
pub mod quantiles_csv;
pub(super) mod report;
pub mod summary_csv;
pub mod terminal;

use crate::summary::convergence::ConvergencePoint;
use crate::summary::histogram::Bin;
use crate::summary::{QuantitySummary, SummarySettings};

/// Everything the exporters need to describe one finished run.
#[derive(Debug, Clone)]
pub struct RunResults {
    pub model_name: String,
    pub model_title: Option<String>,
    pub model_file: String,
    pub model_hash: String,
    pub seed: u64,
    pub samples: u64,
    pub threads: usize,
    pub summary: SummarySettings,
    pub quantities: Vec<QuantitySummary>,
    /// A stepped model's rows at every step (horizon.csv); None for a
    /// static model.
    pub horizon: Option<Vec<crate::summary::horizon::HorizonRow>>,
    /// A stepped model's time steps.
    pub steps: Option<StepsInfo>,
    /// Each quantity's histogram, in `quantities` order (empty for events).
    pub histograms: Vec<Vec<Bin>>,
    /// The estimates at chunk boundaries, the last the final one.
    pub convergence: Vec<ConvergencePoint>,
    pub elapsed_seconds: f64,
    /// File names written to the output folder, summary first.
    pub files: Vec<String>,
    /// How a stopping rule ended the run, if one was given.
    pub stopping: Option<StoppingOutcome>,
    /// True when the run was interrupted (Ctrl-C, SIGTERM): the results are
    /// those of the chunks completed, `samples` of them.
    pub partial: bool,
}

/// A stepped model's time steps, as manifest.json states them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StepsInfo {
    pub steps: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_unit: Option<String>,
    /// Design dimensions (node-steps): the first 256 are Sobol points
    /// under `--design qmc`, the rest plain Monte Carlo.
    pub dimensions: usize,
}

impl StepsInfo {
    pub fn of(program: &crate::engine::program::Program) -> Option<StepsInfo> {
        program.stepping.as_ref().map(|s| StepsInfo {
            steps: s.steps,
            step_unit: s.unit.clone(),
            dimensions: s.dimensions,
        })
    }
}

/// What a stopping rule did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoppingOutcome {
    /// The rule, in words.
    pub rule: String,
    pub target: String,
    /// True if the rule was met; false if --max-samples came first.
    pub reached: bool,
    pub samples: u64,
}
