//! One model file's TOML, with positions: its sections, `[model]`, and each
//! entry as a number, an expression or a quantity table (distribution
//! tables are `distribution`'s).

use super::correlations::parse_correlations;
use super::distribution::distribution_body;
use super::reading::{Lines, check_name, expression_body, number, string_field};
use super::state::parse_states;
use crate::distributions::{Distribution, Family, Form};
use crate::error::ModelError;
use crate::model::expr::Expr;
use crate::model::files::ModelFiles;
use crate::model::spec::{Body, Correlation, DistSpec, Entry, ModelInfo, Origin, Param, Section};
use std::path::Path;
use std::sync::Arc;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One file as written, before `extends` is applied.
pub(super) struct ParsedFile {
    pub(super) info: ModelInfo,
    pub(super) extends: Option<(String, usize)>,
    pub(super) entries: Vec<Entry>,
    pub(super) correlations: Vec<Correlation>,
}

const SECTIONS: &[&str] = &[
    "model",
    "inputs",
    "derived",
    "events",
    "outputs",
    "correlations",
    "state",
];

pub(super) fn parse_file(
    path: &Path,
    text: &str,
    files: Option<&dyn ModelFiles>,
) -> Result<ParsedFile, ModelError> {
    let lines = Lines {
        path,
        file: Arc::new(path.to_path_buf()),
        text,
        files,
        newlines: Default::default(),
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
    if let Some(table) = section("state")? {
        entries.extend(parse_states(&lines, table)?);
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
        if k == "steps" {
            info.steps = Some(steps_value(lines, key.span().start, value.get_ref())?);
            info.steps_origin = Some(Origin {
                file: lines.file.clone(),
                line: lines.line(key.span().start),
            });
            continue;
        }
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
            "step_unit" => info.step_unit = Some(s.to_string()),
            "extends" => extends = Some((s.to_string(), lines.line(key.span().start))),
            _ => {
                return lines.error(
                    key.span().start,
                    full,
                    "unknown key (expected name, title, description, horizon, extends, steps, step_unit)",
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

/// Time steps a model may have (language 1.2): beyond this a model is
/// more likely a mistake than a plan, and its horizon would not fit in memory.
pub const MAX_STEPS: u32 = 10_000;

/// `[model] steps`: a TOML integer in 1..=MAX_STEPS (a float, even 36.0, is
/// refused: a count of steps is written as one).
fn steps_value(lines: &Lines, at: usize, value: &DeValue) -> Result<u32, ModelError> {
    let shown = match value {
        DeValue::Integer(i) => i.as_str().to_string(),
        DeValue::Float(f) => f.as_str().to_string(),
        other => other.type_str().to_string(),
    };
    let whole = match value {
        DeValue::Integer(_) => number(value),
        _ => None,
    };
    match whole {
        Some(n) if (1.0..=f64::from(MAX_STEPS)).contains(&n) => Ok(n as u32),
        Some(n) if n > f64::from(MAX_STEPS) => lines.error(
            at,
            "model.steps",
            format!("{shown} is above the limit of {MAX_STEPS} steps"),
        ),
        _ => lines.error(
            at,
            "model.steps",
            format!("must be a whole number >= 1, got {shown}"),
        ),
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
    check_name(lines, at, &full, &name)?;
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
        each_step: None,
        origin,
    };
    let v = value.get_ref();
    let without_each_step;
    let v = match (section, v) {
        (Section::Inputs | Section::Derived, DeValue::Table(t)) => {
            match t.iter().find(|(k, _)| k.get_ref() == "each_step") {
                None => v,
                Some((k, flag)) => {
                    let key = format!("{full}.each_step");
                    if section == Section::Inputs {
                        return lines.error(
                            k.span().start,
                            key,
                            "inputs are drawn once per sample; each_step is for random nodes in [derived]",
                        );
                    }
                    let DeValue::Boolean(flag) = flag.get_ref() else {
                        return lines.error(
                            k.span().start,
                            key,
                            format!("must be true or false, found {}", flag.get_ref().type_str()),
                        );
                    };
                    entry.each_step = Some(*flag);
                    let mut rest = DeTable::new();
                    for (k, v) in t.iter().filter(|(k, _)| k.get_ref() != "each_step") {
                        rest.insert(k.clone(), v.clone());
                    }
                    without_each_step = DeValue::Table(rest);
                    &without_each_step
                }
            }
        }
        _ => v,
    };
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
