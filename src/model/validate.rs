//! Checks that a resolved model makes sense as a whole: unique names, known
//! references, no cycles. Produces the evaluation order.

use super::expr::{BinaryOp, Expr, TernaryOp, UnaryOp, abbreviate};
use super::spec::*;
use crate::distributions::Family;
use crate::error::ModelError;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

/// A model that passed validation, with its nodes in evaluation order.
#[derive(Debug, Clone)]
pub struct Model {
    pub spec: ModelSpec,
    /// Indices into `spec.entries` of inputs and derived nodes, each after
    /// everything it refers to.
    pub order: Vec<usize>,
    /// Indices of events, then outputs, in declaration order.
    pub quantities: Vec<usize>,
    /// Indices of `[state]` entries, each after the states its `start`
    /// reads (language 1.2; empty for a static model).
    pub start_order: Vec<usize>,
    /// What the model's author should know but that does not stop a run:
    /// inputs no event or output depends on.
    pub warnings: Vec<String>,
}

impl Model {
    pub fn name(&self) -> &str {
        &self.spec.info.name
    }

    pub fn entry(&self, i: usize) -> &Entry {
        &self.spec.entries[i]
    }

    /// Nodes in evaluation order.
    pub fn nodes(&self) -> impl Iterator<Item = &Entry> {
        self.order.iter().map(|&i| &self.spec.entries[i])
    }

    pub fn events(&self) -> impl Iterator<Item = &Entry> {
        self.spec.section(Section::Events)
    }

    pub fn outputs(&self) -> impl Iterator<Item = &Entry> {
        self.spec.section(Section::Outputs)
    }

    /// `[state]` entries, in the order their starts are evaluated.
    pub fn states(&self) -> impl Iterator<Item = &Entry> {
        self.start_order.iter().map(|&i| &self.spec.entries[i])
    }
}

/// Most node-steps a stepped model may have: steps x (derived entries +
/// states). A block evaluates each once per step, so this bounds a
/// sample's work (about a second per thousand samples at the limit).
pub const MAX_NODE_STEPS: u64 = 10_000_000;
/// Most quantity-steps a stepped model may have: steps x (events +
/// outputs). Each keeps accumulators (a sketch of kilobytes for an
/// output) in every chunk in flight.
pub const MAX_QUANTITY_STEPS: u64 = 10_000;

fn error_at(entry: &Entry, key: String, message: String) -> ModelError {
    ModelError::new(&entry.origin.file, entry.origin.line, key, message)
}

fn is_node(e: &Entry) -> bool {
    matches!(e.section, Section::Inputs | Section::Derived)
}

/// A name expressions can read: a node, or (language 1.2) a state.
fn is_value(e: &Entry) -> bool {
    is_node(e) || e.section == Section::State
}

/// The names `param`'s expression reads, with `key` for each.
fn param_references<'a>(key: String, param: &'a Param, out: &mut Vec<(String, &'a str)>) {
    if let Param::Expr { expr, .. } = param {
        for n in expr.names() {
            out.push((key.clone(), n));
        }
    }
}

/// The names a state's `start` reads.
fn start_references(entry: &Entry) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    if let Body::State { start, .. } = &entry.body {
        param_references(format!("{}.start", entry.key()), start, &mut out);
    }
    out
}

/// Names an entry's expressions refer to, in order of appearance, with the
/// key that holds each expression (for error messages).
fn references(entry: &Entry) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    match &entry.body {
        Body::Fixed(..) => {}
        Body::Expr { expr, .. } => {
            for n in expr.names() {
                out.push((entry.key(), n));
            }
        }
        Body::Random(spec) => {
            for (param, value) in spec.form.params().iter().zip(&spec.params) {
                if let Param::Expr { expr, .. } = value {
                    for n in expr.names() {
                        out.push((format!("{}.{param}", entry.key()), n));
                    }
                }
            }
        }
        Body::State { start, next } => {
            param_references(format!("{}.start", entry.key()), start, &mut out);
            param_references(format!("{}.next", entry.key()), next, &mut out);
        }
    }
    out
}

