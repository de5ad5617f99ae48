//! Expressions of the model language: the syntax tree (here), its tokens
//! (`lexer`) and its grammar (`parser`). What each operator computes is the
//! engine's (`engine::operators`).

mod lexer;
mod parser;

pub use crate::engine::operators::{BinaryOp, TernaryOp, UnaryOp};
// The reference the tests hold the vectorised logistic to (`internals`).
#[cfg_attr(not(feature = "internals"), allow(unused_imports))]
pub use crate::engine::operators::logistic;
// The limits, for the deep-case generator and tests (`internals`).
pub use parser::parse;
#[cfg_attr(not(feature = "internals"), allow(unused_imports))]
pub use parser::{MAX_BRACKETS, MAX_DEPTH};
use std::collections::HashSet;
use std::fmt;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    Name(String),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Ternary(TernaryOp, Box<Expr>, Box<Expr>, Box<Expr>),
}

/// Words that cannot name a node: operators, constants and functions.
pub const RESERVED: &[&str] = &[
    "and", "or", "not", "pi", "e", "min", "max", "abs", "sqrt", "exp", "ln", "log10", "sin", "cos",
    "floor", "ceil", "clamp", "logistic", "if",
];

/// A valid node name: a letter or underscore, then letters, digits, underscores.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Expression text as an error message quotes it: whole up to 200
/// characters, else its first 100 and "..." (a generated chain can be
/// megabytes long).
pub fn abbreviate(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().nth(200).is_none() {
        return text.into();
    }
    let head: String = text.chars().take(100).collect();
    format!("{head}...").into()
}

impl Expr {
    /// Every name referenced, in order of first appearance.
    pub fn names(&self) -> Vec<&str> {
        fn walk<'a>(e: &'a Expr, seen: &mut HashSet<&'a str>, out: &mut Vec<&'a str>) {
            match e {
                Expr::Num(_) => {}
                Expr::Name(n) => {
                    if seen.insert(n) {
                        out.push(n)
                    }
                }
                Expr::Unary(_, a) => walk(a, seen, out),
                Expr::Binary(_, a, b) => {
                    walk(a, seen, out);
                    walk(b, seen, out)
                }
                Expr::Ternary(_, a, b, c) => {
                    walk(a, seen, out);
                    walk(b, seen, out);
                    walk(c, seen, out)
                }
            }
        }
        let mut out = Vec::new();
        walk(self, &mut HashSet::new(), &mut out);
        out
    }

    /// Evaluates with `lookup` giving each name's value; the scalar reference
    /// for the columnar evaluator.
    /// Recursive (the depth is bounded by `MAX_DEPTH`); the operators are
    /// applied out of line, so that their code (inlined always, for the
    /// engine's loops) stays off the recursion's frames.
    pub fn eval(&self, lookup: &dyn Fn(&str) -> f64) -> f64 {
        #[inline(never)]
        fn unary(op: UnaryOp, x: f64) -> f64 {
            op.apply(x)
        }
        #[inline(never)]
        fn binary(op: BinaryOp, x: f64, y: f64) -> f64 {
            op.apply(x, y)
        }
        #[inline(never)]
        fn ternary(op: TernaryOp, x: f64, y: f64, z: f64) -> f64 {
            op.apply(x, y, z)
        }
        match self {
            Expr::Num(v) => *v,
            Expr::Name(n) => lookup(n),
            Expr::Unary(op, a) => unary(*op, a.eval(lookup)),
            Expr::Binary(op, a, b) => binary(*op, a.eval(lookup), b.eval(lookup)),
            Expr::Ternary(op, a, b, c) => {
                ternary(*op, a.eval(lookup), b.eval(lookup), c.eval(lookup))
            }
        }
    }
}

