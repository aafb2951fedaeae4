//! Fitting every sweep of one `fit` spec: warm-started in time order, Lin-KK on each,
//! values normalised to the cell's normalising area.

use super::{CurvePoint, FitResidual, FitSeries, SweepData, SweepFit};
use crate::fit::{
    Circuit, FitError, FitOptions, FitResult, LinKkOptions, SpectrumRef, fit_batch, lin_kk,
};
use crate::plan::{FitSpec, Plan};
use rayon::prelude::*;

pub fn fit_series(
    plan: &Plan,
    spec: &FitSpec,
    sweeps: &[SweepData],
    warnings: &mut Vec<String>,
) -> FitSeries {
    let known: Vec<usize> = spec
        .steps
        .iter()
        .copied()
        .filter(|&i| i < plan.steps.len())
        .collect();
    for &i in spec.steps.iter().filter(|&&i| i >= plan.steps.len()) {
        warnings.push(format!("fit `{}`: step {i} is not in the plan", spec.name));
    }
    // Time zero: the start of the first of the steps (steps may be listed in any order).
    let zero_s = known
        .iter()
        .map(|&i| plan.steps[i].start_s)
        .fold(f64::INFINITY, f64::min);
    let zero_s = if zero_s.is_finite() { zero_s } else { 0.0 };
    let mut selected: Vec<&SweepData> = sweeps.iter().filter(|s| known.contains(&s.step)).collect();
    selected.sort_by(|a, b| {
        a.start_s
            .total_cmp(&b.start_s)
            .then(a.step.cmp(&b.step))
            .then(a.sweep.cmp(&b.sweep))
    });
    for &i in &known {
        if !selected.iter().any(|s| s.step == i) {
            warnings.push(format!("fit `{}`: step {i} has no EIS sweep", spec.name));
        }
    }
    let mut series = FitSeries {
        name: spec.name.clone(),
        circuit: spec.circuit.clone(),
        window: spec.window,
        steps: spec.steps.clone(),
        zero_s,
        sweeps: Vec::new(),
    };
    let circuit = match Circuit::parse(&spec.circuit) {
        Ok(c) => c,
        Err(e) => {
            warnings.push(format!(
                "fit `{}`: the circuit `{}` cannot be read: {e}",
                spec.name, spec.circuit
            ));
            series.sweeps = selected
                .iter()
                .map(|s| failed(s, zero_s, area(plan, s.step), format!("circuit: {e}")))
                .collect();
            return series;
        }
    };
    let options = FitOptions {
        window: spec.window,
        ..FitOptions::default()
    };
    let refs: Vec<SpectrumRef> = selected
        .iter()
        .map(|s| SpectrumRef {
            frequencies_hz: &s.frequencies_hz,
            z: &s.z_ohm,
        })
        .collect();
    let results = fit_batch(&circuit, &refs, &options);
    series.sweeps = selected
        .par_iter()
        .zip(results.into_par_iter())
        .map(|(s, result)| sweep_fit(&circuit, s, zero_s, area(plan, s.step), result))
        .collect();
    let failed = series.sweeps.iter().filter(|s| !s.ok).count();
    if failed > 0 {
        warnings.push(format!(
            "fit `{}`: {failed} of {} sweeps could not be fitted",
            spec.name,
            series.sweeps.len()
        ));
    }
    let extrapolated = series
        .sweeps
        .iter()
        .filter(|s| s.warnings.iter().any(|w| w.contains("extrapolated")))
        .count();
    if extrapolated > 0 {
        warnings.push(format!(
            "fit `{}`: in {extrapolated} sweep(s) the arc peaks at or below the lowest measured frequency; R is extrapolated there",
            spec.name
        ));
    }
    let kk_failed = series
        .sweeps
        .iter()
        .filter(|s| s.kk_ok == Some(false))
        .count();
    if kk_failed > 0 {
        warnings.push(format!(
            "fit `{}`: {kk_failed} sweep(s) fail the Lin-KK test (drift during the sweep, or noise above 1 %)",
            spec.name
        ));
    }
    series
}

