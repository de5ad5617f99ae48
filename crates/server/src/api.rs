//! The routes and their handlers.

use super::AppState;
use super::connections::{InFlight, Peer};
use super::db::JobRecord;
use super::error::ApiError;
use super::{guard, stored};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Extension, FromRequest, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use gaprisk::LayeredFiles;
use gaprisk::spec::request::JobRequest;
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tracing::Instrument;

type AppResult<T> = Result<T, ApiError>;
type Shared = State<Arc<AppState>>;

const PAGE: &str = include_str!("page.html");

pub fn router(state: Arc<AppState>) -> Router {
    let v1 = Router::new()
        .route("/jobs", post(submit).get(list))
        .route("/jobs/{id}", get(job).delete(cancel))
        .route("/jobs/{id}/files/{name}", get(file))
        .route("/jobs/{id}/events", get(events))
        .route("/jobs/{id}/live", get(live_chart))
        .route("/check", post(check))
        .route("/models", get(models))
        .route("/openapi.json", get(openapi))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard::check_v1,
        ));
    Router::new()
        .route("/", get(page))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .nest("/v1", v1)
        .fallback(|| async { ApiError::NotFound("no such route".into()) })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard::check_origin,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), trace))
        .with_state(state)
}

/// A span per request with an id (sent back as `x-request-id`), and one
/// line when it is answered.
async fn trace(State(state): Shared, req: Request, next: Next) -> Response {
    let counted = state.in_flight.enter();
    static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let id = format!("{:08x}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let peer = req
        .extensions()
        .get::<Peer>()
        .map(|p| p.0.ip().to_string())
        .unwrap_or_default();
    let span = tracing::info_span!("request", id = %id, %method, %path, %peer);
    let started = std::time::Instant::now();
    let mut response = next.run(req).instrument(span.clone()).await;
    let status = response.status().as_u16();
    // To the microsecond: the log shows the figure, not a float's noise.
    let ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
    span.in_scope(|| {
        // Reads that succeed are the bulk (pollers): kept out of the info level.
        if method == axum::http::Method::GET && status < 400 {
            tracing::debug!(status, ms, "answered");
        } else if status >= 500 {
            tracing::error!(status, ms, "answered");
        } else {
            tracing::info!(status, ms, "answered");
        }
    });
    if let Ok(value) = header::HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    InFlight::until_sent(response, counted)
}

/// A request's body, read within `--body-timeout` and `--max-body`.
struct Body(Bytes);

impl FromRequest<Arc<AppState>> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, ApiError> {
        use http_body_util::BodyExt;
        let limited = http_body_util::Limited::new(req.into_body(), state.max_body);
        match tokio::time::timeout(state.body_timeout, limited.collect()).await {
            Err(_) => Err(ApiError::Timeout(state.body_timeout.as_secs())),
            Ok(Ok(collected)) => Ok(Body(collected.to_bytes())),
            Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
                Err(ApiError::TooLarge(state.max_body))
            }
            Ok(Err(e)) => Err(ApiError::BadRequest(format!("cannot read the body: {e}"))),
        }
    }
}

/// The refusals that cost nothing, before a submission's body is read: a draining
/// server, a client over its rate, a full queue.
fn admit(state: &AppState, peer: Option<&Peer>, queue_too: bool) -> AppResult<()> {
    if state.queue.is_draining() {
        return Err(ApiError::Draining);
    }
    if let Some(Peer(addr)) = peer
        && let Err(retry_after) = state.submissions.take(addr.ip(), std::time::Instant::now())
    {
        return Err(ApiError::RateLimited { retry_after });
    }
    if queue_too && state.queue.db.count("queued").map_err(db_error)? >= state.max_queue {
        return Err(ApiError::QueueFull { retry_after: 30 });
    }
    Ok(())
}

/// A path that does not decode (`/v1/jobs/%FF`): the API's 400.
fn bad_path(e: PathRejection) -> ApiError {
    ApiError::BadRequest(e.body_text())
}

fn malformed(e: serde_json::Error) -> ApiError {
    ApiError::BadRequest(format!("malformed JSON: {e}"))
}

fn db_error(e: rusqlite::Error) -> ApiError {
    ApiError::Internal(format!("database: {e}"))
}

