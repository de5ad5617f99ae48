//! What every chart shares: an SVG drawn by plotters into a String, with a
//! title and a legend above the plot, the axes and grid styled alike, and
//! the `<svg>` element marked with the chart's class and id.

use super::markup::escape;
use super::scale::Scale;
use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
pub type DrawError = DrawingAreaErrorKind<std::io::Error>;
pub type Plot<'a, 'b> = ChartContext<'b, SVGBackend<'a>, Cartesian2d<Scale, Scale>>;

/// The charts' usual size, in pixels.
pub const WIDTH: u32 = 720;
pub const HEIGHT: u32 = 360;

/// Colours that stay apart for colour-blind readers (Okabe and Ito) and in
/// greyscale print, as far as a few colours can.
pub const BLUE: RGBColor = RGBColor(0, 114, 178);
pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
pub const GREEN: RGBColor = RGBColor(0, 158, 115);
pub const VERMILION: RGBColor = RGBColor(213, 94, 0);
pub const SKY: RGBColor = RGBColor(86, 180, 233);
pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
pub const INK: RGBColor = RGBColor(34, 34, 34);
pub const GREY: RGBColor = RGBColor(110, 110, 110);
pub const GRID: RGBColor = RGBColor(221, 221, 221);
pub const FAINT: RGBColor = RGBColor(240, 240, 240);

/// The series colours, in order.
pub const SERIES: [RGBColor; 7] = [BLUE, VERMILION, GREEN, ORANGE, PURPLE, SKY, INK];

pub fn series_color(i: usize) -> RGBColor {
    SERIES[i % SERIES.len()]
}

/// A text style of `px` pixels (plotters writes font-size as size / 1.24).
pub fn font(px: f64) -> TextStyle<'static> {
    TextStyle::from(("sans-serif", px * 1.24).into_font()).color(&INK)
}

pub fn anchored<'s>(style: TextStyle<'s>, h: HPos, v: VPos) -> TextStyle<'s> {
    style.pos(Pos::new(h, v))
}

/// How a legend entry is drawn.
#[derive(Clone, Copy)]
pub enum Key {
    Box,
    Line,
    /// A dashed line (a second line over the same band).
    Dashed,
    Dot,
}

pub struct LegendItem {
    pub label: String,
    pub color: RGBColor,
    pub key: Key,
}

/// A chart to draw: what the page and the reader know it by.
pub struct Frame {
    pub id: String,
    /// The chart's kind: `histogram`, `events`, ... (class `chart-<kind>`).
    pub kind: &'static str,
    pub title: String,
    pub width: u32,
    pub height: u32,
    pub legend: Vec<LegendItem>,
}

/// Roughly how wide `text` is at `px` pixels in a sans-serif font.
pub fn text_width(text: &str, px: f64) -> f64 {
    text.chars().count() as f64 * px * 0.56
}

/// `text` cut to `max` characters, with an ellipsis if cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

impl Frame {
    pub fn new(id: String, kind: &'static str, title: String) -> Frame {
        Frame {
            id,
            kind,
            title,
            width: WIDTH,
            height: HEIGHT,
            legend: Vec::new(),
        }
    }

    /// The legend's rows: entries laid left to right, wrapped to the width.
    fn legend_rows(&self) -> Vec<Vec<(usize, f64)>> {
        let mut rows: Vec<Vec<(usize, f64)>> = Vec::new();
        let mut x = 0.0;
        let room = f64::from(self.width) - 40.0;
        for (i, item) in self.legend.iter().enumerate() {
            let w = 18.0 + text_width(&item.label, 12.0) + 18.0;
            if rows.is_empty() || (x + w > room && x > 0.0) {
                rows.push(Vec::new());
                x = 0.0;
            }
            rows.last_mut().expect("a row was pushed").push((i, x));
            x += w;
        }
        rows
    }

