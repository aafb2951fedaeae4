//! Nyquist plot of repeated sweeps (as Fig. 2a/2c of the source paper): −Z'' against Z' with
//! equal axis scales, each sweep coloured by elapsed time, fitted curves drawn over the data.
//!
//! Takes [`Spectrum`]s in absolute Ω and an optional normalising area: with an area, values
//! are areal (Z × A, "Z' / kΩ cm²").

use super::style::{self, DisplayUnit};
use super::{
    Axis, Figure, LegendPosition, MAX_SPECTRA, Panel, Series, SeriesStyle, SpectraSpec, Spectrum,
    WIDTH_PX, render, spectrum_colours, spectrum_labels, thin_indices,
};

/// The impedance unit for a set of spectra: areal when an area is given.
pub fn impedance_unit(spectra: &[Spectrum], area_cm2: Option<f64>) -> DisplayUnit {
    let a = area_cm2.unwrap_or(1.0);
    let max = style::max_abs(
        spectra
            .iter()
            .flat_map(|s| s.points.iter())
            .flat_map(|p| [p.z_real_ohm * a, p.z_imag_ohm * a]),
    );
    style::ohm_unit(max, area_cm2.is_some())
}

/// Builds the figure.
pub fn figure(spec: SpectraSpec<'_>, spectra: &[Spectrum]) -> Figure {
    let area = spec.area_cm2.unwrap_or(1.0);
    let unit = impedance_unit(spectra, spec.area_cm2);
    let shown = thin_indices(spectra.len(), MAX_SPECTRA);
    let (colours, colour_bar) = spectrum_colours(spec.colour_by, &shown, spectra);
    let labels = spectrum_labels(spec.colour_by, &shown, spectra.len(), colour_bar.as_ref());
    let mut series = Vec::new();
    let mut fitted = 0;
    for ((&i, &colour), label) in shown.iter().zip(&colours).zip(&labels) {
        let s = &spectra[i];
        let xy = |p: &crate::report::analysis::ImpedancePoint| {
            (
                unit.scale(p.z_real_ohm * area),
                unit.scale(-p.z_imag_ohm * area),
            )
        };
        // Unfitted spectra get a thin line through their points, so each arc reads as one.
        let style = if s.fit.is_empty() {
            SeriesStyle::LineMarkers
        } else {
            SeriesStyle::Markers
        };
        let mut measured = Series::new(style, colour, s.points.iter().map(xy).collect());
        measured.label = label.clone();
        series.push(measured);
        if !s.fit.is_empty() {
            fitted += 1;
            series.push(Series::new(
                SeriesStyle::Line,
                colour,
                s.fit.iter().map(xy).collect(),
            ));
        }
    }
    if fitted > 0 {
        series.push(Series::legend_only(SeriesStyle::Markers, "measured"));
        series.push(Series::legend_only(SeriesStyle::Line, "fit"));
    }
    let height = panel_height(&series);
    let caption = spec.caption(
        "Nyquist plot",
        spectra.len(),
        shown.len(),
        colour_bar.is_some(),
        Some("equal axis scales"),
        fitted > 0,
    );
    Figure {
        name: spec.name.into(),
        title: spec.title.into(),
        caption,
        panels: vec![Panel {
            x: Axis::linear(unit.label("Z'")).from_zero(),
            y: Axis::linear(unit.label("−Z''")).from_zero(),
            series,
            equal_scale: true,
            legend: (fitted > 0 || labels.iter().any(Option::is_some))
                .then_some(LegendPosition::UpperLeft),
            height_px: height,
        }],
        share_x: false,
        colour_bar,
        width_px: WIDTH_PX,
    }
}

/// A plot height that fits the arcs' aspect ratio at equal scales (within sensible bounds).
fn panel_height(series: &[Series]) -> u32 {
    let (mut w, mut h) = (0.0f64, 0.0f64);
    for (x, y) in series.iter().flat_map(|s| s.points.iter()) {
        if x.is_finite() && y.is_finite() {
            w = w.max(*x);
            h = h.max(*y);
        }
    }
    let plot_w = f64::from(render::plot_width(WIDTH_PX, true));
    let aspect = if w > 0.0 { h / w } else { 0.5 };
    (plot_w * aspect * 1.15).clamp(200.0, 420.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::analysis::ImpedancePoint;

    fn arc(r: f64, elapsed_s: f64, fit: bool) -> Spectrum {
        let points: Vec<ImpedancePoint> = (0..30)
            .map(|k| {
                let f = 10f64.powf(6.0 - k as f64 * 0.25);
                let w = 2.0 * std::f64::consts::PI * f;
                let z = num_complex::Complex::new(r, 0.0)
                    / (num_complex::Complex::new(1.0, w * r * 1e-5));
                ImpedancePoint {
                    frequency_hz: f,
                    z_real_ohm: 10.0 + z.re,
                    z_imag_ohm: z.im,
                }
            })
            .collect();
        Spectrum {
            elapsed_s,
            fit: if fit { points.clone() } else { Vec::new() },
            points,
        }
    }

    #[test]
    fn areal_axes_and_time_colours() {
        let spectra: Vec<Spectrum> = (0..20)
            .map(|i| arc(3e4 + 1e4 * i as f64, i as f64 * 3600.0, true))
            .collect();
        let spec = SpectraSpec {
            name: "n",
            title: "t",
            area_cm2: Some(1.131),
            circuit: Some("Re-R(CPE)"),
            colour_by: super::super::ColourBy::ElapsedTime,
        };
        let fig = figure(spec, &spectra);
        let panel = &fig.panels[0];
        assert_eq!(panel.x.label, "Z' / kΩ cm²");
        assert_eq!(panel.y.label, "−Z'' / kΩ cm²");
        assert!(panel.equal_scale);
        // 12 of 20 sweeps, each with its fit, plus two legend entries.
        assert_eq!(fig.data_series_counts(), vec![24]);
        assert_eq!(panel.series.len(), 26);
        let bar = fig.colour_bar.as_ref().unwrap();
        assert_eq!(
            (bar.label.as_str(), bar.min, bar.max),
            ("elapsed time / h", 0.0, 19.0)
        );
        assert!(fig.caption.contains("12 evenly spaced"));
        assert_ne!(panel.series[0].colour, panel.series[22].colour);
    }

    #[test]
    fn one_unfitted_sweep_has_no_colour_bar_or_legend() {
        let fig = figure(
            SpectraSpec {
                name: "n",
                title: "t",
                area_cm2: None,
                circuit: None,
                colour_by: super::super::ColourBy::ElapsedTime,
            },
            &[arc(500.0, 0.0, false)],
        );
        assert!(fig.colour_bar.is_none());
        assert_eq!(fig.panels[0].legend, None);
        assert_eq!(fig.panels[0].x.label, "Z' / Ω");
    }
}
