//! What a fit gives: parameters with standard errors, χ², the full covariance, and per arc
//! the effective capacitance (Eq. 1) and peak frequency with errors carried through.

use super::circuit::{Arc, Circuit};
use super::options::Weighting;
use crate::model::capacitance;
use serde::{Deserialize, Serialize};

/// One fitted parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedParam {
    pub name: String,
    pub value: f64,
    /// One standard error from the covariance; None when fixed or not estimable.
    pub stderr: Option<f64>,
    pub unit: String,
    pub fixed: bool,
    /// Why the data do not determine this parameter (its value is then not a measurement).
    #[serde(default)]
    pub undetermined: Option<Undetermined>,
}

/// Why a parameter is not determined by the data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum Undetermined {
    /// It ran to the solver's internal limit (about 1e±35).
    Limit,
    /// It ended on a bound the user set; the data would take it further.
    Bound { bound: f64 },
    /// Its standard error exceeds its value (`relative` = stderr / |value|; may be infinite).
    Error { relative: f64 },
    /// The fitted impedance does not depend on it (the covariance is singular).
    Insensitive,
}

/// Relative standard error above which a parameter counts as undetermined: the data do not
/// fix even its order of magnitude.
pub const MAX_RELATIVE_ERROR: f64 = 1.0;

/// One R ∥ C/CPE arc of the fitted circuit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArcFit {
    /// Name of the arc's resistor (`R1`).
    pub r_name: String,
    pub r_ohm: f64,
    pub r_stderr: Option<f64>,
    /// 1 for an ideal capacitor.
    pub p: f64,
    /// Effective capacitance, Eq. 1: C = (R^(1−P) T)^(1/P).
    pub c_eff_f: f64,
    pub c_eff_stderr: Option<f64>,
    /// f = 1/(2π (R T)^(1/P)).
    pub f_peak_hz: f64,
    pub f_peak_stderr: Option<f64>,
    /// Time constant (R T)^(1/P).
    pub tau_s: f64,
    /// True when R, T or P is undetermined: then C, f_peak and τ are not measurements.
    #[serde(default)]
    pub undetermined: bool,
}

/// Something the user should know about a fit that did not fail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FitWarning {
    /// The arc's peak lies at or below the lowest measured frequency: R is extrapolated.
    PeakBelowData {
        r_name: String,
        f_peak_hz: f64,
        f_min_hz: f64,
    },
    /// A parameter ended on one of its bounds (a user's bound, or 0 or 1 for an exponent).
    AtBound {
        param: String,
        value: f64,
        #[serde(default)]
        unit: String,
    },
    /// A parameter the data do not determine: its value, and its arc's C and f_peak, are not
    /// reported as measurements.
    ParamUndetermined {
        param: String,
        value: f64,
        unit: String,
        why: Undetermined,
    },
    NotConverged {
        iterations: usize,
    },
    /// The parameters are not all determined by the data (standard errors unavailable).
    Undetermined,
}

impl std::fmt::Display for FitWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::units::{Dimension, format_si};
        match self {
            FitWarning::PeakBelowData {
                r_name,
                f_peak_hz,
                f_min_hz,
            } => write!(
                f,
                "the arc of {r_name} peaks at {}, at or below the lowest measured frequency {}: its resistance is extrapolated",
                format_si(*f_peak_hz, Dimension::Frequency),
                format_si(*f_min_hz, Dimension::Frequency)
            ),
            FitWarning::AtBound { param, value, unit } => {
                write!(f, "{param} ended on its bound {}", show_value(*value, unit))
            }
            FitWarning::ParamUndetermined {
                param,
                value,
                unit,
                why,
            } => {
                let v = show_value(*value, unit);
                match why {
                    Undetermined::Limit => write!(
                        f,
                        "{param} ran off to {v}, the solver's limit: the data do not determine it"
                    ),
                    Undetermined::Bound { .. } => write!(
                        f,
                        "{param} ended on its bound {v}: the data would take it further, so it is the bound, not a measurement"
                    ),
                    Undetermined::Error { relative } if relative.is_finite() => write!(
                        f,
                        "{param} is not determined by the data: its standard error is {} times its value ({v})",
                        if *relative < 1e4 {
                            crate::units::trim_number(*relative)
                        } else {
                            format!("{relative:.1e}")
                        }
                    ),
                    Undetermined::Error { .. } => write!(
                        f,
                        "{param} is not determined by the data: its standard error is unbounded ({v})"
                    ),
                    Undetermined::Insensitive => write!(
                        f,
                        "{param} is not determined by the data: the fitted impedance does not depend on it ({v})"
                    ),
                }?;
                f.write_str(
                    "; it is reported as undetermined, with any C and f_peak derived from it",
                )
            }
            FitWarning::NotConverged { iterations } => {
                write!(f, "the fit did not converge in {iterations} iterations")
            }
            FitWarning::Undetermined => f.write_str(
                "the data do not determine every parameter; standard errors are unavailable",
            ),
        }
    }
}

/// The result of fitting one spectrum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitResult {
    pub circuit: String,
    pub params: Vec<FittedParam>,
    /// Covariance of the natural parameters (row-major, params × params; zero rows for
    /// fixed ones), scaled by the reduced χ².
    pub covariance: Vec<f64>,
    /// Weighted sum of squared residuals (real and imaginary parts).
    pub chi2: f64,
    /// χ² / (2·points − free parameters).
    pub reduced_chi2: f64,
    pub weighting: Weighting,
    /// Points used (inside the window).
    pub points: usize,
    pub window_min_hz: f64,
    pub window_max_hz: f64,
    pub iterations: usize,
    pub converged: bool,
    pub arcs: Vec<ArcFit>,
    pub warnings: Vec<FitWarning>,
}

