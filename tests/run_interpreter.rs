//! The interpreter against a scripted fake instrument: scheduling, limits, interruption,
//! journalling and resume, independent of the simulator's physics.

use mgp::instrument::*;
use mgp::plan::*;
use mgp::run::interpreter::{Silent, StopFlag};
use mgp::run::journal::{Event, RunStatus, StepStatus, read_journal};
use mgp::run::session::{self, NewRun};
use mgp::source::Span;

/// A fake potentiostat: a 100 Ω resistor at rest; under current its potential climbs 1 mV/s.
struct Fake {
    t: f64,
    /// Raise the stop flag after this many readings.
    interrupt_after: Option<(usize, StopFlag)>,
    readings: usize,
    /// Fail with a disconnect after this many readings.
    disconnect_after: Option<usize>,
}

impl Fake {
    fn new() -> Self {
        Fake {
            t: 0.0,
            interrupt_after: None,
            readings: 0,
            disconnect_after: None,
        }
    }
    fn deliver(&mut self, sink: &mut dyn Sink, reading: Reading) -> Result<Flow, InstrumentError> {
        self.readings += 1;
        if let Some((n, flag)) = &self.interrupt_after
            && self.readings >= *n
        {
            flag.raise();
        }
        if self.disconnect_after.is_some_and(|n| self.readings > n) {
            return Err(InstrumentError::Disconnected("cable pulled".into()));
        }
        sink.reading(reading)
    }
}

impl Instrument for Fake {
    fn info(&self) -> InstrumentInfo {
        InstrumentInfo {
            kind: "fake".into(),
            description: "test".into(),
            parameters: serde_json::Value::Null,
        }
    }
    fn now_s(&self) -> f64 {
        self.t
    }
    async fn prepare(&mut self, _plan: &Plan) -> Result<(), InstrumentError> {
        Ok(())
    }
    async fn rest(
        &mut self,
        r: RestRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        let end = self.t + r.duration_s;
        let dt = r.sample_interval_s.unwrap_or(r.duration_s);
        while self.t < end - 1e-9 {
            self.t = (self.t + dt).min(end);
            if r.sample_interval_s.is_some() {
                self.deliver(
                    sink,
                    Reading::Ocv {
                        t_s: self.t,
                        potential_v: 0.001,
                    },
                )?;
            }
        }
        Ok(HoldEnd::Completed)
    }
    async fn eis(
        &mut self,
        r: EisRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        for &f in &r.sweep.frequencies_hz {
            self.t += EisTiming::default().point_duration_s(f);
            let reading = Reading::EisPoint {
                t_s: self.t,
                frequency_hz: f,
                z_real_ohm: 100.0,
                z_imag_ohm: 0.0,
            };
            if self.deliver(sink, reading)? == Flow::StopStep {
                return Ok(HoldEnd::Stopped);
            }
        }
        Ok(HoldEnd::Completed)
    }
    async fn galvanostatic(
        &mut self,
        r: GalvanoRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        let start = self.t;
        while self.t < start + r.duration_s - 1e-9 {
            self.t += r.step.sample_interval_s;
            let v = 0.001 * (self.t - start);
            let reading = Reading::Galvano {
                t_s: self.t,
                potential_v: v,
                current_a: r.step.current_a,
            };
            if self.deliver(sink, reading)? == Flow::StopStep {
                return Ok(HoldEnd::Stopped);
            }
        }
        Ok(HoldEnd::Completed)
    }
    async fn voltammetry(
        &mut self,
        r: VoltammetryRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        // A 100 Ω resistor swept: I = E / 100 Ω.
        let start = self.t;
        for k in 1..=r.step.points {
            let t = k as f64 * r.step.sample_interval_s;
            self.t = start + t;
            let (potential_v, scan) = r.step.potential_at(t);
            let reading = Reading::Potentiostatic {
                t_s: self.t,
                potential_v,
                current_a: potential_v / 100.0,
                scan: Some(scan),
            };
            if self.deliver(sink, reading)? == Flow::StopStep {
                return Ok(HoldEnd::Stopped);
            }
        }
        Ok(HoldEnd::Completed)
    }
    async fn potentiostatic(
        &mut self,
        r: PotentiostaticRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        // A current decaying from 1 mA with a time constant of 100 s.
        let start = self.t;
        let end = start + r.duration_s;
        while self.t < end - 1e-9 {
            self.t = (self.t + r.step.sample_interval_s).min(end);
            let reading = Reading::Potentiostatic {
                t_s: self.t,
                potential_v: r.step.potential_v,
                current_a: 1e-3 * (-(self.t - start) / 100.0).exp(),
                scan: None,
            };
            if self.deliver(sink, reading)? == Flow::StopStep {
                return Ok(HoldEnd::Stopped);
            }
        }
        Ok(HoldEnd::Completed)
    }
    async fn addition(
        &mut self,
        _c: &Cell,
        _a: &Addition,
        _s: &mut dyn Sink,
    ) -> Result<(), InstrumentError> {
        Ok(())
    }
    async fn prompt(
        &mut self,
        _m: &str,
        _s: &mut dyn Sink,
    ) -> Result<Option<String>, InstrumentError> {
        Ok(Some("done".into()))
    }
    async fn abort(&mut self) -> Result<(), InstrumentError> {
        Ok(())
    }
}

