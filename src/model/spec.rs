//! A model as written, after `extends` is resolved: entries with their
//! origin (file and line), not yet checked for names or cycles.

use super::expr::Expr;
use crate::distributions::{Family, Form};
use std::path::PathBuf;
use std::sync::Arc;

/// Where an entry was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    pub file: Arc<PathBuf>,
    pub line: usize,
}

/// A distribution parameter: a number, or (in `[derived]`) an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Number(f64),
    Expr { expr: Expr, text: String },
}

/// `{ dist = "...", ... }`: the family, the resolved parameter set, and the
/// values in `form.params()` order.
#[derive(Debug, Clone, PartialEq)]
pub struct DistSpec {
    pub family: Family,
    pub form: Form,
    pub params: Vec<Param>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// A number or a distribution with numeric parameters; inputs are always this.
    Fixed(crate::distributions::Distribution, DistSpec),
    /// A `[derived]` random node with at least one expression parameter.
    Random(DistSpec),
    /// A `[derived]` expression, or an event or output.
    Expr { expr: Expr, text: String },
    /// A `[state]` entry: its value at step 1, and at step t+1 from step t's
    /// values (language 1.2).
    State { start: Param, next: Param },
}

#[derive(Debug, Clone, PartialEq, Copy, Eq)]
pub enum Section {
    Inputs,
    Derived,
    Events,
    Outputs,
    State,
}

impl Section {
    pub fn key(self) -> &'static str {
        match self {
            Section::Inputs => "inputs",
            Section::Derived => "derived",
            Section::Events => "events",
            Section::Outputs => "outputs",
            Section::State => "state",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    pub section: Section,
    pub body: Body,
    pub note: Option<String>,
    pub source: Option<String>,
    /// `each_step = false` on a `[derived]` random node: drawn once, at
    /// step 1, and kept (language 1.2). None when not written.
    pub each_step: Option<bool>,
    pub origin: Origin,
}

impl Entry {
    /// The dotted key used in error messages.
    pub fn key(&self) -> String {
        format!("{}.{}", self.section.key(), self.name)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelInfo {
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub horizon: Option<String>,
    /// `steps`: the number of time steps; None for a static model.
    pub steps: Option<u32>,
    /// Where `steps` was written (errors about the steps name it).
    pub steps_origin: Option<Origin>,
    /// `step_unit`: a label for the steps in reports.
    pub step_unit: Option<String>,
}

/// The resolved model: the root file, its metadata, and every entry in
/// declaration order (parent entries first).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSpec {
    pub file: PathBuf,
    pub info: ModelInfo,
    pub entries: Vec<Entry>,
    /// `[correlations]`: Spearman rank correlations between inputs.
    pub correlations: Vec<Correlation>,
    /// Inputs a child file (`extends`) added to its parent's, by name:
    /// each must be used, or it is taken for a misspelt override.
    pub added_inputs: Vec<String>,
}

/// One `[correlations]` entry: `a.b = rho` asks inputs a and b to have
/// Spearman rank correlation rho.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    pub a: String,
    pub b: String,
    pub rho: f64,
    pub origin: Origin,
}

impl Correlation {
    pub fn key(&self) -> String {
        format!("correlations.{}.{}", self.a, self.b)
    }

    /// True when this entry and `other` are about the same two inputs.
    pub fn same_pair(&self, other: &Correlation) -> bool {
        (self.a == other.a && self.b == other.b) || (self.a == other.b && self.b == other.a)
    }
}

impl ModelSpec {
    /// Whether the model runs in time steps (`[model] steps`).
    pub fn is_stepped(&self) -> bool {
        self.info.steps.is_some()
    }

    pub fn section(&self, section: Section) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.section == section)
    }
}

impl Param {
    fn canonical(&self) -> String {
        match self {
            Param::Number(x) => format!("{x:?}"),
            Param::Expr { expr, .. } => expr.to_string(),
        }
    }
}

impl DistSpec {
    /// `family(param = value, ...)`, numbers in shortest round-trip form;
    /// lists as `[..]`, a mixture's components as their own canonical
    /// forms, an empirical column with its file's SHA-256 (so the model
    /// hash changes with the data).
    pub fn canonical(&self) -> String {
        if self.family == Family::Constant {
            return self.params[0].canonical();
        }
        canonical_form(&self.form, &self.params)
    }
}

fn list(params: &[Param]) -> String {
    let items: Vec<String> = params.iter().map(Param::canonical).collect();
    format!("[{}]", items.join(", "))
}

