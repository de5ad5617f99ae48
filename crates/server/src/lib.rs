//! `gaprisk serve`: the job service, a shell over the gaprisk library like
//! the CLI: it keeps HTTP, the queue and storage, and leaves what a job is
//! (its options, identity, cost and run) to the library.
//! Handlers are thin: they parse, hand the work to the queue or the
//! database, and map errors to statuses in `error.rs`. Jobs run on worker
//! threads, never on the async runtime.

mod api;
mod db;
mod error;
mod library;
mod openapi;
mod queue;

use gaprisk::Limits;
use gaprisk::spec::Count;
use gaprisk::{Error, Result};
use queue::Queue;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// `gaprisk serve`'s options.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeSpec {
    /// Address and port to listen on; port 0 picks a free port. Anything
    /// but a loopback address needs --token-file (refused at start-up
    /// otherwise, exit 2).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// Folder of the job database and the jobs' files (created if missing).
    #[arg(long, value_name = "DIR", default_value = "gaprisk-data")]
    pub data: PathBuf,
    /// The model library: requests name its files, and model files sent
    /// with a request may `extends` them.
    #[arg(long, value_name = "DIR", default_value = "models")]
    pub models: PathBuf,
    /// Jobs run at once; they share one thread pool of one thread per
    /// core, so more than 1 interleaves jobs rather than speeding them up.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub jobs: usize,
    /// File whose first line (trimmed, at least 16 characters) is the
    /// bearer token every /v1 request must carry.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Largest request body, in bytes; larger ones get 413.
    #[arg(long, value_name = "BYTES", default_value_t = 4 << 20)]
    pub max_body: usize,
    /// Most jobs waiting to run (running ones not counted); a submission
    /// beyond it gets 429.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_queue: u64,
    /// Most model evaluations one job may make: its samples (a run's
    /// max_samples under a stopping rule) times its models (compare), its
    /// points (sweep), its design columns (sensitivity: N (2d + 2) for
    /// Sobol, N (2k + 1) for a tornado), or for rare its samples times 21
    /// (its most levels or stages, and the last); beyond it, 422.
    #[arg(long, value_name = "N", default_value = "1e10")]
    pub max_evaluations: Count,
    /// Most entries a model may have (every model of a request), checked
    /// before it is compiled; beyond it, 422.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_nodes: usize,
    /// Most points of a sweep's grid (each point is a compiled model held
    /// in memory while the sweep runs); beyond it, 422.
    #[arg(long, value_name = "N", default_value_t = 400)]
    pub max_points: usize,
    /// Seconds between a running run's checkpoints.
    #[arg(long, value_name = "S", default_value_t = 5.0)]
    pub checkpoint_every: f64,
}

/// The validated options of `gaprisk serve`.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub data: PathBuf,
    pub models: PathBuf,
    pub jobs: usize,
    pub token: Option<String>,
    pub max_body: usize,
    pub max_queue: u64,
    pub limits: Limits,
    pub checkpoint_every: Duration,
}

impl ServeSpec {
    /// The options checked, and the token read from its file.
    pub fn config(self) -> Result<ServeConfig> {
        if self.jobs == 0 {
            return Err(Error::option("jobs", "{jobs} must be at least 1"));
        }
        if !(self.checkpoint_every > 0.0 && self.checkpoint_every.is_finite()) {
            return Err(Error::option(
                "checkpoint_every",
                "{checkpoint_every} must be a positive number of seconds",
            ));
        }
        let token = match &self.token_file {
            Some(path) => Some(read_token(path)?),
            None => None,
        };
        Ok(ServeConfig {
            listen: self.listen,
            data: self.data,
            models: self.models,
            jobs: self.jobs,
            token,
            max_body: self.max_body,
            max_queue: self.max_queue,
            limits: Limits {
                max_nodes: self.max_nodes,
                max_points: self.max_points,
                max_evaluations: self.max_evaluations.get(),
            },
            checkpoint_every: Duration::from_secs_f64(self.checkpoint_every),
        })
    }
}

/// What every handler sees.
pub struct AppState {
    queue: Arc<Queue>,
    /// The OpenAPI document, made once.
    openapi: String,
    token: Option<String>,
    max_body: usize,
    max_queue: u64,
}

/// Reads a token file: its first line, trimmed; an empty token is refused.
pub fn read_token(path: &std::path::Path) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    let token = text.lines().next().unwrap_or("").trim().to_string();
    if token.len() < 16 {
        return Err(Error::option(
            "token_file",
            format!(
                "{}: the token must be at least 16 characters",
                gaprisk::error::literal(&path.display().to_string())
            ),
        ));
    }
    Ok(token)
}

/// Runs the server until SIGTERM or Ctrl-C, then drains: no new jobs, the
/// running ones checkpoint and are queued again for the next start.
pub fn serve(config: ServeConfig, ready: impl FnOnce(SocketAddr)) -> Result<()> {
    if !config.listen.ip().is_loopback() && config.token.is_none() {
        return Err(Error::option(
            "listen",
            format!(
                "listening on {} (beyond loopback) needs {{token_file}}",
                config.listen
            ),
        ));
    }
    std::fs::create_dir_all(config.data.join("jobs"))
        .map_err(|e| Error::io(format!("cannot create {}", config.data.display()), e))?;
    let db_path = config.data.join("jobs.sqlite");
    let db = db::Db::open(&db_path).map_err(|e| {
        Error::io(
            format!("cannot open {}", db_path.display()),
            std::io::Error::other(e),
        )
    })?;
    let requeued = db
        .requeue_running()
        .map_err(|e| Error::io("database", std::io::Error::other(e)))?;
    if requeued > 0 {
        eprintln!("gaprisk serve: {requeued} interrupted job(s) queued again");
    }
    let queue = Queue::new(
        Arc::new(db),
        config.data.clone(),
        config.models.clone(),
        config.limits,
        config.checkpoint_every,
    )?;
    let workers = queue.start(config.jobs);
    let state = Arc::new(AppState {
        queue: queue.clone(),
        openapi: openapi::document(),
        token: config.token.clone(),
        max_body: config.max_body,
        max_queue: config.max_queue,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the runtime", e))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| Error::io(format!("cannot listen on {}", config.listen), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("cannot read the bound address", e))?;
        ready(addr);
        axum::serve(listener, api::router(state))
            .with_graceful_shutdown(shutdown(queue.clone()))
            .await
            .map_err(|e| Error::io("server", e))
    })?;
    for w in workers {
        let _ = w.join();
    }
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C, after telling the queue to drain.
async fn shutdown(queue: Arc<Queue>) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    eprintln!("gaprisk serve: draining: running jobs checkpoint and will resume at the next start");
    queue.drain();
}
