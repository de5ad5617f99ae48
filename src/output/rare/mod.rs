//! What `rare` leaves behind: its results (`RareResults`), rare.csv and
//! manifest.json, the text it prints and its section of report.html.

mod manifest;
pub mod rare_csv;
pub(super) mod report;
pub mod terminal;

use crate::output::format::manifest::{AnalysisRun, ModelId};

#[derive(Debug, Clone)]
pub struct RareResults {
    pub model: ModelId,
    pub quantity: String,
    pub estimate: crate::analysis::rare::RareEstimate,
    pub run: AnalysisRun,
}
