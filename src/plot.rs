//! Plots for a student's feedback, as SVG and PNG: training curves next to
//! the reference's, and decision boundaries side by side. A check attaches
//! them to its result with [`attach`]; `feedback.md` shows them.
//!
//! ```
//! use gradwork::plot::{training_curves, Plot};
//! let plot = training_curves("loss", &[2.3, 1.1, 0.7, 0.5], &[2.3, 0.9, 0.4, 0.2]);
//! let svg = plot.svg().unwrap();
//! assert!(svg.starts_with("<svg") && svg.contains("your model") && svg.contains("reference"));
//! let png = plot.png().unwrap();
//! assert_eq!(&png[1..4], b"PNG");
//! ```
//!
//! Labels use a subset of DejaVu Sans built into the binary
//! (`assets/fonts/`), so a PNG looks the same on every machine and needs no
//! system fonts.

use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::Once;

const FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-subset.ttf");
const FAMILY: &str = "sans-serif";

/// Line colours, in order of the student's lines (a reference line takes its predecessor's).
const PALETTE: [RGBColor; 5] =
    [RGBColor(31, 119, 180), RGBColor(80, 80, 80), RGBColor(214, 39, 40), RGBColor(44, 160, 44), RGBColor(148, 103, 189)];

/// Class colours for decision boundaries.
const CLASSES: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// Why a plot could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// Nothing to plot.
    #[error("nothing to plot: {0}")]
    Empty(String),
    /// The inputs do not fit together.
    #[error("{0}")]
    Invalid(String),
    /// plotters failed.
    #[error("drawing failed: {0}")]
    Draw(String),
    /// PNG encoding failed.
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

fn draw_err(e: impl std::fmt::Display) -> PlotError {
    PlotError::Draw(e.to_string())
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // A bundled, valid font; if it were rejected, labels would be missing, not the plot.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// Something that draws itself on a plotters drawing area.
pub trait Plot {
    /// Size in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws on `area` (already white).
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError>;

    /// The plot as an SVG document.
    fn svg(&self) -> Result<String, PlotError> {
        register_font();
        let mut text = String::new();
        {
            let area = SVGBackend::with_string(&mut text, self.size()).into_drawing_area();
            area.fill(&WHITE).map_err(draw_err)?;
            self.draw(&area)?;
            area.present().map_err(draw_err)?;
        }
        Ok(text)
    }

    /// The plot as a PNG image.
    fn png(&self) -> Result<Vec<u8>, PlotError> {
        register_font();
        let (w, h) = self.size();
        let mut rgb = vec![0u8; (w * h * 3) as usize];
        {
            let area = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
            area.fill(&WHITE).map_err(draw_err)?;
            self.draw(&area)?;
            area.present().map_err(draw_err)?;
        }
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| PlotError::Png(e.to_string()))?;
        writer.write_image_data(&rgb).map_err(|e| PlotError::Png(e.to_string()))?;
        writer.finish().map_err(|e| PlotError::Png(e.to_string()))?;
        Ok(out)
    }
}

/// One line of a line plot.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// (x, y) points; non-finite ones are left out (a diverged loss is NaN).
    pub points: Vec<(f64, f64)>,
    /// A reference run's line: drawn as a wide, faded band under the
    /// student's lines, in the colour of the line before it, so that a
    /// student's curve that follows the reference stays visible inside it.
    pub reference: bool,
}

impl Series {
    /// A series of values at x = 1, 2, 3, ... (epochs).
    pub fn from_values(label: &str, values: &[f64]) -> Series {
        Series { label: label.to_string(), points: values.iter().enumerate().map(|(i, &v)| ((i + 1) as f64, v)).collect(), reference: false }
    }

    /// The reference run's series of values at x = 1, 2, 3, ...; put it
    /// right after the student's series it is to be compared with.
    pub fn reference(label: &str, values: &[f64]) -> Series {
        Series { reference: true, ..Series::from_values(label, values) }
    }
}

/// Lines on shared axes, with a legend.
#[derive(Debug, Clone, PartialEq)]
pub struct LinePlot {
    /// Title above the plot.
    pub title: String,
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// The lines, the student's first.
    pub series: Vec<Series>,
}

/// A student's curve next to the reference's, per epoch: `what` is the
/// quantity (`loss`, `validation accuracy`).
pub fn training_curves(what: &str, student: &[f64], reference: &[f64]) -> LinePlot {
    LinePlot {
        title: format!("{} per epoch: your model and the reference", capitalized(what)),
        x_label: "epoch".into(),
        y_label: what.into(),
        series: vec![Series::from_values("your model", student), Series::reference("reference", reference)],
    }
}

/// `text` with its first letter in upper case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// `[lo, hi]` of `values`, widened a little (and made non-empty when all are equal).
fn padded_range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() || !hi.is_finite() {
        return None;
    }
    let span = hi - lo;
    let pad = if span > 0.0 { span * 0.05 } else { lo.abs().max(1.0) * 0.1 };
    Some((lo - pad, hi + pad))
}

