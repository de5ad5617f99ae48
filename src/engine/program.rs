//! The compiled form of a model: straight-line steps over columns of samples.

use crate::dist::{Distribution, Form};
use crate::model::expr::{BinaryOp, TernaryOp, UnaryOp};

/// A value for a whole block of samples: a column slot, or one number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Operand {
    Slot(u32),
    Const(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Instr {
    Unary {
        op: UnaryOp,
        dst: u32,
        a: Operand,
    },
    Binary {
        op: BinaryOp,
        dst: u32,
        a: Operand,
        b: Operand,
    },
    Ternary {
        op: TernaryOp,
        dst: u32,
        a: Operand,
        b: Operand,
        c: Operand,
    },
}

impl Instr {
    pub fn dst(&self) -> u32 {
        match self {
            Instr::Unary { dst, .. } | Instr::Binary { dst, .. } | Instr::Ternary { dst, .. } => {
                *dst
            }
        }
    }

    pub fn dst_mut(&mut self) -> &mut u32 {
        match self {
            Instr::Unary { dst, .. } | Instr::Binary { dst, .. } | Instr::Ternary { dst, .. } => {
                dst
            }
        }
    }
}

/// One step of the program. Random steps own a random stream (`stream`
/// indexes `Program::streams`).
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Draws every node with a fixed distribution (they depend on nothing,
    /// so they all come first): one entry per node. Entries listed in the
    /// copula (by position) are drawn jointly, correlated.
    DrawFixed(Vec<FixedDraw>, Option<CorrelatedDraws>),
    /// A Bernoulli node whose probability is an expression.
    DrawBernoulli {
        slot: u32,
        stream: usize,
        p: Operand,
    },
    /// Any other random node whose parameters are expressions: the
    /// distribution is built per sample; invalid parameters give NaN.
    DrawWithParams {
        slot: u32,
        stream: usize,
        form: Form,
        params: Vec<Operand>,
    },
    /// Evaluates expression code.
    Compute(Vec<Instr>),
}

/// Inputs drawn through a Gaussian copula.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelatedDraws {
    /// Positions in the `DrawFixed` list.
    pub members: Vec<usize>,
    pub copula: super::copula::Copula,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FixedDraw {
    pub slot: u32,
    pub stream: usize,
    pub dist: Distribution,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantityKind {
    Event,
    Output,
}

impl QuantityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            QuantityKind::Event => "event",
            QuantityKind::Output => "output",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub name: String,
    pub kind: QuantityKind,
    pub value: Operand,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    pub steps: Vec<Step>,
    pub slots: usize,
    /// Stream identity of each random node (a hash of its name).
    pub streams: Vec<u64>,
    /// The random node behind each stream: the factors of a sensitivity analysis.
    pub stream_nodes: Vec<String>,
    /// Every non-constant node, in evaluation order, as columns for `--draws`.
    pub node_columns: Vec<(String, Operand)>,
    pub quantities: Vec<Quantity>,
}
