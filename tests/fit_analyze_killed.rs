//! `mgp analyze` on a run killed early: the 20 h lean-cell protocol stopped at 2 h, in the
//! middle of a sweep (at 250 Hz of 1 MHz → 20 mHz). The cut sweep is marked and left out,
//! the 20 h expect is "not measured" rather than answered with the 2 h value.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn mgp() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mgp"));
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Keeps the journal up to the first EIS point below 250 Hz after 2 h of run time.
fn kill_at_2h(dir: &Path) {
    let journal = dir.join("journal.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap();
    let mut kept = String::new();
    for line in text.lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        let t = record["t_s"].as_f64().unwrap();
        let reading = &record["reading"];
        if t > 7200.0 {
            let f = reading["frequency_hz"].as_f64();
            if reading["type"] != "eis_point" || f.is_some_and(|f| f < 250.0) {
                break;
            }
        }
        kept.push_str(line);
        kept.push('\n');
    }
    std::fs::write(journal, kept).unwrap();
}

#[test]
fn a_killed_run_reports_incomplete_sweeps_and_unmeasured_expects() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let protocol = Path::new(env!("CARGO_MANIFEST_DIR")).join("protocols/mg-symmetric-ocv.mgp");
    mgp()
        .args(["run", "--quiet", "--no-analysis", "--out"])
        .arg(&run)
        .arg(&protocol)
        .assert()
        .success();
    kill_at_2h(&run);
    let out = mgp()
        .args(["analyze", "--no-report"])
        .arg(&run)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    // Per-sweep table: five sweeps (0 to 2 h), the last one cut.
    assert!(stdout.contains("time  "), "{stdout}");
    assert!(
        stdout.contains("incomplete (37 of 78 points), not in statistics"),
        "{stdout}"
    );
    assert!(
        stdout.contains("n/m  O1     R of arc at 20 h within 15 % of 400 kOhm cm2 not measured"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 not measured (not evaluated)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("incomplete sweeps are left out of its statistics: sweep 4 of step 0"),
        "{stdout}"
    );
    let analysis: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("analysis.json")).unwrap()).unwrap();
    let sweeps = analysis["fits"][0]["sweeps"].as_array().unwrap();
    assert_eq!(sweeps.len(), 5);
    assert_eq!(sweeps[4]["incomplete"], true);
    assert_eq!(sweeps[3]["incomplete"], false);
    let at_20h = &analysis["expects"][1];
    assert_eq!(at_20h["not_measured"], true);
    assert_eq!(at_20h["value"], Value::Null);
    let csv = std::fs::read_to_string(run.join("fits.csv")).unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .contains(",incomplete,undetermined,")
    );
}
