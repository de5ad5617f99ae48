//! Parquet files: result tables (`Table`) and draws streamed in row groups.
//!
//! Written with the `parquet` crate's column writers (no Arrow): numbers as
//! DOUBLE, whole numbers as INT64 (optional when a value may be missing),
//! text as UTF-8 byte arrays; zstd compression (and for draws, encodings
//! chosen for random doubles: see `draws_properties`). The files are
//! deterministic:
//! the writer records no time, and `created_by` names gaprisk's version
//! rather than the parquet crate's.

use super::tabular::{Cell, Kind, Table};
use crate::engine::eval::Values;
use parquet::basic::{Compression, Encoding, LogicalType, Repetition, Type as Physical, ZstdLevel};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::properties::{WriterProperties, WriterPropertiesBuilder, WriterPropertiesPtr};
use parquet::file::writer::{SerializedColumnWriter, SerializedFileWriter};
use parquet::schema::types::{ColumnPath, Type, TypePtr};
use std::io::Write;
use std::sync::Arc;

/// What the files say wrote them.
pub const CREATED_BY: &str = concat!("gaprisk version ", env!("CARGO_PKG_VERSION"));

/// zstd level 3, zstd's own default (level 1 is no faster on draws: the
/// time goes to encoding, not compressing).
const ZSTD_LEVEL: i32 = 3;

/// Rows of draws per row group: 4 chunks. The writer holds one row group
/// in memory (about 40 MB for the baseline's 75 columns), whatever the
/// sample count.
pub const DRAWS_ROW_GROUP: usize = 65_536;

fn builder() -> WriterPropertiesBuilder {
    WriterProperties::builder()
        .set_created_by(CREATED_BY.to_string())
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(ZSTD_LEVEL).expect("a valid zstd level"),
        ))
}

/// For result tables: the writer's defaults (dictionaries suit their
/// repeated names).
fn table_properties() -> WriterPropertiesPtr {
    Arc::new(builder().build())
}