/// Levenshtein distance, for "did you mean" hints.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

pub fn validate(spec: ModelSpec) -> Result<Model, ModelError> {
    let entries = &spec.entries;

    // Names are unique among nodes, and among quantities. An event or output
    // may share a node's name: `attempt = "attempt"` reports that node.
    // (Maps, not scans: a generated model can have 100,000 nodes.)
    let mut first: HashMap<(&str, bool), usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        if let Some(&p) = first.get(&(e.name.as_str(), is_value(e))) {
            let p = &entries[p];
            return Err(error_at(
                e,
                e.key(),
                format!(
                    "duplicate name '{}': already defined as {} at {}:{}",
                    e.name,
                    p.key(),
                    p.origin.file.display(),
                    p.origin.line
                ),
            ));
        }
        first.insert((e.name.as_str(), is_value(e)), i);
    }
    check_steps(&spec)?;

    let node_names: Vec<&str> = entries
        .iter()
        .filter(|e| is_value(e))
        .map(|e| e.name.as_str())
        .collect();
    let mut is_node_name: HashSet<&str> = node_names.iter().copied().collect();
    if spec.is_stepped() {
        is_node_name.insert(STEP_NAME);
    }
    for e in entries {
        for (key, name) in references(e) {
            if is_node_name.contains(name) {
                continue;
            }
            let is_quantity = entries.iter().any(|q| q.name == name && !is_value(q));
            let message = if is_quantity {
                format!(
                    "'{name}' is an event or output; expressions can refer only to inputs, derived nodes and states"
                )
            } else {
                let best = node_names.iter().min_by_key(|n| distance(n, name));
                match best {
                    Some(b) if distance(b, name) <= 2.max(name.len() / 4) => {
                        format!("unknown name '{name}' (did you mean '{b}'?)")
                    }
                    _ => format!("unknown name '{name}'"),
                }
            };
            return Err(error_at(e, key, message));
        }
    }

    if !entries.iter().any(|e| !is_value(e)) {
        return Err(ModelError::new(
            &spec.file,
            0,
            "events",
            "the model has no [events] and no [outputs]: nothing to estimate",
        ));
    }

    for c in &spec.correlations {
        for name in [&c.a, &c.b] {
            let entry = entries.iter().find(|e| &e.name == name);
            let problem = match entry {
                Some(e) if e.section == Section::Inputs => match &e.body {
                    Body::Fixed(d, _) if d.is_constant() => Some(format!(
                        "'{name}' is a constant; only uncertain inputs can be correlated"
                    )),
                    _ => None,
                },
                Some(e) => Some(format!(
                    "'{name}' is in [{}]; only inputs can be correlated",
                    e.section.key()
                )),
                None => Some(format!("unknown input '{name}'")),
            };
            if let Some(message) = problem {
                return Err(ModelError::new(
                    &c.origin.file,
                    c.origin.line,
                    c.key(),
                    message,
                ));
            }
        }
    }

    let order = evaluation_order(entries, spec.is_stepped())?;
    let start_order = start_order(entries)?;
    check_conditions(entries, &order)?;
    let warnings = check_used(&spec)?;
    let mut quantities: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].section == Section::Events)
        .collect();
    quantities.extend((0..entries.len()).filter(|&i| entries[i].section == Section::Outputs));
    Ok(Model {
        spec,
        order,
        quantities,
        start_order,
        warnings,
    })
}

/// In a stepped model `t` is the step (1..steps).
pub const STEP_NAME: &str = "t";

