//! Several cells at once: the plan's timeline, multi-channel runs on the simulator (each
//! channel's data identical to running its cells alone), a fault on one channel, resuming only
//! what is unfinished.

use mgp::instrument::Instrument;
use mgp::instrument::sim::{SimInstrument, SimOptions};
use mgp::run::channels::{self, MultiRun, OnFault};
use mgp::run::interpreter::{Silent, StopFlag};
use mgp::run::journal::{Event, Record, RunStatus, read_journal};
use mgp::run::session::{self, NewRun};
use mgp::timeline::{one_channel_per_cell, schedule};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn mgp() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mgp"));
    cmd.env("NO_COLOR", "1");
    cmd
}

/// A protocol in `dir` beside a copy of the shared materials.
fn protocol(dir: &Path, name: &str, body: &str) -> PathBuf {
    std::fs::copy(
        root().join("protocols/materials.mgp"),
        dir.join("materials.mgp"),
    )
    .unwrap();
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!("title \"channels test\"\nimport \"materials.mgp\"\n{body}"),
    )
    .unwrap();
    path
}

fn cells(names: &[&str]) -> String {
    format!(
        "cell {}: symmetric swagelok {{
    working mg_disc
    counter mg_disc
    separator gf_a_13
    electrolyte mg_electrolyte 80 uL
}}\n",
        names.join(", ")
    )
}

fn rest(cell: &str, minutes: u32) -> String {
    format!(
        "on {cell} {{\n    ocv: rest {minutes} min {{\n        eis every 20 min: 5 mV rms, 100 kHz to 1 Hz, 5 per decade\n        sample every 60 s\n    }}\n}}\n"
    )
}

fn records(path: &Path) -> Vec<Record> {
    read_journal(path).unwrap().records
}

#[test]
fn plan_shows_one_lane_per_cell_and_the_wall_time() {
    let out = mgp()
        .args(["plan", "--json"])
        .arg(root().join("protocols/mg-prepassivated-li2s8.mgp"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let timeline = &plan["timeline"];
    assert_eq!(timeline["channels"].as_array().unwrap().len(), 2);
    assert_eq!(timeline["wall_s"], 18600.0);
    assert_eq!(timeline["one_by_one_s"], 37200.0);

    // The galvanostatic series: eight channels, the slowest 1 h + 20 / 0.3 h.
    let out = mgp()
        .arg("plan")
        .arg(root().join("protocols/mg-galvanostatic-series.mgp"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("channels: 8 at the same time, wall time 2 d 19 h 40 min"),
        "{text}"
    );
    // On one channel, the cells run one after another.
    let out = mgp()
        .args(["plan", "--sequential", "--json"])
        .arg(root().join("protocols/mg-prepassivated-li2s8.mgp"))
        .output()
        .unwrap();
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["timeline"]["wall_s"], 37200.0);
}

#[test]
fn operator_steps_at_the_same_time_on_two_channels_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "{}on a {{ rest 10 min {{ sample every 60 s }}\n prompt \"inspect the cell\" }}\n\
         on b {{ rest 10 min {{ sample every 60 s }}\n prompt \"inspect the cell\" }}\n",
        cells(&["a", "b"])
    );
    let path = protocol(dir.path(), "collide.mgp", &body);
    let out = mgp().arg("plan").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("mgp::check::operator_collision"),
        "{stderr}"
    );
    assert!(stdout.contains("one operator cannot do both"), "{stdout}");
    // On one channel they are ten minutes apart: no warning.
    let out = mgp()
        .args(["plan", "--channel", "a=methodscript:/dev/null", "--channel"])
        .arg("b=methodscript:/dev/null")
        .arg(&path)
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("one operator cannot do both"));
}

