//! What the report needs from the analysis stage, as its own small input type.
//!
//! The fit/model stage writes `analysis.json` ([`AnalysisResult`]); the report converts it
//! into [`ReportAnalysis`]: per fit series the fitted sweeps (time, R, C, f_peak, the fitted
//! curve, fit residuals inside the fit window and Lin-KK residuals), the derived quantities
//! and the outcome of every `expect`. Drawing code depends only on this type, so a change in
//! the analysis file touches [`ReportAnalysis::from_result`] alone, and the report renders the
//! same way with or without an analysis.

use crate::model::analysis::AnalysisResult;
use crate::plan::Plan;
use crate::units::Dimension;

/// The analysis of one run, as the report shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportAnalysis {
    pub fits: Vec<FitSeries>,
    pub quantities: Vec<QuantityValue>,
    pub expects: Vec<ExpectOutcome>,
    /// Problems the analysis found (a sweep that did not converge…), shown with the faults.
    pub warnings: Vec<String>,
}

/// One `fit` of the analyze block: every sweep of its steps fitted with one circuit.
#[derive(Debug, Clone, PartialEq)]
pub struct FitSeries {
    pub name: String,
    pub circuit: String,
    /// The cell whose sweeps were fitted.
    pub cell: String,
    /// The normalising area the areal values below are per.
    pub area_cm2: f64,
    pub sweeps: Vec<SweepFit>,
}

/// The fit of one sweep. Areal values are per the cell's normalising area (R × A, C / A);
/// `None` where the fit failed.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepFit {
    pub step: usize,
    /// Sweep number within its step, as in the journal.
    pub sweep: usize,
    /// Time of the sweep since the series' start (start of its first step), s.
    pub t_s: f64,
    pub r_ohm_cm2: Option<f64>,
    pub c_f_per_cm2: Option<f64>,
    pub f_peak_hz: Option<f64>,
    /// `None` also when the data do not determine it (see `re_undetermined`).
    pub re_ohm_cm2: Option<f64>,
    /// The fit could not determine Re (at or numerically at its bound, e.g. when the fit
    /// window left out the high frequencies that set it): shown as undetermined, not as a value.
    pub re_undetermined: bool,
    /// CPE exponent.
    pub p: Option<f64>,
    /// The fitted circuit evaluated over the fitted frequencies, absolute Ω.
    pub curve: Vec<ImpedancePoint>,
    /// Fit residuals relative to |Z| at the points inside the fit window.
    pub residuals: Vec<ResidualPoint>,
    /// Lin-KK residuals relative to |Z|, over the whole sweep.
    pub linkk_residuals: Vec<ResidualPoint>,
    /// What went wrong or is doubtful (failed fit, Lin-KK failure, warnings).
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImpedancePoint {
    pub frequency_hz: f64,
    pub z_real_ohm: f64,
    pub z_imag_ohm: f64,
}

/// Relative residuals at one frequency (fractions, not %).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResidualPoint {
    pub frequency_hz: f64,
    pub real: f64,
    pub imag: f64,
}

/// A derived quantity, in the canonical unit of its dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantityValue {
    pub name: String,
    /// `None` when it could not be computed (see `note`).
    pub value: Option<f64>,
    pub dimension: Dimension,
    /// The unit to display it in, as written in the protocol.
    pub unit: String,
    pub note: Option<String>,
}

/// The outcome of one `expect`, in the canonical unit of its dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectOutcome {
    /// The expect as written in the protocol (matches `plan::Expect::text`).
    pub text: String,
    pub value: Option<f64>,
    pub dimension: Dimension,
    pub unit: String,
    pub passed: bool,
    /// No measurement to judge it on (e.g. a time the run never reached): neither pass nor
    /// fail.
    pub not_measured: bool,
    pub observation: Option<String>,
    /// Why no value could be found.
    pub note: Option<String>,
}

