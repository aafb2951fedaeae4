//! `mgp run` on several channels: `--channel CELL=INSTRUMENT`, one progress bar per channel,
//! one task per channel (see [`crate::run::channels`]), and `--resume` of such a run.

use super::exit;
use super::run::{Args, InstrumentSpec, parse_instrument};
use crate::check::Checked;
use crate::instrument::Instrument;
use crate::instrument::methodscript::MethodScriptInstrument;
use crate::instrument::sim::SimInstrument;
use crate::plan::{Plan, Step};
use crate::run::channels::{self, ChannelsFile, Job, MultiRun};
use crate::run::interpreter::{Observer, StopFlag};
use crate::run::journal::RunStatus;
use crate::run::session::Finished;
use crate::timeline::{Channel, group_cells, measured_cells};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;
use std::time::Instant;

/// `--channel CELL=INSTRUMENT`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelArg {
    pub cell: String,
    pub instrument: InstrumentSpec,
}

/// Parses `CELL=sim` or `CELL=methodscript:PORT[,key=value…]`.
pub fn parse_channel(text: &str) -> Result<ChannelArg, String> {
    let Some((cell, spec)) = text.split_once('=') else {
        return Err(format!(
            "`{text}` is not CELL=INSTRUMENT: write e.g. `strip_10=methodscript:/dev/ttyACM0` or `strip_10=sim`"
        ));
    };
    let cell = cell.trim();
    if cell.is_empty() {
        return Err(format!("`{text}` names no cell before `=`"));
    }
    Ok(ChannelArg {
        cell: cell.to_string(),
        instrument: parse_instrument(spec.trim())?,
    })
}

/// A `--channel` that does not fit the protocol.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ChannelError {
    #[error("--channel names the cell `{cell}`, which has no steps in this protocol")]
    #[diagnostic(code(mgp::run::channel_cell), help("{help}"))]
    UnknownCell { cell: String, help: String },
    #[error("--channel gives the cell `{cell}` twice")]
    #[diagnostic(
        code(mgp::run::channel_twice),
        help("give each cell one channel; cells on the same port share it")
    )]
    Twice { cell: String },
}

