//! `mgp check FILES…`: checks each protocol; prints a one-line summary per clean file and every
//! diagnostic of the others (exit 2 if any file does not check).

use super::{eprint_diagnostic, exit};
use crate::check::check_path;
use crate::plan::Plan;
use crate::units::format_duration;
use std::path::PathBuf;

/// Arguments of `mgp check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Protocol files to check.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

pub fn run(args: Args) -> u8 {
    let mut code = exit::OK;
    for file in &args.files {
        match check_path(file) {
            Ok(checked) => {
                for warning in &checked.warnings {
                    eprint_diagnostic(warning);
                }
                println!("ok {}: {}", file.display(), summary(&checked.plan));
            }
            Err(failure) => {
                eprint_diagnostic(&failure);
                code = exit::INVALID;
            }
        }
    }
    code
}

/// `3 cells, 5 steps, 20 h 8 min`.
pub fn summary(plan: &Plan) -> String {
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    format!(
        "{}, {}, {}",
        plural(plan.cells.len(), "cell"),
        plural(plan.steps.len(), "step"),
        format_duration(plan.total_duration_s)
    )
}
