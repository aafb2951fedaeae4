//! Each fault the emulator can inject produces the right error from the MethodSCRIPT driver,
//! with every reading received before it delivered to the sink.

use crate::methodscript_common;

use methodscript_common::{Emulator, GUARD, Journal};
use mgp::instrument::methodscript::script::limits_in_force;
use mgp::instrument::methodscript::{
    MethodScriptInstrument, MethodScriptOptions, connect, fixture,
};
use mgp::instrument::{GalvanoRequest, HoldEnd, Instrument, InstrumentError, RestRequest};
use mgp::plan::{Action, Plan};

fn options() -> MethodScriptOptions {
    MethodScriptOptions {
        timeout_s: 1.0,
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

/// Runs the demo plan's galvanostatic step (120 samples 1 s apart) against an emulator
/// started with `args`; returns the result and the journal.
async fn hold(
    args: &[&str],
    journal: &mut Journal,
) -> (
    Result<HoldEnd, InstrumentError>,
    MethodScriptInstrument,
    Emulator,
) {
    let plan = fixture::demo_plan();
    let emulator = Emulator::start(&plan, args);
    let mut instrument = open(&emulator, &plan).await;
    let step = &plan.steps[2];
    let Action::Galvanostatic(g) = &step.action else {
        unreachable!()
    };
    let request = GalvanoRequest {
        cell: plan.cell("sym").unwrap(),
        step: g,
        duration_s: step.duration_s,
        limits: limits_in_force(&plan, g),
    };
    let result = tokio::time::timeout(GUARD, instrument.galvanostatic(request, journal))
        .await
        .expect("step hung");
    (result, instrument, emulator)
}

/// A short OCV rest, to show the device is usable after a fault.
async fn rest_works(instrument: &mut MethodScriptInstrument) {
    let plan = fixture::demo_plan();
    let mut journal = Journal::default();
    let request = RestRequest {
        cell: plan.cell("sym").unwrap(),
        duration_s: 30.0,
        sample_interval_s: Some(10.0),
    };
    let end = tokio::time::timeout(GUARD, instrument.rest(request, &mut journal))
        .await
        .expect("rest hung");
    assert_eq!(end.unwrap(), HoldEnd::Completed);
    assert_eq!(journal.data(), 3);
}

#[tokio::test]
async fn disconnect_mid_step_keeps_the_readings_before_it() {
    let mut journal = Journal::default();
    let (result, _instrument, mut emulator) =
        hold(&["--speed", "inf", "--disconnect-after", "5"], &mut journal).await;
    assert!(
        matches!(result, Err(InstrumentError::Disconnected(_))),
        "{result:?}"
    );
    assert_eq!(journal.data(), 5, "{:?}", journal.readings);
    assert_eq!(emulator.wait_exit(), Some(0));
}

#[tokio::test]
async fn silence_on_a_paced_device_allows_its_sampling_interval() {
    let mut journal = Journal::default();
    let (result, _instrument, _emulator) =
        hold(&["--speed", "100", "--silence-after", "5"], &mut journal).await;
    // 1 s timeout + 1.5 × the 1 s sampling interval, which is 10 ms of wall time at 100×.
    assert!(
        matches!(result, Err(InstrumentError::Timeout(t)) if (t - 1.015).abs() < 1e-6),
        "{result:?}"
    );
    assert_eq!(journal.data(), 5);
}

#[tokio::test]
async fn silence_is_a_timeout() {
    let mut journal = Journal::default();
    let (result, _instrument, _emulator) =
        hold(&["--speed", "inf", "--silence-after", "5"], &mut journal).await;
    // The 1 s timeout alone: an unpaced emulator's planned sampling interval takes no wall
    // time (a paced device would be allowed 1.5 × its interval on top).
    assert!(
        matches!(result, Err(InstrumentError::Timeout(t)) if (t - 1.0).abs() < 1e-6),
        "{result:?}"
    );
    assert_eq!(journal.data(), 5);
}

#[tokio::test]
async fn a_corrupted_packet_is_kept_raw_and_the_step_goes_on() {
    let mut journal = Journal::default();
    let (result, mut instrument, _emulator) =
        hold(&["--speed", "inf", "--corrupt", "3"], &mut journal).await;
    assert_eq!(result.unwrap(), HoldEnd::Completed);
    assert_eq!(journal.data(), 119);
    let raw = journal.raw();
    assert_eq!(raw.len(), 1, "{raw:?}");
    assert!(raw[0].starts_with("Pab") && raw[0].contains('x'), "{raw:?}");
    assert!(
        journal
            .warnings()
            .iter()
            .any(|w| w.starts_with("unreadable line"))
    );
    rest_works(&mut instrument).await;
}

#[tokio::test]
async fn a_truncated_packet_is_kept_raw() {
    let mut journal = Journal::default();
    let (result, _instrument, _emulator) = hold(
        &["--speed", "inf", "--truncate", "4", "--seed", "3"],
        &mut journal,
    )
    .await;
    assert_eq!(result.unwrap(), HoldEnd::Completed);
    assert_eq!(journal.data(), 119);
    assert_eq!(journal.raw().len(), 1);
}

#[tokio::test]
async fn a_device_error_ends_the_step_and_the_device_stays_usable() {
    let mut journal = Journal::default();
    let (result, mut instrument, _emulator) = hold(
        &[
            "--speed",
            "inf",
            "--error-after",
            "4",
            "--error-code",
            "0032",
        ],
        &mut journal,
    )
    .await;
    match result {
        Err(InstrumentError::Device { code, message }) => {
            assert_eq!(code, "0032");
            assert!(message.contains("overload"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(journal.data(), 4);
    assert!(journal.warnings().iter().any(|w| w.contains("!0032")));
    rest_works(&mut instrument).await;
}

#[tokio::test]
async fn overload_flags_become_one_warning() {
    let mut journal = Journal::default();
    let (result, _instrument, _emulator) =
        hold(&["--speed", "inf", "--overload-after", "2"], &mut journal).await;
    assert_eq!(result.unwrap(), HoldEnd::Completed);
    assert_eq!(journal.data(), 120);
    let warnings = journal.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("ba (WE current): overload"),
        "{warnings:?}"
    );
}

#[tokio::test]
async fn ctrl_c_aborts_switches_the_cell_off_and_keeps_the_readings() {
    let mut journal = Journal {
        interrupt_after: Some(3),
        ..Journal::default()
    };
    let (result, mut instrument, _emulator) = hold(&["--speed", "20"], &mut journal).await;
    assert!(
        matches!(result, Err(InstrumentError::Interrupted)),
        "{result:?}"
    );
    // Readings already sent when the abort went out are delivered too; the hold was cut short.
    assert!((3..120).contains(&journal.data()), "{}", journal.data());
    rest_works(&mut instrument).await;
}

#[tokio::test]
async fn slow_replies_are_waited_for() {
    let mut journal = Journal::default();
    let (result, _instrument, _emulator) =
        hold(&["--speed", "inf", "--reply-delay-ms", "300"], &mut journal).await;
    assert_eq!(result.unwrap(), HoldEnd::Completed);
    assert_eq!(journal.data(), 120);
}

#[tokio::test]
async fn a_plan_beyond_the_device_is_refused_before_anything_runs() {
    let timing = mgp::plan::EisTiming::default();
    let sweep = fixture::sweep(1e6, 0.02, 10.0, &timing);
    let plan = fixture::plan_of(vec![(sweep.duration_s, Action::Eis(sweep))]);
    let emulator = Emulator::start(&plan, &["--speed", "inf", "--device", "espico"]);
    let mut instrument = tokio::time::timeout(GUARD, connect(&emulator.path, options()))
        .await
        .unwrap()
        .unwrap();
    match instrument.prepare(&plan).await {
        Err(InstrumentError::Capability(message)) => {
            assert!(message.contains("1 MHz"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert!(instrument.check_plan(&plan).unwrap_err().has_errors());
}
