//! Turns a validated model into an engine program: nodes become column
//! slots or folded constants, expressions become straight-line code.

use super::expr::{BinaryOp, Expr, TernaryOp, UnaryOp};
use super::spec::{Body, Entry, Param, Section};
use super::validate::Model;
use crate::distributions::Distribution;
use crate::engine::program::{
    CorrelatedDraws, FixedDraw, Instr, Operand, Program, Quantity, QuantityKind, Step,
};
use crate::engine::rng::stream_id;
use crate::error::ModelError;
use rayon::prelude::*;
use std::collections::HashMap;

struct Compiler {
    steps: Vec<Step>,
    streams: Vec<u64>,
    stream_nodes: Vec<String>,
    /// Scratch slots, reused from one expression to the next.
    free_temps: Vec<u32>,
    temps_in_use: Vec<u32>,
    next_slot: u32,
}

impl Compiler {
    fn new_slot(&mut self) -> u32 {
        let s = self.next_slot;
        self.next_slot += 1;
        s
    }

    /// A slot that holds a node's or quantity's value for the whole block.
    fn permanent_slot(&mut self) -> u32 {
        self.new_slot()
    }

    fn temp(&mut self) -> u32 {
        let s = self.free_temps.pop().unwrap_or_else(|| self.new_slot());
        self.temps_in_use.push(s);
        s
    }

    fn release_temps(&mut self) {
        self.free_temps.append(&mut self.temps_in_use);
    }

    /// Emits code for `expr` into `code`; folds operations on constants.
    /// Recursive (the depth is bounded by the parser's `MAX_DEPTH`), so
    /// kept lean: each node's folding or instruction is in a function of
    /// its own, out of line, whose locals stay off the recursion's frames.
    fn expr(
        &mut self,
        expr: &Expr,
        names: &HashMap<&str, Operand>,
        code: &mut Vec<Instr>,
    ) -> Operand {
        match expr {
            Expr::Num(v) => Operand::Const(*v),
            Expr::Name(n) => names[n.as_str()],
            Expr::Unary(op, a) => {
                let a = self.expr(a, names, code);
                self.unary(*op, a, code)
            }
            Expr::Binary(op, a, b) => {
                let a = self.expr(a, names, code);
                let b = self.expr(b, names, code);
                self.binary(*op, a, b, code)
            }
            Expr::Ternary(op, a, b, c) => {
                let a = self.expr(a, names, code);
                let b = self.expr(b, names, code);
                let c = self.expr(c, names, code);
                self.ternary(*op, [a, b, c], code)
            }
        }
    }

    #[inline(never)]
    fn unary(&mut self, op: UnaryOp, a: Operand, code: &mut Vec<Instr>) -> Operand {
        match a {
            Operand::Const(x) => Operand::Const(op.apply(x)),
            a => {
                let dst = self.temp();
                code.push(Instr::Unary { op, dst, a });
                Operand::Slot(dst)
            }
        }
    }

    #[inline(never)]
    fn binary(&mut self, op: BinaryOp, a: Operand, b: Operand, code: &mut Vec<Instr>) -> Operand {
        match (a, b) {
            (Operand::Const(x), Operand::Const(y)) => Operand::Const(op.apply(x, y)),
            (a, b) => {
                let dst = self.temp();
                code.push(Instr::Binary { op, dst, a, b });
                Operand::Slot(dst)
            }
        }
    }

    #[inline(never)]
    fn ternary(
        &mut self,
        op: TernaryOp,
        [a, b, c]: [Operand; 3],
        code: &mut Vec<Instr>,
    ) -> Operand {
        match (a, b, c) {
            (Operand::Const(x), Operand::Const(y), Operand::Const(z)) => {
                Operand::Const(op.apply(x, y, z))
            }
            _ => {
                let dst = self.temp();
                code.push(Instr::Ternary { op, dst, a, b, c });
                Operand::Slot(dst)
            }
        }
    }