/// Language 1.2's rules on where steps, states and `each_step` may appear,
/// and the limits on a stepped model's size.
fn check_steps(spec: &ModelSpec) -> Result<(), ModelError> {
    let entries = &spec.entries;
    let Some(steps) = spec.info.steps else {
        if let Some(e) = entries.iter().find(|e| e.section == Section::State) {
            return Err(error_at(
                e,
                e.key(),
                "[state] needs [model] steps (a state carries a value from one step to the next)"
                    .into(),
            ));
        }
        if let Some(e) = entries.iter().find(|e| e.each_step.is_some()) {
            return Err(error_at(
                e,
                format!("{}.each_step", e.key()),
                "each_step needs [model] steps".into(),
            ));
        }
        return Ok(());
    };
    for e in entries {
        if e.name == STEP_NAME && e.section != Section::Events && e.section != Section::Outputs {
            return Err(error_at(
                e,
                e.key(),
                "'t' is the step (1..steps) in a model with [model] steps: rename this entry"
                    .into(),
            ));
        }
        let random = match &e.body {
            Body::Fixed(d, _) => !d.is_constant(),
            Body::Random(_) => true,
            _ => false,
        };
        if e.each_step.is_some() && !random {
            return Err(error_at(
                e,
                format!("{}.each_step", e.key()),
                "each_step is for random nodes (a distribution); an expression is evaluated at every step"
                    .into(),
            ));
        }
    }
    let count = |f: &dyn Fn(&Entry) -> bool| entries.iter().filter(|e| f(e)).count() as u64;
    let per_step = count(&|e| matches!(e.section, Section::Derived | Section::State));
    let quantities = count(&|e| matches!(e.section, Section::Events | Section::Outputs));
    let steps = u64::from(steps);
    let (file, line) = spec
        .info
        .steps_origin
        .as_ref()
        .map_or((spec.file.as_path(), 0), |o| (o.file.as_path(), o.line));
    let limit = |what: &str, n: u64, max: u64| {
        ModelError::new(
            file,
            line,
            "model.steps",
            format!(
                "steps x {what} = {steps} x {} = {}, above the limit of {max}",
                n,
                steps * n
            ),
        )
    };
    if steps * per_step > MAX_NODE_STEPS {
        return Err(limit("(derived entries + states)", per_step, MAX_NODE_STEPS));
    }
    if steps * quantities > MAX_QUANTITY_STEPS {
        return Err(limit("(events + outputs)", quantities, MAX_QUANTITY_STEPS));
    }
    Ok(())
}

/// Orders the states so that each `start` follows the starts it reads; a
/// `start` may read inputs, `t` and other states, never a derived entry.
fn start_order(entries: &[Entry]) -> Result<Vec<usize>, ModelError> {
    let states: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].section == Section::State)
        .collect();
    let state_of: HashMap<&str, usize> = states
        .iter()
        .map(|&i| (entries[i].name.as_str(), i))
        .collect();
    for &i in &states {
        for (key, name) in start_references(&entries[i]) {
            if let Some(d) = entries
                .iter()
                .find(|d| d.name == name && d.section == Section::Derived)
            {
                return Err(error_at(
                    &entries[i],
                    key,
                    format!(
                        "start may read inputs, t and other states' start; '{}' is in [derived] \
                         (it exists only from step 1 on)",
                        d.name
                    ),
                ));
            }
        }
    }
    // Depth-first, in declaration order: states are few.
    let mut order = Vec::with_capacity(states.len());
    let mut mark: HashMap<usize, u8> = HashMap::new(); // 1 = on the path, 2 = placed
    for &root in &states {
        let mut path: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&mut (i, ref mut next)) = path.last_mut() {
            if mark.get(&i) == Some(&2) {
                path.pop();
                continue;
            }
            mark.insert(i, 1);
            let refs: Vec<usize> = start_references(&entries[i])
                .into_iter()
                .filter_map(|(_, n)| state_of.get(n).copied())
                .collect();
            if let Some(&d) = refs.get(*next) {
                *next += 1;
                match mark.get(&d) {
                    Some(2) => {}
                    Some(_) => {
                        let at = path.iter().position(|&(p, _)| p == d).unwrap_or(0);
                        let mut cycle: Vec<&str> =
                            path[at..].iter().map(|&(p, _)| entries[p].name.as_str()).collect();
                        cycle.push(&entries[d].name);
                        let first = &entries[d];
                        return Err(error_at(
                            first,
                            format!("{}.start", first.key()),
                            format!("cycle among starts: {}", cycle.join(" -> ")),
                        ));
                    }
                    None => path.push((d, 0)),
                }
            } else {
                mark.insert(i, 2);
                order.push(i);
                path.pop();
            }
        }
    }
    Ok(order)
}

