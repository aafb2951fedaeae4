//! Resuming a dry-run: the simulator replays the completed steps unseen, so the resumed step's
//! data are exactly those of an uninterrupted run with the same seed.

use mgp::instrument::sim::{SimInstrument, SimOptions};
use mgp::run::folder::collect_data;
use mgp::run::interpreter::{Observer, Silent, StopFlag};
use mgp::run::journal::{RunStatus, read_journal};
use mgp::run::session::{self, NewRun};
use mgp::run::summary::{render, run_time, summarise};
use std::path::Path;

/// Raises the stop flag once the run clock passes `at_s`.
struct StopAt {
    at_s: f64,
    stop: StopFlag,
}

impl Observer for StopAt {
    fn clock(&mut self, t_s: f64) {
        if t_s > self.at_s {
            self.stop.raise();
        }
    }
}

fn sim() -> SimInstrument {
    SimInstrument::new(SimOptions {
        seed: 5,
        noise: 0.0,
        ..SimOptions::default()
    })
    .unwrap()
}

/// Impedance values of every sweep of `step`.
fn spectra(dir: &Path, step: usize) -> Vec<Vec<(f64, f64, f64)>> {
    let records = read_journal(&dir.join("journal.jsonl")).unwrap().records;
    let (sweeps, _) = collect_data(&records);
    sweeps
        .into_iter()
        .filter(|s| s.step == step)
        .map(|s| {
            s.points
                .into_iter()
                .map(|(_, f, re, im)| (f, re, im))
                .collect()
        })
        .collect()
}

#[test]
fn a_resumed_dry_run_continues_the_model_state() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("protocols/mg-operando-li2s8.mgp");
    let plan = mgp::check::check_path(&path).unwrap().plan;
    assert_eq!(plan.steps.len(), 3);
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let new = |name: &str| NewRun {
        protocol_path: path.display().to_string(),
        protocol_text: String::new(),
        plan: plan.clone(),
        out_dir: dir.path().join(name),
        seed: Some(5),
        parameter_set: None,
    };

    let whole = new("whole");
    let folder = session::create_folder(&whole).unwrap();
    runtime
        .block_on(session::start(
            &whole,
            folder,
            &mut sim(),
            &StopFlag::new(),
            &mut Silent,
        ))
        .unwrap();

    // Interrupt 20 min into the third step (after the addition), then resume.
    let split = new("split");
    let folder = session::create_folder(&split).unwrap();
    let stop = StopFlag::new();
    let mut observer = StopAt {
        at_s: plan.steps[2].start_s + 1200.0,
        stop: stop.clone(),
    };
    let first = runtime
        .block_on(session::start(
            &split,
            folder,
            &mut sim(),
            &stop,
            &mut observer,
        ))
        .unwrap();
    assert_eq!(first.outcome.status, RunStatus::Interrupted);
    assert_eq!(first.outcome.stopped_at_step, Some(2));
    let resumed = runtime
        .block_on(session::resume(
            &split.out_dir,
            &mut sim(),
            &StopFlag::new(),
            &mut Silent,
        ))
        .unwrap();
    assert_eq!(resumed.outcome.status, RunStatus::Completed);
    // After the replay, readings carry the run's time axis as their records do; the
    // simulator's journal stays free of wall times (identical for a seed).
    let records = read_journal(&split.out_dir.join("journal.jsonl"))
        .unwrap()
        .records;
    let resumed_at = records
        .iter()
        .position(|r| matches!(r.event, mgp::run::journal::Event::RunResumed { .. }))
        .unwrap();
    assert!(records.iter().all(|r| r.utc.is_none()));
    let mut shifted = 0;
    for record in &records[resumed_at..] {
        if let mgp::run::journal::Event::Reading { reading } = &record.event {
            assert_eq!(reading.t_s(), record.t_s, "{record:?}");
            shifted += 1;
        }
    }
    assert!(shifted > 0);

    // The summary counts each step's last attempt, as the derived data do, and says what was
    // repeated.
    let summary = |dir: &Path| {
        let records = read_journal(&dir.join("journal.jsonl")).unwrap().records;
        (summarise(&plan, &records), render(&plan, &records))
    };
    let (whole_steps, whole_table) = summary(&whole.out_dir);
    let (split_steps, split_table) = summary(&split.out_dir);
    for (w, s) in whole_steps.iter().zip(&split_steps) {
        assert_eq!(
            (w.sweeps, w.eis_points, w.samples, w.actual_s),
            (s.sweeps, s.eis_points, s.samples, s.actual_s),
            "step {}",
            s.index
        );
    }
    let redone = &split_steps[2];
    assert_eq!(redone.attempts, 2);
    assert!(redone.repeated.sweeps >= 1 && redone.repeated.eis_points > 0);
    assert!(
        (1200.0..1500.0).contains(&redone.repeated.time_s),
        "{:?}",
        redone.repeated
    );
    let (counted, repeated) = run_time(&split_steps);
    assert_eq!(counted, run_time(&whole_steps).0);
    assert_eq!(repeated, redone.repeated.time_s);
    assert!(!whole_table.contains("started 2 times"));
    assert!(
        split_table.contains("step 2 was started 2 times"),
        "{split_table}"
    );

    let expected = spectra(&whole.out_dir, 2);
    let actual = spectra(&split.out_dir, 2);
    assert_eq!(expected.len(), 13);
    for (a, e) in actual.iter().zip(&expected) {
        for (x, y) in a.iter().zip(e) {
            assert_eq!(x.0, y.0);
            let close = |p: f64, q: f64| (p - q).abs() <= 1e-9 * q.abs().max(1.0);
            assert!(close(x.1, y.1) && close(x.2, y.2), "{x:?} vs {y:?}");
        }
    }
    // Before the addition the arc is hundreds of kΩ·cm²; after it, a few kΩ·cm²: a fresh
    // model (no replay) would have shown the pre-addition film again.
    let last = actual.last().unwrap().last().unwrap();
    assert!(
        last.1 * plan.cells[0].normalising_area_cm2 < 20e3,
        "{last:?}"
    );
}

