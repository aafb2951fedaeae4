//! What the report needs from the analysis stage, as its own small input type.
//!
//! The fit/model stage writes `analysis.json`; the report reads it into [`ReportAnalysis`]:
//! per fit series the fitted sweeps (time, R, C, f_peak, the fitted curve, fit and Lin-KK
//! residuals), the derived quantities and the outcome of every `expect`. Keeping this type
//! here means the report renders with or without an analysis, and only a conversion changes
//! when the model stage's own result type changes.

use crate::units::Dimension;
use serde::{Deserialize, Serialize};

/// The analysis of one run, as the report shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportAnalysis {
    #[serde(default)]
    pub fits: Vec<FitSeries>,
    #[serde(default)]
    pub quantities: Vec<QuantityValue>,
    #[serde(default)]
    pub expects: Vec<ExpectOutcome>,
    /// Problems the analysis found (a sweep that did not converge…), shown with the faults.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// One `fit` of the analyze block: every sweep of its steps fitted with one circuit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitSeries {
    pub name: String,
    pub circuit: String,
    /// The cell whose sweeps were fitted.
    pub cell: String,
    /// The normalising area the areal values below are per.
    pub area_cm2: f64,
    pub sweeps: Vec<SweepFit>,
}

/// The fit of one sweep. Areal values are per the cell's normalising area (R × A, C / A).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepFit {
    pub step: usize,
    /// Sweep number within its step, as in the journal.
    pub sweep: usize,
    /// Time of the sweep since the series' start (start of its first step), s.
    pub t_s: f64,
    pub r_ohm_cm2: f64,
    pub c_f_per_cm2: f64,
    pub f_peak_hz: f64,
    /// Every fitted parameter by name, in canonical units (absolute, as the circuit has them).
    #[serde(default)]
    pub parameters: Vec<NamedValue>,
    /// The fitted circuit evaluated over the fitted frequencies, absolute Ω.
    #[serde(default)]
    pub curve: Vec<ImpedancePoint>,
    /// Fit residuals relative to |Z|: (Z_fit − Z) / |Z|.
    #[serde(default)]
    pub residuals: Vec<ResidualPoint>,
    /// Lin-KK residuals relative to |Z|, over the whole sweep.
    #[serde(default)]
    pub linkk_residuals: Vec<ResidualPoint>,
    /// A note on this fit (did not converge, window empty…).
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedValue {
    pub name: String,
    pub value: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ImpedancePoint {
    pub frequency_hz: f64,
    pub z_real_ohm: f64,
    pub z_imag_ohm: f64,
}

/// Relative residuals at one frequency (fractions, not %).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ResidualPoint {
    pub frequency_hz: f64,
    pub real: f64,
    pub imag: f64,
}

/// A derived quantity, in the canonical unit of its dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuantityValue {
    pub name: String,
    /// `None` when it could not be computed (see `note`).
    pub value: Option<f64>,
    pub dimension: Dimension,
    /// The unit to display it in, as written in the protocol.
    pub unit: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// The outcome of one `expect`, in the canonical unit of its dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectOutcome {
    /// The expect as written in the protocol (matches `plan::Expect::text`).
    pub text: String,
    pub value: Option<f64>,
    pub dimension: Dimension,
    pub unit: String,
    pub passed: bool,
    #[serde(default)]
    pub observation: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Least-squares straight line y = intercept + slope · x, with its R².
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearFit {
    pub slope: f64,
    pub intercept: f64,
    pub r2: f64,
}

/// The straight-line fit drawn over R(t); `None` for fewer than two distinct finite points.
pub fn linear_fit(points: &[(f64, f64)]) -> Option<LinearFit> {
    let finite: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    let n = finite.len() as f64;
    if finite.len() < 2 {
        return None;
    }
    let mx = finite.iter().map(|p| p.0).sum::<f64>() / n;
    let my = finite.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = finite.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = finite.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let syy: f64 = finite.iter().map(|p| (p.1 - my).powi(2)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let r2 = if syy > 0.0 {
        (sxy * sxy) / (sxx * syy)
    } else {
        1.0
    };
    Some(LinearFit {
        slope,
        intercept: my - slope * mx,
        r2,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_fit_recovers_a_line() {
        let points: Vec<(f64, f64)> = (0..10).map(|i| (i as f64, 3.0 + 2.0 * i as f64)).collect();
        let fit = linear_fit(&points).unwrap();
        assert!((fit.slope - 2.0).abs() < 1e-12 && (fit.intercept - 3.0).abs() < 1e-12);
        assert!((fit.r2 - 1.0).abs() < 1e-12);
        assert!(linear_fit(&[(1.0, 1.0), (1.0, 2.0)]).is_none());
        assert!(linear_fit(&[(1.0, f64::NAN)]).is_none());
    }

    #[test]
    fn minimal_json_reads_with_defaults() {
        let json = r#"{"fits":[{"name":"mg","circuit":"Re-R(CPE)","cell":"a","area_cm2":1.13,
            "sweeps":[{"step":1,"sweep":0,"t_s":0,"r_ohm_cm2":4e4,"c_f_per_cm2":1.7e-5,
            "f_peak_hz":0.2}]}]}"#;
        let analysis: ReportAnalysis = serde_json::from_str(json).unwrap();
        assert_eq!(analysis.fits[0].sweeps[0].curve.len(), 0);
        assert!(analysis.expects.is_empty());
    }
}
