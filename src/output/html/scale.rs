//! One axis of a chart: linear, logarithmic or a list of categories, with
//! tick positions chosen here (round numbers) so that every chart has one
//! coordinate type and labels with sensible significant digits.

use super::markup::{sig, trim_zeros};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use std::ops::Range;

#[derive(Debug, Clone)]
pub struct Scale {
    lo: f64,
    hi: f64,
    log: bool,
    /// Categories run top to bottom: the first at the top of a y axis.
    reversed: bool,
    /// Labelled ticks.
    ticks: Vec<f64>,
    /// Light grid lines between them.
    minor: Vec<f64>,
    /// Decimals of linear tick labels.
    decimals: usize,
}

/// `lo..hi` widened by `frac` of its width on each side; a point is
/// widened to an interval around it.
pub fn pad(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    if hi > lo {
        let w = hi - lo;
        (lo - w * frac, hi + w * frac)
    } else {
        let w = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo - w, hi + w)
    }
}

/// `lo..hi` (both positive) widened by the factor `(hi/lo)^frac` on each
/// side; a point by 10 % each side.
pub fn pad_log(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    if hi > lo {
        let f = (hi / lo).powf(frac);
        (lo / f, hi * f)
    } else {
        (lo / 1.1, hi * 1.1)
    }
}

/// The largest round step (1, 2 or 5 times a power of ten) that puts at
/// least `n` ticks in `lo..hi`.
fn nice_step(lo: f64, hi: f64, n: i64) -> f64 {
    let mut step = 10f64.powf((hi - lo).log10().ceil());
    for _ in 0..40 {
        let count = (hi / step).floor() as i64 - (lo / step).ceil() as i64 + 1;
        if count >= n {
            return step;
        }
        let mantissa = step / 10f64.powf(step.log10().floor());
        step *= if (mantissa - 5.0).abs() < 0.5 {
            0.4
        } else {
            0.5
        };
    }
    step
}

impl Scale {
    /// A linear axis over `lo..hi` (widened if empty) with round ticks.
    pub fn linear(lo: f64, hi: f64) -> Scale {
        let (lo, hi) = if hi > lo { (lo, hi) } else { pad(lo, hi, 0.0) };
        let step = nice_step(lo, hi, 4);
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        let ticks: Vec<f64> = if step > 0.0 && step.is_finite() && last - first < 50 {
            (first..=last).map(|k| k as f64 * step).collect()
        } else {
            vec![lo, hi]
        };
        let minor = ticks
            .iter()
            .map(|t| t + step / 2.0)
            .chain(std::iter::once(
                ticks.first().copied().unwrap_or(lo) - step / 2.0,
            ))
            .filter(|t| (lo..=hi).contains(t))
            .collect();
        let decimals = (-step.log10().floor()).max(0.0) as usize;
        Scale {
            lo,
            hi,
            log: false,
            reversed: false,
            ticks,
            minor,
            decimals,
        }
    }

    /// An axis of time steps `first..=last`, padded a little each side,
    /// whose labelled ticks are round whole numbers within the steps:
    /// never between two steps, nor before the first or after the last.
    pub fn steps(first: f64, last: f64) -> Scale {
        let (lo, hi) = pad(first, last, 0.03);
        let mut s = Scale::linear(lo, hi);
        let step = match s.ticks.as_slice() {
            [a, b, ..] => b - a,
            _ => 1.0,
        };
        if step < 1.0 {
            s.ticks = (first.ceil() as i64..=last.floor() as i64)
                .map(|k| k as f64)
                .collect();
            s.minor.clear();
        }
        s.ticks.retain(|t| (first..=last).contains(t));
        s.decimals = 0;
        s
    }

