//! `gaprisk check MODEL`: validate and show the evaluation order.

use crate::error::Result;
use crate::model::{self, compile::compile, spec::Body};
use std::path::Path;

pub fn execute(path: &Path) -> Result<()> {
    let model = model::load(path)?;
    // Compiling catches parameters that fold to invalid constants.
    compile(&model)?;
    println!(
        "{}: ok ({} nodes, {} quantities)",
        path.display(),
        model.order.len(),
        model.quantities.len()
    );
    println!("\nnodes in evaluation order:");
    let width = model.nodes().map(|e| e.name.len()).max().unwrap_or(0);
    for (i, e) in model.nodes().enumerate() {
        let kind = match &e.body {
            Body::Fixed(d, _) if d.is_constant() => "constant",
            Body::Fixed(..) | Body::Random(_) => "random",
            Body::Expr { .. } => "expression",
        };
        println!(
            "{:>3}  {:<width$}  {:<10}  {}",
            i + 1,
            e.name,
            kind,
            e.body.canonical()
        );
    }
    let events: Vec<_> = model.events().collect();
    let outputs: Vec<_> = model.outputs().collect();
    for (title, entries) in [("events", events), ("outputs", outputs)] {
        if !entries.is_empty() {
            println!("\n{title}:");
            for e in entries {
                println!("     {:<width$}  {}", e.name, e.body.canonical());
            }
        }
    }
    Ok(())
}
