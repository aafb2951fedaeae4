//! Running a loaded script against a measurement source, writing what a device would write.
//!
//! Takes a [`Program`] and the script header and, statement by statement, keeps the device
//! state (variables, cell on/off, pgstat mode); each measurement loop becomes one request to
//! the source (any [`Instrument`]: the simulator, or a stand-in in tests) on the cell named in
//! the header. Every reading the source delivers is one loop iteration: the loop variables take
//! its values, the body runs (`pck_*` writes a package, `if … breakloop` ends the loop), and
//! the package leaves when the reading is due in emulated time (`--speed`). Checks a device
//! makes are made here too (EIS needs the cell on and high-speed mode, OCP the cell off), so a
//! wrong script fails on the emulator as it would on hardware.
//!
//! A variable measured by an OCP loop stays "relative to open circuit", so a DC level built as
//! `e_ocp + offset` reaches the source as a bias relative to open circuit, as the plan meant.

use super::EmulatorConfig;
use super::faults::FaultState;
use super::loop_sink::LoopSink;
use super::program::{LoopKind, MeasLoop, Program, Stmt, literal};
use super::wire::Wire;
use crate::instrument::methodscript::script::{Amplitude, Header};
use crate::instrument::{
    EisRequest, GalvanoRequest, Instrument, InstrumentError, PotentiostaticRequest, RestRequest,
    VoltammetryRequest,
};
use crate::plan::{
    Bias, Cell, EisSweep, Galvanostatic, HoldStop, Plan, Potentiostatic, Role, StopCondition,
    SweepShape, Voltammetry,
};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A variable's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val {
    Num(f64),
    /// The open-circuit potential `measured` plus `offset`.
    Ocp {
        offset: f64,
        measured: f64,
    },
}

impl Val {
    pub fn value(self) -> f64 {
        match self {
            Val::Num(v) => v,
            Val::Ocp { offset, measured } => measured + offset,
        }
    }
}

/// Why a script stopped before its end.
#[derive(Debug, Clone, PartialEq)]
pub enum Halt {
    /// `Z` from the host.
    Abort,
    /// The disconnect fault fired: nothing more may be written.
    Disconnect,
    /// A device error (`!code`), written as `!code: Line n`.
    Error {
        code: String,
        line: usize,
        note: Option<String>,
    },
}

/// How the emulated clock maps to the wall clock: emulated time `sim0` was at `wall0`.
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    wall0: Instant,
    sim0: f64,
    speed: f64,
}

impl Pacing {
    pub fn new(sim0: f64, speed: f64) -> Self {
        Pacing {
            wall0: Instant::now(),
            sim0,
            speed,
        }
    }

    /// True when the emulated clock follows the wall clock (a finite speed).
    pub fn paced(&self) -> bool {
        self.speed.is_finite() && self.speed > 0.0
    }

    /// The emulated time the wall clock says it is now.
    pub fn due_now(&self) -> f64 {
        self.sim0 + self.wall0.elapsed().as_secs_f64() * self.speed
    }

    /// Waits until emulated time `t_s` is due; true when an abort came first.
    pub fn wait(&self, wire: &Wire, t_s: f64) -> bool {
        if !(self.speed.is_finite() && self.speed > 0.0) {
            return wire.aborted();
        }
        let wait_s = ((t_s - self.sim0) / self.speed).clamp(0.0, 1e9);
        wire.wait_until(self.wall0 + Duration::from_secs_f64(wait_s))
    }
}

/// The device state while one script runs.
pub struct Machine<'a, I: Instrument> {
    pub plan: &'a Plan,
    pub source: &'a mut I,
    pub runtime: &'a tokio::runtime::Runtime,
    pub wire: &'a Wire,
    pub faults: &'a mut FaultState,
    pub config: &'a EmulatorConfig,
    pub header: Option<Header>,
    vars: HashMap<String, Val>,
    cell_on: bool,
    mode: Option<u8>,
    pacing: Pacing,
}

