//! A model over a line or grid of input values. Every point fixes the swept
//! inputs to constants; all points run in one pass on common random
//! numbers, so the curve is smooth and differences between points are
//! sharper than independent runs would give.

use crate::engine::program::Program;
use crate::engine::{self, Outcome, RunSettings, Workers};
use crate::error::{Error, Result, literal};
use crate::model::overrides::{self, Override};
use crate::model::spec::ModelSpec;
use crate::model::{compile::compile, validate};
use crate::summary::{QuantitySummary, SummarySettings, summarise};

/// Points at most: a grid larger than this is almost always a typo.
pub const MAX_POINTS: usize = 10_000;

/// One swept input and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub name: String,
    pub values: Vec<f64>,
}

impl std::str::FromStr for Axis {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        parse_axis_text(text)
    }
}

/// A sweep's `set` in a request: an object of input name ->
/// "START:STOP:POINTS", "V1,V2,...", a list of numbers or one number, in
/// the order written (the first input varies slowest).
pub mod as_map {
    use super::Axis;
    use serde::ser::SerializeMap;
    use serde_json::Value;

    pub fn serialize<S: serde::Serializer>(axes: &[Axis], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(axes.len()))?;
        for a in axes {
            map.serialize_entry(&a.name, &a.values)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Axis>, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Vec<Axis>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of input name -> values")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Vec<Axis>, A::Error> {
                let mut axes = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    let value: Value = map.next_value()?;
                    let values = match &value {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Array(items) if !items.is_empty() => items
                            .iter()
                            .map(|i| i.as_f64().map(|x| x.to_string()))
                            .collect::<Option<Vec<_>>>()
                            .ok_or_else(|| {
                                serde::de::Error::custom(format!(
                                    "{name}: a list of values must hold numbers only"
                                ))
                            })?
                            .join(","),
                        _ => {
                            return Err(serde::de::Error::custom(format!(
                                "{name}: must be \"START:STOP:POINTS\", a list of numbers or a number"
                            )));
                        }
                    };
                    axes.push(
                        super::parse_axis_text(&format!("{name}={values}"))
                            .map_err(serde::de::Error::custom)?,
                    );
                }
                Ok(axes)
            }
        }
        d.deserialize_map(Visitor)
    }

    /// Its JSON Schema.
    pub fn schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "oneOf": [
                    { "type": "string", "examples": ["0:1:11", "1,2,5,10"] },
                    { "type": "array", "items": { "type": "number" }, "minItems": 1 },
                    { "type": "number" },
                ],
            },
            "examples": [{ "us_commitment": "0:1:11" }],
        })
    }
}

fn parse_axis_text(text: &str) -> std::result::Result<Axis, String> {
    let (name, spec) = text
        .split_once('=')
        .ok_or_else(|| format!("'{text}' is not NAME=VALUES"))?;
    let number = |s: &str| -> std::result::Result<f64, String> {
        match s.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(format!("'{s}' in '{text}' is not a finite number")),
        }
    };
    let values = if spec.contains(':') {
        let parts: Vec<&str> = spec.split(':').collect();
        let [start, stop, points] = parts[..] else {
            return Err(format!("'{text}': a range is START:STOP:POINTS"));
        };
        let (start, stop) = (number(start)?, number(stop)?);
        let points: usize = points
            .trim()
            .parse()
            .map_err(|_| format!("'{points}' in '{text}' is not a whole number of points"))?;
        match points {
            0 => return Err(format!("'{text}': a range needs at least 1 point")),
            1 => vec![start],
            n if n > MAX_POINTS => return Err(format!("'{text}': more than {MAX_POINTS} points")),
            n => (0..n).map(|i| grid_value(start, stop, i, n)).collect(),
        }
    } else {
        spec.split(',')
            .map(number)
            .collect::<std::result::Result<Vec<f64>, String>>()?
    };
    Ok(Axis {
        name: name.trim().to_string(),
        values,
    })
}

/// Point `i` of `n` evenly spaced from `start` to `stop`, both exact. The
/// interior points are rounded to 12 significant digits of the range, so
/// 0.1:0.9:5 gives 0.3, not 0.30000000000000004 (the float arithmetic's
/// last-digit noise, which would otherwise show in sweep.csv).
fn grid_value(start: f64, stop: f64, i: usize, n: usize) -> f64 {
    if i == 0 {
        return start;
    }
    if i == n - 1 {
        return stop;
    }
    let raw = start + (stop - start) * i as f64 / (n - 1) as f64;
    let span = (stop - start).abs();
    if span == 0.0 {
        return raw;
    }
    let decimals = (12 - span.log10().floor() as i32).clamp(0, 300) as usize;
    format!("{raw:.decimals$}").parse().unwrap_or(raw)
}

#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    /// One value per axis, in axis order.
    pub values: Vec<f64>,
    pub quantities: Vec<QuantitySummary>,
}

/// Every combination of axis values, the first axis varying slowest.
pub fn grid(axes: &[Axis]) -> Vec<Vec<f64>> {
    axes.iter().fold(vec![Vec::new()], |points, axis| {
        points
            .iter()
            .flat_map(|p| {
                axis.values.iter().map(move |&v| {
                    let mut q = p.clone();
                    q.push(v);
                    q
                })
            })
            .collect()
    })
}

