//! Closed-form small-signal elements: constant-phase elements, the finite Warburg, and the
//! conversions between a CPE's magnitude T and its effective capacitance (Eq. 1 of the paper).
//!
//! Everything is per unit area (Ω cm², S/cm²) until the cell topology divides by the wetted area.

use num_complex::Complex64;
use std::f64::consts::FRAC_PI_2;

/// Faraday constant, C/mol.
pub const FARADAY: f64 = 96_485.332_12;
/// Gas constant, J/(mol K).
pub const GAS: f64 = 8.314_462_618;

/// F/RT at `temperature_c`, 1/V (38.92 at 25 °C).
pub fn f_over_rt(temperature_c: f64) -> f64 {
    FARADAY / (GAS * (temperature_c + 273.15))
}

/// Admittance of a CPE, T·(jω)^P = T·ω^P·(cos(πP/2) + j·sin(πP/2)).
pub fn cpe_admittance(t: f64, p: f64, omega: f64) -> Complex64 {
    let angle = p * FRAC_PI_2;
    let magnitude = t * omega.powf(p);
    Complex64::new(magnitude * angle.cos(), magnitude * angle.sin())
}

/// The CPE magnitude T that gives effective capacitance `c` (Eq. 1, C = (R^(1−P)·T)^(1/P))
/// in parallel with resistance `r`: T = C^P / R^(1−P).
pub fn cpe_t_from_capacitance(c: f64, r: f64, p: f64) -> f64 {
    c.powf(p) / r.powf(1.0 - p)
}

/// Finite-length (transmissive) Warburg, R_D·tanh√(jωτ)/√(jωτ); tends to R_D at ω → 0.
pub fn finite_warburg(r_d: f64, tau: f64, omega: f64) -> Complex64 {
    if r_d == 0.0 {
        return Complex64::new(0.0, 0.0);
    }
    let s = Complex64::new(0.0, omega * tau).sqrt();
    if s.norm() < 1e-6 {
        return Complex64::new(r_d, 0.0);
    }
    // tanh saturates at 1 long before cosh overflows; avoid inf/inf at high frequency.
    let tanh = if s.re > 20.0 {
        Complex64::new(1.0, 0.0)
    } else {
        s.tanh()
    };
    tanh / s * r_d
}

/// Large-signal factor of an exponential (sinh-type) conductance driven by a sine of peak
/// `x` in units of its voltage scale: the first harmonic of sinh(x·sin ωt) is 2·I₁(x), so the
/// conductance an impedance analyser reads is the small-signal one times 2·I₁(x)/x (1 for a
/// small amplitude, 1 + x²/8 to first order).
pub fn large_signal_factor(x: f64) -> f64 {
    let x = x.abs().min(600.0);
    if x < 1e-8 {
        return 1.0;
    }
    if x > 40.0 {
        // Asymptotic I₁(x) ≈ eˣ/√(2πx)·(1 − 3/(8x)).
        return 2.0 * x.exp() / (2.0 * std::f64::consts::PI * x).sqrt() * (1.0 - 0.375 / x) / x;
    }
    // I₁(x) = Σ (x/2)^(2k+1) / (k!(k+1)!)
    let h = x / 2.0;
    let mut term = h;
    let mut sum = term;
    for k in 1..200 {
        term *= h * h / (k as f64 * (k + 1) as f64);
        sum += term;
        if term < 1e-17 * sum {
            break;
        }
    }
    2.0 * sum / x
}

/// Parallel combination of a conductance and an admittance, inverted: 1/(g + y).
pub fn invert(y: Complex64) -> Complex64 {
    Complex64::new(1.0, 0.0) / y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eq1_round_trips() {
        let (r, p) = (20e3, 0.97);
        let t = cpe_t_from_capacitance(31e-6, r, p);
        assert!((t - 3.14e-5).abs() < 0.01e-5, "{t}");
        let c = (r.powf(1.0 - p) * t).powf(1.0 / p);
        assert!((c - 31e-6).abs() < 1e-12);
    }

    #[test]
    fn warburg_limits() {
        assert!((finite_warburg(8.0, 8.0, 1e-9).re - 8.0).abs() < 1e-6);
        let high = finite_warburg(8.0, 8.0, 2.0 * std::f64::consts::PI * 1e6);
        assert!(high.norm() < 1e-2 && high.re.is_finite());
    }

    #[test]
    fn large_signal_factor_limits() {
        assert_eq!(large_signal_factor(0.0), 1.0);
        let x: f64 = 0.3;
        assert!((large_signal_factor(x) - (1.0 + x * x / 8.0)).abs() < 1e-4);
        // Both branches agree where they meet.
        let (a, b) = (large_signal_factor(39.999), large_signal_factor(40.001));
        assert!((a / b - 1.0).abs() < 2e-3, "{a} {b}");
    }

    #[test]
    fn thermal_voltage() {
        assert!((f_over_rt(25.0) - 38.92).abs() < 0.01);
    }
}
