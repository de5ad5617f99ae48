//! The jobs, in SQLite: what was asked, where each job stands, and which
//! files it wrote. The result files themselves live under `DIR/jobs/ID/`.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::path::Path;
use std::sync::Mutex;

pub struct Db(Mutex<Connection>);

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Progress {
    pub samples_done: u64,
    pub samples_total: u64,
}

/// A job as the API shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JobRecord {
    pub id: String,
    pub command: String,
    /// The model file the request named, and its variants (compare).
    pub model: String,
    pub variants: Vec<String>,
    pub status: String,
    pub cached: bool,
    pub progress: Progress,
    pub created: String,
    pub started: Option<String>,
    pub finished: Option<String>,
    pub error: Option<String>,
    pub files: Vec<String>,
    /// The job whose folder holds the files (itself, or the job a cached
    /// one repeats).
    #[serde(skip)]
    pub files_of: String,
    #[serde(skip)]
    pub request: String,
}

const COLUMNS: &str = "id, command, status, cached, samples_done, samples_total, created, \
                       started, finished, error, files, files_of, request";

fn row(r: &rusqlite::Row) -> rusqlite::Result<JobRecord> {
    let files: String = r.get(10)?;
    let request: String = r.get(12)?;
    let asked: serde_json::Value = serde_json::from_str(&request).unwrap_or_default();
    Ok(JobRecord {
        id: r.get(0)?,
        command: r.get(1)?,
        model: asked["model"].as_str().unwrap_or_default().to_string(),
        variants: asked["variants"]
            .as_array()
            .map(|v| {
                v.iter()
                    .filter_map(|m| m.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        status: r.get(2)?,
        cached: r.get(3)?,
        progress: Progress {
            samples_done: r.get::<_, i64>(4)? as u64,
            samples_total: r.get::<_, i64>(5)? as u64,
        },
        created: r.get(6)?,
        started: r.get(7)?,
        finished: r.get(8)?,
        error: r.get(9)?,
        files: serde_json::from_str(&files).unwrap_or_default(),
        files_of: r.get(11)?,
        request,
    })
}

pub fn now() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

type Result<T> = std::result::Result<T, rusqlite::Error>;

impl Db {
    pub fn open(path: &Path) -> Result<Db> {
        let conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             CREATE TABLE IF NOT EXISTS jobs (
                 seq INTEGER PRIMARY KEY AUTOINCREMENT,
                 id TEXT NOT NULL UNIQUE,
                 command TEXT NOT NULL,
                 request TEXT NOT NULL,
                 cache_key TEXT NOT NULL,
                 status TEXT NOT NULL,
                 cached INTEGER NOT NULL DEFAULT 0,
                 samples_done INTEGER NOT NULL DEFAULT 0,
                 samples_total INTEGER NOT NULL DEFAULT 0,
                 created TEXT NOT NULL,
                 started TEXT,
                 finished TEXT,
                 error TEXT,
                 files TEXT NOT NULL DEFAULT '[]',
                 files_of TEXT NOT NULL
             );
             CREATE INDEX IF NOT EXISTS jobs_key ON jobs (cache_key, status);
             CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, seq);",
        )?;
        Ok(Db(Mutex::new(conn)))
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Jobs a killed server left running go back to the queue.
    pub fn requeue_running(&self) -> Result<usize> {
        self.conn().execute(
            "UPDATE jobs SET status = 'queued' WHERE status = 'running'",
            [],
        )
    }

    pub fn insert(
        &self,
        id: &str,
        command: &str,
        request: &str,
        key: &str,
        total: u64,
    ) -> Result<JobRecord> {
        self.conn().execute(
            "INSERT INTO jobs (id, command, request, cache_key, status, samples_total, created, files_of)
             VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?6, ?1)",
            params![id, command, request, key, total as i64, now()],
        )?;
        Ok(self.get(id)?.expect("just inserted"))
    }

    /// A finished job with the same key, repeated as a new, cached job.
    pub fn insert_cached(
        &self,
        id: &str,
        command: &str,
        request: &str,
        key: &str,
    ) -> Result<Option<JobRecord>> {
        let conn = self.conn();
        let done: Option<(String, String, i64)> = conn
            .query_row(
                "SELECT files_of, files, samples_total FROM jobs
                 WHERE cache_key = ?1 AND status = 'done' ORDER BY seq LIMIT 1",
                params![key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((files_of, files, total)) = done else {
            return Ok(None);
        };
        let t = now();
        conn.execute(
            "INSERT INTO jobs (id, command, request, cache_key, status, cached, samples_done,
                               samples_total, created, started, finished, files, files_of)
             VALUES (?1, ?2, ?3, ?4, 'done', 1, ?5, ?5, ?6, ?6, ?6, ?7, ?8)",
            params![id, command, request, key, total, t, files, files_of],
        )?;
        drop(conn);
        self.get(id)
    }

    pub fn get(&self, id: &str) -> Result<Option<JobRecord>> {
        self.conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
                params![id],
                row,
            )
            .optional()
    }

    /// Newest first.
    pub fn list(&self, status: Option<&str>, limit: u64, offset: u64) -> Result<Vec<JobRecord>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE (?1 IS NULL OR status = ?1)
             ORDER BY seq DESC LIMIT ?2 OFFSET ?3"
        ))?;
        stmt.query_map(params![status, limit as i64, offset as i64], row)?
            .collect()
    }

    /// Marks the oldest queued job running and returns it.
    pub fn claim_next(&self) -> Result<Option<JobRecord>> {
        let conn = self.conn();
        let id: Option<String> = conn
            .query_row(
                "SELECT id FROM jobs WHERE status = 'queued' ORDER BY seq LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let Some(id) = id else { return Ok(None) };
        conn.execute(
            "UPDATE jobs SET status = 'running', started = COALESCE(started, ?2) WHERE id = ?1",
            params![id, now()],
        )?;
        drop(conn);
        self.get(&id)
    }

    pub fn count(&self, status: &str) -> Result<u64> {
        self.conn()
            .query_row(
                "SELECT COUNT(*) FROM jobs WHERE status = ?1",
                params![status],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
    }

    /// Jobs by status, and the samples of the jobs that finished.
    pub fn totals(&self) -> Result<(Vec<(String, u64)>, u64)> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT status, COUNT(*) FROM jobs GROUP BY status")?;
        let by_status = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?
            .collect::<Result<Vec<_>>>()?;
        let samples: i64 = conn.query_row(
            "SELECT COALESCE(SUM(samples_done), 0) FROM jobs WHERE cached = 0",
            [],
            |r| r.get(0),
        )?;
        Ok((by_status, samples as u64))
    }

    /// A queued job is cancelled at once; returns whether it was queued.
    pub fn cancel_queued(&self, id: &str) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE jobs SET status = 'cancelled', finished = ?2 WHERE id = ?1 AND status = 'queued'",
            params![id, now()],
        )?;
        Ok(n > 0)
    }

    pub fn finish(
        &self,
        id: &str,
        status: &str,
        samples_done: u64,
        files: &[String],
        error: Option<&str>,
    ) -> Result<()> {
        // A done job did all it was to do: its total is what it did (a rare
        // job's total is only an estimate until then).
        self.conn().execute(
            "UPDATE jobs SET status = ?2, samples_done = ?3, files = ?4, error = ?5, finished = ?6,
                 samples_total = CASE WHEN ?2 = 'done' THEN ?3 ELSE samples_total END
             WHERE id = ?1",
            params![
                id,
                status,
                samples_done as i64,
                serde_json::to_string(files).unwrap_or_else(|_| "[]".into()),
                error,
                now()
            ],
        )?;
        Ok(())
    }

    /// A job stopped by a draining server: queued again, to resume.
    pub fn requeue(&self, id: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE jobs SET status = 'queued' WHERE id = ?1",
            params![id],
        )?;
        Ok(())
    }
}
