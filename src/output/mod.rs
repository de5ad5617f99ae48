//! What a run leaves behind: files in the output folder (one `Exporter` per
//! format, each written atomically) and the table printed to the terminal.
//! Result tables are built once (`tabular::Table`) and written as CSV,
//! Parquet or both.

pub mod compare_csv;
pub mod convergence_csv;
pub mod draws;
pub mod format;
pub mod histogram_csv;
mod html;
pub mod part;
pub mod quantiles_csv;
pub mod rare_csv;
pub mod report;
pub mod reports;
pub mod sensitivity_csv;
pub mod summary_csv;
pub mod sweep_csv;
pub mod table;

pub use format::exporter::{Exporter, OutputFile, export};
pub use format::folder::write_all;

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
