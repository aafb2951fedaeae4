//! Analysis of a run folder: gathers the journal's sweeps and traces, runs the plan's analyze
//! block ([`crate::model::analysis::analyze`]) and writes `analysis.json` and `fits.csv`.
//!
//! Times are measured from when steps actually started (from the journal), not when the plan
//! scheduled them, so a run that waited on an operator or was resumed is analysed correctly.

use super::folder::{RunFolder, collect_data};
use super::journal::{Event, read_journal};
use crate::model::analysis::{AnalysisResult, SweepData, TraceData, analyze, fits_csv};
use num_complex::Complex64;
use std::path::Path;

/// Reading or writing a run folder failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum AnalyzeError {
    #[error("`{path}` is not a readable run folder: {message}")]
    #[diagnostic(
        code(mgp::analyze::folder),
        help(
            "give a folder written by `mgp run` (it holds manifest.json, plan.json and journal.jsonl)"
        )
    )]
    Folder { path: String, message: String },
    #[error("cannot write the analysis into `{path}`: {source}")]
    #[diagnostic(code(mgp::analyze::write))]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Analyses the run in `dir` and writes `analysis.json` and `fits.csv` there.
pub fn analyze_run(dir: &Path) -> Result<AnalysisResult, AnalyzeError> {
    let folder = RunFolder::new(dir);
    let folder_error = |message: String| AnalyzeError::Folder {
        path: dir.display().to_string(),
        message,
    };
    let mut plan = folder
        .read_plan()
        .map_err(|e| folder_error(e.to_string()))?;
    let contents =
        read_journal(&folder.journal()).map_err(|e| folder_error(format!("journal.jsonl: {e}")))?;
    // The series' time zero is when its first step really started.
    for record in &contents.records {
        if let (Some(index), Event::StepStarted { .. }) = (record.step, &record.event)
            && let Some(step) = plan.steps.get_mut(index)
        {
            step.start_s = record.t_s;
        }
    }
    let (sweeps, traces) = collect_data(&contents.records);
    let sweeps: Vec<SweepData> = sweeps
        .into_iter()
        .map(|s| SweepData {
            step: s.step,
            sweep: s.sweep,
            start_s: s.points.first().map_or(0.0, |p| p.0),
            frequencies_hz: s.points.iter().map(|p| p.1).collect(),
            z_ohm: s.points.iter().map(|p| Complex64::new(p.2, p.3)).collect(),
        })
        .collect();
    let traces: Vec<TraceData> = traces
        .into_iter()
        .map(|t| TraceData {
            step: t.step,
            samples: t.samples,
        })
        .collect();
    let mut result = analyze(&plan, &sweeps, &traces);
    result.not_modelled = super::model_limits::not_modelled(&contents.records);
    if contents.torn_tail {
        result
            .warnings
            .push("the journal's last line was torn (the run was killed); it was skipped".into());
    }
    if !contents.bad_lines.is_empty() {
        result.warnings.push(format!(
            "journal lines {:?} could not be read and were skipped",
            contents.bad_lines
        ));
    }
    let write_error = |source| AnalyzeError::Write {
        path: dir.display().to_string(),
        source,
    };
    folder
        .write_json(&folder.analysis(), &result)
        .map_err(write_error)?;
    std::fs::write(folder.fits_csv(), fits_csv(&result)).map_err(|source| AnalyzeError::Write {
        path: dir.display().to_string(),
        source,
    })?;
    Ok(result)
}
