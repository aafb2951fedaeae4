//! `mgp run`: execute a protocol on the simulator (default) or a MethodSCRIPT potentiostat,
//! into a crash-safe run folder; then analyse it and write its report.

use super::exit;
use super::progress::Progress;
use super::resume::SimRecord;
use super::run_checks;
use crate::check::check_path;
use crate::instrument::methodscript::operator::{OperatorMode, TerminalConsole};
use crate::instrument::methodscript::{MethodScriptInstrument, MethodScriptOptions, connect};
use crate::instrument::sim::{SimInstrument, SimOptions};
use crate::run::interpreter::StopFlag;
use crate::run::journal::{RunStatus, read_journal};
use crate::run::session::{self, Finished, NewRun};
use crate::run::summary;
use crate::source::SourceFile;
use std::path::{Path, PathBuf};

/// Which instrument executes the plan.
#[derive(Debug, Clone, PartialEq)]
pub enum InstrumentSpec {
    Sim,
    /// A port and the driver's settings (`methodscript:/dev/ttyACM0,baud=921600`).
    MethodScript(String, Box<MethodScriptOptions>),
}

pub fn parse_instrument(text: &str) -> Result<InstrumentSpec, String> {
    if text == "sim" {
        return Ok(InstrumentSpec::Sim);
    }
    match text.strip_prefix("methodscript:") {
        Some(spec) => MethodScriptOptions::parse_spec(spec)
            .map(|(port, options)| InstrumentSpec::MethodScript(port, Box::new(options)))
            // clap shows only this text: the help ("did you mean …") goes with it.
            .map_err(|error| format!("{error}\n  help: {}", error.help)),
        None => Err(format!(
            "unknown instrument `{text}`: use `sim` or `methodscript:PORT` (e.g. methodscript:/dev/ttyACM0)"
        )),
    }
}

/// Arguments of `mgp run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The protocol to run (not needed with --resume).
    #[arg(required_unless_present = "resume")]
    pub file: Option<PathBuf>,
    /// `sim` (built-in simulator, the default) or `methodscript:PORT[,key=value…]`;
    /// with --resume, the run's own instrument unless given.
    ///
    /// MethodSCRIPT settings [default]:
    ///   baud=230400|921600       serial speed [try both]
    ///   timeout=S, slack=X       silence allowed: S + X × the planned gap [5, 2]
    ///   speed=X                  instrument seconds per wall second [1, or the emulator's]
    ///   device=espico|es4_lr|es4_hr|mes4lr|mes4hr|nexus1   [as identified]
    ///   amplitude=rms|peak       how the EIS amplitude is sent [rms]
    ///   eis=sweep|per_frequency  one EIS loop per sweep or per frequency [sweep]
    ///   literals=integer|decimal script number style [integer]
    ///   device_limits=on|off     the device also ends a hold at a limit [on]
    ///   zimag=as_sent|negated    the device's sign of Z'' [as_sent]
    ///   max_corrupt=N            bad lines in a row before the link is broken [10]
    ///   take_over=yes|no         abort a script already running on the device [no]
    /// Example: methodscript:/dev/ttyACM0,baud=921600,amplitude=peak
    #[arg(verbatim_doc_comment)]
    #[arg(long, value_parser = parse_instrument)]
    pub instrument: Option<InstrumentSpec>,
    /// With --resume: allow an instrument of another kind than the run's (simulator vs device).
    #[arg(long, requires = "resume")]
    pub switch_instrument: bool,
    /// Seed of the simulator's noise (same seed, same data, bit for bit) [default: 1, or the
    /// resumed run's].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Relative EIS noise of the simulator (0 gives exact model output).
    #[arg(long)]
    pub noise: Option<f64>,
    /// Cell-to-cell variability of the simulator's kinetic parameters.
    #[arg(long)]
    pub spread: bool,
    /// Simulator parameter file overriding the built-in sets.
    #[arg(long)]
    pub params: Option<PathBuf>,
    /// Run the simulated clock X times faster than the wall clock.
    #[arg(long, conflicts_with = "realtime")]
    pub speed: Option<f64>,
    /// Pace the simulated clock in real time.
    #[arg(long)]
    pub realtime: bool,
    /// The run folder (default: runs/<protocol>-<UTC timestamp>[-n]/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Continue an interrupted or failed run in its folder.
    #[arg(long, value_name = "RUN_DIR", conflicts_with = "out")]
    pub resume: Option<PathBuf>,
    /// Skip the analysis and the report after the run.
    #[arg(long)]
    pub no_analysis: bool,
    /// Nobody is at the instrument: steps that need an operator are errors.
    #[arg(long)]
    pub non_interactive: bool,
    /// With --non-interactive: confirm every operator step automatically.
    #[arg(long, requires = "non_interactive")]
    pub confirm_all: bool,
    /// Print the MethodSCRIPT scripts the protocol would send, and exit.
    #[arg(long)]
    pub emit_methodscript: bool,
    /// Put a cell on its own instrument (repeatable): `CELL=sim` or
    /// `CELL=methodscript:PORT[,key=value…]`. Cells run at the same time, one channel each;
    /// cells given the same port share its channel and run one after another. Cells not
    /// named run on --instrument (the simulator by default).
    #[arg(long, value_name = "CELL=INSTRUMENT", value_parser = super::channels::parse_channel)]
    pub channel: Vec<super::channels::ChannelArg>,
    /// Run the cells one after another on one channel (without it, a protocol's cells run at
    /// the same time on the simulator, one channel each).
    #[arg(long, conflicts_with = "channel")]
    pub sequential: bool,
    /// On several channels: a fault on one stops only that `channel`, or `all`.
    #[arg(long, value_enum, default_value = "channel")]
    pub on_fault: crate::run::channels::OnFault,
}

