//! `mgp analyze RUN_DIR`: fits every sweep of a run, derives the protocol's quantities, checks
//! its expects (exit 3 when one fails), writes analysis.json and fits.csv, then the report.

use super::exit;
mod sweeps;
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
    /// List every sweep's fitted values (by default only for fits of at most
    /// 12 sweeps).
    #[arg(long)]
    pub sweeps: bool,
}

/// Fits with at most this many sweeps list them by default.
pub const SHORT_SERIES: usize = 12;

pub fn run(args: Args) -> u8 {
    if args.no_report {
        analyze_only(&args.run_dir, args.sweeps).unwrap_or_else(|code| code)
    } else {
        report_after(&args.run_dir, args.sweeps)
    }
}

/// Analyses a run folder and prints the table; the exit code says whether every expect held.
fn analyze_only(dir: &Path, all_sweeps: bool) -> Result<u8, u8> {
    match crate::run::analyze::analyze_run(dir) {
        Ok(result) => {
            print!("{}", render_table_with(&result, all_sweeps));
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
    report_after(dir, false)
}

fn report_after(dir: &Path, all_sweeps: bool) -> u8 {
    let code = analyze_only(dir, all_sweeps).unwrap_or_else(|code| code);
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

/// The derived quantities and expects as a table; sweeps listed for short fits.
pub fn render_table(result: &AnalysisResult) -> String {
    render_table_with(result, false)
}

/// Width of the expect column; longer expect texts wrap onto continuation lines.
const EXPECT_WIDTH: usize = 44;

/// The table, with every sweep listed when `all_sweeps`.
pub fn render_table_with(result: &AnalysisResult, all_sweeps: bool) -> String {
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
        if all_sweeps || series.sweeps.len() <= SHORT_SERIES {
            out.push_str(&sweeps::render(series));
        } else {
            let _ = writeln!(
                out,
                "  ({} sweeps: `mgp analyze --sweeps` lists each; fits.csv has them all)",
                series.sweeps.len()
            );
        }
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
            "\n{:<4} {:<6} {:<EXPECT_WIDTH$} {:<22} expected",
            "", "obs", "expect", "found"
        );
        for e in &result.expects {
            let status = if e.pass {
                "ok"
            } else if e.not_measured {
                "n/m"
            } else {
                "FAIL"
            };
            let lines = wrap(&e.text, EXPECT_WIDTH);
            let found = if e.not_measured {
                e.display.as_str()
            } else {
                e.reason.as_deref().unwrap_or(&e.display)
            };
            let _ = writeln!(
                out,
                "{:<4} {:<6} {:<EXPECT_WIDTH$} {:<22} {}",
                status,
                e.observation.as_deref().unwrap_or("-"),
                lines[0],
                found,
                e.expected
            );
            for more in &lines[1..] {
                let _ = writeln!(out, "{:<4} {:<6} {more}", "", "");
            }
        }
        let passed = result.expects.iter().filter(|e| e.pass).count();
        let not_measured = result.expects.iter().filter(|e| e.not_measured).count();
        let _ = write!(
            out,
            "\nexpects: {passed} of {} passed",
            result.expects.len()
        );
        if not_measured > 0 {
            let _ = write!(out, ", {not_measured} not measured (not evaluated)");
        }
        out.push('\n');
        for e in result.expects.iter().filter(|e| e.not_measured) {
            if let Some(reason) = &e.reason {
                let _ = writeln!(out, "{}: {reason}", e.text);
            }
        }
    }
    for warning in &result.warnings {
        let _ = writeln!(out, "warning: {warning}");
    }
    out
}

/// Splits `text` into lines of at most `width` characters, at spaces where it can (a word
/// longer than the column is cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    textwrap::wrap(text, width)
        .into_iter()
        .map(|line| line.into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn long_expects_wrap_within_the_column() {
        let text = "linear_r2 R of arc from 0 h to 20 h above 0.95";
        let lines = wrap(text, 44);
        assert_eq!(
            lines,
            vec!["linear_r2 R of arc from 0 h to 20 h above", "0.95"]
        );
        assert_eq!(wrap("short", 44), vec!["short"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("", 44), vec![""]);
    }
}
