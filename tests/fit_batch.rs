//! Fitting sequences: the parallel batch gives the same results in the same order as one
//! thread, and with two arcs whose time constants cross during the sequence, `R1` always
//! names the faster arc.

use mgp::fit::synthetic::{cpe_t_for_capacitance, spectrum};
use mgp::fit::{Circuit, FitOptions, PARALLEL_THRESHOLD, SpectrumRef, fit_batch, fit_sequence};
use mgp::plan::log_frequencies;
use num_complex::Complex64;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[test]
fn parallel_batch_keeps_order_and_results() {
    let circuit = Circuit::parse("Re-R(CPE)").unwrap();
    let f = log_frequencies(1e6, 0.1, 10.0);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let count = 3 * PARALLEL_THRESHOLD;
    let truth: Vec<f64> = (0..count).map(|k| 1e3 * (1.0 + 0.1 * k as f64)).collect();
    let data: Vec<Vec<Complex64>> = truth
        .iter()
        .map(|&r| {
            spectrum(
                &circuit,
                &[10.0, r, cpe_t_for_capacitance(r, 2e-5, 0.9), 0.9],
                &f,
                0.003,
                &mut rng,
            )
        })
        .collect();
    let refs: Vec<SpectrumRef> = data
        .iter()
        .map(|z| SpectrumRef {
            frequencies_hz: &f,
            z,
        })
        .collect();
    let options = FitOptions::default();
    let parallel = fit_batch(&circuit, &refs, &options);
    let serial = fit_sequence(&circuit, &refs, &options);
    assert_eq!(parallel.len(), count);
    for ((p, s), r) in parallel.iter().zip(&serial).zip(&truth) {
        let (p, s) = (p.as_ref().unwrap(), s.as_ref().unwrap());
        let (rp, rs) = (p.param("R").unwrap().value, s.param("R").unwrap().value);
        assert!((rp / r - 1.0).abs() < 0.02, "{rp} vs {r}");
        // Warm starts from different neighbours converge to the same minimum.
        assert!((rp / rs - 1.0).abs() < 1e-5, "{rp} vs {rs}");
    }
}

#[test]
fn arcs_keep_their_names_when_time_constants_cross() {
    let circuit = Circuit::parse("R0-p(R1,CPE1)-p(R2,CPE2)").unwrap();
    let f = log_frequencies(1e6, 1e-2, 10.0);
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    // Arc A (1 µF) grows from 100 Ω to 1 MΩ; arc B (10 µF, 10 kΩ) stays: τ_A passes τ_B
    // (0.1 s) when R_A = 100 kΩ, and the data are written with A as `R1` throughout.
    let data: Vec<Vec<Complex64>> = (0..9)
        .map(|k| {
            let ra = 100.0 * 10f64.powf(k as f64 * 0.5);
            let p = [
                5.0,
                ra,
                cpe_t_for_capacitance(ra, 1e-6, 0.95),
                0.95,
                1e4,
                cpe_t_for_capacitance(1e4, 1e-5, 0.9),
                0.9,
            ];
            spectrum(&circuit, &p, &f, 0.002, &mut rng)
        })
        .collect();
    let refs: Vec<SpectrumRef> = data
        .iter()
        .map(|z| SpectrumRef {
            frequencies_hz: &f,
            z,
        })
        .collect();
    for r in fit_sequence(&circuit, &refs, &FitOptions::default()) {
        let r = r.unwrap();
        assert!(r.arcs[0].tau_s <= r.arcs[1].tau_s, "{:?}", r.arcs);
        assert_eq!(r.arcs[0].r_name, "R1");
    }
}
