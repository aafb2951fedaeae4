//! Where a panel's legend goes: inside the plot where it hides no data, else in a strip
//! above the plot.
//!
//! Takes a panel, its displayed ranges and the plotting area's size in pixels; gives a
//! [`Placement`]. Corners are tried first (the panel's preferred one before the others), then
//! edge middles, then inner positions. A legend that would cover any data point, or that has
//! more than [`MAX_INSIDE`] entries, goes above the plot instead, laid out in columns
//! ([`strip_columns`]). The legend's size is estimated the way plotters lays it out (the SVG
//! backend has no font metrics).

use super::{LegendPosition, Panel, Scale};

/// plotters' legend geometry at 12 px labels: ~6.8 px per byte of text, the glyph area,
/// margins, and a row per entry.
const BYTE_W: f64 = 6.8;
const GLYPH_W: f64 = 26.0;
const MARGIN: f64 = 8.0;
const ROW_H: f64 = 19.0;
/// Distance kept from the plot's edges.
const INSET: f64 = 5.0;
/// More entries than this never go inside the plot: they would hide too much of it.
pub const MAX_INSIDE: usize = 4;
/// Height of one row of the legend strip above a plot, px.
pub const STRIP_ROW_H: u32 = 18;
/// Padding above and below the strip's rows, px.
pub const STRIP_PAD: u32 = 4;

/// Where a panel's legend is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Top-left corner in plotting-area pixels.
    Inside(i32, i32),
    /// In a strip of its own above the plotting area.
    Above,
}

/// Width of one legend entry in the strip (glyph, gap and label), px.
pub fn strip_entry_w(label: &str) -> f64 {
    GLYPH_W + 6.0 + BYTE_W * label.chars().count() as f64 + 14.0
}

/// Columns and rows of a legend strip `width` pixels wide holding `labels`.
pub fn strip_columns(labels: &[&str], width: u32) -> (usize, usize) {
    if labels.is_empty() {
        return (0, 0);
    }
    let entry = labels.iter().map(|l| strip_entry_w(l)).fold(0.0, f64::max);
    let cols = ((f64::from(width) / entry).floor() as usize).clamp(1, labels.len());
    (cols, labels.len().div_ceil(cols))
}

/// Height of the strip for `labels` at `width` (0 without labels).
pub fn strip_height(labels: &[&str], width: u32) -> u32 {
    let (_, rows) = strip_columns(labels, width);
    if rows == 0 {
        0
    } else {
        rows as u32 * STRIP_ROW_H + 2 * STRIP_PAD
    }
}

/// Where the legend goes; `None` without a legend or labelled series.
pub fn place(
    panel: &Panel,
    x: (f64, f64),
    y: (f64, f64),
    plot_w: u32,
    plot_h: u32,
) -> Option<Placement> {
    let preferred = panel.legend?;
    let labels: Vec<&str> = panel
        .series
        .iter()
        .filter_map(|s| s.label.as_deref())
        .collect();
    if labels.is_empty() {
        return None;
    }
    if labels.len() > MAX_INSIDE {
        return Some(Placement::Above);
    }
    let (pw, ph) = (f64::from(plot_w.max(1)), f64::from(plot_h.max(1)));
    let longest = labels.iter().map(|l| l.len()).max().unwrap_or(0) as f64;
    let w = BYTE_W * longest + GLYPH_W + 2.0 * MARGIN;
    let h = ROW_H * labels.len() as f64 + 2.0 * MARGIN;
    let fx = fraction(x, panel.x.scale);
    let fy = fraction(y, panel.y.scale);
    let points: Vec<(f64, f64)> = panel
        .series
        .iter()
        .flat_map(sample)
        .filter_map(|(a, b)| Some((fx(a)? * pw, (1.0 - fy(b)?) * ph)))
        .collect();
    let covered = |(left, top): (f64, f64)| {
        points
            .iter()
            .filter(|(px, py)| {
                *px >= left - INSET
                    && *px <= left + w + INSET
                    && *py >= top - INSET
                    && *py <= top + h + INSET
            })
            .count()
    };
    let xs = [
        INSET,
        (pw - w) / 2.0,
        pw - w - INSET,
        (pw - w) / 4.0,
        3.0 * (pw - w) / 4.0,
    ];
    let ys = [
        INSET,
        (ph - h) / 2.0,
        ph - h - INSET,
        (ph - h) / 4.0,
        3.0 * (ph - h) / 4.0,
    ];
    let corner = |p: LegendPosition| match p {
        LegendPosition::UpperLeft => (xs[0], ys[0]),
        LegendPosition::UpperRight => (xs[2], ys[0]),
        LegendPosition::LowerLeft => (xs[0], ys[2]),
        LegendPosition::LowerRight => (xs[2], ys[2]),
    };
    let mut candidates = vec![corner(preferred)];
    for p in [
        LegendPosition::UpperRight,
        LegendPosition::UpperLeft,
        LegendPosition::LowerRight,
        LegendPosition::LowerLeft,
    ] {
        candidates.push(corner(p));
    }
    // Edge middles, then everything else on the grid.
    candidates.extend([
        (xs[1], ys[0]),
        (xs[2], ys[1]),
        (xs[0], ys[1]),
        (xs[1], ys[2]),
    ]);
    for &cx in &xs {
        for &cy in &ys {
            candidates.push((cx, cy));
        }
    }
    let best = candidates
        .into_iter()
        .filter(|(cx, cy)| *cx >= 0.0 && *cy >= 0.0)
        .min_by_key(|c| covered(*c));
    Some(match best {
        Some(best) if covered(best) == 0 => {
            Placement::Inside(best.0.round() as i32, best.1.round() as i32)
        }
        _ => Placement::Above,
    })
}

