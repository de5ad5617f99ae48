//! Files appear whole or not at all: written to a temporary file in the
//! same folder, then renamed over the target.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;
use tempfile::NamedTempFile;

/// The prefix of our temporary files: `.gaprisk-<pid>-`, so that a later
/// run can tell those of a process that was killed (see `remove_stale`).
fn prefix() -> String {
    format!(".gaprisk-{}-", std::process::id())
}

/// Removes temporary files left in `dir` by gaprisk processes that no longer
/// run (killed with SIGKILL, say). Only on systems with /proc; elsewhere
/// stale files stay, hidden and named `.gaprisk-*.tmp`.
pub fn remove_stale(dir: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(rest) = name
            .strip_prefix(".gaprisk-")
            .filter(|_| name.ends_with(".tmp"))
        else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A temporary file in the folder of `target`, removed if dropped before
/// `commit`.
pub fn create(target: &Path) -> Result<NamedTempFile> {
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    tempfile::Builder::new()
        .prefix(&prefix())
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io(format!("cannot create a file in {}", dir.display()), e))
}

/// Flushes the temporary file to disk and moves it to `target`, readable by
/// all (temporary files are created private).
pub fn commit(file: NamedTempFile, target: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| Error::io(format!("cannot write {}", target.display()), e))?;
    }
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
