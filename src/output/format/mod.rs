//! How results become files, whatever the command: an `Exporter` per file,
//! result tables written as CSV or Parquet (`tabular`, `parquet`), the
//! manifest every result folder holds, numbers as text, and files written
//! atomically into the output folder.

pub mod atomic;
pub mod exporter;
pub mod folder;
pub mod manifest;
pub mod number;
pub mod parquet;
pub mod tabular;
