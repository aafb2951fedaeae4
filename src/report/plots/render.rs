//! Draws a [`Figure`] to an SVG string with plotters (SVG backend, no fonts needed: labels
//! are SVG `<text>` elements the browser typesets).
//!
//! This is the one place that sets fonts, margins, axes, tick labels, legends and the colour
//! bar, so every figure of a report looks the same. Ranges come from the data unless an axis
//! forces them; log axes snap to whole decades; equal-scale panels get the same data units
//! per pixel on both axes.

use super::colour_bar::draw_colour_bar;
use super::decimate::decimate;
use super::legend::{self, Placement};
use super::range::{data_range, drawable, equalise};
use super::strip::{self, drawn_style};
use super::style::{Rgb, linear_tick, log_tick};
use super::{Axis, Figure, Panel, Scale, SeriesStyle};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Drawing failed inside plotters (the SVG backend writes to memory, so this is a bug).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot draw plot `{figure}`: {message}")]
#[diagnostic(code(mgp::report::plot))]
pub struct PlotError {
    pub figure: String,
    pub message: String,
}

pub(super) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

const FONT: &str = "sans-serif";
const TITLE_PX: f64 = 15.0;
pub(super) const AXIS_LABEL_PX: f64 = 14.0;
pub(super) const TICK_PX: f64 = 12.0;
const LEGEND_PX: f64 = 12.0;
const TITLE_H: u32 = 30;
const MARGIN_TOP: u32 = 8;
const MARGIN_BOTTOM: u32 = 4;
const MARGIN_LEFT: u32 = 8;
const MARGIN_RIGHT: u32 = 20;
const Y_LABEL_AREA: u32 = 80;
/// Tick labels and the axis label under the bottom panel.
const X_LABEL_AREA: u32 = 50;
/// Between stacked panels that share x: tick marks only.
const X_LABEL_AREA_SHARED: u32 = 8;
const COLOUR_BAR_W: u32 = 110;
const MARKER_RADIUS: i32 = 3;
const LINE_WIDTH: u32 = 2;

/// A text style at `px` CSS pixels (plotters' SVG backend divides sizes by 1.24).
pub(super) fn font(px: f64) -> TextStyle<'static> {
    (FONT, px * 1.24).into_font().color(&BLACK)
}

pub(super) fn colour(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// Total SVG height of a figure.
pub fn figure_height(figure: &Figure) -> u32 {
    let plans = plan_panels(figure);
    TITLE_H + plans.iter().map(|p| p.height).sum::<u32>()
}

/// A panel's displayed ranges, legend placement and the heights of its parts.
struct PanelPlan {
    x: (f64, f64),
    y: (f64, f64),
    legend: Option<Placement>,
    /// The legend strip above the panel (0 when the legend is inside or absent).
    strip_h: u32,
    x_label_area: u32,
    /// Strip, margins, plotting area and x labels.
    height: u32,
}

fn plan_panels(figure: &Figure) -> Vec<PanelPlan> {
    let plot_w = plot_width(figure.width_px, figure.colour_bar.is_some());
    let n = figure.panels.len();
    let shared_x = figure.share_x.then(|| {
        let xs = figure
            .panels
            .iter()
            .flat_map(|p| p.series.iter())
            .flat_map(|s| s.points.iter().map(|p| p.0));
        let first = figure.panels.first();
        first.map(|p| data_range(xs, &p.x))
    });
    let values = |panel: &Panel, pick: fn(&(f64, f64)) -> f64| {
        panel
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(pick))
            .collect::<Vec<f64>>()
    };
    figure
        .panels
        .iter()
        .enumerate()
        .map(|(i, panel)| {
            let mut x = shared_x
                .flatten()
                .unwrap_or_else(|| data_range(values(panel, |p| p.0).into_iter(), &panel.x));
            let mut y = data_range(values(panel, |p| p.1).into_iter(), &panel.y);
            if panel.equal_scale {
                (x, y) = equalise(x, y, plot_w, panel.height_px);
            }
            let legend = legend::place(panel, x, y, plot_w, panel.height_px);
            let strip_h = if legend == Some(Placement::Above) {
                let labels: Vec<&str> = strip::entries(panel)
                    .iter()
                    .filter_map(|s| s.label.as_deref())
                    .collect();
                legend::strip_height(&labels, plot_w)
            } else {
                0
            };
            let xl = x_label_area(figure, i, n);
            PanelPlan {
                x,
                y,
                legend,
                strip_h,
                x_label_area: xl,
                height: strip_h + panel.height_px + MARGIN_TOP + MARGIN_BOTTOM + xl,
            }
        })
        .collect()
}

