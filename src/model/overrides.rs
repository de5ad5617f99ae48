//! `set NAME=VALUE`: replace inputs by constants before compiling.

use super::spec::{Body, DistSpec, ModelSpec, Param, Section};
use crate::distributions::{Distribution, Family, Form};
use crate::error::{Error, literal};

/// One `set` assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub name: String,
    pub value: f64,
}

/// Parses `NAME=VALUE` (a `set` option).
pub fn parse(text: &str) -> Result<Override, Error> {
    let bad = |what: String| Error::option("set", format!("{{set}} {}", literal(&what)));
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| bad(format!("'{text}' is not NAME=VALUE")))?;
    let value: f64 = value
        .trim()
        .parse()
        .map_err(|_| bad(format!("'{value}' in '{text}' is not a number")))?;
    if !value.is_finite() {
        return Err(bad(format!("'{text}': the value must be finite")));
    }
    Ok(Override {
        name: name.trim().to_string(),
        value,
    })
}

/// Replaces each named input of `spec` by a constant. A name that is not an
/// input of the model is an `UnknownInput` error that lists what is.
pub fn apply(mut spec: ModelSpec, overrides: &[Override]) -> Result<ModelSpec, Error> {
    for o in overrides {
        let Some(entry) = spec
            .entries
            .iter_mut()
            .find(|e| e.section == Section::Inputs && e.name == o.name)
        else {
            let what = match spec.entries.iter().find(|e| e.name == o.name) {
                Some(e) => format!(
                    "'{}' is in [{}] of {}, not an input",
                    o.name,
                    e.section.key(),
                    spec.file.display()
                ),
                None => format!("{} has no input '{}'", spec.file.display(), o.name),
            };
            return Err(Error::UnknownInput {
                name: o.name.clone(),
                detail: what,
                inputs: spec
                    .section(Section::Inputs)
                    .map(|e| e.name.clone())
                    .collect(),
            });
        };
        let constant = DistSpec {
            family: Family::Constant,
            form: Form::Constant,
            params: vec![Param::Number(o.value)],
        };
        entry.body = Body::Fixed(Distribution::Constant(o.value), constant);
        entry.note = Some(format!("set to {} on the command line", o.value));
        // A constant has no correlation with anything.
        spec.correlations.retain(|c| c.a != o.name && c.b != o.name);
    }
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_parse_and_reject_nonsense() {
        assert_eq!(
            parse("a=1.5").unwrap(),
            Override {
                name: "a".into(),
                value: 1.5
            }
        );
        assert_eq!(parse(" b = -2 ").unwrap().value, -2.0);
        assert!(parse("a").is_err());
        assert!(parse("a=x").is_err());
        assert!(parse("a=inf").is_err());
    }
}