/// A canonical, fully parenthesised form: used for `check` and for hashing.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Num(v) => write!(f, "{v:?}"),
            Expr::Name(n) => f.write_str(n),
            Expr::Unary(UnaryOp::Neg, a) => write!(f, "(-{a})"),
            Expr::Unary(UnaryOp::Not, a) => write!(f, "(not {a})"),
            Expr::Unary(op, a) => write!(f, "{}({a})", op.function_name().unwrap_or("?")),
            Expr::Binary(op @ (BinaryOp::Min | BinaryOp::Max), a, b) => {
                write!(f, "{}({a}, {b})", op.symbol())
            }
            Expr::Binary(op, a, b) => write!(f, "({a} {} {b})", op.symbol()),
            Expr::Ternary(op, a, b, c) => write!(f, "{}({a}, {b}, {c})", op.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(src: &str) -> f64 {
        parse(src).unwrap().eval(&|n| match n {
            "x" => 2.0,
            "y" => 3.0,
            _ => f64::NAN,
        })
    }

    #[test]
    fn precedence_follows_the_reference() {
        assert_eq!(eval("-x^2"), -4.0);
        assert_eq!(eval("2^3^2"), 512.0);
        assert_eq!(eval("2^-1"), 0.5);
        assert_eq!(eval("1 + 2 * 3"), 7.0);
        assert_eq!(eval("(1 + 2) * 3"), 9.0);
        assert_eq!(eval("8 / 4 / 2"), 1.0);
        assert_eq!(eval("10 - 4 - 3"), 3.0);
        assert_eq!(eval("1 < 2 and 3 < 2 or 1"), 1.0);
        assert_eq!(eval("0 or 1 and 0"), 0.0);
        assert_eq!(eval("not 0 and 1"), 1.0);
        assert_eq!(eval("x + 1 > y"), 0.0);
        assert_eq!(eval("x == 2"), 1.0);
        assert_eq!(eval("x != 2"), 0.0);
        assert_eq!(eval("1e-3 * 1000"), 1.0);
        assert_eq!(eval(".5 + 2.5E1"), 25.5);
    }

    #[test]
    fn functions_compute_what_they_name() {
        assert_eq!(eval("min(3, x, y)"), 2.0);
        assert_eq!(eval("max(1, y, x)"), 3.0);
        assert_eq!(eval("abs(-x)"), 2.0);
        assert_eq!(eval("sqrt(16)"), 4.0);
        assert_eq!(eval("ln(e)"), 1.0);
        assert_eq!(eval("log10(1000)"), 3.0);
        assert_eq!(eval("floor(-1.5) + ceil(1.2)"), 0.0);
        assert_eq!(eval("clamp(5, 0, 1)"), 1.0);
        assert_eq!(eval("clamp(-5, 0, 1)"), 0.0);
        assert_eq!(eval("if(x > 1, 10, 20)"), 10.0);
        assert_eq!(eval("if(0, 10, 20)"), 20.0);
        assert!((eval("sin(pi / 2) + cos(0)") - 2.0).abs() < 1e-15);
        assert_eq!(eval("exp(0)"), 1.0);
        assert_eq!(eval("logistic(0)"), 0.5);
    }

    #[test]
    fn logistic_does_not_overflow() {
        assert_eq!(logistic(1000.0), 1.0);
        assert_eq!(logistic(-1000.0), 0.0);
        assert!((logistic(-745.0) - (-745.0f64).exp()).abs() < 1e-300);
        assert!((logistic(2.0) - 1.0 / (1.0 + (-2.0f64).exp())).abs() < 1e-16);
    }

    #[test]
    fn nan_propagates_through_logic() {
        assert!(eval("z and 0").is_nan());
        assert!(eval("z < 1").is_nan());
        assert!(eval("not z").is_nan());
        assert!(eval("if(z, 1, 2)").is_nan());
        assert!(eval("min(z, 1)").is_nan());
        assert!(eval("clamp(z, 0, 1)").is_nan());
    }

    #[test]
    fn syntax_errors_name_the_problem_and_column() {
        let cases = [
            ("1 +", "expected a number, name or '('", 4),
            ("foo(1)", "unknown function 'foo'", 1),
            ("clamp(1, 2)", "takes 3 arguments, got 2", 1),
            ("abs(1, 2)", "takes 1 argument, got 2", 1),
            ("(1 + 2", "expected ')'", 7),
            ("1 < 2 < 3", "cannot be chained", 7),
            ("2 $ 3", "unexpected character '$'", 3),
            ("1 2", "unexpected number 2", 3),
            ("sqrt", "needs arguments", 1),
            ("and 1", "needs an operand", 1),
            ("1.2.3", "malformed number", 1),
            ("", "expected a number", 1),
        ];
        for (src, msg, column) in cases {
            let err = parse(src).expect_err(src);
            assert!(err.message.contains(msg), "{src}: {err}");
            assert_eq!(err.column, column, "{src}: {err}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let src = "(".repeat(10_000) + "1" + &")".repeat(10_000);
        assert!(
            parse(&src)
                .unwrap_err()
                .message
                .contains("nested more than")
        );
        let src = "abs(".repeat(10_000) + "1" + &")".repeat(10_000);
        assert!(
            parse(&src)
                .unwrap_err()
                .message
                .contains("nested more than")
        );
        let src = "-".repeat(10_000) + "1";
        assert!(parse(&src).is_err());
    }

    /// The depth is the tree's: a flat chain counts one level per operator,
    /// as parentheses, signs, `not`, calls and exponents do; the limit
    /// holds at exactly `MAX_DEPTH`, whatever makes up the depth.
    #[test]
    fn depth_counts_the_levels_of_the_tree() {
        let chain = |n: usize, op: &str| {
            let mut s = "x".to_string();
            for _ in 0..n {
                s += op;
                s += "x";
            }
            s
        };
        let too_deep = |src: &str| {
            parse(src)
                .err()
                .is_some_and(|e| e.message.starts_with("expression is nested more than"))
        };
        for op in [" + ", " - ", " * ", " / ", " and ", " or ", " ^ "] {
            assert!(parse(&chain(MAX_DEPTH, op)).is_ok(), "{op}");
            assert!(too_deep(&chain(MAX_DEPTH + 1, op)), "{op}");
        }
        // Where it stops: the first operator one level too deep (column).
        let err = parse(&chain(MAX_DEPTH + 1000, "+")).unwrap_err();
        assert_eq!(err.column, 2 * (MAX_DEPTH + 1));
        assert!(
            err.message
                .contains(&format!("more than {MAX_DEPTH} levels"))
        );
        assert!(
            err.message
                .contains("split it into named [derived] entries")
        );
        // A million terms: refused at the limit, not built.
        let t = std::time::Instant::now();
        assert!(too_deep(&chain(1_000_000, "+")));
        let budget = if cfg!(debug_assertions) { 20.0 } else { 2.0 };
        assert!(t.elapsed().as_secs_f64() < budget);
        // A chain inside parentheses.
        let half = MAX_BRACKETS;
        let mixed = |chain_ops: usize| {
            "(".repeat(half) + &chain(chain_ops, " + ") + &")".repeat(half) + " * x"
        };
        // The chain is inside parentheses, which add no node: depth is the
        // chain's plus the '*'.
        assert!(parse(&mixed(MAX_DEPTH - 1)).is_ok());
        assert!(too_deep(&mixed(MAX_DEPTH)));
        // Levels add up across kinds: right-nested sums, each level an
        // operator and a parenthesis, inside a chain.
        let nested = |n: usize, ops: usize| "x + (".repeat(n) + &chain(ops, " * ") + &")".repeat(n);
        assert!(parse(&nested(MAX_BRACKETS, MAX_DEPTH - MAX_BRACKETS)).is_ok());
        assert!(too_deep(&nested(
            MAX_BRACKETS,
            MAX_DEPTH - MAX_BRACKETS + 1
        )));
        // Parentheses and calls have a limit of their own.
        let brackets = |n: usize| "x + (".repeat(n) + "x" + &")".repeat(n);
        assert!(parse(&brackets(MAX_BRACKETS)).is_ok());
        let err = parse(&brackets(MAX_BRACKETS + 1)).unwrap_err();
        assert!(
            err.message.starts_with(&format!(
                "parentheses and function calls nested more than {MAX_BRACKETS} deep"
            )),
            "{err}"
        );
        assert_eq!(err.column, 5 * MAX_BRACKETS + 5);
        let brackets_too_deep = |src: &str| {
            parse(src).err().is_some_and(|e| {
                e.message
                    .starts_with("parentheses and function calls nested")
            })
        };
        for (deepest, deeper) in [
            (
                "abs(".repeat(MAX_BRACKETS) + "x" + &")".repeat(MAX_BRACKETS),
                "abs(".repeat(MAX_BRACKETS + 1) + "x" + &")".repeat(MAX_BRACKETS + 1),
            ),
            (
                "(".repeat(MAX_BRACKETS) + "x" + &")".repeat(MAX_BRACKETS),
                "(".repeat(MAX_BRACKETS + 1) + "x" + &")".repeat(MAX_BRACKETS + 1),
            ),
        ] {
            assert!(parse(&deepest).is_ok(), "{deepest:.20}");
            assert!(brackets_too_deep(&deeper), "{deeper:.20}");
        }
        // Signs, `not`, exponents and min/max's arguments.
        for (deepest, deeper) in [
            (
                "- ".repeat(MAX_DEPTH) + "x",
                "- ".repeat(MAX_DEPTH + 1) + "x",
            ),
            (
                "not ".repeat(MAX_DEPTH) + "x",
                "not ".repeat(MAX_DEPTH + 1) + "x",
            ),
            (
                format!("max({})", vec!["x"; MAX_DEPTH + 1].join(", ")),
                format!("max({})", vec!["x"; MAX_DEPTH + 2].join(", ")),
            ),
        ] {
            assert!(parse(&deepest).is_ok(), "{deepest:.20}");
            assert!(too_deep(&deeper), "{deeper:.20}");
        }
        // The order of evaluation is the text's: no rebalancing.
        let e = parse("1 + 2 + 3").unwrap();
        assert_eq!(e.to_string(), "((1.0 + 2.0) + 3.0)");
    }

    #[test]
    fn display_is_canonical_and_reparses_to_the_same_tree() {
        for src in [
            "-x^2 + min(x, y, 3) * if(x < y, 1, 0)",
            "not x or y and 2^-1",
        ] {
            let e = parse(src).unwrap();
            assert_eq!(parse(&e.to_string()).unwrap(), e);
        }
    }
}
