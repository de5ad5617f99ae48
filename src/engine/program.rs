//! The compiled form of a model: straight-line steps over columns of samples.

use super::operators::{BinaryOp, TernaryOp, UnaryOp};
use crate::distributions::{Distribution, Form};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
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

/// A stepped program's time loop (language 1.2): after `Program::steps`
/// (the inputs, drawn once per sample), the states start, then every step
/// runs its body, carries the events, and advances the states.
#[derive(Debug, Clone, PartialEq)]
pub struct Stepping {
    pub steps: u32,
    /// `[model] step_unit`, a label.
    pub unit: Option<String>,
    /// Holds `t` during a step (`t` = 1 while the states start).
    pub t_slot: u32,
    /// Each state's start, in start order: its code, then its value copied
    /// into the state's slot (a later start may read it).
    pub start: Vec<StateStart>,
    /// The body at step 1: the derived entries, events and outputs.
    pub first: Vec<Step>,
    /// The body at steps 2 and on: `first` without the random nodes drawn
    /// once (`each_step = false`), whose slots keep their value.
    pub rest: Vec<Step>,
    /// The code of every state's `next`.
    pub next: Vec<Step>,
    pub states: Vec<StateSlots>,
    /// Per event quantity, in program order.
    pub events: Vec<EventCarry>,
    /// What each step's accumulators count: per event `by`, `at` and
    /// `hazard` (the hazard's indicator: 1 if first true now, 0 if not yet,
    /// NaN if not at risk), then per output its value.
    pub horizon: Vec<Quantity>,
    /// For step s >= 2, `dims[(s - 2) * K + k]` is the design dimension of
    /// stream k (K = `Program::streams.len()`), `u32::MAX` when stream k
    /// draws only once. Step 1's stream k is dimension k.
    pub dims: Vec<u32>,
    /// Design dimensions in all: every stream at step 1, then each
    /// per-step stream at every later step.
    pub dimensions: usize,
}

