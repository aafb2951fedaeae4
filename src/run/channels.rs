//! Multi-channel execution: the cells of a protocol run at the same time, one channel each.
//!
//! Each channel is a complete single-channel run in `RUN_DIR/channels/<name>/` (its own
//! manifest, plan, journal written as data arrives, CSV files), executed by the ordinary
//! [`session`] on its own instrument in its own task; a fault on one channel ends that
//! channel's session and touches no other's files. The run folder itself holds the protocol's
//! whole plan, `channels.json` (which cells are on which channel, each channel's status), a
//! run-level manifest, and `journal.jsonl` merged from the channel journals (records carry
//! their `channel`; step indices are the plan's), so `mgp analyze`, `mgp report` and
//! `mgp export` read a multi-channel run like any other. The merged journal and the CSV files
//! are derived: they are rebuilt after every session (also a failed or interrupted one, and on
//! `--resume`); the channel journals are the record.

use super::folder::{Manifest, RunFolder, sha256_hex, write_derived_csv};
use super::interpreter::{JournalError, Observer, Outcome, StopFlag};
use super::journal::{Event, Record, RunStatus, read_journal};
use super::session::{self, Finished, NewRun, SessionError};
use crate::instrument::{Instrument, InstrumentInfo};
use crate::plan::Plan;
use crate::timeline::Timeline;
use serde::{Deserialize, Serialize};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `channels.json` in a multi-channel run folder.
pub const CHANNELS_FILE: &str = "channels.json";

/// What a fault on one channel does to the others.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum OnFault {
    /// Only the faulty channel stops; the others run on.
    #[default]
    Channel,
    /// Every channel stops (as interrupted: `--resume` continues them).
    All,
}

/// One channel of the run, as recorded in `channels.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelEntry {
    pub name: String,
    pub cells: Vec<String>,
    /// The channel's run folder, relative to the run folder.
    pub folder: String,
    /// The plan's index of each of the channel's steps (the channel's step n is `steps[n]`).
    pub steps: Vec<usize>,
    pub planned_duration_s: f64,
    pub instrument: InstrumentInfo,
    pub status: RunStatus,
    pub reason: Option<String>,
    pub elapsed_s: Option<f64>,
}

/// `channels.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelsFile {
    pub on_fault: OnFault,
    /// The plan's wall time on these channels.
    pub wall_s: f64,
    pub channels: Vec<ChannelEntry>,
}

impl ChannelsFile {
    pub fn channel_dir(&self, run_dir: &Path, channel: usize) -> PathBuf {
        run_dir.join(&self.channels[channel].folder)
    }
}

/// True when `dir` holds a multi-channel run.
pub fn is_multi_channel(dir: &Path) -> bool {
    dir.join(CHANNELS_FILE).is_file()
}

pub fn read_channels(dir: &Path) -> io::Result<ChannelsFile> {
    let path = dir.join(CHANNELS_FILE);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: line {}: {e}", path.display(), e.line()),
        )
    })
}

