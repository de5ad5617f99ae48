//! A job request as JSON: `{"command", "model", "variants", "files",
//! "options"}`, with options named as the CLI's long options (`_` for `-`),
//! validated into a job exactly as the CLI's arguments are.

use super::error::ApiError;
use super::files::RequestFiles;
use crate::analysis::rare::{MAX_LEVELS, RareMethod};
use crate::analysis::sweep::{Axis, parse_axis};
use crate::engine::design::Design;
use crate::jobs::compare::{CompareJob, CompareRequest};
use crate::jobs::rare::{RareJob, RareRequest};
use crate::jobs::run::{RunJob, RunRequest};
use crate::jobs::sensitivity::{Method, SensitivityJob, SensitivityRequest};
use crate::jobs::sweep::{SweepJob, SweepRequest};
use crate::jobs::{
    DEFAULT_CONFIDENCE, DEFAULT_SAMPLES, DEFAULT_SEED, SamplingOptions, TableFormat,
};
use crate::model::overrides::Override;
use crate::model::source::normalise;
use crate::stats::interval::ProportionInterval;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    pub command: String,
    pub model: String,
    #[serde(default)]
    pub variants: Vec<String>,
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    #[serde(default)]
    pub options: Map<String, Value>,
    /// The names of `options.set` in the order the request wrote them: a
    /// sweep's first input varies slowest, as on the command line.
    #[serde(skip)]
    set_order: Vec<String>,
}

/// The keys of a JSON object, in the order written.
struct KeysInOrder(Vec<String>);

impl<'de> Deserialize<'de> for KeysInOrder {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = KeysInOrder;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<KeysInOrder, A::Error> {
                let mut keys = Vec::new();
                while let Some((k, _)) = map.next_entry::<String, serde::de::IgnoredAny>()? {
                    keys.push(k);
                }
                Ok(KeysInOrder(keys))
            }
        }
        d.deserialize_map(Visitor)
    }
}

impl Body {
    /// Parses a request body (JSON), keeping the order of `options.set`.
    pub fn parse(bytes: &[u8]) -> Result<Body, serde_json::Error> {
        let mut body: Body = serde_json::from_slice(bytes)?;
        // Only an object's keys have an order to keep.
        if body.options.get("set").is_some_and(Value::is_object) {
            #[derive(Deserialize)]
            struct Outer {
                options: Inner,
            }
            #[derive(Deserialize)]
            struct Inner {
                set: KeysInOrder,
            }
            let outer: Outer = serde_json::from_slice(bytes)?;
            body.set_order = outer.options.set.0;
        }
        Ok(body)
    }
}

/// Server-wide limits on what one request may ask.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Samples one job may draw, over all its models, points or design
    /// columns (a sweep's points times its samples, say).
    pub max_samples: u64,
    pub max_nodes: usize,
    /// Points of a sweep: each is a compiled model held in memory.
    pub max_points: usize,
}

/// One per request, built and run once: boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Job {
    Run(RunJob),
    Compare(CompareJob),
    Sweep(SweepJob),
    Sensitivity(SensitivityJob),
    Rare(RareJob),
}

impl Job {
    /// The command's name, as requests and job objects spell it.
    pub fn command(&self) -> &'static str {
        match self {
            Job::Run(_) => "run",
            Job::Compare(_) => "compare",
            Job::Sweep(_) => "sweep",
            Job::Sensitivity(_) => "sensitivity",
            Job::Rare(_) => "rare",
        }
    }
}

/// A validated request: its job, the key of its results, the samples it
/// will draw.
pub struct Built {
    pub job: Job,
    pub key: String,
    pub total: u64,
}

fn invalid(key: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(None, None, key, message.into())
}

/// Reads the options of one command, refusing any it does not take.
struct Options<'a> {
    map: &'a Map<String, Value>,
    set_order: &'a [String],
    known: &'static [&'static str],
    command: &'a str,
}

