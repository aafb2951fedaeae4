//! Fitted parameters against time (as Fig. 2b/2d of the source paper): arc resistance R,
//! effective capacitance C and peak frequency stacked on one shared time axis, with the
//! straight-line fit of R(t) drawn over R.
//!
//! Takes a [`FitSeries`] (areal R and C per the cell's normalising area).

use super::style::number;
use super::style::{self, category};
use super::{Axis, Figure, LegendPosition, Panel, Series, SeriesStyle, WIDTH_PX};
use crate::report::analysis::{FitSeries, SweepFit, linear_fit};

/// Builds the figure.
pub fn figure(name: &str, title: &str, fit: &FitSeries) -> Figure {
    // Failed fits have no values: they are left out (and listed in the sweep table).
    let values = |get: fn(&SweepFit) -> Option<f64>| {
        fit.sweeps
            .iter()
            .filter_map(move |s| get(s).map(|v| (s.t_s, v)))
    };
    let t = style::time_unit(style::max_abs(fit.sweeps.iter().map(|s| s.t_s)));
    let r_unit = style::ohm_unit(style::max_abs(values(|s| s.r_ohm_cm2).map(|p| p.1)), true);
    let c_unit = style::farad_unit(style::max_abs(values(|s| s.c_f_per_cm2).map(|p| p.1)), true);
    let r_points: Vec<(f64, f64)> = values(|s| s.r_ohm_cm2)
        .map(|(x, r)| (t.scale(x), r_unit.scale(r)))
        .collect();
    let mut r_series = vec![Series::new(
        SeriesStyle::Markers,
        category(0),
        r_points.clone(),
    )];
    let line = linear_fit(&r_points);
    if let Some(line) = line {
        let (lo, hi) = r_points
            .iter()
            .map(|p| p.0)
            .filter(|x| x.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
                (a.min(x), b.max(x))
            });
        let at = |x: f64| (x, line.intercept + line.slope * x);
        // The slope gets its own prefix (90.22 mΩ cm²/min, not 9.022e-5 kΩ cm²/min).
        let per_time = line.slope * r_unit.factor;
        let slope_unit = style::ohm_unit(per_time.abs(), true);
        r_series.push(
            Series::new(SeriesStyle::Dashed, style::FIT, vec![at(lo), at(hi)]).labelled(format!(
                "linear fit, R² = {:.3}, slope {} {}/{}",
                line.r2,
                number(slope_unit.scale(per_time)),
                slope_unit.symbol,
                t.symbol
            )),
        );
    }
    // Frequencies are read in decades: always a log axis, as in every other figure.
    let f_axis = Axis::log("peak frequency / Hz");
    let panel = |y: Axis, series: Vec<Series>, legend| Panel {
        x: Axis::linear(t.label("elapsed time")).from_zero(),
        y,
        series,
        equal_scale: false,
        legend,
        height_px: 180,
    };
    let caption = format!(
        "Fit “{}” ({}) of {} sweeps: arc resistance, effective capacitance (Eq. 1) and peak \
         frequency against time, per the normalising area of {} cm²{}.",
        fit.name,
        fit.circuit,
        fit.sweeps.len(),
        number(fit.area_cm2),
        if line.is_some() {
            "; dashed: straight-line fit of R"
        } else {
            ""
        }
    );
    Figure {
        name: name.into(),
        title: title.into(),
        caption,
        panels: vec![
            panel(
                Axis::linear(r_unit.label("R")).from_zero(),
                r_series,
                Some(LegendPosition::UpperLeft),
            ),
            panel(
                Axis::linear(c_unit.label("C")).from_zero(),
                vec![Series::new(
                    SeriesStyle::Markers,
                    category(1),
                    values(|s| s.c_f_per_cm2)
                        .map(|(x, c)| (t.scale(x), c_unit.scale(c)))
                        .collect(),
                )],
                None,
            ),
            panel(
                f_axis,
                vec![Series::new(
                    SeriesStyle::Markers,
                    category(2),
                    values(|s| s.f_peak_hz)
                        .map(|(x, f)| (t.scale(x), f))
                        .collect(),
                )],
                None,
            ),
        ],
        share_x: true,
        colour_bar: None,
        width_px: WIDTH_PX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_panels_share_hours_and_r_has_its_line() {
        let sweeps = (0..21)
            .map(|i| SweepFit {
                step: 1,
                sweep: i,
                t_s: i as f64 * 3600.0,
                // One failed fit: left out, not drawn at zero.
                r_ohm_cm2: (i != 7).then_some(4e4 + 1.8e4 * i as f64),
                c_f_per_cm2: (i != 7).then_some(17e-6),
                f_peak_hz: (i != 7).then_some(
                    1.0 / (2.0 * std::f64::consts::PI * (4e4 + 1.8e4 * i as f64) * 17e-6),
                ),
                re_ohm_cm2: None,
                re_undetermined: false,
                p: None,
                curve: vec![],
                residuals: vec![],
                linkk_residuals: vec![],
                note: None,
            })
            .collect();
        let fit = FitSeries {
            name: "mg".into(),
            circuit: "Re-R(CPE)".into(),
            cell: "lean".into(),
            area_cm2: 1.131,
            sweeps,
        };
        let fig = figure("s", "t", &fit);
        let labels: Vec<&str> = fig.panels.iter().map(|p| p.y.label.as_str()).collect();
        assert_eq!(labels, ["R / kΩ cm²", "C / µF cm⁻²", "peak frequency / Hz"]);
        assert_eq!(fig.panels[2].y.scale, super::super::Scale::Log);
        assert_eq!(fig.panels[0].x.label, "elapsed time / h");
        let legend = fig.panels[0].series[1].label.as_deref().unwrap();
        assert!(
            legend.starts_with("linear fit, R² = 1.000, slope 18 kΩ cm²/h"),
            "{legend}"
        );
        // A slow drift on a kΩ scale reads in mΩ or Ω, not as 5.4e-3 kΩ cm²/h.
        let mut slow = fit.clone();
        for (i, s) in slow.sweeps.iter_mut().enumerate() {
            s.r_ohm_cm2 = Some(8e4 + 5.4 * i as f64);
        }
        let fig = figure("s", "t", &slow);
        let legend = fig.panels[0].series[1].label.as_deref().unwrap();
        assert!(legend.ends_with("slope 5.4 Ω cm²/h"), "{legend}");
    }
}
