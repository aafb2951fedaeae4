//! Reads a run folder for the report: manifest, plan, journal and (when present) analysis.
//!
//! Gives [`RunData`]. Only a folder that is not a run folder at all, or a manifest/plan that
//! is not valid JSON, is an error; anything else that is missing or damaged (no journal yet,
//! a torn last journal line, an analysis in an unknown shape) becomes a `problem` that the
//! report shows, because a report of a broken run is exactly when a user needs one.

use super::ReportError;
use super::analysis::ReportAnalysis;
use crate::model::analysis::AnalysisResult;
use crate::plan::Plan;
use crate::run::folder::{Manifest, RunFolder};
use crate::run::journal::{Record, read_journal};
use std::io;
use std::path::Path;

/// Everything read from a run folder.
#[derive(Debug, Clone)]
pub struct RunData {
    pub folder: RunFolder,
    pub manifest: Option<Manifest>,
    pub plan: Option<Plan>,
    pub records: Vec<Record>,
    pub analysis: Option<ReportAnalysis>,
    /// What could not be read, in words; shown under "Warnings and faults".
    pub problems: Vec<String>,
}

/// Reads `run_dir`.
pub fn load(run_dir: &Path) -> Result<RunData, ReportError> {
    if !run_dir.is_dir() {
        return Err(ReportError::NotARunFolder {
            path: run_dir.to_path_buf(),
            reason: if run_dir.exists() {
                "it is not a directory".into()
            } else {
                "it does not exist".into()
            },
        });
    }
    let folder = RunFolder::new(run_dir);
    let has_manifest = folder.manifest().is_file();
    let has_journal = folder.journal().is_file();
    if !has_manifest && !has_journal {
        return Err(ReportError::NotARunFolder {
            path: run_dir.to_path_buf(),
            reason: "it holds neither manifest.json nor journal.jsonl".into(),
        });
    }
    let mut problems = Vec::new();
    let manifest = if has_manifest {
        Some(
            folder
                .read_manifest()
                .map_err(|e| file_error(&folder.manifest(), e))?,
        )
    } else {
        problems.push("manifest.json is missing: run details and status are unknown".into());
        None
    };
    let plan = if folder.plan().is_file() {
        Some(
            folder
                .read_plan()
                .map_err(|e| file_error(&folder.plan(), e))?,
        )
    } else {
        problems.push(
            "plan.json is missing: steps, cells and areas are unknown, values are absolute".into(),
        );
        None
    };
    let records = if has_journal {
        let journal = read_journal(&folder.journal()).map_err(|e| ReportError::Io {
            path: folder.journal(),
            source: e,
        })?;
        if journal.torn_tail {
            problems.push(
                "the journal's last line was cut short (the run was killed while writing it); \
                 it is left out"
                    .into(),
            );
        }
        if !journal.bad_lines.is_empty() {
            problems.push(format!(
                "journal lines {} could not be read and are left out",
                list(&journal.bad_lines)
            ));
        }
        journal.records
    } else {
        problems.push("journal.jsonl is missing: nothing was recorded".into());
        Vec::new()
    };
    let analysis = read_analysis(&folder, &mut problems)
        .map(|result| ReportAnalysis::from_result(&result, plan.as_ref()));
    Ok(RunData {
        folder,
        manifest,
        plan,
        records,
        analysis,
        problems,
    })
}

fn read_analysis(folder: &RunFolder, problems: &mut Vec<String>) -> Option<AnalysisResult> {
    let path = folder.analysis();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
        Err(e) => {
            problems.push(format!("analysis.json could not be read: {e}"));
            return None;
        }
    };
    match serde_json::from_str::<AnalysisResult>(&text) {
        Ok(analysis) => Some(analysis),
        Err(e) => {
            problems.push(format!(
                "analysis.json could not be read (line {}: {e}); fits are not shown",
                e.line()
            ));
            None
        }
    }
}

/// Bad JSON is bad input (exit 2); anything else is I/O (exit 1).
fn file_error(path: &Path, error: io::Error) -> ReportError {
    if error.kind() == io::ErrorKind::InvalidData {
        ReportError::Invalid {
            path: path.to_path_buf(),
            message: error.to_string(),
        }
    } else {
        ReportError::Io {
            path: path.to_path_buf(),
            source: error,
        }
    }
}

fn list(lines: &[usize]) -> String {
    let shown: Vec<String> = lines.iter().take(10).map(usize::to_string).collect();
    let more = lines.len().saturating_sub(10);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}
