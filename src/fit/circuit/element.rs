//! Circuit elements: what each one is, its parameters, and its impedance with analytic
//! derivatives over a whole frequency array at once (one tight loop per element, which lets
//! the compiler keep everything in registers — the fit spends most of its time here).

use num_complex::Complex64;
use std::f64::consts::FRAC_PI_2;

/// The kinds of element a circuit string may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementKind {
    /// Resistor, Z = R.
    R,
    /// Capacitor, Z = 1 / (jωC).
    C,
    /// Inductor, Z = jωL.
    L,
    /// Constant-phase element, Z = 1 / (T (jω)^P) (Boukamp's Q).
    Cpe,
    /// Semi-infinite Warburg, Z = σ (1 − j) / √ω (impedance.py's `W`).
    W,
    /// Finite-space ("open", reflective) Warburg, Z = R coth(√(jωτ)) / √(jωτ).
    Wo,
    /// Finite-length ("short", transmissive) Warburg, Z = R tanh(√(jωτ)) / √(jωτ).
    Ws,
}

/// How a parameter is constrained and transformed inside the solver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamKind {
    /// Strictly positive (R, C, L, T, σ, τ): fitted as its logarithm.
    Positive,
    /// A CPE exponent, fitted as is and kept inside [0, 1].
    Exponent,
}

impl ElementKind {
    /// Every kind, longest spelling first (the order in which name prefixes are matched).
    pub const PREFIXES: [(&'static str, ElementKind); 8] = [
        ("CPE", ElementKind::Cpe),
        ("Wo", ElementKind::Wo),
        ("Ws", ElementKind::Ws),
        ("W", ElementKind::W),
        ("R", ElementKind::R),
        ("C", ElementKind::C),
        ("L", ElementKind::L),
        ("Q", ElementKind::Cpe),
    ];

    /// The element for a one-letter Boukamp CDC code (`O` and `T` are the finite Warburgs).
    pub fn from_cdc(letter: char) -> Option<ElementKind> {
        Some(match letter {
            'R' => ElementKind::R,
            'C' => ElementKind::C,
            'L' => ElementKind::L,
            'Q' => ElementKind::Cpe,
            'W' => ElementKind::W,
            'O' => ElementKind::Wo,
            'T' => ElementKind::Ws,
            _ => return None,
        })
    }

    /// Parameter name suffixes; a one-parameter element's parameter is named after the element.
    pub fn suffixes(self) -> &'static [&'static str] {
        match self {
            ElementKind::R | ElementKind::C | ElementKind::L | ElementKind::W => &[""],
            ElementKind::Cpe => &["_T", "_P"],
            ElementKind::Wo | ElementKind::Ws => &["_R", "_tau"],
        }
    }

    pub fn param_count(self) -> usize {
        self.suffixes().len()
    }

    /// Display units of the parameters, in order.
    pub fn units(self) -> &'static [&'static str] {
        match self {
            ElementKind::R => &["Ohm"],
            ElementKind::C => &["F"],
            ElementKind::L => &["H"],
            ElementKind::Cpe => &["F s^(P-1)", ""],
            ElementKind::W => &["Ohm s^-1/2"],
            ElementKind::Wo | ElementKind::Ws => &["Ohm", "s"],
        }
    }

    pub fn param_kinds(self) -> &'static [ParamKind] {
        match self {
            ElementKind::Cpe => &[ParamKind::Positive, ParamKind::Exponent],
            ElementKind::Wo | ElementKind::Ws => &[ParamKind::Positive, ParamKind::Positive],
            _ => &[ParamKind::Positive],
        }
    }

    /// True for elements that store charge (the capacitive half of an arc).
    pub fn is_capacitive(self) -> bool {
        matches!(self, ElementKind::C | ElementKind::Cpe)
    }
}

/// Frequency data shared by every evaluation of one spectrum: ω and ln ω per point.
#[derive(Debug, Clone, Default)]
pub struct Omega {
    pub omega: Vec<f64>,
    pub ln_omega: Vec<f64>,
}

impl Omega {
    pub fn from_hz(frequencies_hz: &[f64]) -> Omega {
        let omega: Vec<f64> = frequencies_hz
            .iter()
            .map(|f| 2.0 * std::f64::consts::PI * f)
            .collect();
        let ln_omega = omega.iter().map(|w| w.ln()).collect();
        Omega { omega, ln_omega }
    }

