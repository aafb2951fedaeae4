//! The report of the dry-run of every protocol in `protocols/`: each is checked, run on the
//! simulator (seed 1), analysed, and reported; the snapshot holds the report's structure
//! (headings, plot files, figures with their axes and series counts), never pixels.
//! Set `MGP_KEEP_PROTOCOL_RUNS=DIR` to keep the run folders and look at the reports.

use crate::report_support;

use mgp::instrument::sim::{SimInstrument, SimOptions};
use mgp::report::{build, load::load, write_report};
use mgp::run::interpreter::{Silent, StopFlag};
use mgp::run::journal::RunStatus;
use mgp::run::session::{self, NewRun};
use report_support::{check_labels_are_drawn, check_self_contained, describe};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn run_dir(scratch: &Path, name: &str) -> PathBuf {
    match std::env::var_os("MGP_KEEP_PROTOCOL_RUNS") {
        Some(keep) => Path::new(&keep).join(name),
        None => scratch.join(name),
    }
}

/// Electrodes defined (imported) but in none of the plan's cells.
fn checked_plan_electrodes_unused(dir: &Path) -> Vec<String> {
    let plan = mgp::run::folder::RunFolder::new(dir).read_plan().unwrap();
    plan.electrodes
        .iter()
        .map(|e| e.name.clone())
        .filter(|name| {
            !plan.cells.iter().any(|c| {
                [Some(&c.working), c.counter.as_ref(), c.reference.as_ref()]
                    .into_iter()
                    .flatten()
                    .any(|e| &e.electrode == name)
            })
        })
        .collect()
}

#[test]
fn every_protocol_dry_run_gets_a_report() {
    insta::glob!("../protocols", "*.mgp", |path| {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let checked = mgp::check::check_path(path).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        if checked.plan.steps.is_empty() {
            return; // a library of materials, imported by the others
        }
        let scratch = tempfile::tempdir().unwrap();
        let dir = run_dir(scratch.path(), &name);
        let _ = std::fs::remove_dir_all(&dir);
        let new = NewRun {
            protocol_path: format!("protocols/{name}.mgp"),
            protocol_text: std::fs::read_to_string(path).unwrap(),
            plan: checked.plan,
            out_dir: dir.clone(),
            seed: Some(1),
            parameter_set: None,
        };
        let mut sim = SimInstrument::new(SimOptions {
            seed: 1,
            ..SimOptions::default()
        })
        .unwrap();
        let folder = session::create_folder(&new).unwrap();
        let finished = tokio::runtime::Builder::new_current_thread()
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
            .unwrap();
        assert_eq!(finished.manifest.status, RunStatus::Completed, "{name}");
        mgp::run::analyze::analyze_run(&dir).unwrap();

        let summary = write_report(&dir).unwrap();
        let html = std::fs::read_to_string(&summary.report).unwrap();
        let report = build(&load(&dir).unwrap()).unwrap();
        check_self_contained(&html, summary.plots.len());
        // Only the materials this protocol's cells use, not the whole imported library.
        for electrode in &checked_plan_electrodes_unused(&dir) {
            assert!(
                !html.contains(&format!("<td>{electrode}</td>")),
                "{name}: unused electrode `{electrode}` is listed"
            );
        }
        let mut out = String::new();
        let _ = writeln!(out, "status: {:?}", summary.status);
        let _ = writeln!(out, "sweeps: {}", summary.sweeps);
        let _ = writeln!(out, "problems: {:?}", summary.problems);
        out.push_str("headings:\n");
        for h in &summary.headings {
            let _ = writeln!(out, "  {h}");
        }
        out.push_str("figures:\n");
        for rendered in &report.figures {
            check_labels_are_drawn(&rendered.figure, &rendered.svg);
            // Numbers in legends (fitted slopes) belong to the simulator and the fitter.
            describe(&mut out, &rendered.figure, false);
        }
        insta::assert_snapshot!(out);
    });
}
