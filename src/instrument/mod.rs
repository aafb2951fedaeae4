//! The boundary to hardware: the [`Instrument`] trait and what crosses it.
//!
//! The interpreter (`run`) drives an instrument step by step and receives every reading
//! through a [`Sink`] the moment it exists, so the journal can write it before anything else
//! happens. The simulator (`sim`) and the MethodSCRIPT serial driver (`methodscript`) are the
//! two implementations; nothing in the interpreter knows which one it drives. Readings are in
//! absolute units as an instrument reports them (V, A, Ω); areal values are the report's job.
//!
//! Time is the instrument's: [`Instrument::now_s`] is seconds since the run started on the
//! instrument's own clock (virtual for the simulator, the wall clock for a real device).

pub mod methodscript;
pub mod sim;

use crate::plan::{
    Addition, Cell, EisSweep, Galvanostatic, Plan, PotentialLimit, Potentiostatic, Voltammetry,
};
use serde::{Deserialize, Serialize};

/// One reading or instrument-side event, in absolute units, stamped with the instrument clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Reading {
    /// Open-circuit potential of the measured connection.
    Ocv { t_s: f64, potential_v: f64 },
    /// One impedance point. `z_imag_ohm` is the signed imaginary part (negative for a
    /// capacitive arc).
    EisPoint {
        t_s: f64,
        frequency_hz: f64,
        z_real_ohm: f64,
        z_imag_ohm: f64,
    },
    /// A galvanostatic sample: measured potential and applied current (signed: positive
    /// when the working electrode strips).
    Galvano {
        t_s: f64,
        potential_v: f64,
        current_a: f64,
    },
    /// A sample under potential control (voltammetry, potentiostatic hold): the applied
    /// potential and the measured current (signed: positive when the working electrode is
    /// oxidised). `scan` is the 1-based scan of a cyclic voltammogram, `None` for a hold.
    Potentiostatic {
        t_s: f64,
        potential_v: f64,
        current_a: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scan: Option<usize>,
    },
    /// Something the instrument flagged (overload, underload, range change…).
    Warning { t_s: f64, message: String },
    /// A line from the device that could not be parsed: kept, never dropped.
    Raw { t_s: f64, line: String },
}

impl Reading {
    pub fn t_s(&self) -> f64 {
        match self {
            Reading::Ocv { t_s, .. }
            | Reading::EisPoint { t_s, .. }
            | Reading::Galvano { t_s, .. }
            | Reading::Potentiostatic { t_s, .. }
            | Reading::Warning { t_s, .. }
            | Reading::Raw { t_s, .. } => *t_s,
        }
    }

    /// The same reading `by_s` later (onto a resumed run's time axis).
    pub fn shifted(mut self, by_s: f64) -> Reading {
        match &mut self {
            Reading::Ocv { t_s, .. }
            | Reading::EisPoint { t_s, .. }
            | Reading::Galvano { t_s, .. }
            | Reading::Potentiostatic { t_s, .. }
            | Reading::Warning { t_s, .. }
            | Reading::Raw { t_s, .. } => *t_s += by_s,
        }
        self
    }
}

/// What the receiver of a reading wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// End the current step now (a limit was reached on the host side).
    StopStep,
}

/// Where an instrument delivers readings. Returning `Err(InstrumentError::Interrupted)` asks
/// the instrument to stop at once (Ctrl-C); the instrument must propagate it.
pub trait Sink {
    fn reading(&mut self, reading: Reading) -> Result<Flow, InstrumentError>;

    /// True once the run has been asked to stop; long waits should poll it.
    fn interrupted(&self) -> bool;

    /// An operator is asked `message` by the instrument (an addition, a reconnection). The
    /// run journal writes a `prompt` event, as for a prompt step; by default a warning.
    fn prompt(&mut self, t_s: f64, message: &str) -> Result<(), InstrumentError> {
        let message = format!("operator asked: {message}");
        self.reading(Reading::Warning { t_s, message }).map(|_| ())
    }

    /// The operator's answer to the last [`Sink::prompt`] (`None`: done, without words): an
    /// `answer` event in the run journal; by default a warning.
    fn answer(&mut self, t_s: f64, answer: Option<&str>) -> Result<(), InstrumentError> {
        let message = format!("operator answered: {}", answer.unwrap_or("done"));
        self.reading(Reading::Warning { t_s, message }).map(|_| ())
    }
}

