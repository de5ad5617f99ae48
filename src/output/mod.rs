//! What a run leaves behind: files in the output folder (one `Exporter` per
//! format, each written atomically) and the table printed to the terminal.
//! Result tables are built once (`tabular::Table`) and written as CSV,
//! Parquet or both.

pub mod atomic;
pub mod compare_csv;
pub mod convergence_csv;
pub mod draws;
pub mod histogram_csv;
pub mod manifest;
pub mod parquet;
pub mod part;
pub mod quantiles_csv;
pub mod rare_csv;
pub mod report;
pub mod reports;
pub mod sensitivity_csv;
pub mod summary_csv;
pub mod sweep_csv;
pub mod table;
pub mod tabular;

use crate::error::{Error, Result};
use crate::summary::convergence::ConvergencePoint;
use crate::summary::histogram::Bin;
use crate::summary::{QuantitySummary, SummarySettings};
use std::path::Path;

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

/// One output file format, for the results `R` of one kind of job.
pub trait Exporter<R> {
    fn file_name(&self) -> &'static str;
    fn serialize(&self, report: &R) -> Result<Vec<u8>>;
}

/// One file of a job's results: its name in the output folder and its
/// exact bytes. Every shell writes or serves these bytes as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Each exporter's file for `report`, in order.
pub fn export<R>(report: &R, exporters: &[&dyn Exporter<R>]) -> Result<Vec<OutputFile>> {
    exporters
        .iter()
        .map(|e| {
            Ok(OutputFile {
                name: e.file_name().to_string(),
                bytes: e.serialize(report)?,
            })
        })
        .collect()
}

/// Writes `files` into `dir`, each atomically. When they are a whole
/// result (they hold a manifest), the folder is left holding this result
/// alone: the files the folder's previous manifest lists and this one does
/// not (a draws.csv of an earlier seed, a report turned off) are removed
/// after the new files are in place. Nothing else is ever removed.
pub fn write_all(dir: &Path, files: &[OutputFile]) -> Result<()> {
    let manifest_of = |bytes: &[u8]| -> Option<Vec<String>> {
        let json: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        json.get("gaprisk_version")?;
        json.get("files")?
            .as_array()?
            .iter()
            .map(|f| f.as_str().map(str::to_string))
            .collect()
    };
    let new_manifest = files.iter().find(|f| f.name == manifest::FILE_NAME);
    let stale: Vec<String> = match new_manifest.and_then(|m| manifest_of(&m.bytes)) {
        Some(now) => std::fs::read(dir.join(manifest::FILE_NAME))
            .ok()
            .and_then(|old| manifest_of(&old))
            .unwrap_or_default()
            .into_iter()
            .filter(|name| !now.contains(name) && is_plain_file_name(name))
            .collect(),
        None => Vec::new(),
    };
    for f in files {
        atomic::write(&dir.join(&f.name), &f.bytes)?;
    }
    for name in stale {
        let path = dir.join(&name);
        if path.symlink_metadata().is_ok_and(|m| m.is_file()) {
            std::fs::remove_file(&path)
                .map_err(|e| Error::io(format!("cannot remove {}", path.display()), e))?;
        }
    }
    Ok(())
}

/// A name a manifest may list for removal: a file directly in the folder,
/// not a path, not hidden.
fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && Path::new(name).file_name().is_some_and(|f| f == name)
}

/// Formats a number for CSV and JSON-free text: shortest round-trip form,
/// `NaN` for undefined values (pandas, polars and R read it as missing).
/// Magnitudes below 1e-5 or from 1e16 up take exponent form (`1.5e-50`),
/// which every CSV reader reads, where positional form would spell out
/// dozens of zeros.
pub fn number(x: f64) -> String {
    let a = x.abs();
    if x.is_nan() {
        "NaN".to_string()
    } else if a != 0.0 && a.is_finite() && !(1e-5..1e16).contains(&a) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn numbers_read_back_and_tiny_ones_take_exponent_form() {
        let cases = [
            (0.0, "0"),
            (-0.0, "-0"),
            (0.25, "0.25"),
            (0.000033974432469470896, "0.000033974432469470896"),
            (3.332000937312528e-11, "3.332000937312528e-11"),
            (-1.5e-50, "-1.5e-50"),
            (123456.5, "123456.5"),
            (2.5e17, "2.5e17"),
            (f64::INFINITY, "inf"),
            (f64::NAN, "NaN"),
        ];
        for (x, text) in cases {
            assert_eq!(number(x), text);
            if !x.is_nan() {
                assert_eq!(
                    text.parse::<f64>().unwrap().to_bits(),
                    x.to_bits(),
                    "{text}"
                );
            }
        }
    }
}
