//! `[state]` (language 1.2): values carried from one time step to the
//! next, each `{ start = ..., next = ... }`.

use super::reading::{Lines, check_name, expression_body, number, string_field};
use crate::error::ModelError;
use crate::model::spec::{Body, Entry, Origin, Param, Section};
use toml::Spanned;
use toml::de::DeValue;

/// The entries of a `[state]` table, in the order written.
pub(super) fn parse_states(
    lines: &Lines,
    table: &Spanned<DeValue>,
) -> Result<Vec<Entry>, ModelError> {
    let DeValue::Table(table) = table.get_ref() else {
        unreachable!("checked by caller")
    };
    let mut out = Vec::new();
    for (key, value) in table.iter() {
        let name = key.get_ref().to_string();
        let full = format!("state.{name}");
        let at = key.span().start;
        check_name(lines, at, &full, &name)?;
        let DeValue::Table(fields) = value.get_ref() else {
            return lines.error(
                at,
                full,
                format!(
                    "must be a table {{ start = ..., next = ... }}, found {}",
                    value.get_ref().type_str()
                ),
            );
        };
        let (mut start, mut next, mut note, mut source) = (None, None, None, None);
        for (k, v) in fields.iter() {
            let field = k.get_ref().as_ref();
            let field_key = format!("{full}.{field}");
            match field {
                "start" => start = Some(state_param(lines, k.span().start, &field_key, v)?),
                "next" => next = Some(state_param(lines, k.span().start, &field_key, v)?),
                "note" => note = Some(string_field(lines, &full, k, v)?),
                "source" => source = Some(string_field(lines, &full, k, v)?),
                _ => {
                    return lines.error(
                        k.span().start,
                        field_key,
                        "unknown key (expected start, next, note, source)",
                    );
                }
            }
        }
        let Some(start) = start else {
            return lines.error(at, full, "start missing: a state needs start and next");
        };
        let Some(next) = next else {
            return lines.error(at, full, "next missing: a state needs start and next");
        };
        out.push(Entry {
            name,
            section: Section::State,
            body: Body::State { start, next },
            note,
            source,
            each_step: None,
            origin: Origin {
                file: lines.file.clone(),
                line: lines.line(at),
            },
        });
    }
    Ok(out)
}

/// `start` or `next`: a number or an expression string.
fn state_param(
    lines: &Lines,
    at: usize,
    key: &str,
    value: &Spanned<DeValue>,
) -> Result<Param, ModelError> {
    match value.get_ref() {
        DeValue::String(text) => {
            let Body::Expr { expr, text } = expression_body(lines, at, key, text)? else {
                unreachable!("expression_body returns Body::Expr")
            };
            Ok(Param::Expr { expr, text })
        }
        other => match number(other) {
            Some(x) if x.is_finite() => Ok(Param::Number(x)),
            Some(x) => lines.error(at, key, format!("must be a finite number, got {x}")),
            None => lines.error(
                at,
                key,
                format!(
                    "must be a number or an expression string, found {}",
                    other.type_str()
                ),
            ),
        },
    }
}