pub fn run(args: Args) -> u8 {
    let stop = StopFlag::new();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return exit::RUNTIME;
        }
    };
    // Signals only raise a flag: the interpreter notices it on the next reading, journals what
    // it has, switches the cell off and ends the run as `interrupted`.
    runtime.spawn(wait_for_signals(stop.clone()));
    let code = runtime.block_on(run_async(args, &stop));
    runtime.shutdown_background();
    code
}

async fn wait_for_signals(stop: StopFlag) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return;
    };
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    stop.raise();
}

async fn run_async(args: Args, stop: &StopFlag) -> u8 {
    let paced = args.realtime || args.speed.is_some();
    let mut progress = Progress::new(args.quiet, paced);
    if let Some(dir) = &args.resume
        && crate::run::channels::is_multi_channel(dir)
    {
        return super::channels::resume(&args, dir, stop).await;
    }
    let finished = if let Some(dir) = &args.resume {
        let folder = crate::run::folder::RunFolder::new(dir);
        let (plan, manifest) = match (folder.read_plan(), folder.read_manifest()) {
            (Ok(plan), Ok(manifest)) => (plan, manifest),
            (Err(error), _) | (_, Err(error)) => {
                eprintln!("error: cannot resume `{}`: {error}", dir.display());
                return exit::INVALID;
            }
        };
        let instrument = match super::resume::choose(
            &manifest.instrument,
            args.instrument.as_ref(),
            args.switch_instrument,
            &dir.display().to_string(),
        ) {
            Ok(instrument) => instrument,
            Err(error) => {
                super::eprint_diagnostic(&error);
                return exit::INVALID;
            }
        };
        if nobody_for_operator_steps(&args, &instrument) {
            // Only the steps still to run matter; the protocol text is in the manifest.
            let from = read_journal(&folder.journal())
                .ok()
                .and_then(|c| session::first_incomplete_step(&plan, &c.records))
                .unwrap_or(0);
            let source = SourceFile::new(&manifest.protocol_path, &manifest.protocol_text);
            if let Err(error) = run_checks::operator_steps(&plan, from, Some(&source)) {
                super::eprint_diagnostic(&error);
                return exit::INVALID;
            }
        }
        progress.start(&plan);
        match &instrument {
            InstrumentSpec::Sim => {
                let record = super::resume::sim_record(&manifest.instrument);
                let Some(mut sim) = make_sim(&args, record) else {
                    return exit::INVALID;
                };
                session::resume(dir, &mut sim, stop, &mut progress).await
            }
            InstrumentSpec::MethodScript(port, options) => {
                let Some(mut device) = connect_device(port, options, &args).await else {
                    return exit::RUNTIME;
                };
                if let Err(error) = reconnects_possible(&args, &device, &plan) {
                    super::eprint_diagnostic(&error);
                    return exit::INVALID;
                }
                session::resume(dir, &mut device, stop, &mut progress).await
            }
        }
    } else {
        let Some(file) = &args.file else {
            return exit::INVALID;
        };
        let checked = match check_path(file) {
            Ok(checked) => checked,
            Err(failure) => {
                super::eprint_diagnostic(&failure);
                return exit::INVALID;
            }
        };
        for warning in &checked.warnings {
            super::eprint_diagnostic(warning);
        }
        let instrument = args.instrument.clone().unwrap_or(InstrumentSpec::Sim);
        if args.emit_methodscript {
            return emit_methodscript(&checked.plan, &instrument, checked.sources.first());
        }
        if checked.plan.steps.is_empty() {
            eprintln!(
                "error: `{}` declares no steps to run (it only defines materials?)",
                file.display()
            );
            return exit::INVALID;
        }
        if super::channels::wanted(&args, &checked.plan) {
            return super::channels::run_new(&args, &checked, file, stop).await;
        }
        let text = checked
            .sources
            .first()
            .map(|s| s.text.clone())
            .unwrap_or_default();
        let mut new = NewRun {
            protocol_path: file.display().to_string(),
            protocol_text: text,
            plan: checked.plan.clone(),
            out_dir: PathBuf::new(),
            seed: matches!(instrument, InstrumentSpec::Sim).then_some(args.seed.unwrap_or(1)),
            parameter_set: None,
        };
        if nobody_for_operator_steps(&args, &instrument)
            && let Err(error) = run_checks::operator_steps(&new.plan, 0, checked.sources.first())
        {
            super::eprint_diagnostic(&error);
            return exit::INVALID;
        }
        // A folder this run creates is removed again if the device never answers (an empty
        // folder could not be resumed). The default folder is claimed (created) here, unique
        // even for two runs started within the same second.
        let folder_existed = match &args.out {
            Some(out) => {
                new.out_dir = out.clone();
                out.exists()
            }
            None => {
                new.out_dir = crate::run::folder::default_run_dir(file);
                false
            }
        };
        let folder = match session::create_folder(&new) {
            Ok(folder) => folder,
            Err(error) => {
                super::eprint_diagnostic(&error);
                return exit::RUNTIME;
            }
        };
        progress.start(&new.plan);
        match &instrument {
            InstrumentSpec::Sim => {
                let Some(mut sim) = make_sim(&args, SimRecord::default()) else {
                    return exit::INVALID;
                };
                // The simulator names its parameter sets (and any override file) in its info.
                new.parameter_set = Some(crate::instrument::Instrument::info(&sim).description);
                session::start(&new, folder, &mut sim, stop, &mut progress).await
            }
            InstrumentSpec::MethodScript(port, options) => {
                let Some(mut device) = connect_device(port, options, &args).await else {
                    if !folder_existed {
                        let _ = std::fs::remove_dir(&new.out_dir);
                    }
                    return exit::RUNTIME;
                };
                if let Err(error) = reconnects_possible(&args, &device, &new.plan) {
                    super::eprint_diagnostic(&error);
                    if !folder_existed {
                        let _ = std::fs::remove_dir(&new.out_dir);
                    }
                    return exit::INVALID;
                }
                // Before anything is sent: can this device do the plan? Problems point at the
                // protocol's lines.
                if let Err(report) = device.check_plan(&new.plan) {
                    let report = match checked.sources.first() {
                        Some(source) => report.with_source(source),
                        None => report,
                    };
                    super::eprint_diagnostic(&report);
                    if report.has_errors() {
                        // Nothing was run: don't leave an empty run folder behind.
                        let _ = std::fs::remove_dir(&new.out_dir);
                        return exit::INVALID;
                    }
                }
                session::start(&new, folder, &mut device, stop, &mut progress).await
            }
        }
    };
    progress.finish();
    match finished {
        Ok(finished) => conclude(&finished, &args),
        Err(error) => {
            super::eprint_diagnostic(&error);
            exit::RUNTIME
        }
    }
}

