//! The analysis engine: runs a protocol's `analyze` block on in-memory data.
//!
//! Takes the checked [`Plan`], every EIS sweep ([`SweepData`]) and galvanostatic trace
//! ([`TraceData`]) of a run; gives an [`AnalysisResult`] (written as `analysis.json`): for each
//! `fit`, every sweep fitted and normalised to areal values by its cell's normalising area
//! (R × A, C / A) with R, C, f_peak, f_peak·R, Re and P tracked over time; every derived
//! quantity; every `expect` with its value and verdict; and warnings. Missing data or a failed
//! fit makes the affected quantity or expect fail with a reason, never a panic. Pure: the
//! caller reads run folders and writes files ([`fits_csv`] gives `fits.csv`).

mod csv;
pub mod cycles;
mod metric;
mod series;
mod trace;

pub use csv::fits_csv;
pub use cycles::{CycleBuilder, CycleMetrics, HalfCycleMetrics};

use crate::fit::{FittedParam, KkResidual};
use crate::plan::{Check, FitWindow, Plan};
use crate::units::Dimension;
use num_complex::Complex64;
use serde::{Deserialize, Serialize};

/// One measured EIS sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepData {
    pub step: usize,
    pub sweep: usize,
    /// Run time of the sweep's first point, s.
    pub start_s: f64,
    pub frequencies_hz: Vec<f64>,
    /// Absolute impedance as measured, Ω.
    pub z_ohm: Vec<Complex64>,
}

/// The potential trace of one galvanostatic step.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceData {
    pub step: usize,
    /// (run time s, potential V, current A).
    pub samples: Vec<(f64, f64, f64)>,
}

/// A point of a fitted curve, Ω (absolute, like the data).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    pub frequency_hz: f64,
    pub z_real_ohm: f64,
    pub z_imag_ohm: f64,
}

/// Fit residual at one measured point, relative to |Z|.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitResidual {
    pub frequency_hz: f64,
    pub real: f64,
    pub imag: f64,
    /// Whether the point was inside the fit window.
    pub fitted: bool,
}

/// One sweep of a fit series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepFit {
    pub step: usize,
    /// The step's cycle number, inside a `repeat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle: Option<usize>,
    pub sweep: usize,
    /// Time since the series' zero (the start of its first step), s.
    pub t_s: f64,
    /// Run time of the sweep's first point, s.
    pub start_s: f64,
    /// The normalising area used, cm².
    pub area_cm2: f64,
    pub ok: bool,
    /// Points measured.
    #[serde(default)]
    pub points: usize,
    /// Points the plan asked for in this sweep (None when the plan does not say).
    #[serde(default)]
    pub planned_points: Option<usize>,
    /// Fewer points than planned (the run stopped mid-sweep): left out of the statistics.
    #[serde(default)]
    pub incomplete: bool,
    /// Parameters the data do not determine; the values resting on them (R, C, f_peak…) are
    /// then None.
    #[serde(default)]
    pub undetermined: Vec<String>,
    /// Why the fit failed.
    pub error: Option<String>,
    /// Fitted parameters, absolute (as in the circuit).
    pub params: Vec<FittedParam>,
    pub r_ohm_cm2: Option<f64>,
    pub r_stderr_ohm_cm2: Option<f64>,
    pub c_f_per_cm2: Option<f64>,
    pub c_stderr_f_per_cm2: Option<f64>,
    pub f_peak_hz: Option<f64>,
    pub f_peak_stderr_hz: Option<f64>,
    pub f_peak_r_hz_ohm_cm2: Option<f64>,
    pub re_ohm_cm2: Option<f64>,
    /// The circuit has a series resistance but the data do not determine it (its value is
    /// then None): e.g. a fit window that leaves out the high frequencies.
    #[serde(default)]
    pub re_undetermined: bool,
    pub p: Option<f64>,
    pub chi2: Option<f64>,
    pub reduced_chi2: Option<f64>,
    pub window_min_hz: Option<f64>,
    pub window_max_hz: Option<f64>,
    pub kk_ok: Option<bool>,
    pub kk_rms: Option<f64>,
    pub warnings: Vec<String>,
    pub curve: Vec<CurvePoint>,
    pub residuals: Vec<FitResidual>,
    pub kk_residuals: Vec<KkResidual>,
}

/// All sweeps of one `fit` of the analyze block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitSeries {
    pub name: String,
    pub circuit: String,
    pub window: FitWindow,
    pub steps: Vec<usize>,
    /// Run time of the series' zero, s.
    pub zero_s: f64,
    /// How far from a requested time (`R of arc at 20 h`) a sweep may start and still count
    /// as measured then: half the repeat interval, s.
    #[serde(default)]
    pub at_tolerance_s: f64,
    pub sweeps: Vec<SweepFit>,
}

