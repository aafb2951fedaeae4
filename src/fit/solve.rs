//! One spectrum, one circuit: validate, window, constrain, start, solve, order the arcs,
//! and carry the covariance through to the arcs' C and f_peak.

use super::circuit::{Circuit, Omega, ParamKind};
use super::cnls::{Cnls, weights};
use super::error::FitError;
use super::options::FitOptions;
use super::result::{
    FitResult, FitWarning, FittedParam, MAX_RELATIVE_ERROR, Undetermined, arc_fits, arc_order,
};
use super::{guess, linalg, lm, window};
use num_complex::Complex64;

/// Transformed-space limits for positive parameters (about 1e-35 to 1e35): wide enough for
/// any physical value, narrow enough that `exp` never overflows.
const LOG_LIMIT: f64 = 80.0;

/// Fits `circuit` to one spectrum with automatic starting values (and the user's `initial`
/// values where given).
pub fn fit(
    circuit: &Circuit,
    frequencies_hz: &[f64],
    z: &[Complex64],
    options: &FitOptions,
) -> Result<FitResult, FitError> {
    fit_inner(circuit, frequencies_hz, z, options, None)
}

/// Fits starting from `start` (natural values in circuit order, e.g. the previous spectrum's
/// result); falls back to the automatic starts if that fit fails.
pub fn fit_from(
    circuit: &Circuit,
    frequencies_hz: &[f64],
    z: &[Complex64],
    options: &FitOptions,
    start: &[f64],
) -> Result<FitResult, FitError> {
    fit_inner(circuit, frequencies_hz, z, options, Some(start))
}

/// Checks the options' parameter names and values against the circuit without fitting, so a
/// caller can report a bad option once rather than once per spectrum.
pub fn check_options(circuit: &Circuit, options: &FitOptions) -> Result<(), FitError> {
    resolve(circuit, options).map(|_| ())
}

/// Constraints resolved to parameter indices.
struct Constraints {
    fixed: Vec<Option<f64>>,
    lower: Vec<f64>,
    upper: Vec<f64>,
    initial: Vec<Option<f64>>,
    /// The user's bounds as written (natural units), to name them in warnings.
    user_lower: Vec<Option<f64>>,
    user_upper: Vec<Option<f64>>,
    /// Parameters the user named (their arcs are never reordered).
    locked: Vec<bool>,
}