    pub fn len(&self) -> usize {
        self.omega.len()
    }

    pub fn is_empty(&self) -> bool {
        self.omega.is_empty()
    }
}

/// Writes the element's impedance into `z` and, when `dz` is given, ∂Z/∂(parameter k) into
/// `dz[k·n .. (k+1)·n]` (parameter-major, n = `z.len()`).
pub fn evaluate(
    kind: ElementKind,
    params: &[f64],
    w: &Omega,
    z: &mut [Complex64],
    dz: Option<&mut [Complex64]>,
) {
    match kind {
        ElementKind::R => {
            z.fill(Complex64::new(params[0], 0.0));
            if let Some(dz) = dz {
                dz.fill(Complex64::new(1.0, 0.0));
            }
        }
        ElementKind::C => {
            let c = params[0];
            for (zk, &om) in z.iter_mut().zip(&w.omega) {
                *zk = Complex64::new(0.0, -1.0 / (om * c));
            }
            if let Some(dz) = dz {
                for (d, zk) in dz.iter_mut().zip(z.iter()) {
                    *d = -*zk / c;
                }
            }
        }
        ElementKind::L => {
            let l = params[0];
            for (zk, &om) in z.iter_mut().zip(&w.omega) {
                *zk = Complex64::new(0.0, om * l);
            }
            if let Some(dz) = dz {
                for (d, &om) in dz.iter_mut().zip(&w.omega) {
                    *d = Complex64::new(0.0, om);
                }
            }
        }
        ElementKind::Cpe => cpe(params[0], params[1], w, z, dz),
        ElementKind::W => {
            let sigma = params[0];
            for (zk, &om) in z.iter_mut().zip(&w.omega) {
                let a = sigma / om.sqrt();
                *zk = Complex64::new(a, -a);
            }
            if let Some(dz) = dz {
                for (d, zk) in dz.iter_mut().zip(z.iter()) {
                    *d = *zk / sigma;
                }
            }
        }
        ElementKind::Wo => warburg(true, params[0], params[1], w, z, dz),
        ElementKind::Ws => warburg(false, params[0], params[1], w, z, dz),
    }
}

/// Z = 1/(T (jω)^P) = ω^−P e^{−jπP/2} / T. The phase factor is the same at every point, so
/// only one `exp` per point is needed.
fn cpe(t: f64, p: f64, w: &Omega, z: &mut [Complex64], dz: Option<&mut [Complex64]>) {
    let phase = Complex64::from_polar(1.0 / t, -p * FRAC_PI_2);
    for (zk, &lw) in z.iter_mut().zip(&w.ln_omega) {
        *zk = phase * (-p * lw).exp();
    }
    if let Some(dz) = dz {
        let (dt, dp) = dz.split_at_mut(z.len());
        let inv_t = 1.0 / t;
        for ((d_t, d_p), (zk, &lw)) in dt
            .iter_mut()
            .zip(dp.iter_mut())
            .zip(z.iter().zip(&w.ln_omega))
        {
            *d_t = -*zk * inv_t;
            // ∂Z/∂P = −Z (ln ω + jπ/2)
            *d_p = -*zk * Complex64::new(lw, FRAC_PI_2);
        }
    }
}

/// Finite Warburgs: Z = R g(s), s = √(jωτ), with g = coth(s)/s (open) or tanh(s)/s (short).
fn warburg(
    open: bool,
    r: f64,
    tau: f64,
    w: &Omega,
    z: &mut [Complex64],
    dz: Option<&mut [Complex64]>,
) {
    let sqrt_j = Complex64::new(
        std::f64::consts::FRAC_1_SQRT_2,
        std::f64::consts::FRAC_1_SQRT_2,
    );
    match dz {
        None => {
            for (zk, &om) in z.iter_mut().zip(&w.omega) {
                let s = sqrt_j * (om * tau).sqrt();
                *zk = g_and_derivative(open, s).0 * r;
            }
        }
        Some(dz) => {
            let (dr, dtau) = dz.split_at_mut(z.len());
            for (((zk, d_r), d_tau), &om) in z
                .iter_mut()
                .zip(dr.iter_mut())
                .zip(dtau.iter_mut())
                .zip(&w.omega)
            {
                let s = sqrt_j * (om * tau).sqrt();
                let (g, dg) = g_and_derivative(open, s);
                *zk = g * r;
                *d_r = g;
                // ds/dτ = s / (2τ)
                *d_tau = dg * s * (r / (2.0 * tau));
            }
        }
    }
}

