//! Helpers shared by the integration tests: run the real binary, read its
//! CSV; and, in `tolerance`, the statistical tests' named tolerances.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub mod tolerance;
#[allow(unused_imports)] // not every test file is statistical
pub use tolerance::*;

/// The repository: these tests are crates/cli's, two folders below it.
pub const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

pub fn gaprisk() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_gaprisk"));
    cmd.current_dir(REPO);
    cmd
}

pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(REPO).join(rel)
}

/// Every UTC time stamp `YYYY-MM-DDTHH:MM:SSZ` replaced by `MASKED`.
pub fn mask_timestamps(bytes: &[u8]) -> Vec<u8> {
    const SHAPE: &[u8] = b"dddd-dd-ddTdd:dd:ddZ";
    let fits = |at: &[u8]| {
        at.len() >= SHAPE.len()
            && SHAPE.iter().zip(at).all(|(s, b)| match s {
                b'd' => b.is_ascii_digit(),
                other => other == b,
            })
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if fits(&bytes[i..]) {
            out.extend_from_slice(b"MASKED");
            i += SHAPE.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Writes `text` as `name` in `dir` and returns its path.
pub fn write_model(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// One summary.csv row, by column name.
pub type Row = HashMap<String, String>;

pub fn read_summary(path: &Path) -> Vec<Row> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

pub fn row<'a>(rows: &'a [Row], quantity: &str) -> &'a Row {
    rows.iter()
        .find(|r| r["quantity"] == quantity)
        .unwrap_or_else(|| panic!("no row for {quantity}"))
}

pub fn num(row: &Row, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = {:?} is not a number", row[column]))
}

/// Runs `gaprisk run` with `args` into a fresh folder and returns the
/// summary rows and the folder (kept alive by the TempDir).
pub fn run_model(model: &Path, args: &[&str]) -> (Vec<Row>, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    gaprisk()
        .arg("run")
        .arg(model)
        .args(["--out", out.path().to_str().unwrap(), "--quiet"])
        .args(args)
        .assert()
        .success();
    (read_summary(&out.path().join("summary.csv")), out)
}
