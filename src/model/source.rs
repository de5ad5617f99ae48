//! Reading model files: TOML with positions, one file at a time, then
//! `extends` chains merged into one `ModelSpec`.

use super::expr::{self, Expr};
use super::spec::Correlation;
use super::spec::*;
use crate::distributions::{Distribution, Family, Form};
use crate::error::ModelError;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Parses model text as if it were the file `path` (used by the fuzzer: no
/// file is read unless the text `extends` one).
pub fn load_text(path: &Path, text: &str) -> Result<ModelSpec, ModelError> {
    let file = parse_file(path, text, None)?;
    match file.extends.clone() {
        None => Ok(ModelSpec {
            file: path.to_path_buf(),
            info: file.info,
            entries: file.entries,
            correlations: file.correlations,
            added_inputs: Vec::new(),
        }),
        Some((parent, line)) => Err(ModelError::new(
            path,
            line,
            "model.extends",
            format!("'{parent}': extends needs a model file, not text"),
        )),
    }
}

/// Where model files come from. The CLI reads the disk; a server reads a
/// request's files and its model library, and nothing else.
pub trait ModelFiles {
    /// The text of the model file `path`, or why it cannot be read.
    fn read(&self, path: &Path) -> Result<String, String>;

    /// The file that `extends = "reference"` in `from` names, and its
    /// identity: equal for two paths to one file, to find cycles.
    fn resolve(&self, from: &Path, reference: &str) -> Result<(PathBuf, PathBuf), String>;

    /// The identity of a file that was read (see `resolve`).
    fn identity(&self, path: &Path) -> PathBuf;

    /// The file a request names (`model`, a variant): the path as given,
    /// unless these files resolve names another way.
    fn locate(&self, name: &str) -> Result<PathBuf, String> {
        Ok(PathBuf::from(name))
    }
}

/// Model files on disk; `extends` is relative to the extending file.
pub struct DiskFiles;

impl ModelFiles for DiskFiles {
    fn read(&self, path: &Path) -> Result<String, String> {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read model file: {e}"))
    }

    fn resolve(&self, from: &Path, reference: &str) -> Result<(PathBuf, PathBuf), String> {
        let path = from.parent().unwrap_or(Path::new("")).join(reference);
        let identity = std::fs::canonicalize(&path)
            .map_err(|e| format!("cannot open '{}': {e}", path.display()))?;
        Ok((path, identity))
    }

    fn identity(&self, path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    }
}

/// Model files held in memory by name (`baseline.toml`, `variants/a.toml`):
/// a request's files. `extends` resolves among them only; a reference that
/// climbs out of them (`../x.toml`) or is absolute is refused.
#[derive(Debug, Clone, Default)]
pub struct MemoryFiles {
    files: std::collections::BTreeMap<PathBuf, String>,
}

impl MemoryFiles {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file; its name is normalised as `extends` references are.
    pub fn insert(&mut self, name: &str, text: impl Into<String>) -> Result<PathBuf, String> {
        let path = normalise(Path::new(""), name)?;
        self.files.insert(path.clone(), text.into());
        Ok(path)
    }

    pub fn contains(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }
}

/// `reference` relative to the folder `base`, with `.` and `..` resolved
/// lexically; absolute paths and paths that climb above the top are refused.
pub fn normalise(base: &Path, reference: &str) -> Result<PathBuf, String> {
    use std::path::Component;
    let mut parts: Vec<std::ffi::OsString> = Vec::new();
    for c in base.components().chain(Path::new(reference).components()) {
        match c {
            Component::Normal(p) => parts.push(p.to_os_string()),
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err(format!("'{reference}' is outside the model files"));
                }
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!("'{reference}' is an absolute path"));
            }
        }
    }
    if parts.is_empty() {
        return Err(format!("'{reference}' names no file"));
    }
    Ok(parts.iter().collect())
}