/// g(s) and g'(s) for the finite Warburgs, computed without overflow: tanh through e^{−2s}
/// (Re s > 0 always), and by series where s is so small that the closed form cancels.
fn g_and_derivative(open: bool, s: Complex64) -> (Complex64, Complex64) {
    let s2 = s * s;
    if s.norm() < 1e-4 {
        return if open {
            // coth(s)/s = 1/s² + 1/3 − s²/45 + …
            let inv_s2 = 1.0 / s2;
            (
                inv_s2 + 1.0 / 3.0 - s2 / 45.0,
                -2.0 * inv_s2 / s - 2.0 * s / 45.0,
            )
        } else {
            // tanh(s)/s = 1 − s²/3 + 2s⁴/15 − …
            (
                1.0 - s2 / 3.0 + 2.0 * s2 * s2 / 15.0,
                -2.0 * s / 3.0 + 8.0 * s2 * s / 15.0,
            )
        };
    }
    let e = (-2.0 * s).exp();
    let tanh = (1.0 - e) / (1.0 + e);
    let h = if open { 1.0 / tanh } else { tanh };
    // d/ds tanh = 1 − tanh², d/ds coth = 1 − coth²: the same form in h.
    let g = h / s;
    let dg = (1.0 - h * h) / s - h / s2;
    (g, dg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval_one(kind: ElementKind, params: &[f64], f: f64) -> (Complex64, Vec<Complex64>) {
        let w = Omega::from_hz(&[f]);
        let mut z = [Complex64::default()];
        let mut dz = vec![Complex64::default(); params.len()];
        evaluate(kind, params, &w, &mut z, Some(&mut dz));
        (z[0], dz)
    }

    #[test]
    fn cpe_with_p_one_is_a_capacitor() {
        // T = 1e-6, P = 1, f = 1/(2π) Hz → ω = 1 → Z = −j·1e6
        let (z, _) = eval_one(
            ElementKind::Cpe,
            &[1e-6, 1.0],
            1.0 / (2.0 * std::f64::consts::PI),
        );
        assert!((z - Complex64::new(0.0, -1e6)).norm() < 1e-6);
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let cases: &[(ElementKind, &[f64])] = &[
            (ElementKind::R, &[12.0]),
            (ElementKind::C, &[3e-6]),
            (ElementKind::L, &[2e-7]),
            (ElementKind::Cpe, &[2e-5, 0.87]),
            (ElementKind::W, &[40.0]),
            (ElementKind::Wo, &[150.0, 3.0]),
            (ElementKind::Ws, &[150.0, 3.0]),
        ];
        for &(kind, params) in cases {
            for f in [1e-3, 0.37, 12.0, 4.1e4, 1e6] {
                let (z0, dz) = eval_one(kind, params, f);
                for k in 0..params.len() {
                    let mut p = params.to_vec();
                    let h = p[k] * 1e-6;
                    p[k] += h;
                    let (z1, _) = eval_one(kind, &p, f);
                    let fd = (z1 - z0) / h;
                    let err = (fd - dz[k]).norm() / dz[k].norm().max(1e-300);
                    assert!(
                        err < 1e-4,
                        "{kind:?} param {k} at {f} Hz: {fd} vs {}",
                        dz[k]
                    );
                }
            }
        }
    }

    #[test]
    fn finite_warburgs_have_the_right_limits() {
        // Short Warburg → R at low frequency; open Warburg → capacitor τ/R at low frequency.
        let (zs, _) = eval_one(ElementKind::Ws, &[100.0, 1.0], 1e-9);
        assert!((zs - Complex64::new(100.0, 0.0)).norm() < 1e-3);
        let (zo, _) = eval_one(ElementKind::Wo, &[100.0, 1.0], 1e-6);
        let omega = 2.0 * std::f64::consts::PI * 1e-6;
        assert!((zo.im - (-100.0 / omega)).abs() / (100.0 / omega) < 1e-6);
        // Both → semi-infinite Warburg at high frequency, finite without overflow.
        let (zh, _) = eval_one(ElementKind::Wo, &[100.0, 1e6], 1e6);
        assert!(zh.re.is_finite() && (zh.re + zh.im).abs() < 1e-9 * zh.re.abs().max(1.0));
    }
}
