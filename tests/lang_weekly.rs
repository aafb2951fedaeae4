//! The lab's weekly work (issue 10), from the protocols in `examples/`: each checks, plans and
//! turns into MethodSCRIPT (snapshots of `mgp plan` and of the scripts), and the sweeps and
//! holds run end to end on the emulator (measuring with the stand-in circuit).

use crate::methodscript_common::Emulator;
use crate::methodscript_protocols::{devices, digest};
use mgp::instrument::methodscript::script::scripts_for_plan;
use mgp::run::journal::{Event, StepStatus, read_journal};
use std::process::Command;

#[test]
fn examples_plan_and_emit_methodscript() {
    insta::glob!("../examples", "*.mgp", |path| {
        let checked = mgp::check::check_path(path).unwrap();
        let scripts = scripts_for_plan(&checked.plan).unwrap();
        let plan = mgp::cli::plan::render(&checked.plan);
        // The path is the only machine-dependent line.
        let plan: Vec<&str> = plan.lines().filter(|l| !l.starts_with("files:")).collect();
        insta::assert_snapshot!(format!(
            "{}\n\n{}\n{}",
            plan.join("\n"),
            devices(&checked.plan),
            digest(&scripts)
        ));
    });
}

/// Runs `protocol` on the emulator (stand-in source, unpaced) and returns the journal.
fn run_on_emulator(protocol: &str) -> Vec<mgp::run::journal::Record> {
    let plan = mgp::check::check_path(std::path::Path::new(protocol))
        .unwrap()
        .plan;
    let emulator = Emulator::start(&plan, &["--speed", "inf"]);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = Command::new(env!("CARGO_BIN_EXE_mgp"))
        .args([
            "run",
            protocol,
            "--quiet",
            "--non-interactive",
            "--confirm-all",
        ])
        .arg("--instrument")
        .arg(format!("methodscript:{}", emulator.path))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    read_journal(&out.join("journal.jsonl")).unwrap().records
}

fn statuses(records: &[mgp::run::journal::Record]) -> Vec<StepStatus> {
    records
        .iter()
        .filter_map(|r| match &r.event {
            Event::StepEnded { status } => Some(*status),
            _ => None,
        })
        .collect()
}

#[test]
fn cyclic_voltammetry_runs_on_the_emulator_with_its_scans() {
    let records = run_on_emulator("examples/cv-mg-on-pt.mgp");
    assert_eq!(
        statuses(&records),
        vec![StepStatus::Completed, StepStatus::Completed]
    );
    let samples: Vec<(f64, usize)> = records
        .iter()
        .filter(|r| r.step == Some(1))
        .filter_map(|r| match &r.event {
            Event::Reading {
                reading:
                    mgp::instrument::Reading::Potentiostatic {
                        potential_v, scan, ..
                    },
            } => Some((*potential_v, scan.unwrap_or(0))),
            _ => None,
        })
        .collect();
    // 6 V per cycle at 2 mV steps, 5 cycles.
    assert_eq!(samples.len(), 15_000);
    let lowest = samples.iter().map(|s| s.0).fold(f64::INFINITY, f64::min);
    let highest = samples
        .iter()
        .map(|s| s.0)
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(
        (lowest + 1.0).abs() < 0.01 && (highest - 2.0).abs() < 0.01,
        "{lowest} {highest}"
    );
    assert_eq!(samples.first().unwrap().1, 1);
    assert_eq!(samples.last().unwrap().1, 5);
}

#[test]
fn a_potentiostatic_hold_ends_at_its_charge_on_the_emulator() {
    let records = run_on_emulator("examples/potentiostatic-mg-on-cu.mgp");
    let stop = records
        .iter()
        .find_map(|r| match &r.event {
            Event::StopReached { condition } if r.step == Some(2) => Some(condition.clone()),
            _ => None,
        })
        .expect("the deposit ends at its charge");
    assert!(stop.contains("charge"), "{stop}");
    // Ended by its own stop condition: completed, well before its 5 h maximum.
    assert_eq!(statuses(&records)[2], StepStatus::Completed);
    let started = |step| {
        records
            .iter()
            .find(|r| r.step == Some(step) && matches!(r.event, Event::StepStarted { .. }))
            .map(|r| r.t_s)
            .unwrap()
    };
    assert!(started(3) - started(2) < 3.0 * 3600.0);
}