    /// A logarithmic axis over `lo..hi`, both positive: ticks at powers of
    /// ten, or at 1, 2 and 5 times them, whichever first gives three ticks
    /// or more; over a narrower span, at round numbers as on a linear axis.
    pub fn log(lo: f64, hi: f64) -> Scale {
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            pad_log(lo, hi, 0.0)
        };
        let in_range = |v: &f64| *v >= lo * (1.0 - 1e-9) && *v <= hi * (1.0 + 1e-9);
        let e0 = lo.log10().floor() as i32;
        let e1 = hi.log10().ceil() as i32;
        let with = |mantissas: &[f64]| -> Vec<f64> {
            (e0..=e1)
                .flat_map(|e| mantissas.iter().map(move |m| m * 10f64.powi(e)))
                .filter(in_range)
                .collect()
        };
        let all: Vec<f64> = (1..10).map(f64::from).collect();
        let decades = with(&[1.0]);
        let (ticks, minor) = if decades.len() >= 3 {
            let minor = with(&all[1..]);
            // Many decades: label every second or third one.
            let every = decades.len().div_ceil(8);
            let ticks = decades.iter().copied().step_by(every).collect();
            (ticks, minor)
        } else {
            let ones_twos_fives = with(&[1.0, 2.0, 5.0]);
            if ones_twos_fives.len() >= 3 {
                (ones_twos_fives, with(&all))
            } else {
                (Scale::linear(lo, hi).ticks, Vec::new())
            }
        };
        Scale {
            lo,
            hi,
            log: true,
            reversed: false,
            ticks,
            minor,
            decimals: 0,
        }
    }

    /// `n` categories, the first at the top: category `i` at value `i`.
    pub fn categories(n: usize) -> Scale {
        Scale {
            lo: -0.5,
            hi: n.max(1) as f64 - 0.5,
            log: false,
            reversed: true,
            ticks: (0..n).map(|i| i as f64).collect(),
            minor: Vec::new(),
            decimals: 0,
        }
    }

    pub fn is_log(&self) -> bool {
        self.log
    }

    pub fn lo(&self) -> f64 {
        self.lo
    }

    pub fn hi(&self) -> f64 {
        self.hi
    }

    /// `v` moved into the axis's range (drawing never leaves the plot).
    pub fn clamp(&self, v: f64) -> f64 {
        if v.is_nan() {
            self.lo
        } else {
            v.clamp(self.lo, self.hi)
        }
    }

    /// True for a value the axis can show.
    pub fn shows(&self, v: f64) -> bool {
        v.is_finite() && (!self.log || v > 0.0) && v >= self.lo && v <= self.hi
    }

    /// A tick's label.
    pub fn label(&self, v: f64) -> String {
        if self.log {
            return sig(v, 3);
        }
        let big = self.ticks.iter().fold(0f64, |m, t| m.max(t.abs()));
        if big >= 1e6 || (big > 0.0 && big < 1e-3) {
            return sig(v, 3);
        }
        let v = if v.abs() < 1e-12 * big.max(1e-300) {
            0.0
        } else {
            v
        };
        trim_zeros(&format!("{:.*}", self.decimals, v))
    }

    /// Where `v` falls, from 0 (the start of the range) to 1 (its end).
    pub fn unit(&self, v: f64) -> f64 {
        let t = if self.log {
            (v.ln() - self.lo.ln()) / (self.hi.ln() - self.lo.ln())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        let t = if t.is_nan() {
            0.0
        } else {
            t.clamp(-0.05, 1.05)
        };
        if self.reversed { 1.0 - t } else { t }
    }
}

impl Ranged for Scale {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let t = self.unit(*value);
        (f64::from(limit.0) + t * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.minor.clone()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round() {
        let s = Scale::linear(0.0, 0.93);
        assert_eq!(s.ticks.len(), 5);
        let labels: Vec<String> = s.ticks.iter().map(|&t| s.label(t)).collect();
        assert_eq!(labels, ["0", "0.2", "0.4", "0.6", "0.8"]);
        let s = Scale::linear(-0.0123, 0.0071);
        let labels: Vec<String> = s.ticks.iter().map(|&t| s.label(t)).collect();
        assert_eq!(labels, ["-0.01", "-0.005", "0", "0.005"]);
    }

    #[test]
    fn step_ticks_are_whole_steps() {
        let labels = |s: &Scale| s.ticks.iter().map(|&t| s.label(t)).collect::<Vec<_>>();
        assert_eq!(labels(&Scale::steps(1.0, 24.0)), ["5", "10", "15", "20"]);
        assert_eq!(labels(&Scale::steps(1.0, 36.0)), ["10", "20", "30"]);
        assert_eq!(labels(&Scale::steps(1.0, 3.0)), ["1", "2", "3"]);
        assert_eq!(labels(&Scale::steps(1.0, 2.0)), ["1", "2"]);
        let one = Scale::steps(1.0, 1.0);
        assert_eq!(labels(&one), ["1"]);
        assert!(one.minor.is_empty() && one.lo() < 1.0 && one.hi() > 1.0);
    }

    #[test]
    fn log_ticks_adapt_to_the_span() {
        let s = Scale::log(0.5, 250_000.0);
        let labels: Vec<String> = s.ticks.iter().map(|&t| s.label(t)).collect();
        assert_eq!(labels, ["1", "10", "100", "1000", "10000", "100000"]);
        let s = Scale::log(0.9, 2.1);
        let labels: Vec<String> = s.ticks.iter().map(|&t| s.label(t)).collect();
        assert_eq!(labels, ["1", "1.2", "1.4", "1.6", "1.8", "2"]);
        let s = Scale::log(0.0021, 0.7);
        let labels: Vec<String> = s.ticks.iter().map(|&t| s.label(t)).collect();
        assert_eq!(
            labels,
            ["0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5"]
        );
    }

    #[test]
    fn categories_run_top_down() {
        let s = Scale::categories(3);
        assert!(s.map(&0.0, (300, 0)) < s.map(&2.0, (300, 0)));
    }
}