    /// Compiles an expression whose value must outlive the scratch slots:
    /// the last instruction is redirected into a permanent slot.
    fn value(&mut self, expr: &Expr, names: &HashMap<&str, Operand>) -> Operand {
        let mut code = Vec::new();
        let result = self.expr(expr, names, &mut code);
        let result = match (result, code.last_mut()) {
            (Operand::Slot(s), Some(last)) if last.dst() == s => {
                let slot = self.permanent_slot();
                *last.dst_mut() = slot;
                Operand::Slot(slot)
            }
            // A constant, or another node's value unchanged.
            (other, _) => other,
        };
        self.release_temps();
        if !code.is_empty() {
            self.steps.push(Step::Compute(code));
        }
        result
    }
}

pub fn compile(model: &Model) -> Result<Program, ModelError> {
    if let Some(steps) = model.spec.info.steps {
        return compile_stepped(model, steps);
    }
    let mut c = Compiler::new();
    let mut names: HashMap<&str, Operand> = HashMap::new();
    let mut node_columns = Vec::new();
    // Fixed distributions depend on nothing: drawn together, first.
    let mut fixed = Vec::new();
    for entry in model.nodes() {
        let operand = match &entry.body {
            Body::Fixed(dist, _) => c.fixed_node(entry, dist, &mut fixed),
            Body::Random(spec) => {
                let (slot, draw) = c.random_node(entry, spec, &names)?;
                match draw {
                    Ok(step) => c.steps.push(step),
                    // Every parameter folded to a number.
                    Err(draw) => fixed.push(draw),
                }
                slot
            }
            Body::Expr { expr, .. } => c.value(expr, &names),
            Body::State { .. } => unreachable!("a static model has no states"),
        };
        names.insert(entry.name.as_str(), operand);
        if let Operand::Slot(_) = operand {
            node_columns.push((entry.name.clone(), operand));
        }
    }
    let quantities = model
        .quantities
        .iter()
        .map(|&i| {
            let entry = model.entry(i);
            let value = c.value(quantity_expr(entry), &names);
            quantity(entry, value)
        })
        .collect();
    if !fixed.is_empty() {
        tabulate(&mut fixed);
        let correlated = correlated_draws(model, &fixed, &c.stream_nodes)?;
        c.steps.insert(0, Step::DrawFixed(fixed, correlated));
    }
    Ok(Program {
        steps: c.steps,
        slots: c.next_slot as usize,
        streams: c.streams,
        stream_nodes: c.stream_nodes,
        node_columns,
        quantities,
        stepping: None,
    })
}

impl Compiler {
    /// Compiles into a fresh list of steps what `f` emits, leaving the
    /// steps compiled so far as they were.
    fn section<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> (Vec<Step>, T) {
        let outer = std::mem::take(&mut self.steps);
        let value = f(self);
        (std::mem::replace(&mut self.steps, outer), value)
    }

    fn new() -> Compiler {
        Compiler {
            steps: Vec::new(),
            streams: Vec::new(),
            stream_nodes: Vec::new(),
            free_temps: Vec::new(),
            temps_in_use: Vec::new(),
            next_slot: 0,
        }
    }

    /// A random stream for the node `name`: its index.
    fn stream(&mut self, name: &str) -> usize {
        self.streams.push(stream_id(name));
        self.stream_nodes.push(name.to_string());
        self.streams.len() - 1
    }

    /// A number, or a distribution with numeric parameters, whose draw
    /// joins `fixed`.
    fn fixed_node(&mut self, entry: &Entry, dist: &Distribution, fixed: &mut Vec<FixedDraw>) -> Operand {
        if let Distribution::Constant(v) = dist {
            return Operand::Const(*v);
        }
        let slot = self.permanent_slot();
        let stream = self.stream(&entry.name);
        fixed.push(FixedDraw {
            slot,
            stream,
            dist: dist.clone(),
        });
        Operand::Slot(slot)
    }

