//! The job queue: `--jobs` worker threads, off the async runtime, take the
//! oldest queued job from the database, run it on the shared thread pool
//! with its own cancellation token, and store its files. A run saves
//! checkpoints in its folder, so a server killed mid-run resumes it.

use super::db::{Db, JobRecord};
use super::error::ApiError;
use gaprisk::RunSinks;
use gaprisk::spec::request::JobRequest;
use gaprisk::spec::schema::Shell;
use gaprisk::{CancelToken, Workers};
use gaprisk::{Job, JobOutput, LayeredFiles, Limits, Outcome, RunContext};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// A job being worked on: its token and its progress.
#[derive(Clone)]
pub struct Running {
    pub token: CancelToken,
    /// Set when a user asked to cancel (not a drain): the job ends
    /// cancelled, never queued again.
    pub cancelled_by_user: Arc<AtomicBool>,
    pub done: Arc<AtomicU64>,
    pub total: Arc<AtomicU64>,
    /// A run's estimates as they settle, for the live page.
    pub live: Arc<Mutex<Live>>,
}

/// What a running job's page draws before its report exists: the first
/// quantity's name, whether it is an event, the interval's level, and its
/// points so far (`[samples, mean, ci_low, ci_high]`).
#[derive(Debug, Clone, Default)]
pub struct Live {
    pub quantity: Option<(String, bool, f64)>,
    pub points: Vec<[f64; 4]>,
}

pub struct Queue {
    pub db: Arc<Db>,
    pub data: PathBuf,
    pub library: PathBuf,
    pub limits: Limits,
    pub checkpoint_every: Duration,
    pool: Arc<rayon::ThreadPool>,
    running: Mutex<HashMap<String, Running>>,
    /// Jobs as the handler built them on submission, so a worker need not
    /// load and compile the models again (absent after a restart, or when
    /// the budget below was spent: then the stored request is built anew).
    prebuilt: Mutex<Prebuilt>,
    /// Cancels asked for jobs claimed but not yet registered as running.
    pending_cancels: Mutex<std::collections::HashSet<String>>,
    wake: (Mutex<()>, Condvar),
    draining: AtomicBool,
}

/// Built jobs kept for the workers, within a memory budget.
struct Prebuilt {
    jobs: HashMap<String, (Job, u64)>,
    bytes: u64,
    budget: u64,
}

/// A checkpoint's file in a job's folder.
const CHECKPOINT: &str = "checkpoint.part";

impl Queue {
    pub fn new(
        db: Arc<Db>,
        data: PathBuf,
        library: PathBuf,
        limits: Limits,
        checkpoint_every: Duration,
        max_built_memory: u64,
    ) -> gaprisk::Result<Arc<Queue>> {
        let pool =
            rayon::ThreadPoolBuilder::new()
                .build()
                .map_err(|e| gaprisk::Error::ThreadPool {
                    threads: 0,
                    reason: e.to_string(),
                })?;
        Ok(Arc::new(Queue {
            db,
            data,
            library,
            limits,
            checkpoint_every,
            pool: Arc::new(pool),
            running: Mutex::new(HashMap::new()),
            pending_cancels: Mutex::new(std::collections::HashSet::new()),
            prebuilt: Mutex::new(Prebuilt {
                jobs: HashMap::new(),
                bytes: 0,
                budget: max_built_memory,
            }),
            wake: (Mutex::new(()), Condvar::new()),
            draining: AtomicBool::new(false),
        }))
    }

    pub fn job_dir(&self, id: &str) -> PathBuf {
        self.data.join("jobs").join(id)
    }

    /// Validates a request into its job, its models read from the
    /// request's files and the library; a run saves checkpoints, and
    /// `resume` continues one from a checkpoint's bytes.
    pub fn build(&self, request: &JobRequest, resume: Option<Vec<u8>>) -> Result<Job, ApiError> {
        let files = LayeredFiles::library(&self.library).with_texts(&request.files)?;
        let spec = request.spec(Shell::Service, &files)?;
        let job = Job::build(&files, &spec, &self.limits)?.checkpointed(self.checkpoint_every);
        Ok(match resume {
            Some(bytes) => job.resuming(CHECKPOINT, &bytes)?,
            None => job,
        })
    }

    /// Starts `workers` threads; they end when the queue drains.
    pub fn start(self: &Arc<Self>, workers: usize) -> Vec<std::thread::JoinHandle<()>> {
        (0..workers)
            .map(|_| {
                let queue = self.clone();
                std::thread::spawn(move || queue.work())
            })
            .collect()
    }

    /// Keeps the job built for `id` for the worker that will run it while
    /// the kept jobs' memory stays within `--max-built-memory` (a compiled
    /// model holds its quantile tables; a job over the budget is built
    /// again when it is reached).
    pub fn keep_built(&self, id: &str, built: Job) {
        let bytes = built.heap_bytes();
        let mut kept = self.prebuilt.lock().unwrap_or_else(|e| e.into_inner());
        if kept.bytes.saturating_add(bytes) <= kept.budget {
            kept.bytes += bytes;
            kept.jobs.insert(id.to_string(), (built, bytes));
        }
    }

