//! A report of a real dry-run: the fixture plan executed by the interpreter on the built-in
//! simulator (seeded), so the journal, CSV files and manifest are exactly what `mgp run`
//! writes, and the analysis is the real one. The report must draw every measurement the
//! simulator produced and every fit the analysis made.

use crate::report_support;

use mgp::instrument::sim::{SimInstrument, SimOptions};
use mgp::report::plots::svg_texts;
use mgp::report::write_report;
use mgp::run::interpreter::{Silent, StopFlag};
use mgp::run::journal::RunStatus;
use mgp::run::session::{self, NewRun};
use std::path::Path;

/// Runs the fixture plan on the simulator into `dir`.
pub fn simulate(dir: &Path) -> session::Finished {
    let new = NewRun {
        protocol_path: "fixture.mgp".into(),
        protocol_text: "# built in tests/report_support\n".into(),
        plan: report_support::plan(true),
        out_dir: dir.to_path_buf(),
        seed: Some(11),
        parameter_set: None,
    };
    let mut sim = SimInstrument::new(SimOptions {
        seed: 11,
        ..SimOptions::default()
    })
    .unwrap();
    let folder = session::create_folder(&new).unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(session::start(
            &new,
            folder,
            &mut sim,
            &StopFlag::new(),
            &mut Silent,
        ))
        .unwrap()
}

#[test]
fn report_of_a_simulated_run_draws_every_measurement() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = match std::env::var_os("MGP_KEEP_SIMULATED_RUN") {
        // For looking at the result in a browser.
        Some(keep) => Path::new(&keep).to_path_buf(),
        None => tmp.path().join("run"),
    };
    let _ = std::fs::remove_dir_all(&dir);
    let finished = simulate(&dir);
    assert_eq!(
        finished.manifest.status,
        RunStatus::Completed,
        "{:?}",
        finished.outcome
    );
    // First without an analysis, as right after `mgp run --no-analysis`.
    let raw = write_report(&dir).unwrap();
    assert!(!raw.analysis);
    let html = std::fs::read_to_string(&raw.report).unwrap();
    assert_eq!(
        html.matches(">not evaluated<").count(),
        4,
        "1 quantity and 3 expects"
    );
    // Then as `mgp analyze` leaves it.
    mgp::run::analyze::analyze_run(&dir).unwrap();
    let summary = write_report(&dir).unwrap();
    assert!(summary.analysis);
    assert_eq!(summary.status, Some(RunStatus::Completed));
    assert_eq!(summary.sweeps, 21 + 7, "every sweep of both rests");
    let names: Vec<String> = summary
        .plots
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    insta::assert_debug_snapshot!(names);
    // The plan has an analyze block: impedance is areal, per the lean cell's 1.131 cm².
    let nyquist = std::fs::read_to_string(dir.join("plots/nyquist-lean-0.svg")).unwrap();
    let texts = svg_texts(&nyquist);
    assert!(texts.contains(&"Z' / kΩ cm²".to_string()), "{texts:?}");
    let html = std::fs::read_to_string(&summary.report).unwrap();
    assert!(!html.contains(">not evaluated<"));
    assert!(html.contains("expectations passed."));
}