impl Stepping {
    /// The time loop of a program known only by its quantities (a part
    /// file's): enough to accumulate and summarise every step.
    pub fn of_quantities(steps: u32, unit: Option<String>, quantities: &[Quantity]) -> Stepping {
        let horizon = quantities
            .iter()
            .flat_map(|q| {
                let n = if q.kind == QuantityKind::Event { 3 } else { 1 };
                std::iter::repeat_n(q.clone(), n)
            })
            .collect();
        Stepping {
            steps,
            unit,
            t_slot: 0,
            start: Vec::new(),
            first: Vec::new(),
            rest: Vec::new(),
            next: Vec::new(),
            states: Vec::new(),
            events: Vec::new(),
            horizon,
            dims: Vec::new(),
            dimensions: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StateStart {
    pub code: Vec<Step>,
    pub slot: u32,
    pub value: Operand,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StateSlots {
    /// The state's value during a step.
    pub slot: u32,
    /// Its `next`, read after the step's body.
    pub next: Operand,
    /// Where `next` is copied before the slots are swapped, so that every
    /// `next` reads this step's values.
    pub shadow: u32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventCarry {
    /// The event's value at this step.
    pub at: Operand,
    /// Whether it was true at some step so far: 1, 0, or NaN when unknown
    /// (never true, and NaN at some step).
    pub by: u32,
    /// 1 where first true at this step, 0 where not true yet, NaN where it
    /// was true before (or its value is unknown).
    pub hazard: u32,
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
    /// The time loop of a model with `[model] steps`; None for a static one.
    pub stepping: Option<Stepping>,
}

impl Program {
    /// The design dimensions of a program, in order, as (stream, step):
    /// every stream at step 1, then (stepped) each per-step stream at
    /// steps 2, 3, ....
    pub fn dimensions(&self) -> Vec<(usize, u32)> {
        let k = self.streams.len();
        let mut out: Vec<(usize, u32)> = (0..k).map(|i| (i, 1)).collect();
        if let Some(st) = &self.stepping {
            let mut at: Vec<(u32, usize, u32)> = Vec::new();
            for s in 2..=st.steps {
                let row = &st.dims[(s as usize - 2) * k..(s as usize - 1) * k];
                for (i, &d) in row.iter().enumerate() {
                    if d != u32::MAX {
                        at.push((d, i, s));
                    }
                }
            }
            at.sort_unstable();
            out.extend(at.into_iter().map(|(_, i, s)| (i, s)));
        }
        out
    }

    /// The number of design dimensions (`dimensions().len()`).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    pub fn dimension_count(&self) -> usize {
        self.stepping
            .as_ref()
            .map_or(self.streams.len(), |s| s.dimensions)
    }

    /// The time steps: 1 for a static program.
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    pub fn step_count(&self) -> u32 {
        self.stepping.as_ref().map_or(1, |s| s.steps)
    }

    /// The per-sample columns of a run's draws: every non-constant node,
    /// then each event and output whose name is not already a node's.
    fn draw_entries(&self) -> Vec<(&str, Operand)> {
        let mut entries: Vec<(&str, Operand)> = self
            .node_columns
            .iter()
            .map(|(name, op)| (name.as_str(), *op))
            .collect();
        for q in &self.quantities {
            if !self.node_columns.iter().any(|(name, _)| *name == q.name) {
                entries.push((&q.name, q.value));
            }
        }
        entries
    }

    /// The names of the draws' columns (`draw_operands`, in order).
    pub fn draw_names(&self) -> Vec<String> {
        self.draw_entries()
            .into_iter()
            .map(|(name, _)| name.to_string())
            .collect()
    }

    pub fn draw_operands(&self) -> Vec<Operand> {
        self.draw_entries().into_iter().map(|(_, op)| op).collect()
    }

    /// The index of the quantity named `name`.
    pub fn quantity(&self, name: &str) -> Option<usize> {
        self.quantities.iter().position(|q| q.name == name)
    }

    /// The quantity an analysis or a stopping rule watches when none is
    /// named: the first event, else the first output.
    pub fn default_quantity(&self) -> usize {
        self.quantities
            .iter()
            .position(|q| q.kind == QuantityKind::Event)
            .unwrap_or(0)
    }

    pub fn quantity_names(&self) -> Vec<String> {
        self.quantities.iter().map(|q| q.name.clone()).collect()
    }
}

impl Program {
    /// An estimate of the heap memory the program holds: its steps and
    /// their distributions (quantile tables, discrete and empirical
    /// values; tables shared with programs counted before over `seen` are
    /// not counted again), its names and quantities.
    pub fn heap_bytes(&self, seen: &mut crate::distributions::heap::Seen) -> u64 {
        use crate::distributions::heap::vec_bytes;
        let name = |s: &String| s.capacity() as u64;
        let steps: u64 = self
            .steps
            .iter()
            .map(|step| match step {
                Step::DrawFixed(draws, correlated) => {
                    vec_bytes(draws)
                        + draws.iter().map(|d| d.dist.heap_bytes(seen)).sum::<u64>()
                        + correlated.as_ref().map_or(0, |c| {
                            vec_bytes(&c.members)
                                + vec_bytes(&c.copula.lower)
                                + c.copula.lower.iter().map(|r| vec_bytes(r)).sum::<u64>()
                        })
                }
                Step::DrawWithParams { params, .. } => vec_bytes(params),
                Step::Compute(code) => vec_bytes(code),
                Step::DrawBernoulli { .. } => 0,
            })
            .sum();
        vec_bytes(&self.steps)
            + steps
            + vec_bytes(&self.streams)
            + vec_bytes(&self.stream_nodes)
            + self.stream_nodes.iter().map(name).sum::<u64>()
            + vec_bytes(&self.node_columns)
            + self.node_columns.iter().map(|(n, _)| name(n)).sum::<u64>()
            + vec_bytes(&self.quantities)
            + self.quantities.iter().map(|q| name(&q.name)).sum::<u64>()
    }
}