/// Width of the plotting area of a figure `width_px` wide, with or without a colour bar.
pub fn plot_width(width_px: u32, colour_bar: bool) -> u32 {
    let bar = if colour_bar { COLOUR_BAR_W } else { 0 };
    width_px
        .saturating_sub(bar + MARGIN_LEFT + MARGIN_RIGHT + Y_LABEL_AREA)
        .max(1)
}

fn x_label_area(figure: &Figure, index: usize, count: usize) -> u32 {
    if figure.share_x && index + 1 < count {
        X_LABEL_AREA_SHARED
    } else {
        X_LABEL_AREA
    }
}

/// Renders the figure as a standalone SVG document.
pub fn render_svg(figure: &Figure) -> Result<String, PlotError> {
    let fail = |e: String| PlotError {
        figure: figure.name.clone(),
        message: e,
    };
    let height = figure_height(figure);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (figure.width_px, height)).into_drawing_area();
        draw_figure(&root, figure).map_err(fail)?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    Ok(svg)
}

fn draw_figure(root: &Area, figure: &Figure) -> Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let (top, body) = root.split_vertically(TITLE_H);
    let (w, _) = top.dim_in_pixel();
    top.draw(&Text::new(
        figure.title.clone(),
        (w as i32 / 2, TITLE_H as i32 / 2 + 2),
        (FONT, TITLE_PX * 1.24)
            .into_font()
            .style(FontStyle::Bold)
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))
    .map_err(|e| e.to_string())?;

    let bar = figure.colour_bar.as_ref();
    let (plots, bar_area) = match bar {
        Some(_) => {
            let (a, b) = body.split_horizontally(figure.width_px.saturating_sub(COLOUR_BAR_W));
            (a, Some(b))
        }
        None => (body, None),
    };
    let plot_w = plot_width(figure.width_px, bar.is_some());
    let plans = plan_panels(figure);
    let mut rest = plots;
    for (panel, plan) in figure.panels.iter().zip(&plans) {
        let (area, below) = rest.split_vertically(plan.height);
        rest = below;
        let area = if plan.strip_h > 0 {
            let (strip_area, area) = area.split_vertically(plan.strip_h);
            let left = (MARGIN_LEFT + Y_LABEL_AREA) as i32;
            strip::draw(&strip_area, panel, left, plot_w)?;
            area
        } else {
            area
        };
        let layout = PanelLayout {
            x_label_area: plan.x_label_area,
            show_x_labels: plan.x_label_area == X_LABEL_AREA,
            legend: match plan.legend {
                Some(Placement::Inside(x, y)) => Some((x, y)),
                _ => None,
            },
            plot_w,
        };
        draw_panel_scaled(&area, panel, plan.x, plan.y, layout)?;
    }
    if let (Some(bar), Some(area)) = (bar, bar_area) {
        let stack: u32 = plans.iter().map(|p| p.height).sum();
        let top = plans.first().map_or(0, |p| p.strip_h) + MARGIN_TOP;
        let last_xl = plans.last().map_or(0, |p| p.x_label_area);
        let bottom = stack.saturating_sub(last_xl + MARGIN_BOTTOM);
        draw_colour_bar(&area, bar, top as i32, bottom as i32)?;
    }
    Ok(())
}

#[derive(Clone, Copy)]
struct PanelLayout {
    x_label_area: u32,
    show_x_labels: bool,
    /// Top-left of the legend in plotting-area pixels.
    legend: Option<(i32, i32)>,
    plot_w: u32,
}

fn draw_panel_scaled(
    area: &Area,
    panel: &Panel,
    x: (f64, f64),
    y: (f64, f64),
    layout: PanelLayout,
) -> Result<(), String> {
    match (panel.x.scale, panel.y.scale) {
        (Scale::Linear, Scale::Linear) => draw_panel(area, panel, x.0..x.1, y.0..y.1, layout),
        (Scale::Log, Scale::Linear) => {
            draw_panel(area, panel, (x.0..x.1).log_scale(), y.0..y.1, layout)
        }
        (Scale::Linear, Scale::Log) => {
            draw_panel(area, panel, x.0..x.1, (y.0..y.1).log_scale(), layout)
        }
        (Scale::Log, Scale::Log) => draw_panel(
            area,
            panel,
            (x.0..x.1).log_scale(),
            (y.0..y.1).log_scale(),
            layout,
        ),
    }
}

fn tick_formatter(axis: &Axis, range: (f64, f64)) -> impl Fn(&f64) -> String {
    let log = axis.scale == Scale::Log;
    let span = range.1 - range.0;
    move |v: &f64| {
        if log {
            log_tick(*v)
        } else {
            linear_tick(*v, span)
        }
    }
}