/// The simulator's seed for one channel: derived from the run's seed and the channel's name,
/// so cells get independent noise, and a channel's data do not depend on the other channels
/// (running it alone with this seed gives the same records).
pub fn channel_seed(seed: u64, channel: &str) -> u64 {
    // FNV-1a of the name, then one SplitMix64 round to spread it over the seed.
    let name = channel.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    let mut z = seed ^ name;
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A new multi-channel run.
#[derive(Debug, Clone)]
pub struct MultiRun {
    pub protocol_path: String,
    pub protocol_text: String,
    pub plan: Plan,
    pub timeline: Timeline,
    pub out_dir: PathBuf,
    pub seed: Option<u64>,
    pub parameter_set: Option<String>,
    pub on_fault: OnFault,
}

/// The run folder prepared: each channel's session input and folder, in timeline order.
pub struct Prepared {
    pub folder: RunFolder,
    pub channels: Vec<(NewRun, RunFolder)>,
}

fn out_dir_error(path: &Path) -> impl FnOnce(io::Error) -> SessionError + '_ {
    move |source| SessionError::OutDir {
        path: path.display().to_string(),
        source,
    }
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The run-level instrument: the channels' kind when they share one, else `mixed`, with every
/// channel's own description.
fn run_instrument(entries: &[ChannelEntry]) -> InstrumentInfo {
    let kind = match entries.first() {
        Some(first)
            if entries
                .iter()
                .all(|e| e.instrument.kind == first.instrument.kind) =>
        {
            first.instrument.kind.clone()
        }
        _ => "mixed".into(),
    };
    InstrumentInfo {
        kind,
        description: format!("{} channels", entries.len()),
        parameters: serde_json::json!({
            "channels": entries
                .iter()
                .map(|e| serde_json::json!({
                    "name": e.name,
                    "cells": e.cells,
                    "instrument": e.instrument,
                }))
                .collect::<Vec<_>>(),
        }),
    }
}

/// Creates the run folder (plan, running manifest, `channels.json`) and one folder per
/// channel. `instruments` describes each channel's instrument, in timeline order.
pub fn create(run: &MultiRun, instruments: &[InstrumentInfo]) -> Result<Prepared, SessionError> {
    let folder = RunFolder::create(&run.out_dir).map_err(out_dir_error(&run.out_dir))?;
    let mut entries = Vec::new();
    let mut channels = Vec::new();
    for (lane, info) in run.timeline.channels.iter().zip(instruments) {
        let relative = format!("channels/{}", lane.name);
        let new = NewRun {
            protocol_path: run.protocol_path.clone(),
            protocol_text: run.protocol_text.clone(),
            plan: crate::timeline::channel_plan(&run.plan, lane),
            out_dir: run.out_dir.join(&relative),
            seed: (info.kind == "sim")
                .then(|| run.seed.map(|s| channel_seed(s, &lane.name)))
                .flatten(),
            parameter_set: run.parameter_set.clone(),
        };
        let channel_folder = session::create_folder(&new)?;
        entries.push(ChannelEntry {
            name: lane.name.clone(),
            cells: lane.cells.clone(),
            folder: relative,
            steps: lane.slots.iter().map(|s| s.step).collect(),
            planned_duration_s: lane.duration_s,
            instrument: info.clone(),
            status: RunStatus::Running,
            reason: None,
            elapsed_s: None,
        });
        channels.push((new, channel_folder));
    }
    let file = ChannelsFile {
        on_fault: run.on_fault,
        wall_s: run.timeline.wall_s,
        channels: entries,
    };
    let err = out_dir_error(&run.out_dir);
    folder.write_json(&folder.plan(), &run.plan).map_err(err)?;
    let manifest = Manifest {
        protocol_path: run.protocol_path.clone(),
        protocol_sha256: sha256_hex(&run.protocol_text),
        protocol_text: run.protocol_text.clone(),
        mgp_version: env!("CARGO_PKG_VERSION").to_string(),
        instrument: run_instrument(&file.channels),
        seed: run.seed,
        parameter_set: run.parameter_set.clone(),
        started_at: now_rfc3339(),
        ended_at: None,
        status: RunStatus::Running,
        reason: None,
        stopped_at_step: None,
        planned_duration_s: run.timeline.wall_s,
        elapsed_s: None,
        wall_duration_s: None,
        resumes: 0,
        not_modelled: Vec::new(),
    };
    folder
        .write_json(&folder.manifest(), &manifest)
        .map_err(out_dir_error(&run.out_dir))?;
    folder
        .write_json(&folder.dir.join(CHANNELS_FILE), &file)
        .map_err(out_dir_error(&run.out_dir))?;
    Ok(Prepared { folder, channels })
}

/// One channel's session, run on the thread that calls it (a blocking task), driving the
/// instrument's futures on the runtime.
pub type Job = Box<dyn FnOnce(&tokio::runtime::Handle) -> Result<Finished, SessionError> + Send>;

/// A job that starts a new channel run.
pub fn start_job<I: Instrument + Send + 'static>(
    run: NewRun,
    folder: RunFolder,
    mut instrument: I,
    stop: StopFlag,
    mut observer: Box<dyn Observer + Send>,
) -> Job {
    Box::new(move |handle| {
        handle.block_on(session::start(
            &run,
            folder,
            &mut instrument,
            &stop,
            &mut *observer,
        ))
    })
}

