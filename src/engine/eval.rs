//! Evaluates a program over a block of samples, column by column: every
//! step runs a tight loop over the block, with no per-sample dispatch,
//! allocation or name lookup.

use super::design::Uniforms;
use super::program::{CorrelatedDraws, FixedDraw, Instr, Operand, Program, Step, Stepping};
use crate::distributions::bernoulli::quantile_with_p;
use crate::distributions::{std_normal_cdf, std_normal_quantile};

use super::chunk::BLOCK;

/// `out[i] = body(a[i])` over a block; a macro so that `body` is expanded
/// inside the loop (see `exec`).
macro_rules! unary {
    ($out:expr, $a:expr, |$x:ident| $body:expr) => {
        match $a {
            View::Column(a) => {
                for (o, &$x) in $out.iter_mut().zip(a) {
                    *o = $body;
                }
            }
            View::Scalar($x) => $out.fill($body),
        }
    };
}

/// `out[i] = body(a[i], b[i])` over a block, each side a column or a scalar.
macro_rules! binary {
    ($out:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $body:expr) => {
        match ($a, $b) {
            (View::Column(a), View::Column(b)) => {
                for ((o, &$x), &$y) in $out.iter_mut().zip(a).zip(b) {
                    *o = $body;
                }
            }
            (View::Column(a), View::Scalar($y)) => {
                for (o, &$x) in $out.iter_mut().zip(a) {
                    *o = $body;
                }
            }
            (View::Scalar($x), View::Column(b)) => {
                for (o, &$y) in $out.iter_mut().zip(b) {
                    *o = $body;
                }
            }
            (View::Scalar($x), View::Scalar($y)) => $out.fill($body),
        }
    };
}

/// Column storage for one block: one column per slot.
pub struct Workspace {
    columns: Vec<Vec<f64>>,
    /// Scratch: uniforms for `DrawFixed`, parameter values for `DrawWithParams`.
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

    /// Runs every step for the first `len` samples of a block; `rngs[d]`
    /// is the stream of design dimension `d` (`Program::dimensions`). A
    /// stepped program runs all its time steps: afterwards each event's
    /// value is its carry (true by the last step) and each output holds
    /// its last step.
    pub fn run(&mut self, program: &Program, rngs: &mut [Uniforms], len: usize) {
        self.run_observed(program, rngs, len, &mut |_, _| {})
    }

    /// `run`, calling `observe(s, self)` after each time step s of a
    /// stepped program, when the step's values are in their slots (once,
    /// with s = 1, for a static program).
    pub fn run_observed(
        &mut self,
        program: &Program,
        rngs: &mut [Uniforms],
        len: usize,
        observe: &mut dyn FnMut(u32, &Workspace),
    ) {
        self.run_steps(&program.steps, rngs, None, len);
        match &program.stepping {
            None => observe(1, self),
            Some(stepping) => self.run_time(stepping, rngs, len, observe),
        }
    }

    /// The time loop of a stepped program (after its inputs are drawn).
    fn run_time(
        &mut self,
        st: &Stepping,
        rngs: &mut [Uniforms],
        len: usize,
        observe: &mut dyn FnMut(u32, &Workspace),
    ) {
        let k = st.dims.len() / (st.steps as usize - 1).max(1);
        self.columns[st.t_slot as usize][..len].fill(1.0);
        for start in &st.start {
            self.run_steps(&start.code, rngs, None, len);
            self.copy(start.value, start.slot, len);
        }
        for e in &st.events {
            self.columns[e.by as usize][..len].fill(0.0);
        }
        for s in 1..=st.steps {
            self.columns[st.t_slot as usize][..len].fill(f64::from(s));
            if s == 1 {
                self.run_steps(&st.first, rngs, None, len);
            } else {
                let at = (s as usize - 2) * k;
                self.run_steps(&st.rest, rngs, Some(&st.dims[at..at + k]), len);
            }
            for e in &st.events {
                self.carry(e, len);
            }
            observe(s, self);
            if s < st.steps {
                self.run_steps(&st.next, rngs, None, len);
                // Every next is copied before any state changes, so that
                // all read this step's values.
                for state in &st.states {
                    self.copy(state.next, state.shadow, len);
                }
                for state in &st.states {
                    self.columns
                        .swap(state.slot as usize, state.shadow as usize);
                }
            }
        }
    }

    fn copy(&mut self, value: Operand, slot: u32, len: usize) {
        match value {
            Operand::Const(x) => self.columns[slot as usize][..len].fill(x),
            Operand::Slot(from) if from == slot => {}
            Operand::Slot(from) => {
                let source = std::mem::take(&mut self.columns[from as usize]);
                self.columns[slot as usize][..len].copy_from_slice(&source[..len]);
                self.columns[from as usize] = source;
            }
        }
    }

