//! `gaprisk serve`: the job service, a shell over the gaprisk library like
//! the CLI: it keeps HTTP, the queue and storage, and leaves what a job is
//! (its options, identity, cost and run) to the library.
//! Handlers are thin: they parse, hand the work to the queue or the
//! database, and map errors to statuses in `error.rs`. Jobs run on worker
//! threads, never on the async runtime.

mod api;
mod connections;
mod db;
mod error;
mod guard;
mod library;
mod openapi;
mod queue;
mod rate;
mod retention;
mod stored;

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
    /// Sobol, plus B x N for B bootstrap resamples under design mc;
    /// N (2k + 1) for a tornado; N x 21 when filtering with sampler subset
    /// or is), or for rare its samples times 21 (its most levels or stages,
    /// and the last); beyond it, 422.
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
    /// A Host name (with or without its port) the server answers to besides
    /// 127.0.0.1, localhost and [::1] with its port; repeatable. A server
    /// listening beyond loopback answers to any Host unless this is given.
    #[arg(long, value_name = "HOST")]
    pub allow_host: Vec<String>,
    /// An Origin (`https://notebooks.example`) whose pages may call the API
    /// besides the server's own; repeatable. Requests from any other Origin
    /// get 403.
    #[arg(long, value_name = "ORIGIN")]
    pub allow_origin: Vec<String>,
    /// Connections open at once; a connection beyond it gets one answer
    /// (GET /healthz 200, anything else 503) and is closed. Lowered to fit
    /// the process's descriptor limit.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers, counted from the
    /// connection's start or its previous response; then it is closed.
    #[arg(long, value_name = "S", default_value_t = 10.0)]
    pub header_timeout: f64,
    /// Seconds a client has to send a request's body; then 408.
    #[arg(long, value_name = "S", default_value_t = 30.0)]
    pub body_timeout: f64,
    /// Submissions (POST /v1/jobs and /v1/check) a client (an IPv4
    /// address, or an IPv6 address's /64) may make a minute, in bursts of up
    /// to a sixth of it; cached answers and refusals count. Beyond it, 429.
    /// 0: no limit.
    #[arg(long, value_name = "N", default_value_t = 600)]
    pub rate_limit: u32,
    /// Days a finished job (and its files) is kept; 0: for ever.
    #[arg(long, value_name = "DAYS", default_value_t = 90.0)]
    pub keep_days: f64,
    /// The data folder's size (the database and the jobs' files) to stay
    /// under by removing the oldest finished jobs first, in bytes or with
    /// K, M, G or T (powers of 1024); 0: no limit.
    #[arg(long, value_name = "BYTES", default_value = "10G")]
    pub max_storage: ByteSize,
    /// Memory the jobs built on submission may hold while they wait (they
    /// are built again when they are reached otherwise), in bytes or with
    /// K, M, G or T.
    #[arg(long, value_name = "BYTES", default_value = "1G")]
    pub max_built_memory: ByteSize,
    /// How the log lines on standard error are written.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub log_format: LogFormat,
}

/// A size in bytes: digits with an optional K, M, G or T (powers of 1024).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ByteSize(pub u64);

impl std::str::FromStr for ByteSize {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let t = s.trim();
        let t = t
            .strip_suffix("iB")
            .or_else(|| t.strip_suffix('B'))
            .unwrap_or(t);
        let (digits, shift) = match t.chars().last() {
            Some('K' | 'k') => (&t[..t.len() - 1], 10),
            Some('M' | 'm') => (&t[..t.len() - 1], 20),
            Some('G' | 'g') => (&t[..t.len() - 1], 30),
            Some('T' | 't') => (&t[..t.len() - 1], 40),
            _ => (t, 0),
        };
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("'{s}' is not a size (bytes, or digits with K, M, G or T)"))?;
        n.checked_mul(1u64 << shift)
            .map(ByteSize)
            .ok_or_else(|| format!("'{s}' is too large"))
    }
}

/// `--log-format`'s choices.
#[derive(Debug, Clone, Copy, PartialEq, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per line (fields: timestamp, level, fields, spans).
    Json,
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
    pub allow_hosts: Vec<String>,
    pub allow_origins: Vec<String>,
    pub connections: connections::ConnectionLimits,
    pub body_timeout: Duration,
    pub rate_limit: u32,
    pub retention: retention::Retention,
    pub max_built_memory: u64,
    pub log_format: LogFormat,
}

