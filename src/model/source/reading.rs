//! What every part of the model file's parser reads with: positions turned
//! into line numbers, TOML numbers and strings, expressions.

use crate::error::ModelError;
use crate::model::expr;
use crate::model::files::ModelFiles;
use crate::model::spec::Body;
use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;
use toml::de::DeValue;

/// Turns byte offsets into 1-based line numbers.
pub(super) struct Lines<'a> {
    pub(super) path: &'a Path,
    pub(super) file: Arc<PathBuf>,
    pub(super) text: &'a str,
    /// Where data files (`empirical`) are read from: the model's own files.
    pub(super) files: Option<&'a dyn ModelFiles>,
    /// The offset of each newline, found on the first `line` (a file of
    /// many entries asks for many lines: each a binary search).
    pub(super) newlines: OnceCell<Vec<usize>>,
}

impl Lines<'_> {
    pub(super) fn line(&self, offset: usize) -> usize {
        let newlines = self.newlines.get_or_init(|| {
            let bytes = self.text.as_bytes();
            (0..bytes.len()).filter(|&i| bytes[i] == b'\n').collect()
        });
        // Newlines before `offset`, plus one.
        newlines.partition_point(|&n| n < offset) + 1
    }

    pub(super) fn error<T>(
        &self,
        offset: usize,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Result<T, ModelError> {
        Err(ModelError::new(self.path, self.line(offset), key, message))
    }
}

/// A TOML number as f64; TOML integers and floats both count.
pub(super) fn number(value: &DeValue) -> Option<f64> {
    match value {
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            i64::from_str_radix(&digits, i.radix())
                .ok()
                .map(|v| v as f64)
        }
        DeValue::Float(f) => f.as_str().replace('_', "").parse().ok(),
        _ => None,
    }
}

/// An expression entry, parsed; an error names its line and key.
pub(super) fn expression_body(
    lines: &Lines,
    at: usize,
    key: &str,
    text: &str,
) -> Result<Body, ModelError> {
    let expr = expr::parse(text).map_err(|e| {
        ModelError::new(
            lines.path,
            lines.line(at),
            key,
            format!("in \"{}\": {e}", expr::abbreviate(text)),
        )
    })?;
    Ok(Body::Expr {
        expr,
        text: text.to_string(),
    })
}

/// A field that must be a string.
pub(super) fn string_field(
    lines: &Lines,
    key: &str,
    field: &Spanned<toml::de::DeString>,
    value: &Spanned<DeValue>,
) -> Result<String, ModelError> {
    match value.get_ref().as_str() {
        Some(s) => Ok(s.to_string()),
        None => lines.error(
            field.span().start,
            format!("{key}.{}", field.get_ref()),
            format!("must be a string, found {}", value.get_ref().type_str()),
        ),
    }
}

/// That `name`, the entry `key`, is a usable name: an identifier that is
/// not a reserved word.
pub(super) fn check_name(lines: &Lines, at: usize, key: &str, name: &str) -> Result<(), ModelError> {
    if !expr::is_identifier(name) {
        return lines.error(
            at,
            key,
            "is not a valid name (letters, digits and '_', not starting with a digit)",
        );
    }
    if expr::RESERVED.contains(&name) {
        return lines.error(
            at,
            key,
            format!("'{name}' is reserved (an operator, constant or function)"),
        );
    }
    Ok(())
}