    /// Updates an event's carry with this step's value: true once true
    /// (a later NaN does not undo it), else NaN once NaN, else false; and
    /// its hazard indicator, from the carry before this step.
    fn carry(&mut self, e: &super::program::EventCarry, len: usize) {
        let mut by = std::mem::take(&mut self.columns[e.by as usize]);
        let mut hazard = std::mem::take(&mut self.columns[e.hazard as usize]);
        let at = self.view(e.at, len);
        let step = |prev: f64, a: f64| -> (f64, f64) {
            let finite = a.abs() < f64::INFINITY;
            let new = if prev == 1.0 || (finite && a != 0.0) {
                1.0
            } else if prev.is_nan() || !finite {
                f64::NAN
            } else {
                0.0
            };
            (new, if prev == 0.0 { new } else { f64::NAN })
        };
        match at {
            View::Column(a) => {
                for ((b, h), &a) in by[..len].iter_mut().zip(&mut hazard[..len]).zip(a) {
                    (*b, *h) = step(*b, a);
                }
            }
            View::Scalar(a) => {
                for (b, h) in by[..len].iter_mut().zip(&mut hazard[..len]) {
                    (*b, *h) = step(*b, a);
                }
            }
        }
        self.columns[e.by as usize] = by;
        self.columns[e.hazard as usize] = hazard;
    }