impl ModelFiles for MemoryFiles {
    fn read(&self, path: &Path) -> Result<String, String> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| format!("no model file '{}'", path.display()))
    }

    fn resolve(&self, from: &Path, reference: &str) -> Result<(PathBuf, PathBuf), String> {
        let path = normalise(from.parent().unwrap_or(Path::new("")), reference)?;
        if !self.files.contains_key(&path) {
            return Err(format!("no model file '{}'", path.display()));
        }
        Ok((path.clone(), path))
    }

    fn identity(&self, path: &Path) -> PathBuf {
        path.to_path_buf()
    }

    fn locate(&self, name: &str) -> Result<PathBuf, String> {
        normalise(Path::new(""), name)
    }
}

/// Loads a model file from disk and everything it extends.
pub fn load(path: &Path) -> Result<ModelSpec, ModelError> {
    load_from(&DiskFiles, path)
}

/// Loads the model file `path` of `files` and everything it extends.
pub fn load_from(files: &dyn ModelFiles, path: &Path) -> Result<ModelSpec, ModelError> {
    let mut chain = Vec::new();
    load_chain(files, path, &mut chain)
}

fn load_chain(
    files: &dyn ModelFiles,
    path: &Path,
    chain: &mut Vec<PathBuf>,
) -> Result<ModelSpec, ModelError> {
    let text = files
        .read(path)
        .map_err(|e| ModelError::new(path, 0, "", e))?;
    let file = parse_file(path, &text, Some(files))?;
    let Some((parent_ref, line)) = file.extends.clone() else {
        return Ok(ModelSpec {
            file: path.to_path_buf(),
            info: file.info,
            entries: file.entries,
            correlations: file.correlations,
            added_inputs: Vec::new(),
        });
    };
    let (parent_path, identity) = files
        .resolve(path, &parent_ref)
        .map_err(|e| ModelError::new(path, line, "model.extends", e))?;
    chain.push(files.identity(path));
    if chain.contains(&identity) {
        return Err(ModelError::new(
            path,
            line,
            "model.extends",
            format!("'{}' extends itself through a cycle", parent_path.display()),
        ));
    }
    let parent = load_chain(files, &parent_path, chain)?;
    chain.pop();
    merge(parent, file, path)
}

/// Applies a child file over its resolved parent.
fn merge(
    mut parent: ModelSpec,
    child: ParsedFile,
    child_path: &Path,
) -> Result<ModelSpec, ModelError> {
    for entry in child.entries {
        let same = parent
            .entries
            .iter()
            .position(|p| p.name == entry.name && p.section == entry.section);
        match (same, entry.section) {
            (Some(i), _) => parent.entries[i] = entry,
            (None, Section::Inputs) => {
                // A new input (language 1.1). A name the parent gives a
                // derived node, event or output is an error, not a new input.
                if let Some(p) = parent.entries.iter().find(|p| p.name == entry.name) {
                    return Err(ModelError::new(
                        child_path,
                        entry.origin.line,
                        entry.key(),
                        format!(
                            "overrides '{}', which the parent model defines in [{}], not [inputs]",
                            entry.name,
                            p.section.key()
                        ),
                    ));
                }
                parent.added_inputs.push(entry.name.clone());
                parent.entries.push(entry);
            }
            (None, _) => parent.entries.push(entry),
        }
    }
    // A child's correlation replaces the parent's for the same pair.
    for c in child.correlations {
        match parent.correlations.iter().position(|p| p.same_pair(&c)) {
            Some(i) => parent.correlations[i] = c,
            None => parent.correlations.push(c),
        }
    }
    let info = ModelInfo {
        name: child.info.name,
        title: child.info.title.or(parent.info.title),
        description: child.info.description.or(parent.info.description),
        horizon: child.info.horizon.or(parent.info.horizon),
    };
    Ok(ModelSpec {
        file: child_path.to_path_buf(),
        info,
        entries: parent.entries,
        correlations: parent.correlations,
        added_inputs: parent.added_inputs,
    })
}

struct ParsedFile {
    info: ModelInfo,
    extends: Option<(String, usize)>,
    entries: Vec<Entry>,
    correlations: Vec<Correlation>,
}

