//! Where model files, and the data files a model names, come from.

use std::path::{Path, PathBuf};

/// Where model files come from. The CLI reads the disk; a server reads a
/// request's files and its model library, and nothing else.
pub trait ModelFiles {
    /// The text of the model file `path`, or why it cannot be read.
    fn read(&self, path: &Path) -> Result<String, String>;

    /// The file that `extends = "reference"` in `from` names, and its
    /// identity: equal for two paths to one file, to find cycles.
    fn resolve(&self, from: &Path, reference: &str) -> Result<(PathBuf, PathBuf), String>;

    /// The identity of a file that was read (see `resolve`).
    fn identity(&self, path: &Path) -> PathBuf;
}

/// Model files on disk; `extends` is relative to the extending file.
pub struct DiskFiles;

impl ModelFiles for DiskFiles {
    fn read(&self, path: &Path) -> Result<String, String> {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read model file: {e}"))
    }

    fn resolve(&self, from: &Path, reference: &str) -> Result<(PathBuf, PathBuf), String> {
        let path = from.parent().unwrap_or(Path::new("")).join(reference);
        let identity = std::fs::canonicalize(&path)
            .map_err(|e| format!("cannot open '{}': {e}", path.display()))?;
        Ok((path, identity))
    }

    fn identity(&self, path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    }
}

/// Model files held in memory by name (`baseline.toml`, `variants/a.toml`):
/// a request's files. `extends` resolves among them only; a reference that
/// climbs out of them (`../x.toml`) or is absolute is refused.
#[derive(Debug, Clone, Default)]
pub struct MemoryFiles {
    files: std::collections::BTreeMap<PathBuf, String>,
}

impl MemoryFiles {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file; its name is normalised as `extends` references are.
    pub fn insert(&mut self, name: &str, text: impl Into<String>) -> Result<PathBuf, String> {
        let path = normalise(Path::new(""), name)?;
        self.files.insert(path.clone(), text.into());
        Ok(path)
    }

    pub fn contains(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }
}

/// `reference` relative to the folder `base`, with `.` and `..` resolved
/// lexically; absolute paths and paths that climb above the top are refused.
pub fn normalise(base: &Path, reference: &str) -> Result<PathBuf, String> {
    use std::path::Component;
    let mut parts: Vec<std::ffi::OsString> = Vec::new();
    for c in base.components().chain(Path::new(reference).components()) {
        match c {
            Component::Normal(p) => parts.push(p.to_os_string()),
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err(format!("'{reference}' is outside the model files"));
                }
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!("'{reference}' is an absolute path"));
            }
        }
    }
    if parts.is_empty() {
        return Err(format!("'{reference}' names no file"));
    }
    Ok(parts.iter().collect())
}

impl ModelFiles for MemoryFiles {
    fn read(&self, path: &Path) -> Result<String, String> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| format!("no model file '{}'", path.display()))
    }

    fn resolve(&self, from: &Path, reference: &str) -> Result<(PathBuf, PathBuf), String> {
        let path = normalise(from.parent().unwrap_or(Path::new("")), reference)?;
        if !self.files.contains_key(&path) {
            return Err(format!("no model file '{}'", path.display()));
        }
        Ok((path.clone(), path))
    }

    fn identity(&self, path: &Path) -> PathBuf {
        path.to_path_buf()
    }
}
