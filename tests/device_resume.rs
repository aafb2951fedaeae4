//! Resuming a run on an instrument that keeps real time (a device, not the replaying
//! simulator): the pause shows as a gap in `t_s`, measured from the wall time of the last
//! journal record (or, for an old journal, its modification time), and every reading's own
//! time agrees with its record's.

use mgp::instrument::methodscript::emulator::standin::StandIn;
use mgp::instrument::methodscript::fixture;
use mgp::run::interpreter::{Observer, Silent, StopFlag};
use mgp::run::journal::{Event, Record, RunStatus, read_journal};
use mgp::run::session::{self, NewRun};
use std::path::Path;
use std::time::{Duration, SystemTime};

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

const HOUR: f64 = 3600.0;

/// Runs the demo plan on the stand-in until 30 s into its first rest; returns the folder.
fn interrupted_run(dir: &Path, runtime: &tokio::runtime::Runtime) -> NewRun {
    let new = NewRun {
        protocol_path: "demo".into(),
        protocol_text: String::new(),
        plan: fixture::demo_plan(),
        out_dir: dir.join("run"),
        seed: None,
        parameter_set: None,
    };
    let folder = session::create_folder(&new).unwrap();
    let stop = StopFlag::new();
    let mut observer = StopAt {
        at_s: 30.0,
        stop: stop.clone(),
    };
    let first = runtime
        .block_on(session::start(
            &new,
            folder,
            &mut StandIn::new(),
            &stop,
            &mut observer,
        ))
        .unwrap();
    assert_eq!(first.outcome.status, RunStatus::Interrupted);
    new
}

/// Rewrites every record's wall time with `edit`.
fn edit_wall_times(journal: &Path, edit: impl Fn(&mut Record)) {
    let mut records = read_journal(journal).unwrap().records;
    assert!(
        records.iter().all(|r| r.utc.is_some()),
        "a device journal stamps every record"
    );
    let mut text = String::new();
    for record in &mut records {
        edit(record);
        text.push_str(&serde_json::to_string(record).unwrap());
        text.push('\n');
    }
    std::fs::write(journal, text).unwrap();
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Resumes `run` and checks the gap between the sessions against `pause_s`.
fn resume_and_check_gap(run: &NewRun, runtime: &tokio::runtime::Runtime, pause_s: f64) {
    let journal = run.out_dir.join("journal.jsonl");
    let before = read_journal(&journal).unwrap().records;
    let last_t_s = before.last().unwrap().t_s;
    let resumed = runtime
        .block_on(session::resume(
            &run.out_dir,
            &mut StandIn::new(),
            &StopFlag::new(),
            &mut Silent,
        ))
        .unwrap();
    assert_eq!(resumed.outcome.status, RunStatus::Completed);
    let records = read_journal(&journal).unwrap().records;
    let after = &records[before.len()..];
    let Event::RunResumed { previous_t_s, .. } = after[0].event else {
        panic!("no run_resumed: {:?}", after[0]);
    };
    assert_eq!(previous_t_s, last_t_s);
    // The pause was set up to be an hour; the test itself adds seconds at most.
    let gap = after[0].t_s - last_t_s;
    assert!(
        gap >= pause_s && gap < pause_s + 120.0,
        "gap {gap} s, expected {pause_s} s"
    );
    let first_step = after
        .iter()
        .find(|r| matches!(r.event, Event::StepStarted { .. }))
        .unwrap();
    assert!(first_step.t_s >= after[0].t_s);
    // Readings carry the run's time axis, as their records do.
    let mut readings = 0;
    for record in after {
        if let Event::Reading { reading } = &record.event {
            assert_eq!(reading.t_s(), record.t_s, "{record:?}");
            readings += 1;
        }
    }
    assert!(readings > 100);
    // The elapsed time counts the pause.
    assert!(resumed.outcome.elapsed_s > run.plan.total_duration_s + pause_s - 60.0);
}

#[test]
fn a_pause_between_sessions_shows_as_a_gap_in_t_s() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime();
    let run = interrupted_run(dir.path(), &runtime);
    // The interruption happened an hour ago.
    let an_hour_ago = chrono::Utc::now() - chrono::Duration::seconds(HOUR as i64);
    let stamp = an_hour_ago.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    edit_wall_times(&run.out_dir.join("journal.jsonl"), |r| {
        r.utc = Some(stamp.clone())
    });
    resume_and_check_gap(&run, &runtime, HOUR);
}

#[test]
fn an_old_journal_without_wall_times_uses_its_modification_time() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime();
    let run = interrupted_run(dir.path(), &runtime);
    let journal = run.out_dir.join("journal.jsonl");
    edit_wall_times(&journal, |r| r.utc = None);
    std::fs::File::options()
        .append(true)
        .open(&journal)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs_f64(HOUR))
        .unwrap();
    resume_and_check_gap(&run, &runtime, HOUR);
}
