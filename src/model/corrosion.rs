//! Corrosion read from film growth, and the compact film's ionic resistance from it.

/// Faraday constant, C/mol.
pub const FARADAY_C_PER_MOL: f64 = 96_485.332_12;
/// Molar volume of MgO, cm³/mol (M = 40.30 g/mol, ρ = 3.58 g/cm³).
pub const MGO_MOLAR_VOLUME_CM3_PER_MOL: f64 = 11.26;

/// Corrosion current density, A/cm², that grows a porous MgO layer of `thickness_m` and
/// `porosity` (void fraction) in `duration_s`: i = 2F · d(1 − φ)/V_m / t (two electrons per
/// Mg oxidised to MgO).
pub fn corrosion_current_density(thickness_m: f64, porosity: f64, duration_s: f64) -> f64 {
    let oxide_cm3_per_cm2 = thickness_m * 100.0 * (1.0 - porosity);
    let mol_per_cm2 = oxide_cm3_per_cm2 / MGO_MOLAR_VOLUME_CM3_PER_MOL;
    2.0 * FARADAY_C_PER_MOL * mol_per_cm2 / duration_s
}

/// The (chord) ionic resistance of the compact film, Ω·cm², that lets `current_a_per_cm2`
/// pass under a driving voltage `voltage_v`: R = V / i.
pub fn ionic_resistance(voltage_v: f64, current_a_per_cm2: f64) -> f64 {
    voltage_v / current_a_per_cm2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrosion_current_by_hand() {
        // 300 nm = 3e-5 cm; × (1 − 0.5) = 1.5e-5 cm³/cm²; / 11.26 = 1.33215e-6 mol/cm²;
        // × 2 × 96485.33 = 0.257066 C/cm²; / (72 × 3600 = 259200 s) = 9.9177e-7 A/cm²
        // ≈ 0.99 µA/cm² (the paper's text says 0.8).
        let i = corrosion_current_density(300e-9, 0.5, 72.0 * 3600.0);
        assert!((i - 9.9177e-7).abs() < 1e-10, "{i}");
    }

    #[test]
    fn ionic_resistance_by_hand() {
        // 1 V over 0.99177 µA/cm² = 1.00830 MΩ·cm².
        let r = ionic_resistance(1.0, 9.9177e-7);
        assert!((r - 1.00830e6).abs() < 10.0, "{r}");
    }
}
