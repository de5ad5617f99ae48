//! What `sweep` leaves behind: its results (`SweepResults`), sweep.csv and
//! manifest.json, the text it prints and its section of report.html.

mod manifest;
pub(super) mod report;
pub mod sweep_csv;
pub mod terminal;

use crate::analysis::sweep::{Axis, SweepPoint};
use crate::output::format::manifest::{AnalysisRun, ModelId};

#[derive(Debug, Clone)]
pub struct SweepResults {
    pub model: ModelId,
    pub axes: Vec<Axis>,
    pub points: Vec<SweepPoint>,
    pub run: AnalysisRun,
}
