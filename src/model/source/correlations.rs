//! `[correlations]`: the Spearman rank correlations between pairs of
//! inputs.

use super::reading::{Lines, number};
use crate::error::ModelError;
use crate::model::spec::{Correlation, Origin};
use toml::Spanned;
use toml::de::DeValue;

/// `[correlations]` as nested tables: `a.b = rho` (dotted keys) or
/// `[correlations.a]` with `b = rho`.
pub(super) fn parse_correlations(
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