/// A kill can tear the journal's last line; resuming cuts the fragment off instead of leaving
/// it in the middle of the journal.
#[test]
fn resuming_after_a_torn_last_line_leaves_one_record_per_line() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("protocols/mg-operando-li2s8.mgp");
    let plan = mgp::check::check_path(&path).unwrap().plan;
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let new = NewRun {
        protocol_path: path.display().to_string(),
        protocol_text: String::new(),
        plan: plan.clone(),
        out_dir: dir.path().join("torn"),
        seed: Some(5),
        parameter_set: None,
    };
    let folder = session::create_folder(&new).unwrap();
    let stop = StopFlag::new();
    let mut observer = StopAt {
        at_s: plan.steps[1].start_s + 600.0,
        stop: stop.clone(),
    };
    runtime
        .block_on(session::start(
            &new,
            folder,
            &mut sim(),
            &stop,
            &mut observer,
        ))
        .unwrap();
    let journal = new.out_dir.join("journal.jsonl");
    let before = read_journal(&journal).unwrap().records.len();
    // What a SIGKILL in the middle of a write leaves.
    let mut text = std::fs::read(&journal).unwrap();
    text.extend_from_slice(br#"{"seq":99999,"t_s":12.5,"step":1,"event":"rea"#);
    std::fs::write(&journal, &text).unwrap();

    let resumed = runtime
        .block_on(session::resume(
            &new.out_dir,
            &mut sim(),
            &StopFlag::new(),
            &mut Silent,
        ))
        .unwrap();
    assert_eq!(resumed.outcome.status, RunStatus::Completed);
    let contents = read_journal(&journal).unwrap();
    assert!(contents.bad_lines.is_empty(), "{:?}", contents.bad_lines);
    assert!(!contents.torn_tail);
    assert!(contents.records.len() > before);
    let seqs: Vec<u64> = contents.records.iter().map(|r| r.seq).collect();
    assert!(seqs.iter().zip(0..).all(|(s, n)| *s == n), "seq gaps");
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(!text.contains(r#""seq":99999,"#));
}