/// For draws: no dictionaries (a row group of continuous draws has almost
/// no repeated value, so a dictionary only adds its indices), the doubles
/// byte-stream-split (their exponent bytes then compress), the sample index
/// delta-encoded. At 10^6 baseline samples this writes 224 MB in 1.7 s
/// against 302 MB in 2.4 s with the defaults (BENCHMARKS.md, "Parquet").
fn draws_properties() -> WriterPropertiesPtr {
    Arc::new(
        builder()
            .set_dictionary_enabled(false)
            .set_encoding(Encoding::BYTE_STREAM_SPLIT)
            .set_column_encoding(ColumnPath::from("sample"), Encoding::DELTA_BINARY_PACKED)
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

impl Table {
    /// The table as a Parquet file (zstd, one row group). Here rather than
    /// beside `to_csv`, so that tables do not depend on the Parquet writer.
    pub fn to_parquet(&self, name: &str) -> crate::error::Result<Vec<u8>> {
        table_bytes(self).map_err(|e| {
            crate::error::Error::io(format!("cannot format {name}"), std::io::Error::other(e))
        })
    }
}

/// `table` as the bytes of a Parquet file with one row group.
pub fn table_bytes(table: &Table) -> Result<Vec<u8>, ParquetError> {
    let mut w = SerializedFileWriter::new(Vec::new(), schema(&table.columns)?, table_properties())?;
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
/// Parquet writer moves them into its columns without parsing text. A
/// stepped program's block has `steps` rows per sample, sample-major
/// (`steps` is 0 for a static program: one row per sample).
pub fn format_block(first: u64, n: usize, steps: u32, columns: &[Values], out: &mut Vec<u8>) {
    let rows = n * steps.max(1) as usize;
    out.reserve(8 * (2 + rows * columns.len()));
    out.extend_from_slice(&first.to_le_bytes());
    out.extend_from_slice(&(rows as u64).to_le_bytes());
    for values in columns {
        for i in 0..rows {
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
    /// A stepped program's steps (a `step` INT64 column follows `sample`);
    /// 0 for a static one.
    steps: u32,
    samples: Vec<i64>,
    step_numbers: Vec<i64>,
    columns: Vec<Vec<f64>>,
    /// Bytes of a block split between two calls of `write`.
    pending: Vec<u8>,
}

impl<W: Write + Send> DrawsParquet<W> {
    pub fn new(out: W, names: &[String], steps: u32) -> Result<Self, ParquetError> {
        let int = |name: &str| -> Result<_, ParquetError> {
            Ok(Arc::new(
                Type::primitive_type_builder(name, Physical::INT64)
                    .with_repetition(Repetition::REQUIRED)
                    .build()?,
            ))
        };
        let mut fields = vec![int("sample")?];
        if steps > 0 {
            fields.push(int("step")?);
        }
        for name in names {
            fields.push(column_type(name, Kind::Float)?);
        }
        let schema = Arc::new(
            Type::group_type_builder("schema")
                .with_fields(fields)
                .build()?,
        );
        Ok(DrawsParquet {
            writer: SerializedFileWriter::new(out, schema, draws_properties())?,
            steps,
            samples: Vec::with_capacity(DRAWS_ROW_GROUP),
            step_numbers: Vec::new(),
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
            let per = u64::from(self.steps.max(1));
            for i in 0..n as u64 {
                self.samples.push(int64(first + i / per)?);
                if self.steps > 0 {
                    self.step_numbers.push((i % per + 1) as i64);
                }
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
        let ints = if self.steps > 0 { 2 } else { 1 };
        while let Some(mut col) = rg.next_column()? {
            match i {
                0 => col
                    .typed::<Int64Type>()
                    .write_batch(&self.samples, None, None)?,
                1 if ints == 2 => col
                    .typed::<Int64Type>()
                    .write_batch(&self.step_numbers, None, None)?,
                _ => col
                    .typed::<DoubleType>()
                    .write_batch(&self.columns[i - ints], None, None)?,
            };
            col.close()?;
            i += 1;
        }
        rg.close()?;
        self.samples.clear();
        self.step_numbers.clear();
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

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    use std::io::Seek;

    fn reader(bytes: &[u8]) -> SerializedFileReader<std::fs::File> {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(bytes).unwrap();
        f.rewind().unwrap();
        SerializedFileReader::new(f).unwrap()
    }

    #[test]
    fn a_table_reads_back_with_its_types_and_missing_values() {
        let mut t = Table::new([("name", Kind::Text), ("n", Kind::Int), ("x", Kind::Float)]);
        t.push(vec!["a".into(), 3u64.into(), 0.1.into()]);
        t.push(vec!["b".into(), Cell::Int(None), f64::NAN.into()]);
        let bytes = table_bytes(&t).unwrap();
        assert_eq!(bytes, table_bytes(&t).unwrap(), "deterministic");
        let r = reader(&bytes);
        assert_eq!(r.metadata().file_metadata().num_rows(), 2);
        assert_eq!(r.metadata().file_metadata().created_by(), Some(CREATED_BY));
        let rows: Vec<Vec<Field>> = r
            .get_row_iter(None)
            .unwrap()
            .map(|row| {
                row.unwrap()
                    .into_columns()
                    .into_iter()
                    .map(|(_, f)| f)
                    .collect()
            })
            .collect();
        assert_eq!(
            rows[0],
            vec![Field::Str("a".into()), Field::Long(3), Field::Double(0.1)]
        );
        assert_eq!(rows[1][1], Field::Null);
        assert!(matches!(rows[1][2], Field::Double(x) if x.is_nan()));
    }

    #[test]
    fn draws_are_the_same_file_however_the_blocks_arrive() {
        let names = vec!["a".to_string(), "b".to_string()];
        let (a, b): (Vec<f64>, Vec<f64>) = (0..1500).map(|i| (i as f64, -(i as f64) / 7.0)).unzip();
        let mut blocks = Vec::new();
        for (first, n) in [(0u64, 1024usize), (1024, 476)] {
            let s = first as usize..first as usize + n;
            format_block(
                first,
                n,
                0,
                &[Values::Column(&a[s.clone()]), Values::Column(&b[s])],
                &mut blocks,
            );
        }
        let whole = {
            let mut w = DrawsParquet::new(Vec::new(), &names, 0).unwrap();
            w.write(&blocks).unwrap();
            w.finish().unwrap()
        };
        let split = {
            let mut w = DrawsParquet::new(Vec::new(), &names, 0).unwrap();
            for piece in blocks.chunks(999) {
                w.write(piece).unwrap();
            }
            w.finish().unwrap()
        };
        assert_eq!(whole, split);
        let r = reader(&whole);
        assert_eq!(r.metadata().file_metadata().num_rows(), 1500);
        let last = r.get_row_iter(None).unwrap().last().unwrap().unwrap();
        let fields: Vec<Field> = last.into_columns().into_iter().map(|(_, f)| f).collect();
        assert_eq!(
            fields,
            vec![
                Field::Long(1499),
                Field::Double(1499.0),
                Field::Double(-1499.0 / 7.0)
            ]
        );
    }

    #[test]
    fn stepped_draws_have_a_row_per_sample_and_step() {
        // Two samples of three steps, sample-major.
        let a: Vec<f64> = (0..6).map(f64::from).collect();
        let mut block = Vec::new();
        format_block(10, 2, 3, &[Values::Column(&a)], &mut block);
        let mut w = DrawsParquet::new(Vec::new(), &["a".to_string()], 3).unwrap();
        w.write(&block).unwrap();
        let bytes = w.finish().unwrap();
        let rows: Vec<Vec<Field>> = reader(&bytes)
            .get_row_iter(None)
            .unwrap()
            .map(|r| r.unwrap().into_columns().into_iter().map(|(_, f)| f).collect())
            .collect();
        let expected: Vec<Vec<Field>> = (0..6)
            .map(|r| {
                vec![
                    Field::Long(10 + r / 3),
                    Field::Long(r % 3 + 1),
                    Field::Double(r as f64),
                ]
            })
            .collect();
        assert_eq!(rows, expected);
    }

    #[test]
    fn an_incomplete_block_is_an_error() {
        let mut w = DrawsParquet::new(Vec::new(), &["a".to_string()], 0).unwrap();
        let mut block = Vec::new();
        format_block(0, 3, 0, &[Values::Constant(1.0, 3)], &mut block);
        w.write(&block[..block.len() - 1]).unwrap();
        assert!(w.finish().is_err());
    }
}
