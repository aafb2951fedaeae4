//! Report: tables, SVG plots and the self-contained HTML report of a run.

pub mod analysis;
pub mod load;
pub mod plots;
pub mod view;

use std::path::PathBuf;

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
        source: std::io::Error,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Plot(#[from] plots::PlotError),
}
