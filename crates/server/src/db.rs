//! The jobs, in SQLite: what was asked, where each job stands, and which
//! files it wrote. The result files themselves live under `DIR/jobs/ID/`.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::path::Path;
use std::sync::Mutex;

/// One connection writes; another reads, so that a look at a job does not
/// wait for a write (WAL mode).
pub struct Db {
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
}

/// A job's row as first written.
struct NewRow<'a> {
    id: &'a str,
    command: &'a str,
    request: &'a StoredRequest,
    key: &'a str,
    status: &'a str,
    /// A repeat of a finished job's answer.
    cached: bool,
    /// Done and total.
    samples: (i64, i64),
    /// Created; started and finished (a cached job's are its creation).
    times: (&'a str, Option<&'a str>),
    /// The file list, and the job whose folder holds them.
    files: (&'a str, &'a str),
}

fn insert_row(conn: &Connection, row: &NewRow) -> Result<()> {
    conn.execute(
        "INSERT INTO jobs (id, command, request, request_form, cache_key, status, cached,
                           samples_done, samples_total, created, started, finished, files,
                           files_of, model, variants)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13, ?14, ?15)",
        params![
            row.id,
            row.command,
            row.request.canonical,
            CANONICAL,
            row.key,
            row.status,
            row.cached,
            row.samples.0,
            row.samples.1,
            row.times.0,
            row.times.1,
            row.files.0,
            row.files.1,
            row.request.model,
            variants_json(&row.request.variants)
        ],
    )?;
    Ok(())
}

fn variants_json(variants: &[String]) -> String {
    serde_json::to_string(variants).unwrap_or_else(|_| "[]".into())
}

