//! A MethodSCRIPT device emulator on a pseudo-terminal, measuring with any [`Instrument`].
//!
//! Takes a checked plan (for its cells and EIS timing), a measurement source (the simulator;
//! a stand-in in unit tests) and an [`EmulatorConfig`]; serves the device protocol on a PTY:
//! `t`/`v`/`i` answered at once, scripts (`e` … empty line) loaded ([`program`]) and run
//! ([`machine`]) with their packages paced in emulated time, `Z` aborting, faults injected on
//! request ([`faults`]).
//!
//! The emulated world is the plan's: each script names its cell in its header, and when a
//! script belongs to a later step than the emulator has seen, the steps in between (additions,
//! operator steps, or a resumed run's earlier steps after an emulator restart) are applied to
//! the source first, unpaced and silently, so the cell has the history the protocol gave it.
//!
//! The firmware reply says `mgp-emulator speed=X`, from which the host driver takes its clock
//! scale, so a paced emulation runs on the plan's time axis.

pub mod faults;
mod loop_sink;
pub mod machine;
pub mod program;
pub mod pty;
pub mod standin;
pub mod wire;

use super::capabilities::DeviceType;
use super::script::{
    Amplitude, Header, RestSegment, limits_in_force, rest_segments, tightest_limit,
};
use crate::instrument::{
    EisRequest, Flow, GalvanoRequest, Instrument, InstrumentError, PotentiostaticRequest, Reading,
    RestRequest, Sink, VoltammetryRequest,
};
use crate::plan::{Action, Plan};
use faults::{FaultState, Faults};
use machine::{Halt, Machine, Pacing};
use std::sync::Arc;

/// How the emulator behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct EmulatorConfig {
    /// The device it claims to be (capabilities, modes, `t` reply).
    pub device: DeviceType,
    /// Emulated seconds per wall-clock second; infinite: as fast as possible.
    pub speed: f64,
    pub seed: u64,
    pub faults: Faults,
    /// How it reads the amplitude argument of `meas_loop_eis` (must match the host's).
    pub amplitude: Amplitude,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            device: DeviceType::Nexus,
            speed: 1.0,
            seed: 0,
            faults: Faults::default(),
            amplitude: Amplitude::Rms,
        }
    }
}

impl EmulatorConfig {
    /// The replies to `t`, `v` and `i`.
    pub fn identity(&self) -> wire::Identity {
        wire::Identity {
            firmware: vec![
                format!(
                    "t{}1.0#mgp-emulator speed={}",
                    self.device.code(),
                    self.speed
                ),
                format!("mgp {}*", env!("CARGO_PKG_VERSION")),
            ],
            version: "1.6".into(),
            serial: format!("MGP-EMU-{}", self.seed),
        }
    }
}

/// Why serving stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmulatorEnd {
    /// The disconnect fault fired: the port must close now.
    Disconnected,
    /// The port stopped delivering input.
    InputClosed,
}

/// The emulator failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum EmulatorError {
    #[error("the measurement source failed to prepare the plan: {0}")]
    #[diagnostic(code(mgp::emulate::source))]
    Source(InstrumentError),
    #[error("emulator I/O failed: {0}")]
    #[diagnostic(code(mgp::emulate::io))]
    Io(#[from] std::io::Error),
}

/// Serves the device protocol on `pty` until the input closes or a disconnect fault fires
/// (then the port must be closed: drop everything). The source is driven from the calling
/// thread (it need not be `Send`).
pub fn serve<I: Instrument>(
    pty: &pty::Pty,
    plan: &Plan,
    source: &mut I,
    config: &EmulatorConfig,
) -> Result<EmulatorEnd, EmulatorError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime
        .block_on(source.prepare(plan))
        .map_err(EmulatorError::Source)?;
    let input = pty.master.try_clone()?;
    let wire = Arc::new(wire::Wire::new(pty.master.try_clone()?));
    let (tx, rx) = std::sync::mpsc::channel::<Vec<String>>();
    {
        let wire = Arc::clone(&wire);
        let identity = config.identity();
        let faults = config.faults.clone();
        std::thread::spawn(move || wire::reader(input, &wire, &identity, &faults, tx));
    }
    let mut faults = FaultState::new(config.faults.clone(), config.seed);
    let mut next_step = 0usize;
    // The emulated clock, started by the first script: cells age between scripts too.
    let mut world: Option<Pacing> = None;
    for lines in rx {
        let header = lines.first().and_then(|l| Header::parse(l));
        let reply_delay = || {
            if !config.faults.reply_delay.is_zero() {
                wire.wait_until(std::time::Instant::now() + config.faults.reply_delay);
            }
        };
        let program = match program::load(&lines) {
            Ok(program) => program,
            Err(error) => {
                reply_delay();
                wire.line(format!("e!{}: Line {}, Col 1", error.code, error.line).as_bytes())?;
                continue;
            }
        };
        wire.start_script();
        reply_delay();
        wire.line(b"e")?;
        if let Some(step) = header.as_ref().and_then(|h| h.step) {
            if step > next_step {
                catch_up(plan, source, &runtime, next_step..step);
                // Skipped steps took no wall time: the emulated clock restarts from here.
                world = None;
            }
            next_step = next_step.max(step + 1);
        }
        let pacing = *world.get_or_insert_with(|| Pacing::new(source.now_s(), config.speed));
        age(plan, source, &runtime, &pacing, header.as_ref());
        let mut machine = Machine::new(
            plan,
            source,
            &runtime,
            &wire,
            &mut faults,
            config,
            header,
            pacing,
        );
        if machine.run(&program)? == Some(Halt::Disconnect) {
            pty::wait_until_read(&pty.slave, std::time::Duration::from_secs(2));
            return Ok(EmulatorEnd::Disconnected);
        }
        wire.end_script()?;
    }
    Ok(EmulatorEnd::InputClosed)
}

