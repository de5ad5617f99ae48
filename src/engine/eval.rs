//! Evaluates a program over a block of samples, column by column: every
//! step runs a tight loop over the block, with no per-sample dispatch,
//! allocation or name lookup.

use super::program::{FixedDraw, Instr, Operand, Program, Step};
use super::rng::StreamRng;
use crate::dist::bernoulli::quantile_with_p;
use crate::dist::unit;

/// Samples evaluated together: columns of this length stay in cache.
pub const BLOCK: usize = 1024;

/// Column storage for one block: one column per slot.
pub struct Workspace {
    columns: Vec<Vec<f64>>,
    /// Per-sample parameter values for `DrawWithParams`.
    params: Vec<f64>,
}

#[derive(Clone, Copy)]
enum View<'a> {
    Column(&'a [f64]),
    Scalar(f64),
}

impl Workspace {
    pub fn new(program: &Program) -> Self {
        Workspace {
            columns: vec![vec![0.0; BLOCK]; program.slots],
            params: Vec::new(),
        }
    }

    /// The values of `operand` for the first `len` samples of the block.
    pub fn read(&self, operand: Operand, len: usize) -> Values<'_> {
        match operand {
            Operand::Slot(s) => Values::Column(&self.columns[s as usize][..len]),
            Operand::Const(v) => Values::Constant(v, len),
        }
    }

    fn view(&self, operand: Operand, len: usize) -> View<'_> {
        match operand {
            Operand::Slot(s) => View::Column(&self.columns[s as usize][..len]),
            Operand::Const(v) => View::Scalar(v),
        }
    }

    /// Runs every step for the first `len` samples of a block; `rngs[k]`
    /// is the stream of random step `k`.
    pub fn run(&mut self, program: &Program, rngs: &mut [StreamRng], len: usize) {
        crate::engine::simd::dispatch!(self.run_inline(program, rngs, len))
    }

    #[inline(always)]
    fn run_inline(&mut self, program: &Program, rngs: &mut [StreamRng], len: usize) {
        for step in &program.steps {
            match step {
                Step::DrawFixed(draws) => self.draw_fixed(draws, rngs, len),
                Step::DrawBernoulli { slot, stream, p } => {
                    let mut out = std::mem::take(&mut self.columns[*slot as usize]);
                    let rng = &mut rngs[*stream];
                    match self.view(*p, len) {
                        View::Column(p) => {
                            for (o, &p) in out[..len].iter_mut().zip(p) {
                                *o = quantile_with_p(p, unit(rng));
                            }
                        }
                        View::Scalar(p) => {
                            for o in &mut out[..len] {
                                *o = quantile_with_p(p, unit(rng));
                            }
                        }
                    }
                    self.columns[*slot as usize] = out;
                }
                Step::DrawWithParams {
                    slot,
                    stream,
                    form,
                    params,
                } => {
                    let mut out = std::mem::take(&mut self.columns[*slot as usize]);
                    let mut values = std::mem::take(&mut self.params);
                    values.resize(params.len(), 0.0);
                    let rng = &mut rngs[*stream];
                    for (i, o) in out[..len].iter_mut().enumerate() {
                        for (v, p) in values.iter_mut().zip(params) {
                            *v = match *p {
                                Operand::Slot(s) => self.columns[s as usize][i],
                                Operand::Const(c) => c,
                            };
                        }
                        *o = match form.build(&values) {
                            Ok(d) => d.sample(rng),
                            Err(_) => f64::NAN,
                        };
                    }
                    self.params = values;
                    self.columns[*slot as usize] = out;
                }
                Step::Compute(code) => {
                    for instr in code {
                        self.exec(instr, len);
                    }
                }
            }
        }
    }

    /// Draws uniforms for four streams at a time, so that four independent
    /// generator state chains overlap in the CPU (each stream's sequence is
    /// unchanged), then maps each column through its quantile function.
    #[inline(always)]
    fn draw_fixed(&mut self, draws: &[FixedDraw], rngs: &mut [StreamRng], len: usize) {
        for group in draws.chunks(4) {
            if let [a, b, c, d] = group {
                let mut cols = [a.slot, b.slot, c.slot, d.slot]
                    .map(|s| std::mem::take(&mut self.columns[s as usize]));
                let [ra, rb, rc, rd] = rngs
                    .get_disjoint_mut([a.stream, b.stream, c.stream, d.stream])
                    .expect("random steps have distinct streams");
                let [ca, cb, cc, cd] = &mut cols;
                for i in 0..len {
                    ca[i] = unit(ra);
                    cb[i] = unit(rb);
                    cc[i] = unit(rc);
                    cd[i] = unit(rd);
                }
                for (draw, col) in group.iter().zip(cols) {
                    self.columns[draw.slot as usize] = col;
                }
            } else {
                for draw in group {
                    let rng = &mut rngs[draw.stream];
                    for x in &mut self.columns[draw.slot as usize][..len] {
                        *x = unit(rng);
                    }
                }
            }
            for draw in group {
                draw.dist
                    .transform(&mut self.columns[draw.slot as usize][..len]);
            }
        }
    }

    #[inline(always)]
    fn exec(&mut self, instr: &Instr, len: usize) {
        let dst = instr.dst() as usize;
        let mut out = std::mem::take(&mut self.columns[dst]);
        let o = &mut out[..len];
        match *instr {
            Instr::Unary { op, a, .. } => match self.view(a, len) {
                View::Column(a) => o.iter_mut().zip(a).for_each(|(o, &a)| *o = op.apply(a)),
                View::Scalar(a) => o.fill(op.apply(a)),
            },
            Instr::Binary { op, a, b, .. } => {
                let (a, b) = (self.view(a, len), self.view(b, len));
                // Dispatch on the operator once, so each loop is monomorphic
                // and the compiler can vectorise it.
                macro_rules! kernel {
                    ($f:expr) => {
                        binary(o, a, b, $f)
                    };
                }
                use crate::model::expr::BinaryOp as B;
                match op {
                    B::Add => kernel!(|x, y| x + y),
                    B::Sub => kernel!(|x, y| x - y),
                    B::Mul => kernel!(|x, y| x * y),
                    B::Div => kernel!(|x, y| x / y),
                    _ => kernel!(|x, y| op.apply(x, y)),
                }
            }
            Instr::Ternary { op, a, b, c, .. } => {
                let (a, b, c) = (self.view(a, len), self.view(b, len), self.view(c, len));
                for (i, o) in o.iter_mut().enumerate() {
                    *o = op.apply(a.at(i), b.at(i), c.at(i));
                }
            }
        }
        self.columns[dst] = out;
    }
}