impl<'a, I: Instrument> Machine<'a, I> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        plan: &'a Plan,
        source: &'a mut I,
        runtime: &'a tokio::runtime::Runtime,
        wire: &'a Wire,
        faults: &'a mut FaultState,
        config: &'a EmulatorConfig,
        header: Option<Header>,
        pacing: Pacing,
    ) -> Self {
        Machine {
            plan,
            source,
            runtime,
            wire,
            faults,
            config,
            header,
            vars: HashMap::new(),
            cell_on: false,
            mode: None,
            pacing,
        }
    }

    /// Runs the main block, then `on_finished:` unless the port is gone. Returns the halt,
    /// if any (already written, except `Disconnect`).
    pub fn run(&mut self, program: &Program) -> std::io::Result<Option<Halt>> {
        let halt = self.block(&program.main)?;
        if let Some(Halt::Error { code, line, note }) = &halt {
            if let Some(note) = note {
                self.wire.line(format!("T{note}").as_bytes())?;
            }
            self.wire.line(format!("!{code}: Line {line}").as_bytes())?;
        }
        if halt != Some(Halt::Disconnect) {
            // on_finished: runs after a normal end, an abort and an error alike.
            for stmt in &program.on_finished {
                self.simple(stmt);
            }
        }
        Ok(halt)
    }

    fn block(&mut self, stmts: &[Stmt]) -> std::io::Result<Option<Halt>> {
        for stmt in stmts {
            if self.wire.aborted() {
                return Ok(Some(Halt::Abort));
            }
            let halt = match stmt {
                Stmt::Loop(meas) => self.meas_loop(meas)?,
                other => {
                    self.simple(other);
                    None
                }
            };
            if halt.is_some() {
                return Ok(halt);
            }
        }
        Ok(None)
    }

    /// Statements outside measurement loops.
    fn simple(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Var(name) => {
                self.vars.entry(name.clone()).or_insert(Val::Num(0.0));
            }
            Stmt::StoreVar { name, value } => {
                self.vars.insert(name.clone(), Val::Num(*value));
            }
            Stmt::AddVar { target, source } => {
                let a = self.get(target);
                let b = self.get(source);
                let sum = match (a, b) {
                    (Val::Num(x), Val::Num(y)) => Val::Num(x + y),
                    (Val::Ocp { offset, measured }, Val::Num(y))
                    | (Val::Num(y), Val::Ocp { offset, measured }) => Val::Ocp {
                        offset: offset + y,
                        measured,
                    },
                    (
                        Val::Ocp {
                            offset: o1,
                            measured,
                        },
                        Val::Ocp { offset: o2, .. },
                    ) => Val::Ocp {
                        offset: o1 + o2 + measured,
                        measured,
                    },
                };
                self.vars.insert(target.clone(), sum);
            }
            Stmt::Set { command, args } if command == "set_pgstat_mode" => {
                self.mode = args.first().and_then(|a| literal(a)).map(|m| m as u8);
            }
            Stmt::CellOn => self.cell_on = true,
            Stmt::CellOff => self.cell_on = false,
            _ => {}
        }
    }

    fn get(&self, name: &str) -> Val {
        self.vars
            .get(name)
            .copied()
            .or_else(|| literal(name).map(Val::Num))
            .unwrap_or(Val::Num(0.0))
    }

    fn num(&self, name: &str) -> f64 {
        self.get(name).value()
    }

    fn cell(&self, line: usize) -> Result<&'a Cell, Halt> {
        let plan = self.plan;
        let name = self.header.as_ref().and_then(|h| h.cell.clone());
        name.as_deref()
            .and_then(|n| plan.cell(n))
            .ok_or_else(|| Halt::Error {
                code: "4004".into(),
                line,
                note: Some(match name {
                    Some(n) => format!("emulator: no cell `{n}` in the protocol"),
                    None => "emulator: the script has no `# mgp … cell=NAME` header".into(),
                }),
            })
    }

    fn meas_loop(&mut self, meas: &MeasLoop) -> std::io::Result<Option<Halt>> {
        let error = |code: &str, note: &str| Halt::Error {
            code: code.into(),
            line: meas.line,
            note: Some(format!("emulator: {note}")),
        };
        let caps = self.config.device.capabilities();
        let cell = match self.cell(meas.line) {
            Ok(cell) => cell,
            Err(halt) => return Ok(Some(halt)),
        };
        let connection = self
            .header
            .as_ref()
            .and_then(|h| h.connection)
            .unwrap_or(cell.default_connection);
        let a = &meas.args;
        let request = match meas.kind {
            LoopKind::Ocp if self.cell_on => {
                return Ok(Some(error("0014", "OCP needs the cell off")));
            }
            LoopKind::Eis if !self.cell_on => {
                return Ok(Some(error("4027", "EIS needs the cell on")));
            }
            LoopKind::Eis if self.mode != Some(caps.eis_mode) => {
                return Ok(Some(error("0023", "EIS needs high-speed mode")));
            }
            LoopKind::Cp if !self.cell_on => {
                return Ok(Some(error(
                    "4027",
                    "a galvanostatic loop needs the cell on",
                )));
            }
            LoopKind::Cp if self.mode != caps.galvanostatic_mode => {
                return Ok(Some(error(
                    "4004",
                    "a galvanostatic loop needs galvanostatic mode",
                )));
            }
            LoopKind::Cv | LoopKind::Lsv | LoopKind::Ca if !self.cell_on => {
                return Ok(Some(error(
                    "4027",
                    "a potentiostatic loop needs the cell on",
                )));
            }
            LoopKind::Cv | LoopKind::Lsv | LoopKind::Ca
                if self.mode != Some(caps.potentiostatic_mode) =>
            {
                return Ok(Some(error(
                    "4004",
                    "a potentiostatic loop needs potentiostatic mode",
                )));
            }
            LoopKind::Cv | LoopKind::Lsv => {
                let (start, rate) = (
                    self.num(&a[2]),
                    self.num(&a[if meas.kind == LoopKind::Cv { 6 } else { 5 }]),
                );
                let step_v = self.num(&a[if meas.kind == LoopKind::Cv { 5 } else { 4 }]);
                let shape = if meas.kind == LoopKind::Cv {
                    SweepShape::Cyclic {
                        vertex1_v: self.num(&a[3]),
                        vertex2_v: self.num(&a[4]),
                        cycles: self.num(&a[7]).round().max(1.0) as usize,
                    }
                } else {
                    SweepShape::Linear {
                        end_v: self.num(&a[3]),
                    }
                };
                let points: Vec<f64> = match shape {
                    SweepShape::Linear { end_v } => vec![start, end_v],
                    SweepShape::Cyclic {
                        vertex1_v,
                        vertex2_v,
                        ..
                    } => vec![start, vertex1_v, vertex2_v, start],
                };
                let span_per_cycle_v: f64 = points.windows(2).map(|w| (w[1] - w[0]).abs()).sum();
                if !(rate > 0.0 && step_v > 0.0 && span_per_cycle_v > 0.0)
                    || points.iter().any(|v| v.abs() > caps.max_potential_v)
                {
                    return Ok(Some(error(
                        "000F",
                        "potential, step or scan rate out of range",
                    )));
                }
                let cycles = match shape {
                    SweepShape::Cyclic { cycles, .. } => cycles,
                    SweepShape::Linear { .. } => 1,
                };
                let sample_interval_s = step_v / rate;
                let duration_s = span_per_cycle_v * cycles as f64 / rate;
                Source::Voltammetry(Voltammetry {
                    shape,
                    start_v: start,
                    scan_rate_v_per_s: rate,
                    step_v,
                    sample_interval_s,
                    points: (duration_s / sample_interval_s).round().max(1.0) as usize,
                    connection,
                    area_cm2: cell.normalising_area_cm2,
                    span_per_cycle_v,
                })
            }
            LoopKind::Ca => {
                let potential_v = self.num(&a[2]);
                if potential_v.abs() > caps.max_potential_v {
                    return Ok(Some(error("000F", "potential out of range")));
                }
                let (interval, duration) = (self.num(&a[3]), self.num(&a[4]));
                Source::Potentiostatic(
                    Potentiostatic {
                        potential_v,
                        connection,
                        stop: HoldStop::Duration {
                            duration_s: duration,
                        },
                        sample_interval_s: interval,
                        area_cm2: cell.normalising_area_cm2,
                    },
                    duration,
                )
            }
            LoopKind::Ocp => {
                // The loop variable holds "the open-circuit potential" even when nothing is
                // sampled, so a DC level built from it stays relative to open circuit.
                self.vars.insert(
                    a[0].clone(),
                    Val::Ocp {
                        offset: 0.0,
                        measured: 0.0,
                    },
                );
                Source::Rest {
                    // A loop that sends nothing only keeps time (and may be on a cell whose
                    // potential cannot be measured, such as a soak vial).
                    interval_s: sends_packages(&meas.body).then(|| self.num(&a[1])),
                    duration_s: self.num(&a[2]),
                }
            }
            LoopKind::Eis => {
                let n = self.num(&a[6]).round().max(1.0) as usize;
                let (first, last) = (self.num(&a[4]), self.num(&a[5]));
                let frequencies_hz: Vec<f64> = (0..n)
                    .map(|k| {
                        if n == 1 {
                            first
                        } else {
                            first * (last / first).powf(k as f64 / (n - 1) as f64)
                        }
                    })
                    .collect();
                if frequencies_hz.iter().any(|f| !(f.is_finite() && *f > 0.0)) {
                    return Ok(Some(error("0011", "frequency out of range")));
                }
                let amplitude = match self.config.amplitude {
                    Amplitude::Rms => self.num(&a[3]),
                    Amplitude::Peak => self.num(&a[3]) / std::f64::consts::SQRT_2,
                };
                let bias = match self.get(&a[7]) {
                    Val::Ocp { offset, .. } if offset.abs() < 1e-12 => Bias::OpenCircuit,
                    Val::Ocp { offset, .. } => Bias::VsOpenCircuit {
                        potential_v: offset,
                    },
                    Val::Num(v) => Bias::Absolute { potential_v: v },
                };
                let decades = (first / last).log10().abs();
                Source::Eis(EisSweep {
                    duration_s: self.plan.eis_timing.sweep_duration_s(&frequencies_hz),
                    points_per_decade: if decades > 0.0 {
                        (n as f64 - 1.0) / decades
                    } else {
                        1.0
                    },
                    frequencies_hz,
                    amplitude_v_rms: amplitude,
                    bias,
                    connection,
                })
            }
            LoopKind::Cp => {
                let current = self.num(&a[2]);
                let (interval, duration) = (self.num(&a[3]), self.num(&a[4]));
                let area = cell.normalising_area_cm2;
                let (stripping, plating) = if current >= 0.0 {
                    (Role::Working, Role::Counter)
                } else {
                    (Role::Counter, Role::Working)
                };
                Source::Galvanostatic(
                    Galvanostatic {
                        current_a: current.abs(),
                        current_density_a_per_cm2: current.abs() / area,
                        area_cm2: area,
                        stripping,
                        plating,
                        connection,
                        stop: StopCondition::Duration {
                            duration_s: duration,
                        },
                        charge_c: current.abs() * duration,
                        areal_capacity_c_per_cm2: current.abs() * duration / area,
                        sample_interval_s: interval,
                        limits: vec![],
                    },
                    duration,
                )
            }
        };
        self.wire.line(b"M0000")?;
        let names: Vec<String> = a
            .iter()
            .take(match meas.kind {
                LoopKind::Ocp => 1,
                LoopKind::Eis => 3,
                LoopKind::Cp | LoopKind::Cv | LoopKind::Lsv | LoopKind::Ca => 2,
            })
            .cloned()
            .collect();
        let mut sink = LoopSink {
            wire: self.wire,
            faults: &mut *self.faults,
            vars: &mut self.vars,
            body: &meas.body,
            kind: meas.kind,
            names,
            pacing: self.pacing,
            ranges: &caps.current_ranges_a,
            amplitude: 0.0,
            halt: None,
            line: meas.line,
            write_error: None,
            loop_start_s: self.source.now_s(),
        };
        let source = &mut *self.source;
        let result = match &request {
            Source::Rest {
                interval_s,
                duration_s,
            } => self.runtime.block_on(source.rest(
                RestRequest {
                    cell,
                    duration_s: *duration_s,
                    sample_interval_s: *interval_s,
                },
                &mut sink,
            )),
            Source::Eis(sweep) => {
                sink.amplitude = sweep.amplitude_v_rms;
                self.runtime
                    .block_on(source.eis(EisRequest { cell, sweep }, &mut sink))
            }
            Source::Voltammetry(step) => self.runtime.block_on(source.voltammetry(
                VoltammetryRequest {
                    cell,
                    step,
                    temperature_c: None,
                    max_abs_current_a: None,
                },
                &mut sink,
            )),
            Source::Potentiostatic(step, duration_s) => {
                self.runtime.block_on(source.potentiostatic(
                    PotentiostaticRequest {
                        cell,
                        step,
                        duration_s: *duration_s,
                        temperature_c: None,
                        max_abs_current_a: None,
                    },
                    &mut sink,
                ))
            }
            Source::Galvanostatic(step, duration_s) => self.runtime.block_on(source.galvanostatic(
                GalvanoRequest {
                    cell,
                    step,
                    duration_s: *duration_s,
                    limits: vec![],
                },
                &mut sink,
            )),
        };
        if let Some(error) = sink.write_error.take() {
            return Err(error);
        }
        let halt = sink.halt.take();
        match (&halt, result) {
            (Some(Halt::Disconnect), _) => return Ok(halt),
            (Some(Halt::Error { .. }), _) => return Ok(halt),
            (None, Err(e)) if !matches!(e, InstrumentError::Interrupted) => {
                return Ok(Some(error("4004", &format!("the measurement failed: {e}"))));
            }
            _ => {}
        }
        // The loop takes its full time even when the last reading came earlier.
        let aborted = halt == Some(Halt::Abort) || self.pacing.wait(self.wire, self.source.now_s());
        self.wire.line(b"*")?;
        Ok(aborted.then_some(Halt::Abort))
    }
}

/// True when a loop body writes packages.
fn sends_packages(body: &[Stmt]) -> bool {
    body.iter().any(|stmt| match stmt {
        Stmt::PckEnd => true,
        Stmt::If { body, .. } => sends_packages(body),
        _ => false,
    })
}

/// One measurement loop's request to the source.
enum Source {
    Rest {
        interval_s: Option<f64>,
        duration_s: f64,
    },
    Eis(EisSweep),
    Galvanostatic(Galvanostatic, f64),
    Voltammetry(Voltammetry),
    Potentiostatic(Potentiostatic, f64),
}
