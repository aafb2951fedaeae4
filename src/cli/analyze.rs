//! `mgp analyze RUN_DIR`: fits every sweep of a run, derives the protocol's quantities, checks
//! its expects (exit 3 when one fails), writes analysis.json and fits.csv, then the report.

use super::exit;
use crate::model::analysis::AnalysisResult;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Arguments of `mgp analyze`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A run folder written by `mgp run`.
    pub run_dir: PathBuf,
    /// Don't write the HTML report.
    #[arg(long)]
    pub no_report: bool,
}

pub fn run(args: Args) -> u8 {
    if args.no_report {
        analyze_only(&args.run_dir).unwrap_or_else(|code| code)
    } else {
        analyze_and_report(&args.run_dir)
    }
}

/// Analyses a run folder and prints the table; the exit code says whether every expect held.
fn analyze_only(dir: &Path) -> Result<u8, u8> {
    match crate::run::analyze::analyze_run(dir) {
        Ok(result) => {
            print!("{}", render_table(&result));
            Ok(if result.all_passed() {
                exit::OK
            } else {
                exit::EXPECT_FAILED
            })
        }
        Err(error) => {
            super::eprint_diagnostic(&error);
            Err(match error {
                crate::run::analyze::AnalyzeError::Folder { .. } => exit::INVALID,
                crate::run::analyze::AnalyzeError::Write { .. } => exit::RUNTIME,
            })
        }
    }
}

/// Analysis, then the report (also used at the end of `mgp run`).
pub fn analyze_and_report(dir: &Path) -> u8 {
    let code = analyze_only(dir).unwrap_or_else(|code| code);
    if code == exit::INVALID {
        return code;
    }
    match crate::report::write_report(dir) {
        Ok(summary) => println!("report: {}", summary.report.display()),
        Err(error) => {
            super::eprint_diagnostic(&error);
            return exit::RUNTIME;
        }
    }
    code
}

/// The derived quantities and expects as a table.
pub fn render_table(result: &AnalysisResult) -> String {
    let mut out = String::new();
    for series in &result.fits {
        let fitted = series.sweeps.iter().filter(|s| s.ok).count();
        let _ = writeln!(
            out,
            "fit {} ({}): {} of {} sweeps fitted",
            series.name,
            series.circuit,
            fitted,
            series.sweeps.len()
        );
    }
    if !result.quantities.is_empty() {
        let _ = writeln!(out, "\n{:<28} value", "quantity");
        for q in &result.quantities {
            let _ = writeln!(out, "{:<28} {}", q.name, q.display);
        }
    }
    if !result.expects.is_empty() {
        let _ = writeln!(
            out,
            "\n{:<4} {:<6} {:<44} {:<22} expected",
            "", "obs", "expect", "found"
        );
        for e in &result.expects {
            let _ = writeln!(
                out,
                "{:<4} {:<6} {:<44} {:<22} {}",
                if e.pass { "ok" } else { "FAIL" },
                e.observation.as_deref().unwrap_or("-"),
                e.text,
                e.reason.as_deref().unwrap_or(&e.display),
                e.expected
            );
        }
        let passed = result.expects.iter().filter(|e| e.pass).count();
        let _ = writeln!(
            out,
            "\nexpects: {passed} of {} passed",
            result.expects.len()
        );
    }
    for warning in &result.warnings {
        let _ = writeln!(out, "warning: {warning}");
    }
    out
}