    /// A random node's slot, and its draw step or (every parameter folded
    /// to a number) its fixed draw, checked now as for inputs.
    fn random_node(
        &mut self,
        entry: &Entry,
        spec: &super::spec::DistSpec,
        names: &HashMap<&str, Operand>,
    ) -> Result<(Operand, Result<Step, FixedDraw>), ModelError> {
        let params: Vec<Operand> = spec
            .params
            .iter()
            .map(|p| match p {
                Param::Number(x) => Operand::Const(*x),
                Param::Expr { expr, .. } => self.value(expr, names),
            })
            .collect();
        let constants: Option<Vec<f64>> = params
            .iter()
            .map(|p| match p {
                Operand::Const(x) => Some(*x),
                Operand::Slot(_) => None,
            })
            .collect();
        let slot = self.permanent_slot();
        let stream = self.stream(&entry.name);
        let draw = match constants {
            Some(values) => {
                let dist = spec.form.build(&values).map_err(|e| {
                    ModelError::new(
                        &entry.origin.file,
                        entry.origin.line,
                        format!("{}.{}", entry.key(), e.param),
                        e.to_string(),
                    )
                })?;
                Err(FixedDraw { slot, stream, dist })
            }
            None if spec.form == crate::distributions::Form::Bernoulli => Ok(Step::DrawBernoulli {
                slot,
                stream,
                p: params[0],
            }),
            None => Ok(Step::DrawWithParams {
                slot,
                stream,
                form: spec.form.clone(),
                params,
            }),
        };
        Ok((Operand::Slot(slot), draw))
    }
}

/// An event's or output's expression.
fn quantity_expr(entry: &Entry) -> &Expr {
    let Body::Expr { expr, .. } = &entry.body else {
        unreachable!("events and outputs are parsed as expressions")
    };
    expr
}

/// An event or output with its value.
fn quantity(entry: &Entry, value: Operand) -> Quantity {
    let kind = if entry.section == Section::Events {
        QuantityKind::Event
    } else {
        QuantityKind::Output
    };
    Quantity {
        name: entry.name.clone(),
        kind,
        value,
    }
}

