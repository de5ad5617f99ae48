//! A sensitivity analysis's `manifest.json`: the method, the quantity, and
//! for Sobol indices the design, estimators and where the intervals come
//! from.

use super::SensitivityResults;
use crate::analysis::sensitivity::Method;
use crate::engine::design::Design;
use crate::error::Result;
use crate::output::format::exporter::Exporter;
use crate::output::format::manifest::{self, Manifest};

impl Exporter<SensitivityResults> for Manifest {
    fn file_name(&self) -> &'static str {
        manifest::FILE_NAME
    }

    fn serialize(&self, r: &SensitivityResults) -> Result<Vec<u8>> {
        let sobol = r.result.method == Method::Sobol;
        let qmc = r.run.settings.design == crate::engine::design::Design::Qmc;
        let mut details = serde_json::json!({
            "method": r.result.method.name(),
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
                    "design": Design::Qmc.name(),
                    "estimators": "azzini-2020",
                    "interval": "blocks-t",
                    "blocks": crate::analysis::sensitivity::sobol_blocks(r.result.samples),
                })
            } else {
                serde_json::json!({
                    "design": Design::Mc.name(),
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
