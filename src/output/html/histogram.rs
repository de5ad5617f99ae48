//! An output's distribution from `histogram.csv`, its quantiles and mean
//! marked; a logarithmic x axis when the bins span decades.

use super::chart::{self, DrawError, Frame, GREY, anchored, font};
use super::markup::sig;
use super::scale::{Scale, pad, pad_log};
use crate::error::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

pub use crate::summary::histogram::LOG_SPAN;

/// True when histogram bins `(bin_low, bin_high)`, in increasing order,
/// call for a logarithmic axis: the rule by which the run chose log-spaced
/// bins (`summary::histogram::log_spaced`).
pub fn log_axis(bins: &[(f64, f64)]) -> bool {
    let bins: Vec<crate::summary::histogram::Bin> = bins
        .iter()
        .map(|&(low, high)| crate::summary::histogram::Bin {
            low,
            high,
            count: 0,
        })
        .collect();
    crate::summary::histogram::log_spaced(&bins)
}

#[derive(Debug, Clone, Copy)]
pub struct Bin {
    pub low: f64,
    pub high: f64,
    pub count: f64,
}

impl Bin {
    pub fn is_atom(&self) -> bool {
        self.low == 0.0 && self.high == 0.0
    }
}

/// A value marked by a vertical line: `p05`, `p50`, `mean`, ...
pub struct Marker {
    pub name: &'static str,
    pub value: f64,
    pub color: RGBColor,
}

pub struct HistogramChart {
    pub frame: Frame,
    pub quantity: String,
    pub bins: Vec<Bin>,
    pub markers: Vec<Marker>,
}

impl HistogramChart {
    pub fn svg(self) -> Result<String> {
        let pairs: Vec<(f64, f64)> = self.bins.iter().map(|b| (b.low, b.high)).collect();
        let log = log_axis(&pairs);
        let total: f64 = self.bins.iter().map(|b| b.count).sum();
        let share = |b: &Bin| {
            if total > 0.0 {
                100.0 * b.count / total
            } else {
                0.0
            }
        };
        let atom: f64 = self.bins.iter().filter(|b| b.is_atom()).map(share).sum();
        // The bins drawn: all but the atom, unless the atom is all there is.
        let mut drawn: Vec<Bin> = self
            .bins
            .iter()
            .copied()
            .filter(|b| !b.is_atom() && b.low.is_finite() && b.high.is_finite())
            .collect();
        let atom_drawn = drawn.is_empty() && atom > 0.0;
        if atom_drawn {
            drawn = self.bins.iter().copied().filter(Bin::is_atom).collect();
        }
        let lo = drawn.iter().map(|b| b.low).fold(f64::INFINITY, f64::min);
        let hi = drawn
            .iter()
            .map(|b| b.high)
            .fold(f64::NEG_INFINITY, f64::max);
        let x = if !lo.is_finite() {
            Scale::linear(0.0, 1.0)
        } else if log {
            let (a, b) = pad_log(lo, hi, 0.01);
            Scale::log(a, b)
        } else {
            let (a, b) = pad(lo, hi, 0.01);
            Scale::linear(a, b)
        };
        let top = drawn.iter().map(share).fold(0.0, f64::max);
        let y = Scale::linear(0.0, if top > 0.0 { top / 0.72 } else { 1.0 });
        let mut x_desc = self.quantity.clone();
        if log {
            x_desc.push_str(" (log scale)");
        }
        if atom > 0.0 && !atom_drawn {
            x_desc.push_str(&format!(
                " — {}% of samples exactly 0, not drawn",
                sig(atom, 3)
            ));
        }
        // A bar too narrow to see (a constant output) gets some width.
        let min_width = (x.hi() - x.lo()) * 0.004;
        self.frame.draw(|area| {
            let mut chart = chart::plot(
                area,
                x.clone(),
                y.clone(),
                &x_desc,
                "share of samples (%)",
                None,
            )?;
            chart.draw_series(drawn.iter().map(|b| {
                let (mut a, mut c) = (b.low, b.high);
                if !log && c - a < min_width {
                    a -= min_width / 2.0;
                    c += min_width / 2.0;
                } else if log && c / a < 1.005 {
                    a /= 1.01;
                    c *= 1.01;
                }
                Rectangle::new(
                    [(x.clamp(a), 0.0), (x.clamp(c), y.clamp(share(b)))],
                    chart::SKY.mix(0.75).filled(),
                )
            }))?;
            self.draw_markers(&mut chart, &x, &y)
        })
    }

    fn draw_markers(&self, chart: &mut chart::Plot, x: &Scale, y: &Scale) -> Result<(), DrawError> {
        let mut shown: Vec<&Marker> = self.markers.iter().filter(|m| x.shows(m.value)).collect();
        shown.sort_by(|a, b| a.value.total_cmp(&b.value));
        for (level, m) in shown.iter().enumerate() {
            let level = level % 4;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(m.value, 0.0), (m.value, y.hi())],
                m.color.stroke_width(2),
            )))?;
            let right_half = x.unit(m.value) > 0.7;
            let (dx, h) = if right_half {
                (-5, HPos::Right)
            } else {
                (5, HPos::Left)
            };
            chart.draw_series(std::iter::once(
                EmptyElement::at((m.value, y.hi()))
                    + Text::new(
                        format!("{} {}", m.name, sig(m.value, 4)),
                        (dx, 4 + 15 * level as i32),
                        anchored(font(12.0).color(&m.color), h, VPos::Top),
                    ),
            ))?;
        }
        let hidden: Vec<String> = self
            .markers
            .iter()
            .filter(|m| !x.shows(m.value))
            .map(|m| format!("{} {}", m.name, sig(m.value, 4)))
            .collect();
        if !hidden.is_empty() {
            chart.draw_series(std::iter::once(
                EmptyElement::at((x.hi(), y.hi()))
                    + Text::new(
                        format!("not on the axis: {}", hidden.join(", ")),
                        (-5, 4 + 15 * 4),
                        anchored(font(11.0).color(&GREY), HPos::Right, VPos::Top),
                    ),
            ))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_axis_follows_the_rule() {
        // Decades with an atom at zero.
        assert!(log_axis(&[(0.0, 0.0), (0.5, 5.0), (5.0, 60.0)]));
        // Exactly 100 times.
        assert!(log_axis(&[(1.0, 10.0), (10.0, 100.0)]));
        assert!(!log_axis(&[(1.0, 10.0), (10.0, 99.0)]));
        // A bin at or below zero: linear.
        assert!(!log_axis(&[(0.0, 10.0), (10.0, 1000.0)]));
        assert!(!log_axis(&[(-1.0, 10.0), (10.0, 1000.0)]));
        // Nothing but the atom, or nothing.
        assert!(!log_axis(&[(0.0, 0.0)]));
        assert!(!log_axis(&[]));
    }
}