/// A device run with `--non-interactive` and without `--confirm-all`: operator steps would
/// fail when reached, so they are refused before the run starts. (The simulator performs
/// additions and prompts itself.)
fn nobody_for_operator_steps(args: &Args, instrument: &InstrumentSpec) -> bool {
    matches!(instrument, InstrumentSpec::MethodScript(..))
        && args.non_interactive
        && !args.confirm_all
}

/// On a device with fewer channels than the plan has measured cells, the operator reconnects
/// cells between steps: not possible in a `--non-interactive` run without `--confirm-all`.
fn reconnects_possible(
    args: &Args,
    device: &MethodScriptInstrument,
    plan: &crate::plan::Plan,
) -> Result<(), run_checks::OperatorNeeded> {
    let cells = crate::instrument::methodscript::capabilities::measured_cells(plan).len();
    let channels = device.capabilities().channels;
    if args.non_interactive && !args.confirm_all && cells > channels as usize {
        return Err(run_checks::reconnects_needed(
            cells,
            channels,
            device.capabilities().device.name(),
        ));
    }
    Ok(())
}

/// The simulator of `args`; settings the command line leaves open come from `record` (a
/// resumed run's), then the defaults.
fn make_sim(args: &Args, record: SimRecord) -> Option<SimInstrument> {
    match SimInstrument::new(sim_options(args, record)?) {
        Ok(sim) => Some(sim),
        Err(error) => {
            super::eprint_diagnostic(&error);
            None
        }
    }
}