    /// Takes back the job built for `id` (to run it, or because it will not
    /// run: cancelled while queued).
    pub fn take_built(&self, id: &str) -> Option<Job> {
        let mut kept = self.prebuilt.lock().unwrap_or_else(|e| e.into_inner());
        let (job, bytes) = kept.jobs.remove(id)?;
        kept.bytes -= bytes;
        Some(job)
    }

    /// Forgets a job built for `id` that will not run.
    pub fn forget_built(&self, id: &str) {
        self.take_built(id);
    }

    /// Starts the retention thread: a pass now and every minute until the
    /// queue drains.
    pub fn keep_storage(
        self: &Arc<Self>,
        retention: super::retention::Retention,
    ) -> std::thread::JoinHandle<()> {
        let queue = self.clone();
        std::thread::spawn(move || {
            loop {
                match super::retention::apply(&queue.db, &queue.data, &retention) {
                    Ok(0) => {}
                    Ok(removed) => tracing::info!(jobs = removed, "retention removed jobs"),
                    Err(e) => tracing::error!(error = %e, "retention"),
                }
                // Its own wait, not the workers' condition variable: a
                // wake-up meant for a worker must not land here.
                let deadline = std::time::Instant::now() + super::retention::EVERY;
                while !queue.is_draining() && std::time::Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(200));
                }
                if queue.is_draining() {
                    return;
                }
            }
        })
    }

    /// Tells a worker that a job was queued.
    pub fn notify(&self) {
        // Under the lock, so a worker between its look at the queue and
        // its wait cannot miss the news.
        let _guard = self.wake.0.lock().unwrap_or_else(|e| e.into_inner());
        self.wake.1.notify_one();
    }

    /// A user's cancel of a running (or just claimed) job: it stops at its
    /// next chunk boundary and ends cancelled.
    pub fn cancel_running(&self, id: &str) {
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        match running.get(id) {
            Some(r) => {
                r.cancelled_by_user.store(true, Ordering::SeqCst);
                r.token.cancel();
            }
            None => {
                // Claimed, not yet registered: the worker sees it there.
                self.pending_cancels
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(id.to_string());
            }
        }
    }

    pub fn running(&self, id: &str) -> Option<Running> {
        self.running.lock().ok()?.get(id).cloned()
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Stops taking jobs and stops the running ones at their next chunk
    /// boundary; they are queued again, with their checkpoints, for the
    /// next start.
    pub fn drain(&self) {
        self.draining.store(true, Ordering::SeqCst);
        if let Ok(running) = self.running.lock() {
            for r in running.values() {
                r.token.cancel();
            }
        }
        self.wake.1.notify_all();
    }

    fn work(&self) {
        loop {
            let job = {
                let mut guard = self.wake.0.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    if self.is_draining() {
                        return;
                    }
                    match self.db.claim_next() {
                        Ok(Some(job)) => break job,
                        Ok(None) => {}
                        Err(e) => tracing::error!(error = %e, "database"),
                    }
                    guard = self
                        .wake
                        .1
                        .wait_timeout(guard, Duration::from_millis(500))
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            };
            self.run(job);
        }
    }

    fn run(&self, job: JobRecord) {
        let span = tracing::info_span!("job", id = %job.id, command = %job.command);
        let _entered = span.enter();
        tracing::info!("job started");
        let running = Running {
            cancelled_by_user: Arc::new(AtomicBool::new(false)),
            token: CancelToken::new(),
            done: Arc::new(AtomicU64::new(0)),
            total: Arc::new(AtomicU64::new(job.progress.samples_total)),
            live: Arc::new(Mutex::new(Live::default())),
        };
        {
            let mut r = self.running.lock().unwrap_or_else(|e| e.into_inner());
            let mut pending = self
                .pending_cancels
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if pending.remove(&job.id) {
                running.cancelled_by_user.store(true, Ordering::SeqCst);
                running.token.cancel();
            }
            r.insert(job.id.clone(), running.clone());
        }
        let dir = self.job_dir(&job.id);
        // A defect of the library's that panics fails this job, not the
        // worker that would take every job after it.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.execute(&job, &dir, &running)
        }))
        .unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(panic = %what, "the job panicked");
            Err(format!(
                "internal error (a defect of gaprisk's; please report it): {what}"
            ))
        })
        .map_err(|e| self.scrub(e));
        if let Ok(mut r) = self.running.lock() {
            r.remove(&job.id);
        }
        let done = running.done.load(Ordering::SeqCst);
        let stored = match result {
            Ok(Outcome::Completed(out)) => self.store(&job, &dir, &out).and_then(|files| {
                let _ = std::fs::remove_file(dir.join(CHECKPOINT));
                let total = running.total.load(Ordering::SeqCst);
                self.db
                    .finish(&job.id, "done", total.max(done), &files, None)
                    .map_err(|e| e.to_string())
            }),
            Ok(Outcome::Cancelled { .. })
                if self.is_draining() && !running.cancelled_by_user.load(Ordering::SeqCst) =>
            {
                self.db.requeue(&job.id).map_err(|e| e.to_string())
            }
            Ok(Outcome::Cancelled {
                samples_done,
                partial,
            }) => {
                // Cancelled for good: nothing will resume it.
                let _ = std::fs::remove_file(dir.join(CHECKPOINT));
                let files = match &partial {
                    Some(out) => self.store(&job, &dir, out),
                    None => Ok(Vec::new()),
                };
                files.and_then(|files| {
                    self.db
                        .finish(&job.id, "cancelled", samples_done, &files, None)
                        .map_err(|e| e.to_string())
                })
            }
            Err(message) => self
                .db
                .finish(&job.id, "failed", done, &[], Some(&message))
                .map_err(|e| e.to_string()),
        };
        match &stored {
            Ok(()) => tracing::info!(samples = done, "job ended"),
            Err(e) => tracing::error!(error = %e, "job could not be stored"),
        }
        if let Err(e) = stored {
            let _ = self.db.finish(&job.id, "failed", done, &[], Some(&e));
        }
    }

    /// A message a client will see, without the server's own folders: the
    /// data folder's and the library's paths become relative.
    fn scrub(&self, message: String) -> String {
        let mut message = message;
        // Only absolute folders: a relative one already names nothing of
        // the server's disk, and as a bare word it could be anything.
        for top in [&self.data, &self.library] {
            if top.is_absolute() {
                message = message.replace(&format!("{}/", top.display()), "");
            }
        }
        message
    }

    /// Rebuilds the job from its stored request and runs it.
    fn execute(
        &self,
        job: &JobRecord,
        dir: &Path,
        running: &Running,
    ) -> Result<Outcome<JobOutput>, String> {
        let checkpoint = dir.join(CHECKPOINT);
        // A run resumes from the last checkpoint a killed server left;
        // otherwise the job built when it was submitted is used as it is.
        let resume = std::fs::read(&checkpoint).ok();
        let built = match self.take_built(&job.id) {
            Some(built) if resume.is_none() => built,
            _ => {
                let stored = self
                    .db
                    .request(&job.id)
                    .map_err(|e| format!("database: {e}"))?
                    .ok_or("the job's request is gone")?;
                let request =
                    JobRequest::from_json(stored.as_bytes()).map_err(|e| e.to_string())?;
                self.build(&request, resume).map_err(|e| e.message())?
            }
        };
        // Named as the data folder's own path: no absolute server path in
        // what a client sees.
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create jobs/{}: {e}", job.id))?;
        let workers = Workers::with_pool(self.pool.clone()).with_cancel(running.token.clone());
        let (done, total) = (running.done.clone(), running.total.clone());
        let progress = move |d: u64, t: u64| {
            done.store(d, Ordering::SeqCst);
            total.store(t, Ordering::SeqCst);
        };
        let live = running.live.clone();
        let watch = move |watched: &gaprisk::Watched, point: &gaprisk::live::ConvergencePoint| {
            let (Some((name, is_event)), Some(e)) = (watched.quantity(0), point.estimates.first())
            else {
                return;
            };
            let mut live = live.lock().unwrap_or_else(|e| e.into_inner());
            if live.quantity.is_none() {
                live.quantity = Some((name.to_string(), is_event, watched.confidence));
            }
            live.points
                .push([point.samples as f64, e.mean, e.ci_low, e.ci_high]);
        };
        let ctx = RunContext::new(workers)
            .with_progress(&progress)
            .with_watch(&watch);
        let mut save = |bytes: &[u8]| gaprisk::files::write_atomically(&checkpoint, bytes);
        let sinks = RunSinks {
            draws: None,
            checkpoint: Some(&mut save),
        };
        built.execute(&ctx, sinks).map_err(|e| e.to_string())
    }

    /// Writes a job's files into its folder, each atomically; the manifest
    /// gains the job's id.
    fn store(&self, job: &JobRecord, dir: &Path, out: &JobOutput) -> Result<Vec<String>, String> {
        let files: Vec<gaprisk::files::OutputFile> = out
            .files
            .iter()
            .map(|f| gaprisk::files::OutputFile {
                name: f.name.clone(),
                bytes: if f.name == gaprisk::files::MANIFEST {
                    gaprisk::files::with_job_id(&f.bytes, &job.id)
                } else {
                    f.bytes.clone()
                },
            })
            .collect();
        gaprisk::files::write_all(dir, &files).map_err(|e| self.scrub(e.to_string()))?;
        Ok(files.into_iter().map(|f| f.name).collect())
    }
}
