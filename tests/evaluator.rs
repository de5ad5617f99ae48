//! The columnar evaluator against the scalar reference (`Expr::eval`) on the
//! corridor model: every derived node, every sample of a block, bit for bit.

mod common;
use common::REPO;
use gaprisk::engine::CHUNK_SIZE;
use gaprisk::engine::chunk::BLOCK;
use gaprisk::engine::design::{Design, chunk_streams};
use gaprisk::engine::eval::Workspace;
use gaprisk::engine::program::Operand;
use gaprisk::model::{self, compile::compile, spec::Body};
use std::collections::HashMap;
use std::path::Path;

#[test]
fn columnar_evaluation_matches_the_scalar_reference() {
    let path = Path::new(REPO).join("models/baseline.toml");
    let model = model::load(&path).unwrap();
    let program = compile(&model).unwrap();
    let mut rngs = chunk_streams(
        &program,
        Design::Mc,
        &vec![1; program.streams.len()],
        0,
        BLOCK as u64,
    );
    let mut ws = Workspace::new(&program);
    ws.run(&program, &mut rngs, BLOCK);

    let columns: HashMap<&str, Operand> = program
        .node_columns
        .iter()
        .map(|(n, op)| (n.as_str(), *op))
        .collect();
    let constants: HashMap<&str, f64> = model
        .nodes()
        .filter_map(|e| match &e.body {
            Body::Fixed(gaprisk::distributions::Distribution::Constant(v), _) => {
                Some((e.name.as_str(), *v))
            }
            _ => None,
        })
        .collect();
    let mut checked = 0;
    for i in 0..BLOCK {
        let value = |name: &str| match columns.get(name) {
            Some(op) => ws.read(*op, BLOCK).get(i),
            None => constants[name],
        };
        for entry in model.nodes() {
            if let Body::Expr { expr, .. } = &entry.body {
                let reference = expr.eval(&value);
                let columnar = value(&entry.name);
                assert!(
                    reference.to_bits() == columnar.to_bits(),
                    "{} at sample {i}: reference {reference}, columnar {columnar}",
                    entry.name
                );
                checked += 1;
            }
        }
    }
    assert_eq!(
        checked,
        15 * BLOCK,
        "every expression node of the baseline was checked"
    );
}

#[test]
fn a_variant_keeps_every_other_input_draw() {
    // Streams depend on (seed, chunk, node name) only: changing
    // us_commitment must leave every other random input's draws unchanged.
    let dir = Path::new(REPO);
    let draw = |file: &str| {
        let m = model::load(&dir.join(file)).unwrap();
        let p = compile(&m).unwrap();
        let mut rngs = chunk_streams(&p, Design::Mc, &vec![9; p.streams.len()], 3, 4 * CHUNK_SIZE);
        let mut ws = Workspace::new(&p);
        ws.run(&p, &mut rngs, BLOCK);
        p.node_columns
            .iter()
            .map(|(n, op)| {
                (
                    n.clone(),
                    (0..BLOCK)
                        .map(|i| ws.read(*op, BLOCK).get(i))
                        .collect::<Vec<f64>>(),
                )
            })
            .collect::<HashMap<String, Vec<f64>>>()
    };
    let base = draw("models/baseline.toml");
    let weak = draw("models/weak_us_commitment.toml");
    for input in [
        "withdrawn_share",
        "garrison_troops",
        "nato_cohesion",
        "belarus_consents",
        "russian_resolve",
    ] {
        assert_eq!(base[input], weak[input], "{input} changed");
    }
    assert_ne!(base["us_commitment"], weak["us_commitment"]);
}

#[test]
fn tables_built_on_a_pool_are_those_built_one_by_one() {
    // Compiled on a pool (as the CLI compiles), the quantile tables are
    // built in parallel; the program must be the same, tables included.
    let path = Path::new(REPO).join("models/baseline.toml");
    let model = model::load(&path).unwrap();
    let alone = compile(&model).unwrap();
    let workers = gaprisk::engine::Workers::new(2).unwrap();
    let pooled = workers.install(|| compile(&model).unwrap());
    assert_eq!(alone, pooled);
    let tabulated = |p: &gaprisk::engine::program::Program| {
        format!("{:?}", p.steps).matches("QuantileTable(").count()
    };
    assert!(tabulated(&pooled) >= 14, "{}", tabulated(&pooled));
}