/// The normalising area of the step's cell; None when the plan does not give one.
fn area(plan: &Plan, step: usize) -> Option<f64> {
    let cell = plan.cell(&plan.steps.get(step)?.cell)?;
    (cell.normalising_area_cm2.is_finite() && cell.normalising_area_cm2 > 0.0)
        .then_some(cell.normalising_area_cm2)
}

fn failed(s: &SweepData, zero_s: f64, area: Option<f64>, error: String) -> SweepFit {
    SweepFit {
        step: s.step,
        sweep: s.sweep,
        t_s: s.start_s - zero_s,
        start_s: s.start_s,
        area_cm2: area.unwrap_or(f64::NAN),
        ok: false,
        error: Some(error),
        params: Vec::new(),
        r_ohm_cm2: None,
        r_stderr_ohm_cm2: None,
        c_f_per_cm2: None,
        c_stderr_f_per_cm2: None,
        f_peak_hz: None,
        f_peak_stderr_hz: None,
        f_peak_r_hz_ohm_cm2: None,
        re_ohm_cm2: None,
        p: None,
        chi2: None,
        reduced_chi2: None,
        window_min_hz: None,
        window_max_hz: None,
        kk_ok: None,
        kk_rms: None,
        warnings: Vec::new(),
        curve: Vec::new(),
        residuals: Vec::new(),
        kk_residuals: Vec::new(),
    }
}

fn sweep_fit(
    circuit: &Circuit,
    s: &SweepData,
    zero_s: f64,
    area: Option<f64>,
    result: Result<FitResult, FitError>,
) -> SweepFit {
    let Some(a) = area else {
        return failed(
            s,
            zero_s,
            area,
            format!("the cell of step {} has no normalising area", s.step),
        );
    };
    let r = match result {
        Ok(r) => r,
        Err(e) => return failed(s, zero_s, area, e.to_string()),
    };
    let mut out = failed(s, zero_s, area, String::new());
    out.ok = true;
    out.error = None;
    let values = r.values();
    let model = circuit.impedance(&values, &s.frequencies_hz);
    out.curve = s
        .frequencies_hz
        .iter()
        .zip(&model)
        .map(|(&f, z)| CurvePoint {
            frequency_hz: f,
            z_real_ohm: z.re,
            z_imag_ohm: z.im,
        })
        .collect();
    out.residuals = s
        .frequencies_hz
        .iter()
        .zip(model.iter().zip(&s.z_ohm))
        .map(|(&f, (m, d))| FitResidual {
            frequency_hz: f,
            real: (d.re - m.re) / d.norm(),
            imag: (d.im - m.im) / d.norm(),
            fitted: f >= r.window_min_hz && f <= r.window_max_hz,
        })
        .collect();
    if let Some(arc) = r.main_arc() {
        out.r_ohm_cm2 = Some(arc.r_ohm * a);
        out.r_stderr_ohm_cm2 = arc.r_stderr.map(|e| e * a);
        out.c_f_per_cm2 = Some(arc.c_eff_f / a);
        out.c_stderr_f_per_cm2 = arc.c_eff_stderr.map(|e| e / a);
        out.f_peak_hz = Some(arc.f_peak_hz);
        out.f_peak_stderr_hz = arc.f_peak_stderr;
        out.f_peak_r_hz_ohm_cm2 = Some(arc.f_peak_hz * arc.r_ohm * a);
        out.p = Some(arc.p);
    }
    out.re_ohm_cm2 = circuit.series_resistance().map(|i| values[i] * a);
    out.chi2 = Some(r.chi2);
    out.reduced_chi2 = Some(r.reduced_chi2);
    out.window_min_hz = Some(r.window_min_hz);
    out.window_max_hz = Some(r.window_max_hz);
    out.warnings = r.warnings.iter().map(ToString::to_string).collect();
    match lin_kk(&s.frequencies_hz, &s.z_ohm, &LinKkOptions::default()) {
        Ok(kk) => {
            out.kk_ok = Some(kk.ok);
            out.kk_rms = Some(kk.rms);
            out.kk_residuals = kk.residuals;
        }
        Err(e) => out.warnings.push(format!("Lin-KK not possible: {e}")),
    }
    out.params = r.params;
    out
}
