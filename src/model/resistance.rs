//! Resistances the paper derives: electronic (a difference of arcs), stripping
//! (overpotential over current density), tunnelling under bias (Simmons), and the split
//! between the two electrodes of a symmetric cell.

/// The film's electronic resistance read as the difference of two experiments' arcs:
/// R(Mg/Mg with polysulfide) − R(GC/GC with polysulfide), Ω·cm².
pub fn electronic_resistance(r_with_film: f64, r_reference: f64) -> f64 {
    r_with_film - r_reference
}

/// Stripping resistance η / j, Ω·cm², from an overpotential in V and a current density in
/// A/cm² (magnitudes: the sign of the current only says which way).
pub fn stripping_resistance(overpotential_v: f64, current_density_a_per_cm2: f64) -> f64 {
    overpotential_v.abs() / current_density_a_per_cm2.abs()
}

/// Simmons' intermediate-bias tunnelling law j = (V/R0)(1 + V²/Vs²): the chord resistance
/// V/j = R0 / (1 + V²/Vs²). At V ≫ Vs the current rises with the cube of the bias and the
/// resistance falls as 1/V².
pub fn simmons_chord_resistance(r0: f64, v_scale_v: f64, bias_v: f64) -> f64 {
    r0 / (1.0 + (bias_v / v_scale_v).powi(2))
}

/// The differential resistance dV/dj = R0 / (1 + 3V²/Vs²) of the same law (what a small
/// AC signal on top of the bias measures).
pub fn simmons_differential_resistance(r0: f64, v_scale_v: f64, bias_v: f64) -> f64 {
    r0 / (1.0 + 3.0 * (bias_v / v_scale_v).powi(2))
}

/// A symmetric cell's arc is two equal electrodes in series: each has half the resistance.
pub fn per_electrode_resistance(cell_r: f64) -> f64 {
    cell_r / 2.0
}

/// …and twice the capacitance (two equal capacitors in series give half of one).
pub fn per_electrode_capacitance(cell_c: f64) -> f64 {
    cell_c * 2.0
}

/// The whole-cell values back from one electrode's.
pub fn cell_resistance(per_electrode_r: f64) -> f64 {
    per_electrode_r * 2.0
}

pub fn cell_capacitance(per_electrode_c: f64) -> f64 {
    per_electrode_c / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_resistances_by_hand() {
        // 6.5 kΩ·cm² (Mg) − 2.5 kΩ·cm² (GC) = 4.0 kΩ·cm².
        assert_eq!(electronic_resistance(6.5e3, 2.5e3), 4.0e3);
        // 310 mV at 10 mA/cm² → 0.31 / 0.01 = 31 Ω·cm²; 94 mV at 0.3 mA/cm² → 313.3 Ω·cm².
        assert!((stripping_resistance(0.31, 0.01) - 31.0).abs() < 1e-12);
        assert!((stripping_resistance(0.094, -3e-4) - 313.333).abs() < 1e-3);
    }

    #[test]
    fn simmons_by_hand() {
        // R0 = 5 Ω·cm², Vs = 0.05 V. At 0.1 V: V/Vs = 2 → chord 5/(1+4) = 1; differential
        // 5/(1+12) = 0.384615. At zero bias both are R0.
        assert!((simmons_chord_resistance(5.0, 0.05, 0.1) - 1.0).abs() < 1e-12);
        assert!((simmons_differential_resistance(5.0, 0.05, 0.1) - 0.384615).abs() < 1e-6);
        assert_eq!(simmons_chord_resistance(5.0, 0.05, 0.0), 5.0);
        // Doubling a large bias divides the chord resistance by about 4 (∝ 1/V²).
        let r1 = simmons_chord_resistance(5.0, 0.05, 1.0);
        let r2 = simmons_chord_resistance(5.0, 0.05, 2.0);
        assert!((r1 / r2 - 4.0).abs() < 0.01);
    }

    #[test]
    fn symmetric_cell_split_by_hand() {
        // 40 kΩ·cm² and 17 µF/cm² for the cell → 20 kΩ·cm² and 34 µF/cm² per electrode.
        assert_eq!(per_electrode_resistance(40e3), 20e3);
        assert!((per_electrode_capacitance(17e-6) - 34e-6).abs() < 1e-18);
        assert_eq!(cell_resistance(20e3), 40e3);
        assert!((cell_capacitance(34e-6) - 17e-6).abs() < 1e-18);
    }
}