/// Turns byte offsets into 1-based line numbers.
struct Lines<'a> {
    path: &'a Path,
    file: Arc<PathBuf>,
    text: &'a str,
    /// Where data files (`empirical`) are read from: the model's own files.
    files: Option<&'a dyn ModelFiles>,
}

impl Lines<'_> {
    fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn error<T>(
        &self,
        offset: usize,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Result<T, ModelError> {
        Err(ModelError::new(self.path, self.line(offset), key, message))
    }
}

const SECTIONS: &[&str] = &[
    "model",
    "inputs",
    "derived",
    "events",
    "outputs",
    "correlations",
];

fn parse_file(
    path: &Path,
    text: &str,
    files: Option<&dyn ModelFiles>,
) -> Result<ParsedFile, ModelError> {
    let lines = Lines {
        path,
        file: Arc::new(path.to_path_buf()),
        text,
        files,
    };
    let root = DeTable::parse(text).map_err(|e| {
        let line = e.span().map(|s| lines.line(s.start)).unwrap_or(0);
        ModelError::new(
            path,
            line,
            "",
            format!("TOML syntax error: {}", e.message().trim()),
        )
    })?;
    let root = root.get_ref();
    for (key, _) in root.iter() {
        if !SECTIONS.contains(&key.get_ref().as_ref()) {
            return lines.error(
                key.span().start,
                key.get_ref().as_ref(),
                format!("unknown section (expected one of: {})", SECTIONS.join(", ")),
            );
        }
    }
    let section = |name: &str| -> Result<Option<&Spanned<DeValue>>, ModelError> {
        match root.iter().find(|(k, _)| k.get_ref() == name) {
            None => Ok(None),
            Some((k, v)) => match v.get_ref() {
                DeValue::Table(_) => Ok(Some(v)),
                other => lines.error(
                    k.span().start,
                    name,
                    format!("must be a table, found {}", other.type_str()),
                ),
            },
        }
    };

    let Some(model) = section("model")? else {
        return lines.error(
            0,
            "model",
            "missing [model] table (it needs at least 'name')",
        );
    };
    let (info, extends) = parse_model_table(&lines, model)?;

    let mut entries = Vec::new();
    for (name, sec) in [
        ("inputs", Section::Inputs),
        ("derived", Section::Derived),
        ("events", Section::Events),
        ("outputs", Section::Outputs),
    ] {
        let Some(table) = section(name)? else {
            continue;
        };
        let DeValue::Table(table) = table.get_ref() else {
            unreachable!("checked above")
        };
        for (key, value) in table.iter() {
            entries.push(parse_entry(&lines, sec, key, value)?);
        }
    }
    let correlations = match section("correlations")? {
        Some(table) => parse_correlations(&lines, table)?,
        None => Vec::new(),
    };
    Ok(ParsedFile {
        info,
        extends,
        entries,
        correlations,
    })
}

fn parse_model_table(
    lines: &Lines,
    model: &Spanned<DeValue>,
) -> Result<(ModelInfo, Option<(String, usize)>), ModelError> {
    let DeValue::Table(table) = model.get_ref() else {
        unreachable!("checked by caller")
    };
    let mut info = ModelInfo::default();
    let mut name = None;
    let mut extends = None;
    for (key, value) in table.iter() {
        let k = key.get_ref().as_ref();
        let full = format!("model.{k}");
        let Some(s) = value.get_ref().as_str() else {
            return lines.error(
                key.span().start,
                full,
                format!("must be a string, found {}", value.get_ref().type_str()),
            );
        };
        match k {
            "name" => {
                if s.is_empty()
                    || !s
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                    || s.starts_with('.')
                {
                    return lines.error(
                        key.span().start,
                        full,
                        format!("'{s}' is not a usable name: use letters, digits, '-', '_' and '.' (it names the output folder)"),
                    );
                }
                name = Some(s.to_string())
            }
            "title" => info.title = Some(s.to_string()),
            "description" => info.description = Some(s.to_string()),
            "horizon" => info.horizon = Some(s.to_string()),
            "extends" => extends = Some((s.to_string(), lines.line(key.span().start))),
            _ => {
                return lines.error(
                    key.span().start,
                    full,
                    "unknown key (expected name, title, description, horizon, extends)",
                );
            }
        }
    }
    match name {
        Some(n) => info.name = n,
        None => {
            return lines.error(
                model.span().start,
                "model.name",
                "missing: every model file needs a name",
            );
        }
    }
    Ok((info, extends))
}

