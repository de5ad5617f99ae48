//! `gaprisk._native`: the library's jobs, called from Python. As thin as the
//! CLI: a call is the JSON request the service takes (built by the pure
//! Python layer from the commands' specs, which `spec()` hands it), checked
//! and built into a job by the library, run on a Rust thread with the GIL
//! released, and answered with each file's exact bytes. Everything a user
//! sees (DataFrames, progress bars, result objects) is the pure-Python
//! layer in `gaprisk/`.

use gaprisk::files::{DrawsFormat, OutputFile, write_all};
use gaprisk::spec::JobSpec;
use gaprisk::spec::request::JobRequest;
use gaprisk::spec::schema::{self, Shell};
use gaprisk::{
    CancelToken, Error, Job, JobOutput, LayeredFiles, Limits, ModelFiles, Outcome, Presentation,
    RunContext, RunSinks, Workers,
};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// The most per-sample values `draws` holds in memory: 5e7 (400 MB as
/// float64). Larger draws belong on disk: `gaprisk run --draws`.
const MAX_DRAWS_VALUES: u64 = 50_000_000;

/// How often the calling thread wakes to check for Ctrl-C and to report
/// progress while a job runs.
const POLL: Duration = Duration::from_millis(50);

/// A library error as the Python exception the package documents:
/// `gaprisk.ModelError` (with file, line and key) for a model, and
/// `gaprisk.OptionError` (a `ValueError` with the keyword's name) for an
/// option; `OSError` and `RuntimeError` for failures while working.
fn raise(py: Python<'_>, e: Error) -> PyErr {
    let message = e.to_string();
    let made = (|| -> PyResult<PyErr> {
        let errors = py.import("gaprisk._errors")?;
        let value = match &e {
            Error::Model(m) => errors.getattr("ModelError")?.call1((
                message.clone(),
                m.file.display().to_string(),
                (m.line > 0).then_some(m.line),
                (!m.key.is_empty()).then(|| m.key.clone()),
            ))?,
            Error::InvalidOption { option, .. } | Error::UnknownQuantity { option, .. } => errors
                .getattr("OptionError")?
                .call1((message.clone(), *option))?,
            Error::UnknownInput { .. } => errors
                .getattr("OptionError")?
                .call1((message.clone(), "set"))?,
            Error::UnknownOption { name, .. } => errors
                .getattr("OptionError")?
                .call1((message.clone(), name.clone()))?,
            Error::Io { .. } => return Ok(PyOSError::new_err(message.clone())),
            Error::InvalidRequest { .. } | Error::PartMismatch(_) | Error::CorruptPart { .. } => {
                return Ok(PyValueError::new_err(message.clone()));
            }
            _ => return Ok(PyRuntimeError::new_err(message.clone())),
        };
        Ok(PyErr::from_value(value))
    })();
    made.unwrap_or_else(|err| err)
}

/// The commands' options as their specs declare them, as JSON
/// (`gaprisk::spec::schema::catalog`).
#[pyfunction]
fn spec() -> String {
    schema::catalog().to_string()
}

/// Set by the job's thread when it ends, however it ends.
struct Finished {
    done: Mutex<bool>,
    wake: Condvar,
}

impl Finished {
    fn set(&self) {
        *self.done.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.wake.notify_all();
    }

    /// Waits up to `POLL` for the job to end; true if it has.
    fn wait(&self) -> bool {
        let done = self.done.lock().unwrap_or_else(|p| p.into_inner());
        let (done, _) = self
            .wake
            .wait_timeout_while(done, POLL, |d| !*d)
            .unwrap_or_else(|p| p.into_inner());
        *done
    }
}

/// Sets `Finished` when dropped: also when the job panics.
struct SetOnDrop<'a>(&'a Finished);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.set();
    }
}

