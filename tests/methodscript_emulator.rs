//! The MethodSCRIPT driver against `mgp emulate` over a real pseudo-terminal: identification,
//! an EIS sweep and a galvanostatic hold, and every fault with the readings before it kept.

use crate::methodscript_common;

use methodscript_common::{Emulator, GUARD, Journal, is_data};
use mgp::instrument::methodscript::fixture;
use mgp::instrument::methodscript::{MethodScriptInstrument, MethodScriptOptions, connect};
use mgp::instrument::{
    EisRequest, GalvanoRequest, HoldEnd, Instrument, InstrumentError, Reading, RestRequest,
};
use mgp::plan::{Action, Plan};
use std::process::Command;

fn plan() -> Plan {
    fixture::demo_plan()
}

fn options() -> MethodScriptOptions {
    MethodScriptOptions {
        timeout_s: 2.0,
        timeout_slack: 1.5,
        ..MethodScriptOptions::default()
    }
}

async fn open(emulator: &Emulator, plan: &Plan) -> MethodScriptInstrument {
    let mut instrument = tokio::time::timeout(GUARD, connect(&emulator.path, options()))
        .await
        .expect("connect hung")
        .expect("connect failed");
    instrument.prepare(plan).await.unwrap();
    instrument
}

/// The galvanostatic step of the demo plan (120 samples, 1 s apart, 1.5 V limit).
async fn galvanostatic(
    instrument: &mut MethodScriptInstrument,
    plan: &Plan,
    journal: &mut Journal,
) -> Result<HoldEnd, InstrumentError> {
    let step = &plan.steps[2];
    let Action::Galvanostatic(g) = &step.action else {
        unreachable!()
    };
    let request = GalvanoRequest {
        cell: plan.cell("sym").unwrap(),
        step: g,
        duration_s: step.duration_s,
        limits: mgp::instrument::methodscript::script::limits_in_force(plan, g),
    };
    tokio::time::timeout(GUARD, instrument.galvanostatic(request, journal))
        .await
        .expect("galvanostatic step hung")
}

#[test]
fn devices_identifies_the_emulator() {
    let emulator = Emulator::start(
        &plan(),
        &["--speed", "inf", "--device", "es4_hr", "--seed", "7"],
    );
    let output = Command::new(env!("CARGO_BIN_EXE_mgp"))
        .args(["devices", "--json", "--port", &emulator.path])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let id = &rows[0]["result"]["probe"];
    assert_eq!(id["status"], "identified");
    assert_eq!(id["device_type"], "es4_hr");
    assert_eq!(id["serial"], "MGP-EMU-7");
    assert_eq!(id["methodscript_version"], "1.6");
    assert!(id["firmware"].as_str().unwrap().contains("mgp-emulator"));
    // The table form names the device too.
    let output = Command::new(env!("CARGO_BIN_EXE_mgp"))
        .args(["devices", "--port", &emulator.path])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("EmStat4 HR"));
}

