//! A result written into its output folder: every file atomically, and the
//! folder left holding that result alone.

use super::exporter::OutputFile;
use super::{atomic, manifest};
use crate::error::{Error, Result};
use std::path::Path;

/// Writes `files` into `dir`, each atomically. When they are a whole
/// result (they hold a manifest), the folder is left holding this result
/// alone: the files the folder's previous manifest lists and this one does
/// not (a draws.csv of an earlier seed, a report turned off) are removed
/// after the new files are in place. Nothing else is ever removed.
pub fn write_all(dir: &Path, files: &[OutputFile]) -> Result<()> {
    let manifest_of = |bytes: &[u8]| -> Option<Vec<String>> {
        let json: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        json.get("gaprisk_version")?;
        json.get("files")?
            .as_array()?
            .iter()
            .map(|f| f.as_str().map(str::to_string))
            .collect()
    };
    let new_manifest = files.iter().find(|f| f.name == manifest::FILE_NAME);
    let stale: Vec<String> = match new_manifest.and_then(|m| manifest_of(&m.bytes)) {
        Some(now) => std::fs::read(dir.join(manifest::FILE_NAME))
            .ok()
            .and_then(|old| manifest_of(&old))
            .unwrap_or_default()
            .into_iter()
            .filter(|name| !now.contains(name) && is_plain_file_name(name))
            .collect(),
        None => Vec::new(),
    };
    for f in files {
        atomic::write(&dir.join(&f.name), &f.bytes)?;
    }
    for name in stale {
        let path = dir.join(&name);
        if path.symlink_metadata().is_ok_and(|m| m.is_file()) {
            std::fs::remove_file(&path)
                .map_err(|e| Error::io(format!("cannot remove {}", path.display()), e))?;
        }
    }
    Ok(())
}

/// A name a manifest may list for removal: a file directly in the folder,
/// not a path, not hidden.
fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && Path::new(name).file_name().is_some_and(|f| f == name)
}
