//! `set NAME=VALUE`: replace inputs by constants before compiling.

use super::spec::{Body, DistSpec, ModelSpec, Param, Section};
use crate::distributions::{Distribution, Family, Form};
use crate::error::Error;

/// One `set` assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub name: String,
    pub value: f64,
}

impl std::str::FromStr for Override {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (name, value) = text
            .split_once('=')
            .ok_or_else(|| format!("'{text}' is not NAME=VALUE"))?;
        let value: f64 = value
            .trim()
            .parse()
            .map_err(|_| format!("'{value}' in '{text}' is not a number"))?;
        if !value.is_finite() {
            return Err(format!("'{text}': the value must be finite"));
        }
        Ok(Override {
            name: name.trim().to_string(),
            value,
        })
    }
}

/// `set` in a request: an object of input name -> number, in the order
/// written.
pub mod as_map {
    use super::Override;
    use serde::ser::SerializeMap;

    pub fn serialize<S: serde::Serializer>(set: &[Override], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(set.len()))?;
        for o in set {
            map.serialize_entry(&o.name, &o.value)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Override>, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Vec<Override>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of input name -> number")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Vec<Override>, A::Error> {
                let mut set = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    let value: serde_json::Value = map.next_value()?;
                    match value.as_f64() {
                        Some(value) if value.is_finite() => set.push(Override { name, value }),
                        _ => {
                            return Err(serde::de::Error::custom(format!(
                                "{name}: must be a finite number, got {value}"
                            )));
                        }
                    }
                }
                Ok(set)
            }
        }
        d.deserialize_map(Visitor)
    }
}

/// The JSON Schema of `set` in a request.
pub type Schema = std::collections::BTreeMap<String, f64>;

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
            "a=1.5".parse::<Override>().unwrap(),
            Override {
                name: "a".into(),
                value: 1.5
            }
        );
        assert_eq!(" b = -2 ".parse::<Override>().unwrap().value, -2.0);
        assert!("a".parse::<Override>().is_err());
        assert!("a=x".parse::<Override>().is_err());
        assert!("a=inf".parse::<Override>().is_err());
    }
}
