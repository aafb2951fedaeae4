//! The built-in mechanistic simulator of the Mg/Li interphase: an [`Instrument`] whose readings
//! come from a model of each electrode's state evolving in time (see
//! `shared/reference/simulator-model.md` for the design and the paper's targets).
//!
//! Takes a checked [`Plan`] (at `prepare`) and the interpreter's requests; gives readings in
//! absolute units as a potentiostat would. A cell is assembled (electrolyte added) at the start
//! of the first step that uses it, as an electrochemist assembles a fresh cell just before
//! measuring it: until then its interphase does not exist and does not age (its electrodes'
//! pretreatments, done before assembly, are applied at `prepare`). Assembled cells age in
//! parallel on one virtual clock: while one cell is measured the others keep ageing at open
//! circuit. Simulated time never sleeps unless a pace is set. Parameters are documented data
//! (`params/*.json`), overridable from a file; output is bit-reproducible per seed.
//!
//! Layout: `params`/`param_sets` (data), `electrolyte`, `mg`/`li`/`gc` (electrode models),
//! `impedance` (closed-form elements), `dc` (roots, Simmons/Cardano), `cell` (topology),
//! `ocv` (rests), `sweep` (EIS), `galvano` (the DC integrator), `probe` (state view), `noise`,
//! `pace`, `testing` (plan builders and raw-data readings for tests).

mod cell;
mod dc;
mod electrolyte;
mod error;
mod galvano;
mod gc;
mod impedance;
mod li;
mod mg;
mod noise;
mod ocv;
mod pace;
mod param_sets;
mod params;
mod probe;
mod sweep;
pub mod testing;

pub use error::{At, SimError};
pub use param_sets::{CellParams, LiParams, MgParams, PsParams};
pub use params::{Bound, Entry, Kind, ParamKey, ParamSet, Params};
pub use probe::ElectrodeProbe;

use crate::instrument::{
    EisRequest, GalvanoRequest, HoldEnd, Instrument, InstrumentError, InstrumentInfo,
    PotentiostaticRequest, Reading, RestRequest, Sink, TemperatureControl, VoltammetryRequest,
};
use crate::plan::{Addition, Cell, Connection, EisTiming, Plan, Separator, Solution};
use cell::SimCell;
use noise::{Noise, Spread};
use pace::Pacer;
use std::path::PathBuf;

/// How the simulator is set up.
#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    /// Seed of every random stream (noise and spread).
    pub seed: u64,
    /// Relative EIS noise (σ per component as a fraction of |Z|); 0 = exact model output.
    /// Any value above 0 also turns on potential noise and reference drift.
    pub noise: f64,
    /// Lognormal cell-to-cell variability of kinetic parameters (off by default).
    pub spread: bool,
    /// A parameter override file (see [`Params`]).
    pub params: Option<PathBuf>,
    /// `None`: never sleep. `Some(x)`: the simulated clock runs x times faster than the wall
    /// clock (1.0 = real time).
    pub pace: Option<f64>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: 0,
            noise: 0.003,
            spread: false,
            params: None,
            pace: None,
        }
    }
}

/// The simulated potentiostat with its cells.
#[derive(Debug, Clone)]
pub struct SimInstrument {
    options: SimOptions,
    params: Params,
    clock_s: f64,
    cells: Vec<SimCell>,
    separators: Vec<Separator>,
    solutions: Vec<Solution>,
    timing: EisTiming,
    noise: Noise,
    spread: Spread,
    pacer: Pacer,
    /// Model limits of cells just assembled, delivered as warnings by the step that assembled
    /// them.
    notes_due: Vec<String>,
    /// Notes already delivered this run.
    notes_said: Vec<String>,
}

fn capability(message: impl Into<String>) -> InstrumentError {
    InstrumentError::Capability(message.into())
}

fn finite_nonnegative(x: f64, what: &str) -> Result<f64, InstrumentError> {
    if x.is_finite() && x >= 0.0 {
        Ok(x)
    } else {
        Err(capability(format!(
            "{what} must be a finite, non-negative number, found {x}"
        )))
    }
}

impl SimInstrument {
    /// Loads the parameters (built-in, plus the override file) and checks the options.
    pub fn new(options: SimOptions) -> Result<Self, SimError> {
        if !(options.noise.is_finite() && options.noise >= 0.0) {
            return Err(SimError::BadOption {
                option: "noise",
                value: options.noise,
                why: "the relative noise must be a finite number ≥ 0",
            });
        }
        if let Some(pace) = options.pace {
            if !(pace.is_finite() && pace > 0.0) {
                return Err(SimError::BadOption {
                    option: "pace",
                    value: pace,
                    why: "the pace must be a finite number > 0 (1 = real time)",
                });
            }
        }
        let params = Params::load(options.params.as_deref())?;
        Ok(Self::with_params(options, params))
    }