/// A model with `[model] steps` (language 1.2). The inputs are drawn once,
/// first, as in a static program (`Program::steps`); the derived entries,
/// events and outputs form the body run at every step. Streams are the
/// inputs', then the random derived nodes', each in evaluation order: a
/// random derived node's stream at step s is its own for that step
/// (`rng::step_stream_id`), step 1's being the static stream.
fn compile_stepped(model: &Model, steps: u32) -> Result<Program, ModelError> {
    use crate::engine::program::{EventCarry, StateSlots, StateStart, Stepping};
    let mut c = Compiler::new();
    let mut names: HashMap<&str, Operand> = HashMap::new();
    let mut node_columns = Vec::new();
    let mut inputs = Vec::new();
    for entry in model.nodes().filter(|e| e.section == Section::Inputs) {
        let Body::Fixed(dist, _) = &entry.body else {
            unreachable!("inputs are numbers or distributions")
        };
        let operand = c.fixed_node(entry, dist, &mut inputs);
        names.insert(entry.name.as_str(), operand);
        if let Operand::Slot(_) = operand {
            node_columns.push((entry.name.clone(), operand));
        }
    }
    let t_slot = c.permanent_slot();
    names.insert(super::validate::STEP_NAME, Operand::Slot(t_slot));
    let mut states: Vec<StateSlots> = Vec::new();
    for entry in model.states() {
        let slot = c.permanent_slot();
        let shadow = c.permanent_slot();
        names.insert(entry.name.as_str(), Operand::Slot(slot));
        node_columns.push((entry.name.clone(), Operand::Slot(slot)));
        states.push(StateSlots {
            slot,
            next: Operand::Const(0.0),
            shadow,
        });
    }
    let mut start = Vec::new();
    for (entry, state) in model.states().zip(&states) {
        let Body::State { start: param, .. } = &entry.body else {
            unreachable!("states have a state body")
        };
        let (code, value) = c.section(|c| match param {
            Param::Number(x) => Operand::Const(*x),
            Param::Expr { expr, .. } => c.value(expr, &names),
        });
        start.push(StateStart {
            code,
            slot: state.slot,
            value,
        });
    }
    // The body: random derived nodes with numeric parameters are drawn
    // first, through the same tables as in a static program (so step 1
    // gives a static model's bits), then everything else in order.
    let mut body_fixed = Vec::new();
    let mut once: Vec<bool> = vec![false; c.streams.len()];
    // What takes another value at each step: `t`, the states, the random
    // derived nodes and what reads them. Expressions reading none of these
    // are the same at every step: computed once, before the loop, by the
    // same instructions on the same values (so the same bits).
    let mut varies: std::collections::HashSet<&str> = model.states().map(|e| e.name.as_str()).collect();
    varies.insert(super::validate::STEP_NAME);
    let mut once_per_sample: Vec<Step> = Vec::new();
    let (mut body, quantities) = c.section(|c| -> Result<Vec<Quantity>, ModelError> {
        let expression = |c: &mut Compiler,
                          expr: &Expr,
                          names: &HashMap<&str, Operand>,
                          varies: &std::collections::HashSet<&str>,
                          hoisted: &mut Vec<Step>| {
            if expr.names().iter().any(|n| varies.contains(n)) {
                (c.value(expr, names), true)
            } else {
                let (code, value) = c.section(|c| c.value(expr, names));
                hoisted.extend(code);
                (value, false)
            }
        };
        for entry in model.nodes().filter(|e| e.section == Section::Derived) {
            let operand = match &entry.body {
                Body::Fixed(dist, _) => {
                    let operand = c.fixed_node(entry, dist, &mut body_fixed);
                    if let Operand::Slot(_) = operand {
                        once.push(entry.each_step == Some(false));
                    }
                    operand
                }
                Body::Random(spec) => {
                    let (slot, draw) = c.random_node(entry, spec, &names)?;
                    once.push(entry.each_step == Some(false));
                    match draw {
                        Ok(step) => c.steps.push(step),
                        Err(draw) => body_fixed.push(draw),
                    }
                    slot
                }
                Body::Expr { expr, .. } => {
                    let (value, per_step) =
                        expression(c, expr, &names, &varies, &mut once_per_sample);
                    if !per_step {
                        names.insert(entry.name.as_str(), value);
                        if let Operand::Slot(_) = value {
                            node_columns.push((entry.name.clone(), value));
                        }
                        continue;
                    }
                    value
                }
                _ => unreachable!("derived entries are nodes"),
            };
            varies.insert(entry.name.as_str());
            names.insert(entry.name.as_str(), operand);
            if let Operand::Slot(_) = operand {
                node_columns.push((entry.name.clone(), operand));
            }
        }
        let mut quantities = Vec::new();
        for &i in &model.quantities {
            let entry = model.entry(i);
            let expr = quantity_expr(entry);
            let (value, _) = expression(c, expr, &names, &varies, &mut once_per_sample);
            quantities.push(quantity(entry, value));
        }
        Ok(quantities)
    });
    let mut quantities = quantities?;
    if !body_fixed.is_empty() {
        tabulate(&mut body_fixed);
        body.insert(0, Step::DrawFixed(body_fixed, None));
    }
    let (next, next_values) = c.section(|c| {
        model
            .states()
            .map(|entry| {
                let Body::State { next, .. } = &entry.body else {
                    unreachable!("states have a state body")
                };
                match next {
                    Param::Number(x) => Operand::Const(*x),
                    Param::Expr { expr, .. } => c.value(expr, &names),
                }
            })
            .collect::<Vec<Operand>>()
    });
    for (state, value) in states.iter_mut().zip(next_values) {
        state.next = value;
    }
    // Events: the main quantity is the carry (true by the last step); the
    // horizon counts by, at and the hazard's indicator at every step.
    let mut events = Vec::new();
    let mut horizon = Vec::new();
    for q in &mut quantities {
        match q.kind {
            QuantityKind::Event => {
                let carry = EventCarry {
                    at: q.value,
                    by: c.permanent_slot(),
                    hazard: c.permanent_slot(),
                };
                events.push(carry);
                for value in [
                    Operand::Slot(carry.by),
                    carry.at,
                    Operand::Slot(carry.hazard),
                ] {
                    horizon.push(Quantity {
                        name: q.name.clone(),
                        kind: QuantityKind::Event,
                        value,
                    });
                }
                q.value = Operand::Slot(carry.by);
            }
            QuantityKind::Output => horizon.push(q.clone()),
        }
    }
    let rest: Vec<Step> = body
        .iter()
        .filter_map(|step| match step {
            Step::DrawFixed(draws, None) => Some(Step::DrawFixed(
                draws.iter().filter(|d| !once[d.stream]).cloned().collect(),
                None,
            )),
            Step::DrawBernoulli { stream, .. } | Step::DrawWithParams { stream, .. }
                if once[*stream] =>
            {
                None
            }
            other => Some(other.clone()),
        })
        .collect();
    let k = c.streams.len();
    let per_step: Vec<usize> = (inputs.len()..k).filter(|&i| !once[i]).collect();
    let mut dims = vec![u32::MAX; (steps as usize - 1) * k];
    let mut dimension = k;
    for s in 2..=steps as usize {
        for &i in &per_step {
            dims[(s - 2) * k + i] = dimension as u32;
            dimension += 1;
        }
    }
    let mut program_steps = Vec::new();
    if !inputs.is_empty() {
        tabulate(&mut inputs);
        let correlated = correlated_draws(model, &inputs, &c.stream_nodes)?;
        program_steps.push(Step::DrawFixed(inputs, correlated));
    }
    program_steps.extend(once_per_sample);
    Ok(Program {
        steps: program_steps,
        slots: c.next_slot as usize,
        streams: c.streams,
        stream_nodes: c.stream_nodes,
        node_columns,
        quantities,
        stepping: Some(Stepping {
            steps,
            unit: model.spec.info.step_unit.clone(),
            t_slot,
            start,
            first: body,
            rest,
            next,
            states,
            events,
            horizon,
            dims,
            dimensions: dimension,
        }),
    })
}

