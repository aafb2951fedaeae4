//! Quick plots of one impedance file (`mgp plot FILE`): a Nyquist and a Bode SVG of every
//! spectrum in it, with fitted curves overlaid when a circuit was fitted.
//!
//! Takes spectra as read by [`crate::data`] and, optionally, fits from [`crate::fit`]; gives
//! two figures and writes them. Reading, fitting and printing stay with the CLI.

use super::ReportError;
use super::analysis::ImpedancePoint;
use super::plots::{self, ColourBy, Figure, SpectraSpec, Spectrum, bode, nyquist};
use crate::fit::{Circuit, FitResult};
use num_complex::Complex64;
use std::path::{Path, PathBuf};

/// A spectrum for the quick plots, absolute Ω (or Ω·cm² when the file says so).
#[derive(Debug, Clone, PartialEq)]
pub struct QuickSpectrum {
    pub frequencies_hz: Vec<f64>,
    pub z_ohm: Vec<Complex64>,
    /// The fitted curve; empty when not fitted.
    pub fit: Vec<ImpedancePoint>,
}

/// Points of the fitted circuit on a smooth log grid over the measured frequency range
/// (20 per decade), so the curve looks like a curve between sparse data points.
pub fn fitted_curve(
    circuit: &Circuit,
    fit: &FitResult,
    frequencies_hz: &[f64],
) -> Vec<ImpedancePoint> {
    let positive = frequencies_hz
        .iter()
        .copied()
        .filter(|f| f.is_finite() && *f > 0.0);
    let (lo, hi) = positive.fold((f64::INFINITY, 0.0f64), |(a, b), f| (a.min(f), b.max(f)));
    if hi < lo || hi.is_nan() || lo.is_nan() {
        return Vec::new();
    }
    let decades = (hi / lo).log10();
    let n = ((decades * 20.0).ceil() as usize).clamp(1, 2000);
    let grid: Vec<f64> = (0..=n)
        .map(|k| hi * 10f64.powf(-decades * k as f64 / n as f64))
        .collect();
    circuit
        .impedance(&fit.values(), &grid)
        .into_iter()
        .zip(&grid)
        .map(|(z, &f)| ImpedancePoint {
            frequency_hz: f,
            z_real_ohm: z.re,
            z_imag_ohm: z.im,
        })
        .collect()
}

/// The Nyquist and Bode figures of a file's spectra. `stem` names the files
/// (`STEM-nyquist`, `STEM-bode`); `areal` labels values as Ω·cm².
pub fn spectrum_figures(
    stem: &str,
    title: &str,
    spectra: &[QuickSpectrum],
    circuit: Option<&str>,
    areal: bool,
) -> Vec<Figure> {
    let spectra: Vec<Spectrum> = spectra
        .iter()
        .map(|s| Spectrum {
            elapsed_s: 0.0,
            points: s
                .frequencies_hz
                .iter()
                .zip(&s.z_ohm)
                .map(|(&f, z)| ImpedancePoint {
                    frequency_hz: f,
                    z_real_ohm: z.re,
                    z_imag_ohm: z.im,
                })
                .collect(),
            fit: s.fit.clone(),
        })
        .collect();
    // Values from an areal file are already per cm²: an area of 1 only changes the labels.
    let area_cm2 = areal.then_some(1.0);
    let nyquist_name = format!("{stem}-nyquist");
    let bode_name = format!("{stem}-bode");
    let spec = |name, title| SpectraSpec {
        name,
        title,
        area_cm2,
        circuit,
        colour_by: ColourBy::Position,
    };
    vec![
        nyquist::figure(spec(&nyquist_name, &format!("Nyquist — {title}")), &spectra),
        bode::figure(spec(&bode_name, &format!("Bode — {title}")), &spectra),
    ]
}

/// Renders figures into `out_dir/NAME.svg`, creating the folder; returns the paths written.
pub fn write_figures(out_dir: &Path, figures: &[Figure]) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(out_dir).map_err(|source| ReportError::Io {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for figure in figures {
        let svg = plots::render_svg(figure)?;
        let path = out_dir.join(format!("{}.svg", figure.name));
        std::fs::write(&path, svg).map_err(|source| ReportError::Io {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::{FitOptions, fit};

    #[test]
    fn a_fitted_curve_spans_the_data_smoothly() {
        let circuit = Circuit::parse("R0-p(R1,C1)").unwrap();
        let freqs: Vec<f64> = (0..25)
            .map(|k| 1e5 * 10f64.powf(-0.25 * k as f64))
            .collect();
        let z = circuit.impedance(&[10.0, 1000.0, 1e-6], &freqs);
        let result = fit(&circuit, &freqs, &z, &FitOptions::default()).unwrap();
        let curve = fitted_curve(&circuit, &result, &freqs);
        assert_eq!(curve.len(), 6 * 20 + 1);
        assert!((curve[0].frequency_hz - 1e5).abs() < 1e-6);
        let last = curve.last().unwrap();
        assert!((last.frequency_hz - 1e-1).abs() < 1e-9);
        assert!((last.z_real_ohm - 1010.0).abs() < 1.0, "{last:?}");
        assert!(fitted_curve(&circuit, &result, &[]).is_empty());
    }

    #[test]
    fn several_spectra_are_coloured_by_position() {
        let one = QuickSpectrum {
            frequencies_hz: vec![1.0, 10.0],
            z_ohm: vec![Complex64::new(2.0, -1.0), Complex64::new(1.0, -0.5)],
            fit: Vec::new(),
        };
        // A few spectra: discrete colours named in the legend, no continuous bar.
        let figures = spectrum_figures(
            "s",
            "t",
            &[one.clone(), one.clone(), one.clone()],
            None,
            true,
        );
        for figure in &figures {
            assert!(figure.colour_bar.is_none());
            let series = &figure.panels[0].series;
            let labels: Vec<&str> = series.iter().filter_map(|s| s.label.as_deref()).collect();
            assert_eq!(labels, ["spectrum 1", "spectrum 2", "spectrum 3"]);
            assert!(series[0].colour != series[1].colour && series[1].colour != series[2].colour);
        }
        assert_eq!(figures[1].panels[0].y.label, "|Z| / Ω cm²");
        // Many spectra: a colour bar over their positions.
        let many = vec![one; 20];
        let figures = spectrum_figures("s", "t", &many, None, true);
        let bar = figures[0].colour_bar.as_ref().unwrap();
        assert_eq!(
            (bar.label.as_str(), bar.min, bar.max),
            ("spectrum", 1.0, 20.0)
        );
        assert!(
            figures[0]
                .caption
                .contains("coloured by position in the file")
        );
    }
}
