//! `mgp emulate` answers at the wire level as a MethodSCRIPT device does: identification,
//! refusals, load errors with line numbers, runtime checks, and aborts.

use crate::methodscript_common;

use methodscript_common::{Emulator, GUARD};
use mgp::instrument::methodscript::fixture;
use mgp::instrument::methodscript::link::Link;
use tokio_serial::{SerialPortBuilderExt, SerialStream};

async fn link(emulator: &Emulator) -> Link<SerialStream> {
    Link::new(
        tokio_serial::new(&emulator.path, 230_400)
            .open_native_async()
            .unwrap(),
    )
}

async fn line(link: &mut Link<SerialStream>) -> String {
    String::from_utf8(link.read_line(GUARD).await.unwrap()).unwrap()
}

/// Sends a script (header naming cell `sym`, then `body`) and returns every line up to and
/// including the empty one.
async fn run(link: &mut Link<SerialStream>, body: &str) -> Vec<String> {
    link.send(&format!("e\n# mgp step=0 cell=sym kind=ocp\n{body}\n\n"))
        .await
        .unwrap();
    let mut lines = Vec::new();
    loop {
        let next = line(link).await;
        let done = next.is_empty() || next.starts_with("e!");
        lines.push(next);
        if done {
            return lines;
        }
    }
}

#[tokio::test]
async fn identification_and_refusals() {
    let emulator = Emulator::start(
        &fixture::demo_plan(),
        &["--speed", "inf", "--device", "espico", "--seed", "4"],
    );
    let mut link = link(&emulator).await;
    link.send("t\n").await.unwrap();
    let first = line(&mut link).await;
    assert!(first.starts_with("tespico"), "{first}");
    assert!(line(&mut link).await.ends_with('*'));
    link.send("v\ni\nZ\nq\n").await.unwrap();
    assert_eq!(line(&mut link).await, "v1.6");
    assert_eq!(line(&mut link).await, "iMGP-EMU-4");
    assert_eq!(line(&mut link).await, "Z!0006");
    assert_eq!(line(&mut link).await, "q!0003");
}

#[tokio::test]
async fn scripts_are_checked_like_on_a_device() {
    let emulator = Emulator::start(&fixture::demo_plan(), &["--speed", "inf"]);
    let mut link = link(&emulator).await;
    // Unknown command: refused at load, with its line (the header is line 1).
    assert_eq!(
        run(&mut link, "var p\nfrobnicate").await,
        vec!["e!4001: Line 3, Col 1"]
    );
    // EIS with the cell off.
    let eis =
        "var f\nvar zr\nvar zi\nset_pgstat_mode 3\nmeas_loop_eis f zr zi 10m 1k 1k 1i 0\nendloop";
    let out = run(&mut link, eis).await;
    assert_eq!(out[0], "e");
    assert!(out.contains(&"!4027: Line 6".to_string()), "{out:?}");
    // OCP with the cell on.
    let out = run(&mut link, "var p\ncell_on\nmeas_loop_ocp p 1 3\nendloop").await;
    assert!(out.contains(&"!0014: Line 4".to_string()), "{out:?}");
    // A good one: one loop, three packages at 1, 2, 3 s.
    let out = run(
        &mut link,
        "var p\ncell_off\nmeas_loop_ocp p 1 3\npck_start\npck_add p\npck_end\nendloop",
    )
    .await;
    assert_eq!(out.len(), 7, "{out:?}");
    assert_eq!(
        (out[0].as_str(), out[1].as_str(), out[5].as_str()),
        ("e", "M0000", "*")
    );
    assert!(out[2..5].iter().all(|l| l.starts_with("Pab")));
}

#[tokio::test]
async fn a_script_without_a_cell_header_is_an_error() {
    let emulator = Emulator::start(&fixture::demo_plan(), &["--speed", "inf"]);
    let mut link = link(&emulator).await;
    link.send("e\nvar p\nmeas_loop_ocp p 1 3\nendloop\n\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    loop {
        let next = line(&mut link).await;
        if next.is_empty() {
            break;
        }
        out.push(next);
    }
    assert_eq!(out[0], "e");
    assert!(
        out.iter()
            .any(|l| l.starts_with('T') && l.contains("header")),
        "{out:?}"
    );
    assert_eq!(out.last().unwrap(), "!4004: Line 2");
}

#[tokio::test]
async fn abort_acknowledges_and_finishes_the_output() {
    // Paced at 1x: the 3600 s loop is still running when Z arrives.
    let emulator = Emulator::start(&fixture::demo_plan(), &["--speed", "1"]);
    let mut link = link(&emulator).await;
    link.send("e\n# mgp step=0 cell=sym kind=ocp\nvar p\ncell_off\nmeas_loop_ocp p 1 3600\npck_start\npck_add p\npck_end\nendloop\non_finished:\ncell_off\n\n")
        .await
        .unwrap();
    assert_eq!(line(&mut link).await, "e");
    assert_eq!(line(&mut link).await, "M0000");
    // Wait for the first data package, then abort.
    assert!(line(&mut link).await.starts_with("Pab"));
    link.send("Z\n").await.unwrap();
    let mut rest = Vec::new();
    loop {
        let next = line(&mut link).await;
        if next.is_empty() {
            break;
        }
        rest.push(next);
    }
    assert!(rest.contains(&"Z".to_string()), "{rest:?}");
    assert_eq!(rest.last().unwrap(), "*");
    // Idle again.
    link.send("Z\n").await.unwrap();
    assert_eq!(line(&mut link).await, "Z!0006");
}

#[tokio::test]
async fn a_busy_device_is_left_alone_unless_taken_over() {
    use mgp::instrument::methodscript::{MethodScriptOptions, connect};
    let emulator = Emulator::start(&fixture::demo_plan(), &["--speed", "10"]);
    {
        // Someone else starts an hour-long OCP recording (a point every 0.1 s at 10x) and
        // goes away.
        let mut first = link(&emulator).await;
        first
            .send("e\n# mgp step=0 cell=sym kind=ocp\nvar p\ncell_off\nmeas_loop_ocp p 1 3600\npck_start\npck_add p\npck_end\nendloop\n\n")
            .await
            .unwrap();
        assert!(line(&mut first).await == "e");
    }
    // `mgp devices` sees it streaming and reports it busy.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mgp"))
        .args(["devices", "--json", "--port", &emulator.path])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(rows[0]["result"]["probe"]["status"], "busy", "{rows}");
    assert_eq!(rows[0]["result"]["probe"]["reason"], "running_script");
    // The recording goes on: nothing was aborted.
    let mut watcher = link(&emulator).await;
    let mut seen = 0;
    while seen < 3 {
        if line(&mut watcher).await.starts_with("Pab") {
            seen += 1;
        }
    }
    drop(watcher);
    // Connecting refuses a busy device, unless told to take it over.
    let refused = connect(&emulator.path, MethodScriptOptions::default()).await;
    let Err(error @ mgp::instrument::InstrumentError::Busy { .. }) = refused else {
        panic!("a busy device is refused: {:?}", refused.err());
    };
    // Readable, not Rust debug text.
    let text = error.to_string();
    assert!(text.contains("a script is running"), "{text}");
    assert!(!text.contains("RunningScript"), "{text}");
    let options = MethodScriptOptions {
        take_over_busy: true,
        ..MethodScriptOptions::default()
    };
    let taken = connect(&emulator.path, options).await.unwrap();
    assert!(taken.identity().firmware.contains("mgp-emulator"));
}
