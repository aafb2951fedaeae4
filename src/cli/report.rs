//! `mgp report RUN_DIR`: writes `report.html` and `plots/*.svg` into a run folder.

use super::{eprint_diagnostic, exit};
use crate::report::{ReportError, write_report};
use std::path::PathBuf;

/// Arguments of `mgp report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The run folder (written by `mgp run`).
    pub run_dir: PathBuf,
}

pub fn run(args: Args) -> u8 {
    match write_report(&args.run_dir) {
        Ok(summary) => {
            for problem in &summary.problems {
                eprintln!("warning: {problem}");
            }
            println!(
                "wrote {} ({} plot{} in {})",
                summary.report.display(),
                summary.plots.len(),
                if summary.plots.len() == 1 { "" } else { "s" },
                args.run_dir.join("plots").display()
            );
            exit::OK
        }
        Err(error) => {
            eprint_diagnostic(&error);
            exit_code(&error)
        }
    }
}

fn exit_code(error: &ReportError) -> u8 {
    if error.is_invalid_input() {
        exit::INVALID
    } else {
        exit::RUNTIME
    }
}
