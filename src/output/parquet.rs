//! Parquet files: result tables (`Table`) and draws streamed in row groups.
//!
//! Written with the `parquet` crate's column writers (no Arrow): numbers as
//! DOUBLE, whole numbers as INT64 (optional when a value may be missing),
//! text as UTF-8 byte arrays; zstd compression. The files are deterministic:
//! the writer records no time, and `created_by` names gaprisk's version
//! rather than the parquet crate's.

use super::tabular::{Cell, Kind, Table};
use crate::engine::eval::Values;
use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical, ZstdLevel};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::properties::{WriterProperties, WriterPropertiesPtr};
use parquet::file::writer::{SerializedColumnWriter, SerializedFileWriter};
use parquet::schema::types::{Type, TypePtr};
use std::io::Write;
use std::sync::Arc;

/// What the files say wrote them.
pub const CREATED_BY: &str = concat!("gaprisk version ", env!("CARGO_PKG_VERSION"));

/// zstd level 3, zstd's own default: most of level 19's ratio on these
/// files at a fraction of its time (BENCHMARKS.md, "Parquet").
const ZSTD_LEVEL: i32 = 3;

/// Rows of draws per row group: 4 chunks. The writer holds one row group
/// in memory (about 40 MB for the baseline's 75 columns), whatever the
/// sample count.
pub const DRAWS_ROW_GROUP: usize = 65_536;

fn properties() -> WriterPropertiesPtr {
    Arc::new(
        WriterProperties::builder()
            .set_created_by(CREATED_BY.to_string())
            .set_compression(Compression::ZSTD(
                ZstdLevel::try_new(ZSTD_LEVEL).expect("a valid zstd level"),
            ))
            .build(),
    )
}

fn column_type(name: &str, kind: Kind) -> Result<TypePtr, ParquetError> {
    let t = match kind {
        Kind::Text => Type::primitive_type_builder(name, Physical::BYTE_ARRAY)
            .with_repetition(Repetition::REQUIRED)
            .with_logical_type(Some(LogicalType::String)),
        Kind::Int => Type::primitive_type_builder(name, Physical::INT64)
            .with_repetition(Repetition::OPTIONAL),
        Kind::Float => Type::primitive_type_builder(name, Physical::DOUBLE)
            .with_repetition(Repetition::REQUIRED),
    };
    Ok(Arc::new(t.build()?))
}

fn schema(columns: &[(String, Kind)]) -> Result<TypePtr, ParquetError> {
    let fields = columns
        .iter()
        .map(|(name, kind)| column_type(name, *kind))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Arc::new(
        Type::group_type_builder("schema")
            .with_fields(fields)
            .build()?,
    ))
}

fn int64(n: u64) -> Result<i64, ParquetError> {
    i64::try_from(n).map_err(|_| ParquetError::General(format!("{n} does not fit in INT64")))
}

/// Writes column `i` of `table`'s rows.
fn write_table_column(
    col: &mut SerializedColumnWriter,
    table: &Table,
    i: usize,
) -> Result<(), ParquetError> {
    let cells = table.rows.iter().map(|r| &r[i]);
    match table.columns[i].1 {
        Kind::Text => {
            let values: Vec<ByteArray> = cells
                .map(|c| match c {
                    Cell::Text(s) => ByteArray::from(s.as_str()),
                    _ => unreachable!("Table::push checks kinds"),
                })
                .collect();
            col.typed::<ByteArrayType>()
                .write_batch(&values, None, None)?;
        }
        Kind::Int => {
            let mut values = Vec::new();
            let mut defined = Vec::new();
            for c in cells {
                match c {
                    Cell::Int(Some(n)) => {
                        values.push(int64(*n)?);
                        defined.push(1);
                    }
                    Cell::Int(None) => defined.push(0),
                    _ => unreachable!("Table::push checks kinds"),
                }
            }
            col.typed::<Int64Type>()
                .write_batch(&values, Some(&defined), None)?;
        }
        Kind::Float => {
            let values: Vec<f64> = cells
                .map(|c| match c {
                    Cell::Float(x) => *x,
                    _ => unreachable!("Table::push checks kinds"),
                })
                .collect();
            col.typed::<DoubleType>().write_batch(&values, None, None)?;
        }
    }
    Ok(())
}

/// `table` as the bytes of a Parquet file with one row group.
pub fn table_bytes(table: &Table) -> Result<Vec<u8>, ParquetError> {
    let mut w = SerializedFileWriter::new(Vec::new(), schema(&table.columns)?, properties())?;
    let mut rg = w.next_row_group()?;
    let mut i = 0;
    while let Some(mut col) = rg.next_column()? {
        write_table_column(&mut col, table, i)?;
        col.close()?;
        i += 1;
    }
    rg.close()?;
    w.into_inner()
}

