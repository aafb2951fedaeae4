//! A run session: creates (or resumes) a run folder around one execution of the interpreter.
//!
//! Order matters for "nothing is lost": the folder is created and proven writable, `plan.json`
//! and a `running` manifest are written, and the journal exists before the instrument is
//! touched; the manifest is rewritten with the final status and the CSV files are derived from
//! the journal after the interpreter returns, whatever the outcome.

use super::folder::{Manifest, RunFolder, sha256_hex, write_derived_csv};
use super::interpreter::{Observer, Outcome, Start, StopFlag, execute};
use super::journal::{Event, JournalWriter, RunStatus, StepStatus, read_journal};
use crate::instrument::Instrument;
use crate::plan::Plan;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What a new run needs besides the instrument.
#[derive(Debug, Clone)]
pub struct NewRun {
    pub protocol_path: String,
    pub protocol_text: String,
    pub plan: Plan,
    pub out_dir: PathBuf,
    pub seed: Option<u64>,
    pub parameter_set: Option<String>,
}

/// A finished session (whatever its status).
#[derive(Debug, Clone)]
pub struct Finished {
    pub folder: RunFolder,
    pub manifest: Manifest,
    pub outcome: Outcome,
}

/// Errors that stop a session before or outside the instrument's work.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SessionError {
    #[error("cannot use `{path}` as the run folder: {source}")]
    #[diagnostic(
        code(mgp::run::out_dir),
        help("choose a writable folder with --out, or remove the old run from it")
    )]
    OutDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the run folder `{path}`: {message}")]
    #[diagnostic(
        code(mgp::run::folder),
        help("give the folder `mgp run` created (it holds manifest.json)")
    )]
    Folder { path: String, message: String },
    #[error("the run in `{path}` has nothing left to do: every step completed")]
    #[diagnostic(code(mgp::run::nothing_to_resume))]
    NothingToResume { path: String },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Journal(#[from] super::interpreter::JournalError),
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn out_dir_error(path: &Path) -> impl FnOnce(std::io::Error) -> SessionError + '_ {
    move |source| SessionError::OutDir {
        path: path.display().to_string(),
        source,
    }
}

/// Prepares the run folder. Separate from [`start`] so a CLI can fail before connecting to
/// a device.
pub fn create_folder(run: &NewRun) -> Result<RunFolder, SessionError> {
    RunFolder::create(&run.out_dir).map_err(out_dir_error(&run.out_dir))
}

/// Runs a new protocol into `folder` (from [`create_folder`]).
pub async fn start<I: Instrument>(
    run: &NewRun,
    folder: RunFolder,
    instrument: &mut I,
    stop: &StopFlag,
    observer: &mut dyn Observer,
) -> Result<Finished, SessionError> {
    let err = out_dir_error(&run.out_dir);
    folder.write_json(&folder.plan(), &run.plan).map_err(err)?;
    let mut manifest = Manifest {
        protocol_path: run.protocol_path.clone(),
        protocol_sha256: sha256_hex(&run.protocol_text),
        protocol_text: run.protocol_text.clone(),
        mgp_version: env!("CARGO_PKG_VERSION").to_string(),
        instrument: instrument.info(),
        seed: run.seed,
        parameter_set: run.parameter_set.clone(),
        started_at: now_rfc3339(),
        ended_at: None,
        status: RunStatus::Running,
        reason: None,
        stopped_at_step: None,
        planned_duration_s: run.plan.total_duration_s,
        elapsed_s: None,
        wall_duration_s: None,
        resumes: 0,
        not_modelled: Vec::new(),
    };
    folder
        .write_json(&folder.manifest(), &manifest)
        .map_err(out_dir_error(&run.out_dir))?;
    let mut journal =
        JournalWriter::create(&folder.journal()).map_err(out_dir_error(&run.out_dir))?;
    journal.set_cycles(&run.plan);
    if !instrument.replays_history() {
        journal.stamp_wall_clock();
    }
    journal
        .write(
            0.0,
            None,
            Event::RunStarted {
                protocol: run.protocol_path.clone(),
                instrument: manifest.instrument.kind.clone(),
            },
        )
        .map_err(super::interpreter::JournalError)?;
    let wall = Instant::now();
    let outcome = execute(
        &run.plan,
        instrument,
        &mut journal,
        Start::default(),
        stop,
        observer,
    )
    .await?;
    manifest.instrument = instrument.info();
    finish(
        &folder,
        &run.plan,
        &mut manifest,
        &mut journal,
        outcome,
        wall,
    )
}

