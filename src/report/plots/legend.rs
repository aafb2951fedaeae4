//! Where a panel's legend goes: the corner that hides the fewest data points.
//!
//! Takes a panel, its displayed ranges and the plotting area's size in pixels; gives a corner.
//! The legend's size is estimated from its entries (the SVG backend has no font metrics, so
//! this is the same kind of estimate plotters itself makes).

use super::{LegendPosition, Panel, Scale};

/// Approximate legend geometry in pixels (12 px labels, glyph, padding, margin to the axes).
const CHAR_W: f64 = 7.0;
const GLYPH_W: f64 = 40.0;
const ROW_H: f64 = 19.0;
const PAD: f64 = 20.0;

/// The corner for the legend; `None` when the panel has no labelled series or no legend.
pub fn place(
    panel: &Panel,
    x: (f64, f64),
    y: (f64, f64),
    plot_w: u32,
    plot_h: u32,
) -> Option<LegendPosition> {
    let preferred = panel.legend?;
    let labels: Vec<&str> = panel
        .series
        .iter()
        .filter_map(|s| s.label.as_deref())
        .collect();
    if labels.is_empty() {
        return None;
    }
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) as f64;
    let fw = (GLYPH_W + CHAR_W * longest + PAD) / f64::from(plot_w.max(1));
    let fh = (ROW_H * labels.len() as f64 + PAD) / f64::from(plot_h.max(1));
    let fx = fraction(x, panel.x.scale);
    let fy = fraction(y, panel.y.scale);
    let mut counts = [0usize; 4];
    for series in &panel.series {
        for (px, py) in sample(series) {
            let (Some(u), Some(v)) = (fx(px), fy(py)) else {
                continue;
            };
            let left = u < fw;
            let right = u > 1.0 - fw;
            let top = v > 1.0 - fh;
            let bottom = v < fh;
            for (i, hit) in [top && left, top && right, bottom && left, bottom && right]
                .into_iter()
                .enumerate()
            {
                counts[i] += usize::from(hit);
            }
        }
    }
    let corners = [
        LegendPosition::UpperLeft,
        LegendPosition::UpperRight,
        LegendPosition::LowerLeft,
        LegendPosition::LowerRight,
    ];
    let index = |p: LegendPosition| corners.iter().position(|c| *c == p).unwrap_or(0);
    // The preferred corner wins ties, then the upper ones.
    let order = std::iter::once(preferred).chain([
        LegendPosition::UpperRight,
        LegendPosition::UpperLeft,
        LegendPosition::LowerRight,
        LegendPosition::LowerLeft,
    ]);
    order.min_by_key(|p| counts[index(*p)])
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
        // A line along the top: the legend goes to a lower corner.
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
        assert_eq!(place(&panel), Some(LegendPosition::LowerRight));
        let mut no_legend = panel.clone();
        no_legend.legend = None;
        assert_eq!(place(&no_legend), None);
    }
}
