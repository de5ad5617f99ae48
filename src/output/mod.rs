//! What each command leaves behind, kept together per command so that a
//! command's outputs are read and changed in one place: `run`, `compare`,
//! `sweep`, `sensitivity` and `rare` each hold the command's results type
//! (`RunResults`, ...), the exporters of its files, the text it prints and
//! its section of report.html. `merge` writes a run's, a comparison's or a
//! sensitivity analysis's files through those. `check` writes no files:
//! what it prints is with its results, in `jobs::check`.
//!
//! What all commands share sits below them: `format`, how results become
//! files (exporters, result tables as CSV or Parquet, manifests, numbers as
//! text, atomic writes), and `html`, report.html's machinery (reading a
//! result folder, charts, HTML). `report` is report.html itself, above
//! them all: one section per result folder, by the command that made it.
//! `part` is the part files of a sharded job, which `merge` reads.

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
