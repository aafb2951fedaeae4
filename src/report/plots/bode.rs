//! Bode plot (as Fig. 5g/5h of the source paper): |Z| and −phase against frequency on a
//! shared log axis, sweeps coloured by elapsed time, fitted curves drawn over the data.
//!
//! Takes the same [`Spectrum`]s as the Nyquist plot; with an area, |Z| is areal.
//! [`before_after`] overlays the last sweep before an addition on the sweeps after it.

use super::style::{self, Rgb};
use super::{
    Axis, ColourBar, Figure, LegendPosition, MAX_SPECTRA, Panel, Series, SeriesStyle, SpectraSpec,
    Spectrum, WIDTH_PX, spectrum_colours, spectrum_labels, thin_indices,
};
use crate::report::analysis::ImpedancePoint;

/// Builds the figure.
pub fn figure(spec: SpectraSpec<'_>, spectra: &[Spectrum]) -> Figure {
    let shown = thin_indices(spectra.len(), MAX_SPECTRA);
    let (colours, colour_bar) = spectrum_colours(spec.colour_by, &shown, spectra);
    let labels = spectrum_labels(spec.colour_by, &shown, spectra.len(), colour_bar.as_ref());
    let drawn: Vec<(&Spectrum, Rgb)> = shown.iter().map(|&i| &spectra[i]).zip(colours).collect();
    let (panels, fitted) = panels(&spec, &drawn, &labels);
    let caption = spec.caption(
        "Bode plot (|Z| and phase)",
        spectra.len(),
        shown.len(),
        colour_bar.is_some(),
        None,
        fitted,
    );
    assemble(&spec, caption, panels, colour_bar)
}

/// The last sweep before an addition (dark grey) over the sweeps after it (coloured by time
/// since the addition) on one pair of axes, as Fig. 5g/5h of the source paper compares them.
pub fn before_after(spec: SpectraSpec<'_>, before: &Spectrum, after: &[Spectrum]) -> Figure {
    let shown = thin_indices(after.len(), MAX_SPECTRA - 1);
    let (colours, mut colour_bar) = spectrum_colours(spec.colour_by, &shown, after);
    if let Some(bar) = &mut colour_bar {
        bar.label = bar.label.replacen("elapsed time", "time after addition", 1);
    }
    let mut drawn = vec![(before, style::NEUTRAL)];
    drawn.extend(shown.iter().map(|&i| &after[i]).zip(colours));
    let mut labels = vec![None; drawn.len()];
    labels[0] = Some("last sweep before".to_string());
    let (panels, fitted) = panels(&spec, &drawn, &labels);
    let mut caption = format!(
        "Bode plot (|Z| and phase) of the last sweep before the addition (grey) and {} of {} \
         sweep{} after it",
        shown.len(),
        after.len(),
        if after.len() == 1 { "" } else { "s" }
    );
    if colour_bar.is_some() {
        caption.push_str(", coloured by time after the addition");
    }
    caption.push_str("; same axes for both");
    if fitted {
        caption.push_str(&format!(
            "; lines: fitted {}",
            spec.circuit.unwrap_or("circuit")
        ));
    }
    caption.push('.');
    assemble(&spec, caption, panels, colour_bar)
}

/// The |Z| and −phase panels of the spectra, each in its colour and with its legend entry
/// (if any) from `labels`. Also says whether any fitted curve was drawn.
fn panels(
    spec: &SpectraSpec<'_>,
    drawn: &[(&Spectrum, Rgb)],
    labels: &[Option<String>],
) -> (Vec<Panel>, bool) {
    let area = spec.area_cm2.unwrap_or(1.0);
    // Decades read best in the plain unit (10³ Ω cm², not 1 kΩ cm²).
    let unit = style::ohm_unit(1.0, spec.area_cm2.is_some());
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
    for (k, &(s, colour)) in drawn.iter().enumerate() {
        // As in the Nyquist plot: a thin line joins the points of an unfitted spectrum.
        let style = if s.fit.is_empty() {
            SeriesStyle::LineMarkers
        } else {
            SeriesStyle::Markers
        };
        let mut measured = Series::new(style, colour, s.points.iter().map(modulus).collect());
        measured.label = labels.get(k).cloned().flatten();
        top.push(measured);
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
    let legend =
        (fitted || labels.iter().any(Option::is_some)).then_some(LegendPosition::UpperRight);
    let frequency = Axis::log("frequency / Hz");
    let panels = vec![
        Panel {
            x: frequency.clone(),
            y: Axis::log(unit.label("|Z|")),
            series: top,
            equal_scale: false,
            legend,
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
    ];
    (panels, fitted)
}

fn assemble(
    spec: &SpectraSpec<'_>,
    caption: String,
    panels: Vec<Panel>,
    colour_bar: Option<ColourBar>,
) -> Figure {
    Figure {
        name: spec.name.into(),
        title: spec.title.into(),
        caption,
        panels,
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

    #[test]
    fn before_and_after_share_one_pair_of_axes() {
        let spectrum = |t: f64, r: f64| Spectrum {
            elapsed_s: t,
            points: [1.0, 10.0, 100.0]
                .iter()
                .map(|&f| ImpedancePoint {
                    frequency_hz: f,
                    z_real_ohm: r,
                    z_imag_ohm: -r / f,
                })
                .collect(),
            fit: Vec::new(),
        };
        let spec = SpectraSpec {
            name: "b",
            title: "t",
            area_cm2: None,
            circuit: None,
            colour_by: super::super::ColourBy::ElapsedTime,
        };
        let after: Vec<Spectrum> = (0..3)
            .map(|i| spectrum(3600.0 * f64::from(i), 10.0))
            .collect();
        let fig = before_after(spec, &spectrum(7200.0, 1000.0), &after);
        assert_eq!(fig.panels.len(), 2);
        assert_eq!(fig.data_series_counts(), vec![4, 4]);
        let first = &fig.panels[0].series[0];
        assert_eq!(first.label.as_deref(), Some("last sweep before"));
        assert_eq!(first.colour, style::NEUTRAL);
        assert_eq!(first.points[0].1, 1000.0f64.hypot(1000.0));
        let bar = fig.colour_bar.expect("after sweeps are coloured by time");
        assert!(
            bar.label.starts_with("time after addition"),
            "{}",
            bar.label
        );
        assert!(
            fig.caption.contains("3 of 3 sweeps after it"),
            "{}",
            fig.caption
        );
    }
}