#[test]
fn a_misspelt_channel_cell_is_a_diagnostic() {
    let out = mgp()
        .args(["plan", "--channel", "mg_pz=sim"])
        .arg(root().join("protocols/mg-prepassivated-li2s8.mgp"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("mgp::run::channel_cell"), "{stderr}");
    assert!(stderr.contains("did you mean `mg_ps`?"), "{stderr}");
}

/// Runs `plan` on its default channels with the library, as `mgp run` does.
fn run_channels(path: &Path, out: &Path, seed: u64, noise: f64) -> mgp::run::session::Finished {
    let checked = mgp::check::check_path(path).unwrap();
    let plan = checked.plan;
    let timeline = schedule(&plan.steps, &one_channel_per_cell(&plan.steps));
    let sims: Vec<SimInstrument> = timeline
        .channels
        .iter()
        .map(|lane| {
            SimInstrument::new(SimOptions {
                seed: channels::channel_seed(seed, &lane.name),
                noise,
                ..SimOptions::default()
            })
            .unwrap()
        })
        .collect();
    let infos: Vec<_> = sims.iter().map(|s| s.info()).collect();
    let run = MultiRun {
        protocol_path: path.display().to_string(),
        protocol_text: checked.sources[0].text.clone(),
        plan: plan.clone(),
        timeline: timeline.clone(),
        out_dir: out.to_path_buf(),
        seed: Some(seed),
        parameter_set: None,
        on_fault: OnFault::Channel,
    };
    let prepared = channels::create(&run, &infos).unwrap();
    let stop = StopFlag::new();
    let jobs: Vec<(usize, channels::Job)> = sims
        .into_iter()
        .zip(prepared.channels)
        .enumerate()
        .map(|(n, (sim, (new, folder)))| {
            (
                n,
                channels::start_job(new, folder, sim, stop.clone(), Box::new(Silent)),
            )
        })
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let results = runtime.block_on(channels::execute(jobs, &stop, OnFault::Channel));
    assert!(results.iter().all(|(_, r)| r.is_ok()));
    channels::conclude(out, &[], std::time::Instant::now(), false).unwrap()
}

/// (t_s, step, event) of every record but the run's start and end.
fn body(records: &[Record]) -> Vec<(f64, Option<usize>, Event)> {
    records
        .iter()
        .filter(|r| !matches!(r.event, Event::RunStarted { .. } | Event::RunEnded { .. }))
        .map(|r| (r.t_s, r.step, r.event.clone()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

    /// The simulator's concurrent results are those of running the cells one by one: each
    /// channel, run alone with its seed, journals exactly the same records.
    #[test]
    fn concurrent_channels_equal_the_cells_run_one_by_one(
        seed in 0u64..1000,
        minutes in proptest::collection::vec(20u32..70, 2..4),
        noise in prop_oneof![Just(0.0), Just(0.003)],
    ) {
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<String> = (0..minutes.len()).map(|i| format!("c{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut text = cells(&refs);
        for (name, m) in names.iter().zip(&minutes) {
            text.push_str(&rest(name, *m));
        }
        let path = protocol(dir.path(), "p.mgp", &text);
        let multi = dir.path().join("multi");
        let finished = run_channels(&path, &multi, seed, noise);
        prop_assert_eq!(finished.manifest.status, RunStatus::Completed);
        let file = channels::read_channels(&multi).unwrap();
        let merged = records(&multi.join("journal.jsonl"));
        let plan = mgp::check::check_path(&path).unwrap().plan;
        let timeline = schedule(&plan.steps, &one_channel_per_cell(&plan.steps));
        for (n, lane) in timeline.channels.iter().enumerate() {
            let alone = dir.path().join(format!("alone-{n}"));
            let new = NewRun {
                protocol_path: path.display().to_string(),
                protocol_text: String::new(),
                plan: mgp::timeline::channel_plan(&plan, lane),
                out_dir: alone.clone(),
                seed: None,
                parameter_set: None,
            };
            let folder = session::create_folder(&new).unwrap();
            let mut sim = SimInstrument::new(SimOptions {
                seed: channels::channel_seed(seed, &lane.name),
                noise,
                ..SimOptions::default()
            })
            .unwrap();
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime
                .block_on(session::start(&new, folder, &mut sim, &StopFlag::new(), &mut Silent))
                .unwrap();
            let one = body(&records(&alone.join("journal.jsonl")));
            let channel = body(&records(&file.channel_dir(&multi, n).join("journal.jsonl")));
            prop_assert_eq!(&one, &channel);
            // In the merged journal: the same records, on the plan's steps, naming the channel.
            let mapped: Vec<_> = one
                .iter()
                .map(|(t, s, e)| (*t, s.map(|s| lane.slots[s].step), e.clone()))
                .collect();
            let in_merged: Vec<_> = merged
                .iter()
                .filter(|r| r.channel.as_deref() == Some(lane.name.as_str()))
                .map(|r| (r.t_s, r.step, r.event.clone()))
                .collect();
            prop_assert_eq!(mapped, in_merged);
        }
        // The run takes the longest channel's time.
        let longest = *minutes.iter().max().unwrap() as f64 * 60.0;
        prop_assert!((finished.manifest.elapsed_s.unwrap() - longest).abs() < 1e-6);
    }
}

#[test]
fn a_fault_stops_its_channel_only_and_every_record_stays() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "{}{}on bad {{ galvanostatic strip working at 1 mA/cm2 for 1 h, sample every 10 s, limit 1 mV abort }}\n",
        cells(&["good", "bad"]),
        rest("good", 60)
    );
    let path = protocol(dir.path(), "fault.mgp", &body);
    let out_dir = dir.path().join("run");
    let out = mgp()
        .args(["run", "-q", "--no-analysis", "--out"])
        .arg(&out_dir)
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("channel good: completed"), "{stdout}");
    assert!(stdout.contains("channel bad: failed"), "{stdout}");
    let file = channels::read_channels(&out_dir).unwrap();
    assert_eq!(file.channels[0].status, RunStatus::Completed);
    assert_eq!(file.channels[1].status, RunStatus::Failed);
    let good = records(&out_dir.join("channels/good/journal.jsonl"));
    let sweeps = good
        .iter()
        .filter(|r| matches!(r.event, Event::SweepEnded { .. }))
        .count();
    assert_eq!(sweeps, 3, "the good channel ran to its end");
    let merged = records(&out_dir.join("journal.jsonl"));
    assert!(
        merged
            .iter()
            .any(|r| matches!(r.event, Event::LimitReached { .. })
                && r.channel.as_deref() == Some("bad"))
    );
    assert_eq!(
        merged
            .iter()
            .filter(|r| r.channel.as_deref() == Some("good"))
            .count(),
        good.len() - 2,
        "every record of the good channel but its own start and end"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["status"], "failed");
    assert!(manifest["reason"].as_str().unwrap().contains("channel bad"));
}

#[test]
fn resume_continues_only_the_unfinished_channel() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!("{}{}{}", cells(&["a", "b"]), rest("a", 40), rest("b", 40));
    let path = protocol(dir.path(), "two.mgp", &body);
    let run_dir = dir.path().join("run");
    let first = mgp()
        .args(["run", "-q", "--no-analysis", "--seed", "3", "--out"])
        .arg(&run_dir)
        .arg(&path)
        .output()
        .unwrap();
    assert!(first.status.success());
    let complete_b = records(&run_dir.join("channels/b/journal.jsonl"));
    // Channel b as a kill would leave it: cut after its second sweep began, manifest running.
    let journal_b = run_dir.join("channels/b/journal.jsonl");
    let text = std::fs::read_to_string(&journal_b).unwrap();
    let cut = text
        .lines()
        .position(|l| l.contains("\"sweep_started\"") && l.contains("\"sweep\":1"))
        .unwrap();
    let kept: String = text
        .lines()
        .take(cut + 3)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&journal_b, kept).unwrap();
    let manifest_b = run_dir.join("channels/b/manifest.json");
    let m = std::fs::read_to_string(&manifest_b)
        .unwrap()
        .replace("\"completed\"", "\"running\"");
    std::fs::write(&manifest_b, m).unwrap();
    let journal_a_before = std::fs::read(run_dir.join("channels/a/journal.jsonl")).unwrap();

    let resumed = mgp()
        .args(["run", "-q", "--no-analysis", "--resume"])
        .arg(&run_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&resumed.stdout);
    assert!(
        resumed.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    // Channel a was complete: untouched.
    assert_eq!(
        std::fs::read(run_dir.join("channels/a/journal.jsonl")).unwrap(),
        journal_a_before
    );
    // Channel b redid its step: its last attempt equals the uninterrupted run's.
    let after = records(&journal_b);
    assert!(
        after
            .iter()
            .any(|r| matches!(r.event, Event::RunResumed { .. }))
    );
    // The resumed attempt starts later on the run's axis; its values are the model's again.
    let last_values = |rs: &[Record]| -> Vec<Vec<f64>> {
        let start = rs
            .iter()
            .rposition(|r| matches!(r.event, Event::StepStarted { .. }))
            .unwrap();
        rs[start..]
            .iter()
            .filter_map(|r| match &r.event {
                Event::Reading { reading } => match *reading {
                    mgp::instrument::Reading::EisPoint {
                        frequency_hz,
                        z_real_ohm,
                        z_imag_ohm,
                        ..
                    } => Some(vec![frequency_hz, z_real_ohm, z_imag_ohm]),
                    mgp::instrument::Reading::Ocv { potential_v, .. } => Some(vec![potential_v]),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    };
    let (resumed_values, complete_values) = (last_values(&after), last_values(&complete_b));
    assert_eq!(resumed_values.len(), complete_values.len());
    for (a, b) in resumed_values.iter().zip(&complete_values) {
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() <= 1e-9 * y.abs().max(1e-3), "{a:?} vs {b:?}");
        }
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["status"], "completed");
    assert_eq!(manifest["resumes"], 1);
    // Nothing left: a second resume says so.
    let again = mgp()
        .args(["run", "-q", "--no-analysis", "--resume"])
        .arg(&run_dir)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("every channel completed"));
}

/// One emulator per channel (virtual clock): the run takes the plan's wall time, not the sum.
#[test]
fn each_channel_on_its_own_emulator_takes_the_plans_wall_time() {
    use crate::methodscript_common::Emulator;
    let path = root().join("protocols/mg-prepassivated-li2s8.mgp");
    let plan = mgp::check::check_path(&path).unwrap().plan;
    let timeline = schedule(&plan.steps, &one_channel_per_cell(&plan.steps));
    // Each emulator measures the cell on its channel.
    let emulators: Vec<Emulator> = timeline
        .channels
        .iter()
        .map(|lane| {
            Emulator::start(
                &mgp::timeline::channel_plan(&plan, lane),
                &["--source", "sim", "--speed", "inf", "--seed", "3"],
            )
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("run");
    let mut cmd = mgp();
    cmd.args(["run", "-q", "--non-interactive", "--confirm-all", "--out"])
        .arg(&run_dir);
    for (lane, emulator) in timeline.channels.iter().zip(&emulators) {
        cmd.arg("--channel")
            .arg(format!("{}=methodscript:{}", lane.name, emulator.path));
    }
    let out = cmd.arg(&path).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["instrument"]["kind"], "methodscript");
    let elapsed = manifest["elapsed_s"].as_f64().unwrap();
    assert!(
        (elapsed - timeline.wall_s).abs() < 0.01 * timeline.wall_s,
        "elapsed {elapsed} s, planned wall time {} s",
        timeline.wall_s
    );
    // Both cells measured: the analysis across channels passed.
    assert!(stdout.contains("expects: 4 of 4 passed"), "{stdout}");
}