/// A job with its live progress while it runs.
fn live(state: &AppState, mut job: JobRecord) -> JobRecord {
    if let Some(r) = state.queue.running(&job.id) {
        job.progress.samples_done = r.done.load(Ordering::SeqCst);
        job.progress.samples_total = r.total.load(Ordering::SeqCst);
    }
    job
}

/// A job id: unpredictable enough that ids cannot be guessed from one
/// another (the clock's nanoseconds, the process, a counter, hashed).
fn new_id() -> String {
    use sha2::{Digest, Sha256};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let digest = Sha256::digest(format!("{nanos}-{}-{n}", std::process::id()).as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

async fn submit(
    State(state): Shared,
    peer: Option<Extension<Peer>>,
    req: Request,
) -> AppResult<Response> {
    admit(&state, peer.as_deref(), true)?;
    let Body(bytes) = Body::from_request(req, &state).await?;
    let request = JobRequest::from_json(&bytes).map_err(malformed)?;
    drop(bytes);
    let stored = stored::canonical(&request);
    let queue = state.queue.clone();
    // Loading and compiling models is work: off the async threads, and a
    // few at a time.
    let job = {
        let _building = state
            .building
            .acquire()
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(move || queue.build(&request, None))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))??
    };
    let (db, id) = (&state.queue.db, new_id());
    let command = job.kind().name();
    if let Some(record) = db
        .insert_cached(&id, command, &stored, job.cache_key())
        .map_err(db_error)?
    {
        return Ok((StatusCode::OK, axum::Json(record)).into_response());
    }
    // Checked again: the queue may have filled while this one was built.
    if db.count("queued").map_err(db_error)? >= state.max_queue {
        return Err(ApiError::QueueFull { retry_after: 30 });
    }
    let (key, total) = (job.cache_key().to_string(), job.progress_total());
    state.queue.keep_built(&id, job);
    let record = match db.insert(&id, command, &stored, &key, total) {
        Ok(record) => record,
        Err(e) => {
            state.queue.forget_built(&id);
            return Err(db_error(e));
        }
    };
    tracing::info!(job = %id, command, "job queued");
    state.queue.notify();
    Ok((StatusCode::ACCEPTED, axum::Json(record)).into_response())
}

async fn job(
    State(state): Shared,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<axum::Json<JobRecord>> {
    let Path(id) = path.map_err(bad_path)?;
    let job = state.queue.db.get(&id).map_err(db_error)?;
    let job = job.ok_or_else(|| ApiError::NotFound(format!("no job '{id}'")))?;
    Ok(axum::Json(live(&state, job)))
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    #[serde(default, deserialize_with = "clamped")]
    limit: Option<u64>,
    #[serde(default, deserialize_with = "clamped")]
    offset: Option<u64>,
}

/// A whole number of any size; beyond u64 it is clamped (a limit or an
/// offset larger than the table means all of it, or nothing).
fn clamped<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let text = String::deserialize(d)?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(serde::de::Error::custom(format!(
            "'{text}' is not a whole number"
        )));
    }
    Ok(Some(text.parse().unwrap_or(u64::MAX)))
}

async fn list(
    State(state): Shared,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<axum::Json<serde_json::Value>> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    const STATUSES: [&str; 5] = ["queued", "running", "done", "failed", "cancelled"];
    if let Some(s) = &q.status
        && !STATUSES.contains(&s.as_str())
    {
        return Err(ApiError::BadRequest(format!(
            "status '{s}' is not one of {}",
            STATUSES.join(", ")
        )));
    }
    let jobs = state
        .queue
        .db
        .list(
            q.status.as_deref(),
            q.limit.unwrap_or(100).min(1000),
            q.offset.unwrap_or(0),
        )
        .map_err(db_error)?;
    let jobs: Vec<JobRecord> = jobs.into_iter().map(|j| live(&state, j)).collect();
    Ok(axum::Json(serde_json::json!({ "jobs": jobs })))
}

