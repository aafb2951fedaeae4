//! The CPE arc's capacitance and characteristic frequency.
//!
//! An arc R ∥ CPE, Z_CPE = 1/(T (jω)^P), has its apex where R T ω^P = 1. Its effective
//! capacitance (Brug et al. for a surface distribution of time constants; the paper's Eq. 1)
//! and peak frequency follow from R, T and P alone.

use std::f64::consts::PI;

/// Eq. 1: effective capacitance C = (R^(1−P) T)^(1/P), in F (or F/cm² when R is in Ω·cm²
/// and T in F s^(P−1)/cm²). For P = 1 it is T itself.
pub fn effective_capacitance(r_ohm: f64, t: f64, p: f64) -> f64 {
    (r_ohm.powf(1.0 - p) * t).powf(1.0 / p)
}

/// Time constant τ = (R T)^(1/P), in s; the apex of −Z'' is at ω = 1/τ.
pub fn time_constant(r_ohm: f64, t: f64, p: f64) -> f64 {
    (r_ohm * t).powf(1.0 / p)
}

/// Peak frequency f = 1/(2π (R T)^(1/P)), in Hz. Note R · C_eff = τ, so f = 1/(2π R C).
pub fn peak_frequency(r_ohm: f64, t: f64, p: f64) -> f64 {
    1.0 / (2.0 * PI * time_constant(r_ohm, t, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eq1_by_hand() {
        // R = 1e5 Ω, T = 2e-5, P = 0.9:
        // R^(1−P) = 1e5^0.1 = 10^0.5 = 3.16228; × T = 6.32456e-5;
        // ^(1/0.9): ln(6.32456e-5) = 1.84444 − 11.51293 = −9.66849; / 0.9 = −10.74276;
        // exp = e^−10 · e^−0.74276 = 4.53999e-5 × 0.47580 = 2.1601e-5 F.
        let c = effective_capacitance(1e5, 2e-5, 0.9);
        assert!((c - 2.1601e-5).abs() < 1e-9, "{c}");
        // P = 1: C = T whatever R is.
        assert!((effective_capacitance(123.0, 4.5e-6, 1.0) - 4.5e-6).abs() < 1e-20);
    }

    #[test]
    fn peak_frequency_by_hand() {
        // R = 1e5 Ω, T = 2e-5, P = 0.9: R T = 2; 2^(1/0.9) = exp(0.693147/0.9) = exp(0.770164)
        // = 2.16012 s; f = 1/(2π · 2.16012) = 0.073679 Hz.
        let f = peak_frequency(1e5, 2e-5, 0.9);
        assert!((f - 0.073679).abs() < 1e-5, "{f}");
        // And R · C_eff equals the time constant.
        let c = effective_capacitance(1e5, 2e-5, 0.9);
        assert!((1e5 * c - time_constant(1e5, 2e-5, 0.9)).abs() < 1e-9);
        // Ideal RC: 40 kΩ·cm² and 17 µF/cm² → τ = 0.68 s → f = 0.23405 Hz.
        assert!((peak_frequency(40e3, 17e-6, 1.0) - 0.234051).abs() < 1e-5);
    }
}