/// Runs `job` on a Rust thread while this thread waits with the GIL
/// released, waking every `POLL` to run Python's signal handlers (Ctrl-C
/// raises `KeyboardInterrupt` there) and to call `progress(done, total)`.
/// When either raises, the job is cancelled, joined, and the exception
/// passed on: the job stops at its next chunk boundary, and nothing of it
/// is kept.
fn run_job<F>(
    py: Python<'_>,
    workers: Workers,
    progress: Option<Bound<'_, PyAny>>,
    job: F,
) -> PyResult<JobOutput>
where
    F: FnOnce(&RunContext) -> gaprisk::Result<Outcome<JobOutput>> + Send,
{
    let token = CancelToken::new();
    let workers = workers.with_cancel(token.clone());
    let done = AtomicU64::new(0);
    let total = AtomicU64::new(0);
    let finished = Finished {
        done: Mutex::new(false),
        wake: Condvar::new(),
    };
    let result = std::thread::scope(|scope| {
        let handle = scope.spawn(|| {
            let _finished = SetOnDrop(&finished);
            let report = |d: u64, t: u64| {
                total.store(t, Ordering::Relaxed);
                done.store(d, Ordering::Relaxed);
            };
            let ctx = RunContext::new(workers).with_progress(&report);
            job(&ctx)
        });
        let interrupted = loop {
            if py.detach(|| finished.wait()) {
                break None;
            }
            let checked = py.check_signals().and_then(|()| match &progress {
                Some(callback) => callback
                    .call1((done.load(Ordering::Relaxed), total.load(Ordering::Relaxed)))
                    .map(|_| ()),
                None => Ok(()),
            });
            if let Err(e) = checked {
                token.cancel();
                break Some(e);
            }
        };
        let joined = py.detach(|| handle.join());
        if let Some(e) = interrupted {
            return Err(e);
        }
        if let Some(callback) = &progress {
            callback.call1((done.load(Ordering::Relaxed), total.load(Ordering::Relaxed)))?;
        }
        match joined {
            Ok(outcome) => Ok(outcome),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })?;
    match result.map_err(|e| raise(py, e))? {
        Outcome::Completed(out) => Ok(out),
        // Only this function cancels the job's token, and it returns the
        // exception that made it do so.
        Outcome::Cancelled { .. } => Err(PyRuntimeError::new_err("the job was cancelled")),
    }
}

/// A job's output for the Python layer: {"files": [(name, bytes)], "text",
/// "warnings"}.
fn output<'py>(py: Python<'py>, out: &JobOutput) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let files = PyList::empty(py);
    for f in &out.files {
        files.append((f.name.as_str(), PyBytes::new(py, &f.bytes)))?;
    }
    d.set_item("files", files)?;
    let text = match &out.presentation {
        Presentation::Table(t) => t.clone(),
        Presentation::Shard { what, .. } => what.clone(),
    };
    d.set_item("text", text)?;
    d.set_item("warnings", out.warnings.clone())?;
    Ok(d)
}

/// Runs one job: `request` is the JSON the service's `POST /v1/jobs` takes
/// (options named as the spec's fields, with the in-process calls' own:
/// `threads`, `format`, `no_report`). With `draws`, a run's per-sample
/// values come back as the bytes of draws.parquet under "draws", if they
/// fit `MAX_DRAWS_VALUES`.
#[pyfunction]
#[pyo3(signature = (request, *, progress=None, draws=false))]
fn execute<'py>(
    py: Python<'py>,
    request: &str,
    progress: Option<Bound<'py, PyAny>>,
    draws: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let request = JobRequest::from_json(request.as_bytes())
        .map_err(|e| PyValueError::new_err(format!("malformed request: {e}")))?;
    // The request's texts in memory, above the disk.
    let files = LayeredFiles::disk()
        .with_texts(&request.files)
        .map_err(|e| raise(py, e))?;
    let mut spec = request
        .spec(Shell::PythonLocal, &files)
        .map_err(|e| raise(py, e))?;
    if draws {
        match &mut spec {
            JobSpec::Run(run) => {
                run.draws = true;
                run.draws_format = DrawsFormat::Parquet;
            }
            _ => return Err(PyValueError::new_err("only a run has draws")),
        }
    }
    let workers = spec.workers().map_err(|e| raise(py, e))?;
    let job = Job::build(&files, &spec, &Limits::NONE).map_err(|e| raise(py, e))?;
    if let Some(columns) = job.draws_columns() {
        let columns = columns.len() as u64 + 1;
        let samples = job.progress_total();
        if samples.saturating_mul(columns) > MAX_DRAWS_VALUES {
            return Err(raise(
                py,
                Error::option(
                    "draws",
                    format!(
                        "draws() holds every value in memory: {samples} samples x {columns} \
                         columns is more than {MAX_DRAWS_VALUES} values. Write them to disk \
                         instead: gaprisk run MODEL --draws --draws-format parquet, then \
                         pandas.read_parquet(path, columns=[...])"
                    ),
                ),
            ));
        }
    }
    let mut buffer: Vec<u8> = Vec::new();
    let out = run_job(py, workers, progress, |ctx| {
        job.execute(
            ctx,
            RunSinks {
                draws: draws.then_some(&mut buffer as &mut (dyn std::io::Write + Send)),
                checkpoint: None,
            },
        )
    })?;
    let d = output(py, &out)?;
    d.set_item("draws", draws.then(|| PyBytes::new(py, &buffer)))?;
    Ok(d)
}