async fn cancel(
    State(state): Shared,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<Response> {
    let Path(id) = path.map_err(bad_path)?;
    let db = &state.queue.db;
    let job = db.get(&id).map_err(db_error)?;
    let job = job.ok_or_else(|| ApiError::NotFound(format!("no job '{id}'")))?;
    let unfinished = matches!(job.status.as_str(), "queued" | "running");
    // Not queued any more: claimed by a worker, perhaps a moment ago.
    if unfinished {
        if db.cancel_queued(&id).map_err(db_error)? {
            state.queue.forget_built(&id);
        } else {
            state.queue.cancel_running(&id);
        }
    }
    let job = db.get(&id).map_err(db_error)?.unwrap_or(job);
    Ok((StatusCode::ACCEPTED, axum::Json(live(&state, job))).into_response())
}

async fn file(
    State(state): Shared,
    path: Result<Path<(String, String)>, PathRejection>,
) -> AppResult<Response> {
    let Path((id, name)) = path.map_err(bad_path)?;
    let job = state.queue.db.get(&id).map_err(db_error)?;
    let job = job.ok_or_else(|| ApiError::NotFound(format!("no job '{id}'")))?;
    // Only the files the job lists: never a path the request names.
    if !job.files.contains(&name) {
        return Err(ApiError::NotFound(format!(
            "job '{id}' has no file '{name}'"
        )));
    }
    let path = state.queue.job_dir(&job.files_of).join(&name);
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| ApiError::Internal(format!("cannot read {name}: {e}")))?;
    let kind = if name.ends_with(".csv") {
        "text/csv; charset=utf-8"
    } else if name.ends_with(".html") {
        "text/html; charset=utf-8"
    } else {
        "application/json"
    };
    // A report is self-contained: it may load nothing and run no script.
    let policy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'";
    Ok((
        [
            (header::CONTENT_TYPE, kind),
            (header::CONTENT_SECURITY_POLICY, policy),
            (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        bytes,
    )
        .into_response())
}

/// A running job's progress and, for a run, its first quantity's estimate
/// and interval so far, drawn as the report draws it: what the page shows
/// until the report exists.
async fn live_chart(
    State(state): Shared,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<axum::Json<serde_json::Value>> {
    let Path(id) = path.map_err(bad_path)?;
    let job = state.queue.db.get(&id).map_err(db_error)?;
    let job = job.ok_or_else(|| ApiError::NotFound(format!("no job '{id}'")))?;
    let job = live(&state, job);
    let snapshot = state
        .queue
        .running(&id)
        .map(|r| r.live.lock().unwrap_or_else(|e| e.into_inner()).clone())
        .unwrap_or_default();
    let (quantity, chart) = match &snapshot.quantity {
        Some((name, is_event, confidence)) => {
            let chart = gaprisk::live::live_convergence_chart(
                name,
                *is_event,
                *confidence,
                &snapshot.points,
            )?;
            (Some(name.clone()), Some(chart))
        }
        None => (None, None),
    };
    let points = snapshot.points;
    Ok(axum::Json(serde_json::json!({
        "status": job.status,
        "samples_done": job.progress.samples_done,
        "samples_total": job.progress.samples_total,
        "quantity": quantity,
        "points": points,
        "chart": chart,
    })))
}

/// Progress at least once a second while the job is queued or running,
/// then a final `status` event.
async fn events(
    State(state): Shared,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<Response> {
    let Path(id) = path.map_err(bad_path)?;
    if state.queue.db.get(&id).map_err(db_error)?.is_none() {
        return Err(ApiError::NotFound(format!("no job '{id}'")));
    }
    let stream = futures_util::stream::unfold(Some((state, id, 0u32)), |next| async move {
        let (state, id, polls_draining) = next?;
        let job = state.queue.db.get(&id).ok().flatten()?;
        let job = live(&state, job);
        // A draining server ends every stream, or shutdown would wait on it;
        // a running job's stream ends once the job is queued again (its
        // last word is where it will resume), or after a few seconds.
        let draining = state.queue.is_draining();
        let finished = !matches!(job.status.as_str(), "queued" | "running")
            || (draining && (job.status != "running" || polls_draining >= 12));
        let polls_draining = polls_draining + u32::from(draining);
        let data = serde_json::to_string(&job).unwrap_or_default();
        let event: Result<Event, Infallible> = Ok(Event::default()
            .event(if finished { "status" } else { "progress" })
            .data(data));
        if finished {
            Some((event, None))
        } else {
            tokio::time::sleep(Duration::from_millis(250)).await;
            Some((event, Some((state, id, polls_draining))))
        }
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckBody {
    model: String,
    #[serde(default)]
    files: std::collections::BTreeMap<String, String>,
}

async fn check(
    State(state): Shared,
    peer: Option<Extension<Peer>>,
    req: Request,
) -> AppResult<axum::Json<serde_json::Value>> {
    admit(&state, peer.as_deref(), false)?;
    let Body(bytes) = Body::from_request(req, &state).await?;
    let body: CheckBody = serde_json::from_slice(&bytes).map_err(malformed)?;
    let library = state.queue.library.clone();
    let _building = state
        .building
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let report = tokio::task::spawn_blocking(move || -> AppResult<_> {
        let files = LayeredFiles::library(&library).with_texts(&body.files)?;
        let path = gaprisk::ModelFiles::locate(&files, &body.model)
            .map_err(|e| ApiError::invalid(None, None, "model", e))?;
        Ok(gaprisk::check(&files, &path)?)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let entries = |es: &[gaprisk::Entry]| -> Vec<serde_json::Value> {
        es.iter()
            .map(|e| serde_json::json!({ "name": e.name, "kind": e.kind, "definition": e.definition }))
            .collect()
    };
    Ok(axum::Json(serde_json::json!({
        "file": report.file,
        "name": report.name,
        "title": report.title,
        "nodes": entries(&report.nodes),
        "events": entries(&report.events),
        "outputs": entries(&report.outputs),
        "steps": report.steps.as_ref().map(|s| s.0),
        "step_unit": report.steps.as_ref().and_then(|s| s.1.clone()),
        "states": entries(&report.states),
    })))
}

async fn models(State(state): Shared) -> AppResult<axum::Json<serde_json::Value>> {
    let library = state.queue.library.clone();
    let models = tokio::task::spawn_blocking(move || {
        let files = LayeredFiles::library(&library);
        super::library::library_models(&library)
            .into_iter()
            .filter_map(|file| {
                let info = gaprisk::model_info(&files, &file).ok()?;
                Some(serde_json::json!({
                    "file": file.display().to_string(),
                    "name": info.name,
                    "title": info.title,
                }))
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(axum::Json(serde_json::json!({ "models": models })))
}

async fn metrics(State(state): Shared) -> AppResult<Response> {
    let (by_status, samples) = state.queue.db.totals().map_err(db_error)?;
    let mut text = String::from("# HELP gaprisk_jobs Jobs by status.\n# TYPE gaprisk_jobs gauge\n");
    for status in ["queued", "running", "done", "failed", "cancelled"] {
        let n = by_status
            .iter()
            .find(|(s, _)| s == status)
            .map_or(0, |(_, n)| *n);
        text.push_str(&format!("gaprisk_jobs{{status=\"{status}\"}} {n}\n"));
    }
    let queued = by_status
        .iter()
        .find(|(s, _)| s == "queued")
        .map_or(0, |(_, n)| *n);
    text.push_str(&format!(
        "# HELP gaprisk_queue_length Jobs waiting to run.\n# TYPE gaprisk_queue_length gauge\ngaprisk_queue_length {queued}\n"
    ));
    text.push_str(&format!(
        "# HELP gaprisk_samples_total Samples computed by finished jobs.\n# TYPE gaprisk_samples_total counter\ngaprisk_samples_total {samples}\n"
    ));
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

/// The page, with a policy that runs its own script and nothing else,
/// loads from this server only, and may not be framed.
async fn page() -> Response {
    static POLICY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let policy = POLICY.get_or_init(|| {
        format!(
            "default-src 'none'; script-src '{}'; style-src 'unsafe-inline'; \
             connect-src 'self'; img-src 'self' data:; frame-src 'self'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            script_hash(PAGE)
        )
    });
    (
        [
            (header::CONTENT_SECURITY_POLICY, policy.as_str()),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        Html(PAGE),
    )
        .into_response()
}

/// The CSP source of the page's one inline script: its SHA-256, base64.
fn script_hash(page: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let start = page.find("<script>").expect("the page has its script") + "<script>".len();
    let end = start + page[start..].find("</script>").expect("the script ends");
    let digest = Sha256::digest(&page.as_bytes()[start..end]);
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

async fn openapi(State(state): Shared) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi.clone(),
    )
        .into_response()
}
