//! `check`: a model validated and compiled, its nodes in evaluation order.

use super::ModelFiles;
use crate::error::Result;
use crate::model::compile::compile;
use crate::model::spec::Body;
use std::fmt::Write;
use std::path::Path;

/// `check`'s options.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct CheckSpec {
    /// The model file (TOML).
    pub model: std::path::PathBuf,
}

/// A node, event or output as `check` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    /// `constant`, `random` or `expression` (nodes only).
    pub kind: &'static str,
    /// Its definition in canonical form.
    pub definition: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckResults {
    pub file: String,
    pub name: String,
    pub title: Option<String>,
    /// In evaluation order.
    pub nodes: Vec<Entry>,
    pub events: Vec<Entry>,
    pub outputs: Vec<Entry>,
    /// `[model] steps` and `step_unit` (language 1.2).
    pub steps: Option<(u32, Option<String>)>,
    /// `[state]` entries, in the order their starts are evaluated.
    pub states: Vec<Entry>,
    /// Inputs no event or output depends on, and the like.
    pub warnings: Vec<String>,
}

/// The model file `path` of `files` read (with what it extends), not
/// checked further: its `[model]` table (name, title, ...). What a list of
/// models shows.
pub fn model_info(files: &dyn ModelFiles, path: &Path) -> Result<crate::model::spec::ModelInfo> {
    Ok(crate::model::source::load_from(files, path)?.info)
}

/// Validates and compiles the model file `path` of `files`.
pub fn check(files: &dyn ModelFiles, path: &Path) -> Result<CheckResults> {
    let model = crate::model::load_from(files, path)?;
    // Compiling catches parameters that fold to invalid constants.
    compile(&model)?;
    let entry = |e: &crate::model::spec::Entry, kind: &'static str| Entry {
        name: e.name.clone(),
        kind,
        definition: e.body.canonical(),
    };
    Ok(CheckResults {
        file: path.display().to_string(),
        name: model.name().to_string(),
        title: model.spec.info.title.clone(),
        nodes: model
            .nodes()
            .map(|e| {
                let kind = match &e.body {
                    Body::Fixed(d, _) if d.is_constant() => "constant",
                    Body::Fixed(..) | Body::Random(_) => "random",
                    Body::Expr { .. } => "expression",
                    Body::State { .. } => "state",
                };
                let kind = match e.each_step {
                    Some(false) => "once",
                    _ => kind,
                };
                entry(e, kind)
            })
            .collect(),
        events: model.events().map(|e| entry(e, "event")).collect(),
        outputs: model.outputs().map(|e| entry(e, "output")).collect(),
        steps: model
            .spec
            .info
            .steps
            .map(|n| (n, model.spec.info.step_unit.clone())),
        states: model.states().map(|e| entry(e, "state")).collect(),
        warnings: model.warnings.clone(),
    })
}

/// What `check` prints: the nodes in evaluation order, then the events and
/// outputs.
impl CheckResults {
    pub fn render(&self) -> String {
        let r = self;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{}: ok ({} nodes, {} quantities)",
            r.file,
            r.nodes.len(),
            r.events.len() + r.outputs.len()
        );
        if let Some((steps, unit)) = &r.steps {
            let unit = unit.as_deref().unwrap_or("step");
            let _ = writeln!(
                s,
                "\nsteps: {steps} ({unit}); inputs drawn once per sample, derived nodes at every step"
            );
        }
        let _ = writeln!(s, "\nnodes in evaluation order:");
        let width = r.nodes.iter().map(|e| e.name.len()).max().unwrap_or(0);
        for (i, e) in r.nodes.iter().enumerate() {
            let _ = writeln!(
                s,
                "{:>3}  {:<width$}  {:<10}  {}",
                i + 1,
                e.name,
                e.kind,
                e.definition
            );
        }
        for (title, entries) in [
            ("state (start, next)", &r.states),
            ("events", &r.events),
            ("outputs", &r.outputs),
        ] {
            if !entries.is_empty() {
                let _ = writeln!(s, "\n{title}:");
                for e in entries {
                    let _ = writeln!(s, "     {:<width$}  {}", e.name, e.definition);
                }
            }
        }
        s
    }
}