    /// An instrument with parameters already loaded (the override path in `options` is not
    /// read again).
    pub fn with_params(options: SimOptions, params: Params) -> Self {
        SimInstrument {
            noise: Noise::new(options.seed, options.noise),
            spread: Spread::new(options.seed, options.spread),
            pacer: Pacer::new(options.pace),
            options,
            params,
            clock_s: 0.0,
            cells: Vec::new(),
            separators: Vec::new(),
            solutions: Vec::new(),
            timing: EisTiming::default(),
            notes_due: Vec::new(),
            notes_said: Vec::new(),
        }
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The index of a cell, assembling it now if this is its first step (building it first if
    /// the plan did not list it).
    fn cell_index(&mut self, cell: &Cell) -> Result<usize, InstrumentError> {
        let idx = match self.cells.iter().position(|c| c.name == cell.name) {
            Some(i) => i,
            None => {
                let sim = SimCell::build(
                    cell,
                    &self.separators,
                    &self.solutions,
                    &self.params,
                    &mut self.spread,
                )
                .map_err(capability)?;
                self.cells.push(sim);
                self.cells.len() - 1
            }
        };
        let now = self.clock_s;
        let c = &mut self.cells[idx];
        if c.assembled_s.is_none() {
            c.assemble(now);
            self.notes_due.extend(c.model_limits());
        }
        Ok(idx)
    }

    /// Delivers the notes of a cell just assembled (or just changed by an addition) as
    /// warnings, each once per run; `true` when the sink asks to end the step.
    fn announce(&mut self, sink: &mut dyn Sink) -> Result<bool, InstrumentError> {
        for message in std::mem::take(&mut self.notes_due) {
            if self.notes_said.contains(&message) {
                continue;
            }
            self.notes_said.push(message.clone());
            let t_s = self.clock_s;
            if deliver(sink, Reading::Warning { t_s, message })? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Brings every assembled cell to the instrument's clock (open circuit for those not
    /// measured); a cell not yet assembled does not age.
    fn sync_all(&mut self) {
        let t = self.clock_s;
        for c in self.cells.iter_mut().filter(|c| c.assembled_s.is_some()) {
            let dt = t - c.t_s;
            c.rest(&self.params, dt);
            c.t_s = t;
        }
    }

    /// Advances the measured cell `idx` and the clock by `dt` at open circuit.
    fn rest_cell(&mut self, idx: usize, dt: f64) {
        self.advance_to(idx, self.clock_s + dt.max(0.0));
    }

    /// Advances the clock to `t` (never backwards) and the measured cell `idx` with it.
    fn advance_to(&mut self, idx: usize, t: f64) {
        self.clock_s = self.clock_s.max(t);
        let c = &mut self.cells[idx];
        let lag = self.clock_s - c.t_s;
        c.rest(&self.params, lag);
        c.t_s = self.clock_s;
    }

    /// Reference drift of cell `idx` brought to now: an Ornstein–Uhlenbeck walk (bounded, slow),
    /// stepped exactly, x ← x·e^(−Δt/τ) + σ·√(1 − e^(−2Δt/τ))·N(0, 1). Only with noise on.
    fn drift(&mut self, idx: usize) -> f64 {
        let (sigma, tau) = (self.params.cell.re_drift, self.params.cell.re_drift_time);
        let c = &mut self.cells[idx];
        let dt = (self.clock_s - c.drift_t_s).max(0.0);
        c.drift_t_s = self.clock_s;
        let decay = (-dt / tau).exp();
        c.drift_v = c.drift_v * decay + self.noise.gaussian(sigma * (1.0 - decay * decay).sqrt());
        c.drift_v
    }

    fn ocv_reading(&mut self, idx: usize, connection: Connection) -> Result<f64, InstrumentError> {
        let ocv = self.cells[idx]
            .ocv(&self.params, connection)
            .map_err(capability)?;
        let drift = match connection {
            Connection::ThreeElectrode => self.drift(idx),
            Connection::TwoElectrode => 0.0,
        };
        Ok(ocv + drift + self.noise.gaussian(self.params.cell.ocv_noise))
    }

    /// The connection a rest records: three-electrode where the cell has a reference.
    fn rest_connection(cell: &Cell) -> Connection {
        if cell.reference.is_some() {
            cell.default_connection
        } else {
            Connection::TwoElectrode
        }
    }
}

/// Delivers a reading; `true` when the sink asks to end the step.
fn deliver(sink: &mut dyn Sink, reading: Reading) -> Result<bool, InstrumentError> {
    Ok(sink.reading(reading)? == crate::instrument::Flow::StopStep)
}

impl Instrument for SimInstrument {
    fn info(&self) -> InstrumentInfo {
        let sets: Vec<&str> = self.params.sets.iter().map(|s| s.name.as_str()).collect();
        let override_note = self
            .params
            .override_file
            .as_ref()
            .map(|f| format!(", overridden by {f}"))
            .unwrap_or_default();
        let ignored: Vec<&String> = self
            .cells
            .iter()
            .flat_map(|c| c.electrolyte.ignored.iter())
            .collect();
        InstrumentInfo {
            kind: "sim".into(),
            description: format!(
                "mechanistic Mg/Li interphase simulator; parameter sets {}{}",
                sets.join(", "),
                override_note
            ),
            parameters: serde_json::json!({
                "seed": self.options.seed,
                "noise": self.options.noise,
                "spread": self.options.spread,
                "pace": self.options.pace,
                "params_file": self.params.override_file,
                "ignored_solutes": ignored,
                "parameter_sets": self.params.to_json(),
            }),
        }
    }

    fn replays_history(&self) -> bool {
        // Deterministic per seed: replaying the completed steps restores the exact state
        // (noise streams included) at the start of the resumed step.
        true
    }

    fn now_s(&self) -> f64 {
        self.clock_s
    }

    async fn prepare(&mut self, plan: &Plan) -> Result<(), InstrumentError> {
        self.clock_s = 0.0;
        self.timing = plan.eis_timing;
        self.separators = plan.separators.clone();
        self.solutions = plan.solutions.clone();
        self.noise = Noise::new(self.options.seed, self.options.noise);
        self.spread = Spread::new(self.options.seed, self.options.spread);
        self.pacer.start(0.0);
        self.cells.clear();
        self.notes_due.clear();
        self.notes_said.clear();
        // Built (pretreated, spread drawn) in plan order so that results do not depend on the
        // order in which cells are first used; assembled later, at their first step.
        for cell in &plan.cells {
            let sim = SimCell::build(
                cell,
                &self.separators,
                &self.solutions,
                &self.params,
                &mut self.spread,
            )
            .map_err(capability)?;
            self.cells.push(sim);
        }
        Ok(())
    }

    async fn rest(
        &mut self,
        request: RestRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        self.run_rest(request, sink).await
    }

    async fn eis(
        &mut self,
        request: EisRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        self.run_eis(request, sink).await
    }

    async fn galvanostatic(
        &mut self,
        request: GalvanoRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        self.run_galvanostatic(request, sink).await
    }

    async fn voltammetry(
        &mut self,
        request: VoltammetryRequest<'_>,
        _sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        Err(capability(format!(
            "the simulator does not model potential sweeps ({}) yet: run this step on a device",
            request.step.shape.kind()
        )))
    }

    async fn potentiostatic(
        &mut self,
        _request: PotentiostaticRequest<'_>,
        _sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        Err(capability(
            "the simulator does not model potentiostatic holds yet: run this step on a device",
        ))
    }

    async fn set_temperature(
        &mut self,
        _cell: &Cell,
        temperature_c: f64,
        _sink: &mut dyn Sink,
    ) -> Result<TemperatureControl, InstrumentError> {
        Err(capability(format!(
            "the simulator does not model temperature yet (asked for {temperature_c} °C)"
        )))
    }

    async fn addition(
        &mut self,
        cell: &Cell,
        addition: &Addition,
        sink: &mut dyn Sink,
    ) -> Result<(), InstrumentError> {
        let idx = self.cell_index(cell)?;
        // An addition has no step end to ask for: a stop request is honoured by the next step.
        self.announce(sink)?;
        self.sync_all();
        let params = &self.params;
        self.cells[idx].add(
            params,
            &addition.composition_after,
            &addition.solvents_after,
            addition.electrolyte_ul_per_cm2_after,
            addition.wetted_area_after_cm2,
        );
        // What the new electrolyte brings that the model does not know: said at the next step.
        self.notes_due.extend(self.cells[idx].model_limits());
        Ok(())
    }

    async fn prompt(
        &mut self,
        _message: &str,
        _sink: &mut dyn Sink,
    ) -> Result<Option<String>, InstrumentError> {
        // No operator: the action is taken as done, and changes nothing the model tracks.
        Ok(None)
    }

    async fn abort(&mut self) -> Result<(), InstrumentError> {
        Ok(())
    }
}