    /// Draws the title and legend, then `body` below them; returns the
    /// `<svg>` element.
    pub fn draw(&self, body: impl FnOnce(&Area) -> Result<(), DrawError>) -> Result<String> {
        let mut svg = String::new();
        let rows = self.legend_rows();
        let header = 34 + 20 * rows.len() as u32;
        {
            let root =
                SVGBackend::with_string(&mut svg, (self.width, self.height)).into_drawing_area();
            let result = (|| -> Result<(), DrawError> {
                root.fill(&WHITE)?;
                let title = shorten(&self.title, (f64::from(self.width) / 9.0) as usize);
                root.draw(&Text::new(
                    title,
                    (self.width as i32 / 2, 10),
                    anchored(font(15.0), HPos::Center, VPos::Top),
                ))?;
                for (r, row) in rows.iter().enumerate() {
                    let total = row
                        .last()
                        .map(|&(i, x)| x + 36.0 + text_width(&self.legend[i].label, 12.0))
                        .unwrap_or(0.0);
                    let left = ((f64::from(self.width) - total) / 2.0).max(10.0);
                    let y = 40 + 20 * r as i32;
                    for &(i, x) in row {
                        let item = &self.legend[i];
                        let x0 = (left + x) as i32;
                        match item.key {
                            Key::Box => root.draw(&Rectangle::new(
                                [(x0, y - 6), (x0 + 12, y + 6)],
                                item.color.mix(0.85).filled(),
                            ))?,
                            Key::Line => root.draw(&PathElement::new(
                                vec![(x0, y), (x0 + 14, y)],
                                item.color.stroke_width(3),
                            ))?,
                            Key::Dashed => root.draw(&plotters::element::DashedPathElement::new(
                                vec![(x0, y), (x0 + 14, y)],
                                4,
                                3,
                                item.color.stroke_width(3),
                            ))?,
                            Key::Dot => {
                                root.draw(&Circle::new((x0 + 6, y), 4, item.color.filled()))?
                            }
                        }
                        root.draw(&Text::new(
                            item.label.clone(),
                            (x0 + 18, y),
                            anchored(font(12.0), HPos::Left, VPos::Center),
                        ))?;
                    }
                }
                let (_, rest) = root.split_vertically(header);
                body(&rest)?;
                root.present()
            })();
            result.map_err(|e| {
                Error::io(
                    format!("cannot draw the chart {}", self.id),
                    std::io::Error::other(e.to_string()),
                )
            })?;
        }
        Ok(self.mark(svg))
    }

    /// The `<svg>` element with the chart's class, id and accessible title.
    fn mark(&self, svg: String) -> String {
        let title = escape(&self.title);
        let open = format!(
            "<svg class=\"chart chart-{}\" id=\"{}\" role=\"img\" aria-label=\"{title}\" ",
            self.kind,
            escape(&self.id)
        );
        let svg = svg.replacen("<svg ", &open, 1);
        // The title as the SVG's own first child (a tooltip, and for readers).
        match svg.find('>') {
            Some(end) => format!(
                "{}<title>{title}</title>\n{}",
                &svg[..=end],
                svg[end + 1..].trim_start_matches('\n')
            ),
            None => svg,
        }
    }
}

/// Builds the plot on `area` with the axes `x` and `y`, and draws the grid,
/// the axes, their labels and descriptions. `y_names` labels a category
/// axis's ticks.
pub fn plot<'a, 'b>(
    area: &'b Area<'a>,
    x: Scale,
    y: Scale,
    x_desc: &str,
    y_desc: &str,
    y_names: Option<&[String]>,
) -> Result<Plot<'a, 'b>, DrawError> {
    let y_labels: Vec<String> = match y_names {
        Some(names) => names.iter().map(|n| shorten(n, 34)).collect(),
        None => Vec::new(),
    };
    let left = match y_names {
        Some(_) => {
            let widest = y_labels
                .iter()
                .map(|n| text_width(n, 12.0))
                .fold(0.0, f64::max);
            (widest + 16.0).clamp(40.0, 260.0) as u32
        }
        None => 74,
    };
    let mut chart = ChartBuilder::on(area)
        .margin_left(8)
        .margin_right(24)
        .margin_top(4)
        .margin_bottom(4)
        .x_label_area_size(46)
        .y_label_area_size(left)
        .build_cartesian_2d(x.clone(), y.clone())?;
    let x_fmt = |v: &f64| x.label(*v);
    let y_fmt = |v: &f64| match y_names {
        Some(_) => {
            let i = v.round();
            if i >= 0.0 && (i as usize) < y_labels.len() {
                y_labels[i as usize].clone()
            } else {
                String::new()
            }
        }
        None => y.label(*v),
    };
    let mut mesh = chart.configure_mesh();
    mesh.x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .x_labels(20)
        .y_labels(if y_names.is_some() { 200 } else { 20 })
        .label_style(font(12.0))
        .axis_desc_style(font(13.0))
        .axis_style(GREY)
        .bold_line_style(GRID)
        .light_line_style(FAINT);
    if !x_desc.is_empty() {
        mesh.x_desc(x_desc);
    }
    if !y_desc.is_empty() {
        mesh.y_desc(y_desc);
    }
    if y_names.is_some() {
        mesh.disable_y_mesh();
    }
    mesh.draw()?;
    Ok(chart)
}

/// A vertical reference line at `x` over the plot, with a label at its top.
pub fn vline(chart: &mut Plot, x: f64, color: RGBColor, label: &str) -> Result<(), DrawError> {
    let (xs, ys) = (chart.x_range(), chart.y_range());
    if !(x >= xs.start && x <= xs.end) {
        return Ok(());
    }
    // The end of the y range drawn at the top (categories run downwards).
    let top = if chart.backend_coord(&(x, ys.start)).1 < chart.backend_coord(&(x, ys.end)).1 {
        ys.start
    } else {
        ys.end
    };
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(x, ys.start), (x, ys.end)],
        color.stroke_width(1),
    )))?;
    if !label.is_empty() {
        chart.draw_series(std::iter::once(
            EmptyElement::at((x, top))
                + Text::new(
                    label.to_string(),
                    (4, 2),
                    anchored(font(11.0).color(&GREY), HPos::Left, VPos::Top),
                ),
        ))?;
    }
    Ok(())
}