/// A TOML number as f64; TOML integers and floats both count.
fn number(value: &DeValue) -> Option<f64> {
    match value {
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            i64::from_str_radix(&digits, i.radix())
                .ok()
                .map(|v| v as f64)
        }
        DeValue::Float(f) => f.as_str().replace('_', "").parse().ok(),
        _ => None,
    }
}

fn parse_entry(
    lines: &Lines,
    section: Section,
    key: &Spanned<toml::de::DeString>,
    value: &Spanned<DeValue>,
) -> Result<Entry, ModelError> {
    let name = key.get_ref().to_string();
    let full = format!("{}.{name}", section.key());
    let at = key.span().start;
    if !expr::is_identifier(&name) {
        return lines.error(
            at,
            full,
            "is not a valid name (letters, digits and '_', not starting with a digit)",
        );
    }
    if expr::RESERVED.contains(&name.as_str()) {
        return lines.error(
            at,
            full,
            format!("'{name}' is reserved (an operator, constant or function)"),
        );
    }
    let origin = Origin {
        file: lines.file.clone(),
        line: lines.line(at),
    };
    let mut entry = Entry {
        name,
        section,
        body: Body::Expr {
            expr: Expr::Num(0.0),
            text: String::new(),
        },
        note: None,
        source: None,
        origin,
    };
    let v = value.get_ref();
    entry.body = match (section, v) {
        (Section::Inputs | Section::Derived, DeValue::Integer(_) | DeValue::Float(_)) => {
            let x = number(v).unwrap_or(f64::NAN);
            constant_body(lines, at, &full, x)?
        }
        (Section::Inputs, DeValue::String(_)) => {
            return lines.error(
                at,
                full,
                "inputs take a number or a distribution table; write expressions in [derived]",
            );
        }
        (_, DeValue::String(s)) => expression_body(lines, at, &full, s)?,
        (Section::Inputs | Section::Derived, DeValue::Table(t)) => distribution_body(
            lines,
            at,
            &full,
            section,
            t,
            &mut entry.note,
            &mut entry.source,
        )?,
        (Section::Events | Section::Outputs, DeValue::Table(t)) => {
            quantity_table(lines, at, &full, t, &mut entry.note, &mut entry.source)?
        }
        (_, other) => {
            let expected = match section {
                Section::Inputs => "a number or a distribution table",
                Section::Derived => "an expression string, a number or a distribution table",
                _ => "an expression string",
            };
            return lines.error(
                at,
                full,
                format!("must be {expected}, found {}", other.type_str()),
            );
        }
    };
    Ok(entry)
}

fn constant_body(lines: &Lines, at: usize, key: &str, x: f64) -> Result<Body, ModelError> {
    if !x.is_finite() {
        return lines.error(at, key, format!("must be a finite number, got {x}"));
    }
    let spec = DistSpec {
        family: Family::Constant,
        form: Form::Constant,
        params: vec![Param::Number(x)],
    };
    Ok(Body::Fixed(Distribution::Constant(x), spec))
}

fn expression_body(lines: &Lines, at: usize, key: &str, text: &str) -> Result<Body, ModelError> {
    let expr = expr::parse(text).map_err(|e| {
        ModelError::new(
            lines.path,
            lines.line(at),
            key,
            format!("in \"{text}\": {e}"),
        )
    })?;
    Ok(Body::Expr {
        expr,
        text: text.to_string(),
    })
}

