//! Where a request's model files come from: the request's own `files`
//! first, then the server's model library. Nothing else on disk is read:
//! names are resolved lexically (no `..` above the top, no absolute paths)
//! and a library file must resolve, symlinks followed, inside the library.

use crate::model::source::{MemoryFiles, ModelFiles, normalise};
use std::path::{Path, PathBuf};

pub struct RequestFiles {
    memory: MemoryFiles,
    library: PathBuf,
}

impl RequestFiles {
    /// `files`: name -> TOML text, as the request gave them.
    pub fn new(
        files: &std::collections::BTreeMap<String, String>,
        library: &Path,
    ) -> Result<RequestFiles, (String, String)> {
        let mut memory = MemoryFiles::new();
        for (name, text) in files {
            memory
                .insert(name, text.clone())
                .map_err(|e| (format!("files.{name}"), e))?;
        }
        Ok(RequestFiles {
            memory,
            library: library.to_path_buf(),
        })
    }

    /// The file of the library that `name` (already normalised) names.
    fn library_file(&self, name: &Path) -> Result<PathBuf, String> {
        let top = std::fs::canonicalize(&self.library)
            .map_err(|e| format!("the model library is not readable: {e}"))?;
        let path = std::fs::canonicalize(top.join(name))
            .map_err(|_| format!("no model file '{}'", name.display()))?;
        if !path.starts_with(&top) || !path.is_file() {
            return Err(format!("'{}' is outside the model library", name.display()));
        }
        Ok(path)
    }
}

impl ModelFiles for RequestFiles {
    fn read(&self, path: &Path) -> Result<String, String> {
        if self.memory.contains(path) {
            return self.memory.read(path);
        }
        let file = self.library_file(path)?;
        std::fs::read_to_string(file).map_err(|e| format!("cannot read model file: {e}"))
    }

    fn resolve(&self, from: &Path, reference: &str) -> Result<(PathBuf, PathBuf), String> {
        let path = normalise(from.parent().unwrap_or(Path::new("")), reference)?;
        if !self.memory.contains(&path) {
            self.library_file(&path)?;
        }
        Ok((path.clone(), path))
    }

    fn identity(&self, path: &Path) -> PathBuf {
        path.to_path_buf()
    }
}

/// The library's model files: (name relative to the library, its path).
pub fn library_models(library: &Path) -> Vec<PathBuf> {
    fn walk(top: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                walk(top, &path, out);
            } else if path.extension().is_some_and(|x| x == "toml")
                && let Ok(rel) = path.strip_prefix(top)
            {
                out.push(rel.to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(library, library, &mut out);
    out.sort();
    out
}
