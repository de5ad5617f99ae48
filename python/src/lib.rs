//! `gaprisk._native`: the library's jobs, called from Python. As thin as the
//! CLI: it turns arguments into a job request, builds the job (loading the
//! model through `ModelFiles`), runs it on a Rust thread with the GIL
//! released, and hands back each file's exact bytes. Everything a user sees
//! (DataFrames, progress bars, result objects) is the pure-Python layer in
//! `gaprisk/`.

use gaprisk::analysis::rare::RareMethod;
use gaprisk::analysis::sweep::parse_axis;
use gaprisk::engine::design::Design;
use gaprisk::error::Error;
use gaprisk::jobs::compare::{CompareJob, CompareRequest};
use gaprisk::jobs::rare::{RareJob, RareRequest};
use gaprisk::jobs::run::{RunJob, RunRequest, RunSinks};
use gaprisk::jobs::sensitivity::{Method, SensitivityJob, SensitivityRequest};
use gaprisk::jobs::sweep::{SweepJob, SweepRequest};
use gaprisk::jobs::{
    CancelToken, DiskFiles, JobOutput, MemoryFiles, ModelFiles, Outcome, Presentation, RunContext,
    SamplingOptions, TableFormat, Workers,
};
use gaprisk::model::overrides::Override;
use gaprisk::output::run::draws::DrawsFormat;
use gaprisk::stats::interval::ProportionInterval;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// The most per-sample values `draws` holds in memory: 5e7 (400 MB as
/// float64). Larger draws belong on disk: `gaprisk run --draws`.
const MAX_DRAWS_VALUES: u64 = 50_000_000;

/// How often the calling thread wakes to check for Ctrl-C and to report
/// progress while a job runs.
const POLL: Duration = Duration::from_millis(50);

/// Model files for a call: texts held in memory (`Model.from_text` and its
/// `files`), looked up first, then the disk. A model read from memory
/// resolves `extends` among the memory files only, as `MemoryFiles` does;
/// a model from disk resolves it on disk, as the CLI does.
struct Files {
    memory: MemoryFiles,
}

impl Files {
    fn in_memory(&self, path: &Path) -> bool {
        self.memory.contains(path)
    }
}

impl ModelFiles for Files {
    fn read(&self, path: &Path) -> Result<String, String> {
        if self.in_memory(path) {
            self.memory.read(path)
        } else {
            DiskFiles.read(path)
        }
    }

    fn resolve(&self, from: &Path, reference: &str) -> Result<(PathBuf, PathBuf), String> {
        if self.in_memory(from) {
            self.memory.resolve(from, reference)
        } else {
            DiskFiles.resolve(from, reference)
        }
    }

    fn identity(&self, path: &Path) -> PathBuf {
        if self.in_memory(path) {
            // Never equal to a canonical path on disk.
            Path::new("memory:").join(path)
        } else {
            DiskFiles.identity(path)
        }
    }
}

/// A model as the Python layer passes it: a path (on disk, or a name among
/// `files`) and the in-memory files it may be among.
type ModelArg = (String, Option<BTreeMap<String, String>>);

/// The files of every model of a call, and each model's path.
fn files_of(models: &[ModelArg]) -> PyResult<(Files, Vec<PathBuf>)> {
    let mut memory = MemoryFiles::new();
    let mut seen: BTreeMap<PathBuf, &str> = BTreeMap::new();
    let mut paths = Vec::new();
    for (path, files) in models {
        match files {
            None => paths.push(PathBuf::from(path)),
            Some(files) => {
                for (name, text) in files {
                    let key = memory.insert(name, text.as_str()).map_err(|e| {
                        PyValueError::new_err(format!("model file name '{name}': {e}"))
                    })?;
                    if let Some(other) = seen.insert(key.clone(), text)
                        && other != text
                    {
                        return Err(PyValueError::new_err(format!(
                            "two different in-memory model files are named '{}'",
                            key.display()
                        )));
                    }
                }
                let key = gaprisk::model::source::normalise(Path::new(""), path)
                    .map_err(|e| PyValueError::new_err(format!("model name '{path}': {e}")))?;
                if !memory.contains(&key) {
                    return Err(PyValueError::new_err(format!(
                        "model '{path}' is not among its files ({})",
                        files.keys().cloned().collect::<Vec<_>>().join(", ")
                    )));
                }
                paths.push(key);
            }
        }
    }
    Ok((Files { memory }, paths))
}

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
            Error::Io { .. } => return Ok(PyOSError::new_err(message.clone())),
            Error::PartMismatch(_) | Error::CorruptPart { .. } => {
                return Ok(PyValueError::new_err(message.clone()));
            }
            _ => return Ok(PyRuntimeError::new_err(message.clone())),
        };
        Ok(PyErr::from_value(value))
    })();
    made.unwrap_or_else(|err| err)
}