/// A job that resumes a channel in `dir`.
pub fn resume_job<I: Instrument + Send + 'static>(
    dir: PathBuf,
    mut instrument: I,
    stop: StopFlag,
    mut observer: Box<dyn Observer + Send>,
) -> Job {
    Box::new(move |handle| {
        handle.block_on(session::resume(
            &dir,
            &mut instrument,
            &stop,
            &mut *observer,
        ))
    })
}

/// Runs the jobs at the same time, one task each (on the blocking pool, so channels use every
/// core), and gives each job's result in order. With [`OnFault::All`], a channel that fails
/// raises `stop`, which ends the others as interrupted.
pub async fn execute(
    jobs: Vec<(usize, Job)>,
    stop: &StopFlag,
    on_fault: OnFault,
) -> Vec<(usize, Result<Finished, SessionError>)> {
    let handle = tokio::runtime::Handle::current();
    let mut tasks = tokio::task::JoinSet::new();
    for (channel, job) in jobs {
        let (handle, stop) = (handle.clone(), stop.clone());
        tasks.spawn_blocking(move || {
            let result = job(&handle);
            let failed = match &result {
                Ok(finished) => finished.manifest.status == RunStatus::Failed,
                Err(_) => true,
            };
            if failed && on_fault == OnFault::All {
                stop.raise();
            }
            (channel, result)
        });
    }
    let mut results = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(result) => results.push(result),
            // A panicking channel must not take the others' results with it; it has no
            // result of its own (its folder still holds everything it journalled).
            Err(error) => {
                if on_fault == OnFault::All {
                    stop.raise();
                }
                let _ = error;
            }
        }
    }
    results.sort_by_key(|(channel, _)| *channel);
    results
}

/// Brings the run folder up to date with its channels after a session: each channel's status
/// into `channels.json`, the merged journal, the CSV files, and the run-level manifest.
/// `errors` are channels whose session failed outside the instrument (named in the reason).
pub fn conclude(
    dir: &Path,
    errors: &[(usize, String)],
    wall: Instant,
    resumed: bool,
) -> Result<Finished, SessionError> {
    let folder = RunFolder::new(dir);
    let folder_error = |e: io::Error| SessionError::Folder {
        path: dir.display().to_string(),
        message: e.to_string(),
    };
    let mut file = read_channels(dir).map_err(folder_error)?;
    let plan = folder.read_plan().map_err(folder_error)?;
    let mut manifest = folder.read_manifest().map_err(folder_error)?;
    for n in 0..file.channels.len() {
        let channel_dir = file.channel_dir(dir, n);
        let entry = &mut file.channels[n];
        match RunFolder::new(&channel_dir).read_manifest() {
            Ok(m) => {
                entry.status = m.status;
                entry.reason = m.reason;
                entry.elapsed_s = m.elapsed_s;
                entry.instrument = m.instrument;
            }
            Err(e) => {
                entry.status = RunStatus::Failed;
                entry.reason = Some(e.to_string());
            }
        }
        if let Some((_, message)) = errors.iter().find(|(c, _)| *c == n) {
            // The session died before it could write its final manifest.
            entry.status = RunStatus::Failed;
            entry.reason = Some(message.clone());
        }
    }
    let status = if file.channels.iter().any(|c| c.status == RunStatus::Failed) {
        RunStatus::Failed
    } else if file
        .channels
        .iter()
        .any(|c| matches!(c.status, RunStatus::Interrupted | RunStatus::Running))
    {
        RunStatus::Interrupted
    } else {
        RunStatus::Completed
    };
    let reasons: Vec<String> = file
        .channels
        .iter()
        .filter(|c| c.status != RunStatus::Completed)
        .map(|c| {
            format!(
                "channel {}: {}",
                c.name,
                c.reason.as_deref().unwrap_or("did not finish")
            )
        })
        .collect();
    let elapsed_s = file
        .channels
        .iter()
        .filter_map(|c| c.elapsed_s)
        .fold(0.0, f64::max);
    let records = merge_journals(dir, &file, &manifest, status, &reasons)?;
    write_derived_csv(&folder, &plan, &records).map_err(out_dir_error(dir))?;
    let stopped_at_step = file.channels.iter().find_map(|c| {
        let n = c.folder.as_str();
        let m = RunFolder::new(dir.join(n)).read_manifest().ok()?;
        c.steps.get(m.stopped_at_step?).copied()
    });
    manifest.status = status;
    manifest.reason = (!reasons.is_empty()).then(|| reasons.join("; "));
    manifest.stopped_at_step = stopped_at_step;
    manifest.ended_at = Some(now_rfc3339());
    manifest.elapsed_s = Some(elapsed_s);
    manifest.wall_duration_s = Some(wall.elapsed().as_secs_f64());
    manifest.instrument = run_instrument(&file.channels);
    if resumed {
        manifest.resumes += 1;
    }
    folder
        .write_json(&dir.join(CHANNELS_FILE), &file)
        .map_err(out_dir_error(dir))?;
    folder
        .write_json(&folder.manifest(), &manifest)
        .map_err(out_dir_error(dir))?;
    Ok(Finished {
        folder,
        outcome: Outcome {
            status,
            reason: manifest.reason.clone(),
            stopped_at_step,
            elapsed_s,
        },
        manifest,
    })
}