/// A derived quantity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuantityResult {
    pub name: String,
    /// Canonical units of `dimension`; None when it could not be computed.
    pub value: Option<f64>,
    pub dimension: Dimension,
    pub unit: String,
    /// The value in `unit` (`412.3 kOhm cm2`), or why it is missing.
    pub display: String,
    pub error: Option<String>,
}

/// An `expect` and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectResult {
    pub text: String,
    pub observation: Option<String>,
    pub value: Option<f64>,
    pub dimension: Dimension,
    pub unit: String,
    /// The value found, in `unit`.
    pub display: String,
    pub check: Check,
    /// The check in words, in `unit` (`within 15 % of 400 kOhm cm2`).
    pub expected: String,
    pub pass: bool,
    /// Why no value could be found.
    pub reason: Option<String>,
    /// Nothing was measured where the expect looks (e.g. at 20 h of a run stopped at 2 h):
    /// the expect is not evaluated, neither passed nor failed.
    #[serde(default)]
    pub not_measured: bool,
    /// Source line of the expect.
    pub line: usize,
}

/// Everything the analysis found (`analysis.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisResult {
    pub fits: Vec<FitSeries>,
    pub quantities: Vec<QuantityResult>,
    pub expects: Vec<ExpectResult>,
    pub warnings: Vec<String>,
    /// What the simulator did not model in the run analysed (empty for measured data).
    #[serde(default)]
    pub not_modelled: Vec<String>,
    /// Per-cycle metrics of a cycling run (galvanostatic steps inside `repeat`), in order.
    #[serde(default)]
    pub cycles: Vec<CycleMetrics>,
}

impl AnalysisResult {
    /// True when every evaluated expect passed (those not measured are not failures).
    pub fn all_passed(&self) -> bool {
        self.expects.iter().all(|e| e.pass || e.not_measured)
    }

    pub fn series(&self, name: &str) -> Option<&FitSeries> {
        self.fits.iter().find(|f| f.name == name)
    }

    pub fn quantity(&self, name: &str) -> Option<&QuantityResult> {
        self.quantities.iter().find(|q| q.name == name)
    }
}

/// Runs the plan's analyze block on the data.
pub fn analyze(plan: &Plan, sweeps: &[SweepData], traces: &[TraceData]) -> AnalysisResult {
    let mut warnings = Vec::new();
    let fits: Vec<FitSeries> = plan
        .analysis
        .fits
        .iter()
        .map(|spec| series::fit_series(plan, spec, sweeps, &mut warnings))
        .collect();
    let mut builder = CycleBuilder::new(plan);
    for trace in traces {
        if !builder.wants(trace.step) {
            continue;
        }
        for &(t, v, i) in &trace.samples {
            builder.push(trace.step, t, v, i);
        }
    }
    let cycles = builder.finish();
    let context = metric::Context {
        plan,
        fits: &fits,
        traces,
        cycles: &cycles,
    };
    let mut named: Vec<(String, Result<f64, metric::NoValue>)> = Vec::new();
    let mut quantities = Vec::new();
    for q in &plan.analysis.quantities {
        let value = metric::evaluate(&q.metric, &context, &named);
        quantities.push(QuantityResult {
            name: q.name.clone(),
            value: value.as_ref().ok().copied(),
            dimension: q.dimension,
            unit: q.unit.clone(),
            display: match &value {
                Ok(v) => metric::display(*v, q.dimension, &q.unit),
                Err(e) if e.not_measured() => e.to_string(),
                Err(e) => format!("not available: {e}"),
            },
            error: value.as_ref().err().map(ToString::to_string),
        });
        named.push((q.name.clone(), value));
    }
    let expects = plan
        .analysis
        .expects
        .iter()
        .map(|e| {
            let value = metric::evaluate(&e.metric, &context, &named);
            ExpectResult {
                text: e.text.clone(),
                observation: e.observation.clone(),
                value: value.as_ref().ok().copied(),
                dimension: e.dimension,
                unit: e.unit.clone(),
                display: match &value {
                    Ok(v) => metric::display(*v, e.dimension, &e.unit),
                    Err(e) if e.not_measured() => "not measured".to_string(),
                    Err(_) => "no value".to_string(),
                },
                check: e.check,
                expected: metric::check_text(&e.check, e.dimension, &e.unit),
                pass: value.as_ref().is_ok_and(|v| e.check.passes(*v)),
                not_measured: value.as_ref().is_err_and(metric::NoValue::not_measured),
                reason: value.err().map(|e| e.to_string()),
                line: e.span.line,
            }
        })
        .collect();
    AnalysisResult {
        fits,
        quantities,
        expects,
        warnings,
        not_modelled: Vec::new(),
        cycles,
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod tests_partial;
