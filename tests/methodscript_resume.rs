//! `mgp run --resume` on a device run, end to end: the real binary against the emulator on a
//! pseudo-terminal. The run continues on its recorded device and settings, the pause shows as
//! a gap in `t_s`, and another kind of instrument needs `--switch-instrument`.

use crate::methodscript_common;

use methodscript_common::{Emulator, spawn_run};
use std::process::Command;

fn plan(path: &str) -> mgp::plan::Plan {
    mgp::check::check_path(std::path::Path::new(path))
        .unwrap()
        .plan
}

fn manifest(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

/// The journal's records (complete lines only).
fn records(dir: &std::path::Path) -> Vec<mgp::run::journal::Record> {
    mgp::run::journal::read_journal(&dir.join("journal.jsonl"))
        .unwrap()
        .records
}

#[test]
fn a_device_run_resumes_on_its_recorded_device_with_the_pause_as_a_gap() {
    use mgp::run::journal::Event;
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    use std::time::{Duration, Instant};

    let protocol = "protocols/mg-symmetric-ocv.mgp";
    let speed = 5000.0;
    let emulator = Emulator::start(
        &plan(protocol),
        &["--source", "sim", "--speed", &speed.to_string()],
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut child = spawn_run(
        protocol,
        "--no-analysis",
        &format!("methodscript:{},timeout=3", emulator.path),
        &out,
    );
    let readings = |out: &std::path::Path| {
        records(out)
            .iter()
            .filter(|r| matches!(r.event, Event::Reading { .. }))
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !out.join("journal.jsonl").exists() || readings(&out) < 10 {
        assert!(child.try_wait().unwrap().is_none(), "mgp ended early");
        assert!(Instant::now() < deadline, "no data within 60 s");
        // Poll interval only: the condition above decides.
        std::thread::sleep(Duration::from_millis(10));
    }
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130));
    // The pause under test (not a synchronisation): half a second is 2500 s at 5000x.
    let pause = Duration::from_millis(500);
    std::thread::sleep(pause);

    // No --instrument: the run continues on the device and settings it recorded.
    let output = Command::new(env!("CARGO_BIN_EXE_mgp"))
        .args(["run", "--quiet", "--non-interactive", "--no-analysis"])
        .arg("--resume")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let manifest = manifest(&out);
    assert_eq!(manifest["status"], "completed");
    assert_eq!(manifest["resumes"], 1);
    assert_eq!(manifest["instrument"]["kind"], "methodscript");
    assert_eq!(manifest["instrument"]["parameters"]["port"], emulator.path);
    assert_eq!(manifest["instrument"]["parameters"]["timeout_s"], 3.0);
    let records = records(&out);
    let resumed = records
        .iter()
        .find(|r| matches!(r.event, Event::RunResumed { .. }))
        .unwrap();
    let Event::RunResumed { previous_t_s, .. } = resumed.event else {
        unreachable!()
    };
    let gap = resumed.t_s - previous_t_s;
    assert!(
        gap >= pause.as_secs_f64() * speed,
        "the pause shows as a gap: {gap} s"
    );
}

#[test]
fn a_device_run_is_not_resumed_on_another_kind_of_instrument_unless_asked() {
    let protocol = "protocols/mg-symmetric-ocv.mgp";
    let mut emulator = Emulator::start(
        &plan(protocol),
        &["--speed", "inf", "--disconnect-after", "5"],
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = Command::new(env!("CARGO_BIN_EXE_mgp"))
        .args([
            "run",
            protocol,
            "--quiet",
            "--non-interactive",
            "--no-analysis",
        ])
        .arg("--instrument")
        .arg(format!("methodscript:{},timeout=2", emulator.path))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(emulator.wait_exit(), Some(0));
    let resume = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_mgp"))
            .args(["run", "--quiet", "--non-interactive", "--no-analysis"])
            .arg("--resume")
            .arg(&out)
            .args(extra)
            .output()
            .unwrap()
    };

    let journalled = records(&out).len();
    let refused = resume(&["--instrument", "sim"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("mgp::run::resume_instrument"), "{stderr}");
    assert!(stderr.contains("--switch-instrument"), "{stderr}");
    assert_eq!(
        records(&out).len(),
        journalled,
        "a refused resume writes nothing"
    );

    // Without --instrument it goes back to the recorded port (now gone), never to the
    // simulator.
    let gone = resume(&[]);
    let stderr = String::from_utf8_lossy(&gone.stderr);
    assert_eq!(gone.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&emulator.path), "{stderr}");
    assert_eq!(manifest(&out)["instrument"]["kind"], "methodscript");

    let switched = resume(&["--instrument", "sim", "--switch-instrument"]);
    assert_eq!(
        switched.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&switched.stderr)
    );
    let manifest = manifest(&out);
    assert_eq!(manifest["status"], "completed");
    assert_eq!(manifest["instrument"]["kind"], "sim");
}