/// Start of a warning by which a model says that part of what it was asked to do lies outside
/// it (a solute it does not know, a bias it does not apply, a stand-in parameter set). Such
/// warnings are collected into the run summary, the manifest, `analysis.json` and the report
/// ([`crate::run::model_limits`]).
pub const NOT_MODELLED: &str = "not modelled: ";

/// Describes the instrument for the run manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstrumentInfo {
    /// `sim` or `methodscript`.
    pub kind: String,
    /// Device model / firmware, or the simulator's parameter-set names.
    pub description: String,
    /// Free-form parameters (seed, noise, parameter values, port…).
    pub parameters: serde_json::Value,
}

/// An open-circuit rest on one cell.
#[derive(Debug, Clone, Copy)]
pub struct RestRequest<'a> {
    pub cell: &'a Cell,
    pub duration_s: f64,
    /// `None`: rest without recording the potential.
    pub sample_interval_s: Option<f64>,
}

/// One impedance sweep on one cell.
#[derive(Debug, Clone, Copy)]
pub struct EisRequest<'a> {
    pub cell: &'a Cell,
    pub sweep: &'a EisSweep,
}

/// A constant-current hold on one cell for at most `duration_s`.
#[derive(Debug, Clone)]
pub struct GalvanoRequest<'a> {
    pub cell: &'a Cell,
    pub step: &'a Galvanostatic,
    pub duration_s: f64,
    /// All limits in force (step and global), so a device can also enforce them itself.
    pub limits: Vec<PotentialLimit>,
}

/// A potential sweep (CV or LSV) on one cell.
#[derive(Debug, Clone, Copy)]
pub struct VoltammetryRequest<'a> {
    pub cell: &'a Cell,
    pub step: &'a Voltammetry,
    /// The step's temperature, °C (`None`: the room's).
    pub temperature_c: Option<f64>,
    /// Largest |current| allowed (the protocol's current limit), A.
    pub max_abs_current_a: Option<f64>,
}

/// A potentiostatic hold on one cell for at most `duration_s`. A charge or current stop
/// condition is in `step.stop`; the host also enforces it on the readings.
#[derive(Debug, Clone, Copy)]
pub struct PotentiostaticRequest<'a> {
    pub cell: &'a Cell,
    pub step: &'a Potentiostatic,
    pub duration_s: f64,
    /// The step's temperature, °C (`None`: the room's).
    pub temperature_c: Option<f64>,
    /// Largest |current| allowed (the protocol's current limit), A.
    pub max_abs_current_a: Option<f64>,
}

/// Who brings a cell to a temperature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemperatureControl {
    /// The instrument set it (a model takes it as its temperature).
    Instrument,
    /// The instrument cannot: the operator sets a climate chamber (the interpreter prompts).
    Operator,
}

/// What the operator is asked when the instrument cannot set a cell's temperature itself.
pub fn climate_chamber_message(cell: &str, temperature_c: f64) -> String {
    let t = crate::units::format_si(temperature_c, crate::units::Dimension::Temperature);
    format!("set the climate chamber of cell {cell} to {t} and wait until the cell has reached it")
}

/// How a galvanostatic hold ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HoldEnd {
    /// Ran its full duration.
    Completed,
    /// The sink asked to stop (a host-side limit).
    Stopped,
}

