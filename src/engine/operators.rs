//! The operators and functions of the model language, and the scalar
//! meaning of each: what the columnar evaluator computes, and the
//! reference it is tested against. They live in the engine because the
//! engine is what gives them meaning; the parser only names them.
//!
//! NaN propagates through every operator and function, logical ones included
//! (`NaN and 0` is NaN, `if(NaN, a, b)` is NaN), so that a quantity that is
//! undefined for a sample is counted as non-finite instead of silently
//! becoming 0 or 1.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Not,
    Abs,
    Sqrt,
    Exp,
    Ln,
    Log10,
    Sin,
    Cos,
    Floor,
    Ceil,
    Logistic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Pow,
    Mul,
    Div,
    Add,
    Sub,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
    Min,
    Max,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TernaryOp {
    Clamp,
    If,
}

/// 1.0 for true, 0.0 for false.
#[inline(always)]
fn truth(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// 1 / (1 + e^-x) without overflow for any x (see `vmath`: `exp`, `ln`,
/// `pow` and `logistic` are the engine's own, so that they vectorise and give
/// the same bits on every machine and in the reference evaluator).
pub use super::vmath::logistic;

impl UnaryOp {
    #[inline(always)]
    pub fn apply(self, x: f64) -> f64 {
        match self {
            UnaryOp::Neg => -x,
            UnaryOp::Not => {
                if x.is_nan() {
                    x
                } else {
                    truth(x == 0.0)
                }
            }
            UnaryOp::Abs => x.abs(),
            UnaryOp::Sqrt => x.sqrt(),
            UnaryOp::Exp => super::vmath::exp(x),
            UnaryOp::Ln => super::vmath::ln(x),
            UnaryOp::Log10 => x.log10(),
            UnaryOp::Sin => x.sin(),
            UnaryOp::Cos => x.cos(),
            UnaryOp::Floor => x.floor(),
            UnaryOp::Ceil => x.ceil(),
            UnaryOp::Logistic => logistic(x),
        }
    }

    pub fn function_name(self) -> Option<&'static str> {
        Some(match self {
            UnaryOp::Neg | UnaryOp::Not => return None,
            UnaryOp::Abs => "abs",
            UnaryOp::Sqrt => "sqrt",
            UnaryOp::Exp => "exp",
            UnaryOp::Ln => "ln",
            UnaryOp::Log10 => "log10",
            UnaryOp::Sin => "sin",
            UnaryOp::Cos => "cos",
            UnaryOp::Floor => "floor",
            UnaryOp::Ceil => "ceil",
            UnaryOp::Logistic => "logistic",
        })
    }
}

impl BinaryOp {
    #[inline(always)]
    pub fn apply(self, a: f64, b: f64) -> f64 {
        // Comparisons and logic with a NaN operand give NaN (see module docs).
        let nan = a.is_nan() || b.is_nan();
        match self {
            BinaryOp::Pow => super::vmath::pow(a, b),
            BinaryOp::Mul => a * b,
            BinaryOp::Div => a / b,
            BinaryOp::Add => a + b,
            BinaryOp::Sub => a - b,
            BinaryOp::Min => {
                if nan {
                    f64::NAN
                } else {
                    a.min(b)
                }
            }
            BinaryOp::Max => {
                if nan {
                    f64::NAN
                } else {
                    a.max(b)
                }
            }
            _ if nan => f64::NAN,
            BinaryOp::Lt => truth(a < b),
            BinaryOp::Le => truth(a <= b),
            BinaryOp::Gt => truth(a > b),
            BinaryOp::Ge => truth(a >= b),
            BinaryOp::Eq => truth(a == b),
            BinaryOp::Ne => truth(a != b),
            BinaryOp::And => truth(a != 0.0 && b != 0.0),
            BinaryOp::Or => truth(a != 0.0 || b != 0.0),
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Pow => "^",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
            BinaryOp::Min => "min",
            BinaryOp::Max => "max",
        }
    }
}

impl TernaryOp {
    #[inline(always)]
    pub fn apply(self, a: f64, b: f64, c: f64) -> f64 {
        match self {
            TernaryOp::Clamp => {
                if a.is_nan() || b.is_nan() || c.is_nan() {
                    f64::NAN
                } else {
                    a.max(b).min(c)
                }
            }
            TernaryOp::If => {
                if a.is_nan() {
                    a
                } else if a != 0.0 {
                    b
                } else {
                    c
                }
            }
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TernaryOp::Clamp => "clamp",
            TernaryOp::If => "if",
        }
    }
}