/// An option's value that is not one of `choices`, as `OptionError`.
fn choice<T: Copy>(
    py: Python<'_>,
    option: &'static str,
    value: &str,
    choices: &[(&str, T)],
) -> PyResult<T> {
    choices
        .iter()
        .find(|(name, _)| *name == value)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
            raise(
                py,
                Error::option(
                    option,
                    format!(
                        "{{{option}}} '{}' is not one of {}",
                        gaprisk::error::literal(value),
                        names.join(", ")
                    ),
                ),
            )
        })
}

fn design(py: Python<'_>, value: &str) -> PyResult<Design> {
    choice(
        py,
        "design",
        value,
        &[
            ("mc", Design::Mc),
            ("lhs", Design::Lhs),
            ("qmc", Design::Qmc),
            ("antithetic", Design::Antithetic),
        ],
    )
}

fn table_format(py: Python<'_>, value: Option<&str>) -> PyResult<TableFormat> {
    let Some(value) = value else {
        return Ok(TableFormat::Csv);
    };
    choice(
        py,
        "format",
        value,
        &[
            ("csv", TableFormat::Csv),
            ("parquet", TableFormat::Parquet),
            ("both", TableFormat::Both),
        ],
    )
}

fn overrides(set: Vec<(String, f64)>) -> Vec<Override> {
    set.into_iter()
        .map(|(name, value)| Override { name, value })
        .collect()
}

/// The job's worker threads: `threads` of them, or one per core.
fn workers(py: Python<'_>, threads: Option<usize>) -> PyResult<Workers> {
    if threads == Some(0) {
        return Err(raise(
            py,
            Error::option("threads", "{threads} must be at least 1"),
        ));
    }
    Workers::new(threads.unwrap_or(0)).map_err(|e| raise(py, e))
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
    F: FnOnce(&RunContext) -> gaprisk::error::Result<Outcome<JobOutput>> + Send,
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

fn sampling(
    py: Python<'_>,
    samples: Option<u64>,
    seed: Option<u64>,
    confidence: Option<f64>,
    design_name: Option<&str>,
) -> PyResult<SamplingOptions> {
    let d = SamplingOptions::default();
    Ok(SamplingOptions {
        samples: samples.unwrap_or(d.samples),
        seed: seed.unwrap_or(d.seed),
        confidence: confidence.unwrap_or(d.confidence),
        design: match design_name {
            Some(name) => design(py, name)?,
            None => d.design,
        },
    })
}

/// `gaprisk run`. With `draws`, the per-sample values come back as the
/// bytes of draws.parquet under "draws", if they fit `MAX_DRAWS_VALUES`.
#[pyfunction]
#[pyo3(signature = (model, *, samples=None, seed=None, design=None, confidence=None,
    interval=None, set=Vec::new(), precision=None, relative_precision=None, target=None,
    max_samples=None, quantiles=Vec::new(), threads=None, format=None, no_report=false,
    draws=false, progress=None))]
