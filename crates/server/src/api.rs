//! The routes and their handlers.

use super::AppState;
use super::db::JobRecord;
use super::error::ApiError;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
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
        .layer(middleware::from_fn_with_state(state.clone(), authorize));
    Router::new()
        .route("/", get(page))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .nest("/v1", v1)
        .fallback(|| async { ApiError::NotFound("no such route".into()) })
        .method_not_allowed_fallback(|| async {
            ApiError::BadRequest("method not allowed on this route".into())
        })
        // Enforced while the body is read, so an oversized one is never
        // held in memory; `body` turns the refusal into the API's 413.
        .layer(DefaultBodyLimit::max(state.max_body))
        .with_state(state)
}

/// With a token configured, every /v1 request carries it.
async fn authorize(State(state): Shared, req: Request, next: Next) -> Response {
    if let Some(token) = &state.token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !constant_time_eq(given.as_bytes(), token.as_bytes()) {
            return ApiError::Unauthorized.into_response();
        }
    }
    next.run(req).await
}

/// Compares without an early exit, so the time taken does not tell how
/// much of a guess was right (only whether its length was).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// The request body, or the API's 413 when it is over the limit.
fn body(state: &AppState, bytes: Result<Bytes, BytesRejection>) -> AppResult<Bytes> {
    bytes.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(state.max_body)
        } else {
            ApiError::BadRequest(e.body_text())
        }
    })
}

fn malformed(e: serde_json::Error) -> ApiError {
    ApiError::BadRequest(format!("malformed JSON: {e}"))
}

fn parse_body<T: serde::de::DeserializeOwned>(
    state: &AppState,
    bytes: Result<Bytes, BytesRejection>,
) -> AppResult<T> {
    serde_json::from_slice(&body(state, bytes)?).map_err(malformed)
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

async fn submit(State(state): Shared, bytes: Result<Bytes, BytesRejection>) -> AppResult<Response> {
    let bytes = body(&state, bytes)?;
    let request = JobRequest::from_json(&bytes).map_err(malformed)?;
    if state.queue.is_draining() {
        return Err(ApiError::Draining);
    }
    // Stored as sent: a restarted server builds it again from these bytes.
    let stored = String::from_utf8(bytes.to_vec())
        .map_err(|_| ApiError::BadRequest("the body is not UTF-8".into()))?;
    let queue = state.queue.clone();
    // Loading and compiling models is work: off the async threads.
    let job = tokio::task::spawn_blocking(move || queue.build(&request, None))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let (db, id) = (&state.queue.db, new_id());
    let command = job.kind().name();
    if let Some(record) = db
        .insert_cached(&id, command, &stored, job.cache_key())
        .map_err(db_error)?
    {
        return Ok((StatusCode::OK, axum::Json(record)).into_response());
    }
    let waiting = db.count("queued").map_err(db_error)?;
    if waiting >= state.max_queue {
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
    state.queue.notify();
    Ok((StatusCode::ACCEPTED, axum::Json(record)).into_response())
}

async fn job(State(state): Shared, Path(id): Path<String>) -> AppResult<axum::Json<JobRecord>> {
    let job = state.queue.db.get(&id).map_err(db_error)?;
    let job = job.ok_or_else(|| ApiError::NotFound(format!("no job '{id}'")))?;
    Ok(axum::Json(live(&state, job)))
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    limit: Option<u64>,
    offset: Option<u64>,
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

async fn cancel(State(state): Shared, Path(id): Path<String>) -> AppResult<Response> {
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
    Path((id, name)): Path<(String, String)>,
) -> AppResult<Response> {
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
    Path(id): Path<String>,
) -> AppResult<axum::Json<serde_json::Value>> {
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
async fn events(State(state): Shared, Path(id): Path<String>) -> AppResult<Response> {
    if state.queue.db.get(&id).map_err(db_error)?.is_none() {
        return Err(ApiError::NotFound(format!("no job '{id}'")));
    }
    let stream = futures_util::stream::unfold(Some((state, id)), |next| async move {
        let (state, id) = next?;
        let job = state.queue.db.get(&id).ok().flatten()?;
        let job = live(&state, job);
        // A draining server ends every stream, or shutdown would wait on it.
        let finished =
            !matches!(job.status.as_str(), "queued" | "running") || state.queue.is_draining();
        let data = serde_json::to_string(&job).unwrap_or_default();
        let event: Result<Event, Infallible> = Ok(Event::default()
            .event(if finished { "status" } else { "progress" })
            .data(data));
        if finished {
            Some((event, None))
        } else {
            tokio::time::sleep(Duration::from_millis(250)).await;
            Some((event, Some((state, id))))
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
    bytes: Result<Bytes, BytesRejection>,
) -> AppResult<axum::Json<serde_json::Value>> {
    let body: CheckBody = parse_body(&state, bytes)?;
    let library = state.queue.library.clone();
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

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

async fn openapi(State(state): Shared) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi.clone(),
    )
        .into_response()
}