impl Plot for LinePlot {
    fn size(&self) -> (u32, u32) {
        (800, 480)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let finite = |s: &Series| -> Vec<(f64, f64)> { s.points.iter().copied().filter(|(x, y)| x.is_finite() && y.is_finite()).collect() };
        let lines: Vec<(String, Vec<(f64, f64)>)> = self.series.iter().map(|s| (s.label.clone(), finite(s))).collect();
        let dropped: usize = self.series.iter().map(|s| s.points.len()).sum::<usize>() - lines.iter().map(|(_, p)| p.len()).sum::<usize>();
        let all = || lines.iter().flat_map(|(_, p)| p.iter().copied());
        let (x0, x1) = padded_range(all().map(|p| p.0)).ok_or_else(|| PlotError::Empty(format!("`{}` has no finite points", self.title)))?;
        let (y0, y1) = padded_range(all().map(|p| p.1)).ok_or_else(|| PlotError::Empty(format!("`{}` has no finite points", self.title)))?;
        let title = if dropped > 0 { format!("{} ({dropped} NaN/inf values left out)", self.title) } else { self.title.clone() };
        let mut chart = ChartBuilder::on(area)
            .caption(title, (FAMILY, 22))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(draw_err)?;
        let tick = |v: &f64| crate::compare::num(*v);
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .label_style((FAMILY, 14))
            .axis_desc_style((FAMILY, 16))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(draw_err)?;
        // Colours: each student line its own, each reference line its predecessor's.
        let mut colors: Vec<RGBColor> = Vec::with_capacity(self.series.len());
        let mut own = PALETTE.iter().cycle();
        for s in &self.series {
            let color = match (s.reference, colors.last()) {
                (true, Some(&previous)) => previous,
                _ => *own.next().unwrap_or(&PALETTE[0]),
            };
            colors.push(color);
        }
        // Reference bands first, so that the student's lines lie on top; the
        // legend then lists every line in the order of `series`.
        let band = |color: RGBColor| ShapeStyle::from(&color.mix(0.3)).stroke_width(8);
        for (i, (_, points)) in lines.iter().enumerate().filter(|&(i, _)| self.series[i].reference) {
            chart.draw_series(LineSeries::new(points.clone(), band(colors[i]))).map_err(draw_err)?;
        }
        for (i, (label, points)) in lines.iter().enumerate() {
            let color = colors[i];
            let (style, drawn) = if self.series[i].reference {
                (band(color), Vec::new())
            } else {
                (ShapeStyle::from(&color).stroke_width(2), points.clone())
            };
            chart
                .draw_series(LineSeries::new(drawn, style))
                .map_err(draw_err)?
                .label(label.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
            if !self.series[i].reference && points.len() <= 40 {
                chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled()))).map_err(draw_err)?;
            }
        }
        let corner = emptiest_corner(lines.iter().flat_map(|(_, p)| p.iter().copied()), (x0, x1), (y0, y1));
        chart
            .configure_series_labels()
            .label_font((FAMILY, 16))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .position(corner)
            .draw()
            .map_err(draw_err)?;
        Ok(())
    }
}

/// The corner of the plot with the fewest points under where a legend
/// would go (the right or left 45 % of the width, top or bottom 40 %).
fn emptiest_corner(points: impl Iterator<Item = (f64, f64)>, (x0, x1): (f64, f64), (y0, y1): (f64, f64)) -> SeriesLabelPosition {
    let mut counts = [0usize; 4]; // upper right, lower right, upper left, lower left
    for (x, y) in points {
        let (u, v) = ((x - x0) / (x1 - x0), (y - y0) / (y1 - y0));
        let (right, left, top, bottom) = (u >= 0.55, u <= 0.45, v >= 0.6, v <= 0.4);
        for (k, inside) in [right && top, right && bottom, left && top, left && bottom].into_iter().enumerate() {
            counts[k] += usize::from(inside);
        }
    }
    let positions = [SeriesLabelPosition::UpperRight, SeriesLabelPosition::LowerRight, SeriesLabelPosition::UpperLeft, SeriesLabelPosition::LowerLeft];
    // The first of the emptiest, in that order of preference.
    let best = (0..4).min_by_key(|&k| (counts[k], k)).unwrap_or(0);
    positions[best].clone()
}

/// Predicted classes on a regular grid over the plane: `classes[j * nx + i]`
/// is the class at x = x_min + (i + ½)·Δx, y = y_min + (j + ½)·Δy.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Cells along x.
    pub nx: usize,
    /// Cells along y.
    pub ny: usize,
    /// One class per cell, rows of constant y from the bottom.
    pub classes: Vec<i64>,
}

/// Decision regions side by side (the student's, the reference's), with the data points.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryPlot {
    /// Title above the panels.
    pub title: String,
    /// x from, to.
    pub x_range: (f64, f64),
    /// y from, to.
    pub y_range: (f64, f64),
    /// One panel per (caption, grid), e.g. ("your model", ...), ("reference", ...).
    pub panels: Vec<(String, Grid)>,
    /// Data points: x, y, true class.
    pub points: Vec<(f64, f64, i64)>,
}

