//! `mgp check`, `mgp plan` and `mgp fmt` run as a user runs them: the real binary, its exit
//! codes (0 ok, 1 would reformat / runtime, 2 invalid input) and what it prints.

use std::process::{Command, Output};

fn mgp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mgp"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("the mgp binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn check_prints_one_summary_line_per_clean_file() {
    let o = mgp(&[
        "check",
        "protocols/mg-symmetric-ocv.mgp",
        "protocols/mg-operando-li2s8.mgp",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "ok protocols/mg-symmetric-ocv.mgp: 1 cell, 1 step, 20 h 10 min\n\
         ok protocols/mg-operando-li2s8.mgp: 1 cell, 3 steps, 2 h 10 min\n"
    );
    assert!(stderr(&o).is_empty());
}

#[test]
fn check_fails_with_exit_2_and_every_diagnostic() {
    let o = mgp(&[
        "check",
        "protocols/gc-li2s8.mgp",
        "tests/bad/several_errors.mgp",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).starts_with("ok protocols/gc-li2s8.mgp"));
    let err = stderr(&o);
    for code in [
        "mgp::check::wrong_dimension",
        "mgp::check::every_shorter_than_sweep",
        "mgp::check::not_positive",
    ] {
        assert!(err.contains(code), "{code} missing from:\n{err}");
    }
}

#[test]
fn check_of_a_missing_file_is_invalid_input() {
    let o = mgp(&["check", "protocols/no-such-protocol.mgp"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no such file"));
}

#[test]
fn check_without_files_is_a_usage_error() {
    assert_eq!(mgp(&["check"]).status.code(), Some(2));
}

#[test]
fn plan_prints_the_timed_table_and_total() {
    let o = mgp(&["plan", "protocols/mg-symmetric-ocv-72h.mgp"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("total 3 d 0 h 10 min"), "{out}");
    assert!(out.contains("EIS timing: each frequency f takes max(2 / f, 500 ms)"));
    assert!(out.contains("145 sweeps"));
}

#[test]
fn plan_json_has_steps_with_kind_start_duration_and_line() {
    let o = mgp(&["plan", "--json", "protocols/mg-operando-li2s8.mgp"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["total_duration_s"].as_f64(), Some(2.0 * 3900.0));
    let steps = v["steps"].as_array().unwrap();
    let kinds: Vec<&str> = steps.iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["rest", "addition", "rest"]);
    assert_eq!(steps[1]["line"].as_u64(), Some(32));
    assert_eq!(steps[2]["start_s"].as_f64(), Some(3900.0));
    assert!((steps[1]["action"]["volume_ml"].as_f64().unwrap() - 0.175).abs() < 1e-12);
}

#[test]
fn plan_of_a_bad_protocol_is_invalid_input() {
    let o = mgp(&["plan", "tests/bad/unknown_unit.mgp"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `uL`?"));
}

#[test]
fn fmt_check_passes_on_canonical_files() {
    let o = mgp(&[
        "fmt",
        "--check",
        "protocols/mg-galvanostatic-series.mgp",
        "protocols/materials.mgp",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn fmt_rewrites_in_place_and_check_exits_1_before() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("messy.mgp");
    std::fs::write(&path, "solution a {salt X 1 M;solvent DOL}   # note\n").unwrap();
    let p = path.to_str().unwrap();
    let before = mgp(&["fmt", "--check", p]);
    assert_eq!(before.status.code(), Some(1));
    assert!(stdout(&before).contains("would reformat"));
    assert_eq!(mgp(&["fmt", p]).status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "solution a {\n    salt X 1 M\n    solvent DOL\n}  # note\n"
    );
    assert_eq!(mgp(&["fmt", "--check", p]).status.code(), Some(0));
}

#[test]
fn fmt_stdout_leaves_the_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.mgp");
    std::fs::write(&path, "title   \"x\"\n").unwrap();
    let o = mgp(&["fmt", "--stdout", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "title \"x\"\n");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "title   \"x\"\n");
}

#[test]
fn fmt_of_a_syntax_error_is_invalid_input() {
    let o = mgp(&["fmt", "--check", "tests/bad/unterminated_block.mgp"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("mgp::syntax::unterminated_block"));
}