fn string_field(
    lines: &Lines,
    key: &str,
    field: &Spanned<toml::de::DeString>,
    value: &Spanned<DeValue>,
) -> Result<String, ModelError> {
    match value.get_ref().as_str() {
        Some(s) => Ok(s.to_string()),
        None => lines.error(
            field.span().start,
            format!("{key}.{}", field.get_ref()),
            format!("must be a string, found {}", value.get_ref().type_str()),
        ),
    }
}

fn quantity_table(
    lines: &Lines,
    at: usize,
    key: &str,
    table: &DeTable,
    note: &mut Option<String>,
    source: &mut Option<String>,
) -> Result<Body, ModelError> {
    let mut body = None;
    for (k, v) in table.iter() {
        match k.get_ref().as_ref() {
            "expr" => {
                let text = string_field(lines, key, k, v)?;
                body = Some(expression_body(lines, k.span().start, key, &text)?);
            }
            "note" => *note = Some(string_field(lines, key, k, v)?),
            "source" => *source = Some(string_field(lines, key, k, v)?),
            other => {
                return lines.error(
                    k.span().start,
                    format!("{key}.{other}"),
                    "unknown key (expected expr, note, source)",
                );
            }
        }
    }
    body.map_or_else(|| lines.error(at, key, "missing 'expr'"), Ok)
}

fn distribution_body(
    lines: &Lines,
    at: usize,
    key: &str,
    section: Section,
    table: &DeTable,
    note: &mut Option<String>,
    source: &mut Option<String>,
) -> Result<Body, ModelError> {
    let (spec, given) = parse_dist(lines, at, key, section, table, note, source, false)?;
    match numbers_of(&spec) {
        Some(values) => Ok(Body::Fixed(
            build_at(lines, at, key, &spec, &values, &given)?,
            spec,
        )),
        None => Ok(Body::Random(spec)),
    }
}

/// A parameter as written: a number or expression, a list of them, a
/// mixture's components, or a string (an empirical column's file and name).
enum Given {
    One(Param),
    Many(Vec<Param>),
    Components(Vec<DistSpec>),
    Text(String),
}

/// A parameter's name, the offset of its key, and its value as written.
type GivenParam = (String, usize, Given);

/// The parameters of a spec when every one is a number.
fn numbers_of(spec: &DistSpec) -> Option<Vec<f64>> {
    spec.params
        .iter()
        .map(|p| match p {
            Param::Number(x) => Some(*x),
            Param::Expr { .. } => None,
        })
        .collect()
}

/// Builds the distribution, turning a parameter error into an error at the
/// line of the parameter it names.
fn build_at(
    lines: &Lines,
    at: usize,
    key: &str,
    spec: &DistSpec,
    values: &[f64],
    given: &[GivenParam],
) -> Result<Distribution, ModelError> {
    spec.form.build(values).or_else(|e| {
        let pos = given
            .iter()
            .find(|(n, _, _)| n == e.param)
            .map_or(at, |(_, pos, _)| *pos);
        lines.error(pos, format!("{key}.{}", e.param), e.to_string())
    })
}

/// One number or (in `[derived]`) expression parameter.
fn scalar_param(
    lines: &Lines,
    full: &str,
    field_at: usize,
    section: Section,
    v: &DeValue,
) -> Result<Param, ModelError> {
    match (v, section) {
        (DeValue::String(text), Section::Derived) => {
            let Body::Expr { expr, text } = expression_body(lines, field_at, full, text)? else {
                unreachable!("expression_body returns Body::Expr")
            };
            Ok(Param::Expr { expr, text })
        }
        (DeValue::String(_), _) => lines.error(
            field_at,
            full,
            "parameters of [inputs] must be numbers; use a random node in [derived] for expression parameters",
        ),
        (other, _) => match number(other) {
            Some(x) => Ok(Param::Number(x)),
            None => lines.error(
                field_at,
                full,
                format!("must be a number, found {}", other.type_str()),
            ),
        },
    }
}

