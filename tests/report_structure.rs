//! The report's structure for completed, failed and interrupted synthetic runs, with and
//! without an analysis: headings, plot files, figures, series per panel and axis labels.
//! Snapshots describe structure, never pixels.

use crate::report_support;

use mgp::report::{ReportError, build, load::load, write_report};
use report_support::{Ending, check_labels_are_drawn, check_self_contained, describe, write_run};
use std::fmt::Write as _;
use std::path::Path;

/// Writes the run and its report; returns the structure summary and the HTML.
fn report_of(ending: Ending, analysis: bool) -> (String, String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, ending, analysis);
    let summary = write_report(&dir).unwrap();
    let html = std::fs::read_to_string(&summary.report).unwrap();
    let report = build(&load(&dir).unwrap()).unwrap();
    let mut out = String::new();
    let _ = writeln!(out, "status: {:?}", summary.status);
    let _ = writeln!(out, "analysis: {}", summary.analysis);
    let _ = writeln!(out, "sweeps: {}", summary.sweeps);
    let _ = writeln!(out, "problems: {:?}", summary.problems);
    let _ = writeln!(
        out,
        "<svg> in report.html: {}",
        html.matches("<svg").count()
    );
    let _ = writeln!(out, "table rows: {}", html.matches("<tr>").count());
    out.push_str("headings:\n");
    for h in &summary.headings {
        let _ = writeln!(out, "  {h}");
    }
    out.push_str("files:\n");
    for p in &summary.plots {
        let name = p.strip_prefix(&dir).unwrap().display().to_string();
        let _ = writeln!(out, "  {name}");
    }
    out.push_str("figures:\n");
    for rendered in &report.figures {
        describe(&mut out, &rendered.figure, true);
        check_labels_are_drawn(&rendered.figure, &rendered.svg);
        let on_disk = std::fs::read_to_string(
            dir.join("plots")
                .join(format!("{}.svg", rendered.figure.name)),
        )
        .unwrap();
        assert_eq!(on_disk, rendered.svg, "plots/ holds what the page shows");
    }
    check_self_contained(&html, report.figures.len());
    (out, html)
}

#[test]
fn completed_run_with_analysis() {
    let (structure, html) = report_of(Ending::Completed, true);
    insta::assert_snapshot!(structure);
    assert!(html.contains("2 of 3 expectations passed."));
    assert!(html.contains("<td class=\"fail\">FAIL</td>"));
    assert!(html.contains("within 15 % of 400 kΩ cm²"));
}

#[test]
fn completed_run_without_analysis_shows_raw_data() {
    let (structure, html) = report_of(Ending::Completed, false);
    insta::assert_snapshot!(structure);
    assert!(html.contains("No analysis.json in this run folder"));
}

#[test]
fn failed_run_shows_what_was_measured_and_why_it_stopped() {
    let (structure, html) = report_of(Ending::Failed, true);
    insta::assert_snapshot!(structure);
    assert!(
        html.contains("The run failed: step 4: the instrument disconnected: serial port closed.")
    );
    assert!(html.contains("not reached"));
    assert!(html.contains("<span class=\"badge failed\">failed</span>"));
}

#[test]
fn killed_run_renders_from_its_journal() {
    let (structure, html) = report_of(Ending::Killed, false);
    insta::assert_snapshot!(structure);
    assert!(html.contains("The run has no recorded end"));
    assert!(html.contains("did not end"));
}

#[test]
fn a_second_report_replaces_stale_plots() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, Ending::Completed, false);
    std::fs::create_dir_all(dir.join("plots")).unwrap();
    std::fs::write(dir.join("plots/old-figure.svg"), "<svg/>").unwrap();
    std::fs::write(dir.join("plots/notes.txt"), "mine").unwrap();
    let summary = write_report(&dir).unwrap();
    assert!(!dir.join("plots/old-figure.svg").exists());
    assert!(dir.join("plots/notes.txt").exists(), "only SVGs are ours");
    assert_eq!(
        write_report(&dir).unwrap(),
        summary,
        "reports are deterministic"
    );
}

#[test]
fn an_analysis_in_another_shape_is_a_problem_not_a_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, Ending::Completed, false);
    std::fs::write(dir.join("analysis.json"), "{\"fits\": 3}").unwrap();
    let summary = write_report(&dir).unwrap();
    assert!(!summary.analysis);
    assert_eq!(summary.problems.len(), 1);
    assert!(summary.problems[0].starts_with("analysis.json could not be read"));
    let html = std::fs::read_to_string(summary.report).unwrap();
    assert!(html.contains("analysis.json could not be read"));
}

#[test]
fn folders_that_are_not_runs_are_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope");
    let error = write_report(&missing).unwrap_err();
    assert!(matches!(error, ReportError::NotARunFolder { .. }) && error.is_invalid_input());
    let error = write_report(tmp.path()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("neither manifest.json nor journal.jsonl")
    );
    std::fs::write(tmp.path().join("manifest.json"), "{ not json").unwrap();
    let error = write_report(tmp.path()).unwrap_err();
    assert!(matches!(error, ReportError::Invalid { .. }), "{error}");
    assert!(!Path::new(&tmp.path().join("report.html")).exists());
}
