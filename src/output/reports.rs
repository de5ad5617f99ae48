//! The results of `compare`, `sweep` and `sensitivity` as the exporters see
//! them, and their files: the CSV of each, and a manifest in the shape all
//! analyses share.

use super::format::exporter::Exporter;
use super::format::manifest::{self, AnalysisRun, Manifest, ModelId};
use super::format::tabular::{Table, Tabular};
use super::sensitivity_csv;
use crate::analysis::sensitivity::Sensitivity;
use crate::error::Result;

#[derive(Debug, Clone)]
pub struct SensitivityResults {
    pub model: ModelId,
    pub quantity: String,
    pub bootstrap: usize,
    pub result: Sensitivity,
    pub run: AnalysisRun,
}

#[derive(Debug, Clone)]
pub struct RareResults {
    pub model: ModelId,
    pub quantity: String,
    pub estimate: crate::analysis::rare::RareEstimate,
    pub run: AnalysisRun,
}

impl Exporter<RareResults> for Manifest {
    fn file_name(&self) -> &'static str {
        manifest::FILE_NAME
    }

    fn serialize(&self, r: &RareResults) -> Result<Vec<u8>> {
        let e = &r.estimate;
        let levels: Vec<serde_json::Value> = e
            .levels
            .iter()
            .map(|l| {
                serde_json::json!({
                    "threshold": l.threshold,
                    "probability": l.probability,
                    "cov": l.cov,
                    "acceptance": l.acceptance,
                })
            })
            .collect();
        manifest::analysis(
            "rare",
            &[&r.model],
            &r.run,
            serde_json::json!({
                "method": e.method.name(),
                "quantity": r.quantity,
                "evaluations": e.evaluations,
                "level_probability": crate::analysis::rare::LEVEL_PROBABILITY,
                "levels": levels,
                "warnings": e.warnings,
            }),
        )
    }
}

pub struct SensitivityCsv;

impl Tabular<SensitivityResults> for SensitivityCsv {
    fn csv_name(&self) -> &'static str {
        sensitivity_csv::FILE_NAME
    }

    fn parquet_name(&self) -> &'static str {
        sensitivity_csv::PARQUET_NAME
    }

    fn table(&self, r: &SensitivityResults) -> Result<Table> {
        Ok(sensitivity_csv::table(
            &r.model.name,
            &r.quantity,
            &r.result,
            r.run.confidence,
        ))
    }
}

impl Exporter<SensitivityResults> for Manifest {
    fn file_name(&self) -> &'static str {
        manifest::FILE_NAME
    }

    fn serialize(&self, r: &SensitivityResults) -> Result<Vec<u8>> {
        let sobol = r.result.method == "sobol";
        let qmc = r.run.settings.design == crate::engine::design::Design::Qmc;
        let mut details = serde_json::json!({
            "method": r.result.method,
            "quantity": r.quantity,
            "evaluations": r.result.evaluations,
            "reference": r.result.reference,
            "notes": r.result.notes,
            "bootstrap": null,
        });
        if sobol {
            // The design, its estimators and where the intervals come from.
            let extra = if qmc {
                serde_json::json!({
                    "design": "qmc",
                    "estimators": "azzini-2020",
                    "interval": "blocks-t",
                    "blocks": crate::analysis::sensitivity::sobol_blocks(r.result.samples),
                })
            } else {
                serde_json::json!({
                    "design": "mc",
                    "estimators": "azzini-2020",
                    "interval": "bootstrap-percentile",
                    "bootstrap": r.bootstrap,
                })
            };
            details
                .as_object_mut()
                .expect("an object")
                .extend(extra.as_object().expect("an object").clone());
        }
        manifest::analysis("sensitivity", &[&r.model], &r.run, details)
    }
}