/// Lets the cells age through the wall-clock time since the last script (the host's own work,
/// an operator's pause): a physical cell does not stop while the host is busy. Unpaced
/// emulation has no such time.
fn age<I: Instrument>(
    plan: &Plan,
    source: &mut I,
    runtime: &tokio::runtime::Runtime,
    pacing: &Pacing,
    header: Option<&Header>,
) {
    if !pacing.paced() {
        return;
    }
    let idle = pacing.due_now() - source.now_s();
    let cell = header
        .and_then(|h| h.cell.as_deref())
        .and_then(|name| plan.cell(name))
        .or_else(|| plan.cells.first());
    if let (Some(cell), true) = (cell, idle > 1e-6) {
        let request = RestRequest {
            cell,
            duration_s: idle,
            sample_interval_s: None,
        };
        let _ = runtime.block_on(source.rest(request, &mut Quiet { limit_v: None }));
    }
}

/// Takes readings without sending them; ends a hold at its limits as the interpreter would.
struct Quiet {
    limit_v: Option<f64>,
}

impl Sink for Quiet {
    fn reading(&mut self, reading: Reading) -> Result<Flow, InstrumentError> {
        Ok(match (reading, self.limit_v) {
            (Reading::Galvano { potential_v, .. }, Some(limit)) if potential_v.abs() >= limit => {
                Flow::StopStep
            }
            _ => Flow::Continue,
        })
    }

    fn interrupted(&self) -> bool {
        false
    }
}