/// Continues an interrupted or failed run in its own folder from the first step that did not
/// complete. On a model that replays its history, journal times continue from the last
/// record; on a real cell, which kept ageing, they continue from the last record plus the wall
/// time since it was written (× [`Instrument::clock_scale`]), so the pause shows as a gap.
pub async fn resume<I: Instrument>(
    dir: &Path,
    instrument: &mut I,
    stop: &StopFlag,
    observer: &mut dyn Observer,
) -> Result<Finished, SessionError> {
    let folder = RunFolder::new(dir);
    let folder_error = |message: String| SessionError::Folder {
        path: dir.display().to_string(),
        message,
    };
    let mut manifest = folder
        .read_manifest()
        .map_err(|e| folder_error(e.to_string()))?;
    let plan = folder
        .read_plan()
        .map_err(|e| folder_error(e.to_string()))?;
    let contents = read_journal(&folder.journal()).map_err(|e| folder_error(e.to_string()))?;
    let Some(first_incomplete) = first_incomplete_step(&plan, &contents.records) else {
        return Err(SessionError::NothingToResume {
            path: dir.display().to_string(),
        });
    };
    let last = contents.records.last();
    let previous_t_s = last.map_or(0.0, |r| r.t_s);
    let next_seq = last.map_or(0, |r| r.seq + 1);
    let pause_s = if instrument.replays_history() {
        0.0
    } else {
        let since = last
            .and_then(|r| r.wall_time())
            .or_else(|| journal_mtime(&folder.journal()));
        since.map_or(0.0, |t| {
            let wall_s = (chrono::Utc::now() - t).num_milliseconds() as f64 / 1000.0;
            // A wall clock set back between the sessions gives no gap rather than a negative one.
            wall_s.max(0.0) * instrument.clock_scale()
        })
    };
    let resumed_t_s = previous_t_s + pause_s;
    let mut journal =
        JournalWriter::append(&folder.journal(), next_seq).map_err(out_dir_error(dir))?;
    journal.set_cycles(&plan);
    if !instrument.replays_history() {
        journal.stamp_wall_clock();
    }
    journal
        .write(
            resumed_t_s,
            None,
            Event::RunResumed {
                from_step: first_incomplete,
                previous_t_s,
            },
        )
        .map_err(super::interpreter::JournalError)?;
    if let Some(tail) = journal.removed_tail().cloned() {
        journal
            .write(
                resumed_t_s,
                None,
                Event::Reading {
                    reading: crate::instrument::Reading::Warning {
                        t_s: resumed_t_s,
                        message: tail.to_string(),
                    },
                },
            )
            .map_err(super::interpreter::JournalError)?;
    }
    manifest.status = RunStatus::Running;
    manifest.reason = None;
    manifest.resumes += 1;
    manifest.instrument = instrument.info();
    folder
        .write_json(&folder.manifest(), &manifest)
        .map_err(out_dir_error(dir))?;
    let start = Start {
        step: first_incomplete,
        t_offset_s: resumed_t_s,
    };
    let wall = Instant::now();
    let outcome = execute(&plan, instrument, &mut journal, start, stop, observer).await?;
    manifest.instrument = instrument.info();
    finish(&folder, &plan, &mut manifest, &mut journal, outcome, wall)
}

/// The first step of `plan` the journal does not show as done (completed, or ended at a
/// limit): where a resumed run starts. `None` when every step is done.
pub fn first_incomplete_step(plan: &Plan, records: &[super::journal::Record]) -> Option<usize> {
    let done: Vec<usize> = records
        .iter()
        .filter(|r| {
            matches!(
                r.event,
                Event::StepEnded {
                    status: StepStatus::Completed | StepStatus::Limited
                }
            )
        })
        .filter_map(|r| r.step)
        .collect();
    (0..plan.steps.len()).find(|i| !done.contains(i))
}

/// When the journal was last written (for journals from before records carried a wall time).
fn journal_mtime(path: &Path) -> Option<chrono::DateTime<chrono::Utc>> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    Some(modified.into())
}

fn finish(
    folder: &RunFolder,
    plan: &Plan,
    manifest: &mut Manifest,
    journal: &mut JournalWriter,
    outcome: Outcome,
    wall: Instant,
) -> Result<Finished, SessionError> {
    journal
        .write(
            outcome.elapsed_s,
            None,
            Event::RunEnded {
                status: outcome.status,
                reason: outcome.reason.clone(),
            },
        )
        .map_err(super::interpreter::JournalError)?;
    manifest.status = outcome.status;
    manifest.reason = outcome.reason.clone();
    manifest.stopped_at_step = outcome.stopped_at_step;
    manifest.ended_at = Some(now_rfc3339());
    manifest.elapsed_s = Some(outcome.elapsed_s);
    manifest.wall_duration_s = Some(wall.elapsed().as_secs_f64());
    let dir_error = out_dir_error(&folder.dir);
    let records = read_journal(&folder.journal()).map_err(out_dir_error(&folder.dir))?;
    manifest.not_modelled = super::model_limits::not_modelled(&records.records);
    write_derived_csv(folder, plan, &records.records).map_err(out_dir_error(&folder.dir))?;
    folder
        .write_json(&folder.manifest(), manifest)
        .map_err(dir_error)?;
    Ok(Finished {
        folder: folder.clone(),
        manifest: manifest.clone(),
        outcome,
    })
}
