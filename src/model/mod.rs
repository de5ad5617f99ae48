//! The model language: parse (TOML and expressions), resolve `extends`,
//! validate names and order, compile to an engine program.

pub mod compile;
#[cfg(feature = "internals")]
pub mod deep_cases;
pub mod expr;
pub mod files;
pub mod overrides;
pub mod source;
pub mod spec;
pub mod validate;

pub use validate::Model;

use crate::error::ModelError;
use std::path::Path;

/// Reads, resolves and validates a model file.
#[cfg_attr(not(feature = "internals"), allow(dead_code))]
pub fn load(path: &Path) -> Result<Model, ModelError> {
    validate::validate(source::load(path)?)
}

/// Reads, resolves and validates the model file `path` of `files`.
pub fn load_from(files: &dyn source::ModelFiles, path: &Path) -> Result<Model, ModelError> {
    validate::validate(source::load_from(files, path)?)
}

#[cfg(test)]
mod stack_tests;