fn electrode() -> CellElectrode {
    CellElectrode {
        electrode: "mg".into(),
        material: Material::Mg,
        nominal_area_cm2: 1.0,
        wetted_area_cm2: 1.0,
        pretreatments: vec![],
    }
}

fn cell() -> Cell {
    Cell {
        name: "c".into(),
        kind: CellKind::Symmetric,
        casing: Some(Casing::Swagelok),
        working: electrode(),
        counter: Some(electrode()),
        reference: None,
        electrolyte: "e".into(),
        composition: vec![],
        solvents: vec![],
        volume_ml: 0.08,
        reference_volume_ml: None,
        electrolyte_ul_per_cm2: 40.0,
        separator: None,
        spacers: vec![],
        stack_pressure_pa: None,
        electrode_gap_m: None,
        reference_tip_m: None,
        default_connection: Connection::TwoElectrode,
        normalising_area_cm2: 1.0,
        coin: None,
        temperature_c: None,
        span: Span::default(),
    }
}

fn step(index: usize, start_s: f64, duration_s: f64, action: Action) -> Step {
    Step {
        index,
        cell: "c".into(),
        start_s,
        duration_s,
        label: None,
        cycles: vec![],
        temperature_c: None,
        span: Span::default(),
        action,
    }
}

fn sweep() -> EisSweep {
    let frequencies_hz = log_frequencies(1e3, 1.0, 2.0);
    let duration_s = EisTiming::default().sweep_duration_s(&frequencies_hz);
    EisSweep {
        frequencies_hz,
        amplitude_v_rms: 0.005,
        bias: Bias::OpenCircuit,
        connection: Connection::TwoElectrode,
        points_per_decade: 2.0,
        duration_s,
    }
}

fn galvano(limit: Option<PotentialLimit>) -> Action {
    Action::Galvanostatic(Galvanostatic {
        current_a: 1e-3,
        current_density_a_per_cm2: 1e-3,
        area_cm2: 1.0,
        stripping: Role::Working,
        plating: Role::Counter,
        connection: Connection::TwoElectrode,
        stop: StopCondition::Duration { duration_s: 100.0 },
        charge_c: 0.1,
        areal_capacity_c_per_cm2: 0.1,
        sample_interval_s: 10.0,
        limits: limit.into_iter().collect(),
    })
}

fn plan(steps: Vec<Step>) -> Plan {
    let total_duration_s = steps.iter().map(|s| s.duration_s).sum();
    Plan {
        meta: Meta::default(),
        solutions: vec![],
        electrodes: vec![],
        separators: vec![],
        cells: vec![cell()],
        steps,
        analysis: Analysis::default(),
        limits: SafetyLimits::default(),
        eis_timing: EisTiming::default(),
        total_duration_s,
    }
}

fn rest_with_eis() -> Action {
    let sweep = sweep();
    Action::Rest(Rest {
        sample_interval_s: Some(60.0),
        eis: Some(EisRepeat {
            every_s: 600.0,
            sweep,
            sweep_offsets_s: vec![0.0, 600.0, 1200.0],
        }),
    })
}

fn run(plan: Plan, fake: &mut Fake, stop: &StopFlag) -> (tempfile::TempDir, session::Finished) {
    let dir = tempfile::tempdir().unwrap();
    let new = NewRun {
        protocol_path: "test.mgp".into(),
        protocol_text: "# test".into(),
        plan,
        out_dir: dir.path().join("run"),
        seed: Some(1),
        parameter_set: None,
    };
    let folder = session::create_folder(&new).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let finished = runtime
        .block_on(session::start(&new, folder, fake, stop, &mut Silent))
        .unwrap();
    (dir, finished)
}

#[test]
fn sweeps_are_scheduled_inside_a_rest_on_the_instrument_clock() {
    let p = plan(vec![step(0, 0.0, 1800.0, rest_with_eis())]);
    let mut fake = Fake::new();
    let (_dir, finished) = run(p, &mut fake, &StopFlag::new());
    assert_eq!(finished.outcome.status, RunStatus::Completed);
    let records = read_journal(&finished.folder.journal()).unwrap().records;
    let sweep_starts: Vec<f64> = records
        .iter()
        .filter(|r| matches!(r.event, Event::SweepStarted { .. }))
        .map(|r| r.t_s)
        .collect();
    assert_eq!(sweep_starts.len(), 3);
    for (start, expected) in sweep_starts.iter().zip([0.0, 600.0, 1200.0]) {
        assert!((start - expected).abs() < 1e-6, "{start} vs {expected}");
    }
    assert!((fake.t - 1800.0).abs() < 1e-6);
    assert!(finished.folder.dir.join("eis/0-2.csv").exists());
    assert!(finished.folder.dir.join("traces/0.csv").exists());
}

