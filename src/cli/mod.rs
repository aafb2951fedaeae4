//! The command line: clap subcommands, one file each. The only place that prints.
//!
//! Exit codes, for every subcommand: 0 success, 1 runtime failure (I/O, instrument),
//! 2 invalid input (usage, protocol, data), 3 an `expect` in the protocol failed,
//! 130 interrupted (Ctrl-C).

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::process::ExitCode;

pub mod analyze;
pub mod channels;
pub mod check;
pub mod devices;
pub mod emulate;
pub mod export;
pub mod fit;
pub mod fmt;
pub mod plan;
pub mod plot;
pub mod progress;
pub mod report;
pub mod resume;
pub mod run;
pub mod run_checks;
pub mod test;
pub mod timeline;

/// Exit codes shared by all subcommands.
pub mod exit {
    pub const OK: u8 = 0;
    pub const RUNTIME: u8 = 1;
    pub const INVALID: u8 = 2;
    pub const EXPECT_FAILED: u8 = 3;
    pub const INTERRUPTED: u8 = 130;
}

#[derive(Debug, Parser)]
#[command(
    name = "mgp",
    version,
    about = "Metal-anode electrochemistry protocols as code"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check protocols: names, units, references and timing.
    Check(check::Args),
    /// Show the timed plan of a protocol.
    Plan(plan::Args),
    /// Rewrite a protocol in canonical layout.
    Fmt(fmt::Args),
    /// Run a protocol on the simulator (default) or a real potentiostat.
    Run(run::Args),
    /// Run a protocol's analyze block on a run folder.
    Analyze(analyze::Args),
    /// Fit an equivalent circuit to impedance data.
    Fit(fit::Args),
    /// Snapshot-test protocols: dry-run each and compare with NAME.mgp.snap.
    Test(test::Args),
    /// List serial ports and identify MethodSCRIPT devices.
    Devices(devices::Args),
    /// Emulate a MethodSCRIPT device on a pseudo-terminal.
    Emulate(emulate::Args),
    /// Write the HTML report of a run folder.
    Report(report::Args),
    /// Draw Nyquist and Bode plots of an impedance file.
    Plot(plot::Args),
    /// Export a run folder (Bluesky event-model documents).
    Export(export::Args),
}

/// Parses the command line and runs the subcommand; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                exit::INVALID
            } else {
                exit::OK
            });
        }
    };
    let code = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Run(args) => run::run(args),
        Command::Analyze(args) => analyze::run(args),
        Command::Fit(args) => fit::run(args),
        Command::Test(args) => test::run(args),
        Command::Devices(args) => devices::run(args),
        Command::Emulate(args) => emulate::run(args),
        Command::Report(args) => report::run(args),
        Command::Plot(args) => plot::run(args),
        Command::Export(args) => export::run(args),
    };
    ExitCode::from(code)
}

/// True when stderr is a terminal and colour is not disabled.
pub fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Prints a diagnostic to stderr, in colour on a terminal.
pub fn eprint_diagnostic(diagnostic: &dyn miette::Diagnostic) {
    eprint!("{}", crate::diagnostics::render(diagnostic, stderr_color()));
}