#[allow(clippy::too_many_arguments)]
fn run<'py>(
    py: Python<'py>,
    model: ModelArg,
    samples: Option<u64>,
    seed: Option<u64>,
    design: Option<&str>,
    confidence: Option<f64>,
    interval: Option<&str>,
    set: Vec<(String, f64)>,
    precision: Option<f64>,
    relative_precision: Option<f64>,
    target: Option<String>,
    max_samples: Option<u64>,
    quantiles: Vec<f64>,
    threads: Option<usize>,
    format: Option<&str>,
    no_report: bool,
    draws: bool,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let (files, paths) = files_of(std::slice::from_ref(&model))?;
    let request = RunRequest {
        model: paths[0].clone(),
        sampling: sampling(py, samples, seed, confidence, design)?,
        interval: match interval {
            Some(name) => choice(
                py,
                "interval",
                name,
                &[
                    ("wilson", ProportionInterval::Wilson),
                    ("clopper-pearson", ProportionInterval::ClopperPearson),
                ],
            )?,
            None => ProportionInterval::default(),
        },
        set: overrides(set),
        draws,
        draws_format: DrawsFormat::Parquet,
        precision,
        relative_precision,
        target,
        max_samples,
        quantiles,
        format: table_format(py, format)?,
        no_report,
        ..Default::default()
    };
    let workers = workers(py, threads)?;
    let job = RunJob::new(&files, request).map_err(|e| raise(py, e))?;
    if draws {
        let columns = job.model.program.draw_names().len() as u64 + 1;
        let samples = job.settings().samples;
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

/// `gaprisk compare`.
#[pyfunction]
#[pyo3(signature = (base, variants, *, samples=None, seed=None, design=None, confidence=None,
    set=Vec::new(), threads=None, format=None, no_report=false, progress=None))]
#[allow(clippy::too_many_arguments)]
fn compare<'py>(
    py: Python<'py>,
    base: ModelArg,
    variants: Vec<ModelArg>,
    samples: Option<u64>,
    seed: Option<u64>,
    design: Option<&str>,
    confidence: Option<f64>,
    set: Vec<(String, f64)>,
    threads: Option<usize>,
    format: Option<&str>,
    no_report: bool,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut models = vec![base];
    models.extend(variants);
    let (files, mut paths) = files_of(&models)?;
    let base = paths.remove(0);
    let request = CompareRequest {
        base,
        variants: paths,
        sampling: sampling(py, samples, seed, confidence, design)?,
        set: overrides(set),
        shard: None,
        no_report,
        format: table_format(py, format)?,
    };
    let workers = workers(py, threads)?;
    let same_file = |a: &Path, b: &Path| files.identity(a) == files.identity(b);
    let job = CompareJob::new(&files, request, &same_file).map_err(|e| raise(py, e))?;
    let out = run_job(py, workers, progress, |ctx| job.execute(ctx))?;
    output(py, &out)
}

/// `gaprisk sweep`; each axis is written as the CLI's `--set`:
/// NAME=START:STOP:POINTS, NAME=V1,V2,... or NAME=VALUE.
#[pyfunction]
#[pyo3(signature = (model, axes, *, samples=None, seed=None, design=None, confidence=None,
    threads=None, format=None, no_report=false, progress=None))]
#[allow(clippy::too_many_arguments)]
fn sweep<'py>(
    py: Python<'py>,
    model: ModelArg,
    axes: Vec<String>,
    samples: Option<u64>,
    seed: Option<u64>,
    design: Option<&str>,
    confidence: Option<f64>,
    threads: Option<usize>,
    format: Option<&str>,
    no_report: bool,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let (files, paths) = files_of(std::slice::from_ref(&model))?;
    let request = SweepRequest {
        model: paths[0].clone(),
        axes: axes
            .iter()
            .map(|a| parse_axis(a))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| raise(py, e))?,
        sampling: sampling(py, samples, seed, confidence, design)?,
        no_report,
        format: table_format(py, format)?,
    };
    let workers = workers(py, threads)?;
    let job = SweepJob::new(&files, request).map_err(|e| raise(py, e))?;
    let out = run_job(py, workers, progress, |ctx| job.execute(ctx))?;
    output(py, &out)
}

/// `gaprisk sensitivity`.
#[pyfunction]
#[pyo3(signature = (model, *, quantity=None, method=None, design=None, samples=None, seed=None,
    confidence=None, bootstrap=None, sampler=None, threads=None, format=None, no_report=false,
    progress=None))]
