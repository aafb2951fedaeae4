//! The run folder, a contract shared by `mgp run`, `mgp analyze`, `mgp report` and `--resume`:
//!
//! ```text
//! RUN_DIR/
//!   manifest.json        protocol path, SHA-256 and text; mgp version; instrument; seed;
//!                        start/end times; status (running|completed|failed|interrupted), reason
//!   plan.json            the checked Plan the run executed
//!   journal.jsonl        every event and reading, appended and flushed as it happened
//!   eis/<step>-<n>.csv   freq_hz, z_real_ohm, z_imag_ohm, time_s (+ areal columns), cycle,
//!                        per sweep
//!   traces/<step>.csv    time_s, potential_v, current_a (+ current density), cycle, per step
//!   analysis.json        fits and derived quantities (written by the analysis stage)
//!   fits.csv             one row per fitted sweep
//!   report.html, plots/  the report
//! ```
//! The CSV files are derived from the journal ([`write_derived_csv`]) and can be rebuilt from it.

use super::journal::{Event, Record, RunStatus};
use crate::instrument::{InstrumentInfo, Reading};
use crate::plan::Plan;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub protocol_path: String,
    pub protocol_sha256: String,
    pub protocol_text: String,
    pub mgp_version: String,
    pub instrument: InstrumentInfo,
    pub seed: Option<u64>,
    /// Name(s) of the simulator parameter sets, when the instrument is the simulator.
    pub parameter_set: Option<String>,
    /// UTC, RFC 3339.
    pub started_at: String,
    pub ended_at: Option<String>,
    pub status: RunStatus,
    pub reason: Option<String>,
    /// The step at which the run failed or was interrupted.
    pub stopped_at_step: Option<usize>,
    pub planned_duration_s: f64,
    /// Elapsed run time on the instrument's clock at the end.
    pub elapsed_s: Option<f64>,
    /// Wall-clock duration of the (last) session.
    pub wall_duration_s: Option<f64>,
    /// How often the run was resumed.
    #[serde(default)]
    pub resumes: u32,
    /// What the model did not capture (simulated runs), from the journal's not-modelled
    /// warnings; written when the run ends, once the cells have been built and used.
    #[serde(default)]
    pub not_modelled: Vec<String>,
}

/// Hex SHA-256 of a text.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

/// Paths inside a run folder.
#[derive(Debug, Clone)]
pub struct RunFolder {
    pub dir: PathBuf,
}

impl RunFolder {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        RunFolder { dir: dir.into() }
    }

    pub fn manifest(&self) -> PathBuf {
        self.dir.join("manifest.json")
    }
    pub fn plan(&self) -> PathBuf {
        self.dir.join("plan.json")
    }
    pub fn journal(&self) -> PathBuf {
        self.dir.join("journal.jsonl")
    }
    pub fn analysis(&self) -> PathBuf {
        self.dir.join("analysis.json")
    }
    pub fn fits_csv(&self) -> PathBuf {
        self.dir.join("fits.csv")
    }
    pub fn report(&self) -> PathBuf {
        self.dir.join("report.html")
    }

    /// Creates the folder for a new run; fails if it already holds a journal, or if it is
    /// not writable (checked by writing, so the error comes before the run starts).
    pub fn create(dir: &Path) -> io::Result<RunFolder> {
        std::fs::create_dir_all(dir)?;
        let folder = RunFolder::new(dir);
        if folder.journal().exists() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} already holds a run", dir.display()),
            ));
        }
        let probe = dir.join(".mgp-write-test");
        std::fs::write(&probe, b"")?;
        std::fs::remove_file(&probe)?;
        Ok(folder)
    }

    /// Writes JSON atomically (temporary file, then rename), so a reader never sees half a
    /// manifest.
    pub fn write_json<T: Serialize>(&self, path: &Path, value: &T) -> io::Result<()> {
        let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text + "\n")?;
        std::fs::rename(&tmp, path)
    }

    pub fn read_manifest(&self) -> io::Result<Manifest> {
        read_json(&self.manifest())
    }

    pub fn read_plan(&self) -> io::Result<Plan> {
        read_json(&self.plan())
    }
}

