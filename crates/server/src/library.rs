//! The model library a service reads: the models it offers (`GET
//! /v1/models`). Requests read its files through `LayeredFiles::library`.

use std::path::{Path, PathBuf};

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
