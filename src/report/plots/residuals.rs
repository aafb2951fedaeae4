//! Residual plots: relative residuals of the real and imaginary parts against frequency, one
//! line per sweep coloured by elapsed time. Used for circuit-fit residuals and for Lin-KK
//! residuals (a measure of whether a spectrum is valid at all).
//!
//! Takes residuals as fractions of |Z| and shows them in %.

use super::{
    Axis, Figure, MAX_SPECTRA, Panel, Series, SeriesStyle, WIDTH_PX, thin_indices, time_colours,
};
use crate::report::analysis::ResidualPoint;

/// One sweep's residuals and when it was measured.
#[derive(Debug, Clone, Copy)]
pub struct SweepResiduals<'a> {
    pub elapsed_s: f64,
    pub points: &'a [ResidualPoint],
}

/// Builds the figure; `what` names the residuals in the caption ("fit", "Lin-KK").
pub fn figure(name: &str, title: &str, what: &str, sweeps: &[SweepResiduals<'_>]) -> Figure {
    let shown = thin_indices(sweeps.len(), MAX_SPECTRA);
    let times: Vec<f64> = shown.iter().map(|&i| sweeps[i].elapsed_s).collect();
    let (colours, colour_bar) = time_colours(&times);
    let mut real = Vec::new();
    let mut imag = Vec::new();
    for (&i, &colour) in shown.iter().zip(&colours) {
        let points = sweeps[i].points;
        real.push(Series::new(
            SeriesStyle::LineMarkers,
            colour,
            points
                .iter()
                .map(|p| (p.frequency_hz, 100.0 * p.real))
                .collect(),
        ));
        imag.push(Series::new(
            SeriesStyle::LineMarkers,
            colour,
            points
                .iter()
                .map(|p| (p.frequency_hz, 100.0 * p.imag))
                .collect(),
        ));
    }
    let mut caption = format!(
        "{what} residuals relative to |Z| of {} sweep{}",
        sweeps.len(),
        if sweeps.len() == 1 { "" } else { "s" }
    );
    if shown.len() < sweeps.len() {
        caption.push_str(&format!(" ({} evenly spaced in time shown)", shown.len()));
    }
    if colour_bar.is_some() {
        caption.push_str(", coloured by elapsed time");
    }
    caption.push('.');
    let panel = |label: &str, series| Panel {
        x: Axis::log("frequency / Hz"),
        y: Axis::linear(label).from_zero(),
        series,
        equal_scale: false,
        legend: None,
        height_px: 170,
    };
    Figure {
        name: name.into(),
        title: title.into(),
        caption,
        panels: vec![panel("ΔZ'/|Z| / %", real), panel("ΔZ''/|Z| / %", imag)],
        share_x: true,
        colour_bar,
        width_px: WIDTH_PX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn residuals_are_shown_in_percent() {
        let points = [ResidualPoint {
            frequency_hz: 1.0,
            real: 0.01,
            imag: -0.02,
        }];
        let sweeps = [
            SweepResiduals {
                elapsed_s: 0.0,
                points: &points,
            },
            SweepResiduals {
                elapsed_s: 600.0,
                points: &points,
            },
        ];
        let fig = figure("r", "t", "Lin-KK", &sweeps);
        assert_eq!(fig.panels[1].series[0].points, vec![(1.0, -2.0)]);
        assert_eq!(fig.data_series_counts(), vec![2, 2]);
        assert_eq!(fig.colour_bar.unwrap().label, "elapsed time / min");
        assert!(fig.caption.starts_with("Lin-KK residuals"));
    }
}