fn resolve(circuit: &Circuit, options: &FitOptions) -> Result<Constraints, FitError> {
    let n = circuit.param_count();
    let index = |name: &str| {
        circuit
            .param_index(name)
            .ok_or_else(|| FitError::UnknownParameter {
                name: name.to_string(),
                circuit: circuit.text().to_string(),
                help: match circuit.suggest_param(name) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "its parameters are {}",
                        circuit
                            .params()
                            .iter()
                            .map(|p| format!("`{}`", p.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                },
            })
    };
    let check_value = |i: usize, v: f64| -> Result<(), FitError> {
        let info = &circuit.params()[i];
        let ok = match info.kind {
            ParamKind::Positive => v > 0.0 && v.is_finite(),
            ParamKind::Exponent => (0.0..=1.0).contains(&v),
        };
        if ok {
            Ok(())
        } else {
            Err(FitError::BadConstraint {
                name: info.name.clone(),
                reason: match info.kind {
                    ParamKind::Positive => format!("{v} is not positive"),
                    ParamKind::Exponent => format!("{v} is outside 0 to 1"),
                },
            })
        }
    };
    let mut c = Constraints {
        fixed: vec![None; n],
        lower: Vec::with_capacity(n),
        upper: Vec::with_capacity(n),
        initial: vec![None; n],
        user_lower: vec![None; n],
        user_upper: vec![None; n],
        locked: vec![false; n],
    };
    for p in circuit.params() {
        let (lo, hi) = match p.kind {
            ParamKind::Positive => (-LOG_LIMIT, LOG_LIMIT),
            ParamKind::Exponent => (0.0, 1.0),
        };
        c.lower.push(lo);
        c.upper.push(hi);
    }
    for (name, value) in &options.fixed {
        let i = index(name)?;
        check_value(i, *value)?;
        c.fixed[i] = Some(*value);
        c.locked[i] = true;
    }
    for (name, value) in &options.initial {
        let i = index(name)?;
        check_value(i, *value)?;
        c.initial[i] = Some(*value);
        c.locked[i] = true;
    }
    for (name, lo, hi) in &options.bounds {
        let i = index(name)?;
        if lo > hi || lo.is_nan() || hi.is_nan() {
            return Err(FitError::BadConstraint {
                name: circuit.params()[i].name.clone(),
                reason: format!("the lower bound {lo} is above the upper bound {hi}"),
            });
        }
        let (tlo, thi) = match circuit.params()[i].kind {
            ParamKind::Positive => {
                if *hi <= 0.0 {
                    return Err(FitError::BadConstraint {
                        name: circuit.params()[i].name.clone(),
                        reason: format!("the upper bound {hi} is not positive"),
                    });
                }
                (if *lo > 0.0 { lo.ln() } else { -LOG_LIMIT }, hi.ln())
            }
            ParamKind::Exponent => (*lo, *hi),
        };
        // Only bounds tighter than the natural ones are the user's (P ≤ 1 is not).
        if tlo > c.lower[i] {
            c.lower[i] = tlo;
            c.user_lower[i] = Some(*lo);
        }
        if thi < c.upper[i] {
            c.upper[i] = thi;
            c.user_upper[i] = Some(*hi);
        }
        c.locked[i] = true;
    }
    Ok(c)
}

fn validate(f: &[f64], z: &[Complex64]) -> Result<(), FitError> {
    if f.len() != z.len() {
        return Err(FitError::BadData {
            reason: format!("{} frequencies but {} impedances", f.len(), z.len()),
        });
    }
    if let Some(i) = f.iter().position(|f| !(f.is_finite() && *f > 0.0)) {
        return Err(FitError::BadData {
            reason: format!(
                "frequency {} at point {} is not a positive number",
                f[i],
                i + 1
            ),
        });
    }
    if let Some(i) = z
        .iter()
        .position(|z| !(z.re.is_finite() && z.im.is_finite()) || z.norm() == 0.0)
    {
        return Err(FitError::BadData {
            reason: format!("impedance {} at point {} is not usable", z[i], i + 1),
        });
    }
    Ok(())
}

fn fit_inner(
    circuit: &Circuit,
    frequencies_hz: &[f64],
    z_all: &[Complex64],
    options: &FitOptions,
    start: Option<&[f64]>,
) -> Result<FitResult, FitError> {
    validate(frequencies_hz, z_all)?;
    let constraints = resolve(circuit, options)?;
    let chosen = window::select(&options.window, frequencies_hz, z_all)?;
    let f: Vec<f64> = chosen.iter().map(|&i| frequencies_hz[i]).collect();
    let z: Vec<Complex64> = chosen.iter().map(|&i| z_all[i]).collect();
    let free: Vec<usize> = (0..circuit.param_count())
        .filter(|&i| constraints.fixed[i].is_none())
        .collect();
    if 2 * f.len() <= free.len() {
        return Err(FitError::TooFewPoints {
            points: f.len(),
            free: free.len(),
        });
    }
    let omega = Omega::from_hz(&f);
    let (w_re, w_im) = weights(&z, options.weighting);

    let lower: Vec<f64> = free.iter().map(|&i| constraints.lower[i]).collect();
    let upper: Vec<f64> = free.iter().map(|&i| constraints.upper[i]).collect();
    let lm_options = lm::Options {
        max_iterations: options.max_iterations,
        ..lm::Options::default()
    };
    let base: Vec<f64> = (0..circuit.param_count())
        .map(|i| constraints.fixed[i].unwrap_or(1.0))
        .collect();
    let mut problem = Cnls::new(circuit, &omega, &z, &w_re, &w_im, base, &free);

    // Starting vectors: the warm start, then the automatic ones (user values win). The first
    // that converges inside its bounds is trusted; the others are insurance.
    let warm = start
        .filter(|s| s.len() == circuit.param_count())
        .map(<[f64]>::to_vec);
    let starts = warm
        .into_iter()
        .chain(guess::candidates(circuit, &f, &omega, &z));
    let mut best: Option<(lm::Outcome, Vec<f64>)> = None;
    for mut s in starts {
        for (i, v) in s.iter_mut().enumerate() {
            if let Some(u) = constraints.fixed[i].or(constraints.initial[i]) {
                *v = u;
            }
        }
        let x0: Vec<f64> = free
            .iter()
            .map(|&i| Cnls::transformed(circuit, i, usable(circuit, i, s[i])))
            .collect();
        let Some(outcome) = lm::minimize(&mut problem, &x0, &lower, &upper, &lm_options) else {
            continue;
        };
        let good = outcome.converged && !touches_bound(&outcome.x, &lower, &upper);
        if best.as_ref().is_none_or(|(b, _)| outcome.chi2 < b.chi2) {
            let params = problem.params_at(&outcome.x);
            best = Some((outcome, params));
        }
        if good {
            break;
        }
    }
    let (outcome, values) = best.ok_or(FitError::Failed)?;
    finish(
        circuit,
        &f,
        frequencies_hz,
        options,
        &constraints,
        &free,
        outcome,
        values,
    )
}

/// A start value the transform accepts (guesses can be degenerate on odd data).
fn usable(circuit: &Circuit, i: usize, v: f64) -> f64 {
    match circuit.params()[i].kind {
        ParamKind::Positive if v.is_finite() && v > 0.0 => v,
        ParamKind::Positive => 1.0,
        ParamKind::Exponent if v.is_finite() => v.clamp(0.0, 1.0),
        ParamKind::Exponent => 0.9,
    }
}

fn touches_bound(x: &[f64], lower: &[f64], upper: &[f64]) -> bool {
    x.iter()
        .zip(lower.iter().zip(upper))
        .any(|(v, (lo, hi))| v <= lo || v >= hi)
}

#[allow(clippy::too_many_arguments)]
fn finish(
    circuit: &Circuit,
    f: &[f64],
    all_f: &[f64],
    options: &FitOptions,
    constraints: &Constraints,
    free: &[usize],
    outcome: lm::Outcome,
    mut values: Vec<f64>,
) -> Result<FitResult, FitError> {
    let n = circuit.param_count();
    let m = 2 * f.len();
    let dof = m.saturating_sub(free.len());
    let reduced = if dof > 0 {
        outcome.chi2 / dof as f64
    } else {
        f64::NAN
    };
    // Covariance of the natural parameters: s² (JᵀJ)⁻¹ with s² = χ²/(m − p). The solver's
    // JᵀJ is in transformed parameters; ∂/∂θ = (1/θ) ∂/∂ln θ, so cov_θ = D cov_x D with
    // D = diag(θ) for log-transformed parameters.
    let k = free.len();
    let inverse = if dof > 0 {
        linalg::spd_inverse(&outcome.jtj, k)
    } else {
        None
    };
    let chain: Vec<f64> = free
        .iter()
        .map(|&i| match circuit.params()[i].kind {
            ParamKind::Positive => values[i],
            ParamKind::Exponent => 1.0,
        })
        .collect();
    let mut covariance = inverse.map(|inv| {
        let mut full = vec![0.0; n * n];
        for (p, &i) in free.iter().enumerate() {
            for (q, &jj) in free.iter().enumerate() {
                full[i * n + jj] = inv[p * k + q] * chain[p] * chain[q] * reduced;
            }
        }
        full
    });
    // Judged before the arcs are reordered: the solver's JᵀJ is in the original order.
    let mut why = undetermined(
        circuit,
        constraints,
        free,
        &values,
        covariance.as_deref(),
        &outcome,
    );
    // Interchangeable arcs are reported fastest first, so `R1` means the same arc in every
    // spectrum of a sequence.
    if let Some(perm) = arc_order(circuit, &values, &constraints.locked) {
        values = perm.iter().map(|&from| values[from]).collect();
        why = perm.iter().map(|&from| why[from]).collect();
        if let Some(c) = covariance.as_mut() {
            let old = c.clone();
            for i in 0..n {
                for j in 0..n {
                    c[i * n + j] = old[perm[i] * n + perm[j]];
                }
            }
        }
    }
    let mut warnings = Vec::new();
    if !outcome.converged {
        warnings.push(FitWarning::NotConverged {
            iterations: outcome.iterations,
        });
    }
    if covariance.is_none() && k > 0 {
        warnings.push(FitWarning::Undetermined);
    }
    for &i in free {
        let info = &circuit.params()[i];
        if let Some(w) = why[i] {
            let value = match w {
                Undetermined::Bound { bound } => bound,
                _ => values[i],
            };
            warnings.push(FitWarning::ParamUndetermined {
                param: info.name.clone(),
                value,
                unit: info.unit.to_string(),
                why: w,
            });
        } else if info.kind == ParamKind::Exponent && (values[i] <= 1e-9 || values[i] >= 1.0 - 1e-9)
        {
            // P = 1 (an ideal capacitor) or 0 (a resistor) is a legitimate result; say so.
            warnings.push(FitWarning::AtBound {
                param: info.name.clone(),
                value: values[i].round(),
                unit: info.unit.to_string(),
            });
        }
    }
    let params: Vec<FittedParam> = circuit
        .params()
        .iter()
        .enumerate()
        .map(|(i, info)| FittedParam {
            name: info.name.clone(),
            value: values[i],
            stderr: covariance.as_ref().and_then(|c| {
                let v = c[i * n + i];
                (constraints.fixed[i].is_none() && v >= 0.0 && v.is_finite()).then(|| v.sqrt())
            }),
            unit: info.unit.to_string(),
            fixed: constraints.fixed[i].is_some(),
            undetermined: why[i],
        })
        .collect();
    let flags: Vec<bool> = why.iter().map(Option::is_some).collect();
    let arcs = arc_fits(circuit, &values, covariance.as_deref(), &flags);
    let f_min_all = all_f.iter().copied().fold(f64::INFINITY, f64::min);
    for arc in &arcs {
        // An undetermined arc has its own warning; its f_peak means nothing.
        if arc.f_peak_hz <= f_min_all && !arc.undetermined {
            warnings.push(FitWarning::PeakBelowData {
                r_name: arc.r_name.clone(),
                f_peak_hz: arc.f_peak_hz,
                f_min_hz: f_min_all,
            });
        }
    }
    Ok(FitResult {
        circuit: circuit.text().to_string(),
        params,
        covariance: covariance.unwrap_or_default(),
        chi2: outcome.chi2,
        reduced_chi2: reduced,
        weighting: options.weighting,
        points: f.len(),
        window_min_hz: f.iter().copied().fold(f64::INFINITY, f64::min),
        window_max_hz: f.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        iterations: outcome.iterations,
        converged: outcome.converged,
        arcs,
        warnings,
    })
}

/// Which free parameters the data leave undetermined, and why (in the solver's order).
fn undetermined(
    circuit: &Circuit,
    constraints: &Constraints,
    free: &[usize],
    values: &[f64],
    covariance: Option<&[f64]>,
    outcome: &lm::Outcome,
) -> Vec<Option<Undetermined>> {
    let n = circuit.param_count();
    let k = free.len();
    let max_diag = (0..k)
        .map(|p| outcome.jtj[p * k + p])
        .fold(0.0f64, f64::max);
    let mut why = vec![None; n];
    for (p, &i) in free.iter().enumerate() {
        let x = Cnls::transformed(circuit, i, values[i]);
        // "Numerically at" a bound: within a millionth (relative, for log parameters).
        let near = |b: f64| (x - b).abs() <= 1e-6 * (1.0 + b.abs());
        let limit = circuit.params()[i].kind == ParamKind::Positive && x.abs() >= LOG_LIMIT - 1.0;
        why[i] = if limit {
            Some(Undetermined::Limit)
        } else if let Some(bound) = constraints.user_lower[i].filter(|_| near(constraints.lower[i]))
        {
            Some(Undetermined::Bound { bound })
        } else if let Some(bound) = constraints.user_upper[i].filter(|_| near(constraints.upper[i]))
        {
            Some(Undetermined::Bound { bound })
        } else if let Some(cov) = covariance {
            let relative = cov[i * n + i].max(0.0).sqrt() / values[i].abs();
            (relative.is_nan() || relative > MAX_RELATIVE_ERROR)
                .then_some(Undetermined::Error { relative })
        } else {
            // No covariance: a parameter whose column of J vanishes has no effect on Z.
            (outcome.jtj[p * k + p] <= 1e-12 * max_diag).then_some(Undetermined::Insensitive)
        };
    }
    why
}
