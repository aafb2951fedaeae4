//! `mgp report` and `mgp plot` through the real binary: exit codes, files written and the
//! diagnostics users see.

use crate::report_support;

use assert_cmd::Command;
use report_support::{Ending, write_run};

fn mgp() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mgp"));
    cmd.env("NO_COLOR", "1");
    cmd
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn report_writes_the_page_and_its_plots() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, Ending::Failed, true);
    let output = mgp().arg("report").arg(&dir).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("wrote ") && stdout.contains("report.html (10 plots in "),
        "{stdout}"
    );
    assert!(dir.join("report.html").is_file());
    assert_eq!(std::fs::read_dir(dir.join("plots")).unwrap().count(), 10);
}

#[test]
fn report_of_a_killed_run_warns_about_the_torn_journal() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, Ending::Killed, false);
    let output = mgp().arg("report").arg(&dir).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(stderr(&output).contains("warning: the journal's last line was cut short"));
}

#[test]
fn report_of_a_missing_folder_is_invalid_input() {
    let tmp = tempfile::tempdir().unwrap();
    let output = mgp()
        .arg("report")
        .arg(tmp.path().join("nope"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("mgp::report::not_a_run_folder"), "{err}");
    assert!(err.contains("it does not exist"));
}

#[test]
fn report_into_a_read_only_folder_is_a_runtime_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, Ending::Completed, false);
    // A file where the plots folder should be: writing fails whoever runs the test (root too).
    std::fs::write(dir.join("plots"), "in the way").unwrap();
    let output = mgp().arg("report").arg(&dir).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("mgp::report::io"));
}

#[test]
fn report_needs_its_argument() {
    let output = mgp().arg("report").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

const SPECTRUM: &str = "freq_hz,z_real_ohm,z_imag_ohm\n\
    100000,20,-1\n10000,25,-40\n1000,120,-300\n100,700,-500\n10,1000,-150\n1,1040,-30\n";

#[test]
fn plot_draws_nyquist_and_bode() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("cell.csv");
    std::fs::write(&file, SPECTRUM).unwrap();
    let out = tmp.path().join("figs");
    let output = mgp()
        .arg("plot")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    for name in ["cell-nyquist.svg", "cell-bode.svg"] {
        let svg = std::fs::read_to_string(out.join(name)).unwrap();
        let texts = mgp::report::plots::svg_texts(&svg);
        assert!(texts.iter().any(|t| t.ends_with("Ω")), "{name}: {texts:?}");
        assert!(
            texts[0].ends_with("— cell.csv"),
            "titled by file name: {}",
            texts[0]
        );
        assert_eq!(
            svg.matches("<circle").count(),
            6 + 6 * usize::from(name.contains("bode"))
        );
    }
    // Without --out, the plots go next to the file.
    let output = mgp().arg("plot").arg(&file).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(tmp.path().join("cell-bode.svg").is_file());
}

#[test]
fn plot_of_a_bad_file_points_at_the_bad_value() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bad.csv");
    std::fs::write(&file, "freq_hz,z_real_ohm,z_imag_ohm\n1000,ten,-1\n0,1,1\n").unwrap();
    let output = mgp().arg("plot").arg(&file).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output).replace(&tmp.path().display().to_string(), "TMP");
    insta::assert_snapshot!(err);
}

#[test]
fn plot_of_a_missing_file_is_invalid_input() {
    let output = mgp().arg("plot").arg("no/such/file.csv").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no/such/file.csv"));
}

#[test]
fn plot_with_a_circuit_overlays_the_fit() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("cell.csv");
    std::fs::write(&file, SPECTRUM).unwrap();
    let output = mgp()
        .arg("plot")
        .arg(&file)
        .args(["--circuit", "R0-p(R1,C1)"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let svg = std::fs::read_to_string(tmp.path().join("cell-nyquist.svg")).unwrap();
    let texts = mgp::report::plots::svg_texts(&svg);
    assert!(texts.contains(&"fit".to_string()), "{texts:?}");
    // Measured markers plus the two legend glyph markers; the fit is one smooth polyline.
    assert_eq!(svg.matches("<circle").count(), 6 + 1);
    assert!(svg.matches("<polyline").count() >= 1);
}

#[test]
fn plot_with_a_bad_circuit_is_invalid_input() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("cell.csv");
    std::fs::write(&file, SPECTRUM).unwrap();
    let output = mgp()
        .arg("plot")
        .arg(&file)
        .args(["--circuit", "R0-p(R1,X1)"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(!tmp.path().join("cell-nyquist.svg").exists());
}