impl BoundaryPlot {
    /// The panels' grids all have `nx·ny` classes and the ranges are not empty.
    pub fn validate(&self) -> Result<(), PlotError> {
        if self.panels.is_empty() {
            return Err(PlotError::Empty("a decision-boundary plot needs at least one panel".into()));
        }
        let ok = |(a, b): (f64, f64)| a.is_finite() && b.is_finite() && a < b;
        if !ok(self.x_range) || !ok(self.y_range) {
            return Err(PlotError::Invalid(format!("empty or non-finite range: x {:?}, y {:?}", self.x_range, self.y_range)));
        }
        for (caption, g) in &self.panels {
            if g.classes.len() != g.nx * g.ny || g.nx == 0 || g.ny == 0 {
                return Err(PlotError::Invalid(format!("panel `{caption}`: {} classes for a {}×{} grid", g.classes.len(), g.nx, g.ny)));
            }
        }
        Ok(())
    }
}

fn class_color(class: i64) -> RGBColor {
    CLASSES[class.rem_euclid(CLASSES.len() as i64) as usize]
}

impl Plot for BoundaryPlot {
    fn size(&self) -> (u32, u32) {
        (440 * self.panels.len().max(1) as u32 + 40, 500)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        self.validate()?;
        let area = area.titled(&self.title, (FAMILY, 22)).map_err(draw_err)?;
        let panels = area.split_evenly((1, self.panels.len()));
        let (x0, x1) = self.x_range;
        let (y0, y1) = self.y_range;
        for (panel, (caption, grid)) in panels.iter().zip(&self.panels) {
            let mut chart = ChartBuilder::on(panel)
                .caption(caption, (FAMILY, 18))
                .margin(12)
                .x_label_area_size(36)
                .y_label_area_size(44)
                .build_cartesian_2d(x0..x1, y0..y1)
                .map_err(draw_err)?;
            let (dx, dy) = ((x1 - x0) / grid.nx as f64, (y1 - y0) / grid.ny as f64);
            let cells = grid.classes.iter().enumerate().map(|(k, &class)| {
                let (i, j) = ((k % grid.nx) as f64, (k / grid.nx) as f64);
                let corner = (x0 + i * dx, y0 + j * dy);
                Rectangle::new([corner, (corner.0 + dx, corner.1 + dy)], class_color(class).mix(0.25).filled())
            });
            chart.draw_series(cells).map_err(draw_err)?;
            chart.configure_mesh().disable_mesh().label_style((FAMILY, 12)).draw().map_err(draw_err)?;
            let dots = self.points.iter().filter(|(x, y, _)| x.is_finite() && y.is_finite()).map(|&(x, y, class)| {
                EmptyElement::at((x, y)) + Circle::new((0, 0), 4, class_color(class).filled()) + Circle::new((0, 0), 4, BLACK.stroke_width(1))
            });
            chart.draw_series(dots).map_err(draw_err)?;
        }
        Ok(())
    }
}

/// Attaches `plot` to the check's result as `<stem>.svg` and `<stem>.png`.
/// A plot that cannot be drawn is left out with a note on stderr: feedback
/// must never cost a student a check.
/// Nothing is drawn where attachments are not kept (a student's local run).
pub fn attach(ctx: &mut crate::suite::Ctx, stem: &str, caption: &str, plot: &impl Plot) {
    if !ctx.keeps_attachments() {
        return;
    }
    match (plot.svg(), plot.png()) {
        (Ok(svg), Ok(png)) => {
            ctx.attach(&format!("{stem}.svg"), caption, svg.into_bytes());
            ctx.attach(&format!("{stem}.png"), caption, png);
        }
        (Err(e), _) | (_, Err(e)) => eprintln!("note: the plot `{stem}` was left out: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_goes_where_the_curves_are_not() {
        let rising = (0..20).map(|e| (e as f64, 1.0 - (-0.3 * e as f64).exp()));
        assert!(matches!(emptiest_corner(rising, (0.0, 19.0), (0.0, 1.0)), SeriesLabelPosition::LowerRight));
        let falling = (0..20).map(|e| (e as f64, (-0.3 * e as f64).exp()));
        assert!(matches!(emptiest_corner(falling, (0.0, 19.0), (0.0, 1.0)), SeriesLabelPosition::UpperRight));
    }

    #[test]
    fn a_reference_line_takes_the_colour_of_the_line_before_it() {
        let plot = LinePlot {
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![Series::from_values("yours", &[1.0, 0.5]), Series::reference("reference", &[1.0, 0.4])],
        };
        let svg = plot.svg().unwrap();
        let blue = "#1F77B4";
        assert!(svg.to_uppercase().matches(blue).count() >= 2, "both lines are drawn in the student's blue:\n{svg}");
        assert!(svg.contains("opacity=\"0.3") || svg.contains("stroke-opacity=\"0.3"), "the reference is a faded band");
    }
}
