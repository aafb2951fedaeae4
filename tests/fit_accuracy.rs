//! Acceptance: automatic initial guesses recover R1 within 2 % and C (Eq. 1) within 5 % in at
//! least 99 % of 1,000 synthetic R0-p(R1,CPE1) spectra (R1 log-uniform 1e2–1e6 Ω, C near
//! 17 µF, P 0.85–0.95, 1 MHz to 20 mHz at 10 points per decade, 0.5 % complex noise).

use mgp::fit::synthetic::{cpe_t_for_capacitance, spectrum};
use mgp::fit::{Circuit, FitOptions, Weighting, fit};
use mgp::plan::log_frequencies;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

struct Case {
    params: [f64; 4],
    c: f64,
}

fn draw<R: Rng>(rng: &mut R) -> Case {
    let r1 = 10f64.powf(rng.random_range(2.0..6.0));
    let c = 17e-6 * rng.random_range(0.9..1.1);
    let p = rng.random_range(0.85..0.95);
    let r0 = rng.random_range(5.0..50.0);
    Case {
        params: [r0, r1, cpe_t_for_capacitance(r1, c, p), p],
        c,
    }
}

/// Whether the fit recovers R1 within 2 % and C within 5 %.
fn recovered(circuit: &Circuit, f: &[f64], case: &Case, weighting: Weighting, seed: u64) -> bool {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let z = spectrum(circuit, &case.params, f, 0.005, &mut rng);
    let options = FitOptions {
        weighting,
        ..FitOptions::default()
    };
    let Ok(result) = fit(circuit, f, &z, &options) else {
        return false;
    };
    let Some(arc) = result.main_arc() else {
        return false;
    };
    (arc.r_ohm / case.params[1] - 1.0).abs() <= 0.02 && (arc.c_eff_f / case.c - 1.0).abs() <= 0.05
}

#[test]
fn thousand_synthetic_spectra_recover_r_and_c() {
    let circuit = Circuit::parse("R0-p(R1,CPE1)").unwrap();
    let f = log_frequencies(1e6, 20e-3, 10.0);
    assert_eq!(f.len(), 78);
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let mut ok = 0;
    let mut failures = Vec::new();
    for i in 0..1000u64 {
        let case = draw(&mut rng);
        if recovered(&circuit, &f, &case, Weighting::Modulus, 10_000 + i) {
            ok += 1;
        } else {
            failures.push((i, case.params));
        }
    }
    eprintln!("modulus weighting: {ok}/1000 recovered (R1 ±2 %, C ±5 %); failures: {failures:?}");
    assert!(ok >= 990, "only {ok}/1000 recovered");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The same property on proptest-drawn parameters (shrinking names a failing case).
    #[test]
    fn any_arc_in_range_is_recovered(
        log_r1 in 2.0f64..6.0,
        c_scale in 0.9f64..1.1,
        p in 0.85f64..0.95,
        r0 in 5.0f64..50.0,
        seed in any::<u64>(),
    ) {
        let circuit = Circuit::parse("R0-p(R1,CPE1)").unwrap();
        let f = log_frequencies(1e6, 20e-3, 10.0);
        let r1 = 10f64.powf(log_r1);
        let c = 17e-6 * c_scale;
        let case = Case { params: [r0, r1, cpe_t_for_capacitance(r1, c, p), p], c };
        // One spectrum can be unlucky (the 99 % criterion); three noise draws all failing
        // would show a real weakness.
        let hits = (0..3).filter(|k| recovered(&circuit, &f, &case, Weighting::Modulus, seed.wrapping_add(*k))).count();
        prop_assert!(hits >= 2, "recovered {hits}/3 for R1 = {r1}, C = {c}, P = {p}");
    }
}

/// For comparison (not a requirement): unweighted fits of the same spectra.
#[test]
#[ignore = "informational: prints the unit-weighting recovery rate"]
fn unit_weighting_for_comparison() {
    let circuit = Circuit::parse("R0-p(R1,CPE1)").unwrap();
    let f = log_frequencies(1e6, 20e-3, 10.0);
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let ok = (0..1000u64)
        .filter(|i| recovered(&circuit, &f, &draw(&mut rng), Weighting::Unit, 10_000 + i))
        .count();
    eprintln!("unit weighting: {ok}/1000 recovered");
}
