//! Dry-runs a protocol with a fixed seed and condenses what it produced into a [`Snapshot`]:
//! the plan's timing, what each step measured, every fit, derived quantity and expect.

use super::Snapshot;
use crate::check::{CheckFailure, check_path};
use crate::instrument::sim::{SimError, SimInstrument, SimOptions};
use crate::model::analysis::AnalysisResult;
use crate::run::analyze::{AnalyzeError, analyze_run};
use crate::run::interpreter::{Silent, StopFlag};
use crate::run::journal::read_journal;
use crate::run::session::{self, NewRun, SessionError};
use crate::run::summary::summarise;
use std::path::Path;

/// Seed used by `mgp test` unless told otherwise.
pub const TEST_SEED: u64 = 1;

/// Why a protocol could not be snapshot.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ProtocolTestError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Check(#[from] CheckFailure),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Sim(#[from] SimError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Analyze(#[from] AnalyzeError),
    #[error("cannot make a scratch folder for the dry-run: {0}")]
    #[diagnostic(code(mgp::test::scratch))]
    Scratch(#[from] std::io::Error),
}

/// What a dry-run of one protocol gave.
#[derive(Debug)]
pub enum Outcome {
    /// The file declares no steps (e.g. a shared materials file).
    NothingToRun,
    Ran {
        snapshot: Snapshot,
        analysis: AnalysisResult,
        /// The dry-run summary table ([`crate::run::summary::render`]).
        summary: String,
    },
}

/// Dry-runs `path` on the simulator with `seed` (default noise, no spread) in a scratch
/// folder and condenses the result.
pub fn snapshot_protocol(
    path: &Path,
    seed: u64,
    tolerance: f64,
) -> Result<Outcome, ProtocolTestError> {
    let checked = check_path(path)?;
    let plan = checked.plan;
    if plan.steps.is_empty() {
        return Ok(Outcome::NothingToRun);
    }
    let scratch = tempfile::tempdir()?;
    let new = NewRun {
        protocol_path: path.display().to_string(),
        protocol_text: checked
            .sources
            .first()
            .map(|s| s.text.clone())
            .unwrap_or_default(),
        plan: plan.clone(),
        out_dir: scratch.path().join("run"),
        seed: Some(seed),
        parameter_set: None,
    };
    let mut sim = SimInstrument::new(SimOptions {
        seed,
        ..SimOptions::default()
    })?;
    let folder = session::create_folder(&new)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let finished = runtime.block_on(session::start(
        &new,
        folder,
        &mut sim,
        &StopFlag::new(),
        &mut Silent,
    ))?;
    let analysis = analyze_run(&finished.folder.dir)?;
    let records = read_journal(&finished.folder.journal())?.records;

    let mut snapshot = Snapshot::new(tolerance);
    snapshot.push("seed", seed.to_string());
    snapshot.push(
        "run.status",
        format!("{:?}", finished.manifest.status).to_lowercase(),
    );
    snapshot.push(
        "plan.total_duration_s",
        format!("{}", plan.total_duration_s),
    );
    for step in summarise(&plan, &records) {
        snapshot.push(
            format!("step.{}", step.index),
            format!(
                "{} {} planned {} s, actual {} s, {} sweeps, {} points, {} samples, {}",
                step.kind,
                step.cell,
                step.planned_s,
                step.actual_s.map_or("-".into(), |t| format!("{t}")),
                step.sweeps,
                step.eis_points,
                step.samples,
                step.status
                    .map_or("not run".into(), |s| format!("{s:?}").to_lowercase()),
            ),
        );
    }
    for series in &analysis.fits {
        let fitted = series.sweeps.iter().filter(|s| s.ok).count();
        snapshot.push(
            format!("fit.{}", series.name),
            format!("{fitted} of {} sweeps fitted", series.sweeps.len()),
        );
    }
    for q in &analysis.quantities {
        let value = q
            .value
            .map_or_else(|| "none".to_string(), |v| format!("{v:e}"));
        snapshot.push(
            format!("quantity.{}", q.name),
            format!("{value} {}", q.dimension.canonical_unit()),
        );
    }
    for (n, e) in analysis.expects.iter().enumerate() {
        let value = e
            .value
            .map_or_else(|| "none".to_string(), |v| format!("{v:e}"));
        snapshot.push(
            format!("expect.{n}"),
            format!(
                "{} {} {value} {} [{}]",
                e.observation.as_deref().unwrap_or("-"),
                if e.pass {
                    "pass"
                } else if e.not_measured {
                    "not-measured"
                } else {
                    "FAIL"
                },
                e.dimension.canonical_unit(),
                e.text
            ),
        );
    }
    let summary = crate::run::summary::render(&plan, &records);
    Ok(Outcome::Ran {
        snapshot,
        analysis,
        summary,
    })
}
