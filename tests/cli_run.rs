//! `mgp run` as a user runs it: the real binary on the paper's protocols, signals and bad
//! output folders.

use mgp::run::folder::RunFolder;
use mgp::run::journal::{Event, RunStatus, read_journal};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn mgp() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mgp"))
}

fn protocol(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("protocols")
        .join(name)
}

/// Waits (polling, bounded) until the journal holds at least `n` readings.
fn wait_for_readings(journal: &Path, n: usize, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(contents) = read_journal(journal) {
            let readings = contents
                .records
                .iter()
                .filter(|r| matches!(r.event, Event::Reading { .. }))
                .count();
            if readings >= n {
                return;
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("mgp exited early with {status}");
        }
        assert!(Instant::now() < deadline, "no {n} readings within 60 s");
        // Poll interval only: the condition above decides, not the wait.
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn wait_with_deadline(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "mgp did not stop within {limit:?}"
        );
        // Poll interval only: the condition above decides, not the wait.
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits (polling, bounded by `limit`) until the journal records the end of the run; the
/// process may still be analysing and reporting.
fn wait_for_run_end(journal: &Path, limit: Duration, child: &mut Child) {
    let deadline = Instant::now() + limit;
    loop {
        let ended = read_journal(journal).is_ok_and(|c| {
            c.records
                .iter()
                .any(|r| matches!(r.event, Event::RunEnded { .. }))
        });
        if ended || child.try_wait().unwrap().is_some() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the run did not end within {limit:?}"
        );
        // Poll interval only: the condition above decides, not the wait.
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn paced_run(out: &Path) -> Child {
    mgp()
        .args(["run", "--quiet", "--speed", "3600", "--out"])
        .arg(out)
        .arg(protocol("mg-symmetric-ocv-72h.mgp"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn a_dry_run_completes_and_writes_the_run_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = mgp()
        .args(["run", "--quiet", "--out"])
        .arg(&out)
        .arg(protocol("mg-symmetric-ocv.mgp"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&out.display().to_string()),
        "prints the run folder: {stdout}"
    );
    let folder = RunFolder::new(&out);
    let manifest = folder.read_manifest().unwrap();
    assert_eq!(manifest.status, RunStatus::Completed);
    assert_eq!(manifest.protocol_sha256.len(), 64);
    assert!(out.join("eis").read_dir().unwrap().count() > 30);
    assert!(out.join("analysis.json").exists());
}

#[test]
fn sigint_stops_the_run_within_a_second_and_keeps_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut child = paced_run(&out);
    let journal = out.join("journal.jsonl");
    wait_for_readings(&journal, 5, &mut child);
    let before = read_journal(&journal).unwrap().records.len();
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    // The run itself ends within a second; writing the report afterwards may take longer on
    // a loaded machine.
    wait_for_run_end(&journal, Duration::from_secs(1), &mut child);
    let status = wait_with_deadline(&mut child, Duration::from_secs(120));
    assert_eq!(status.code(), Some(130));
    let contents = read_journal(&journal).unwrap();
    assert!(!contents.torn_tail);
    assert!(contents.records.len() >= before);
    assert!(matches!(
        contents.records.last().map(|r| &r.event),
        Some(Event::RunEnded {
            status: RunStatus::Interrupted,
            ..
        })
    ));
    assert_eq!(
        RunFolder::new(&out).read_manifest().unwrap().status,
        RunStatus::Interrupted
    );
}

#[test]
fn an_interrupted_run_still_writes_its_report_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut child = mgp()
        .args(["run", "--quiet", "--speed", "3600", "--out"])
        .arg(&out)
        .arg(protocol("mg-symmetric-ocv-72h.mgp"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_readings(&out.join("journal.jsonl"), 3, &mut child);
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Failed expects on the partial data must not turn "interrupted" into "expect failed".
    assert_eq!(output.status.code(), Some(130), "{stdout}\n{stderr}");
    let report = out.join("report.html");
    assert!(
        stdout.contains(&format!("report: {}", report.display())),
        "names the report: {stdout}"
    );
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        html.contains("the run was interrupted"),
        "says why it stopped"
    );
    assert!(html.contains("<svg"), "draws what was measured");
    assert!(out.join("analysis.json").exists());
}

#[test]
fn an_interrupted_run_with_no_analysis_writes_no_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut child = mgp()
        .args([
            "run",
            "--quiet",
            "--no-analysis",
            "--speed",
            "3600",
            "--out",
        ])
        .arg(&out)
        .arg(protocol("mg-symmetric-ocv-72h.mgp"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_readings(&out.join("journal.jsonl"), 3, &mut child);
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let status = wait_with_deadline(&mut child, Duration::from_secs(120));
    assert_eq!(status.code(), Some(130));
    assert!(!out.join("report.html").exists());
}

#[test]
fn sigterm_interrupts_like_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut child = paced_run(&out);
    wait_for_readings(&out.join("journal.jsonl"), 3, &mut child);
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    wait_for_run_end(
        &out.join("journal.jsonl"),
        Duration::from_secs(1),
        &mut child,
    );
    let status = wait_with_deadline(&mut child, Duration::from_secs(120));
    assert_eq!(status.code(), Some(130));
    assert_eq!(
        RunFolder::new(&out).read_manifest().unwrap().status,
        RunStatus::Interrupted
    );
}

#[test]
fn sigkill_leaves_a_journal_readable_to_its_last_complete_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut child = paced_run(&out);
    let journal = out.join("journal.jsonl");
    wait_for_readings(&journal, 10, &mut child);
    child.kill().unwrap();
    let _ = child.wait();
    let contents = read_journal(&journal).unwrap();
    assert!(contents.bad_lines.is_empty());
    let readings = contents
        .records
        .iter()
        .filter(|r| matches!(r.event, Event::Reading { .. }))
        .count();
    assert!(readings >= 10);
    let seqs: Vec<u64> = contents.records.iter().map(|r| r.seq).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1));
    // The manifest still says the run was in progress: nobody finished it.
    assert_eq!(
        RunFolder::new(&out).read_manifest().unwrap().status,
        RunStatus::Running
    );
}

#[test]
fn an_unwritable_out_folder_fails_before_the_run_starts() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    let output = mgp()
        .args(["run", "--quiet", "--out"])
        .arg(file.join("run"))
        .arg(protocol("mg-symmetric-ocv.mgp"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot use"), "{stderr}");
}

#[test]
fn the_same_seed_gives_the_same_journal_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let data = |name: &str, seed: &str| {
        let out = dir.path().join(name);
        let status = mgp()
            .args(["run", "--quiet", "--no-analysis", "--seed", seed, "--out"])
            .arg(&out)
            .arg(protocol("li-symmetric-lp40.mgp"))
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::read_to_string(out.join("eis").join("0-3.csv")).unwrap()
    };
    assert_eq!(data("a", "7"), data("b", "7"));
    assert_ne!(data("a2", "7"), data("c", "8"));
}

#[test]
fn a_bad_instrument_is_a_usage_error() {
    let output = mgp()
        .args(["run", "--instrument", "potentiostat", "protocols/x.mgp"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("methodscript:PORT"));
}

#[test]
fn a_dry_run_resumes_with_its_recorded_seed_and_noise() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut child = mgp()
        .args([
            "run", "--quiet", "--speed", "3600", "--seed", "7", "--noise", "0.002",
        ])
        .arg("--out")
        .arg(&out)
        .arg(protocol("mg-symmetric-ocv-72h.mgp"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_readings(&out.join("journal.jsonl"), 5, &mut child);
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    assert_eq!(
        wait_with_deadline(&mut child, Duration::from_secs(10)).code(),
        Some(130)
    );
    // Neither --seed nor --noise: the replayed history needs the run's own.
    let output = mgp()
        .args(["run", "--quiet", "--no-analysis", "--resume"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let manifest = RunFolder::new(&out).read_manifest().unwrap();
    assert_eq!(manifest.status, RunStatus::Completed);
    assert_eq!(manifest.resumes, 1);
    assert_eq!(manifest.instrument.kind, "sim");
    assert_eq!(manifest.instrument.parameters["seed"], 7);
    assert_eq!(manifest.instrument.parameters["noise"], 0.002);
}
