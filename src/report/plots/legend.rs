//! Where a panel's legend goes: the place that hides the fewest data points.
//!
//! Takes a panel, its displayed ranges and the plotting area's size in pixels; gives the
//! legend's top-left corner in the plotting area. Corners are tried first (the panel's
//! preferred one before the others), then edge middles, then inner positions, so a legend
//! only moves inside when every corner covers data. The legend's size is estimated the way
//! plotters lays it out (the SVG backend has no font metrics).

use super::{LegendPosition, Panel, Scale};

/// plotters' legend geometry at 12 px labels: ~6.8 px per byte of text, the glyph area,
/// margins, and a row per entry.
const BYTE_W: f64 = 6.8;
const GLYPH_W: f64 = 26.0;
const MARGIN: f64 = 8.0;
const ROW_H: f64 = 19.0;
/// Distance kept from the plot's edges.
const INSET: f64 = 5.0;

/// The legend's top-left corner in plotting-area pixels; `None` without labelled series.
pub fn place(
    panel: &Panel,
    x: (f64, f64),
    y: (f64, f64),
    plot_w: u32,
    plot_h: u32,
) -> Option<(i32, i32)> {
    let preferred = panel.legend?;
    let labels: Vec<&str> = panel
        .series
        .iter()
        .filter_map(|s| s.label.as_deref())
        .collect();
    if labels.is_empty() {
        return None;
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
        .min_by_key(|c| covered(*c))
        .unwrap_or((INSET, INSET));
    Some((best.0.round() as i32, best.1.round() as i32))
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
        let (x, y) = place(&panel).unwrap();
        assert!(x > 250 && y > 100, "lower right, got {x},{y}");
        // Lines along the top and the bottom, full width: the legend moves to the middle.
        let mut both = panel.clone();
        both.series[1].points = vec![(0.0, 0.0), (10.0, 0.0)];
        let (_, y) = place(&both).unwrap();
        assert!(y > 30 && y < 130, "middle, got {y}");
        let mut no_legend = panel.clone();
        no_legend.legend = None;
        assert_eq!(place(&no_legend), None);
    }
}