fn canonical_form(form: &Form, params: &[Param]) -> String {
    let family = form.family().name();
    match form {
        Form::Discrete { n } => format!(
            "{family}(values = {}, weights = {})",
            list(&params[..*n]),
            list(&params[*n..])
        ),
        Form::Mixture(forms) => {
            let mut at = 0;
            let components: Vec<String> = forms
                .iter()
                .map(|f| {
                    let k = f.param_count();
                    let text = canonical_form(f, &params[at..at + k]);
                    at += k;
                    text
                })
                .collect();
            format!(
                "{family}(components = [{}], weights = {})",
                components.join(", "),
                list(&params[at..])
            )
        }
        Form::Empirical(data) => format!(
            "{family}(file = {:?}, column = {:?}, sha256 = {:?})",
            data.file(),
            data.column(),
            data.sha256()
        ),
        _ => {
            let items: Vec<String> = form
                .canonical_params()
                .iter()
                .zip(params)
                .map(|(name, p)| format!("{name} = {}", p.canonical()))
                .collect();
            format!("{family}({})", items.join(", "))
        }
    }
}

impl Body {
    /// The definition in canonical form: what `check` prints and the model
    /// hash covers.
    pub fn canonical(&self) -> String {
        match self {
            Body::Fixed(_, spec) | Body::Random(spec) => spec.canonical(),
            Body::Expr { expr, .. } => expr.to_string(),
            Body::State { start, next } => {
                format!("start({}) next({})", start.canonical(), next.canonical())
            }
        }
    }
}

impl ModelSpec {
    /// Everything that determines results, one line per entry: the model
    /// name and each entry's canonical definition. Notes, sources, titles
    /// and formatting are left out, so they do not change the hash.
    pub fn canonical(&self) -> String {
        let mut out = format!("model.name = {:?}\n", self.info.name);
        // Language 1.2's additions only when written, so that a static
        // model's hash (in manifests and golden files) does not move.
        if let Some(steps) = self.info.steps {
            out.push_str(&format!("model.steps = {steps}\n"));
        }
        for e in &self.entries {
            out.push_str(&format!("{} = {}", e.key(), e.body.canonical()));
            if let Some(each) = e.each_step {
                out.push_str(&format!("; each_step = {each}"));
            }
            out.push('\n');
        }
        for c in &self.correlations {
            out.push_str(&format!("{} = {:?}\n", c.key(), c.rho));
        }
        out
    }

    /// SHA-256 of `canonical()`, in hex: identifies a resolved model.
    pub fn hash(&self) -> String {
        use sha2::{Digest, Sha256};
        Sha256::digest(self.canonical().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl ModelSpec {
    /// An estimate of the heap memory the resolved model holds: its
    /// entries, their texts and distributions (tables shared with what was
    /// counted before over `seen` are not counted again). An expression's
    /// tree is taken as 16 bytes per character of its text.
    pub fn heap_bytes(&self, seen: &mut crate::distributions::heap::Seen) -> u64 {
        let text = |s: &Option<String>| s.as_ref().map_or(0, |s| s.capacity() as u64);
        let info = &self.info;
        let entries: u64 = self
            .entries
            .iter()
            .map(|e| {
                let body = match &e.body {
                    Body::Fixed(dist, spec) => {
                        dist.heap_bytes(seen) + 16 * spec.canonical().len() as u64
                    }
                    Body::Random(spec) => 16 * spec.canonical().len() as u64,
                    Body::Expr { text, .. } => 17 * text.len() as u64,
                    Body::State { .. } => 16 * e.body.canonical().len() as u64,
                };
                e.name.capacity() as u64 + text(&e.note) + text(&e.source) + body
            })
            .sum();
        (std::mem::size_of::<Entry>() * self.entries.capacity()) as u64
            + entries
            + info.name.capacity() as u64
            + text(&info.title)
            + text(&info.description)
            + text(&info.horizon)
            + (std::mem::size_of::<Correlation>() * self.correlations.capacity()) as u64
    }

    /// The model's metadata that result files show but its hash leaves
    /// out (title, description, horizon, and each entry's note and
    /// source), as a SHA-256 in hex: with the hash, what a cache of
    /// results must tell apart.
    pub fn metadata_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut text = format!(
            "title = {:?}\ndescription = {:?}\nhorizon = {:?}\n",
            self.info.title, self.info.description, self.info.horizon
        );
        if let Some(unit) = &self.info.step_unit {
            text.push_str(&format!("step_unit = {unit:?}\n"));
        }
        for e in &self.entries {
            text.push_str(&format!("{} = {:?} {:?}\n", e.key(), e.note, e.source));
        }
        Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}