/// The simulator's options from `args`, then `record`, then the defaults.
pub(super) fn sim_options(args: &Args, record: SimRecord) -> Option<SimOptions> {
    let pace = if args.realtime { Some(1.0) } else { args.speed };
    if let Some(x) = pace
        && !(x.is_finite() && x > 0.0)
    {
        eprintln!("error: --speed must be a positive number, found {x}");
        return None;
    }
    let defaults = SimOptions::default();
    let options = SimOptions {
        seed: args.seed.or(record.seed).unwrap_or(1),
        noise: args.noise.or(record.noise).unwrap_or(defaults.noise),
        spread: args.spread || record.spread,
        params: args.params.clone().or(record.params),
        pace,
    };
    Some(options)
}

pub(super) async fn connect_device(
    port: &str,
    options: &MethodScriptOptions,
    args: &Args,
) -> Option<MethodScriptInstrument> {
    let mut options = options.clone();
    options.operator = match (args.non_interactive, args.confirm_all) {
        (false, _) => OperatorMode::Interactive,
        (true, false) => OperatorMode::NonInteractive,
        (true, true) => OperatorMode::ConfirmAll,
    };
    match connect(port, options).await {
        Ok(mut device) => {
            device.set_console(Box::new(TerminalConsole::new(
                std::io::BufReader::new(std::io::stdin()),
                std::io::stderr(),
            )));
            Some(device)
        }
        Err(error) => {
            super::eprint_diagnostic(&error);
            None
        }
    }
}

