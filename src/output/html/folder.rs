//! Reading a result folder's files: its manifest (which command made it)
//! and its CSV files, kept as the exact strings written, so the report's
//! tables can show them verbatim. Every problem names the folder's label
//! and the file.

use crate::error::{Error, Result};
use crate::output::format::exporter::OutputFile;
use serde_json::Value;

/// One result folder's files (name -> exact bytes), as a job produced them
/// or as read from disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultFiles {
    /// What the report calls the folder (its heading): a path, a job id.
    pub label: String,
    pub files: Vec<OutputFile>,
}

/// The folder's manifest.
pub const MANIFEST: &str = "manifest.json";

/// What produced a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `run`, or `merge` of a run's parts.
    Run,
    Compare,
    Sweep,
    Sensitivity,
    Rare,
}

impl Command {
    pub fn name(self) -> &'static str {
        match self {
            Command::Run => "run",
            Command::Compare => "compare",
            Command::Sweep => "sweep",
            Command::Sensitivity => "sensitivity",
            Command::Rare => "rare",
        }
    }
}

/// One result folder, its manifest parsed.
pub struct Folder<'a> {
    pub label: &'a str,
    /// 1-based position among the folders of the report: ids carry it.
    pub index: usize,
    files: &'a [OutputFile],
    pub manifest: Value,
    pub command: Command,
}

/// An error about `file` of the folder labelled `folder`.
pub fn error(folder: &str, file: &str, reason: impl Into<String>) -> Error {
    Error::ResultFile {
        folder: folder.to_string(),
        file: file.to_string(),
        reason: reason.into(),
    }
}

impl<'a> Folder<'a> {
    pub fn read(folder: &'a ResultFiles, index: usize) -> Result<Self> {
        let label = folder.label.as_str();
        let bytes = folder
            .files
            .iter()
            .find(|f| f.name == MANIFEST)
            .map(|f| f.bytes.as_slice())
            .ok_or_else(|| error(label, MANIFEST, "missing: the folder has no manifest"))?;
        let manifest: Value = serde_json::from_slice(bytes)
            .map_err(|e| error(label, MANIFEST, format!("not valid JSON: {e}")))?;
        if !manifest.is_object() {
            return Err(error(label, MANIFEST, "not a JSON object"));
        }
        let command = match manifest.get("command") {
            None | Some(Value::Null) => {
                if manifest.get("model").is_some_and(Value::is_object) {
                    Command::Run
                } else {
                    return Err(error(
                        label,
                        MANIFEST,
                        "has neither \"command\" nor \"model\": not a gaprisk result",
                    ));
                }
            }
            Some(Value::String(c)) => match c.as_str() {
                "run" => Command::Run,
                "compare" => Command::Compare,
                "sweep" => Command::Sweep,
                "sensitivity" => Command::Sensitivity,
                "rare" => Command::Rare,
                other => {
                    return Err(error(label, MANIFEST, format!("unknown command {other:?}")));
                }
            },
            Some(_) => return Err(error(label, MANIFEST, "\"command\" is not a string")),
        };
        Ok(Folder {
            label,
            index,
            files: &folder.files,
            manifest,
            command,
        })
    }