#[test]
fn devices_fails_on_a_port_without_a_device() {
    let output = Command::new(env!("CARGO_BIN_EXE_mgp"))
        .args(["devices", "--port", "/dev/does-not-exist"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
}

#[tokio::test]
async fn eis_ocv_and_galvanostatic_steps_run_on_the_emulator() {
    let plan = plan();
    let emulator = Emulator::start(&plan, &["--speed", "inf"]);
    let mut instrument = open(&emulator, &plan).await;
    let cell = plan.cell("sym").unwrap();

    let mut journal = Journal::default();
    let end = instrument
        .rest(
            RestRequest {
                cell,
                duration_s: 60.0,
                sample_interval_s: Some(10.0),
            },
            &mut journal,
        )
        .await
        .unwrap();
    assert_eq!(end, HoldEnd::Completed);
    let times: Vec<f64> = journal
        .readings
        .iter()
        .filter(|r| is_data(r))
        .map(Reading::t_s)
        .collect();
    assert_eq!(times.len(), 6, "{:?}", journal.readings);
    // Stamped on the device's schedule: 10 s apart.
    assert!(
        times.windows(2).all(|w| (w[1] - w[0] - 10.0).abs() < 1e-9),
        "{times:?}"
    );

    let Action::Eis(sweep) = &plan.steps[1].action else {
        unreachable!()
    };
    let mut journal = Journal::default();
    let end = instrument
        .eis(EisRequest { cell, sweep }, &mut journal)
        .await
        .unwrap();
    assert_eq!(end, HoldEnd::Completed);
    let points: Vec<(f64, f64, f64)> = journal
        .readings
        .iter()
        .filter_map(|r| match r {
            Reading::EisPoint {
                frequency_hz,
                z_real_ohm,
                z_imag_ohm,
                ..
            } => Some((*frequency_hz, *z_real_ohm, *z_imag_ohm)),
            _ => None,
        })
        .collect();
    assert_eq!(points.len(), sweep.frequencies_hz.len());
    for ((f, re, im), planned) in points.iter().zip(&sweep.frequencies_hz) {
        assert!((f / planned - 1.0).abs() < 1e-5, "{f} vs {planned}");
        let z =
            mgp::instrument::methodscript::emulator::standin::StandIn::impedance(cell, *planned);
        assert!(
            (re / z.re - 1.0).abs() < 1e-5 && (im / z.im - 1.0).abs() < 1e-4,
            "{re} {im} vs {z}"
        );
    }
    assert!(journal.warnings().is_empty(), "{:?}", journal.warnings());

    let mut journal = Journal::default();
    let end = galvanostatic(&mut instrument, &plan, &mut journal)
        .await
        .unwrap();
    assert_eq!(end, HoldEnd::Completed);
    assert_eq!(journal.data(), 120);
    let last = journal.readings.iter().rev().find(|r| is_data(r)).unwrap();
    let Reading::Galvano {
        potential_v,
        current_a,
        ..
    } = last
    else {
        panic!("{last:?}")
    };
    assert!((current_a - 1e-3).abs() < 1e-12);
    // The stand-in's Rs + Rct = 220 Ω at 1 cm²: 0.22 V at 1 mA once the double layer is charged.
    assert!((potential_v - 0.22).abs() < 1e-6, "{potential_v}");
}

#[tokio::test]
async fn a_limit_ends_the_hold_on_device_and_host() {
    let mut plan = plan();
    // 10 mA through 220 Ω: 2.2 V, beyond the step's 1.5 V limit after a few ms.
    let Action::Galvanostatic(g) = &mut plan.steps[2].action else {
        unreachable!()
    };
    *g = fixture::galvanostatic(10e-3, 120.0, 1.0, 1.5);
    let emulator = Emulator::start(&plan, &["--speed", "inf"]);
    let mut instrument = open(&emulator, &plan).await;
    let mut journal = Journal::default();
    let end = galvanostatic(&mut instrument, &plan, &mut journal)
        .await
        .unwrap();
    assert_eq!(end, HoldEnd::Stopped);
    assert_eq!(journal.data(), 1, "{:?}", journal.readings);
    assert!(
        journal
            .warnings()
            .iter()
            .any(|w| w.contains("reached the limit")),
        "{:?}",
        journal.warnings()
    );
    // The device is ready for the next step.
    let mut journal = Journal::default();
    let cell = plan.cell("sym").unwrap();
    let end = instrument
        .rest(
            RestRequest {
                cell,
                duration_s: 20.0,
                sample_interval_s: Some(10.0),
            },
            &mut journal,
        )
        .await
        .unwrap();
    assert_eq!((end, journal.data()), (HoldEnd::Completed, 2));
}

#[tokio::test]
async fn the_sink_can_end_a_step() {
    let plan = plan();
    let emulator = Emulator::start(&plan, &["--speed", "100"]);
    let mut instrument = open(&emulator, &plan).await;
    let mut journal = Journal {
        stop_after: Some(5),
        ..Journal::default()
    };
    let end = galvanostatic(&mut instrument, &plan, &mut journal)
        .await
        .unwrap();
    assert_eq!(end, HoldEnd::Stopped);
    // Readings already on their way when the step was stopped are kept; the device stopped
    // well before its 120 samples.
    assert!((5..120).contains(&journal.data()), "{}", journal.data());
}
