use super::ParamError;
use std::sync::Arc;

/// The values of one column of a CSV file, each equally likely. The file
/// is read once, when the model is loaded (see `model::source`); the
/// distribution keeps the sorted values and the file's SHA-256, which the
/// model hash covers, so a change in the data changes the hash.
#[derive(Debug, Clone)]
pub struct Empirical {
    file: String,
    column: String,
    sha256: String,
    /// Ascending.
    values: Arc<[f64]>,
}

/// Equal when read from the same file name and column with the same bytes.
impl PartialEq for Empirical {
    fn eq(&self, other: &Self) -> bool {
        self.sha256 == other.sha256 && self.file == other.file && self.column == other.column
    }
}

impl Eq for Empirical {}

impl Empirical {
    /// Parses `text`, the CSV file `file` (with a header row), and takes
    /// the column named `column`. Empty cells are skipped (a shorter
    /// column in a file of several); any other cell must be a finite number.
    pub fn from_csv(file: &str, column: &str, text: &str) -> Result<Self, ParamError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| ParamError::new("file", format!("'{file}' is not readable CSV: {e}")))?
            .clone();
        let Some(index) = headers.iter().position(|h| h == column) else {
            let names: Vec<&str> = headers.iter().collect();
            return Err(ParamError::new(
                "column",
                format!(
                    "'{column}' is not a column of '{file}' (its columns: {})",
                    names.join(", ")
                ),
            ));
        };
        let mut values = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                ParamError::new("file", format!("'{file}' is not readable CSV: {e}"))
            })?;
            let line = record.position().map_or(0, |p| p.line());
            let cell = record.get(index).unwrap_or("");
            if cell.is_empty() {
                continue;
            }
            match cell.parse::<f64>() {
                Ok(x) if x.is_finite() => values.push(x),
                _ => {
                    return Err(ParamError::new(
                        "column",
                        format!(
                            "'{column}' of '{file}', line {line}: '{cell}' is not a finite number"
                        ),
                    ));
                }
            }
        }
        if values.is_empty() {
            return Err(ParamError::new(
                "column",
                format!("'{column}' of '{file}' has no values"),
            ));
        }
        values.sort_by(f64::total_cmp);
        use sha2::{Digest, Sha256};
        let sha256 = Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Empirical {
            file: file.to_string(),
            column: column.to_string(),
            sha256,
            values: values.into(),
        })
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    pub fn column(&self) -> &str {
        &self.column
    }

    /// SHA-256 of the file's bytes, in hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The smallest value whose empirical CDF (i + 1) / n reaches u: the
    /// value of rank ceil(u n).
    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        let n = self.values.len();
        let rank = (u * n as f64).ceil() as usize;
        self.values[rank.clamp(1, n) - 1]
    }
}

impl Empirical {
    pub(crate) fn heap_bytes(&self, seen: &mut super::heap::Seen) -> u64 {
        let names = (self.file.len() + self.column.len() + self.sha256.len()) as u64;
        names + seen.once(&self.values, super::heap::vec_bytes)
    }
}
