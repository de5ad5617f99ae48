//! An event's margin: how far a sample is from the event, at least 0
//! exactly where it holds, read off the event's expression. What the
//! rare-event methods climb toward the event with.

use crate::distributions::{Distribution, Family};
use crate::engine::chunk::BLOCK;
use crate::engine::design::Uniforms;
use crate::engine::eval::Workspace;
use crate::engine::operators::{BinaryOp, TernaryOp, UnaryOp};
use crate::engine::program::{Operand, Program};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::model::expr::Expr;
use crate::model::spec::{Body, Param, Section};
use statrs::distribution::{ContinuousCDF, Normal};
use std::collections::HashMap;

/// `u = Phi(z)`, kept inside (0, 1) as the engine's uniforms are.
fn uniform_of(z: f64) -> f64 {
    Normal::standard()
        .cdf(z)
        .clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0)
}

/// The margin of a condition, as a tree over the model's values.
#[derive(Debug, Clone)]
enum Margin {
    /// `a - b` for `a > b`, `b - a` for `a < b`, in units of the spread
    /// of `a - b` (comparison `index`).
    Compare {
        index: usize,
        a: Expr,
        b: Expr,
        greater: bool,
    },
    /// `==` and `!=`: minus (or plus) the scaled distance.
    Equal {
        index: usize,
        a: Expr,
        b: Expr,
        equal: bool,
    },
    And(Box<Margin>, Box<Margin>),
    Or(Box<Margin>, Box<Margin>),
    Not(Box<Margin>),
    /// `if(c, a, b)`: the margin of the branch taken.
    If(Expr, Box<Margin>, Box<Margin>),
    /// A Bernoulli node, 1 when `u >= 1 - p`: `z + Phi^-1(p)` for the
    /// normal coordinate `z` of its stream.
    Gate {
        stream: usize,
        p: Expr,
    },
    /// Any other value read as a condition (non-zero is true): +1 or -1.
    Truth(Expr),
}

/// Where a name's value comes from.
#[derive(Debug, Clone, Copy)]
enum Source {
    Column(usize),
    Constant(f64),
}

/// What `each_sample` hands each sample to: the limit, the node values,
/// the point, and whether the event holds.
type SampleFn<'f> = dyn FnMut(&Limit, &[f64], &[f64], bool) + 'f;

pub struct Limit<'a> {
    program: &'a Program,
    margin: Margin,
    event: Operand,
    sources: HashMap<String, Source>,
    /// Each comparison's unit: the spread of its difference.
    scales: Vec<f64>,
    comparisons: usize,
    /// Kept between batches (taken while the model runs).
    workspace: Option<Workspace>,
}