/// One block of draws as raw words, formatted on a worker thread: the
/// first sample's index and the row count, then each column's values
/// (`Program::draw_operands`, in order) as little-endian f64 bits. The
/// Parquet writer moves them into its columns without parsing text.
pub fn format_block(first: u64, n: usize, columns: &[Values], out: &mut Vec<u8>) {
    out.reserve(8 * (2 + n * columns.len()));
    out.extend_from_slice(&first.to_le_bytes());
    out.extend_from_slice(&(n as u64).to_le_bytes());
    for values in columns {
        for i in 0..n {
            out.extend_from_slice(&values.get(i).to_le_bytes());
        }
    }
}

fn word(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(bytes.try_into().expect("8 bytes"))
}

/// draws.parquet being written: `sample` (INT64), then one DOUBLE column
/// per draw column, in row groups of `DRAWS_ROW_GROUP` rows.
pub struct DrawsParquet<W: Write + Send> {
    writer: SerializedFileWriter<W>,
    samples: Vec<i64>,
    columns: Vec<Vec<f64>>,
    /// Bytes of a block split between two calls of `write`.
    pending: Vec<u8>,
}

impl<W: Write + Send> DrawsParquet<W> {
    pub fn new(out: W, names: &[String]) -> Result<Self, ParquetError> {
        let mut columns = vec![("sample".to_string(), Kind::Int)];
        columns.extend(names.iter().map(|n| (n.clone(), Kind::Float)));
        let mut fields = vec![Arc::new(
            Type::primitive_type_builder("sample", Physical::INT64)
                .with_repetition(Repetition::REQUIRED)
                .build()?,
        )];
        for (name, kind) in &columns[1..] {
            fields.push(column_type(name, *kind)?);
        }
        let schema = Arc::new(
            Type::group_type_builder("schema")
                .with_fields(fields)
                .build()?,
        );
        Ok(DrawsParquet {
            writer: SerializedFileWriter::new(out, schema, properties())?,
            samples: Vec::with_capacity(DRAWS_ROW_GROUP),
            columns: vec![Vec::with_capacity(DRAWS_ROW_GROUP); names.len()],
            pending: Vec::new(),
        })
    }

    /// Takes blocks written by `format_block`, in sample order; a block may
    /// arrive split over several calls.
    pub fn write(&mut self, mut bytes: &[u8]) -> Result<(), ParquetError> {
        let width = self.columns.len();
        if !self.pending.is_empty() {
            self.pending.extend_from_slice(bytes);
            let pending = std::mem::take(&mut self.pending);
            return self.write(&pending);
        }
        while bytes.len() >= 16 {
            let n = word(&bytes[8..16]) as usize;
            let size = 8 * (2 + n * width);
            if bytes.len() < size {
                break;
            }
            let first = word(&bytes[..8]);
            for i in 0..n as u64 {
                self.samples.push(int64(first + i)?);
            }
            for (c, column) in self.columns.iter_mut().enumerate() {
                let start = 8 * (2 + c * n);
                column.extend(
                    bytes[start..start + 8 * n]
                        .chunks_exact(8)
                        .map(|b| f64::from_bits(word(b))),
                );
            }
            bytes = &bytes[size..];
            if self.samples.len() >= DRAWS_ROW_GROUP {
                self.flush()?;
            }
        }
        self.pending.extend_from_slice(bytes);
        Ok(())
    }

    /// Writes the buffered rows as a row group.
    fn flush(&mut self) -> Result<(), ParquetError> {
        if self.samples.is_empty() {
            return Ok(());
        }
        let mut rg = self.writer.next_row_group()?;
        let mut i = 0;
        while let Some(mut col) = rg.next_column()? {
            if i == 0 {
                col.typed::<Int64Type>()
                    .write_batch(&self.samples, None, None)?;
            } else {
                col.typed::<DoubleType>()
                    .write_batch(&self.columns[i - 1], None, None)?;
            }
            col.close()?;
            i += 1;
        }
        rg.close()?;
        self.samples.clear();
        for c in &mut self.columns {
            c.clear();
        }
        Ok(())
    }

    /// Writes the last row group and the footer; returns the writer.
    pub fn finish(mut self) -> Result<W, ParquetError> {
        if !self.pending.is_empty() {
            return Err(ParquetError::General(format!(
                "{} bytes of an incomplete block of draws",
                self.pending.len()
            )));
        }
        self.flush()?;
        self.writer.into_inner()
    }
}