/// The default folder of a new run of `protocol`: `runs/<stem>-<UTC timestamp>`, or with `-2`,
/// `-3`… appended when that name is taken (two runs started within the same second). The
/// folder is claimed by creating it, so two processes never get the same one. On an I/O error
/// the plain name is returned, and creating the run folder then reports the error.
pub fn default_run_dir(protocol: &Path) -> PathBuf {
    let (root, now) = (Path::new("runs"), chrono::Utc::now());
    claim_run_dir(root, protocol, now)
        .unwrap_or_else(|_| root.join(format!("{}-{}", run_stem(protocol), stamp(now))))
}

fn run_stem(protocol: &Path) -> String {
    protocol
        .file_stem()
        .map_or_else(|| "run".into(), |s| s.to_string_lossy().into_owned())
}

fn stamp(now: chrono::DateTime<chrono::Utc>) -> String {
    now.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Creates and returns the first free `<root>/<stem>-<stamp>[-n]` (see [`default_run_dir`]).
pub fn claim_run_dir(
    root: &Path,
    protocol: &Path,
    now: chrono::DateTime<chrono::Utc>,
) -> io::Result<PathBuf> {
    std::fs::create_dir_all(root)?;
    let base = format!("{}-{}", run_stem(protocol), stamp(now));
    for n in 1..=10_000u32 {
        let name = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let dir = root.join(name);
        // `create_dir` (not `_all`) fails on an existing folder: the claim is atomic.
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("{}: every name {base}-N is taken", root.display()),
    ))
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> io::Result<T> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: line {}: {e}", path.display(), e.line()),
        )
    })
}

/// One EIS sweep gathered from the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRecord {
    pub step: usize,
    pub sweep: usize,
    /// (t_s, frequency_hz, z_real_ohm, z_imag_ohm)
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// The galvanostatic / OCV samples of one step.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceRecord {
    pub step: usize,
    /// (t_s, potential_v, current_a); current 0 for open-circuit samples.
    pub samples: Vec<(f64, f64, f64)>,
}

/// Groups journal readings into sweeps and traces. When a step was started more than once
/// (resume), only its last attempt counts.
pub fn collect_data(records: &[Record]) -> (Vec<SweepRecord>, Vec<TraceRecord>) {
    let mut sweeps: Vec<SweepRecord> = Vec::new();
    let mut traces: Vec<TraceRecord> = Vec::new();
    let mut current_sweep: Option<(usize, usize)> = None;
    for record in records {
        let Some(step) = record.step else { continue };
        match &record.event {
            // A step started again (a resumed run redoes its incomplete step): the earlier,
            // partial attempt stays in the journal but the derived data is the new attempt's.
            Event::StepStarted { .. } => {
                sweeps.retain(|s| s.step != step);
                traces.retain(|t| t.step != step);
                current_sweep = None;
            }
            Event::SweepStarted { sweep } => {
                current_sweep = Some((step, *sweep));
                sweeps.push(SweepRecord {
                    step,
                    sweep: *sweep,
                    points: Vec::new(),
                });
            }
            Event::SweepEnded { .. } | Event::StepEnded { .. } => current_sweep = None,
            Event::Reading { reading } => match *reading {
                Reading::EisPoint {
                    t_s,
                    frequency_hz,
                    z_real_ohm,
                    z_imag_ohm,
                } => {
                    if current_sweep.is_none() {
                        // A point outside a marked sweep still belongs to one: start it.
                        let n = sweeps.iter().filter(|s| s.step == step).count();
                        current_sweep = Some((step, n));
                        sweeps.push(SweepRecord {
                            step,
                            sweep: n,
                            points: Vec::new(),
                        });
                    }
                    if let Some(sweep) = sweeps.last_mut() {
                        sweep.points.push((
                            record.t_s.max(t_s),
                            frequency_hz,
                            z_real_ohm,
                            z_imag_ohm,
                        ));
                    }
                }
                Reading::Galvano {
                    potential_v,
                    current_a,
                    ..
                } => {
                    trace_for(&mut traces, step)
                        .samples
                        .push((record.t_s, potential_v, current_a));
                }
                Reading::Ocv { potential_v, .. } => {
                    trace_for(&mut traces, step)
                        .samples
                        .push((record.t_s, potential_v, 0.0));
                }
                Reading::Potentiostatic {
                    potential_v,
                    current_a,
                    ..
                } => {
                    trace_for(&mut traces, step)
                        .samples
                        .push((record.t_s, potential_v, current_a));
                }
                Reading::Warning { .. } | Reading::Raw { .. } => {}
            },
            _ => {}
        }
    }
    sweeps.retain(|s| !s.points.is_empty());
    (sweeps, traces)
}