/// Applies plan steps `range` to the source silently (see the module doc). Failures are
/// ignored: catching up is best effort, the next script measures whatever state results.
fn catch_up<I: Instrument>(
    plan: &Plan,
    source: &mut I,
    runtime: &tokio::runtime::Runtime,
    range: std::ops::Range<usize>,
) {
    for step in plan.steps.get(range).unwrap_or(&[]) {
        let Some(cell) = plan.cell(&step.cell) else {
            continue;
        };
        let mut quiet = Quiet { limit_v: None };
        let _ = match &step.action {
            Action::Rest(rest) => {
                for segment in rest_segments(step.duration_s, rest) {
                    let _ = match (segment, &rest.eis) {
                        (RestSegment::OpenCircuit { duration_s }, _) => runtime
                            .block_on(source.rest(
                                RestRequest {
                                    cell,
                                    duration_s,
                                    sample_interval_s: None,
                                },
                                &mut quiet,
                            ))
                            .map(|_| ()),
                        (RestSegment::Sweep, Some(repeat)) => runtime
                            .block_on(source.eis(
                                EisRequest {
                                    cell,
                                    sweep: &repeat.sweep,
                                },
                                &mut quiet,
                            ))
                            .map(|_| ()),
                        (RestSegment::Sweep, None) => Ok(()),
                    };
                }
                Ok(())
            }
            Action::Eis(sweep) => runtime
                .block_on(source.eis(EisRequest { cell, sweep }, &mut quiet))
                .map(|_| ()),
            Action::Galvanostatic(g) => {
                let limits = limits_in_force(plan, g);
                quiet.limit_v = tightest_limit(g, &limits);
                runtime
                    .block_on(source.galvanostatic(
                        GalvanoRequest {
                            cell,
                            step: g,
                            duration_s: step.duration_s,
                            limits,
                        },
                        &mut quiet,
                    ))
                    .map(|_| ())
            }
            Action::Addition(addition) => {
                runtime.block_on(source.addition(cell, addition, &mut quiet))
            }
            Action::Prompt { message } => runtime
                .block_on(source.prompt(message, &mut quiet))
                .map(|_| ()),
            Action::Temperature(t) => runtime
                .block_on(source.set_temperature(cell, t.temperature_c, &mut quiet))
                .map(|_| ()),
            Action::Voltammetry(v) => runtime
                .block_on(source.voltammetry(
                    VoltammetryRequest {
                        cell,
                        step: v,
                        temperature_c: step.temperature_c,
                        max_abs_current_a: plan.limits.max_abs_current_a,
                    },
                    &mut quiet,
                ))
                .map(|_| ()),
            Action::Potentiostatic(p) => runtime
                .block_on(source.potentiostatic(
                    PotentiostaticRequest {
                        cell,
                        step: p,
                        duration_s: step.duration_s,
                        temperature_c: step.temperature_c,
                        max_abs_current_a: plan.limits.max_abs_current_a,
                    },
                    &mut quiet,
                ))
                .map(|_| ()),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::methodscript::fixture;
    use crate::instrument::methodscript::script::{ScriptOptions, Target, rest_script};
    use crate::instrument::{HoldEnd, InstrumentInfo};
    use crate::plan::{Addition, Cell};
    use std::io::{BufRead, BufReader, Write};
    use std::sync::Mutex;

    /// The stand-in, recording which requests reach it.
    struct Recording {
        inner: standin::StandIn,
        log: Arc<Mutex<Vec<String>>>,
    }

    impl Recording {
        fn note(&self, what: String) {
            self.log.lock().unwrap().push(what);
        }
    }

    impl Instrument for Recording {
        fn info(&self) -> InstrumentInfo {
            self.inner.info()
        }
        fn now_s(&self) -> f64 {
            self.inner.now_s()
        }
        async fn prepare(&mut self, plan: &Plan) -> Result<(), InstrumentError> {
            self.inner.prepare(plan).await
        }
        async fn rest(
            &mut self,
            r: RestRequest<'_>,
            sink: &mut dyn Sink,
        ) -> Result<HoldEnd, InstrumentError> {
            self.note(format!("rest {}", r.duration_s));
            self.inner.rest(r, sink).await
        }
        async fn eis(
            &mut self,
            r: EisRequest<'_>,
            sink: &mut dyn Sink,
        ) -> Result<HoldEnd, InstrumentError> {
            self.note("eis".into());
            self.inner.eis(r, sink).await
        }
        async fn galvanostatic(
            &mut self,
            r: GalvanoRequest<'_>,
            sink: &mut dyn Sink,
        ) -> Result<HoldEnd, InstrumentError> {
            self.note(format!("galvanostatic {}", r.duration_s));
            self.inner.galvanostatic(r, sink).await
        }
        async fn voltammetry(
            &mut self,
            r: crate::instrument::VoltammetryRequest<'_>,
            sink: &mut dyn Sink,
        ) -> Result<HoldEnd, InstrumentError> {
            self.note(format!("voltammetry {}", r.step.shape.kind()));
            self.inner.voltammetry(r, sink).await
        }
        async fn potentiostatic(
            &mut self,
            r: crate::instrument::PotentiostaticRequest<'_>,
            sink: &mut dyn Sink,
        ) -> Result<HoldEnd, InstrumentError> {
            self.note(format!("potentiostatic {}", r.duration_s));
            self.inner.potentiostatic(r, sink).await
        }
        async fn addition(
            &mut self,
            c: &Cell,
            a: &Addition,
            sink: &mut dyn Sink,
        ) -> Result<(), InstrumentError> {
            self.note("addition".into());
            self.inner.addition(c, a, sink).await
        }
        async fn prompt(
            &mut self,
            m: &str,
            sink: &mut dyn Sink,
        ) -> Result<Option<String>, InstrumentError> {
            self.note(format!("prompt {m}"));
            self.inner.prompt(m, sink).await
        }
        async fn abort(&mut self) -> Result<(), InstrumentError> {
            Ok(())
        }
    }

    #[test]
    fn a_later_step_first_applies_the_steps_in_between() {
        let plan = fixture::demo_plan();
        let pty = pty::open_pty().unwrap();
        let path = pty.path.clone();
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut source = Recording {
            inner: standin::StandIn::new(),
            log: Arc::clone(&log),
        };
        let config = EmulatorConfig {
            speed: f64::INFINITY,
            ..EmulatorConfig::default()
        };
        let served = plan.clone();
        // Serves until the test process ends.
        std::thread::spawn(move || serve(&pty, &served, &mut source, &config));

        let options = ScriptOptions::default();
        let target = Target {
            options: &options,
            step: Some(4),
            cell: plan.cell("sym").unwrap(),
            channel: 0,
            eis_timing: &plan.eis_timing,
        };
        let script = rest_script(target, 5.0, Some(1.0)).unwrap();
        let mut port = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        port.write_all(script.wire().as_bytes()).unwrap();
        let mut lines = BufReader::new(port.try_clone().unwrap()).lines();
        let mut packages = 0;
        for line in lines.by_ref() {
            let line = line.unwrap();
            packages += usize::from(line.starts_with('P'));
            if line.is_empty() {
                break;
            }
        }
        assert_eq!(packages, 5);
        let log = log.lock().unwrap().clone();
        assert_eq!(
            log,
            vec![
                "rest 60".to_string(),
                "eis".into(),
                "galvanostatic 120".into(),
                "prompt wash the electrode with DOL".into(),
                "rest 5".into(),
            ]
        );
    }
}
