//! `mgp fit` as a user runs it: the real binary on files.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

const DATA: &str = "examples/data/lean_mg_cell.csv";

fn mgp(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mgp"));
    cmd.current_dir(dir).env("NO_COLOR", "1");
    cmd
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn shipped_example_data_is_what_the_generator_writes() {
    let shipped = std::fs::read_to_string(root().join(DATA)).unwrap();
    assert_eq!(
        shipped,
        mgp::fit::synthetic::lean_cell_csv(),
        "run `cargo run --example make_fit_data`"
    );
}

#[test]
fn table_of_the_example_data() {
    let out = mgp(root())
        .args(["fit", DATA, "--circuit", "Re-R(CPE)"])
        .assert()
        .success();
    insta::assert_snapshot!(String::from_utf8_lossy(&out.get_output().stdout));
}

#[test]
fn json_gives_values_near_the_truth() {
    let out = mgp(root())
        .args(["fit", DATA, "--circuit", "R0-p(R1,CPE1)", "--json"])
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let spectra = v.as_array().unwrap();
    assert_eq!(spectra.len(), 3);
    // Truth: R = (40, 220, 400 kΩ·cm²) / 1.131 cm², C = 17 µF/cm² × 1.131 cm².
    for (s, r_areal) in spectra.iter().zip([40e3, 220e3, 400e3]) {
        let r = s["params"]["R1"]["value"].as_f64().unwrap();
        assert!((r * 1.131 / r_areal - 1.0).abs() < 0.01, "{s}");
        assert!(s["params"]["R1"]["stderr"].as_f64().unwrap() > 0.0);
        let c = s["c_eff_f"].as_f64().unwrap();
        assert!((c / (17e-6 * 1.131) - 1.0).abs() < 0.02, "{s}");
        assert!(s["f_peak_hz"].as_f64().unwrap() > 0.0);
        assert!(s["chi2"].as_f64().unwrap() > 0.0);
        assert_eq!(s["kk_ok"], Value::Bool(true));
    }
    assert_eq!(spectra[1]["spectrum"], "2");
}

#[test]
fn frequency_window_and_weighting_options() {
    let out = mgp(root())
        .args([
            "fit",
            DATA,
            "--json",
            "--fmin",
            "100mHz",
            "--fmax",
            "10kHz",
            "--weight",
            "proportional",
        ])
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    // 10 kHz to 100 mHz at 10 points per decade: 51 points.
    assert_eq!(v[0]["points"], 51);
    let out = mgp(root())
        .args(["fit", DATA, "--json", "--arc-window", "--fix", "R0=15.63"])
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v[0]["params"]["R0"]["fixed"], true);
    assert!(v[0]["points"].as_u64().unwrap() < 78);
}

#[test]
fn inductive_points_are_kept_or_dropped() {
    let dir = tempfile::tempdir().unwrap();
    // R0-p(R1,C1) with an inductive first point.
    std::fs::write(
        dir.path().join("l.csv"),
        "f,z',z''\n1e6,10.1,0.5\n1e4,10.5,-1.5\n1e3,30,-25\n1e2,90,-28\n10,108,-6\n1,110,-0.6\n",
    )
    .unwrap();
    let kept = mgp(dir.path())
        .args(["fit", "l.csv", "--json", "--circuit", "R0-p(R1,C1)"])
        .assert();
    let kept: Value = serde_json::from_slice(&kept.get_output().stdout).unwrap();
    assert_eq!(kept[0]["points"], 6);
    let dropped = mgp(dir.path())
        .args([
            "fit",
            "l.csv",
            "--json",
            "--circuit",
            "R0-p(R1,C1)",
            "--drop-inductive",
        ])
        .assert()
        .success();
    assert!(
        String::from_utf8_lossy(&dropped.get_output().stderr).contains("dropped 1 inductive point")
    );
    let dropped: Value = serde_json::from_slice(&dropped.get_output().stdout).unwrap();
    assert_eq!(dropped[0]["points"], 5);
}

fn failure(dir: &Path, args: &[&str]) -> String {
    let out = mgp(dir).args(args).assert().code(2);
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
}

#[test]
fn bad_data_exits_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.csv"),
        "f,z',z''\n100,1,-1\n10,abc,-2\n1,3,-3\n",
    )
    .unwrap();
    insta::assert_snapshot!(failure(dir.path(), &["fit", "bad.csv"]));
    assert!(failure(dir.path(), &["fit", "missing.csv"]).contains("cannot read `missing.csv`"));
}

#[test]
fn bad_circuit_and_options_exit_2() {
    insta::assert_snapshot!(
        "bad_circuit",
        failure(root(), &["fit", DATA, "--circuit", "R0-p(R1,CPE1"])
    );
    insta::assert_snapshot!(
        "unknown_parameter",
        failure(root(), &["fit", DATA, "--fix", "R2=5"])
    );
    assert!(failure(root(), &["fit", DATA, "--weight", "squared"]).contains("unknown weighting"));
    assert!(failure(root(), &["fit", DATA, "--fmin", "10 V"]).contains("not a frequency unit"));
    let empty = failure(root(), &["fit", DATA, "--fmin", "2MHz", "--fmax", "3MHz"]);
    // Frequencies as a person writes them, not 2000000 Hz or 0.01995262 Hz.
    assert!(
        empty.contains("no data point lies inside the window 2 MHz to 3 MHz"),
        "{empty}"
    );
    assert!(
        empty.contains("the data span 19.95 mHz to 1 MHz"),
        "{empty}"
    );
    let swapped = failure(root(), &["fit", DATA, "--fmin", "10", "--fmax", "1"]);
    assert!(
        swapped.contains("--fmin 10 Hz is above --fmax 1 Hz"),
        "{swapped}"
    );
    assert!(swapped.contains("mgp::fit::window_order"), "{swapped}");
    // Scientific notation is a number, not a unit.
    mgp(root())
        .args(["fit", DATA, "--fmin", "1e-1", "--fmax", "1e4", "--json"])
        .assert()
        .success();
}

#[test]
fn ec_lab_mpt_with_cycles_in_the_windows_code_page() {
    // R0-p(R1,C1) with R1 = 100 Ω then 150 Ω, written as EC-Lab does: CRLF, a `µ` in the
    // Windows code page, decimal commas, −Im(Z), a cycle column and a trailing tab.
    let circuit = mgp::fit::Circuit::parse("R0-p(R1,C1)").unwrap();
    let f = mgp::plan::log_frequencies(1e5, 0.1, 10.0);
    let mut bytes: Vec<u8> = b"EC-Lab ASCII FILE\r\nNb header lines : 4\r\n\r\n".to_vec();
    bytes.extend_from_slice(b"freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\tCs/\xb5F\tcycle number\t\r\n");
    for (cycle, r1) in [(1, 100.0), (2, 150.0)] {
        for (fk, z) in f.iter().zip(circuit.impedance(&[10.0, r1, 1e-5], &f)) {
            let line = format!(
                "{fk:.7E}\t{:.7E}\t{:.7E}\t0\t{cycle:.6E}\t\r\n",
                z.re, -z.im
            );
            bytes.extend_from_slice(line.replace('.', ",").as_bytes());
        }
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cell.mpt"), bytes).unwrap();
    let out = mgp(dir.path())
        .args(["fit", "cell.mpt", "--circuit", "R0-p(R1,C1)", "--json"])
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    for (s, r1) in v.as_array().unwrap().iter().zip([100.0, 150.0]) {
        let fitted = s["params"]["R1"]["value"].as_f64().unwrap();
        assert!((fitted / r1 - 1.0).abs() < 1e-5, "{s}");
    }
}
