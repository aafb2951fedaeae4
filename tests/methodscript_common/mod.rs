//! Shared by the MethodSCRIPT integration tests: an emulator process on a PTY and a sink that
//! records readings.

#![allow(dead_code)]

use mgp::instrument::{Flow, InstrumentError, Reading, Sink};
use mgp::plan::Plan;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Starts `mgp run PROTOCOL --quiet --non-interactive FLAG --instrument INSTRUMENT --out OUT`
/// in the background, its output discarded: a device run to interrupt or to watch.
pub fn spawn_run(protocol: &str, flag: &str, instrument: &str, out: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_mgp"))
        .args(["run", protocol, "--quiet", "--non-interactive", flag])
        .arg("--instrument")
        .arg(instrument)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Failure guard for waits on the emulator (never a synchronisation delay).
pub const GUARD: Duration = Duration::from_secs(60);

/// An `mgp emulate` process; killed when dropped.
pub struct Emulator {
    child: Option<Child>,
    pub path: String,
    _dir: tempfile::TempDir,
}

impl Emulator {
    /// Starts `mgp emulate` on `plan` (written as JSON) with `args` (measuring with the
    /// stand-in unless `args` name a `--source`), and waits for the device path on its first
    /// stdout line.
    pub fn start(plan: &Plan, args: &[&str]) -> Emulator {
        let mut args: Vec<&str> = args.to_vec();
        if !args.contains(&"--source") {
            args.extend(["--source", "standin"]);
        }
        let dir = tempfile::tempdir().unwrap();
        let plan_path = dir.path().join("plan.json");
        std::fs::write(&plan_path, serde_json::to_string(plan).unwrap()).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_mgp"))
            .arg("emulate")
            .arg("--protocol")
            .arg(&plan_path)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let path = rx
            .recv_timeout(GUARD)
            .expect("the emulator printed no path");
        let path = path.trim().to_string();
        assert!(path.starts_with("/dev/"), "first line was {path:?}");
        Emulator {
            child: Some(child),
            path,
            _dir: dir,
        }
    }

    /// Waits for the process to end (after a disconnect fault); returns its exit code.
    pub fn wait_exit(&mut self) -> Option<i32> {
        let mut child = self.child.take().expect("already waited");
        let pid = child.id();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait().ok().and_then(|s| s.code()));
        });
        match rx.recv_timeout(GUARD) {
            Ok(code) => code,
            Err(_) => {
                // Still running after the guard: end it (by its id) and fail.
                let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
                panic!("emulator {pid} did not exit");
            }
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Records every reading; can ask to stop a step or report Ctrl-C after some readings.
#[derive(Default)]
pub struct Journal {
    pub readings: Vec<Reading>,
    /// Return `StopStep` once this many data readings have arrived.
    pub stop_after: Option<usize>,
    /// Report an interruption once this many data readings have arrived.
    pub interrupt_after: Option<usize>,
}

impl Journal {
    pub fn data(&self) -> usize {
        self.readings.iter().filter(|r| is_data(r)).count()
    }

    pub fn warnings(&self) -> Vec<String> {
        self.readings
            .iter()
            .filter_map(|r| match r {
                Reading::Warning { message, .. } => Some(message.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn raw(&self) -> Vec<String> {
        self.readings
            .iter()
            .filter_map(|r| match r {
                Reading::Raw { line, .. } => Some(line.clone()),
                _ => None,
            })
            .collect()
    }
}

pub fn is_data(reading: &Reading) -> bool {
    matches!(
        reading,
        Reading::Ocv { .. } | Reading::EisPoint { .. } | Reading::Galvano { .. }
    )
}

impl Sink for Journal {
    fn reading(&mut self, reading: Reading) -> Result<Flow, InstrumentError> {
        self.readings.push(reading);
        if self.stop_after.is_some_and(|n| self.data() >= n) {
            return Ok(Flow::StopStep);
        }
        Ok(Flow::Continue)
    }

    fn interrupted(&self) -> bool {
        self.interrupt_after.is_some_and(|n| self.data() >= n)
    }
}