fn trace_for(traces: &mut Vec<TraceRecord>, step: usize) -> &mut TraceRecord {
    if traces.last().is_none_or(|t| t.step != step) {
        traces.push(TraceRecord {
            step,
            samples: Vec::new(),
        });
    }
    let last = traces.len() - 1;
    &mut traces[last]
}

/// Writes `eis/<step>-<n>.csv` and `traces/<step>.csv` from the journal's data. Absolute
/// columns come first, as measured; areal columns use the step's cell normalising area.
pub fn write_derived_csv(folder: &RunFolder, plan: &Plan, records: &[Record]) -> io::Result<()> {
    let (sweeps, traces) = collect_data(records);
    let area_of = |step: usize| {
        plan.steps
            .get(step)
            .and_then(|s| plan.cell(&s.cell))
            .map_or(1.0, |c| c.normalising_area_cm2)
    };
    // The cycle number, blank outside any `repeat`.
    let cycle_of = |step: usize| {
        plan.steps
            .get(step)
            .and_then(crate::plan::Step::cycle_number)
            .map_or(String::new(), |c| c.to_string())
    };
    if !sweeps.is_empty() {
        std::fs::create_dir_all(folder.dir.join("eis"))?;
    }
    for sweep in &sweeps {
        let area = area_of(sweep.step);
        let cycle = cycle_of(sweep.step);
        let mut text = String::from(
            "freq_hz,z_real_ohm,z_imag_ohm,time_s,z_real_ohm_cm2,z_imag_ohm_cm2,cycle\n",
        );
        for &(t, f, re, im) in &sweep.points {
            let _ = writeln!(
                text,
                "{f},{re},{im},{t},{},{},{cycle}",
                re * area,
                im * area
            );
        }
        std::fs::write(
            folder
                .dir
                .join("eis")
                .join(format!("{}-{}.csv", sweep.step, sweep.sweep)),
            text,
        )?;
    }
    if !traces.is_empty() {
        std::fs::create_dir_all(folder.dir.join("traces"))?;
    }
    for trace in &traces {
        let area = area_of(trace.step);
        let cycle = cycle_of(trace.step);
        let mut text =
            String::from("time_s,potential_v,current_a,current_density_a_per_cm2,cycle\n");
        for &(t, v, i) in &trace.samples {
            let _ = writeln!(text, "{t},{v},{i},{},{cycle}", i / area);
        }
        std::fs::write(
            folder
                .dir
                .join("traces")
                .join(format!("{}.csv", trace.step)),
            text,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn runs_started_in_the_same_second_get_their_own_folders() {
        let root = tempfile::tempdir().unwrap();
        let now = chrono::Utc
            .with_ymd_and_hms(2026, 11, 24, 9, 57, 32)
            .unwrap();
        let protocol = Path::new("protocols/gc-li2s8.mgp");
        let names: Vec<String> = (0..3)
            .map(|_| {
                let dir = claim_run_dir(root.path(), protocol, now).unwrap();
                assert!(dir.is_dir());
                // Each claimed folder is accepted as a new run's folder.
                RunFolder::create(&dir).unwrap();
                dir.file_name().unwrap().to_string_lossy().into_owned()
            })
            .collect();
        assert_eq!(
            names,
            [
                "gc-li2s8-20261124T095732Z",
                "gc-li2s8-20261124T095732Z-2",
                "gc-li2s8-20261124T095732Z-3"
            ]
        );
        let later = claim_run_dir(root.path(), Path::new("x"), now).unwrap();
        assert!(later.ends_with("x-20261124T095732Z"));
        let none = claim_run_dir(root.path(), Path::new(""), now).unwrap();
        assert!(none.ends_with("run-20261124T095732Z"));
    }

    #[test]
    fn a_root_that_cannot_be_created_is_an_error() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("file");
        std::fs::write(&file, b"").unwrap();
        let now = chrono::Utc::now();
        assert!(claim_run_dir(&file.join("runs"), Path::new("p.mgp"), now).is_err());
    }
}