/// Maps a data value to its fraction along a displayed range (log for log axes).
fn fraction(range: (f64, f64), scale: Scale) -> impl Fn(f64) -> Option<f64> {
    move |v: f64| {
        let (lo, hi, v) = match scale {
            Scale::Linear => (range.0, range.1, v),
            Scale::Log if v > 0.0 && range.0 > 0.0 => (range.0.ln(), range.1.ln(), v.ln()),
            Scale::Log => return None,
        };
        (v.is_finite() && hi > lo).then(|| (v - lo) / (hi - lo))
    }
}

/// The points of a series, with lines sampled between vertices so that a straight line
/// through a corner counts as covering it.
fn sample(series: &super::Series) -> Vec<(f64, f64)> {
    use super::SeriesStyle;
    let points = &series.points;
    if matches!(series.style, SeriesStyle::Markers) || points.len() < 2 {
        return points.clone();
    }
    let mut out = Vec::with_capacity(points.len() * 8);
    for pair in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        for k in 0..8 {
            let t = f64::from(k) / 8.0;
            out.push((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t));
        }
    }
    out.extend(points.last().copied());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plots::{Axis, Series, SeriesStyle, style};

    #[test]
    fn the_legend_avoids_the_data() {
        // A line along the top and one along the bottom left: lower right is free.
        let panel = Panel {
            x: Axis::linear("x"),
            y: Axis::linear("y"),
            series: vec![
                Series::new(
                    SeriesStyle::Line,
                    style::NEUTRAL,
                    vec![(0.0, 10.0), (10.0, 10.0)],
                )
                .labelled("a"),
                Series::new(
                    SeriesStyle::Line,
                    style::NEUTRAL,
                    vec![(0.0, 0.0), (3.0, 0.0)],
                )
                .labelled("b"),
            ],
            equal_scale: false,
            legend: Some(LegendPosition::UpperRight),
            height_px: 200,
        };
        let place = |p: &Panel| place(p, (0.0, 10.0), (0.0, 10.0), 500, 200);
        let Some(Placement::Inside(x, y)) = place(&panel) else {
            panic!("inside expected")
        };
        assert!(x > 250 && y > 100, "lower right, got {x},{y}");
        // Lines along the top and the bottom, full width: the legend moves to the middle.
        let mut both = panel.clone();
        both.series[1].points = vec![(0.0, 0.0), (10.0, 0.0)];
        let Some(Placement::Inside(_, y)) = place(&both) else {
            panic!("inside expected")
        };
        assert!(y > 30 && y < 130, "middle, got {y}");
        // Noise filling the whole plot: nowhere inside is free.
        let mut full = panel.clone();
        full.series[0].points = (0..400)
            .map(|i| (f64::from(i) / 40.0, f64::from(i % 11)))
            .collect();
        assert_eq!(place(&full), Some(Placement::Above));
        // Many entries go above whatever the data.
        let mut many = panel.clone();
        many.series = (0..8)
            .map(|i| {
                Series::new(SeriesStyle::Line, style::category(i), vec![(0.0, 10.0)])
                    .labelled(format!("cell {i}"))
            })
            .collect();
        assert_eq!(place(&many), Some(Placement::Above));
        let mut no_legend = panel.clone();
        no_legend.legend = None;
        assert_eq!(place(&no_legend), None);
    }

    #[test]
    fn the_strip_wraps_into_columns() {
        let labels = ["cell strip_10, step 0"; 8];
        let (cols, rows) = strip_columns(&labels, 560);
        assert!(cols >= 2 && cols * rows >= 8 && rows < 8);
        assert_eq!(strip_columns(&labels, 10), (1, 8));
        assert_eq!(strip_height(&[], 560), 0);
    }
}
