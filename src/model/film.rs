//! A film as a parallel-plate capacitor: thickness from capacitance and permittivity from
//! thickness (both per unit area).

/// Vacuum permittivity ε0, F/m (CODATA 2018).
pub const EPSILON_0_F_PER_M: f64 = 8.854_187_812_8e-12;

/// Film thickness d = ε0 εr / C, in m, from an areal capacitance in F/cm².
/// (C in F/cm² is 1e4 × C in F/m², hence the factor.)
pub fn thickness_from_capacitance(c_f_per_cm2: f64, eps_r: f64) -> f64 {
    EPSILON_0_F_PER_M * eps_r / (c_f_per_cm2 * 1e4)
}

/// Relative permittivity εr = C d / ε0 of a film of thickness `d_m` with areal capacitance
/// `c_f_per_cm2`.
pub fn permittivity_from_thickness(c_f_per_cm2: f64, d_m: f64) -> f64 {
    c_f_per_cm2 * 1e4 * d_m / EPSILON_0_F_PER_M
}

/// The capacitance of a film, C = ε0 εr / d, in F/cm².
pub fn capacitance_of_film(eps_r: f64, d_m: f64) -> f64 {
    EPSILON_0_F_PER_M * eps_r / d_m / 1e4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thickness_at_eps_10_by_hand() {
        // Mg: 17 µF/cm² = 0.17 F/m²; d = 8.8542e-12 × 10 / 0.17 = 5.2083e-10 m ≈ 0.52 nm.
        let d = thickness_from_capacitance(17e-6, 10.0);
        assert!((d - 5.2083e-10).abs() < 1e-13, "{d}");
        // Li: 4 µF/cm² = 0.04 F/m²; d = 8.8542e-11 / 0.04 = 2.2135e-9 m ≈ 2.2 nm.
        let d = thickness_from_capacitance(4e-6, 10.0);
        assert!((d - 2.2135e-9).abs() < 1e-12, "{d}");
    }

    #[test]
    fn permittivity_by_hand() {
        // 17 µF/cm² over 8.5 nm: εr = 0.17 × 8.5e-9 / 8.8542e-12 = 163.2 (the paper's tension).
        let e = permittivity_from_thickness(17e-6, 8.5e-9);
        assert!((e - 163.2).abs() < 0.1, "{e}");
        // Round trip with the compact film of the model: εr 5.5, 8.5 nm → 0.573 µF/cm².
        let c = capacitance_of_film(5.5, 8.5e-9);
        assert!((c - 0.5729e-6).abs() < 1e-10, "{c}");
        assert!((permittivity_from_thickness(c, 8.5e-9) - 5.5).abs() < 1e-12);
    }
}