/// Parses a distribution table (a node's, or a mixture's component when
/// `nested`) into its spec and the parameters as given, with positions.
#[allow(clippy::too_many_arguments)]
fn parse_dist(
    lines: &Lines,
    at: usize,
    key: &str,
    section: Section,
    table: &DeTable,
    note: &mut Option<String>,
    source: &mut Option<String>,
    nested: bool,
) -> Result<(DistSpec, Vec<GivenParam>), ModelError> {
    // The family first: it decides how the other keys are read, and TOML
    // does not make `dist` come first.
    let mut family = None;
    for (k, v) in table.iter() {
        if k.get_ref().as_ref() != "dist" {
            continue;
        }
        let name = string_field(lines, key, k, v)?;
        let Some(f) = Family::from_name(&name) else {
            let known: Vec<&str> = Family::ALL.iter().map(|f| f.name()).collect();
            return lines.error(
                k.span().start,
                format!("{key}.dist"),
                format!(
                    "unknown distribution '{name}' (known: {})",
                    known.join(", ")
                ),
            );
        };
        if nested && f == Family::Mixture {
            return lines.error(
                k.span().start,
                format!("{key}.dist"),
                "a mixture cannot be a component of a mixture",
            );
        }
        family = Some(f);
    }
    let Some(family) = family else {
        return lines.error(
            at,
            key,
            "distribution table needs 'dist' (e.g. dist = \"normal\")",
        );
    };
    let mut given: Vec<GivenParam> = Vec::new();
    for (k, v) in table.iter() {
        let field = k.get_ref().as_ref();
        let field_at = k.span().start;
        let full = format!("{key}.{field}");
        let value = match (family, field) {
            (_, "dist") => continue,
            (_, "note") => {
                *note = Some(string_field(lines, key, k, v)?);
                continue;
            }
            (_, "source") => {
                *source = Some(string_field(lines, key, k, v)?);
                continue;
            }
            (Family::Discrete, "values" | "weights") | (Family::Mixture, "weights") => {
                let DeValue::Array(items) = v.get_ref() else {
                    return lines.error(
                        field_at,
                        full,
                        format!(
                            "must be a list, e.g. [1, 2, 3], found {}",
                            v.get_ref().type_str()
                        ),
                    );
                };
                let mut params = Vec::with_capacity(items.len());
                for item in items.iter() {
                    params.push(scalar_param(
                        lines,
                        &full,
                        item.span().start,
                        section,
                        item.get_ref(),
                    )?);
                }
                Given::Many(params)
            }
            (Family::Mixture, "components") => {
                let DeValue::Array(items) = v.get_ref() else {
                    return lines.error(
                        field_at,
                        full,
                        format!(
                            "must be a list of distribution tables, e.g. [{{ dist = \"normal\", mean = 0, sd = 1 }}], found {}",
                            v.get_ref().type_str()
                        ),
                    );
                };
                let mut components = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let item_key = format!("{full}[{}]", i + 1);
                    let item_at = item.span().start;
                    let DeValue::Table(t) = item.get_ref() else {
                        return lines.error(
                            item_at,
                            item_key,
                            format!(
                                "must be a distribution table, found {}",
                                item.get_ref().type_str()
                            ),
                        );
                    };
                    let (mut n, mut s) = (None, None);
                    let (spec, inner) =
                        parse_dist(lines, item_at, &item_key, section, t, &mut n, &mut s, true)?;
                    // A component with numeric parameters is checked here, so
                    // the error names it and its parameter.
                    if let Some(values) = numbers_of(&spec) {
                        build_at(lines, item_at, &item_key, &spec, &values, &inner)?;
                    }
                    components.push(spec);
                }
                Given::Components(components)
            }
            (Family::Empirical, "file" | "column") => Given::Text(string_field(lines, key, k, v)?),
            _ => Given::One(scalar_param(lines, &full, field_at, section, v.get_ref())?),
        };
        given.push((field.to_string(), field_at, value));
    }
    let names: Vec<&str> = given.iter().map(|(n, _, _)| n.as_str()).collect();
    Form::check_names(family, &names).or_else(|message| {
        // Point at the offending parameter when there is one.
        let culprit = given
            .iter()
            .find(|(n, _, _)| !family.known_params().contains(&n.as_str()));
        match culprit {
            Some((n, pos, _)) => lines.error(*pos, format!("{key}.{n}"), message),
            None => lines.error(at, key, message),
        }
    })?;
    let find = |name: &str| {
        given
            .iter()
            .find(|(n, _, _)| n == name)
            .expect("Form::check_names checked every parameter is present")
    };
    let (form, params) = match family {
        Family::Discrete => {
            let (values, weights) = (find("values"), find("weights"));
            let (Given::Many(vs), Given::Many(ws)) = (&values.2, &weights.2) else {
                unreachable!("lists are parsed as lists")
            };
            if vs.is_empty() {
                return lines.error(values.1, format!("{key}.values"), "must not be empty");
            }
            if vs.len() != ws.len() {
                return lines.error(
                    weights.1,
                    format!("{key}.weights"),
                    format!(
                        "must have one entry per value: {} values, {} weights",
                        vs.len(),
                        ws.len()
                    ),
                );
            }
            let params = vs.iter().chain(ws).cloned().collect();
            (Form::discrete(vs.len()), params)
        }
        Family::Mixture => {
            let (components, weights) = (find("components"), find("weights"));
            let (Given::Components(cs), Given::Many(ws)) = (&components.2, &weights.2) else {
                unreachable!("lists are parsed as lists")
            };
            if cs.is_empty() {
                return lines.error(
                    components.1,
                    format!("{key}.components"),
                    "must not be empty",
                );
            }
            if cs.len() != ws.len() {
                return lines.error(
                    weights.1,
                    format!("{key}.weights"),
                    format!(
                        "must have one entry per component: {} components, {} weights",
                        cs.len(),
                        ws.len()
                    ),
                );
            }
            let forms = cs.iter().map(|c| c.form.clone()).collect();
            let params = cs
                .iter()
                .flat_map(|c| c.params.iter().cloned())
                .chain(ws.iter().cloned())
                .collect();
            (Form::mixture(forms), params)
        }
        Family::Empirical => {
            let (file, column) = (find("file"), find("column"));
            let (Given::Text(file_name), Given::Text(column_name)) = (&file.2, &column.2) else {
                unreachable!("file and column are parsed as strings")
            };
            let text = read_data(lines, file.1, &format!("{key}.file"), file_name)?;
            let data = crate::distributions::Empirical::from_csv(file_name, column_name, &text)
                .or_else(|e| {
                    let pos = if e.param == "column" {
                        column.1
                    } else {
                        file.1
                    };
                    lines.error(pos, format!("{key}.{}", e.param), e.message)
                })?;
            (Form::Empirical(Arc::new(data)), Vec::new())
        }
        _ => {
            let form = Form::resolve(family, &names).or_else(|m| lines.error(at, key, m))?;
            let mut params = Vec::new();
            for p in form.params() {
                match &find(p).2 {
                    Given::One(param) => params.push(param.clone()),
                    _ => unreachable!("scalar families take scalar parameters"),
                }
            }
            (form, params)
        }
    };
    Ok((
        DistSpec {
            family,
            form,
            params,
        },
        given,
    ))
}

