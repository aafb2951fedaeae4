//! Fits the data cannot support: an arc far from closed, a handful of junk points, a
//! parameter pushed against a bound. They must say "undetermined", never print a runaway
//! number as if measured.

use assert_cmd::Command;
use mgp::fit::synthetic::{cpe_t_for_capacitance, spectrum};
use mgp::fit::{Circuit, FitOptions, Undetermined, fit};
use mgp::plan::log_frequencies;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

fn mgp(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mgp"));
    cmd.current_dir(dir).env("NO_COLOR", "1");
    cmd
}

/// `circuit` at `params` with 0.3 % noise (seeded): exact data would determine anything.
fn noisy(circuit: &Circuit, params: &[f64], f: &[f64]) -> Vec<num_complex::Complex64> {
    spectrum(circuit, params, f, 0.003, &mut ChaCha8Rng::seed_from_u64(7))
}

/// R0-p(R1,CPE1) with R1 = 1e10 Ω, measured 1 MHz to 20 mHz: the arc is nowhere near closed.
fn open_arc() -> (Vec<f64>, Vec<num_complex::Complex64>) {
    let c = Circuit::parse("R0-p(R1,CPE1)").unwrap();
    let f = log_frequencies(1e6, 20e-3, 10.0);
    let z = noisy(
        &c,
        &[20.0, 1e10, cpe_t_for_capacitance(1e10, 17e-6, 0.97), 0.97],
        &f,
    );
    (f, z)
}

fn csv(f: &[f64], z: &[num_complex::Complex64]) -> String {
    let mut out = String::from("freq_hz,z_real_ohm,z_imag_ohm\n");
    for (f, z) in f.iter().zip(z) {
        let _ = writeln!(out, "{f:e},{:e},{:e}", z.re, z.im);
    }
    out
}

#[test]
fn an_open_arc_leaves_r_and_its_capacitance_undetermined() {
    let (f, z) = open_arc();
    let c = Circuit::parse("R0-p(R1,CPE1)").unwrap();
    let r = fit(&c, &f, &z, &FitOptions::default()).unwrap();
    assert!(r.param("R1").unwrap().undetermined.is_some(), "{r:?}");
    // R0 and the CPE are still well determined by the high-frequency data.
    assert_eq!(r.param("R0").unwrap().undetermined, None);
    assert_eq!(r.param("CPE1_T").unwrap().undetermined, None);
    assert!(r.arcs[0].undetermined);
    assert_eq!(r.undetermined(), vec!["R1"]);
}

#[test]
fn the_cli_reports_undetermined_values_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (f, z) = open_arc();
    std::fs::write(dir.path().join("open.csv"), csv(&f, &z)).unwrap();
    std::fs::write(
        dir.path().join("junk.csv"),
        "freq_hz,z_real_ohm,z_imag_ohm\n1000,5,-1\n100,3,-7\n10,8,-2\n1,4,-9\n0.1,6,-3\n",
    )
    .unwrap();
    for file in ["open.csv", "junk.csv"] {
        let out = mgp(dir.path()).args(["fit", file]).assert().code(1);
        let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(stdout.contains("R1         undetermined"), "{stdout}");
        assert!(stdout.contains("C_eff and f_peak undetermined"), "{stdout}");
        assert!(!stdout.contains("GOhm"), "{stdout}");
        assert!(!stdout.contains(" uHz"), "{stdout}");
        assert!(stderr.contains("do not determine R1"), "{stderr}");
        let out = mgp(dir.path())
            .args(["fit", file, "--json"])
            .assert()
            .code(1);
        let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        assert_eq!(v[0]["params"]["R1"]["undetermined"], true);
        assert_eq!(v[0]["c_eff_f"], Value::Null);
        assert_eq!(v[0]["f_peak_hz"], Value::Null);
        assert!(
            v[0]["undetermined"]
                .as_array()
                .unwrap()
                .contains(&"R1".into())
        );
    }
}

#[test]
fn a_user_bound_is_named_readably_and_is_not_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let c = Circuit::parse("R0-p(R1,CPE1)").unwrap();
    let f = log_frequencies(1e5, 1e-1, 10.0);
    let z = noisy(
        &c,
        &[10.0, 1e4, cpe_t_for_capacitance(1e4, 17e-6, 0.9), 0.9],
        &f,
    );
    std::fs::write(dir.path().join("a.csv"), csv(&f, &z)).unwrap();
    // ln(10) round-trips to 10.000000000000002: the note must say 10 Ω.
    let out = mgp(dir.path())
        .args(["fit", "a.csv", "--bound", "R0=1:10", "--bound", "R1=1:3000"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains("R1 ended on its bound 3 kOhm"), "{stdout}");
    assert!(stdout.contains("on its bound 3 kOhm"), "{stdout}");
    assert!(!stdout.contains("0000000"), "{stdout}");
    let r = fit(
        &c,
        &f,
        &z,
        &FitOptions {
            bounds: vec![("R0".into(), 1.0, 10.0)],
            ..FitOptions::default()
        },
    )
    .unwrap();
    // The truth sits on the bound: a value on a user bound is the bound, not a measurement.
    if let Some(w) = r.param("R0").unwrap().undetermined {
        assert_eq!(w, Undetermined::Bound { bound: 10.0 });
        assert!(
            r.warnings
                .iter()
                .any(|w| w.to_string().starts_with("R0 ended on its bound 10 Ohm:"))
        );
    }
}

#[test]
fn a_collapsed_series_resistance_is_undetermined() {
    // The window keeps only the arc (|Z| ~ 1e5 Ω, noise ~300 Ω): a 2 Ω Re is invisible there
    // and can sink to ~0 unnoticed.
    let c = Circuit::parse("Re-R(CPE)").unwrap();
    let f = log_frequencies(1e6, 20e-3, 10.0);
    let z = noisy(
        &c,
        &[2.0, 1e5, cpe_t_for_capacitance(1e5, 17e-6, 0.97), 0.97],
        &f,
    );
    let options = FitOptions {
        window: mgp::plan::FitWindow::Range {
            min_hz: 0.02,
            max_hz: 1.0,
        },
        ..FitOptions::default()
    };
    let r = fit(&c, &f, &z, &options).unwrap();
    let re = r.param("Re").unwrap();
    assert!(re.undetermined.is_some(), "{re:?}");
    assert_eq!(r.param("R").unwrap().undetermined, None, "{r:?}");
    // Re is outside the arc: C and f_peak stand.
    assert!(!r.arcs[0].undetermined);
}
