//! Files appear whole or not at all: written to a temporary file in the
//! same folder, then renamed over the target.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;
use tempfile::NamedTempFile;

/// A temporary file in the folder of `target`, removed if dropped before
/// `commit`.
pub fn create(target: &Path) -> Result<NamedTempFile> {
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    tempfile::Builder::new()
        .prefix(".gaprisk-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io(format!("cannot create a file in {}", dir.display()), e))
}

/// Flushes the temporary file to disk and moves it to `target`.
pub fn commit(file: NamedTempFile, target: &Path) -> Result<()> {
    file.as_file()
        .sync_all()
        .map_err(|e| Error::io(format!("cannot write {}", target.display()), e))?;
    file.persist(target)
        .map_err(|e| Error::io(format!("cannot write {}", target.display()), e.error))?;
    Ok(())
}

pub fn write(target: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = create(target)?;
    file.write_all(bytes)
        .map_err(|e| Error::io(format!("cannot write {}", target.display()), e))?;
    commit(file, target)
}
