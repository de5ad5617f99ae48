//! What every command's files go through: an `Exporter` per file format
//! turns a command's results into a file's exact bytes (`OutputFile`), which
//! every shell writes or serves as they are.

use crate::error::Result;

/// One output file format, for the results `R` of one kind of job.
pub trait Exporter<R> {
    fn file_name(&self) -> &'static str;
    fn serialize(&self, results: &R) -> Result<Vec<u8>>;
}

/// One file of a job's results: its name in the output folder and its
/// exact bytes. Every shell writes or serves these bytes as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Each exporter's file for `results`, in order.
pub fn export<R>(results: &R, exporters: &[&dyn Exporter<R>]) -> Result<Vec<OutputFile>> {
    exporters
        .iter()
        .map(|e| {
            Ok(OutputFile {
                name: e.file_name().to_string(),
                bytes: e.serialize(results)?,
            })
        })
        .collect()
}