/// Marks the run-level manifest `running` again before a resume.
pub fn mark_running(dir: &Path) -> Result<(), SessionError> {
    let folder = RunFolder::new(dir);
    let mut manifest = folder.read_manifest().map_err(|e| SessionError::Folder {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    manifest.status = RunStatus::Running;
    manifest.reason = None;
    folder
        .write_json(&folder.manifest(), &manifest)
        .map_err(out_dir_error(dir))
}

/// The run's `journal.jsonl`: a `run_started`, each channel's records in channel order (its
/// own run start and end left out; steps mapped to the plan's indices; each record naming its
/// channel), and a `run_ended` with the run's status. Channels are kept whole, not
/// interleaved by time, so each step's records stay together as in a one-channel journal.
fn merge_journals(
    dir: &Path,
    file: &ChannelsFile,
    manifest: &Manifest,
    status: RunStatus,
    reasons: &[String],
) -> Result<Vec<Record>, SessionError> {
    let mut records = vec![Record {
        seq: 0,
        t_s: 0.0,
        step: None,
        cycle: None,
        event: Event::RunStarted {
            protocol: manifest.protocol_path.clone(),
            instrument: manifest.instrument.kind.clone(),
        },
        utc: None,
        channel: None,
    }];
    let mut end_s: f64 = 0.0;
    for (n, entry) in file.channels.iter().enumerate() {
        let path = RunFolder::new(file.channel_dir(dir, n)).journal();
        // A channel that never got to write its journal contributes nothing.
        let Ok(contents) = read_journal(&path) else {
            continue;
        };
        for mut record in contents.records {
            if matches!(
                record.event,
                Event::RunStarted { .. } | Event::RunEnded { .. }
            ) {
                continue;
            }
            record.step = record.step.and_then(|s| entry.steps.get(s).copied());
            if let Event::RunResumed { from_step, .. } = &mut record.event
                && let Some(global) = entry.steps.get(*from_step)
            {
                *from_step = *global;
            }
            record.channel = Some(entry.name.clone());
            end_s = end_s.max(record.t_s);
            records.push(record);
        }
    }
    records.push(Record {
        seq: 0,
        t_s: end_s,
        step: None,
        cycle: None,
        event: Event::RunEnded {
            status,
            reason: (!reasons.is_empty()).then(|| reasons.join("; ")),
        },
        utc: None,
        channel: None,
    });
    let mut text = Vec::new();
    for (seq, record) in records.iter_mut().enumerate() {
        record.seq = seq as u64;
        serde_json::to_writer(&mut text, record).map_err(|e| JournalError(io::Error::other(e)))?;
        text.push(b'\n');
    }
    let path = RunFolder::new(dir).journal();
    let tmp = path.with_extension("jsonl.tmp");
    std::fs::write(&tmp, &text)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(out_dir_error(dir))?;
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_seeds_differ_by_name_and_seed_and_are_stable() {
        assert_ne!(channel_seed(1, "a"), channel_seed(1, "b"));
        assert_ne!(channel_seed(1, "a"), channel_seed(2, "a"));
        assert_eq!(channel_seed(7, "strip_10"), channel_seed(7, "strip_10"));
    }
}