impl Options<'_> {
    fn check_names(&self) -> Result<(), ApiError> {
        for name in self.map.keys() {
            if !self.known.contains(&name.as_str()) {
                return Err(invalid(
                    &format!("options.{name}"),
                    format!(
                        "{} takes no option '{name}' (it takes: {})",
                        self.command,
                        self.known.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    fn count(&self, name: &str) -> Result<Option<u64>, ApiError> {
        let Some(v) = self.map.get(name) else {
            return Ok(None);
        };
        let bad = || invalid(&format!("options.{name}"), "must be a whole number");
        match v {
            Value::Number(n) => match (n.as_u64(), n.as_f64()) {
                (Some(u), _) => Ok(Some(u)),
                (None, Some(x)) if x >= 0.0 && x.fract() == 0.0 && x <= 2f64.powi(53) => {
                    Ok(Some(x as u64))
                }
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }

    fn number(&self, name: &str) -> Result<Option<f64>, ApiError> {
        match self.map.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(_) => Err(invalid(&format!("options.{name}"), "must be a number")),
        }
    }

    /// A list of numbers (`quantiles`).
    fn numbers(&self, name: &str) -> Result<Vec<f64>, ApiError> {
        match self.map.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_f64().ok_or_else(|| {
                        invalid(&format!("options.{name}"), "must be a list of numbers")
                    })
                })
                .collect(),
            Some(_) => Err(invalid(
                &format!("options.{name}"),
                "must be a list of numbers",
            )),
        }
    }

    fn text(&self, name: &str) -> Result<Option<&str>, ApiError> {
        match self.map.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(invalid(&format!("options.{name}"), "must be a string")),
        }
    }

    fn choice<T: Copy>(&self, name: &str, choices: &[(&str, T)]) -> Result<Option<T>, ApiError> {
        let Some(text) = self.text(name)? else {
            return Ok(None);
        };
        choices
            .iter()
            .find(|(n, _)| *n == text)
            .map(|(_, v)| Some(*v))
            .ok_or_else(|| {
                let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
                invalid(
                    &format!("options.{name}"),
                    format!("'{text}' is not one of {}", names.join(", ")),
                )
            })
    }

    fn sampling(&self, limits: &Limits) -> Result<SamplingOptions, ApiError> {
        let samples = self.count("samples")?.unwrap_or(DEFAULT_SAMPLES);
        check_samples(samples, limits)?;
        Ok(SamplingOptions {
            samples,
            seed: self.count("seed")?.unwrap_or(DEFAULT_SEED),
            confidence: self.number("confidence")?.unwrap_or(DEFAULT_CONFIDENCE),
            design: self
                .choice(
                    "design",
                    &[
                        ("mc", Design::Mc),
                        ("lhs", Design::Lhs),
                        ("qmc", Design::Qmc),
                        ("antithetic", Design::Antithetic),
                    ],
                )?
                .unwrap_or(Design::Mc),
        })
    }

    /// `set` as {name: number}.
    fn set(&self) -> Result<Vec<Override>, ApiError> {
        let Some(v) = self.map.get("set") else {
            return Ok(Vec::new());
        };
        let Value::Object(m) = v else {
            return Err(invalid(
                "options.set",
                "must be an object of name -> number",
            ));
        };
        m.iter()
            .map(|(name, value)| match value.as_f64() {
                Some(x) if x.is_finite() => Ok(Override {
                    name: name.clone(),
                    value: x,
                }),
                _ => Err(invalid(
                    &format!("options.set.{name}"),
                    "must be a finite number",
                )),
            })
            .collect()
    }

    /// `set` for a sweep: {name: "START:STOP:POINTS" | [values] | value}.
    fn axes(&self) -> Result<Vec<Axis>, ApiError> {
        let Some(Value::Object(m)) = self.map.get("set") else {
            return Err(invalid(
                "options.set",
                "a sweep needs set: an object of name -> \"START:STOP:POINTS\", a list or a number",
            ));
        };
        let order: Vec<&String> = if self.set_order.len() == m.len() {
            self.set_order.iter().collect()
        } else {
            m.keys().collect()
        };
        order
            .into_iter()
            .map(|name| (name, &m[name.as_str()]))
            .map(|(name, value)| {
                let key = format!("options.set.{name}");
                let values = match value {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Array(items) => items
                        .iter()
                        .map(|i| i.as_f64().map(|x| x.to_string()))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| invalid(&key, "a list of numbers"))?
                        .join(","),
                    _ => return Err(invalid(&key, "a range, a list or a number")),
                };
                parse_axis(&format!("{name}={values}")).map_err(|e| invalid(&key, e.to_string()))
            })
            .collect()
    }
}

/// `samples`: what the job would draw in all (model evaluations).
fn check_samples(samples: u64, limits: &Limits) -> Result<(), ApiError> {
    if samples > limits.max_samples {
        return Err(invalid(
            "options.samples",
            format!(
                "{samples} model evaluations is more than this server's limit of {}",
                limits.max_samples
            ),
        ));
    }
    Ok(())
}

/// A model's name as the request gives it, normalised as `extends` is.
fn model_path(key: &str, name: &str) -> Result<PathBuf, ApiError> {
    normalise(Path::new(""), name).map_err(|e| invalid(key, e))
}

/// Validates `body` into a job whose models come from its files and the
/// library under `library`.
/// `resume`: a checkpoint of this very run to continue from.
pub fn build(
    body: &Body,
    library: &Path,
    limits: &Limits,
    checkpoint_every: Duration,
    resume: Option<Vec<u8>>,
) -> Result<Built, ApiError> {
    let files = RequestFiles::new(&body.files, library).map_err(|(k, e)| invalid(&k, e))?;
    let model = model_path("model", &body.model)?;
    if body.command != "compare" && !body.variants.is_empty() {
        return Err(invalid("variants", "only compare takes variants"));
    }
    let mut models = vec![("model".to_string(), model.clone())];
    for (i, v) in body.variants.iter().enumerate() {
        models.push((
            format!("variants.{i}"),
            model_path(&format!("variants.{i}"), v)?,
        ));
    }
    check_nodes(&files, &models, limits)?;
    let opts = |known| Options {
        map: &body.options,
        set_order: &body.set_order,
        known,
        command: &body.command,
    };
    let (job, total, request) = match body.command.as_str() {
        "run" => {
            const KNOWN: &[&str] = &[
                "samples",
                "seed",
                "design",
                "confidence",
                "interval",
                "set",
                "precision",
                "relative_precision",
                "target",
                "max_samples",
                "quantiles",
            ];
            let o = opts(KNOWN);
            o.check_names()?;
            let max_samples = o.count("max_samples")?;
            if let Some(m) = max_samples {
                check_samples(m, limits)?;
            }
            let stopping =
                o.number("precision")?.is_some() || o.number("relative_precision")?.is_some();
            let request = RunRequest {
                model,
                sampling: o.sampling(limits)?,
                interval: o
                    .choice(
                        "interval",
                        &[
                            ("wilson", ProportionInterval::Wilson),
                            ("clopper-pearson", ProportionInterval::ClopperPearson),
                        ],
                    )?
                    .unwrap_or_default(),
                set: o.set()?,
                precision: o.number("precision")?,
                relative_precision: o.number("relative_precision")?,
                target: o.text("target")?.map(str::to_string),
                quantiles: o.numbers("quantiles")?,
                max_samples: Some(
                    max_samples.unwrap_or(
                        limits
                            .max_samples
                            .min(crate::jobs::run::DEFAULT_MAX_SAMPLES),
                    ),
                ),
                // Without a stopping rule a run saves checkpoints, so a
                // killed server resumes it where it was.
                checkpoint: !stopping,
                checkpoint_every: Some(checkpoint_every),
                ..Default::default()
            };
            let described = format!("{request:?}");
            let job = RunJob::new(
                &files,
                RunRequest {
                    resume: resume.map(|bytes| ("checkpoint.part".to_string(), bytes)),
                    ..request
                },
            )?;
            let total = job.settings().samples;
            (Job::Run(job), total, described)
        }
        "compare" => {
            let o = opts(&["samples", "seed", "design", "confidence", "set"]);
            o.check_names()?;
            if body.variants.is_empty() {
                return Err(invalid("variants", "compare needs at least one variant"));
            }
            let variants = body
                .variants
                .iter()
                .enumerate()
                .map(|(i, v)| model_path(&format!("variants.{i}"), v))
                .collect::<Result<Vec<_>, _>>()?;
            let request = CompareRequest {
                base: model,
                variants,
                sampling: o.sampling(limits)?,
                set: o.set()?,
                shard: None,
                no_report: false,
                format: TableFormat::Csv,
            };
            let described = format!("{request:?}");
            let total = request.sampling.samples;
            check_samples(
                total.saturating_mul(1 + request.variants.len() as u64),
                limits,
            )?;
            let job = CompareJob::new(&files, request, &|a, b| a == b)?;
            (Job::Compare(job), total, described)
        }
        "sweep" => {
            let o = opts(&["samples", "seed", "design", "confidence", "set"]);
            o.check_names()?;
            let axes = o.axes()?;
            let sampling = o.sampling(limits)?;
            // Checked before the grid is compiled: that alone is work.
            let points: usize = axes.iter().map(|a| a.values.len()).product();
            if points > limits.max_points {
                return Err(invalid(
                    "options.set",
                    format!(
                        "{points} points is more than this server's limit of {}",
                        limits.max_points
                    ),
                ));
            }
            check_samples(sampling.samples.saturating_mul(points as u64), limits)?;
            let request = SweepRequest {
                model,
                axes,
                sampling,
                no_report: false,
                format: TableFormat::Csv,
            };
            let described = format!("{request:?}");
            let total = request.sampling.samples;
            (
                Job::Sweep(SweepJob::new(&files, request)?),
                total,
                described,
            )
        }
        "sensitivity" => {
            let o = opts(&[
                "samples",
                "seed",
                "confidence",
                "quantity",
                "method",
                "design",
                "bootstrap",
                "sampler",
            ]);
            o.check_names()?;
            let samples = o
                .count("samples")?
                .unwrap_or(crate::jobs::sensitivity::DEFAULT_SAMPLES);
            check_samples(samples, limits)?;
            let request = SensitivityRequest {
                model,
                quantity: o.text("quantity")?.map(str::to_string),
                method: o
                    .choice(
                        "method",
                        &[
                            ("sobol", Method::Sobol),
                            ("tornado", Method::Tornado),
                            ("rank", Method::Rank),
                            ("filter", Method::Filter),
                        ],
                    )?
                    .unwrap_or_default(),
                design: o.choice("design", &[("qmc", Design::Qmc), ("mc", Design::Mc)])?,
                samples,
                seed: o.count("seed")?.unwrap_or(DEFAULT_SEED),
                confidence: o.number("confidence")?.unwrap_or(DEFAULT_CONFIDENCE),
                bootstrap: o
                    .count("bootstrap")?
                    .map(|b| b as usize)
                    .unwrap_or(crate::jobs::sensitivity::DEFAULT_BOOTSTRAP),
                sampler: o
                    .choice(
                        "sampler",
                        &[
                            ("plain", None),
                            ("subset", Some(RareMethod::Subset)),
                            ("is", Some(RareMethod::ImportanceSampling)),
                        ],
                    )?
                    .flatten(),
                shard: None,
                no_report: false,
                format: TableFormat::Csv,
            };
            let described = format!("{request:?}");
            let job = SensitivityJob::new(&files, request)?;
            check_samples(job.evaluations(), limits)?;
            (Job::Sensitivity(job), samples, described)
        }
        "rare" => {
            let o = opts(&["event", "method", "samples", "seed", "confidence", "set"]);
            o.check_names()?;
            let samples = o
                .count("samples")?
                .unwrap_or(crate::jobs::rare::DEFAULT_SAMPLES);
            // The most it may evaluate: every level or stage, and the last.
            check_samples(samples.saturating_mul(MAX_LEVELS as u64 + 1), limits)?;
            let request = RareRequest {
                model,
                event: o.text("event")?.map(str::to_string),
                method: o
                    .choice(
                        "method",
                        &[
                            ("subset", RareMethod::Subset),
                            ("is", RareMethod::ImportanceSampling),
                        ],
                    )?
                    .unwrap_or_default(),
                samples,
                seed: o.count("seed")?.unwrap_or(DEFAULT_SEED),
                confidence: o.number("confidence")?.unwrap_or(DEFAULT_CONFIDENCE),
                set: o.set()?,
                no_report: false,
                format: TableFormat::Csv,
            };
            let described = format!("{request:?}");
            let job = RareJob::new(&files, request)?;
            let total = samples.saturating_mul(crate::jobs::rare::PROGRESS_LEVELS);
            (Job::Rare(job), total, described)
        }
        other => {
            return Err(invalid(
                "command",
                format!("'{other}' is not one of run, compare, sweep, sensitivity, rare"),
            ));
        }
    };
    let hashes = match &job {
        Job::Run(j) => j.model_hashes(),
        Job::Compare(j) => j.model_hashes(),
        Job::Sweep(j) => j.model_hashes(),
        Job::Sensitivity(j) => j.model_hashes(),
        Job::Rare(j) => j.model_hashes(),
    };
    let key = cache_key(&body.command, &request, &hashes);
    Ok(Built { job, key, total })
}

/// Refuses models with more nodes than the server allows (each model's
/// text is bounded by the body limit, each expression's nesting by the
/// parser).
fn check_nodes(
    files: &RequestFiles,
    models: &[(String, PathBuf)],
    limits: &Limits,
) -> Result<(), ApiError> {
    for (key, path) in models {
        // A model that does not load is reported by the job's own checks.
        let Ok(spec) = crate::model::source::load_from(files, path) else {
            continue;
        };
        let nodes = spec.entries.len();
        if nodes > limits.max_nodes {
            return Err(invalid(
                key,
                format!(
                    "{}: {nodes} entries is more than this server's limit of {}",
                    path.display(),
                    limits.max_nodes
                ),
            ));
        }
    }
    Ok(())
}

/// What identifies a job's results: the gaprisk version, the command, the
/// validated request (model names and every option) and the resolved
/// models' hashes. Equal keys give equal bytes.
fn cache_key(command: &str, request: &str, hashes: &[String]) -> String {
    use sha2::{Digest, Sha256};
    let text = format!(
        "gaprisk {}\n{command}\n{request}\n{}",
        env!("CARGO_PKG_VERSION"),
        hashes.join("\n")
    );
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
