//! Horizontal rows, one per named thing (an event, a variant, a factor):
//! points with interval whiskers (event probabilities, forest plots),
//! bars from zero (Sobol indices, rank correlations) or spans (tornado).

use super::chart::{self, DrawError, Frame, GREY, INK, anchored, font};
use super::markup::sig;
use super::scale::{Scale, pad, pad_log};
use crate::error::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

#[derive(Clone, Copy, PartialEq)]
pub enum Shape {
    /// A point at `value`.
    Dot,
    /// A bar from `from` to `value`.
    Bar { from: f64 },
    /// A light bar from `lo` to `hi` (no point, no whisker).
    Span,
}

/// One mark on a row: a shape at `value`, with a whisker from `lo` to `hi`
/// unless they are NaN.
#[derive(Clone, Copy)]
pub struct Mark {
    pub row: usize,
    /// Vertical offset within the row, in rows (-0.5..0.5; 0 is centred).
    pub offset: f64,
    pub shape: Shape,
    pub value: f64,
    pub lo: f64,
    pub hi: f64,
    pub color: RGBColor,
    /// Bar thickness or point size, in rows.
    pub size: f64,
}

impl Mark {
    pub fn dot(row: usize, value: f64, lo: f64, hi: f64, color: RGBColor) -> Mark {
        Mark {
            row,
            offset: 0.0,
            shape: Shape::Dot,
            value,
            lo,
            hi,
            color,
            size: 0.5,
        }
    }

    fn extent(&self) -> impl Iterator<Item = f64> {
        let from = match self.shape {
            Shape::Bar { from } => from,
            _ => f64::NAN,
        };
        [self.value, self.lo, self.hi, from].into_iter()
    }
}

/// A reference line across all rows (zero, one, a base value).
pub struct RefLine {
    pub value: f64,
    pub label: String,
}

pub struct RowsChart {
    pub frame: Frame,
    pub x_desc: String,
    pub rows: Vec<String>,
    pub marks: Vec<Mark>,
    pub refs: Vec<RefLine>,
    /// Logarithmic x axis (when every value is positive).
    pub log: bool,
    /// Pixels per row.
    pub row_height: u32,
    /// Write each dot's value beside its whisker.
    pub value_labels: bool,
}

impl RowsChart {
    pub fn new(frame: Frame, x_desc: String, rows: Vec<String>) -> RowsChart {
        RowsChart {
            frame,
            x_desc,
            rows,
            marks: Vec::new(),
            refs: Vec::new(),
            log: false,
            row_height: 26,
            value_labels: false,
        }
    }

    /// The x axis over every finite value drawn.
    fn x_scale(&self) -> Scale {
        let values = self
            .marks
            .iter()
            .flat_map(Mark::extent)
            .chain(self.refs.iter().map(|r| r.value))
            .filter(|v| v.is_finite() && (!self.log || *v > 0.0));
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        let room = if self.value_labels { 0.14 } else { 0.04 };
        if !lo.is_finite() {
            return if self.log {
                Scale::log(0.1, 1.0)
            } else {
                Scale::linear(0.0, 1.0)
            };
        }
        if self.log {
            let (a, b) = pad_log(lo, hi, 0.04);
            let (_, b2) = pad_log(lo, hi, room);
            Scale::log(a, b2.max(b))
        } else {
            let (a, b) = pad(lo, hi, 0.04);
            let (_, b2) = pad(lo, hi, room);
            Scale::linear(a, b2.max(b))
        }
    }

    pub fn svg(mut self) -> Result<String> {
        let legend_rows = if self.frame.legend.is_empty() { 0 } else { 1 };
        self.frame.height =
            34 + 20 * legend_rows + 8 + 50 + self.row_height * self.rows.len().max(1) as u32;
        let x = self.x_scale();
        let y = Scale::categories(self.rows.len());
        let x_desc = if x.is_log() {
            format!("{} (log scale)", self.x_desc)
        } else {
            self.x_desc.clone()
        };
        self.frame.draw(|area| {
            let mut chart = chart::plot(area, x.clone(), y, &x_desc, "", Some(&self.rows))?;
            for r in &self.refs {
                chart::vline(&mut chart, r.value, INK, &r.label)?;
            }
            for m in &self.marks {
                draw_mark(&mut chart, &x, m)?;
            }
            if self.value_labels {
                for m in self.marks.iter().filter(|m| m.shape == Shape::Dot) {
                    if !x.shows(m.value) {
                        continue;
                    }
                    let right = if m.hi.is_finite() {
                        m.hi.max(m.value)
                    } else {
                        m.value
                    };
                    let at = (x.clamp(right), m.row as f64 + m.offset);
                    chart.draw_series(std::iter::once(
                        EmptyElement::at(at)
                            + Text::new(
                                sig(m.value, 3),
                                (8, 0),
                                anchored(font(11.0).color(&GREY), HPos::Left, VPos::Center),
                            ),
                    ))?;
                }
            }
            Ok(())
        })
    }
}

fn draw_mark(chart: &mut chart::Plot, x: &Scale, m: &Mark) -> Result<(), DrawError> {
    let y = m.row as f64 + m.offset;
    let half = m.size / 2.0;
    match m.shape {
        Shape::Span => {
            if m.lo.is_finite() && m.hi.is_finite() {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x.clamp(m.lo), y - half), (x.clamp(m.hi), y + half)],
                    m.color.mix(0.35).filled(),
                )))?;
            }
            return Ok(());
        }
        Shape::Bar { from } => {
            if m.value.is_finite() && from.is_finite() {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x.clamp(from), y - half), (x.clamp(m.value), y + half)],
                    m.color.mix(0.8).filled(),
                )))?;
            }
        }
        Shape::Dot => {}
    }
    if m.lo.is_finite() && m.hi.is_finite() {
        let (a, b) = (x.clamp(m.lo), x.clamp(m.hi));
        let cap = half.min(0.18) * 0.6;
        let ink = if matches!(m.shape, Shape::Bar { .. }) {
            INK
        } else {
            m.color
        };
        chart.draw_series([
            PathElement::new(vec![(a, y), (b, y)], ink.stroke_width(2)),
            PathElement::new(vec![(a, y - cap), (a, y + cap)], ink.stroke_width(2)),
            PathElement::new(vec![(b, y - cap), (b, y + cap)], ink.stroke_width(2)),
        ])?;
    }
    if m.shape == Shape::Dot && x.shows(m.value) {
        chart.draw_series(std::iter::once(Circle::new(
            (m.value, y),
            5,
            m.color.filled(),
        )))?;
    }
    Ok(())
}
