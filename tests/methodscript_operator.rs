//! Steps for a person on the MethodSCRIPT driver: prompts and additions per operator mode,
//! every prompt and answer in the journal, and cell reconnections on a one-channel device.

use crate::methodscript_common;

use methodscript_common::{Emulator, GUARD, Journal};
use mgp::instrument::methodscript::operator::{OperatorMode, TerminalConsole};
use mgp::instrument::methodscript::{
    MethodScriptInstrument, MethodScriptOptions, connect, fixture,
};
use mgp::instrument::{EisRequest, Instrument, InstrumentError};
use mgp::plan::{Action, Addition, Plan};

async fn open(emulator: &Emulator, plan: &Plan, operator: OperatorMode) -> MethodScriptInstrument {
    let options = MethodScriptOptions {
        operator,
        ..MethodScriptOptions::default()
    };
    let mut instrument = tokio::time::timeout(GUARD, connect(&emulator.path, options))
        .await
        .unwrap()
        .unwrap();
    instrument.prepare(plan).await.unwrap();
    instrument
}

fn addition() -> Addition {
    Addition {
        stock: "Li2S8 stock".into(),
        volume_ml: 0.1,
        target: None,
        volume_before_ml: 1.0,
        volume_after_ml: 1.1,
        composition_after: vec![],
        solvents_after: vec![],
        wetted_area_after_cm2: 1.0,
        electrolyte_ul_per_cm2_after: 40.0,
    }
}

#[tokio::test]
async fn prompts_follow_the_operator_mode_and_are_journalled() {
    let plan = fixture::demo_plan();
    let emulator = Emulator::start(&plan, &["--speed", "inf"]);
    let cell = plan.cell("sym").unwrap();

    let mut strict = open(&emulator, &plan, OperatorMode::NonInteractive).await;
    let mut journal = Journal::default();
    let result = strict
        .prompt("wash the electrode with DOL", &mut journal)
        .await;
    assert!(matches!(result, Err(InstrumentError::Operator(m)) if m.contains("--confirm-all")));
    assert!(matches!(
        strict.addition(cell, &addition(), &mut journal).await,
        Err(InstrumentError::Operator(_))
    ));
    // The prompt step's question is the interpreter's to journal; the addition's is asked
    // through the sink. Each refusal is a warning.
    assert_eq!(
        journal.warnings(),
        vec![
            "operator needed but the run is non-interactive: wash the electrode with DOL",
            "operator asked: add 100 uL of Li2S8 stock to cell sym",
            "operator needed but the run is non-interactive: add 100 uL of Li2S8 stock to cell sym",
        ]
    );
    drop(strict);

    let mut confirmed = open(&emulator, &plan, OperatorMode::ConfirmAll).await;
    let mut journal = Journal::default();
    assert_eq!(
        confirmed
            .prompt("wash the electrode with DOL", &mut journal)
            .await
            .unwrap(),
        None
    );
    confirmed
        .addition(cell, &addition(), &mut journal)
        .await
        .unwrap();
    let warnings = journal.warnings();
    assert!(
        warnings[1].contains("add 100 uL of Li2S8 stock to cell sym"),
        "{warnings:?}"
    );
    drop(confirmed);

    let mut interactive = open(&emulator, &plan, OperatorMode::Interactive).await;
    let console = TerminalConsole::new(
        std::io::Cursor::new(b"rinsed twice\n\n".to_vec()),
        Vec::new(),
    );
    interactive.set_console(Box::new(console));
    let mut journal = Journal::default();
    let answer = interactive
        .prompt("wash the electrode with DOL", &mut journal)
        .await
        .unwrap();
    assert_eq!(answer.as_deref(), Some("rinsed twice"));
    assert!(journal.warnings().is_empty(), "{:?}", journal.warnings());
    interactive
        .addition(cell, &addition(), &mut journal)
        .await
        .unwrap();
    assert_eq!(
        journal.warnings(),
        vec![
            "operator asked: add 100 uL of Li2S8 stock to cell sym",
            "operator answered: done"
        ]
    );
}

#[tokio::test]
async fn a_one_channel_device_asks_to_reconnect_when_the_cell_changes() {
    let mut plan = fixture::demo_plan();
    plan.cells.push(fixture::cell("other"));
    plan.steps[4].cell = "other".into();
    let emulator = Emulator::start(&plan, &["--speed", "inf"]);
    let mut instrument = open(&emulator, &plan, OperatorMode::ConfirmAll).await;
    let Action::Eis(sweep) = &plan.steps[1].action else {
        unreachable!()
    };
    let mut journal = Journal::default();
    for name in ["sym", "sym", "other"] {
        let cell = plan.cell(name).unwrap();
        instrument
            .eis(EisRequest { cell, sweep }, &mut journal)
            .await
            .unwrap();
    }
    let reconnects: Vec<String> = journal
        .warnings()
        .into_iter()
        .filter(|w| w.starts_with("operator asked: connect cell"))
        .collect();
    assert_eq!(reconnects.len(), 2, "{reconnects:?}");
    assert!(reconnects[0].contains("connect cell sym"));
    assert!(reconnects[1].contains("connect cell other"));
    assert_eq!(journal.data(), 3 * sweep.frequencies_hz.len());
}