impl FitResult {
    /// Parameter values in circuit order (a warm start for the next spectrum).
    pub fn values(&self) -> Vec<f64> {
        self.params.iter().map(|p| p.value).collect()
    }

    pub fn param(&self, name: &str) -> Option<&FittedParam> {
        self.params.iter().find(|p| p.name == name)
    }

    /// The first arc (after ordering by time constant, the fastest).
    pub fn main_arc(&self) -> Option<&ArcFit> {
        self.arcs.first()
    }

    /// Names of the parameters the data do not determine.
    pub fn undetermined(&self) -> Vec<&str> {
        self.params
            .iter()
            .filter(|p| p.undetermined.is_some())
            .map(|p| p.name.as_str())
            .collect()
    }
}

/// A value with its unit: SI prefixes for Ω, F, Hz within the prefixes' range, else
/// scientific notation (`10 Ohm`, `1.1846e-5 F s^(P-1)`, `5.5406e34 Ohm`).
pub fn show_value(value: f64, unit: &str) -> String {
    use crate::units::{Dimension, format_si, trim_number};
    let dimension = match unit {
        "Ohm" => Some(Dimension::Resistance),
        "F" => Some(Dimension::Capacitance),
        "Hz" => Some(Dimension::Frequency),
        _ => None,
    };
    let tame = value == 0.0 || (1e-12..1e12).contains(&value.abs());
    match dimension {
        Some(d) if tame => format_si(value, d),
        _ if !value.is_finite() => format!("{value} {unit}").trim().to_string(),
        _ if value != 0.0 && (value.abs() >= 1e4 || value.abs() < 1e-2) => {
            format!("{value:.4e} {unit}").trim().to_string()
        }
        _ => format!("{} {unit}", trim_number(value)).trim().to_string(),
    }
}

/// Builds the per-arc quantities from natural values and covariance (n×n).
/// `undetermined[i]` marks parameters the data do not determine; an arc with one is marked too.
pub fn arc_fits(
    circuit: &Circuit,
    values: &[f64],
    cov: Option<&[f64]>,
    undetermined: &[bool],
) -> Vec<ArcFit> {
    let n = values.len();
    circuit
        .arcs()
        .iter()
        .map(|arc| {
            let r = values[arc.r];
            let t = values[arc.t];
            let p = arc.p.map_or(1.0, |i| values[i]);
            let c = capacitance::effective_capacitance(r, t, p);
            let f = capacitance::peak_frequency(r, t, p);
            let ln_rt = r.ln() + t.ln();
            // Gradients of C and f with respect to (R, T, P); see model::capacitance.
            let dc = [c * (1.0 / p - 1.0) / r, c / (p * t), -c * ln_rt / (p * p)];
            let df = [-f / (p * r), -f / (p * t), f * ln_rt / (p * p)];
            let idx = [Some(arc.r), Some(arc.t), arc.p];
            let propagate = |grad: &[f64; 3]| -> Option<f64> {
                let cov = cov?;
                let mut var = 0.0;
                for a in 0..3 {
                    for b in 0..3 {
                        if let (Some(i), Some(j)) = (idx[a], idx[b]) {
                            var += grad[a] * grad[b] * cov[i * n + j];
                        }
                    }
                }
                (var >= 0.0 && var.is_finite()).then(|| var.sqrt())
            };
            ArcFit {
                r_name: circuit.params()[arc.r].name.clone(),
                r_ohm: r,
                r_stderr: cov.and_then(|c| {
                    let v = c[arc.r * n + arc.r];
                    (v >= 0.0 && v.is_finite()).then(|| v.sqrt())
                }),
                p,
                c_eff_f: c,
                c_eff_stderr: propagate(&dc),
                f_peak_hz: f,
                f_peak_stderr: propagate(&df),
                tau_s: capacitance::time_constant(r, t, p),
                undetermined: [Some(arc.r), Some(arc.t), arc.p]
                    .into_iter()
                    .flatten()
                    .any(|i| undetermined.get(i).copied().unwrap_or(false)),
            }
        })
        .collect()
}

/// The permutation (new index → old index) that orders interchangeable top-level arcs by
/// time constant, fastest first; None when nothing moves.
pub fn arc_order(circuit: &Circuit, values: &[f64], locked: &[bool]) -> Option<Vec<usize>> {
    let arcs: Vec<&Arc> = circuit.arcs().iter().filter(|a| a.top_level).collect();
    let mut perm: Vec<usize> = (0..values.len()).collect();
    let mut moved = false;
    // Arcs are interchangeable only with arcs of the same shape (C with C, CPE with CPE).
    for shape in [true, false] {
        let group: Vec<&&Arc> = arcs.iter().filter(|a| a.p.is_some() == shape).collect();
        if group.len() < 2 {
            continue;
        }
        let params = |a: &Arc| [Some(a.r), Some(a.t), a.p];
        if group
            .iter()
            .any(|a| params(a).iter().flatten().any(|&i| locked[i]))
        {
            continue;
        }
        let tau = |a: &Arc| {
            capacitance::time_constant(values[a.r], values[a.t], a.p.map_or(1.0, |i| values[i]))
        };
        let mut sorted: Vec<&&Arc> = group.clone();
        sorted.sort_by(|a, b| tau(a).total_cmp(&tau(b)));
        for (slot, source) in group.iter().zip(&sorted) {
            for (to, from) in params(slot).iter().zip(params(source)) {
                if let (Some(to), Some(from)) = (to, from) {
                    perm[*to] = from;
                    moved |= *to != from;
                }
            }
        }
    }
    moved.then_some(perm)
}