fn unknown_cell(cell: &str, cells: &[String]) -> ChannelError {
    let best = cells
        .iter()
        .map(|c| (strsim::jaro_winkler(cell, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let help = match best {
        Some((_, name)) => format!("did you mean `{name}`?"),
        None => format!("the cells with steps are: {}", cells.join(", ")),
    };
    ChannelError::UnknownCell {
        cell: cell.to_string(),
        help,
    }
}

/// The instrument a cell runs on: its `--channel`, else `default`.
fn spec_of<'a>(
    cell: &str,
    given: &'a [ChannelArg],
    default: &'a InstrumentSpec,
) -> &'a InstrumentSpec {
    given
        .iter()
        .find(|c| c.cell == cell)
        .map_or(default, |c| &c.instrument)
}

/// The plan's channels: every cell on its own, except cells given the same
/// `methodscript:PORT`, which share that instrument and run one after another; with
/// `sequential`, one channel for all.
pub fn channels_for(
    plan: &Plan,
    given: &[ChannelArg],
    sequential: bool,
) -> Result<Vec<Channel>, ChannelError> {
    let cells = measured_cells(&plan.steps);
    for (n, arg) in given.iter().enumerate() {
        if !cells.contains(&arg.cell) {
            return Err(unknown_cell(&arg.cell, &cells));
        }
        if given[..n].iter().any(|a| a.cell == arg.cell) {
            return Err(ChannelError::Twice {
                cell: arg.cell.clone(),
            });
        }
    }
    if sequential {
        return Ok(vec![Channel {
            name: "all".into(),
            cells,
        }]);
    }
    Ok(channel_groups(&plan.steps, given, &InstrumentSpec::Sim))
}

fn channel_groups(steps: &[Step], given: &[ChannelArg], default: &InstrumentSpec) -> Vec<Channel> {
    group_cells(steps, |cell| match spec_of(cell, given, default) {
        InstrumentSpec::Sim => format!("sim:{cell}"),
        InstrumentSpec::MethodScript(port, _) => format!("methodscript:{port}"),
    })
}

/// True when `mgp run` runs this plan on several channels: the simulator (or `--channel`)
/// and more than one cell. A single `--instrument methodscript:PORT` keeps running the cells
/// one after another on its one channel, the operator reconnecting them.
pub fn wanted(args: &Args, plan: &Plan) -> bool {
    if args.sequential || args.emit_methodscript {
        return false;
    }
    if !args.channel.is_empty() {
        return true;
    }
    matches!(args.instrument, None | Some(InstrumentSpec::Sim))
        && measured_cells(&plan.steps).len() > 1
}

/// One channel's progress bar.
struct ChannelBar {
    bar: ProgressBar,
    name: String,
}

impl Observer for ChannelBar {
    fn step_started(&mut self, step: &Step) {
        self.bar.set_message(format!(
            "{}: {} ({})",
            self.name,
            step.action.kind(),
            step.cell
        ));
    }

    fn clock(&mut self, t_s: f64) {
        self.bar.set_position(t_s.max(0.0) as u64);
        self.bar
            .set_prefix(crate::units::format_duration(t_s.max(0.0)));
    }

    fn warning(&mut self, message: &str) {
        let name = &self.name;
        self.bar.suspend(|| eprintln!("warning: {name}: {message}"));
    }
}

fn bars(args: &Args) -> MultiProgress {
    let draw = if !args.quiet && std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    MultiProgress::with_draw_target(draw)
}

fn bar(progress: &MultiProgress, name: &str, total_s: f64) -> Box<dyn Observer + Send> {
    let bar = progress.add(ProgressBar::new(total_s.ceil().max(1.0) as u64));
    bar.set_style(
        ProgressStyle::with_template("{msg:36} [{bar:30}] {prefix}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(format!("{name}: waiting"));
    Box::new(ChannelBar {
        bar,
        name: name.to_string(),
    })
}

/// A channel's instrument, before its task starts.
enum ChannelInstrument {
    Sim(Box<SimInstrument>),
    Device(Box<MethodScriptInstrument>),
}

impl ChannelInstrument {
    fn info(&self) -> crate::instrument::InstrumentInfo {
        match self {
            ChannelInstrument::Sim(sim) => sim.info(),
            ChannelInstrument::Device(device) => device.info(),
        }
    }

    fn start(
        self,
        run: crate::run::session::NewRun,
        folder: crate::run::folder::RunFolder,
        stop: StopFlag,
        observer: Box<dyn Observer + Send>,
    ) -> Job {
        match self {
            ChannelInstrument::Sim(sim) => channels::start_job(run, folder, *sim, stop, observer),
            ChannelInstrument::Device(device) => {
                channels::start_job(run, folder, *device, stop, observer)
            }
        }
    }

    fn resume(self, dir: &Path, stop: StopFlag, observer: Box<dyn Observer + Send>) -> Job {
        let dir = dir.to_path_buf();
        match self {
            ChannelInstrument::Sim(sim) => channels::resume_job(dir, *sim, stop, observer),
            ChannelInstrument::Device(device) => channels::resume_job(dir, *device, stop, observer),
        }
    }
}

/// Opens one channel's instrument; `None` after printing why.
async fn open(
    args: &Args,
    spec: &InstrumentSpec,
    record: super::resume::SimRecord,
    seed: Option<u64>,
    plan: &Plan,
    source: Option<&crate::source::SourceFile>,
) -> Option<ChannelInstrument> {
    match spec {
        InstrumentSpec::Sim => {
            let mut options = super::run::sim_options(args, record)?;
            if let Some(seed) = seed {
                options.seed = seed;
            }
            match SimInstrument::new(options) {
                Ok(sim) => Some(ChannelInstrument::Sim(Box::new(sim))),
                Err(error) => {
                    super::eprint_diagnostic(&error);
                    None
                }
            }
        }
        InstrumentSpec::MethodScript(port, options) => {
            let device = super::run::connect_device(port, options, args).await?;
            if let Err(report) = device.check_plan(plan) {
                let report = match source {
                    Some(source) => report.with_source(source),
                    None => report,
                };
                super::eprint_diagnostic(&report);
                if report.has_errors() {
                    return None;
                }
            }
            Some(ChannelInstrument::Device(Box::new(device)))
        }
    }
}

/// A new run on several channels.
pub async fn run_new(args: &Args, checked: &Checked, file: &Path, stop: &StopFlag) -> u8 {
    let plan = &checked.plan;
    let channels = match channels_for(plan, &args.channel, false) {
        Ok(channels) => channels,
        Err(error) => {
            super::eprint_diagnostic(&error);
            return exit::INVALID;
        }
    };
    let timeline = crate::timeline::schedule(&plan.steps, &channels);
    if !args.channel.is_empty() {
        // The checker warned about the default channels; these are the user's.
        for c in &timeline.collisions {
            eprintln!(
                "warning: {} (line {}) on channel {} and {} (line {}) on channel {} fall within a minute of each other at {}: one operator cannot do both",
                c.first.kind,
                c.first.line,
                c.first.channel,
                c.second.kind,
                c.second.line,
                c.second.channel,
                crate::units::format_duration(c.second.start_s)
            );
        }
    }
    let default = args.instrument.clone().unwrap_or(InstrumentSpec::Sim);
    let base_seed = args.seed.unwrap_or(1);
    let mut instruments = Vec::new();
    for lane in &timeline.channels {
        let spec = spec_of(&lane.cells[0], &args.channel, &default);
        let sub = crate::timeline::channel_plan(plan, lane);
        let seed = Some(channels::channel_seed(base_seed, &lane.name));
        let Some(instrument) = open(
            args,
            spec,
            Default::default(),
            seed,
            &sub,
            checked.sources.first(),
        )
        .await
        else {
            return exit::RUNTIME;
        };
        instruments.push(instrument);
    }
    let infos: Vec<_> = instruments.iter().map(ChannelInstrument::info).collect();
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| crate::run::folder::default_run_dir(file));
    let run = MultiRun {
        protocol_path: file.display().to_string(),
        protocol_text: checked
            .sources
            .first()
            .map(|s| s.text.clone())
            .unwrap_or_default(),
        plan: plan.clone(),
        timeline: timeline.clone(),
        out_dir: out_dir.clone(),
        seed: infos.iter().any(|i| i.kind == "sim").then_some(base_seed),
        parameter_set: infos
            .iter()
            .find(|i| i.kind == "sim")
            .map(|i| i.description.clone()),
        on_fault: args.on_fault,
    };
    let prepared = match channels::create(&run, &infos) {
        Ok(prepared) => prepared,
        Err(error) => {
            super::eprint_diagnostic(&error);
            return exit::RUNTIME;
        }
    };
    eprint!("{}", super::timeline::render(&timeline));
    let progress = bars(args);
    let jobs: Vec<(usize, Job)> = instruments
        .into_iter()
        .zip(prepared.channels)
        .zip(&timeline.channels)
        .enumerate()
        .map(|(n, ((instrument, (new, folder)), lane))| {
            let observer = bar(&progress, &lane.name, lane.duration_s);
            (n, instrument.start(new, folder, stop.clone(), observer))
        })
        .collect();
    finish(args, &out_dir, jobs, stop, run.on_fault, false, &progress).await
}

async fn finish(
    args: &Args,
    dir: &Path,
    jobs: Vec<(usize, Job)>,
    stop: &StopFlag,
    on_fault: channels::OnFault,
    resumed: bool,
    progress: &MultiProgress,
) -> u8 {
    let wall = Instant::now();
    let results = channels::execute(jobs, stop, on_fault).await;
    let _ = progress.clear();
    let errors: Vec<(usize, String)> = results
        .iter()
        .filter_map(|(n, r)| r.as_ref().err().map(|e| (*n, e.to_string())))
        .collect();
    for (_, result) in &results {
        if let Err(error) = result {
            super::eprint_diagnostic(error);
        }
    }
    match channels::conclude(dir, &errors, wall, resumed) {
        Ok(finished) => {
            print_channels(&finished);
            super::run::conclude(&finished, args)
        }
        Err(error) => {
            super::eprint_diagnostic(&error);
            exit::RUNTIME
        }
    }
}

fn print_channels(finished: &Finished) {
    let Ok(file) = channels::read_channels(&finished.folder.dir) else {
        return;
    };
    for c in &file.channels {
        println!(
            "channel {}: {} ({}), {} of {}{}",
            c.name,
            status_word(c.status),
            c.cells.join(", "),
            crate::units::format_duration(c.elapsed_s.unwrap_or(0.0)),
            crate::units::format_duration(c.planned_duration_s),
            c.reason
                .as_ref()
                .map_or(String::new(), |r| format!(": {r}"))
        );
    }
}

fn status_word(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Completed => "completed",
        RunStatus::Failed => "failed",
        RunStatus::Interrupted => "interrupted",
        RunStatus::Running => "running",
    }
}

/// `mgp run --resume RUN_DIR` on a multi-channel run: every channel that did not complete
/// continues in its folder, on its own instrument (or the one `--channel` gives its cell).
pub async fn resume(args: &Args, dir: &Path, stop: &StopFlag) -> u8 {
    let file: ChannelsFile = match channels::read_channels(dir) {
        Ok(file) => file,
        Err(error) => {
            eprintln!("error: cannot resume `{}`: {error}", dir.display());
            return exit::INVALID;
        }
    };
    let progress = bars(args);
    let mut jobs = Vec::new();
    for (n, entry) in file.channels.iter().enumerate() {
        let channel_dir = file.channel_dir(dir, n);
        let folder = crate::run::folder::RunFolder::new(&channel_dir);
        let (manifest, plan) = match (folder.read_manifest(), folder.read_plan()) {
            (Ok(m), Ok(p)) => (m, p),
            (Err(error), _) | (_, Err(error)) => {
                eprintln!("error: cannot resume channel {}: {error}", entry.name);
                return exit::INVALID;
            }
        };
        if manifest.status == RunStatus::Completed {
            continue;
        }
        let given = args
            .channel
            .iter()
            .find(|c| entry.cells.contains(&c.cell))
            .map(|c| &c.instrument);
        let spec = match super::resume::choose(
            &manifest.instrument,
            given.or(args.instrument.as_ref()),
            args.switch_instrument,
            &channel_dir.display().to_string(),
        ) {
            Ok(spec) => spec,
            Err(error) => {
                super::eprint_diagnostic(&error);
                return exit::INVALID;
            }
        };
        let record = super::resume::sim_record(&manifest.instrument);
        let Some(instrument) = open(args, &spec, record, None, &plan, None).await else {
            return exit::RUNTIME;
        };
        let observer = bar(&progress, &entry.name, entry.planned_duration_s);
        jobs.push((n, instrument.resume(&channel_dir, stop.clone(), observer)));
    }
    if jobs.is_empty() {
        eprintln!(
            "error: the run in `{}` has nothing left to do: every channel completed",
            dir.display()
        );
        return exit::INVALID;
    }
    if let Err(error) = channels::mark_running(dir) {
        super::eprint_diagnostic(&error);
        return exit::RUNTIME;
    }
    finish(args, dir, jobs, stop, file.on_fault, true, &progress).await
}