/// Reads a data file named in a model, relative to the model file, through
/// the same `ModelFiles` as `extends`: on disk for the CLI; in a server,
/// the request's files or its library, never elsewhere. Absolute paths and
/// paths that climb above the model's folder are refused everywhere.
fn read_data(lines: &Lines, at: usize, key: &str, reference: &str) -> Result<String, ModelError> {
    if let Err(e) = normalise(Path::new(""), reference) {
        return lines.error(
            at,
            key,
            format!("{e}: a data file must be beside the model file or below it"),
        );
    }
    let Some(files) = lines.files else {
        return lines.error(
            at,
            key,
            format!("'{reference}': reading a data file needs a model file, not text"),
        );
    };
    // `ModelFiles` words its errors for model files; this one is data.
    let fail = |e: String| {
        let e = e.replace("model file", "file");
        ModelError::new(
            lines.path,
            lines.line(at),
            key,
            format!("cannot read data file '{reference}': {e}"),
        )
    };
    let (path, _) = files.resolve(lines.path, reference).map_err(fail)?;
    files.read(&path).map_err(fail)
}

/// `[correlations]` as nested tables: `a.b = rho` (dotted keys) or
/// `[correlations.a]` with `b = rho`.
fn parse_correlations(
    lines: &Lines,
    table: &Spanned<DeValue>,
) -> Result<Vec<Correlation>, ModelError> {
    let DeValue::Table(table) = table.get_ref() else {
        unreachable!("checked by caller")
    };
    let mut out: Vec<Correlation> = Vec::new();
    for (a, inner) in table.iter() {
        let a_name = a.get_ref().to_string();
        let DeValue::Table(inner) = inner.get_ref() else {
            return lines.error(
                a.span().start,
                format!("correlations.{a_name}"),
                "write a correlation as `first.second = rho` (a Spearman rank correlation)",
            );
        };
        for (b, value) in inner.iter() {
            let b_name = b.get_ref().to_string();
            let key = format!("correlations.{a_name}.{b_name}");
            let at = b.span().start;
            let Some(rho) = number(value.get_ref()) else {
                return lines.error(
                    at,
                    key,
                    format!("must be a number, found {}", value.get_ref().type_str()),
                );
            };
            if !(-1.0..=1.0).contains(&rho) {
                return lines.error(
                    at,
                    key,
                    format!("a rank correlation must be in [-1, 1], got {rho}"),
                );
            }
            if a_name == b_name {
                return lines.error(at, key, "an input's correlation with itself is always 1");
            }
            let c = Correlation {
                a: a_name.clone(),
                b: b_name,
                rho,
                origin: Origin {
                    file: lines.file.clone(),
                    line: lines.line(at),
                },
            };
            if let Some(p) = out.iter().find(|p| p.same_pair(&c)) {
                return lines.error(
                    at,
                    key,
                    format!(
                        "duplicate: this pair is already set at line {}",
                        p.origin.line
                    ),
                );
            }
            out.push(c);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = "[model]\nname = \"m\"\n[inputs]\nx = { dist = \"empirical\", file = \"FILE\", column = \"x\" }\n[outputs]\nx = \"x\"\n";

    fn files_with(model_name: &str, file: &str) -> (MemoryFiles, PathBuf) {
        let mut files = MemoryFiles::new();
        files.insert("data/d.csv", "x\n1\n2\n").unwrap();
        let path = files
            .insert(model_name, MODEL.replace("FILE", file))
            .unwrap();
        (files, path)
    }

    #[test]
    fn a_request_reads_data_from_its_own_files_only() {
        // Relative to the model file, among the request's files.
        let (files, path) = files_with("m.toml", "data/d.csv");
        let spec = load_from(&files, &path).unwrap();
        assert!(spec.canonical().contains("empirical(file = \"data/d.csv\""));
        let (files, path) = files_with("data/m.toml", "d.csv");
        assert!(load_from(&files, &path).is_ok());
        // Never the disk, whatever exists there; never above the top.
        for (model, file, expect) in [
            (
                "m.toml",
                "Cargo.toml",
                "cannot read data file 'Cargo.toml': no file 'Cargo.toml'",
            ),
            (
                "m.toml",
                "../d.csv",
                "'../d.csv' is outside the model files",
            ),
            (
                "data/m.toml",
                "../../etc/passwd",
                "is outside the model files",
            ),
            ("m.toml", "/etc/passwd", "'/etc/passwd' is an absolute path"),
        ] {
            let (files, path) = files_with(model, file);
            let err = load_from(&files, &path).unwrap_err().to_string();
            assert!(
                err.contains("inputs.x.file") && err.contains(expect),
                "{file}: {err}"
            );
        }
    }

    #[test]
    fn model_text_without_a_file_cannot_read_data() {
        let err = load_text(Path::new("m.toml"), &MODEL.replace("FILE", "d.csv"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs a model file, not text"), "{err}");
    }
}