/// Orders nodes so that each follows what it refers to; among the nodes that
/// are ready, declaration order decides, so the order is stable and readable.
/// In time linear in the model (Kahn's algorithm, the ready nodes in a heap
/// by declaration), and with no recursion: a chain of 100,000 derived nodes
/// is ordered like any other.
fn evaluation_order(entries: &[Entry], stepped: bool) -> Result<Vec<usize>, ModelError> {
    let nodes: Vec<usize> = (0..entries.len())
        .filter(|&i| is_node(&entries[i]))
        .collect();
    // Node names are unique (checked before).
    let index_of: HashMap<&str, usize> = nodes
        .iter()
        .map(|&i| (entries[i].name.as_str(), i))
        .collect();
    // What each node (by entry index) waits on, and what waits on it.
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); entries.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); entries.len()];
    let mut waiting = vec![0usize; entries.len()];
    for &i in &nodes {
        for (_, n) in references(&entries[i]) {
            if let Some(&d) = index_of.get(n) {
                deps[i].push(d);
                dependents[d].push(i);
                waiting[i] += 1;
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = nodes
        .iter()
        .copied()
        .filter(|&i| waiting[i] == 0)
        .map(Reverse)
        .collect();
    let mut placed = vec![false; entries.len()];
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(Reverse(i)) = ready.pop() {
        placed[i] = true;
        order.push(i);
        for &d in &dependents[i] {
            waiting[d] -= 1;
            if waiting[d] == 0 {
                ready.push(Reverse(d));
            }
        }
    }
    if order.len() == nodes.len() {
        return Ok(order);
    }
    // Every remaining node waits on another: walk dependencies from the
    // first one until a node repeats.
    let start = nodes
        .iter()
        .copied()
        .find(|&i| !placed[i])
        .expect("a remaining node");
    let mut path = vec![start];
    let mut on_path: HashMap<usize, usize> = HashMap::from([(start, 0)]);
    let mut current = start;
    loop {
        let next = deps[current]
            .iter()
            .copied()
            .find(|&d| !placed[d])
            .expect("an unplaced node waits on an unplaced node");
        if let Some(&at) = on_path.get(&next) {
            let mut cycle: Vec<&str> = path[at..]
                .iter()
                .map(|&i| entries[i].name.as_str())
                .collect();
            cycle.push(&entries[next].name);
            // A long cycle shows its start and its end.
            let shown = if cycle.len() > 12 {
                let skipped = cycle.len() - 9;
                let mut shown = cycle[..6].join(" -> ");
                shown.push_str(&format!(" -> ({skipped} more) -> "));
                shown.push_str(&cycle[cycle.len() - 3..].join(" -> "));
                shown
            } else {
                cycle.join(" -> ")
            };
            let first = &entries[path[at]];
            let message = if stepped {
                format!(
                    "cycle within one step: {shown} (a value carried to the next step belongs in [state])"
                )
            } else {
                format!("cycle: {shown}")
            };
            return Err(error_at(first, first.key(), message));
        }
        on_path.insert(next, path.len());
        path.push(next);
        current = next;
    }
}

/// Conditions are typed (language 1.1): a comparison, `not`, `and` or `or`
/// of conditions, a Bernoulli node, a node whose expression is a condition,
/// or `if(c, a, b)` whose branches are both conditions. A constant input of
/// 0 or 1 counts as one too, so that `--set` of a Bernoulli input to 0 or 1
/// keeps a model valid. Every event, every operand of `not`, `and` and `or`
/// and the first argument of `if` must be a condition: a number there would
/// be read as true whenever it is not zero, silently.
fn check_conditions(entries: &[Entry], order: &[usize]) -> Result<(), ModelError> {
    // A state is a condition when its start and next both are, assuming it
    // is (the greatest fixed point: start from "all are" and drop states
    // until nothing changes).
    let states: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.section == Section::State)
        .collect();
    let mut state_is: Vec<bool> = vec![true; states.len()];
    let mut conditions: HashMap<&str, bool>;
    loop {
        conditions = states
            .iter()
            .zip(&state_is)
            .map(|(e, &is)| (e.name.as_str(), is))
            .collect();
        for &i in order {
            let e = &entries[i];
            let is = match &e.body {
                Body::Fixed(d, spec) => {
                    spec.family == Family::Bernoulli
                        || (d.is_constant() && matches!(d.quantile(0.5), 0.0 | 1.0))
                }
                Body::Random(spec) => spec.family == Family::Bernoulli,
                Body::Expr { expr, .. } => is_condition(expr, &conditions),
                Body::State { .. } => unreachable!("states are not ordered nodes"),
            };
            conditions.insert(e.name.as_str(), is);
        }
        let param_is = |p: &Param| match p {
            Param::Number(x) => *x == 0.0 || *x == 1.0,
            Param::Expr { expr, .. } => is_condition(expr, &conditions),
        };
        let mut changed = false;
        for (e, is) in states.iter().zip(state_is.iter_mut()) {
            if let Body::State { start, next } = &e.body
                && *is
                && !(param_is(start) && param_is(next))
            {
                *is = false;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for e in entries {
        match &e.body {
            Body::Fixed(..) => {}
            Body::State { start, next } => {
                for (which, param) in [("start", start), ("next", next)] {
                    if let Param::Expr { expr, .. } = param {
                        operands_are_conditions(expr, &conditions)
                            .map_err(|m| error_at(e, format!("{}.{which}", e.key()), m))?;
                    }
                }
            }
            Body::Random(spec) => {
                for (param, value) in spec.form.params().iter().zip(&spec.params) {
                    if let Param::Expr { expr, .. } = value {
                        operands_are_conditions(expr, &conditions)
                            .map_err(|m| error_at(e, format!("{}.{param}", e.key()), m))?;
                    }
                }
            }
            Body::Expr { expr, text } => {
                operands_are_conditions(expr, &conditions).map_err(|m| error_at(e, e.key(), m))?;
                if e.section == Section::Events && !is_condition(expr, &conditions) {
                    let text = abbreviate(text.trim());
                    return Err(error_at(
                        e,
                        e.key(),
                        format!(
                            "an event must be a condition, and '{}' is a number: compare it \
                             (say '{} > 0'), or make it an output",
                            text, text
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Whether `expr` is a condition, given which nodes are.
fn is_condition(expr: &Expr, conditions: &HashMap<&str, bool>) -> bool {
    match expr {
        Expr::Num(_) => false,
        Expr::Name(n) => conditions.get(n.as_str()).copied().unwrap_or(false),
        Expr::Unary(op, _) => *op == UnaryOp::Not,
        Expr::Binary(op, _, _) => matches!(
            op,
            BinaryOp::Lt
                | BinaryOp::Le
                | BinaryOp::Gt
                | BinaryOp::Ge
                | BinaryOp::Eq
                | BinaryOp::Ne
                | BinaryOp::And
                | BinaryOp::Or
        ),
        Expr::Ternary(TernaryOp::If, _, a, b) => {
            is_condition(a, conditions) && is_condition(b, conditions)
        }
        Expr::Ternary(TernaryOp::Clamp, ..) => false,
    }
}

/// Checks that every operand of `not`, `and` and `or` and every first
/// argument of `if` in `expr` is a condition; the message says which is not.
/// (Recursive, so kept lean: the checks and their messages are in `need`.)
fn operands_are_conditions(expr: &Expr, conditions: &HashMap<&str, bool>) -> Result<(), String> {
    match expr {
        Expr::Num(_) | Expr::Name(_) => Ok(()),
        Expr::Unary(op, a) => {
            if *op == UnaryOp::Not {
                need("the operand of 'not'", a, conditions)?;
            }
            operands_are_conditions(a, conditions)
        }
        Expr::Binary(op, a, b) => {
            if let BinaryOp::And | BinaryOp::Or = op {
                let what = if *op == BinaryOp::And {
                    "each side of 'and'"
                } else {
                    "each side of 'or'"
                };
                need(what, a, conditions)?;
                need(what, b, conditions)?;
            }
            operands_are_conditions(a, conditions)?;
            operands_are_conditions(b, conditions)
        }
        Expr::Ternary(op, a, b, c) => {
            if *op == TernaryOp::If {
                need("the first argument of 'if'", a, conditions)?;
            }
            operands_are_conditions(a, conditions)?;
            operands_are_conditions(b, conditions)?;
            operands_are_conditions(c, conditions)
        }
    }
}

/// That `operand` (`what`) is a condition, or the message that it is not.
#[inline(never)]
fn need(what: &str, operand: &Expr, conditions: &HashMap<&str, bool>) -> Result<(), String> {
    if is_condition(operand, conditions) {
        return Ok(());
    }
    let operand = operand.to_string();
    let operand = abbreviate(&operand);
    Err(format!(
        "{what} must be a condition, and '{operand}' is a number: compare it (say \
         '{operand} > 0')"
    ))
}

/// Inputs that no event or output depends on: a warning, except for an
/// input a child file added, which is an error naming the parent's closest
/// input, since that is how a misspelt override shows (a new input
/// `garison_troops` that nothing reads, where `garrison_troops` was meant).
fn check_used(spec: &ModelSpec) -> Result<Vec<String>, ModelError> {
    let entries = &spec.entries;
    let node_of: HashMap<&str, &Entry> = entries
        .iter()
        .filter(|e| is_value(e))
        .map(|e| (e.name.as_str(), e))
        .collect();
    let mut used: HashSet<&str> = HashSet::new();
    let mut todo: Vec<&str> = entries
        .iter()
        .filter(|e| !is_value(e))
        .flat_map(|e| references(e).into_iter().map(|(_, n)| n))
        .collect();
    while let Some(name) = todo.pop() {
        if !used.insert(name) {
            continue;
        }
        if let Some(node) = node_of.get(name) {
            todo.extend(references(node).into_iter().map(|(_, n)| n));
        }
    }
    // A correlated input shapes another input's draws: it is used.
    for c in &spec.correlations {
        used.insert(&c.a);
        used.insert(&c.b);
    }
    let mut warnings = Vec::new();
    for e in entries.iter().filter(|e| e.section == Section::Inputs) {
        if used.contains(&e.name.as_str()) {
            continue;
        }
        if spec.added_inputs.contains(&e.name) {
            let parents: Vec<&str> = entries
                .iter()
                .filter(|p| p.section == Section::Inputs && !spec.added_inputs.contains(&p.name))
                .map(|p| p.name.as_str())
                .collect();
            let hint = parents
                .iter()
                .min_by_key(|p| distance(p, &e.name))
                .map(|p| format!(" (did you mean '{p}'?)"))
                .unwrap_or_default();
            return Err(error_at(
                e,
                e.key(),
                format!(
                    "new input '{}' is used by no event or output{hint}: an input a variant \
                     adds must be used, or it is taken for a misspelt override",
                    e.name
                ),
            ));
        }
        warnings.push(format!(
            "{}:{}: {}: input '{}' is used by no event or output",
            e.origin.file.display(),
            e.origin.line,
            e.key(),
            e.name
        ));
    }
    Ok(warnings)
}
