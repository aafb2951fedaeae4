//! Fitting every sweep of one `fit` spec: warm-started in time order, Lin-KK on each,
//! values normalised to the cell's normalising area.

use super::{CurvePoint, FitResidual, FitSeries, SweepData, SweepFit};
use crate::fit::{
    Circuit, FitError, FitOptions, FitResult, LinKkOptions, SpectrumRef, fit_batch, lin_kk,
};
use crate::plan::{Action, FitSpec, Plan, Rest};
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
        at_tolerance_s: at_tolerance(plan, &known),
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
                .map(|mut f| {
                    f.cycle = plan.steps[f.step].cycle_number();
                    f
                })
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
    for s in series.sweeps.iter_mut() {
        s.cycle = plan.steps[s.step].cycle_number();
        s.planned_points = planned_points(plan, s.step);
        s.incomplete = s.planned_points.is_some_and(|n| s.points < n);
    }
    let incomplete: Vec<String> = series
        .sweeps
        .iter()
        .filter(|s| s.incomplete)
        .map(|s| {
            format!(
                "sweep {} of step {} at {} ({} of {} points)",
                s.sweep,
                s.step,
                crate::units::format_duration(s.t_s),
                s.points,
                s.planned_points.unwrap_or(0)
            )
        })
        .collect();
    if !incomplete.is_empty() {
        warnings.push(format!(
            "fit `{}`: incomplete sweeps are left out of its statistics: {}",
            spec.name,
            incomplete.join("; ")
        ));
    }
    let undetermined = series
        .sweeps
        .iter()
        .filter(|s| !s.undetermined.is_empty())
        .count();
    if undetermined > 0 {
        warnings.push(format!(
            "fit `{}`: in {undetermined} sweep(s) the data do not determine some parameters ({}); values resting on them are left out",
            spec.name,
            names_undetermined(&series)
        ));
    }
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

/// The undetermined parameter names over a series, each once.
fn names_undetermined(series: &FitSeries) -> String {
    let mut names: Vec<&str> = Vec::new();
    for n in series.sweeps.iter().flat_map(|s| &s.undetermined) {
        if !names.contains(&n.as_str()) {
            names.push(n);
        }
    }
    names.join(", ")
}

/// The number of frequencies the plan gives a sweep of this step.
fn planned_points(plan: &Plan, step: usize) -> Option<usize> {
    match &plan.steps.get(step)?.action {
        Action::Eis(sweep) => Some(sweep.frequencies_hz.len()),
        Action::Rest(rest) => rest.eis.as_ref().map(|e| e.sweep.frequencies_hz.len()),
        _ => None,
    }
}

/// Half the interval between planned sweeps of these steps (repeats within a rest, or single
/// sweeps from step to step); a lone sweep counts for its own duration.
fn at_tolerance(plan: &Plan, steps: &[usize]) -> f64 {
    let mut starts: Vec<f64> = Vec::new();
    let mut longest: f64 = 0.0;
    for step in steps.iter().filter_map(|&i| plan.steps.get(i)) {
        match &step.action {
            Action::Rest(Rest { eis: Some(e), .. }) => {
                starts.extend(e.sweep_offsets_s.iter().map(|o| step.start_s + o));
                longest = longest.max(e.sweep.duration_s);
            }
            Action::Eis(sweep) => {
                starts.push(step.start_s);
                longest = longest.max(sweep.duration_s);
            }
            _ => {}
        }
    }
    starts.sort_by(f64::total_cmp);
    let mut gaps: Vec<f64> = starts
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|g| *g > 0.0)
        .collect();
    gaps.sort_by(f64::total_cmp);
    match gaps.get(gaps.len() / 2) {
        Some(median) => median / 2.0,
        None => longest,
    }
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
        cycle: None,
        sweep: s.sweep,
        t_s: s.start_s - zero_s,
        start_s: s.start_s,
        area_cm2: area.unwrap_or(f64::NAN),
        ok: false,
        points: s.frequencies_hz.len(),
        planned_points: None,
        incomplete: false,
        undetermined: Vec::new(),
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
        re_undetermined: false,
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
    // A value resting on an undetermined parameter is not a measurement: it is left None,
    // so it cannot enter a statistic or an expect.
    let known = |i: usize| r.params[i].undetermined.is_none();
    if let (Some(arc), Some(shape)) = (r.main_arc(), circuit.arcs().first()) {
        if known(shape.r) {
            out.r_ohm_cm2 = Some(arc.r_ohm * a);
            out.r_stderr_ohm_cm2 = arc.r_stderr.map(|e| e * a);
        }
        if !arc.undetermined {
            out.c_f_per_cm2 = Some(arc.c_eff_f / a);
            out.c_stderr_f_per_cm2 = arc.c_eff_stderr.map(|e| e / a);
            out.f_peak_hz = Some(arc.f_peak_hz);
            out.f_peak_stderr_hz = arc.f_peak_stderr;
            out.f_peak_r_hz_ohm_cm2 = Some(arc.f_peak_hz * arc.r_ohm * a);
        }
        if shape.p.is_none_or(known) {
            out.p = Some(arc.p);
        }
    }
    out.re_ohm_cm2 = circuit
        .series_resistance()
        .filter(|&i| known(i))
        .map(|i| values[i] * a);
    out.re_undetermined = circuit.series_resistance().is_some_and(|i| !known(i));
    out.undetermined = r.undetermined().iter().map(|n| n.to_string()).collect();
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
