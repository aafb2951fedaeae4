//! Synthetic spectra from known parameters with seeded noise: the ground truth for the
//! accuracy tests, the benchmarks and the shipped example data.

use super::circuit::Circuit;
use num_complex::Complex64;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// Z of `circuit` at `frequencies_hz`, plus complex Gaussian noise: each part gets an
/// independent N(0, (σ|Z|)²) error, σ = `relative_noise` (0.005 for "0.5 % noise").
pub fn spectrum<R: Rng>(
    circuit: &Circuit,
    params: &[f64],
    frequencies_hz: &[f64],
    relative_noise: f64,
    rng: &mut R,
) -> Vec<Complex64> {
    circuit
        .impedance(params, frequencies_hz)
        .into_iter()
        .map(|z| {
            let a: f64 = StandardNormal.sample(rng);
            let b: f64 = StandardNormal.sample(rng);
            z + Complex64::new(a, b) * (relative_noise * z.norm())
        })
        .collect()
}

/// CPE magnitude T that gives effective capacitance `c_f` (Eq. 1 inverted):
/// C = (R^(1−P) T)^(1/P) ⇔ T = C^P / R^(1−P).
pub fn cpe_t_for_capacitance(r_ohm: f64, c_f: f64, p: f64) -> f64 {
    c_f.powf(p) / r_ohm.powf(1.0 - p)
}

/// The example data shipped in `examples/data/lean_mg_cell.csv`: a lean Mg/Mg cell at rest
/// (Re 20 Ω·cm², one CPE arc of 17 µF/cm², P 0.97) at 0, 10 and 20 h, R growing 40 → 400
/// kΩ·cm², on a 1.131 cm² disc, 1 MHz to 20 mHz at 10 points per decade, 0.3 % noise
/// (seed 1). Absolute values (Ω), a `spectrum` column, Z'' negative for capacitive points.
pub fn lean_cell_csv() -> String {
    use rand::SeedableRng;
    use std::fmt::Write as _;
    let area = 1.131;
    let circuit = match Circuit::parse("Re-R(CPE)") {
        Ok(c) => c,
        Err(_) => return String::new(),
    };
    let f = crate::plan::log_frequencies(1e6, 20e-3, 10.0);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut out = String::from("spectrum,time_h,freq_hz,z_real_ohm,z_imag_ohm\n");
    for (k, t_h) in [0.0, 10.0, 20.0].into_iter().enumerate() {
        let r = (40e3 + 18e3 * t_h) / area;
        let params = [
            20.0 / area,
            r,
            cpe_t_for_capacitance(r, 17e-6 * area, 0.97),
            0.97,
        ];
        for (fk, z) in f
            .iter()
            .zip(spectrum(&circuit, &params, &f, 0.003, &mut rng))
        {
            let _ = writeln!(out, "{},{t_h},{fk:.6e},{:.6e},{:.6e}", k + 1, z.re, z.im);
        }
    }
    out
}
