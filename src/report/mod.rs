//! Report: the self-contained HTML report of a run folder, its SVG plots and tables.
//!
//! Takes a run folder (manifest.json, plan.json, journal.jsonl and, when the analysis stage
//! has run, analysis.json); gives `report.html` (inline SVG and CSS, no scripts, nothing
//! fetched) and every figure as `plots/NAME.svg`. Works for completed, failed and interrupted
//! runs: whatever the journal holds is shown, with why the run stopped.
//!
//! Stages: [`load`] reads the folder, [`view`] organises the journal, [`document`] chooses
//! figures and tables and builds the page, [`plots`] draws figures, [`html`] and [`tables`]
//! format. [`quick`] draws the Nyquist and Bode plots of a single impedance file (`mgp plot`).

pub mod analysis;
pub mod channels;
pub mod document;
pub mod html;
pub mod load;
pub mod plots;
pub mod quick;
pub mod tables;
pub mod view;

use crate::run::journal::RunStatus;
use std::io;
use std::path::{Path, PathBuf};

pub use document::{Report, build};

/// Why a report could not be written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReportError {
    #[error("`{}` is not a run folder: {reason}", path.display())]
    #[diagnostic(
        code(mgp::report::not_a_run_folder),
        help("give the folder `mgp run` wrote (it holds manifest.json and journal.jsonl)")
    )]
    NotARunFolder { path: PathBuf, reason: String },
    #[error("`{}` is damaged: {message}", path.display())]
    #[diagnostic(
        code(mgp::report::invalid_file),
        help("the run folder's JSON files are written by mgp; restore the file or rerun")
    )]
    Invalid { path: PathBuf, message: String },
    #[error("cannot read or write `{}`: {source}", path.display())]
    #[diagnostic(
        code(mgp::report::io),
        help("check that the folder exists and is readable and writable")
    )]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Plot(#[from] plots::PlotError),
}

impl ReportError {
    /// True when the user gave something that is not a (valid) run folder, as opposed to a
    /// failure to read or write one (the CLI exits 2 vs 1).
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            ReportError::NotARunFolder { .. } | ReportError::Invalid { .. }
        )
    }
}

/// What [`write_report`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSummary {
    pub report: PathBuf,
    /// Every SVG written under `plots/`, in report order.
    pub plots: Vec<PathBuf>,
    /// Section headings in order (`<h3>`s indented by two spaces).
    pub headings: Vec<String>,
    pub status: Option<RunStatus>,
    pub sweeps: usize,
    pub analysis: bool,
    /// Problems reading the folder (also listed in the report).
    pub problems: Vec<String>,
}

/// Reads the run folder and writes `report.html` and `plots/*.svg` into it.
pub fn write_report(run_dir: &Path) -> Result<ReportSummary, ReportError> {
    let data = load::load(run_dir)?;
    let report = document::build(&data)?;
    let plots_dir = run_dir.join("plots");
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ReportError::Io { path, source }
    };
    std::fs::create_dir_all(&plots_dir).map_err(io_err(&plots_dir))?;
    let mut plots = Vec::new();
    for figure in &report.figures {
        let path = plots_dir.join(format!("{}.svg", figure.figure.name));
        write_atomic(&path, &figure.svg).map_err(io_err(&path))?;
        plots.push(path);
    }
    remove_stale_plots(&plots_dir, &plots).map_err(io_err(&plots_dir))?;
    let path = data.folder.report();
    write_atomic(&path, &report.html).map_err(io_err(&path))?;
    Ok(ReportSummary {
        report: path,
        plots,
        headings: report.headings,
        status: report.status,
        sweeps: report.sweeps,
        analysis: data.analysis.is_some(),
        problems: data.problems,
    })
}

/// Writes via a temporary file and a rename, so a reader never sees half a report.
fn write_atomic(path: &Path, text: &str) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// SVGs left from an earlier report of this folder that this report no longer draws.
fn remove_stale_plots(dir: &Path, keep: &[PathBuf]) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "svg") && !keep.contains(&path) {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}
