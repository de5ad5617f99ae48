//! A job asked for as JSON, the way the service's `POST /v1/jobs` and the
//! Python package send it: `{"command", "model", "variants", "files",
//! "options"}`, options named as the spec's fields. `JobRequest::spec`
//! checks it into the same `JobSpec` the CLI parses, with errors naming
//! the key at fault (`options.samples`, `variants.1`).

use super::schema::{self, Shell};
use super::{JobKind, JobSpec};
use crate::error::{Error, Result, literal};
use crate::model::source::ModelFiles;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A request body as sent. Its fields are fixed (an unknown one, a wrong
/// type or malformed JSON is a `serde_json::Error`); what they say is
/// checked by `spec`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobRequest {
    pub command: String,
    pub model: String,
    #[serde(default)]
    pub variants: Vec<String>,
    /// Model files sent with the request: name -> TOML text.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// Kept as written: a sweep's inputs vary in the order given, so the
    /// order of `options.set`'s keys is part of the request.
    #[serde(default, deserialize_with = "present")]
    options: Option<Box<RawValue>>,
}

/// An option object given, even as `null` (which `spec` then refuses as
/// not an object), rather than taken for "no options".
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Box<RawValue>>, D::Error> {
    Box::<RawValue>::deserialize(d).map(Some)
}

/// An object's entries in the order written, values still as JSON text.
pub(super) struct Entries(pub(super) Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        d.deserialize_map(Visitor)
    }
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> Error {
    Error::InvalidRequest {
        key: key.into(),
        message: message.into(),
    }
}

impl JobRequest {
    /// The request in `bytes`, which must be a JSON object (serde would
    /// read a list's items as the fields in order).
    pub fn from_json(bytes: &[u8]) -> serde_json::Result<JobRequest> {
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if first != Some(&b'{') {
            // Malformed JSON keeps serde's own message.
            serde_json::from_slice::<serde::de::IgnoredAny>(bytes)?;
            return Err(<serde_json::Error as serde::de::Error>::custom(
                "the body must be a JSON object",
            ));
        }
        serde_json::from_slice(bytes)
    }

    /// The options as JSON text, as sent (`{}` when none were given).
    pub fn options_text(&self) -> &str {
        self.options.as_deref().map_or("{}", RawValue::get)
    }

    /// The command, checked.
    fn kind(&self) -> Result<JobKind> {
        self.command
            .parse()
            .map_err(|e: String| invalid("command", e))
    }

    /// The job this request asks for, with its options checked as `shell`
    /// may give them and its models located by `files`.
    pub fn spec(&self, shell: Shell, files: &dyn ModelFiles) -> Result<JobSpec> {
        let kind = self.kind()?;
        if kind != JobKind::Compare && !self.variants.is_empty() {
            return Err(invalid("variants", "only compare takes variants"));
        }
        let options = self.options_text();
        check_options(kind, shell, options)?;
        let mut spec =
            JobSpec::from_options(kind, options).map_err(|e| locate(kind, options, e))?;
        if let JobSpec::Sweep(sweep) = &spec {
            // `set: {}` reads as no axes: refused as the CLI refuses no --set.
            crate::analysis::sweep::check_axes(&sweep.set)?;
        }
        let model = files
            .locate(&self.model)
            .map_err(|e| invalid("model", format!("{}: {e}", literal(&self.model))))?;
        let variants = self
            .variants
            .iter()
            .enumerate()
            .map(|(i, name)| {
                files.locate(name).map_err(|e| {
                    invalid(format!("variants.{i}"), format!("{}: {e}", literal(name)))
                })
            })
            .collect::<Result<Vec<PathBuf>>>()?;
        spec.set_models(model, variants)?;
        Ok(spec)
    }
}

/// Refuses names `kind` does not take or that are given twice, options
/// `shell` may not give, missing required ones, and values of the wrong
/// JSON type, each naming the option (an entry of an object option as
/// `options.NAME.ENTRY`).
fn check_options(kind: JobKind, shell: Shell, options: &str) -> Result<()> {
    let Entries(entries) =
        serde_json::from_str(options).map_err(|_| invalid("options", "must be an object"))?;
    let known = schema::options(kind);
    for (at, (name, raw)) in entries.iter().enumerate() {
        let Some(option) = known.iter().find(|o| o.name == name) else {
            return Err(Error::UnknownOption {
                command: kind.name(),
                name: name.clone(),
                known: known
                    .iter()
                    .filter(|o| o.taken_by(shell))
                    .map(|o| o.name)
                    .collect(),
            });
        };
        if entries[..at].iter().any(|(before, _)| before == name) {
            return Err(Error::option(
                option.name,
                format!("{{{}}} is given twice", option.name),
            ));
        }
        if !option.taken_by(shell) {
            return Err(Error::option(
                option.name,
                format!(
                    "{{{}}} is an option of the command line{}; {} does not take it",
                    option.name,
                    if option.taken_by(Shell::PythonLocal) {
                        " and of the Python package's in-process calls"
                    } else {
                        ""
                    },
                    match shell {
                        Shell::Service => "the service",
                        _ => "this call",
                    }
                ),
            ));
        }
        let value: serde_json::Value = serde_json::from_str(raw.get()).map_err(|e| {
            Error::option(
                option.name,
                format!("{{{}}}: {}", option.name, literal(&message(&e))),
            )
        })?;
        if !schema::has_type(&value, &option.json_types()) {
            return Err(Error::option(
                option.name,
                format!(
                    "{{{}}} must be {}, got {}",
                    option.name,
                    option.expected(),
                    literal(&value.to_string())
                ),
            ));
        }
        if let (serde_json::Value::Object(map), Some(entry_types)) = (&value, option.entry_types())
        {
            for (entry, v) in map {
                if !schema::has_type(v, &entry_types) {
                    return Err(invalid(
                        format!("options.{name}.{entry}"),
                        format!(
                            "{name}.{entry} must be {}, got {v}",
                            schema::words(&entry_types)
                        ),
                    ));
                }
            }
        }
    }
    for name in schema::required(kind) {
        if !entries.iter().any(|(given, _)| given == name) {
            return Err(Error::option(
                name,
                format!("{} needs {{{name}}}", kind.name()),
            ));
        }
    }
    Ok(())
}

/// Names the option a deserialisation error is about. serde's flattening
/// (the groups of options several commands share) loses the path of an
/// error, but each option is read on its own, so the first one that fails
/// alone (with the options every request must give) is the one at fault.
fn locate(kind: JobKind, options: &str, error: serde_json::Error) -> Error {
    let Ok(Entries(entries)) = serde_json::from_str(options) else {
        return invalid("options", literal(&message(&error)));
    };
    let required = schema::required(kind);
    let entry = |(name, raw): &(String, Box<RawValue>)| {
        format!("{}:{}", serde_json::Value::String(name.clone()), raw.get())
    };
    let base: Vec<String> = entries
        .iter()
        .filter(|(name, _)| required.contains(&name.as_str()))
        .map(entry)
        .collect();
    for candidate in &entries {
        let mut alone = base.clone();
        if !required.contains(&candidate.0.as_str()) {
            alone.push(entry(candidate));
        }
        let alone = format!("{{{}}}", alone.join(","));
        if let Err(e) = JobSpec::from_options(kind, &alone)
            && let Some(option) = schema::option(kind, &candidate.0)
        {
            return Error::option(
                option.name,
                format!("{{{}}} {}", option.name, literal(&message(&e))),
            );
        }
    }
    invalid("options", literal(&message(&error)))
}

/// serde_json's message without its position (the request's own JSON text
/// is not what a user wrote).
fn message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}