/// Databases written before 0.2.0 gain the columns that list a job without
/// reading its request, filled once from their requests.
fn migrate(conn: &Connection) -> Result<()> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info('jobs')")?;
    let columns = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>>>()?;
    if columns.iter().any(|c| c == "model") {
        return Ok(());
    }
    conn.execute_batch(
        "BEGIN;
         ALTER TABLE jobs ADD COLUMN model TEXT NOT NULL DEFAULT '';
         ALTER TABLE jobs ADD COLUMN variants TEXT NOT NULL DEFAULT '[]';
         ALTER TABLE jobs ADD COLUMN request_form INTEGER NOT NULL DEFAULT 0;",
    )?;
    let rows = {
        let mut stmt = conn.prepare("SELECT id, request FROM jobs")?;
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<Result<Vec<_>>>()?
    };
    for (id, request) in rows {
        let asked: serde_json::Value = serde_json::from_str(&request).unwrap_or_default();
        let variants: Vec<String> = asked["variants"]
            .as_array()
            .map(|v| {
                v.iter()
                    .filter_map(|m| m.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        conn.execute(
            "UPDATE jobs SET model = ?2, variants = ?3 WHERE id = ?1",
            params![
                id,
                asked["model"].as_str().unwrap_or_default(),
                variants_json(&variants)
            ],
        )?;
    }
    conn.execute_batch("COMMIT;")
}

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
}

const COLUMNS: &str = "id, command, status, cached, samples_done, samples_total, created, \
                       started, finished, error, files, files_of, model, variants";

/// A row of `COLUMNS`: the request itself is never read to list a job.
fn row(r: &rusqlite::Row) -> rusqlite::Result<JobRecord> {
    let files: String = r.get(10)?;
    let variants: String = r.get(13)?;
    Ok(JobRecord {
        id: r.get(0)?,
        command: r.get(1)?,
        model: r.get(12)?,
        variants: serde_json::from_str(&variants).unwrap_or_default(),
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
    })
}

pub fn now() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

type Result<T> = std::result::Result<T, rusqlite::Error>;

/// A request as stored: canonical JSON whose `files` map names to the
/// hashes of their texts, and the texts a rerun needs (none for a cached
/// answer, which never runs).
#[derive(Debug, Clone)]
pub struct StoredRequest {
    pub canonical: String,
    pub model: String,
    pub variants: Vec<String>,
    pub texts: Vec<(String, String)>,
}

/// How a row's `request` is written: as sent (before 0.2.0), or canonical
/// with its files' texts in `texts`.
const AS_SENT: i64 = 0;
const CANONICAL: i64 = 1;

impl Db {
    pub fn open(path: &Path) -> Result<Db> {
        let writer = Connection::open(path)?;
        writer.execute_batch(
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
             CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, seq);
             CREATE TABLE IF NOT EXISTS texts (
                 hash TEXT PRIMARY KEY,
                 text TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS job_texts (
                 job TEXT NOT NULL,
                 hash TEXT NOT NULL,
                 PRIMARY KEY (job, hash)
             );",
        )?;
        migrate(&writer)?;
        writer.execute_batch(
            "CREATE INDEX IF NOT EXISTS jobs_files_of ON jobs (files_of);
             CREATE INDEX IF NOT EXISTS job_texts_hash ON job_texts (hash);",
        )?;
        // A second connection for reads: in WAL mode they do not wait for
        // a write in progress, so looking at a job never queues behind one.
        let reader = Connection::open(path)?;
        reader.busy_timeout(std::time::Duration::from_secs(5))?;
        writer.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Db {
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn read(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.reader.lock().unwrap_or_else(|e| e.into_inner())
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
        request: &StoredRequest,
        key: &str,
        total: u64,
    ) -> Result<JobRecord> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let created = now();
        insert_row(
            &tx,
            &NewRow {
                id,
                command,
                request,
                key,
                status: "queued",
                cached: false,
                samples: (0, total as i64),
                times: (&created, None),
                files: ("[]", id),
            },
        )?;
        for (hash, text) in &request.texts {
            tx.execute(
                "INSERT OR IGNORE INTO texts (hash, text) VALUES (?1, ?2)",
                params![hash, text],
            )?;
            tx.execute(
                "INSERT OR IGNORE INTO job_texts (job, hash) VALUES (?1, ?2)",
                params![id, hash],
            )?;
        }
        tx.commit()?;
        drop(conn);
        Ok(self.get(id)?.expect("just inserted"))
    }

    /// A finished job with the same key, repeated as a new, cached job.
    /// Its texts are not kept: it never runs.
    pub fn insert_cached(
        &self,
        id: &str,
        command: &str,
        request: &StoredRequest,
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
        insert_row(
            &conn,
            &NewRow {
                id,
                command,
                request,
                key,
                status: "done",
                cached: true,
                samples: (total, total),
                times: (&t, Some(&t)),
                files: (&files, &files_of),
            },
        )?;
        drop(conn);
        self.get(id)
    }

    /// A job's request as JSON, its files' texts put back.
    pub fn request(&self, id: &str) -> Result<Option<String>> {
        let conn = self.read();
        let stored: Option<(String, i64)> = conn
            .query_row(
                "SELECT request, request_form FROM jobs WHERE id = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((request, form)) = stored else {
            return Ok(None);
        };
        if form == AS_SENT {
            return Ok(Some(request));
        }
        let mut stmt = conn.prepare(
            "SELECT texts.hash, texts.text FROM job_texts JOIN texts ON texts.hash = job_texts.hash
             WHERE job_texts.job = ?1",
        )?;
        let texts = stmt
            .query_map(params![id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<Result<std::collections::HashMap<_, _>>>()?;
        Ok(Some(super::stored::restore(&request, &texts)))
    }

    pub fn get(&self, id: &str) -> Result<Option<JobRecord>> {
        self.read()
            .query_row(
                &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
                params![id],
                row,
            )
            .optional()
    }

    /// Newest first.
    pub fn list(&self, status: Option<&str>, limit: u64, offset: u64) -> Result<Vec<JobRecord>> {
        let conn = self.read();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE (?1 IS NULL OR status = ?1)
             ORDER BY seq DESC LIMIT ?2 OFFSET ?3"
        ))?;
        let (limit, offset) = (limit.min(i64::MAX as u64), offset.min(i64::MAX as u64));
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
        self.read()
            .query_row(
                "SELECT COUNT(*) FROM jobs WHERE status = ?1",
                params![status],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
    }

    /// Jobs by status, and the samples of the jobs that finished.
    pub fn totals(&self) -> Result<(Vec<(String, u64)>, u64)> {
        let conn = self.read();
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

    /// Finished jobs that hold their own files (not cached repeats), oldest
    /// first: `(id, finished)`.
    pub fn finished_originals(&self) -> Result<Vec<(String, String)>> {
        let conn = self.read();
        let mut stmt = conn.prepare(
            "SELECT id, COALESCE(finished, created) FROM jobs
             WHERE status IN ('done', 'failed', 'cancelled') AND files_of = id
             ORDER BY COALESCE(finished, created), seq",
        )?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect()
    }

    /// Removes a finished job and the cached jobs that repeat it (their
    /// files are its files), then the texts no job needs any more; returns
    /// how many jobs went.
    pub fn remove_with_repeats(&self, id: &str) -> Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "DELETE FROM job_texts WHERE job IN (SELECT id FROM jobs WHERE files_of = ?1 OR id = ?1)",
            params![id],
        )?;
        let removed = tx.execute(
            "DELETE FROM jobs WHERE (files_of = ?1 OR id = ?1)
             AND status IN ('done', 'failed', 'cancelled')",
            params![id],
        )?;
        tx.execute(
            "DELETE FROM texts WHERE hash NOT IN (SELECT hash FROM job_texts)",
            [],
        )?;
        tx.commit()?;
        Ok(removed)
    }

    /// Bytes of the database's pages in use (free pages not counted).
    pub fn live_bytes(&self) -> Result<u64> {
        self.read()
            .query_row(
                "SELECT (p.page_count - f.freelist_count) * s.page_size
                 FROM pragma_page_count() AS p, pragma_freelist_count() AS f,
                      pragma_page_size() AS s",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
    }
}