impl<'a> Limit<'a> {
    /// The limit of quantity `quantity` (an event) of `model`.
    pub fn new(model: &Model, program: &'a Program, quantity: usize) -> Result<Limit<'a>> {
        let q = &program.quantities[quantity];
        let entry = model
            .spec
            .entries
            .iter()
            .find(|e| e.section == Section::Events && e.name == q.name)
            .ok_or_else(|| Error::Rare(format!("'{}' is not an event", q.name)))?;
        let Body::Expr { expr, .. } = &entry.body else {
            return Err(Error::Rare(format!("'{}' is not an expression", q.name)));
        };
        let nodes: HashMap<&str, &Body> = model
            .spec
            .entries
            .iter()
            .filter(|e| matches!(e.section, Section::Inputs | Section::Derived))
            .map(|e| (e.name.as_str(), &e.body))
            .collect();
        let mut sources = HashMap::new();
        for (i, (name, _)) in program.node_columns.iter().enumerate() {
            sources.insert(name.clone(), Source::Column(i));
        }
        for (name, body) in &nodes {
            if let Body::Fixed(d, _) = body
                && d.is_constant()
            {
                sources.insert(name.to_string(), Source::Constant(d.quantile(0.5)));
            }
        }
        let mut comparisons = 0;
        let margin = build(expr, &nodes, program, &mut comparisons, 0)?;
        Ok(Limit {
            program,
            margin,
            event: q.value,
            sources,
            scales: vec![1.0; comparisons],
            comparisons,
            workspace: Some(Workspace::new(program)),
        })
    }

    /// Coordinates of a point: one per random node (per node and step in
    /// a stepped model, whose margin is read at the last step; a sample
    /// where the event held at an earlier step sits at margin 0, in the
    /// event's region, so the region {margin >= 0} is still the event's).
    pub fn dimension(&self) -> usize {
        self.program.dimension_count()
    }

    /// Sets each comparison's unit to the spread of its difference over
    /// `points` (the first level's samples), so that `and` and `or` weigh
    /// terms in different units alike.
    pub fn calibrate(&mut self, points: &[Vec<f64>]) -> Result<()> {
        let mut diffs: Vec<Vec<f64>> = vec![Vec::new(); self.comparisons];
        self.each_sample(points, &mut |limit, values, _, _| {
            limit.margin.diffs(&|n| limit.lookup(values, n), &mut diffs);
        })?;
        for (scale, d) in self.scales.iter_mut().zip(&diffs) {
            let finite: Vec<f64> = d.iter().copied().filter(|v| v.is_finite()).collect();
            let n = finite.len() as f64;
            let mean = finite.iter().sum::<f64>() / n;
            let sd = (finite.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            *scale = if sd.is_finite() && sd > 0.0 { sd } else { 1.0 };
        }
        Ok(())
    }

    /// The margin of each point: at least 0 exactly where the event holds
    /// (the model's own verdict decides ties and anything the expression's
    /// reading misses).
    pub fn margins(&mut self, points: &[Vec<f64>]) -> Result<Vec<f64>> {
        let mut out = Vec::with_capacity(points.len());
        self.each_sample(points, &mut |limit, values, z, event| {
            let g = limit
                .margin
                .value(&|n| limit.lookup(values, n), z, &limit.scales);
            let g = if g.is_nan() { f64::NEG_INFINITY } else { g };
            out.push(match (event, g >= 0.0) {
                (true, true) | (false, false) => g,
                (true, false) => 0.0,
                (false, true) => -f64::MIN_POSITIVE,
            });
        })?;
        Ok(out)
    }

    /// The model's node values at `points`: a column per node, in the
    /// order of the program's `node_columns`.
    pub fn node_values(&mut self, points: &[Vec<f64>]) -> Result<Vec<Vec<f64>>> {
        let mut columns = vec![Vec::with_capacity(points.len()); self.program.node_columns.len()];
        self.each_sample(points, &mut |_, values, _, _| {
            for (column, &v) in columns.iter_mut().zip(values) {
                column.push(v);
            }
        })?;
        Ok(columns)
    }

    fn lookup(&self, values: &[f64], name: &str) -> f64 {
        match self.sources.get(name) {
            Some(Source::Column(i)) => values[*i],
            Some(Source::Constant(c)) => *c,
            None => f64::NAN,
        }
    }

    /// Evaluates the model at `points`, block by block, and hands each
    /// sample's node values, its point and the event's verdict to `f`.
    fn each_sample(&mut self, points: &[Vec<f64>], f: &mut SampleFn) -> Result<()> {
        let d = self.dimension();
        for block in points.chunks(BLOCK) {
            let n = block.len();
            let mut rngs: Vec<Uniforms> = (0..d)
                .map(|k| Uniforms::Given {
                    values: block.iter().map(|z| uniform_of(z[k])).collect(),
                    next: 0,
                })
                .collect();
            let mut ws = self
                .workspace
                .take()
                .unwrap_or_else(|| Workspace::new(self.program));
            ws.run(self.program, &mut rngs, n);
            let columns: Vec<Vec<f64>> = self
                .program
                .node_columns
                .iter()
                .map(|(_, op)| {
                    let v = ws.read(*op, n);
                    (0..n).map(|i| v.get(i)).collect()
                })
                .collect();
            let event = ws.read(self.event, n);
            let verdicts: Vec<bool> = (0..n)
                .map(|i| {
                    let v = event.get(i);
                    v.is_finite() && v != 0.0
                })
                .collect();
            let mut values = vec![0.0; columns.len()];
            for (i, z) in block.iter().enumerate() {
                for (v, c) in values.iter_mut().zip(&columns) {
                    *v = c[i];
                }
                f(self, &values, z, verdicts[i]);
            }
            self.workspace = Some(ws);
        }
        Ok(())
    }
}

/// The margin of `expr` read as a condition; node names are followed into
/// their definitions (`depth` guards against a pathological chain).
fn build(
    expr: &Expr,
    nodes: &HashMap<&str, &Body>,
    program: &Program,
    comparisons: &mut usize,
    depth: usize,
) -> Result<Margin> {
    if depth > 256 {
        return Err(Error::Rare(
            "the event's definition is nested too deeply".into(),
        ));
    }
    let next = |c: &mut usize| {
        *c += 1;
        *c - 1
    };
    let sub = |e: &Expr, c: &mut usize| build(e, nodes, program, c, depth + 1).map(Box::new);
    Ok(match expr {
        Expr::Binary(op, a, b) => match op {
            BinaryOp::And => Margin::And(sub(a, comparisons)?, sub(b, comparisons)?),
            BinaryOp::Or => Margin::Or(sub(a, comparisons)?, sub(b, comparisons)?),
            BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Lt | BinaryOp::Le => Margin::Compare {
                index: next(comparisons),
                a: (**a).clone(),
                b: (**b).clone(),
                greater: matches!(op, BinaryOp::Gt | BinaryOp::Ge),
            },
            BinaryOp::Eq | BinaryOp::Ne => Margin::Equal {
                index: next(comparisons),
                a: (**a).clone(),
                b: (**b).clone(),
                equal: *op == BinaryOp::Eq,
            },
            _ => Margin::Truth(expr.clone()),
        },
        Expr::Unary(UnaryOp::Not, a) => Margin::Not(sub(a, comparisons)?),
        Expr::Ternary(TernaryOp::If, c, a, b) => {
            Margin::If((**c).clone(), sub(a, comparisons)?, sub(b, comparisons)?)
        }
        Expr::Name(name) => match nodes.get(name.as_str()) {
            Some(Body::Expr { expr, .. }) => build(expr, nodes, program, comparisons, depth + 1)?,
            Some(Body::Random(spec)) if spec.family == Family::Bernoulli => Margin::Gate {
                stream: stream_of(program, name)?,
                p: match &spec.params[..] {
                    [Param::Number(p)] => Expr::Num(*p),
                    [Param::Expr { expr, .. }] => expr.clone(),
                    _ => return Err(Error::Rare(format!("'{name}': a Bernoulli needs p"))),
                },
            },
            Some(Body::Fixed(Distribution::Bernoulli(b), _)) => Margin::Gate {
                stream: stream_of(program, name)?,
                p: Expr::Num(b.p()),
            },
            _ => Margin::Truth(expr.clone()),
        },
        _ => Margin::Truth(expr.clone()),
    })
}

fn stream_of(program: &Program, name: &str) -> Result<usize> {
    program
        .stream_nodes
        .iter()
        .position(|n| n == name)
        .ok_or_else(|| Error::Rare(format!("'{name}' has no random stream")))
}

impl Margin {
    fn value(&self, lookup: &dyn Fn(&str) -> f64, z: &[f64], scales: &[f64]) -> f64 {
        match self {
            Margin::Compare {
                index,
                a,
                b,
                greater,
            } => {
                let d = a.eval(lookup) - b.eval(lookup);
                (if *greater { d } else { -d }) / scales[*index]
            }
            Margin::Equal { index, a, b, equal } => {
                let d = (a.eval(lookup) - b.eval(lookup)).abs() / scales[*index];
                if *equal { -d } else { d }
            }
            Margin::And(a, b) => a.value(lookup, z, scales).min(b.value(lookup, z, scales)),
            Margin::Or(a, b) => a.value(lookup, z, scales).max(b.value(lookup, z, scales)),
            Margin::Not(a) => -a.value(lookup, z, scales),
            Margin::If(c, a, b) => {
                if c.eval(lookup) != 0.0 {
                    a.value(lookup, z, scales)
                } else {
                    b.value(lookup, z, scales)
                }
            }
            Margin::Gate { stream, p } => {
                let p = p.eval(lookup);
                if !(0.0..=1.0).contains(&p) {
                    return f64::NAN;
                }
                z[*stream] + Normal::standard().inverse_cdf(p)
            }
            Margin::Truth(e) => {
                let v = e.eval(lookup);
                if v.is_nan() {
                    f64::NAN
                } else if v != 0.0 {
                    1.0
                } else {
                    -1.0
                }
            }
        }
    }

    /// Records each comparison's raw difference (for its unit).
    fn diffs(&self, lookup: &dyn Fn(&str) -> f64, out: &mut [Vec<f64>]) {
        match self {
            Margin::Compare { index, a, b, .. } | Margin::Equal { index, a, b, .. } => {
                out[*index].push(a.eval(lookup) - b.eval(lookup));
            }
            Margin::And(a, b) | Margin::Or(a, b) | Margin::If(_, a, b) => {
                a.diffs(lookup, out);
                b.diffs(lookup, out);
            }
            Margin::Not(a) => a.diffs(lookup, out),
            Margin::Gate { .. } | Margin::Truth(_) => {}
        }
    }
}
