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
