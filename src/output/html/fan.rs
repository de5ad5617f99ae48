//! A fan over time steps: an output's median as a line inside the band
//! from its 5th to its 95th percentile, and its mean as a dashed line.

use super::chart::{self, BLUE, Frame, Key, LegendItem, VERMILION};
use super::scale::{Scale, pad};
use crate::error::Result;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

/// One step's values of the output.
#[derive(Clone, Copy, Debug)]
pub struct FanStep {
    pub step: f64,
    pub mean: f64,
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
}

/// The band's colour in the legend: blue at the band's opacity over white.
const BAND: RGBColor = RGBColor(205, 227, 240);

pub struct FanChart {
    pub frame: Frame,
    pub x_desc: String,
    pub y_desc: String,
    pub steps: Vec<FanStep>,
}

impl FanChart {
    fn scales(&self) -> (Scale, Scale) {
        let range = |vals: &mut dyn Iterator<Item = f64>| {
            vals.filter(|v| v.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                    (a.min(v), b.max(v))
                })
        };
        let (x0, x1) = range(&mut self.steps.iter().map(|s| s.step));
        let (y0, y1) = range(
            &mut self
                .steps
                .iter()
                .flat_map(|s| [s.mean, s.p05, s.p50, s.p95]),
        );
        let x = if x0.is_finite() {
            Scale::steps(x0, x1)
        } else {
            Scale::linear(0.0, 1.0)
        };
        let y = if y0.is_finite() {
            let (a, b) = pad(y0, y1, 0.06);
            Scale::linear(a, b)
        } else {
            Scale::linear(0.0, 1.0)
        };
        (x, y)
    }

    pub fn svg(mut self) -> Result<String> {
        self.frame.legend = vec![
            LegendItem {
                label: "p05 to p95".to_string(),
                color: BAND,
                key: Key::Box,
            },
            LegendItem {
                label: "median (p50)".to_string(),
                color: BLUE,
                key: Key::Line,
            },
            LegendItem {
                label: "mean".to_string(),
                color: VERMILION,
                key: Key::Dashed,
            },
        ];
        let (x, y) = self.scales();
        self.frame.draw(|area| {
            let mut chart = chart::plot(area, x.clone(), y.clone(), &self.x_desc, &self.y_desc, None)?;
            let shown: Vec<&FanStep> = self.steps.iter().filter(|s| x.shows(s.step)).collect();
            // The band where both ends are known; a single step is a bar.
            let band: Vec<&&FanStep> = shown
                .iter()
                .filter(|s| s.p05.is_finite() && s.p95.is_finite())
                .collect();
            if band.len() >= 2 {
                let outline: Vec<(f64, f64)> = band
                    .iter()
                    .map(|s| (s.step, y.clamp(s.p95)))
                    .chain(band.iter().rev().map(|s| (s.step, y.clamp(s.p05))))
                    .collect();
                chart.draw_series(std::iter::once(Polygon::new(
                    outline,
                    BLUE.mix(0.16).filled(),
                )))?;
                for edge in [
                    band.iter().map(|s| (s.step, y.clamp(s.p05))).collect::<Vec<_>>(),
                    band.iter().map(|s| (s.step, y.clamp(s.p95))).collect(),
                ] {
                    chart.draw_series(std::iter::once(PathElement::new(
                        edge,
                        BLUE.mix(0.45).stroke_width(1),
                    )))?;
                }
            } else {
                for s in &band {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(s.step - 0.08, y.clamp(s.p05)), (s.step + 0.08, y.clamp(s.p95))],
                        BLUE.mix(0.16).filled(),
                    )))?;
                }
            }
            let line = |value: fn(&FanStep) -> f64| -> Vec<(f64, f64)> {
                shown
                    .iter()
                    .filter(|s| value(s).is_finite())
                    .map(|s| (s.step, y.clamp(value(s))))
                    .collect()
            };
            let median = line(|s| s.p50);
            chart.draw_series(std::iter::once(PathElement::new(
                median.clone(),
                BLUE.stroke_width(2),
            )))?;
            let mean = line(|s| s.mean);
            chart.draw_series(std::iter::once(DashedPathElement::new(
                mean.clone(),
                6,
                4,
                VERMILION.stroke_width(2),
            )))?;
            // A line of one point is no line: draw it as a dot.
            if median.len() == 1 {
                chart.draw_series(median.iter().map(|&p| Circle::new(p, 3, BLUE.filled())))?;
            }
            if mean.len() == 1 {
                chart.draw_series(mean.iter().map(|&p| Circle::new(p, 3, VERMILION.filled())))?;
            }
            Ok(())
        })
    }
}