/// Something went wrong at the instrument.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum InstrumentError {
    #[error("the run was interrupted")]
    #[diagnostic(code(mgp::run::interrupted))]
    Interrupted,
    #[error("the instrument disconnected: {0}")]
    #[diagnostic(
        code(mgp::instrument::disconnected),
        help("check the cable and the port, then continue with `mgp run --resume RUN_DIR`")
    )]
    Disconnected(String),
    #[error("{0} is in use by another program (another mgp run?)")]
    #[diagnostic(
        code(mgp::instrument::in_use),
        help(
            "wait for the other program to end, or stop it; `mgp devices` shows which ports are free"
        )
    )]
    InUse(String),
    #[error("cannot open {port}: {message}")]
    #[diagnostic(
        code(mgp::instrument::open),
        help(
            "check the port's name (`mgp devices` lists the serial ports) and that you may use \
             it (on Linux, the `dialout` group)"
        )
    )]
    CannotOpen { port: String, message: String },
    #[error("the device on {port} is busy: {what}")]
    #[diagnostic(
        code(mgp::instrument::busy),
        help(
            "wait for what runs on it to end, or add take_over=yes to the instrument's settings \
             to abort it"
        )
    )]
    Busy { port: String, what: String },
    #[error("no answer from the instrument within {0} s")]
    #[diagnostic(code(mgp::instrument::timeout))]
    Timeout(f64),
    #[error("the device reported error {code}: {message}")]
    #[diagnostic(code(mgp::instrument::device_error))]
    Device { code: String, message: String },
    #[error("the device sent something unexpected: {0}")]
    #[diagnostic(code(mgp::instrument::protocol))]
    Protocol(String),
    #[error("the instrument cannot do this: {0}")]
    #[diagnostic(code(mgp::instrument::capability))]
    Capability(String),
    #[error("the operator declined: {0}")]
    #[diagnostic(code(mgp::instrument::operator))]
    Operator(String),
    #[error("instrument I/O failed: {0}")]
    #[diagnostic(code(mgp::instrument::io))]
    Io(#[from] std::io::Error),
}

/// A potentiostat, real or simulated. Methods run one plan step each and deliver readings
/// through the sink as they arrive.
#[allow(async_fn_in_trait)]
pub trait Instrument {
    fn info(&self) -> InstrumentInfo;

    /// Seconds since the run started, on the instrument's clock.
    fn now_s(&self) -> f64;

    /// Called once before the first step: build the cells (the simulator applies
    /// pretreatments), or check the plan against a device's capabilities.
    async fn prepare(&mut self, plan: &Plan) -> Result<(), InstrumentError>;

    /// The interpreter is about to run plan step `index` (a resumed run starts past 0). An
    /// instrument that tracks steps on its own (a device matching scripts to steps) uses it.
    fn step_starting(&mut self, _index: usize) {}

    /// True for a model whose state is rebuilt by running the completed steps again when a run
    /// is resumed (the simulator); a real cell keeps its own state.
    fn replays_history(&self) -> bool {
        false
    }

    /// Instrument seconds per wall-clock second, to turn a pause between two sessions of a
    /// resumed run into a gap on the run's time axis: 1 for a real device, the pacing factor
    /// of an emulator, 0 where wall time does not move the instrument's clock.
    fn clock_scale(&self) -> f64 {
        1.0
    }

    async fn rest(
        &mut self,
        request: RestRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError>;

    async fn eis(
        &mut self,
        request: EisRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError>;

    async fn galvanostatic(
        &mut self,
        request: GalvanoRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError>;

    /// A cyclic or linear potential sweep.
    async fn voltammetry(
        &mut self,
        request: VoltammetryRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError>;

    /// A potentiostatic hold (chronoamperometry).
    async fn potentiostatic(
        &mut self,
        request: PotentiostaticRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError>;

    /// Bring `cell` to `temperature_c`. An instrument without temperature control answers
    /// [`TemperatureControl::Operator`] (the default) and the interpreter asks the operator
    /// to set the climate chamber.
    async fn set_temperature(
        &mut self,
        _cell: &Cell,
        _temperature_c: f64,
        _sink: &mut dyn Sink,
    ) -> Result<TemperatureControl, InstrumentError> {
        Ok(TemperatureControl::Operator)
    }

    /// An operando addition: the simulator changes its electrolyte; a real setup asks the
    /// operator and waits.
    async fn addition(
        &mut self,
        cell: &Cell,
        addition: &Addition,
        sink: &mut dyn Sink,
    ) -> Result<(), InstrumentError>;

    /// An operator action (wash, inspect…). Returns the operator's answer, if any.
    async fn prompt(
        &mut self,
        message: &str,
        sink: &mut dyn Sink,
    ) -> Result<Option<String>, InstrumentError>;

    /// Stop whatever runs and switch the cell off. Must be safe to call at any time.
    async fn abort(&mut self) -> Result<(), InstrumentError>;
}
