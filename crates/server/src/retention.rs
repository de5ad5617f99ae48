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

/// One pass; returns how many jobs were removed.
pub fn apply(db: &Db, data: &Path, retention: &Retention) -> Result<usize, String> {
    let finished = db.finished_originals().map_err(|e| e.to_string())?;
    let mut removed = 0;
    let mut remove = |id: &str| -> Result<(), String> {
        removed += db.remove_with_repeats(id).map_err(|e| e.to_string())?;
        let dir = data.join("jobs").join(id);
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(format!("cannot remove jobs/{id}: {e}")),
        }
    };
    let mut kept = Vec::with_capacity(finished.len());
    if let Some(keep) = retention.keep {
        let cutoff = humantime::format_rfc3339_millis(
            SystemTime::now()
                .checked_sub(keep)
                .unwrap_or(SystemTime::UNIX_EPOCH),
        )
        .to_string();
        for (id, finished_at) in finished {
            if finished_at < cutoff {
                remove(&id)?;
            } else {
                kept.push(id);
            }
        }
    } else {
        kept = finished.into_iter().map(|(id, _)| id).collect();
    }
    if let Some(max) = retention.max_storage {
        let mut used = storage(db, data);
        for id in kept {
            if used <= max {
                break;
            }
            let freed = folder_bytes(&data.join("jobs").join(&id));
            remove(&id)?;
            used = used.saturating_sub(freed);
        }
    }
    Ok(removed)
}

/// The data folder's size as retention counts it: the database files and
/// every job's folder.
pub fn storage(db: &Db, data: &Path) -> u64 {
    let database: u64 = ["jobs.sqlite", "jobs.sqlite-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(data.join(f)).ok())
        .map(|m| m.len())
        .sum();
    // Texts are inside the database's size; counted apart only if the
    // database could not be measured.
    let database = if database == 0 {
        db.text_bytes().unwrap_or(0)
    } else {
        database
    };
    database + folder_bytes(&data.join("jobs"))
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