fn emit_methodscript(
    plan: &crate::plan::Plan,
    instrument: &InstrumentSpec,
    source: Option<&SourceFile>,
) -> u8 {
    use crate::instrument::methodscript::capabilities::{self, DeviceType};
    use crate::instrument::methodscript::{script, scripts_for_device};
    let scripts = match instrument {
        InstrumentSpec::MethodScript(_, options) => {
            // Without a device to ask, the stated type (or a Nexus) stands for it.
            let capabilities = options.capabilities.clone().unwrap_or_else(|| {
                options
                    .device_type
                    .unwrap_or(DeviceType::Nexus)
                    .capabilities()
            });
            // The same check as before a run: scripts a device would refuse are not printed.
            if let Err(report) = capabilities::check_plan(plan, &capabilities) {
                let report = match source {
                    Some(source) => report.with_source(source),
                    None => report,
                };
                super::eprint_diagnostic(&report);
                if report.has_errors() {
                    return exit::INVALID;
                }
            }
            scripts_for_device(plan, capabilities, options)
        }
        InstrumentSpec::Sim => script::scripts_for_plan(plan),
    };
    match scripts {
        Ok(scripts) => {
            print!("{}", script::render(&scripts));
            exit::OK
        }
        Err(errors) => {
            super::eprint_diagnostic(&errors);
            exit::INVALID
        }
    }
}

/// Prints the summary, analyses and reports a finished run; gives the exit code.
pub(super) fn conclude(finished: &Finished, args: &Args) -> u8 {
    let folder = &finished.folder;
    let records = read_journal(&folder.journal())
        .map(|c| c.records)
        .unwrap_or_default();
    let plan = folder.read_plan().ok();
    if let Some(plan) = &plan {
        print!("{}", summary::render(plan, &records));
    }
    let manifest = &finished.manifest;
    // After a resume, each step counts once (its last attempt), as in the table above; the
    // time of attempts that were cut and repeated is said separately.
    let multi = crate::run::channels::is_multi_channel(&folder.dir);
    let (run_s, repeated_s) = match &plan {
        Some(plan) if manifest.resumes > 0 && !multi => {
            summary::run_time(&summary::summarise(plan, &records))
        }
        _ => (finished.outcome.elapsed_s, 0.0),
    };
    let repeated = if repeated_s > 0.0 {
        format!(
            ", {} repeated after a resume",
            crate::units::format_duration(repeated_s)
        )
    } else {
        String::new()
    };
    println!(
        "run {}: {} of {} planned{repeated}{}",
        match manifest.status {
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Running => "running",
        },
        crate::units::format_duration(run_s),
        crate::units::format_duration(manifest.planned_duration_s),
        manifest
            .reason
            .as_ref()
            .map_or(String::new(), |r| format!(" ({r})")),
    );
    let mut code = match manifest.status {
        RunStatus::Completed => exit::OK,
        RunStatus::Interrupted => exit::INTERRUPTED,
        RunStatus::Failed | RunStatus::Running => exit::RUNTIME,
    };
    if !args.no_analysis {
        if manifest.status == RunStatus::Interrupted {
            report_interrupted(&folder.dir);
        } else {
            let analysis_code = super::analyze::analyze_and_report(&folder.dir);
            if code == exit::OK {
                code = analysis_code;
            }
        }
    }
    println!("run folder: {}", folder.dir.display());
    code
}

/// An interrupted run still gets its report (what was measured, why it stopped). The analysis
/// is best-effort: a partial run may fail expects or not fit at all, and nothing here may turn
/// the exit code into anything but "interrupted".
fn report_interrupted(dir: &Path) {
    match crate::run::analyze::analyze_run(dir) {
        Ok(result) => {
            print!("{}", super::analyze::render_table(&result));
            println!("(expects judged on the data measured before the interruption)");
        }
        Err(error) => {
            eprintln!(
                "warning: the interrupted run could not be analysed; reporting its data only"
            );
            super::eprint_diagnostic(&error);
        }
    }
    match crate::report::write_report(dir) {
        Ok(summary) => println!("report: {}", summary.report.display()),
        Err(error) => super::eprint_diagnostic(&error),
    }
}
