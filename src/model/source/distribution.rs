//! Distribution tables: the family, its parameters as written (numbers,
//! expressions, lists, a mixture's components, an empirical column's file
//! and name), and the distribution built from them, with any error at the
//! line of the parameter it names.

use super::data::read_data;
use super::reading::{Lines, expression_body, number, string_field};
use crate::distributions::{Distribution, Family, Form};
use crate::error::ModelError;
use crate::model::spec::{Body, DistSpec, Param, Section};
use std::sync::Arc;
use toml::de::{DeTable, DeValue};

pub(super) fn distribution_body(
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
            .find(|(n, _, _)| *n == e.param)
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
            .find(|(n, _, _)| !family.accepts(n));
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
                match &find(&p).2 {
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
