//! Retention: finished jobs older than `--keep-days`, and then the oldest
//! finished jobs while the data folder is over `--max-storage`, are removed
//! with their files and the cached jobs that repeat them. Queued and running
//! jobs are never removed.

use super::db::Db;
use std::path::Path;
use std::time::{Duration, SystemTime};

#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Finished jobs are kept this long; `None`: for ever.
    pub keep: Option<Duration>,
    /// The data folder's size (database and jobs' files) to stay under.
    pub max_storage: Option<u64>,
}

/// How often the retention pass runs.
pub const EVERY: Duration = Duration::from_secs(60);

/// One pass; returns how many jobs were removed. A folder that cannot be
/// removed is logged and the pass goes on.
pub fn apply(db: &Db, data: &Path, retention: &Retention) -> Result<usize, String> {
    let finished = db.finished_originals().map_err(|e| e.to_string())?;
    let mut removed = 0;
    // The row goes first (the files are out of reach at once), then the
    // folder; returns the folder's bytes freed.
    let mut remove = |id: &str| -> Result<u64, String> {
        let dir = data.join("jobs").join(id);
        let bytes = folder_bytes(&dir);
        removed += db.remove_with_repeats(id).map_err(|e| e.to_string())?;
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => Ok(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(bytes),
            Err(e) => {
                tracing::error!(job = id, error = %e, "retention cannot remove the job's folder");
                Ok(0)
            }
        }
    };
    let mut kept = Vec::with_capacity(finished.len());
    let cutoff = retention.keep.map(|keep| {
        humantime::format_rfc3339_millis(
            SystemTime::now()
                .checked_sub(keep)
                .unwrap_or(SystemTime::UNIX_EPOCH),
        )
        .to_string()
    });
    for (id, finished_at) in finished {
        // RFC 3339 in UTC with milliseconds: text order is time order.
        if cutoff.as_ref().is_some_and(|cutoff| finished_at < *cutoff) {
            remove(&id)?;
        } else {
            kept.push(id);
        }
    }
    if let Some(max) = retention.max_storage {
        let mut folders = folder_bytes(&data.join("jobs"));
        for id in kept {
            if database_bytes(db) + folders <= max {
                break;
            }
            folders = folders.saturating_sub(remove(&id)?);
        }
    }
    Ok(removed)
}

/// The database's pages in use: what removing rows frees (the file itself
/// keeps its size, its free pages reused by later rows).
fn database_bytes(db: &Db) -> u64 {
    db.live_bytes().unwrap_or(0)
}

/// Bytes of the regular files under `dir`, not following symbolic links.
fn folder_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => pending.push(entry.path()),
                Ok(t) if t.is_file() => total += entry.metadata().map_or(0, |m| m.len()),
                _ => {}
            }
        }
    }
    total
}