#[test]
fn a_limit_that_ends_the_step_lets_the_run_continue() {
    let limit = PotentialLimit {
        max_abs_v: 0.05,
        on_limit: OnLimit::EndStep,
    };
    let p = plan(vec![
        step(0, 0.0, 100.0, galvano(Some(limit))),
        step(1, 100.0, 100.0, galvano(None)),
    ]);
    let (_dir, finished) = run(p, &mut Fake::new(), &StopFlag::new());
    assert_eq!(finished.outcome.status, RunStatus::Completed);
    let records = read_journal(&finished.folder.journal()).unwrap().records;
    let ends: Vec<StepStatus> = records
        .iter()
        .filter_map(|r| match r.event {
            Event::StepEnded { status } => Some(status),
            _ => None,
        })
        .collect();
    assert_eq!(ends, vec![StepStatus::Limited, StepStatus::Completed]);
    assert!(records.iter().any(
        |r| matches!(r.event, Event::LimitReached { potential_v, .. } if potential_v >= 0.05)
    ));
}

#[test]
fn a_limit_that_aborts_fails_the_run_and_says_where() {
    let limit = PotentialLimit {
        max_abs_v: 0.05,
        on_limit: OnLimit::Abort,
    };
    let p = plan(vec![
        step(0, 0.0, 100.0, galvano(Some(limit))),
        step(1, 100.0, 100.0, galvano(None)),
    ]);
    let (_dir, finished) = run(p, &mut Fake::new(), &StopFlag::new());
    assert_eq!(finished.outcome.status, RunStatus::Failed);
    assert_eq!(finished.manifest.stopped_at_step, Some(0));
    assert!(finished.manifest.reason.unwrap().contains("limit"));
}

#[test]
fn interruption_keeps_every_record_and_resume_continues_in_the_same_folder() {
    let stop = StopFlag::new();
    let mut fake = Fake::new();
    fake.interrupt_after = Some((20, stop.clone()));
    let p = plan(vec![
        step(0, 0.0, 1800.0, rest_with_eis()),
        step(1, 1800.0, 100.0, galvano(None)),
    ]);
    let (_dir, finished) = run(p, &mut fake, &stop);
    assert_eq!(finished.outcome.status, RunStatus::Interrupted);
    let manifest = finished.folder.read_manifest().unwrap();
    assert_eq!(manifest.status, RunStatus::Interrupted);
    let records = read_journal(&finished.folder.journal()).unwrap().records;
    let readings = records
        .iter()
        .filter(|r| matches!(r.event, Event::Reading { .. }))
        .count();
    assert_eq!(
        readings, 20,
        "the reading that raised the flag is journalled too"
    );

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut fresh = Fake::new();
    let resumed = runtime
        .block_on(session::resume(
            &finished.folder.dir,
            &mut fresh,
            &StopFlag::new(),
            &mut Silent,
        ))
        .unwrap();
    assert_eq!(resumed.outcome.status, RunStatus::Completed);
    assert_eq!(resumed.manifest.resumes, 1);
    let records = read_journal(&finished.folder.journal()).unwrap().records;
    let seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "sequence continues without duplicates"
    );
    let resumed_at = records
        .iter()
        .position(|r| matches!(r.event, Event::RunResumed { from_step: 0, .. }))
        .unwrap();
    assert!(records[resumed_at + 1].t_s >= records[resumed_at - 1].t_s);
    // The partial first attempt of step 0 stays in the journal; the derived data is the
    // complete second attempt's: three sweeps, not three plus the interrupted one.
    let (sweeps, _) = mgp::run::folder::collect_data(&records);
    let step0: Vec<usize> = sweeps
        .iter()
        .filter(|s| s.step == 0)
        .map(|s| s.sweep)
        .collect();
    assert_eq!(step0, vec![0, 1, 2]);
}

#[test]
fn a_disconnect_fails_the_run_with_the_readings_before_it_on_disk() {
    let mut fake = Fake::new();
    fake.disconnect_after = Some(7);
    let p = plan(vec![step(0, 0.0, 1800.0, rest_with_eis())]);
    let (_dir, finished) = run(p, &mut fake, &StopFlag::new());
    assert_eq!(finished.outcome.status, RunStatus::Failed);
    assert!(
        finished
            .manifest
            .reason
            .as_deref()
            .unwrap()
            .contains("disconnected")
    );
    let records = read_journal(&finished.folder.journal()).unwrap().records;
    assert_eq!(
        records
            .iter()
            .filter(|r| matches!(r.event, Event::Reading { .. }))
            .count(),
        7
    );
}

#[test]
fn an_unwritable_out_dir_fails_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "x").unwrap();
    let new = NewRun {
        protocol_path: "t.mgp".into(),
        protocol_text: String::new(),
        plan: plan(vec![]),
        out_dir: blocker.join("run"),
        seed: None,
        parameter_set: None,
    };
    let error = session::create_folder(&new).unwrap_err();
    assert!(error.to_string().contains("cannot use"), "{error}");
}