fn draw_panel<XR, YR>(
    area: &Area,
    panel: &Panel,
    x: XR,
    y: YR,
    layout: PanelLayout,
) -> Result<(), String>
where
    XR: AsRangedCoord<Value = f64>,
    YR: AsRangedCoord<Value = f64>,
    XR::CoordDescType: ValueFormatter<f64>,
    YR::CoordDescType: ValueFormatter<f64>,
{
    let err = |e: DrawingAreaErrorKind<std::io::Error>| e.to_string();
    let mut chart = ChartBuilder::on(area)
        .margin_top(MARGIN_TOP)
        .margin_bottom(MARGIN_BOTTOM)
        .margin_left(MARGIN_LEFT)
        .margin_right(MARGIN_RIGHT)
        .x_label_area_size(layout.x_label_area)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(x, y)
        .map_err(err)?;
    let xr = chart.x_range();
    let yr = chart.y_range();
    let x_fmt = tick_formatter(&panel.x, (xr.start, xr.end));
    let y_fmt = tick_formatter(&panel.y, (yr.start, yr.end));
    let hide = |_: &f64| String::new();
    let mut mesh = chart.configure_mesh();
    mesh.x_labels(8)
        .y_labels(6)
        .max_light_lines(4)
        .label_style(font(TICK_PX))
        .axis_desc_style(font(AXIS_LABEL_PX))
        .bold_line_style(RGBColor(200, 200, 200).stroke_width(1))
        .light_line_style(RGBColor(238, 238, 238).stroke_width(1))
        .axis_style(BLACK.stroke_width(1))
        .y_desc(panel.y.label.clone())
        .y_label_formatter(&y_fmt);
    if layout.show_x_labels {
        mesh.x_desc(panel.x.label.clone()).x_label_formatter(&x_fmt);
    } else {
        mesh.x_label_formatter(&hide);
    }
    mesh.draw().map_err(err)?;

    let log_x = panel.x.scale == Scale::Log;
    let log_y = panel.y.scale == Scale::Log;
    let mut any_label = false;
    for series in &panel.series {
        let c = colour(series.colour);
        // Points below a log axis' lowest decade are left out, not drawn outside the plot.
        let inside =
            |v: f64, log: bool, r: &std::ops::Range<f64>| !log || r.contains(&v) || v == r.end;
        let points: Vec<(f64, f64)> = series
            .points
            .iter()
            .copied()
            .filter(|&(a, b)| {
                drawable(a, panel.x.scale)
                    && drawable(b, panel.y.scale)
                    && inside(a, log_x, &xr)
                    && inside(b, log_y, &yr)
            })
            .collect();
        let points = match series.style {
            SeriesStyle::Line | SeriesStyle::Dashed => {
                decimate(&points, layout.plot_w, |p| chart.backend_coord(p).0)
            }
            SeriesStyle::Markers | SeriesStyle::LineMarkers => points,
        };
        let line = c.stroke_width(LINE_WIDTH);
        let style = drawn_style(series.style, points.len());
        let anno = match style {
            SeriesStyle::Line => chart.draw_series(LineSeries::new(points, line)),
            SeriesStyle::Dashed => chart.draw_series(DashedLineSeries::new(points, 7, 5, line)),
            SeriesStyle::Markers => chart.draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, MARKER_RADIUS, c.filled())),
            ),
            SeriesStyle::LineMarkers => {
                chart
                    .draw_series(LineSeries::new(points.clone(), c.stroke_width(1)))
                    .map_err(err)?;
                chart.draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, MARKER_RADIUS, c.filled())),
                )
            }
        }
        .map_err(err)?;
        if let Some(label) = &series.label {
            any_label = true;
            anno.label(label.clone());
            match style {
                SeriesStyle::Line => {
                    anno.legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], line))
                }
                SeriesStyle::Dashed => anno.legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (7, 0)], line)
                        + PathElement::new(vec![(11, 0), (18, 0)], line)
                }),
                SeriesStyle::Markers => {
                    anno.legend(move |(x, y)| Circle::new((x + 9, y), MARKER_RADIUS, c.filled()))
                }
                SeriesStyle::LineMarkers => anno.legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (18, 0)], c.stroke_width(1))
                        + Circle::new((9, 0), MARKER_RADIUS, c.filled())
                }),
            };
        }
    }
    if let (true, Some((lx, ly))) = (any_label, layout.legend) {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::Coordinate(lx, ly))
            .margin(8)
            .legend_area_size(26)
            .label_font(font(LEGEND_PX))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160))
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plots::style::{self, time_colour};
    use crate::report::plots::{ColourBar, LegendPosition, Series, svg_texts};

    fn figure(panels: Vec<Panel>, bar: bool) -> Figure {
        Figure {
            name: "t".into(),
            title: "A test & <figure>".into(),
            caption: String::new(),
            panels,
            share_x: true,
            colour_bar: bar.then(|| ColourBar {
                label: "elapsed time / h".into(),
                min: 0.0,
                max: 20.0,
            }),
            width_px: 640,
        }
    }

    fn panel(x: Axis, y: Axis, points: Vec<(f64, f64)>) -> Panel {
        Panel {
            x,
            y,
            series: vec![
                Series::new(SeriesStyle::Markers, time_colour(0.2), points.clone())
                    .labelled("measured"),
                Series::new(SeriesStyle::Dashed, style::FIT, points).labelled("fit"),
            ],
            equal_scale: false,
            legend: Some(LegendPosition::UpperRight),
            height_px: 200,
        }
    }

    #[test]
    fn labels_are_svg_text_and_text_is_escaped() {
        let points = vec![(1e-2, 1.0), (1.0, 3.0), (1e6, 2.0)];
        let fig = figure(
            vec![
                panel(
                    Axis::log("frequency / Hz"),
                    Axis::linear("|Z| / kΩ cm²"),
                    points.clone(),
                ),
                panel(
                    Axis::log("frequency / Hz"),
                    Axis::linear("−phase / °"),
                    points,
                ),
            ],
            true,
        );
        let svg = render_svg(&fig).unwrap();
        let texts = svg_texts(&svg);
        let has = |t: &str| texts.iter().filter(|s| *s == t).count();
        assert_eq!(has("A test & <figure>"), 1);
        assert!(svg.contains("A test &amp; &lt;figure&gt;"));
        assert_eq!(has("|Z| / kΩ cm²"), 1);
        assert_eq!(has("elapsed time / h"), 1);
        assert_eq!(
            has("10⁻²"),
            1,
            "both ends of a log axis are ticked: {texts:?}"
        );
        assert_eq!(has("10⁶"), 1);
        // The shared x label appears once, under the bottom panel.
        assert_eq!(has("frequency / Hz"), 1);
        assert_eq!((has("measured"), has("fit")), (2, 2));
        assert_eq!(
            svg.matches("<circle").count(),
            6 + 2,
            "markers and legend glyphs"
        );
    }

    #[test]
    fn empty_and_degenerate_data_still_render() {
        let fig = figure(
            vec![
                panel(Axis::linear("x"), Axis::log("y"), vec![]),
                panel(
                    Axis::linear("x"),
                    Axis::linear("y"),
                    vec![(1.0, f64::NAN), (2.0, 5.0)],
                ),
            ],
            false,
        );
        let svg = render_svg(&fig).unwrap();
        assert!(svg.starts_with("<svg"));
    }

    #[test]
    fn a_line_through_a_single_reading_is_drawn_as_a_marker() {
        let line = |points: Vec<(f64, f64)>| Panel {
            x: Axis::linear("time / s").from_zero(),
            y: Axis::linear("overpotential / mV").from_zero(),
            series: vec![Series::new(SeriesStyle::Line, style::FIT, points)],
            equal_scale: false,
            legend: None,
            height_px: 200,
        };
        let svg = render_svg(&figure(vec![line(vec![(0.0, 882.0)])], false)).unwrap();
        assert_eq!(svg.matches("<circle").count(), 1);
        let texts = svg_texts(&svg);
        assert!(
            !texts
                .iter()
                .any(|t| t.starts_with('−') || t.starts_with('-')),
            "a reading at t = 0 gives no negative time: {texts:?}"
        );
        let many: Vec<(f64, f64)> = (0..50).map(|i| (f64::from(i), 1.0)).collect();
        let svg = render_svg(&figure(vec![line(many)], false)).unwrap();
        assert_eq!(svg.matches("<circle").count(), 0, "dense lines stay lines");
    }

    #[test]
    fn extreme_values_are_left_out_not_drawn() {
        // Subnormal and huge values once sent plotters' log ticks into an endless loop.
        let points = vec![
            (1e-310, 1e-310),
            (1.0, 1.0),
            (1e300, 1e300),
            (f64::MAX, 5.0),
        ];
        let fig = figure(
            vec![
                panel(Axis::log("x"), Axis::log("y"), points.clone()),
                panel(Axis::linear("x"), Axis::linear("y"), points),
            ],
            false,
        );
        let svg = render_svg(&fig).unwrap();
        // Log panel: only (1, 1); linear panel: (1e-310, 1e-310) and (1, 1); one legend
        // marker per panel.
        assert_eq!(svg.matches("<circle").count(), 1 + 2 + 2);
    }
}