    /// Runs `steps`; a random step's stream k is `rngs[map[k]]` when
    /// `map` is given (a later time step's dimensions), else `rngs[k]`.
    fn run_steps(
        &mut self,
        steps: &[Step],
        rngs: &mut [Uniforms],
        map: Option<&[u32]>,
        len: usize,
    ) {
        #[cfg(target_arch = "x86_64")]
        if crate::simd::wide_available() {
            // SAFETY: the CPU has AVX2 and FMA, checked just above.
            unsafe { self.run_wide(steps, rngs, map, len) };
            return;
        }
        self.run_inline(steps, rngs, map, len)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn run_wide(
        &mut self,
        steps: &[Step],
        rngs: &mut [Uniforms],
        map: Option<&[u32]>,
        len: usize,
    ) {
        self.run_inline(steps, rngs, map, len)
    }

    #[inline(always)]
    fn run_inline(
        &mut self,
        steps: &[Step],
        rngs: &mut [Uniforms],
        map: Option<&[u32]>,
        len: usize,
    ) {
        let dimension = |k: usize| map.map_or(k, |m| m[k] as usize);
        for step in steps {
            match step {
                Step::DrawFixed(draws, correlated) => {
                    self.draw_fixed(draws, correlated.as_ref(), rngs, map, len)
                }
                Step::DrawBernoulli { slot, stream, p } => {
                    let mut out = std::mem::take(&mut self.columns[*slot as usize]);
                    rngs[dimension(*stream)].fill_unit(&mut out[..len]);
                    match self.view(*p, len) {
                        View::Column(p) => {
                            for (o, &p) in out[..len].iter_mut().zip(p) {
                                *o = quantile_with_p(p, *o);
                            }
                        }
                        View::Scalar(p) => {
                            for o in &mut out[..len] {
                                *o = quantile_with_p(p, *o);
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
                    rngs[dimension(*stream)].fill_unit(&mut out[..len]);
                    for (i, o) in out[..len].iter_mut().enumerate() {
                        for (v, p) in values.iter_mut().zip(params) {
                            *v = match *p {
                                Operand::Slot(s) => self.columns[s as usize][i],
                                Operand::Const(c) => c,
                            };
                        }
                        // The distribution is built per sample, so no table:
                        // its exact quantile of this sample's uniform.
                        *o = match form.build(&values) {
                            Ok(d) => d.quantile_exact(*o),
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

    /// Draws the uniforms of each fixed node, then maps them through its
    /// quantile function into the node's column.
    #[inline(always)]
    fn draw_fixed(
        &mut self,
        draws: &[FixedDraw],
        correlated: Option<&CorrelatedDraws>,
        rngs: &mut [Uniforms],
        map: Option<&[u32]>,
        len: usize,
    ) {
        let scratch = &mut self.params;
        scratch.resize(len, 0.0);
        let members: &[usize] = correlated.map_or(&[], |c| &c.members);
        for (k, draw) in draws.iter().enumerate() {
            if members.contains(&k) {
                continue;
            }
            rngs[map.map_or(draw.stream, |m| m[draw.stream] as usize)].fill_unit(scratch);
            draw.dist
                .map(scratch, &mut self.columns[draw.slot as usize][..len]);
        }
        if let Some(c) = correlated {
            // Each member's own uniforms, to normals, correlated, back to
            // uniforms, through its own quantile.
            let mut z: Vec<Vec<f64>> = c
                .members
                .iter()
                .map(|&k| {
                    let mut u = vec![0.0; len];
                    rngs[draws[k].stream].fill_unit(&mut u);
                    u.iter_mut().for_each(|x| *x = std_normal_quantile(*x));
                    u
                })
                .collect();
            c.copula.correlate(&mut z, len);
            for (column, &k) in z.iter_mut().zip(&c.members) {
                // Keep u inside (0, 1), where every quantile is finite.
                column.iter_mut().for_each(|x| {
                    *x = std_normal_cdf(*x).clamp(f64::EPSILON / 2.0, 1.0 - f64::EPSILON / 2.0)
                });
                draws[k]
                    .dist
                    .map(column, &mut self.columns[draws[k].slot as usize][..len]);
            }
        }
    }

    #[inline(always)]
    fn exec(&mut self, instr: &Instr, len: usize) {
        let dst = instr.dst() as usize;
        let mut out = std::mem::take(&mut self.columns[dst]);
        let o = &mut out[..len];
        use super::operators::{BinaryOp as B, TernaryOp as T, UnaryOp as U};
        // Each operator gets its own loop, so the operator is matched once per
        // block, not per sample, and simple loops vectorise. The loops are
        // macros, not functions taking closures: the compiler kept a large
        // closure (pow, exp) out of line, one scalar call per sample without
        // the wide instructions.
        match *instr {
            Instr::Unary { op, a, .. } => {
                let a = self.view(a, len);
                macro_rules! each {
                    ($($v:ident),*) => {
                        match op { $(U::$v => unary!(o, a, |x| U::$v.apply(x)),)* }
                    };
                }
                each!(
                    Neg, Not, Abs, Sqrt, Exp, Ln, Log10, Sin, Cos, Floor, Ceil, Logistic
                )
            }
            Instr::Binary { op, a, b, .. } => {
                let (a, b) = (self.view(a, len), self.view(b, len));
                macro_rules! each {
                    ($($v:ident),*) => {
                        match op { $(B::$v => binary!(o, a, b, |x, y| B::$v.apply(x, y)),)* }
                    };
                }
                each!(
                    Pow, Mul, Div, Add, Sub, Lt, Le, Gt, Ge, Eq, Ne, And, Or, Min, Max
                )
            }
            Instr::Ternary { op, a, b, c, .. } => {
                let (a, b, c) = (self.view(a, len), self.view(b, len), self.view(c, len));
                match op {
                    T::Clamp => ternary(o, a, b, c, |x, y, z| T::Clamp.apply(x, y, z)),
                    T::If => ternary(o, a, b, c, |x, y, z| T::If.apply(x, y, z)),
                }
            }
        }
        self.columns[dst] = out;
    }
}

/// One operand of `ternary`'s loop: a block's column or a scalar, so that
/// the loop is compiled once per combination and vectorises (one loop
/// asking per sample whether each operand is a column did not: 24
/// scalar instructions per sample for the baseline's one `if`).
trait Lane: Copy {
    fn at(self, i: usize) -> f64;
}

impl Lane for &[f64] {
    #[inline(always)]
    fn at(self, i: usize) -> f64 {
        self[i]
    }
}

impl Lane for f64 {
    #[inline(always)]
    fn at(self, _: usize) -> f64 {
        self
    }
}

/// `out[i] = f(a[i], b[i], c[i])` over a block, each operand a column or a
/// scalar.
#[inline(always)]
fn ternary(out: &mut [f64], a: View, b: View, c: View, f: impl Fn(f64, f64, f64) -> f64) {
    #[inline(always)]
    fn each(
        out: &mut [f64],
        a: impl Lane,
        b: impl Lane,
        c: impl Lane,
        f: impl Fn(f64, f64, f64) -> f64,
    ) {
        for (i, o) in out.iter_mut().enumerate() {
            *o = f(a.at(i), b.at(i), c.at(i));
        }
    }
    // Columns as long as `out` (views are cut to the block's length), so
    // that the compiler drops the bounds checks.
    let n = out.len();
    macro_rules! with {
        ($view:expr, |$v:ident| $body:expr) => {
            match $view {
                View::Column(c) => {
                    let $v = &c[..n];
                    $body
                }
                View::Scalar($v) => $body,
            }
        };
    }
    with!(a, |a| with!(b, |b| with!(c, |c| each(out, a, b, c, &f))))
}

/// The values of an operand over a block.
pub enum Values<'a> {
    Column(&'a [f64]),
    Constant(f64, usize),
}

impl Values<'_> {
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    pub fn len(&self) -> usize {
        match self {
            Values::Column(c) => c.len(),
            Values::Constant(_, n) => *n,
        }
    }

    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
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