    fn bytes(&self, name: &str) -> Option<&'a [u8]> {
        self.files
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.bytes.as_slice())
    }

    /// The CSV file `name`, if the folder has it.
    pub fn csv(&self, name: &str) -> Result<Option<Csv>> {
        self.bytes(name)
            .map(|b| Csv::parse(self.label, name, b))
            .transpose()
    }

    /// The CSV file `name`, which the folder must have.
    pub fn require_csv(&self, name: &str) -> Result<Csv> {
        self.csv(name)?.ok_or_else(|| {
            error(
                self.label,
                name,
                format!(
                    "missing: a {} result has one beside {MANIFEST}",
                    self.command.name()
                ),
            )
        })
    }

    /// A manifest value by path (`["model", "name"]`).
    pub fn get(&self, path: &[&str]) -> Option<&Value> {
        path.iter().try_fold(&self.manifest, |v, k| v.get(k))
    }

    /// A manifest value as text: strings as they are, numbers and booleans
    /// as JSON writes them; None when absent or null.
    pub fn text(&self, path: &[&str]) -> Option<String> {
        match self.get(path)? {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            v @ (Value::Number(_) | Value::Bool(_)) => Some(v.to_string()),
            v => Some(v.to_string()),
        }
    }

    /// The manifest's `details.notes` (analyses) as text.
    pub fn notes(&self) -> Vec<String> {
        match self.get(&["details", "notes"]) {
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    v => v.to_string(),
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// True when the manifest says the results are partial.
    pub fn partial(&self) -> bool {
        matches!(self.get(&["partial"]), Some(Value::Bool(true)))
    }

    /// The id of this folder's section.
    pub fn anchor(&self) -> String {
        format!("f{}", self.index)
    }

    /// The id of this folder's element `what`.
    pub fn id(&self, what: &str) -> String {
        format!("f{}-{}", self.index, id_part(what))
    }
}

/// `s` with everything but ASCII letters, digits, `_` and `-` replaced by
/// `-`: a safe part of an HTML id.
pub fn id_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A CSV file: its header and rows as the exact strings written.
#[derive(Debug, Clone)]
pub struct Csv {
    label: String,
    pub file: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    pub fn parse(label: &str, file: &str, bytes: &[u8]) -> Result<Csv> {
        let fail = |reason: String| error(label, file, reason);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(bytes);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| fail(format!("cannot read the header: {e}")))?
            .iter()
            .map(str::to_string)
            .collect();
        if header.iter().all(String::is_empty) {
            return Err(fail("empty: no header".to_string()));
        }
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => fail(format!(
                    "line {}: {len} fields where the header has {expected_len}",
                    i + 2
                )),
                _ => fail(format!("line {}: {e}", i + 2)),
            })?;
            rows.push(record.iter().map(str::to_string).collect());
        }
        Ok(Csv {
            label: label.to_string(),
            file: file.to_string(),
            header,
            rows,
        })
    }

    pub fn error(&self, reason: impl Into<String>) -> Error {
        error(&self.label, &self.file, reason)
    }

    /// The index of column `name`.
    pub fn col(&self, name: &str) -> Result<usize> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| self.error(format!("no column {name:?}")))
    }

    /// The indices of `names`, each of which must be a column.
    pub fn cols<const N: usize>(&self, names: [&str; N]) -> Result<[usize; N]> {
        let mut out = [0; N];
        for (o, n) in out.iter_mut().zip(names) {
            *o = self.col(n)?;
        }
        Ok(out)
    }

    /// Row `row`'s field in column `col`, as written.
    pub fn str(&self, row: usize, col: usize) -> &str {
        &self.rows[row][col]
    }

    /// Row `row`'s field in column `col` as a number (`NaN` allowed).
    pub fn num(&self, row: usize, col: usize) -> Result<f64> {
        let s = self.str(row, col);
        s.trim().parse::<f64>().map_err(|_| {
            self.error(format!(
                "line {}: column {:?} is {s:?}, not a number",
                row + 2,
                self.header[col]
            ))
        })
    }

    /// The rows whose column `col` is `value`, in file order.
    pub fn rows_where(&self, col: usize, value: &str) -> Vec<usize> {
        (0..self.rows.len())
            .filter(|&r| self.rows[r][col] == value)
            .collect()
    }

    /// The distinct values of column `col` among `rows`, in order of
    /// first appearance.
    pub fn distinct_among(&self, rows: &[usize], col: usize) -> Vec<String> {
        let mut seen = std::collections::BTreeSet::new();
        rows.iter()
            .map(|&r| &self.rows[r][col])
            .filter(|v| seen.insert(v.as_str()))
            .cloned()
            .collect()
    }

    /// The distinct values of column `col`, in order of first appearance.
    pub fn distinct(&self, col: usize) -> Vec<String> {
        let mut seen = std::collections::BTreeSet::new();
        self.rows
            .iter()
            .filter(|r| seen.insert(r[col].as_str()))
            .map(|r| r[col].clone())
            .collect()
    }
}