/// Seconds given as an option: positive and finite.
fn seconds(name: &'static str, value: f64) -> Result<Duration> {
    if value > 0.0 && value.is_finite() && value < 1e9 {
        Ok(Duration::from_secs_f64(value))
    } else {
        Err(Error::option(
            name,
            format!("{{{name}}} must be a positive number of seconds"),
        ))
    }
}

impl ServeSpec {
    /// The options checked, and the token read from its file.
    pub fn config(self) -> Result<ServeConfig> {
        if self.jobs == 0 {
            return Err(Error::option("jobs", "{jobs} must be at least 1"));
        }
        let checkpoint_every = seconds("checkpoint_every", self.checkpoint_every)?;
        if self.max_connections == 0 {
            return Err(Error::option(
                "max_connections",
                "{max_connections} must be at least 1",
            ));
        }
        if !(self.keep_days >= 0.0 && self.keep_days < 1e6) {
            return Err(Error::option(
                "keep_days",
                "{keep_days} must be a number of days from 0 (for ever) to 10^6",
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
            checkpoint_every,
            allow_hosts: self.allow_host,
            allow_origins: self.allow_origin,
            connections: connections::ConnectionLimits {
                max_connections: self.max_connections,
                max_overflow: 256,
                header_timeout: seconds("header_timeout", self.header_timeout)?,
                grace: SHUTDOWN_GRACE,
            },
            body_timeout: seconds("body_timeout", self.body_timeout)?,
            rate_limit: self.rate_limit,
            retention: retention::Retention {
                keep: (self.keep_days > 0.0)
                    .then(|| Duration::from_secs_f64(self.keep_days * 86_400.0)),
                max_storage: (self.max_storage.0 > 0).then_some(self.max_storage.0),
            },
            max_built_memory: self.max_built_memory.0,
            log_format: self.log_format,
        })
    }
}

/// How long requests in flight may take to finish once the server is told
/// to stop; with the jobs' last checkpoints, it bounds the time to exit.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What every handler sees.
pub struct AppState {
    queue: Arc<Queue>,
    /// The OpenAPI document, made once.
    openapi: String,
    token: Option<String>,
    max_body: usize,
    max_queue: u64,
    body_timeout: Duration,
    origins: guard::Origins,
    submissions: rate::RateLimiter,
    /// Models compiled on submission at once: the rest wait, so a burst of
    /// large sweeps cannot take every core from the requests behind it.
    building: tokio::sync::Semaphore,
    in_flight: connections::InFlight,
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
    init_logs(config.log_format);
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
        tracing::info!(jobs = requeued, "interrupted jobs queued again");
    }
    let queue = Queue::new(
        Arc::new(db),
        config.data.clone(),
        config.models.clone(),
        config.limits,
        config.checkpoint_every,
        config.max_built_memory,
    )?;
    let workers = queue.start(config.jobs);
    let keeper = queue.keep_storage(config.retention);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the runtime", e))?;
    let connection_limits = connections::fit_to_descriptors(config.connections);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let in_flight = connections::InFlight::default();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| Error::io(format!("cannot listen on {}", config.listen), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("cannot read the bound address", e))?;
        let state = Arc::new(AppState {
            queue: queue.clone(),
            openapi: openapi::document(config.token.is_some()),
            token: config.token.clone(),
            max_body: config.max_body,
            max_queue: config.max_queue,
            body_timeout: config.body_timeout,
            origins: guard::Origins::new(addr, &config.allow_hosts, &config.allow_origins),
            submissions: rate::RateLimiter::new(config.rate_limit, (config.rate_limit / 6).max(1)),
            building: tokio::sync::Semaphore::new(cores),
            in_flight: in_flight.clone(),
        });
        tracing::info!(
            %addr,
            max_connections = connection_limits.max_connections,
            "listening"
        );
        ready(addr);
        connections::serve(
            listener,
            api::router(state),
            connection_limits,
            in_flight,
            shutdown(queue.clone()),
        )
        .await;
        Ok::<(), Error>(())
    })?;
    // Connections still open after the grace are dropped with the runtime.
    runtime.shutdown_timeout(Duration::from_secs(1));
    for w in workers {
        let _ = w.join();
    }
    let _ = keeper.join();
    tracing::info!("stopped");
    Ok(())
}

/// Log lines on standard error, as text or JSON lines; the first call in a
/// process sets them (a test that serves twice keeps the first).
fn init_logs(format: LogFormat) {
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder.json().with_current_span(true).try_init(),
    };
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
    tracing::info!("draining: running jobs checkpoint and will resume at the next start");
    queue.drain();
}
