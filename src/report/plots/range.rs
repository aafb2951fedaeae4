//! Axis ranges from data: padded linear ranges, log ranges snapped to whole decades, equal
//! scales for Nyquist panels, and what counts as drawable at all.

use super::{Axis, Scale};

/// Same data units per pixel on both axes, growing the upper ends (origins stay put).
pub(super) fn equalise(x: (f64, f64), y: (f64, f64), w: u32, h: u32) -> ((f64, f64), (f64, f64)) {
    let (w, h) = (f64::from(w.max(1)), f64::from(h.max(1)));
    let ux = (x.1 - x.0) / w;
    let uy = (y.1 - y.0) / h;
    let u = ux.max(uy);
    ((x.0, x.0 + u * w), (y.0, y.0 + u * h))
}

/// Decades shown on a log axis at most.
const MAX_DECADES: i32 = 30;
/// Magnitudes beyond this are not drawn: no instrument reports them, and plotters' tick
/// arithmetic breaks down near the ends of f64 (its log ticks loop forever on subnormals).
const MAX_MAGNITUDE: f64 = 1e150;

/// Whether a value can be placed on an axis of this scale.
pub(super) fn drawable(v: f64, scale: Scale) -> bool {
    match scale {
        Scale::Linear => v.is_finite() && v.abs() <= MAX_MAGNITUDE,
        Scale::Log => v.is_finite() && (1.0 / MAX_MAGNITUDE..=MAX_MAGNITUDE).contains(&v),
    }
}

/// The displayed range of an axis from its data (finite values only; positive for log).
pub(super) fn data_range(values: impl Iterator<Item = f64>, axis: &Axis) -> (f64, f64) {
    if let Some(range) = axis.range {
        return range;
    }
    let log = axis.scale == Scale::Log;
    let (min, max) = values
        .filter(|v| drawable(*v, axis.scale))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if log {
        if min > max {
            return (1.0, 10.0);
        }
        let mut hi = 10f64.powf(max.log10().ceil());
        // More decades than any measurement spans would only hide the data; the lowest
        // points fall off the bottom instead.
        let lo = 10f64
            .powf(min.log10().floor())
            .max(hi / 10f64.powi(MAX_DECADES));
        if hi <= lo {
            hi = lo * 10.0;
        }
        // A hair wider, so plotters' decade ticks (ceil of a rounded logarithm) include
        // both ends.
        return (lo * (1.0 - 1e-9), hi * (1.0 + 1e-9));
    }
    let (mut min, mut max) = if min > max { (0.0, 1.0) } else { (min, max) };
    if axis.include_zero {
        min = min.min(0.0);
        max = max.max(0.0);
    }
    let mut span = max - min;
    if span <= 0.0 {
        span = if max.abs() > 0.0 {
            max.abs() * 0.2
        } else {
            1.0
        };
        if axis.include_zero && min == 0.0 {
            // A single reading at the origin (a step that stopped on its first sample): the
            // axis still starts at zero rather than running into negative time.
            max = span;
        } else {
            min -= span / 2.0;
            max += span / 2.0;
        }
    }
    // Pad so markers at the extremes are not cut, but keep an origin at zero exactly.
    let lo = if axis.include_zero && min == 0.0 {
        0.0
    } else {
        min - 0.04 * span
    };
    (lo, max + 0.04 * span)
}

/// Gives panel k of every figure the same x and y ranges (the union of their data), so
/// figures meant to be compared side by side read on one scale. Figures with a different
/// panel layout are left as they are.
pub fn share_ranges(figures: &mut [super::Figure]) {
    let Some(first) = figures.first() else { return };
    let n = first.panels.len();
    if figures.iter().any(|f| f.panels.len() != n) {
        return;
    }
    for k in 0..n {
        let values = |figures: &[super::Figure], pick: fn(&(f64, f64)) -> f64| {
            figures
                .iter()
                .flat_map(|f| f.panels[k].series.iter())
                .flat_map(|s| s.points.iter().map(pick))
                .collect::<Vec<f64>>()
        };
        let xs = values(figures, |p| p.0);
        let ys = values(figures, |p| p.1);
        let x = data_range(xs.into_iter(), &figures[0].panels[k].x);
        let y = data_range(ys.into_iter(), &figures[0].panels[k].y);
        for figure in figures.iter_mut() {
            figure.panels[k].x.range = Some(x);
            figure.panels[k].y.range = Some(y);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_ranges_cover_every_figure() {
        use crate::report::plots::{Figure, Panel, Series, SeriesStyle, style};
        let fig = |points: Vec<(f64, f64)>| Figure {
            name: "f".into(),
            title: String::new(),
            caption: String::new(),
            panels: vec![Panel {
                x: Axis::log("f / Hz"),
                y: Axis::log("|Z| / Ω"),
                series: vec![Series::new(SeriesStyle::Markers, style::FIT, points)],
                equal_scale: false,
                legend: None,
                height_px: 100,
            }],
            share_x: true,
            colour_bar: None,
            width_px: 400,
        };
        let mut figures = vec![fig(vec![(1.0, 20.0)]), fig(vec![(1e5, 3e4)])];
        share_ranges(&mut figures);
        let (x, y) = (figures[0].panels[0].x.range, figures[0].panels[0].y.range);
        assert_eq!(
            (x, y),
            (figures[1].panels[0].x.range, figures[1].panels[0].y.range)
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        assert!(x.0 <= 1.0 && x.1 >= 1e5 && y.0 <= 20.0 && y.1 >= 3e4);
    }

    #[test]
    fn equal_scale_gives_the_same_units_per_pixel() {
        let (x, y) = equalise((0.0, 10.0), (0.0, 2.0), 400, 200);
        assert!(((x.1 - x.0) / 400.0 - (y.1 - y.0) / 200.0).abs() < 1e-12);
        assert_eq!(x, (0.0, 10.0));
    }

    #[test]
    fn ranges_pad_linear_and_snap_log_to_decades() {
        let lin = data_range([1.0, 3.0].into_iter(), &Axis::linear("").from_zero());
        assert_eq!(lin.0, 0.0);
        assert!(lin.1 > 3.0);
        let log = data_range([0.02, 1e6, -1.0].into_iter(), &Axis::log(""));
        assert!((log.0 - 0.01).abs() < 1e-9 && (log.1 - 1e6).abs() < 1e-2);
        let single = data_range([5.0].into_iter(), &Axis::linear(""));
        assert!(single.0 < 5.0 && single.1 > 5.0);
        let origin = data_range([0.0].into_iter(), &Axis::linear("").from_zero());
        assert_eq!(origin.0, 0.0);
        assert!(origin.1 > 0.0);
        let negative = data_range([-0.8].into_iter(), &Axis::linear("").from_zero());
        assert!(negative.0 < -0.8 && negative.1 >= 0.0);
    }
}