/// Builds the fixed draws' quantile tables (most of a model's start-up: a
/// beta input's table is thousands of inverse CDFs). On a rayon pool, the
/// caller's (the shells compile on their workers' pool), the tables are
/// built in parallel; elsewhere one by one, starting no threads. Each table
/// is the same either way.
fn tabulate(fixed: &mut [FixedDraw]) {
    let build = |draw: &mut FixedDraw| {
        let dist = std::mem::replace(&mut draw.dist, Distribution::Constant(0.0));
        draw.dist = dist.with_tables();
    };
    if rayon::current_thread_index().is_some() {
        fixed.par_iter_mut().for_each(build);
    } else {
        fixed.iter_mut().for_each(build);
    }
}

/// The Gaussian copula of `[correlations]`, over the fixed draws it names.
fn correlated_draws(
    model: &Model,
    fixed: &[FixedDraw],
    stream_nodes: &[String],
) -> Result<Option<CorrelatedDraws>, ModelError> {
    let pairs = &model.spec.correlations;
    if pairs.is_empty() {
        return Ok(None);
    }
    // Members in order of first mention.
    let mut names: Vec<&str> = Vec::new();
    for c in pairs {
        for n in [c.a.as_str(), c.b.as_str()] {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    let position = |name: &str| fixed.iter().position(|d| stream_nodes[d.stream] == name);
    let members: Vec<usize> = names
        .iter()
        .map(|n| {
            position(n).expect("validation checked that correlated names are uncertain inputs")
        })
        .collect();
    let k = names.len();
    let mut matrix = vec![vec![0.0; k]; k];
    for (i, row) in matrix.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for c in pairs {
        let (i, j) = (
            names.iter().position(|n| *n == c.a).expect("a member"),
            names.iter().position(|n| *n == c.b).expect("a member"),
        );
        let r = crate::engine::copula::pearson_from_spearman(c.rho);
        matrix[i][j] = r;
        matrix[j][i] = r;
    }
    let copula = crate::engine::copula::Copula::new(&matrix).map_err(|(i, j)| {
        let culprit = pairs
            .iter()
            .find(|c| (c.a == names[i] && c.b == names[j]) || (c.a == names[j] && c.b == names[i]))
            .unwrap_or(&pairs[0]);
        ModelError::new(
            &culprit.origin.file,
            culprit.origin.line,
            culprit.key(),
            format!(
                "the correlations are impossible together (the matrix is not positive definite); \
                 check this pair, {} and {}, against the others",
                names[i], names[j]
            ),
        )
    })?;
    Ok(Some(CorrelatedDraws { members, copula }))
}
