//! Fitting synthetic spectra of known parameters.

use super::synthetic::{cpe_t_for_capacitance, spectrum};
use super::*;
use crate::plan::log_frequencies;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn circuit(text: &str) -> Circuit {
    Circuit::parse(text).unwrap()
}

#[test]
fn recovers_a_noiseless_closed_arc_exactly() {
    let c = circuit("R0-p(R1,CPE1)");
    let f = log_frequencies(1e6, 2e-2, 10.0);
    let truth = [20.0, 1e3, cpe_t_for_capacitance(1e3, 17e-6, 0.9), 0.9];
    let z = c.impedance(&truth, &f);
    let r = fit(&c, &f, &z, &FitOptions::default()).unwrap();
    for (p, t) in r.params.iter().zip(truth) {
        assert!(
            (p.value - t).abs() <= 1e-6 * t,
            "{} = {} vs {t}",
            p.name,
            p.value
        );
    }
    let arc = r.main_arc().unwrap();
    assert!((arc.c_eff_f - 17e-6).abs() < 1e-11);
    assert!(r.converged, "{r:?}");
}

#[test]
fn recovers_an_open_arc_with_noise_and_warns() {
    // R1 = 1 MΩ, C = 17 µF: f_peak = 1/(2π·17 s) = 9.4 mHz, below the 20 mHz data.
    let c = circuit("R0-p(R1,CPE1)");
    let f = log_frequencies(1e6, 2e-2, 10.0);
    let truth = [30.0, 1e6, cpe_t_for_capacitance(1e6, 17e-6, 0.9), 0.9];
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let z = spectrum(&c, &truth, &f, 0.005, &mut rng);
    let r = fit(&c, &f, &z, &FitOptions::default()).unwrap();
    let r1 = r.param("R1").unwrap();
    assert!((r1.value / 1e6 - 1.0).abs() < 0.02, "{r:?}");
    assert!(r1.stderr.unwrap() > 0.0);
    assert!(
        r.warnings
            .iter()
            .any(|w| matches!(w, FitWarning::PeakBelowData { .. }))
    );
}

#[test]
fn two_arcs_come_out_ordered_by_time_constant() {
    let c = circuit("R0-p(R1,CPE1)-p(R2,CPE2)");
    let f = log_frequencies(1e6, 1e-2, 10.0);
    // Written with the slow arc first; the fit reports the fast one as R1.
    let slow = [5e3, cpe_t_for_capacitance(5e3, 1e-4, 0.9), 0.9];
    let fast = [200.0, cpe_t_for_capacitance(200.0, 1e-7, 0.95), 0.95];
    let truth = [10.0, slow[0], slow[1], slow[2], fast[0], fast[1], fast[2]];
    let z = c.impedance(&truth, &f);
    let r = fit(&c, &f, &z, &FitOptions::default()).unwrap();
    assert!((r.param("R1").unwrap().value - 200.0).abs() < 1e-3, "{r:?}");
    assert!((r.param("R2").unwrap().value - 5e3).abs() < 1e-2, "{r:?}");
    assert!(r.arcs[0].tau_s < r.arcs[1].tau_s);
}

#[test]
fn fixed_and_bounded_parameters_are_respected() {
    let c = circuit("Re-R(CPE)");
    let f = log_frequencies(1e6, 1e-1, 10.0);
    let truth = [15.0, 2e4, cpe_t_for_capacitance(2e4, 5e-6, 0.92), 0.92];
    let z = c.impedance(&truth, &f);
    let options = FitOptions {
        fixed: vec![("Re".into(), 15.0)],
        bounds: vec![("CPE_P".into(), 0.5, 0.9)],
        ..FitOptions::default()
    };
    let r = fit(&c, &f, &z, &options).unwrap();
    assert_eq!(r.param("Re").unwrap().value, 15.0);
    assert!(r.param("Re").unwrap().fixed && r.param("Re").unwrap().stderr.is_none());
    assert!(r.param("CPE_P").unwrap().value <= 0.9 + 1e-12);
    let p = r.param("CPE_P").unwrap();
    assert_eq!(p.undetermined, Some(Undetermined::Bound { bound: 0.9 }));
    let note = r
        .warnings
        .iter()
        .map(ToString::to_string)
        .find(|w| w.starts_with("CPE_P ended on its bound 0.9:"));
    assert!(note.is_some(), "{:?}", r.warnings);
    // C and f_peak rest on the bounded P.
    assert!(r.arcs[0].undetermined);
    let bad = FitOptions {
        fixed: vec![("Rx".into(), 1.0)],
        ..FitOptions::default()
    };
    assert!(matches!(
        fit(&c, &f, &z, &bad),
        Err(FitError::UnknownParameter { .. })
    ));
}

#[test]
fn standard_errors_match_the_scatter_of_repeated_fits() {
    // The covariance should predict the spread of R1 over noise realisations (within 30 %).
    let c = circuit("R0-p(R1,CPE1)");
    let f = log_frequencies(1e5, 1e-1, 10.0);
    let truth = [10.0, 1e4, cpe_t_for_capacitance(1e4, 17e-6, 0.9), 0.9];
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut values = Vec::new();
    let mut errs = Vec::new();
    for _ in 0..200 {
        let z = spectrum(&c, &truth, &f, 0.005, &mut rng);
        let r = fit(&c, &f, &z, &FitOptions::default()).unwrap();
        values.push(r.param("R1").unwrap().value);
        errs.push(r.param("R1").unwrap().stderr.unwrap());
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let sd =
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt();
    let predicted = errs.iter().sum::<f64>() / errs.len() as f64;
    assert!(
        (predicted / sd - 1.0).abs() < 0.3,
        "predicted {predicted}, observed {sd}"
    );
    let _ = rng.random::<u8>();
}

#[test]
fn general_circuits_fit_from_automatic_guesses() {
    let f = log_frequencies(1e5, 1e-2, 10.0);
    let cases: &[(&str, &[f64])] = &[
        ("R0-p(R1,C1)", &[5.0, 300.0, 2e-6]),
        ("R0-p(R1-Ws1,CPE1)", &[8.0, 100.0, 400.0, 5.0, 2e-5, 0.9]),
        ("R0-p(R1,CPE1)-W1", &[8.0, 500.0, 1e-5, 0.88, 30.0]),
        ("R(C(R(RQ)))", &[5.0, 1e-7, 100.0, 3e3, 3e-5, 0.85]),
    ];
    for &(text, truth) in cases {
        let c = circuit(text);
        let z = c.impedance(truth, &f);
        let r = fit(&c, &f, &z, &FitOptions::default()).unwrap();
        for (p, t) in r.params.iter().zip(truth) {
            assert!(
                (p.value - t).abs() <= 1e-3 * t.abs(),
                "{text}: {} = {} vs {t}",
                p.name,
                p.value
            );
        }
    }
}