impl View<'_> {
    #[inline(always)]
    fn at(&self, i: usize) -> f64 {
        match self {
            View::Column(c) => c[i],
            View::Scalar(v) => *v,
        }
    }
}

#[inline(always)]
fn binary(out: &mut [f64], a: View, b: View, f: impl Fn(f64, f64) -> f64) {
    match (a, b) {
        (View::Column(a), View::Column(b)) => {
            for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
                *o = f(x, y);
            }
        }
        (View::Column(a), View::Scalar(y)) => {
            for (o, &x) in out.iter_mut().zip(a) {
                *o = f(x, y);
            }
        }
        (View::Scalar(x), View::Column(b)) => {
            for (o, &y) in out.iter_mut().zip(b) {
                *o = f(x, y);
            }
        }
        (View::Scalar(x), View::Scalar(y)) => out.fill(f(x, y)),
    }
}

/// The values of an operand over a block.
pub enum Values<'a> {
    Column(&'a [f64]),
    Constant(f64, usize),
}

impl Values<'_> {
    pub fn len(&self) -> usize {
        match self {
            Values::Column(c) => c.len(),
            Values::Constant(_, n) => *n,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    pub fn get(&self, i: usize) -> f64 {
        match self {
            Values::Column(c) => c[i],
            Values::Constant(v, _) => *v,
        }
    }
}
