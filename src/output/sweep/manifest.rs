//! A sweep's `manifest.json`: each swept input with its values, and the
//! number of points.

use super::SweepResults;
use crate::error::Result;
use crate::output::format::exporter::Exporter;
use crate::output::format::manifest::{self, Manifest};

impl Exporter<SweepResults> for Manifest {
    fn file_name(&self) -> &'static str {
        manifest::FILE_NAME
    }

    fn serialize(&self, r: &SweepResults) -> Result<Vec<u8>> {
        let axes: Vec<serde_json::Value> = r
            .axes
            .iter()
            .map(|a| serde_json::json!({ "input": a.name, "values": a.values }))
            .collect();
        manifest::analysis(
            "sweep",
            &[&r.model],
            &r.run,
            serde_json::json!({ "axes": axes, "points": r.points.len() }),
        )
    }
}
