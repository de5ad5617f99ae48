//! Lines with an interval band: an estimate against the samples drawn
//! (convergence) or against a swept input (one line per value of a second
//! input).

use super::chart::{self, Frame, Key, LegendItem, series_color};
use super::scale::{Scale, pad, pad_log};
use crate::error::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// One point: x, the estimate, its interval.
#[derive(Clone, Copy, Debug)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub lo: f64,
    pub hi: f64,
}

pub struct Series {
    pub label: String,
    pub points: Vec<Point>,
}

pub struct LinesChart {
    pub frame: Frame,
    pub x_desc: String,
    pub y_desc: String,
    pub x_log: bool,
    /// x is a time step: ticks at whole steps only (`Scale::steps`).
    pub x_steps: bool,
    /// The y axis starts at 0 (a probability that only grows).
    pub y_zero: bool,
    pub series: Vec<Series>,
    /// A horizontal reference line (the final estimate, say).
    pub y_ref: Option<(f64, String)>,
}

impl LinesChart {
    fn scales(&self) -> (Scale, Scale) {
        let pts = || self.series.iter().flat_map(|s| s.points.iter());
        let range = |vals: &mut dyn Iterator<Item = f64>| {
            vals.filter(|v| v.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                    (a.min(v), b.max(v))
                })
        };
        let (x0, x1) = range(&mut pts().map(|p| p.x).filter(|&x| !self.x_log || x > 0.0));
        let (y0, y1) = range(
            &mut pts()
                .flat_map(|p| [p.y, p.lo, p.hi])
                .chain(self.y_ref.iter().map(|r| r.0)),
        );
        let x = if !x0.is_finite() {
            Scale::linear(0.0, 1.0)
        } else if self.x_log {
            let (a, b) = pad_log(x0, x1, 0.02);
            Scale::log(a, b)
        } else if self.x_steps {
            Scale::steps(x0, x1)
        } else {
            let (a, b) = pad(x0, x1, 0.03);
            Scale::linear(a, b)
        };
        let y = if !y0.is_finite() {
            Scale::linear(0.0, 1.0)
        } else if self.y_zero && y0 >= 0.0 {
            let (_, b) = pad(0.0, y1, 0.06);
            Scale::linear(0.0, b)
        } else {
            let (a, b) = pad(y0, y1, 0.06);
            Scale::linear(a, b)
        };
        (x, y)
    }

    pub fn svg(mut self) -> Result<String> {
        if self.series.len() > 1 {
            self.frame.legend = self
                .series
                .iter()
                .enumerate()
                .map(|(i, s)| LegendItem {
                    label: s.label.clone(),
                    color: series_color(i),
                    key: Key::Line,
                })
                .collect();
        }
        self.frame.height += 20 * self.frame.legend.len().div_ceil(4).saturating_sub(1) as u32;
        let (x, y) = self.scales();
        let x_desc = if x.is_log() {
            format!("{} (log scale)", self.x_desc)
        } else {
            self.x_desc.clone()
        };
        self.frame.draw(|area| {
            let mut chart = chart::plot(area, x.clone(), y.clone(), &x_desc, &self.y_desc, None)?;
            for (i, s) in self.series.iter().enumerate() {
                let color = series_color(i);
                let pts: Vec<Point> = s
                    .points
                    .iter()
                    .copied()
                    .filter(|p| x.shows(p.x) && p.y.is_finite())
                    .collect();
                let banded: Vec<&Point> = pts
                    .iter()
                    .filter(|p| p.lo.is_finite() && p.hi.is_finite())
                    .collect();
                if banded.len() >= 2 {
                    let outline: Vec<(f64, f64)> = banded
                        .iter()
                        .map(|p| (p.x, y.clamp(p.hi)))
                        .chain(banded.iter().rev().map(|p| (p.x, y.clamp(p.lo))))
                        .collect();
                    chart.draw_series(std::iter::once(Polygon::new(
                        outline,
                        color.mix(0.16).filled(),
                    )))?;
                } else {
                    for p in &banded {
                        chart.draw_series(std::iter::once(PathElement::new(
                            vec![(p.x, y.clamp(p.lo)), (p.x, y.clamp(p.hi))],
                            color.stroke_width(2),
                        )))?;
                    }
                }
                chart.draw_series(std::iter::once(PathElement::new(
                    pts.iter().map(|p| (p.x, y.clamp(p.y))).collect::<Vec<_>>(),
                    color.stroke_width(2),
                )))?;
                if pts.len() <= 40 {
                    chart.draw_series(
                        pts.iter()
                            .map(|p| Circle::new((p.x, y.clamp(p.y)), 3, color.filled())),
                    )?;
                }
            }
            if let Some((v, label)) = &self.y_ref
                && y.shows(*v)
            {
                let xs = chart.x_range();
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(xs.start, *v), (xs.end, *v)],
                    chart::GREY.stroke_width(1),
                )))?;
                chart.draw_series(std::iter::once(
                    EmptyElement::at((xs.end, *v))
                        + Text::new(
                            label.clone(),
                            (-4, -3),
                            chart::anchored(
                                chart::font(11.0).color(&chart::GREY),
                                HPos::Right,
                                VPos::Bottom,
                            ),
                        ),
                ))?;
            }
            Ok(())
        })
    }
}
