//! The legend strip above a plotting area, for legends that would hide data inside it:
//! entries in columns, each a glyph in the series' colour and style and its label. Drawn from
//! plotters' primitives, like the colour bar.

use super::legend::{STRIP_PAD, STRIP_ROW_H, strip_columns, strip_entry_w};
use super::render::{Area, colour, font};
use super::{Panel, Series, SeriesStyle};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A line with fewer points than this is drawn with markers on its readings too.
pub(super) const FEW_POINTS: usize = 5;
const MARKER_RADIUS: i32 = 3;

/// The style a series is drawn in: a line through one or a few readings is invisible or looks
/// like a fitted curve, so its readings are marked.
pub(super) fn drawn_style(style: SeriesStyle, points: usize) -> SeriesStyle {
    match style {
        SeriesStyle::Line if (1..FEW_POINTS).contains(&points) => SeriesStyle::LineMarkers,
        style => style,
    }
}

/// The labelled series of a panel.
pub(super) fn entries(panel: &Panel) -> Vec<&Series> {
    panel.series.iter().filter(|s| s.label.is_some()).collect()
}

/// Draws the legend of `panel` in `area`, starting `left` pixels in and `width` wide.
pub(super) fn draw(area: &Area, panel: &Panel, left: i32, width: u32) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<std::io::Error>| e.to_string();
    let series = entries(panel);
    let labels: Vec<&str> = series.iter().filter_map(|s| s.label.as_deref()).collect();
    let (cols, rows) = strip_columns(&labels, width);
    if cols == 0 {
        return Ok(());
    }
    let col_w = f64::from(width) / cols as f64;
    let col_w = col_w.min(labels.iter().map(|l| strip_entry_w(l)).fold(0.0, f64::max));
    // Column-major, so entries read top to bottom like a list.
    for (k, s) in series.iter().enumerate() {
        let (col, row) = (k / rows, k % rows);
        let x = left + (col as f64 * col_w).round() as i32;
        let y = (STRIP_PAD + STRIP_ROW_H * row as u32 + STRIP_ROW_H / 2) as i32;
        let c = colour(s.colour);
        let line = c.stroke_width(2);
        match drawn_style(s.style, s.points.len()) {
            SeriesStyle::Line => area.draw(&PathElement::new(vec![(x, y), (x + 22, y)], line)),
            SeriesStyle::Dashed => area
                .draw(&PathElement::new(vec![(x, y), (x + 8, y)], line))
                .and_then(|_| area.draw(&PathElement::new(vec![(x + 13, y), (x + 22, y)], line))),
            SeriesStyle::Markers => area.draw(&Circle::new((x + 11, y), MARKER_RADIUS, c.filled())),
            SeriesStyle::LineMarkers => area
                .draw(&PathElement::new(
                    vec![(x, y), (x + 22, y)],
                    c.stroke_width(1),
                ))
                .and_then(|_| area.draw(&Circle::new((x + 11, y), MARKER_RADIUS, c.filled()))),
        }
        .map_err(err)?;
        area.draw(&Text::new(
            s.label.clone().unwrap_or_default(),
            (x + 28, y),
            font(12.0).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(err)?;
    }
    Ok(())
}