/// Checks the axes against the rules: distinct names, at most two that vary.
pub fn check_axes(axes: &[Axis]) -> Result<()> {
    if axes.is_empty() {
        return Err(Error::option(
            "set",
            "a sweep needs {set}: at least one input and its values",
        ));
    }
    for (i, a) in axes.iter().enumerate() {
        if axes[..i].iter().any(|b| b.name == a.name) {
            return Err(Error::option(
                "set",
                format!("{{set}} {}: given twice", literal(&a.name)),
            ));
        }
    }
    let varying = axes.iter().filter(|a| a.values.len() > 1).count();
    if varying > 2 {
        return Err(Error::option(
            "set",
            format!(
                "{{set}}: {varying} inputs take several values; a sweep is a line or a grid (at most two)"
            ),
        ));
    }
    let points = points(axes);
    if points > MAX_POINTS {
        return Err(Error::option(
            "set",
            format!("{{set}}: {points} points is more than {MAX_POINTS}"),
        ));
    }
    Ok(())
}

/// The points of the grid of `axes` (`usize::MAX` if they are more).
pub fn points(axes: &[Axis]) -> usize {
    axes.iter()
        .fold(1usize, |n, a| n.saturating_mul(a.values.len()))
}

/// Compiles the model at every point (an error names the point).
pub fn programs(spec: &ModelSpec, axes: &[Axis]) -> Result<Vec<(Vec<f64>, Program)>> {
    grid(axes)
        .into_iter()
        .map(|point| {
            let assignments: Vec<Override> = axes
                .iter()
                .zip(&point)
                .map(|(a, &value)| Override {
                    name: a.name.clone(),
                    value,
                })
                .collect();
            let model = validate::validate(overrides::apply(spec.clone(), &assignments)?)?;
            Ok((point, compile(&model)?))
        })
        .collect()
}

/// Runs every point in one pass over the chunks.
pub fn sweep(
    points: &[(Vec<f64>, Program)],
    settings: &RunSettings,
    summary: &SummarySettings,
    workers: &Workers,
    progress: &mut dyn FnMut(u64),
) -> Result<Outcome<Vec<SweepPoint>>> {
    let programs: Vec<Program> = points.iter().map(|(_, p)| p.clone()).collect();
    let outcome = engine::run_many_all(&programs, &[], settings, workers, progress)?;
    Ok(outcome.map(|result| {
        points
            .iter()
            .zip(&result.each)
            .map(|((values, program), acc)| SweepPoint {
                values: values.clone(),
                quantities: summarise(program, acc, summary),
            })
            .collect()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_parse_in_every_form() {
        let a = "us_commitment=0:1:11".parse::<Axis>().unwrap();
        assert_eq!(a.values.len(), 11);
        assert_eq!((a.values[0], a.values[10]), (0.0, 1.0));
        // The values as written, not the float arithmetic's neighbours.
        let shown: Vec<String> = a.values.iter().map(|v| v.to_string()).collect();
        assert_eq!(
            shown,
            [
                "0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1"
            ]
        );
        let b = "x=0.1:0.9:5".parse::<Axis>().unwrap().values;
        assert_eq!(b, vec![0.1, 0.3, 0.5, 0.7, 0.9]);
        let c = "x=0.2:0.9:4".parse::<Axis>().unwrap().values;
        assert_eq!(c[3], 0.9);
        assert!((c[1] - (0.2 + 0.7 / 3.0)).abs() < 1e-12, "{c:?}");
        let d = "x=-1e6:1e6:3".parse::<Axis>().unwrap().values;
        assert_eq!(d, vec![-1e6, 0.0, 1e6]);
        assert_eq!(
            "x=1,2.5,4".parse::<Axis>().unwrap().values,
            vec![1.0, 2.5, 4.0]
        );
        assert_eq!("x=7".parse::<Axis>().unwrap().values, vec![7.0]);
        assert_eq!("x=3:5:1".parse::<Axis>().unwrap().values, vec![3.0]);
        for bad in ["x", "x=1:2", "x=a,b", "x=0:1:0", "x=0:1:2.5", "x=1,nan"] {
            assert!(bad.parse::<Axis>().is_err(), "{bad}");
        }
    }

    #[test]
    fn grid_is_the_product_first_axis_slowest() {
        let axes = [
            Axis {
                name: "a".into(),
                values: vec![1.0, 2.0],
            },
            Axis {
                name: "b".into(),
                values: vec![10.0, 20.0, 30.0],
            },
        ];
        let g = grid(&axes);
        assert_eq!(g.len(), 6);
        assert_eq!(g[0], vec![1.0, 10.0]);
        assert_eq!(g[2], vec![1.0, 30.0]);
        assert_eq!(g[3], vec![2.0, 10.0]);
        assert!(check_axes(&axes).is_ok());
        let three = [
            axes[0].clone(),
            axes[1].clone(),
            Axis {
                name: "c".into(),
                values: vec![0.0, 1.0],
            },
        ];
        assert!(check_axes(&three).is_err());
        assert!(check_axes(&[axes[0].clone(), axes[0].clone()]).is_err());
    }
}
