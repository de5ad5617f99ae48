//! Property tests: the compiled, columnar evaluator against the scalar
//! reference evaluator (`Expr::eval`), on random expressions over random
//! inputs. Every operator and function of the language can appear; the two
//! must agree bit for bit (NaN agreeing with NaN).

use gaprisk::engine::chunk::BLOCK;
use gaprisk::engine::design::{Design, chunk_streams};
use gaprisk::engine::eval::Workspace;
use gaprisk::engine::program::Operand;
use gaprisk::model::{self, compile::compile, expr};
use proptest::prelude::*;
use std::collections::HashMap;

/// Random expression text over the names x, y, z.
fn expression() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("x".to_string()),
        Just("y".to_string()),
        Just("z".to_string()),
        Just("pi".to_string()),
        (0.0f64..10.0).prop_map(|v| format!("{v}")),
        (1u32..5).prop_map(|v| v.to_string()),
    ];
    leaf.prop_recursive(5, 48, 3, |inner| {
        let binary = [
            "+", "-", "*", "/", "^", "<", "<=", ">", ">=", "==", "!=", "and", "or",
        ];
        let unary = [
            "abs", "sqrt", "exp", "ln", "log10", "sin", "cos", "floor", "ceil", "logistic",
        ];
        prop_oneof![
            (inner.clone(), 0..binary.len(), inner.clone())
                .prop_map(move |(a, op, b)| format!("({a} {} {b})", binary[op])),
            (0..unary.len(), inner.clone()).prop_map(move |(f, a)| format!("{}({a})", unary[f])),
            inner.clone().prop_map(|a| format!("-{a}")),
            inner.clone().prop_map(|a| format!("not {a}")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("if({a}, {b}, {c})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("clamp({a}, {b}, {c})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("min({a}, {b}, {c})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("max({a}, {b})")),
        ]
    })
}

/// The expression with conditions typed (language 1.1): wherever a
/// condition is needed (an operand of `not`, `and`, `or`, the first
/// argument of `if`) and a number stands, `(number != 0)`, which is what
/// the number meant before conditions were typed.
fn typed(text: &str) -> String {
    use expr::{BinaryOp as B, Expr, TernaryOp as T, UnaryOp as U};
    fn is_condition(e: &Expr) -> bool {
        match e {
            Expr::Unary(U::Not, _) => true,
            Expr::Binary(op, ..) => matches!(
                op,
                B::Lt | B::Le | B::Gt | B::Ge | B::Eq | B::Ne | B::And | B::Or
            ),
            Expr::Ternary(T::If, _, a, b) => is_condition(a) && is_condition(b),
            _ => false,
        }
    }
    fn condition(e: &Expr) -> String {
        if is_condition(e) {
            number(e)
        } else {
            format!("({} != 0)", number(e))
        }
    }
    fn number(e: &Expr) -> String {
        match e {
            Expr::Num(v) => format!("{v:?}"),
            Expr::Name(n) => n.clone(),
            Expr::Unary(U::Neg, a) => format!("(-{})", number(a)),
            Expr::Unary(U::Not, a) => format!("(not {})", condition(a)),
            Expr::Unary(op, a) => format!("{}({})", op.function_name().unwrap(), number(a)),
            Expr::Binary(op @ (B::And | B::Or), a, b) => {
                format!("({} {} {})", condition(a), op.symbol(), condition(b))
            }
            Expr::Binary(op @ (B::Min | B::Max), a, b) => {
                format!("{}({}, {})", op.symbol(), number(a), number(b))
            }
            Expr::Binary(op, a, b) => format!("({} {} {})", number(a), op.symbol(), number(b)),
            Expr::Ternary(T::If, c, a, b) => {
                format!("if({}, {}, {})", condition(c), number(a), number(b))
            }
            Expr::Ternary(op, a, b, c) => {
                format!("{}({}, {}, {})", op.name(), number(a), number(b), number(c))
            }
        }
    }
    number(&expr::parse(text).unwrap())
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn columnar_evaluation_equals_the_reference(untyped in expression(), seed in 0u64..1000) {
        let text = typed(&untyped);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        // Inputs span negative and positive values, zero and constants.
        let model_text = format!(
            "[model]\nname = \"p\"\n[inputs]\nx = {{ dist = \"uniform\", min = -3, max = 3 }}\ny = {{ dist = \"normal\", mean = 0, sd = 2 }}\nz = 0.5\n[derived]\nvalue = \"{text}\"\n[outputs]\nvalue = \"value\"\n"
        );
        std::fs::write(&path, model_text).unwrap();
        let m = model::load(&path).unwrap();
        let program = compile(&m).unwrap();
        let mut streams = chunk_streams(&program, Design::Mc, &vec![seed; program.streams.len()], 0, BLOCK as u64);
        let mut ws = Workspace::new(&program);
        let n = 64;
        ws.run(&program, &mut streams, n);
        let columns: HashMap<&str, Operand> = program.node_columns.iter().map(|(k, op)| (k.as_str(), *op)).collect();
        let reference = expr::parse(&text).unwrap();
        let e = program.quantities[0].value;
        for i in 0..n {
            let value = |name: &str| match columns.get(name) {
                Some(op) => ws.read(*op, n).get(i),
                None => 0.5, // z, the constant
            };
            let want = reference.eval(&value);
            let got = ws.read(e, n).get(i);
            prop_assert!(same(got, want), "{text} at sample {i}: columnar {got}, reference {want}");
        }
    }

    #[test]
    fn the_parser_never_panics(text in "\\PC{0,80}") {
        let _ = expr::parse(&text);
    }
}