impl ReportAnalysis {
    /// The report's view of `analysis.json`; the plan names each series' cell.
    pub fn from_result(result: &AnalysisResult, plan: Option<&Plan>) -> Self {
        let cell_of = |steps: &[usize]| {
            steps
                .first()
                .and_then(|&i| plan.and_then(|p| p.steps.get(i)))
                .map_or_else(|| "?".to_string(), |s| s.cell.clone())
        };
        let fits = result
            .fits
            .iter()
            .map(|f| FitSeries {
                name: f.name.clone(),
                circuit: f.circuit.clone(),
                cell: cell_of(&f.steps),
                area_cm2: f.sweeps.first().map_or(f64::NAN, |s| s.area_cm2),
                sweeps: f.sweeps.iter().map(sweep_fit).collect(),
            })
            .collect();
        ReportAnalysis {
            fits,
            quantities: result
                .quantities
                .iter()
                .map(|q| QuantityValue {
                    name: q.name.clone(),
                    value: q.value,
                    dimension: q.dimension,
                    unit: q.unit.clone(),
                    note: q.error.clone(),
                })
                .collect(),
            expects: result
                .expects
                .iter()
                .map(|e| ExpectOutcome {
                    text: e.text.clone(),
                    value: e.value,
                    dimension: e.dimension,
                    unit: e.unit.clone(),
                    passed: e.pass,
                    not_measured: e.not_measured,
                    observation: e.observation.clone(),
                    note: e.reason.clone(),
                })
                .collect(),
            warnings: result.warnings.clone(),
        }
    }
}

fn sweep_fit(s: &crate::model::analysis::SweepFit) -> SweepFit {
    let mut notes: Vec<String> = s.error.iter().cloned().collect();
    if s.kk_ok == Some(false) {
        notes.push("fails the Lin-KK test".into());
    }
    notes.extend(s.warnings.iter().cloned());
    SweepFit {
        step: s.step,
        sweep: s.sweep,
        t_s: s.t_s,
        r_ohm_cm2: s.r_ohm_cm2,
        c_f_per_cm2: s.c_f_per_cm2,
        f_peak_hz: s.f_peak_hz,
        re_ohm_cm2: s.re_ohm_cm2,
        re_undetermined: s.re_undetermined,
        p: s.p,
        curve: s
            .curve
            .iter()
            .map(|c| ImpedancePoint {
                frequency_hz: c.frequency_hz,
                z_real_ohm: c.z_real_ohm,
                z_imag_ohm: c.z_imag_ohm,
            })
            .collect(),
        // Points outside the fit window were never meant to match; they would only swamp
        // the scale.
        residuals: s
            .residuals
            .iter()
            .filter(|r| r.fitted)
            .map(|r| ResidualPoint {
                frequency_hz: r.frequency_hz,
                real: r.real,
                imag: r.imag,
            })
            .collect(),
        linkk_residuals: s
            .kk_residuals
            .iter()
            .map(|r| ResidualPoint {
                frequency_hz: r.frequency_hz,
                real: r.real,
                imag: r.imag,
            })
            .collect(),
        note: (!notes.is_empty()).then(|| notes.join("; ")),
    }
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

    /// The fit's judgement of the series resistance reaches the report (which does not judge
    /// it again): an undetermined Re has no value.
    #[test]
    fn an_undetermined_series_resistance_is_shown_as_such() {
        let json = |re: Option<f64>, undetermined: bool| {
            serde_json::json!({
                "step": 0, "sweep": 0, "t_s": 0.0, "start_s": 0.0, "area_cm2": 2.0, "ok": true,
                "error": null,
                "params": [{"name": "Re", "value": 50.0, "stderr": 0.5, "unit": "Ohm",
                            "fixed": false}],
                "r_ohm_cm2": 1e5, "r_stderr_ohm_cm2": null, "c_f_per_cm2": 1e-5,
                "c_stderr_f_per_cm2": null, "f_peak_hz": 0.1, "f_peak_stderr_hz": null,
                "f_peak_r_hz_ohm_cm2": null, "re_ohm_cm2": re,
                "re_undetermined": undetermined, "p": 0.97, "chi2": null,
                "reduced_chi2": null, "window_min_hz": 0.1, "window_max_hz": 5.0,
                "kk_ok": null, "kk_rms": null, "warnings": [], "curve": [], "residuals": [],
                "kk_residuals": []
            })
        };
        let parse = |v| serde_json::from_value::<crate::model::analysis::SweepFit>(v).unwrap();
        let at_bound = sweep_fit(&parse(json(None, true)));
        assert!(at_bound.re_undetermined && at_bound.re_ohm_cm2.is_none());
        let good = sweep_fit(&parse(json(Some(100.0), false)));
        assert!(!good.re_undetermined);
        assert_eq!(good.re_ohm_cm2, Some(100.0));
    }
}
