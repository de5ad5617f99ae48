//! Results that are tables (summary, histogram, convergence, compare, sweep,
//! sensitivity), built once as typed columns and written as CSV or as
//! Parquet: one `Exporter` per format over the same `Table`, so the two
//! files hold the same values by construction.

use super::exporter::Exporter;
use super::number::number;
use crate::error::{Error, Result};

/// The type of a table's column: what Parquet stores it as, and how CSV
/// writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text (Parquet: UTF-8 byte arrays).
    Text,
    /// Whole numbers, possibly missing (Parquet: optional INT64; CSV: an
    /// empty field when missing).
    Int,
    /// Numbers (Parquet: DOUBLE; CSV: the shortest form that reads back to
    /// the same `f64`, `NaN` when undefined).
    Float,
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(Option<u64>),
    Float(f64),
}

impl Cell {
    fn kind(&self) -> Kind {
        match self {
            Cell::Text(_) => Kind::Text,
            Cell::Int(_) => Kind::Int,
            Cell::Float(_) => Kind::Float,
        }
    }

    fn to_csv(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(Some(n)) => n.to_string(),
            Cell::Int(None) => String::new(),
            Cell::Float(x) => number(*x),
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Cell {
        Cell::Int(Some(n))
    }
}

impl From<usize> for Cell {
    fn from(n: usize) -> Cell {
        Cell::Int(Some(n as u64))
    }
}

impl From<f64> for Cell {
    fn from(x: f64) -> Cell {
        Cell::Float(x)
    }
}

/// A table: named, typed columns and rows of cells of those types.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub columns: Vec<(String, Kind)>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = (S, Kind)>) -> Table {
        Table {
            columns: columns.into_iter().map(|(n, k)| (n.into(), k)).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row; its cells must match the columns in number and kind.
    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.columns.len(), "row width");
        debug_assert!(
            row.iter()
                .zip(&self.columns)
                .all(|(c, (_, k))| c.kind() == *k),
            "cell kinds must match the columns"
        );
        self.rows.push(row);
    }

    /// The table as CSV: a header, then one record per row.
    pub fn to_csv(&self, name: &str) -> Result<Vec<u8>> {
        let fail = |e: String| Error::io(format!("cannot format {name}"), std::io::Error::other(e));
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(self.columns.iter().map(|(n, _)| n))
            .map_err(|e| fail(e.to_string()))?;
        for row in &self.rows {
            w.write_record(row.iter().map(Cell::to_csv))
                .map_err(|e| fail(e.to_string()))?;
        }
        w.into_inner().map_err(|e| fail(e.to_string()))
    }
}

crate::choice::choice! {
    /// Which formats a command writes its tables in.
    pub enum TableFormat {
        /// CSV files.
        Csv = "csv",
        /// Parquet files (zstd).
        Parquet = "parquet",
        /// CSV and Parquet files.
        Both = "both",
    }
}

impl TableFormat {
    pub fn csv(self) -> bool {
        matches!(self, TableFormat::Csv | TableFormat::Both)
    }

    pub fn parquet(self) -> bool {
        matches!(self, TableFormat::Parquet | TableFormat::Both)
    }
}

/// A result file that is a table, for the results `R` of one kind of job.
pub trait Tabular<R> {
    /// Its name as CSV (`summary.csv`).
    fn csv_name(&self) -> &'static str;
    /// Its name as Parquet (`summary.parquet`).
    fn parquet_name(&self) -> &'static str;
    fn table(&self, results: &R) -> Result<Table>;
}

/// A table written as CSV.
pub struct Csv<'a, R>(pub &'a dyn Tabular<R>);

impl<R> Exporter<R> for Csv<'_, R> {
    fn file_name(&self) -> &'static str {
        self.0.csv_name()
    }

    fn serialize(&self, results: &R) -> Result<Vec<u8>> {
        self.0.table(results)?.to_csv(self.0.csv_name())
    }
}

/// A table written as Parquet.
pub struct Parquet<'a, R>(pub &'a dyn Tabular<R>);

impl<R> Exporter<R> for Parquet<'_, R> {
    fn file_name(&self) -> &'static str {
        self.0.parquet_name()
    }

    fn serialize(&self, results: &R) -> Result<Vec<u8>> {
        self.0.table(results)?.to_parquet(self.0.parquet_name())
    }
}

/// The file names of `tables` in `format`: every CSV, then every Parquet.
pub fn names<R>(tables: &[&dyn Tabular<R>], format: TableFormat) -> Vec<&'static str> {
    let mut out = Vec::new();
    if format.csv() {
        out.extend(tables.iter().map(|t| t.csv_name()));
    }
    if format.parquet() {
        out.extend(tables.iter().map(|t| t.parquet_name()));
    }
    out
}

/// The exporters of `tables` in `format`, in the order of `names`.
pub fn exporters<'a, R>(
    tables: &[&'a dyn Tabular<R>],
    format: TableFormat,
) -> Vec<Box<dyn Exporter<R> + 'a>> {
    let mut out: Vec<Box<dyn Exporter<R> + 'a>> = Vec::new();
    if format.csv() {
        for &t in tables {
            out.push(Box::new(Csv(t)));
        }
    }
    if format.parquet() {
        for &t in tables {
            out.push(Box::new(Parquet(t)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_writes_missing_whole_numbers_as_empty_fields() {
        let mut t = Table::new([("a", Kind::Text), ("n", Kind::Int), ("x", Kind::Float)]);
        t.push(vec!["p,q".into(), 3u64.into(), 0.1.into()]);
        t.push(vec!["r".into(), Cell::Int(None), f64::NAN.into()]);
        assert_eq!(
            String::from_utf8(t.to_csv("t.csv").unwrap()).unwrap(),
            "a,n,x\n\"p,q\",3,0.1\nr,,NaN\n"
        );
    }
}