#[allow(clippy::too_many_arguments)]
fn sensitivity<'py>(
    py: Python<'py>,
    model: ModelArg,
    quantity: Option<String>,
    method: Option<&str>,
    design: Option<&str>,
    samples: Option<u64>,
    seed: Option<u64>,
    confidence: Option<f64>,
    bootstrap: Option<usize>,
    sampler: Option<&str>,
    threads: Option<usize>,
    format: Option<&str>,
    no_report: bool,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let (files, paths) = files_of(std::slice::from_ref(&model))?;
    let d = SensitivityRequest::default();
    let request = SensitivityRequest {
        model: paths[0].clone(),
        quantity,
        method: match method {
            Some(name) => choice(
                py,
                "method",
                name,
                &[
                    ("sobol", Method::Sobol),
                    ("tornado", Method::Tornado),
                    ("rank", Method::Rank),
                    ("filter", Method::Filter),
                ],
            )?,
            None => d.method,
        },
        design: match design {
            Some(name) => Some(self::design(py, name)?),
            None => None,
        },
        samples: samples.unwrap_or(d.samples),
        seed: seed.unwrap_or(d.seed),
        confidence: confidence.unwrap_or(d.confidence),
        bootstrap: bootstrap.unwrap_or(d.bootstrap),
        sampler: match sampler {
            Some(name) => choice(
                py,
                "sampler",
                name,
                &[
                    ("plain", None),
                    ("subset", Some(RareMethod::Subset)),
                    ("is", Some(RareMethod::ImportanceSampling)),
                ],
            )?,
            None => None,
        },
        shard: None,
        no_report,
        format: table_format(py, format)?,
    };
    let workers = workers(py, threads)?;
    let job = SensitivityJob::new(&files, request).map_err(|e| raise(py, e))?;
    let out = run_job(py, workers, progress, |ctx| job.execute(ctx))?;
    output(py, &out)
}

/// `gaprisk rare`.
#[pyfunction]
#[pyo3(signature = (model, *, event=None, method=None, samples=None, seed=None,
    confidence=None, set=Vec::new(), format=None, no_report=false, progress=None))]
#[allow(clippy::too_many_arguments)]
fn rare<'py>(
    py: Python<'py>,
    model: ModelArg,
    event: Option<String>,
    method: Option<&str>,
    samples: Option<u64>,
    seed: Option<u64>,
    confidence: Option<f64>,
    set: Vec<(String, f64)>,
    format: Option<&str>,
    no_report: bool,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let (files, paths) = files_of(std::slice::from_ref(&model))?;
    let d = RareRequest::default();
    let request = RareRequest {
        model: paths[0].clone(),
        event,
        method: match method {
            Some(name) => choice(
                py,
                "method",
                name,
                &[
                    ("subset", RareMethod::Subset),
                    ("is", RareMethod::ImportanceSampling),
                ],
            )?,
            None => d.method,
        },
        samples: samples.unwrap_or(d.samples),
        seed: seed.unwrap_or(d.seed),
        confidence: confidence.unwrap_or(d.confidence),
        set: overrides(set),
        no_report,
        format: table_format(py, format)?,
    };
    // The CLI runs it on one thread: its levels are sequential.
    let workers = workers(py, Some(1))?;
    let job = RareJob::new(&files, request).map_err(|e| raise(py, e))?;
    let out = run_job(py, workers, progress, |ctx| job.execute(ctx))?;
    output(py, &out)
}

/// `gaprisk check`: {"file", "name", "title", "nodes", "events", "outputs",
/// "text"}, each entry {"name", "kind", "definition"}; "text" is what the
/// CLI prints.
#[pyfunction]
fn check<'py>(py: Python<'py>, model: ModelArg) -> PyResult<Bound<'py, PyDict>> {
    let (files, paths) = files_of(std::slice::from_ref(&model))?;
    let report = gaprisk::jobs::check::check(&files, &paths[0]).map_err(|e| raise(py, e))?;
    let entries = |list: &[gaprisk::jobs::check::Entry]| -> PyResult<Bound<'py, PyList>> {
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
    let files: Vec<gaprisk::output::OutputFile> = files
        .into_iter()
        .map(|(name, bytes)| gaprisk::output::OutputFile { name, bytes })
        .collect();
    py.detach(|| gaprisk::output::write_all(&directory, &files))
        .map_err(|e| raise(py, e))
}

#[pymodule]
mod _native {
    #[pymodule_export]
    use super::{check, compare, rare, run, save, sensitivity, sweep};

    #[pymodule_init]
    fn init(m: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
        use pyo3::types::PyModuleMethods;
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add("MAX_DRAWS_VALUES", super::MAX_DRAWS_VALUES)?;
        Ok(())
    }
}
