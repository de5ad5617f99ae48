//! Reading model files: TOML with positions, one file at a time (`parse`;
//! distribution tables in `distribution`, the data files they name in
//! `data`, `[correlations]` in `correlations`), then `extends` chains merged
//! into one `ModelSpec` (`extends`). Where the files come from is
//! `model::files`.

mod correlations;
mod data;
mod distribution;
mod extends;
mod parse;
mod reading;
mod state;

pub use super::files::{DiskFiles, ModelFiles};

use super::spec::ModelSpec;
use crate::error::ModelError;
#[cfg_attr(not(feature = "internals"), allow(unused_imports))]
pub use extends::MAX_EXTENDS;
use extends::load_chain;
use parse::parse_file;
use std::path::Path;

/// Parses model text as if it were the file `path` (used by the fuzzer: no
/// file is read unless the text `extends` one).
#[cfg_attr(not(feature = "internals"), allow(dead_code))]
pub fn load_text(path: &Path, text: &str) -> Result<ModelSpec, ModelError> {
    let file = parse_file(path, text, None)?;
    match file.extends.clone() {
        None => Ok(ModelSpec {
            file: path.to_path_buf(),
            info: file.info,
            entries: file.entries,
            correlations: file.correlations,
            added_inputs: Vec::new(),
        }),
        Some((parent, line)) => Err(ModelError::new(
            path,
            line,
            "model.extends",
            format!("'{parent}': extends needs a model file, not text"),
        )),
    }
}

/// Loads a model file from disk and everything it extends.
#[cfg_attr(not(feature = "internals"), allow(dead_code))]
pub fn load(path: &Path) -> Result<ModelSpec, ModelError> {
    load_from(&DiskFiles, path)
}

/// Loads the model file `path` of `files` and everything it extends.
pub fn load_from(files: &dyn ModelFiles, path: &Path) -> Result<ModelSpec, ModelError> {
    load_chain(files, path)
}
