//! Bode plot (as Fig. 5g/5h of the source paper): |Z| and −phase against frequency on a
//! shared log axis, sweeps coloured by elapsed time, fitted curves drawn over the data.
//!
//! Takes the same [`Spectrum`]s as the Nyquist plot; with an area, |Z| is areal.

use super::style;
use super::{
    Axis, Figure, LegendPosition, MAX_SPECTRA, Panel, Series, SeriesStyle, SpectraSpec, Spectrum,
    WIDTH_PX, spectrum_colours, thin_indices,
};
use crate::report::analysis::ImpedancePoint;

/// Builds the figure.
pub fn figure(spec: SpectraSpec<'_>, spectra: &[Spectrum]) -> Figure {
    let area = spec.area_cm2.unwrap_or(1.0);
    // Decades read best in the plain unit (10³ Ω cm², not 1 kΩ cm²).
    let unit = style::ohm_unit(1.0, spec.area_cm2.is_some());
    let shown = thin_indices(spectra.len(), MAX_SPECTRA);
    let (colours, colour_bar) = spectrum_colours(spec.colour_by, &shown, spectra);
    let modulus = |p: &ImpedancePoint| {
        (
            p.frequency_hz,
            unit.scale(p.z_real_ohm.hypot(p.z_imag_ohm) * area),
        )
    };
    // −phase: positive for the capacitive arcs of a passivated electrode.
    let phase = |p: &ImpedancePoint| {
        (
            p.frequency_hz,
            -p.z_imag_ohm.atan2(p.z_real_ohm).to_degrees(),
        )
    };
    let mut top = Vec::new();
    let mut bottom = Vec::new();
    let mut fitted = false;
    for (&i, &colour) in shown.iter().zip(&colours) {
        let s = &spectra[i];
        // As in the Nyquist plot: a thin line joins the points of an unfitted spectrum.
        let style = if s.fit.is_empty() {
            SeriesStyle::LineMarkers
        } else {
            SeriesStyle::Markers
        };
        top.push(Series::new(
            style,
            colour,
            s.points.iter().map(modulus).collect(),
        ));
        bottom.push(Series::new(
            style,
            colour,
            s.points.iter().map(phase).collect(),
        ));
        if !s.fit.is_empty() {
            fitted = true;
            top.push(Series::new(
                SeriesStyle::Line,
                colour,
                s.fit.iter().map(modulus).collect(),
            ));
            bottom.push(Series::new(
                SeriesStyle::Line,
                colour,
                s.fit.iter().map(phase).collect(),
            ));
        }
    }
    if fitted {
        top.push(Series::legend_only(SeriesStyle::Markers, "measured"));
        top.push(Series::legend_only(SeriesStyle::Line, "fit"));
    }
    let frequency = Axis::log("frequency / Hz");
    let caption = spec.caption(
        "Bode plot (|Z| and phase)",
        spectra.len(),
        shown.len(),
        colour_bar.is_some(),
        None,
        fitted,
    );
    Figure {
        name: spec.name.into(),
        title: spec.title.into(),
        caption,
        panels: vec![
            Panel {
                x: frequency.clone(),
                y: Axis::log(unit.label("|Z|")),
                series: top,
                equal_scale: false,
                legend: fitted.then_some(LegendPosition::UpperRight),
                height_px: 230,
            },
            Panel {
                x: frequency,
                y: Axis::linear("−phase / °").from_zero(),
                series: bottom,
                equal_scale: false,
                legend: None,
                height_px: 170,
            },
        ],
        share_x: true,
        colour_bar,
        width_px: WIDTH_PX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modulus_is_log_and_phase_of_a_capacitor_is_ninety_degrees() {
        let points = vec![ImpedancePoint {
            frequency_hz: 10.0,
            z_real_ohm: 0.0,
            z_imag_ohm: -2000.0,
        }];
        let spectra = vec![Spectrum {
            elapsed_s: 0.0,
            points,
            fit: Vec::new(),
        }];
        let spec = SpectraSpec {
            name: "b",
            title: "t",
            area_cm2: Some(2.0),
            circuit: None,
            colour_by: super::super::ColourBy::Position,
        };
        let fig = figure(spec, &spectra);
        assert_eq!(fig.panels[0].y.label, "|Z| / Ω cm²");
        assert_eq!(fig.panels[0].series[0].points, vec![(10.0, 4000.0)]);
        assert_eq!(fig.panels[1].series[0].points, vec![(10.0, 90.0)]);
        assert!(fig.share_x && fig.colour_bar.is_none());
    }
}
