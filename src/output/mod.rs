//! What a run leaves behind: files in the output folder (one `Exporter` per
//! format, each written atomically) and the table printed to the terminal.
//! Result tables are built once (`tabular::Table`) and written as CSV,
//! Parquet or both.

pub mod compare;
pub mod format;
mod html;
pub mod part;
pub mod rare;
pub mod report;
pub mod run;
pub mod sensitivity;
pub mod sweep;

pub use format::exporter::{Exporter, OutputFile, export};
pub use format::folder::write_all;