/// `gaprisk check`: {"file", "name", "title", "nodes", "events", "outputs",
/// "text"}, each entry {"name", "kind", "definition"}; "text" is what the
/// CLI prints. `model` is a path, or a name among `files` (name -> TOML
/// text).
#[pyfunction]
#[pyo3(signature = (model, files=None))]
fn check<'py>(
    py: Python<'py>,
    model: &str,
    files: Option<BTreeMap<String, String>>,
) -> PyResult<Bound<'py, PyDict>> {
    let files = LayeredFiles::disk()
        .with_texts(&files.unwrap_or_default())
        .map_err(|e| raise(py, e))?;
    let path = files
        .locate(model)
        .map_err(|e| PyValueError::new_err(format!("model name '{model}': {e}")))?;
    let report = gaprisk::check(&files, &path).map_err(|e| raise(py, e))?;
    let entries = |list: &[gaprisk::Entry]| -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for e in list {
            let d = PyDict::new(py);
            d.set_item("name", &e.name)?;
            d.set_item("kind", e.kind)?;
            d.set_item("definition", &e.definition)?;
            out.append(d)?;
        }
        Ok(out)
    };
    let d = PyDict::new(py);
    d.set_item("file", &report.file)?;
    d.set_item("name", &report.name)?;
    d.set_item("title", &report.title)?;
    d.set_item("nodes", entries(&report.nodes)?)?;
    d.set_item("events", entries(&report.events)?)?;
    d.set_item("outputs", entries(&report.outputs)?)?;
    d.set_item("steps", report.steps.as_ref().map(|s| s.0))?;
    d.set_item("step_unit", report.steps.as_ref().and_then(|s| s.1.clone()))?;
    d.set_item("states", entries(&report.states)?)?;
    d.set_item("text", report.render())?;
    Ok(d)
}

/// Writes a result's files into `directory` as the CLI's `--out` does:
/// each atomically, and the files of the folder's previous result that
/// this one does not have removed (`gaprisk::output::write_all`).
#[pyfunction]
fn save(py: Python<'_>, directory: PathBuf, files: Vec<(String, Vec<u8>)>) -> PyResult<()> {
    std::fs::create_dir_all(&directory)
        .map_err(|e| PyOSError::new_err(format!("cannot create {}: {e}", directory.display())))?;
    let files: Vec<OutputFile> = files
        .into_iter()
        .map(|(name, bytes)| OutputFile { name, bytes })
        .collect();
    py.detach(|| write_all(&directory, &files))
        .map_err(|e| raise(py, e))
}

#[pymodule]
mod _native {
    #[pymodule_export]
    use super::{check, execute, save, spec};

    #[pymodule_init]
    fn init(m: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
        use pyo3::types::PyModuleMethods;
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add("MAX_DRAWS_VALUES", super::MAX_DRAWS_VALUES)?;
        Ok(())
    }
}
