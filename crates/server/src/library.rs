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
            // The entry's own type: a symbolic link to a folder is not
            // followed (a link to its parent would never end).
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                walk(top, &path, out);
            } else if !kind.is_dir()
                && path.is_file()
                && path.extension().is_some_and(|x| x == "toml")
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
