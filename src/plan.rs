//! The checked, timed `Plan`: the boundary between the language and the lab.
//!
//! `check` produces it from the AST; the interpreter (`run`), the instruments, the fit/model
//! stage and the reports consume it, and never see syntax. Every number here carries its unit
//! in its field name (`_s`, `_hz`, `_v`, `_a`, `_ml`, `_cm2`, `_m` for molar concentration,
//! `_a_per_cm2`, `_ohm_cm2`, …) so that no consumer has to guess. Every step keeps the span
//! of the source text it came from. The plan is serde-serialisable; `mgp plan --json` prints it.

use crate::source::Span;
use serde::{Deserialize, Serialize};

/// A whole checked protocol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub meta: Meta,
    pub solutions: Vec<Solution>,
    pub electrodes: Vec<Electrode>,
    pub separators: Vec<Separator>,
    pub cells: Vec<Cell>,
    /// Steps in execution order, repeat blocks and current series unrolled.
    pub steps: Vec<Step>,
    pub analysis: Analysis,
    /// Limits that hold for every step (a step may add tighter ones).
    pub limits: SafetyLimits,
    /// The rule by which EIS sweep durations were computed (shown by `mgp plan`).
    pub eis_timing: EisTiming,
    pub total_duration_s: f64,
}

/// Metadata: what the protocol is and where it comes from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    pub title: Option<String>,
    /// A DOI or citation of the source the protocol reproduces.
    pub source: Option<String>,
    pub author: Option<String>,
    pub notes: Vec<String>,
    /// Path of the protocol file as given to `check`, and of every imported file.
    pub files: Vec<String>,
}

/// A named solution: solutes with concentrations in a solvent mixture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Solution {
    pub name: String,
    pub solutes: Vec<Solute>,
    /// Solvent components with their parts (TEGDME:DOL 1:1 → [("TEGDME",1),("DOL",1)]).
    pub solvents: Vec<SolventPart>,
    /// "volume" or "mass": what the solvent ratio refers to.
    pub ratio_basis: String,
    pub water_max_ppm: Option<f64>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Solute {
    /// Formula as written: `MgCl2`, `Mg(TFSI)2`, `LiPF6`, `Li2S8`.
    pub species: String,
    pub concentration_m: f64,
    /// A nominal concentration (the species disproportionates; the value is what was weighed in).
    pub nominal: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SolventPart {
    pub name: String,
    pub parts: f64,
}

/// Electrode materials: the metal anodes, and the substrates they are plated on or swept on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Material {
    Mg,
    Li,
    GlassyCarbon,
    Cu,
    StainlessSteel,
    Pt,
    Al,
    Au,
}

/// Molar charge: the Faraday constant, C/mol.
pub const FARADAY_C_PER_MOL: f64 = 96_485.332;

impl Material {
    /// Every material, in the order the language lists them.
    pub const ALL: [Material; 8] = [
        Material::Mg,
        Material::Li,
        Material::GlassyCarbon,
        Material::Cu,
        Material::StainlessSteel,
        Material::Pt,
        Material::Al,
        Material::Au,
    ];

    /// The name as written in a protocol (`material Cu`, `material stainless_steel`).
    pub fn keyword(self) -> &'static str {
        match self {
            Material::Mg => "Mg",
            Material::Li => "Li",
            Material::GlassyCarbon => "glassy carbon",
            Material::Cu => "Cu",
            Material::StainlessSteel => "stainless_steel",
            Material::Pt => "Pt",
            Material::Al => "Al",
            Material::Au => "Au",
        }
    }

    /// The name in prose (`stainless steel`).
    pub fn display_name(self) -> &'static str {
        match self {
            Material::StainlessSteel => "stainless steel",
            m => m.keyword(),
        }
    }

    /// True for the metal anodes that strip and plate themselves (Mg, Li); the others are
    /// substrates: a metal is plated on them and stripped off again.
    pub fn is_anode_metal(self) -> bool {
        matches!(self, Material::Mg | Material::Li)
    }

    /// Charge stored per volume of an anode metal, C/cm³: ρ·z·F/M (Mg: 1.738 g/cm³,
    /// 24.305 g/mol, z = 2; Li: 0.534 g/cm³, 6.941 g/mol, z = 1). `None` for substrates.
    pub fn charge_density_c_per_cm3(self) -> Option<f64> {
        let (density_g_per_cm3, molar_mass_g_per_mol, electrons) = match self {
            Material::Mg => (1.738, 24.305, 2.0),
            Material::Li => (0.534, 6.941, 1.0),
            _ => return None,
        };
        Some(density_g_per_cm3 * electrons * FARADAY_C_PER_MOL / molar_mass_g_per_mol)
    }
}

/// The geometry an electrode is cut to; the checker derives the geometric area from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum Geometry {
    /// A punched disc (area π d²/4).
    Disc { diameter_m: f64 },
    /// A rectangular strip (area w × l, one face).
    Strip { width_m: f64, length_m: f64 },
    /// The cut face of a rod (area π d²/4).
    RodFace { diameter_m: f64 },
    /// Only an explicit area was given.
    Area,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Electrode {
    pub name: String,
    pub material: Material,
    pub geometry: Geometry,
    /// Foil/ribbon thickness, where stated.
    pub thickness_m: Option<f64>,
    /// Geometric area of one face: from the geometry, or the explicit `area` which overrides it.
    pub area_cm2: f64,
    /// Ordered pretreatments applied before the electrode enters a cell.
    pub pretreatments: Vec<Pretreatment>,
    pub span: Span,
}

/// One pretreatment, in the order performed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Pretreatment {
    /// Mechanical polishing with abrasive paper.
    Brush {
        grit: String,
        directions: u32,
    },
    Dry {
        temperature_c: f64,
        duration_s: f64,
    },
    /// Soaking in a solution at open circuit (pre-passivation).
    Soak {
        solution: String,
        duration_s: f64,
    },
    /// Rinsing with a pure solvent (e.g. DOL), removing the electrolyte but leaving residue.
    Wash {
        solvent: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Separator {
    pub name: String,
    /// e.g. "GF-A glass fibre", "Celgard 2320".
    pub material: String,
    pub diameter_m: Option<f64>,
    pub thickness_m: f64,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellKind {
    /// Two electrodes face to face through a separator (Swagelok or pouch casing).
    Symmetric,
    /// Flooded cell: WE and CE in one compartment, RE in another joined by a bridge.
    ThreeElectrode,
    /// A vial in which an electrode soaks at open circuit (no counter electrode).
    SoakVial,
    /// Two different electrodes face to face (Mg‖Cu, Li‖Cu): the counter is the metal and
    /// doubles as the reference; the working electrode is the substrate.
    Asymmetric,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Casing {
    Swagelok,
    Pouch,
    Glass,
    Vial,
    /// A coin cell (CR2032 and the like): casing, spacer(s) and spring crimped together.
    Coin,
}

/// The parts of a coin cell beyond the electrodes and separator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoinCell {
    /// The format as written: `CR2032`, `CR2025`, `CR2016`.
    pub format: String,
    /// Outer diameter and height from the format (20 mm × 3.2 mm for CR2032).
    pub diameter_m: f64,
    pub height_m: f64,
    /// The spring (wave spring) as written, if stated.
    pub spring: Option<String>,
}

/// Which electrodes a measurement uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Connection {
    /// Working vs counter (the whole cell).
    TwoElectrode,
    /// Working vs reference.
    ThreeElectrode,
}

/// An electrode in a cell with its per-cell geometry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellElectrode {
    /// Name of the `Electrode` definition.
    pub electrode: String,
    pub material: Material,
    /// The normalising geometric area (what areal values in the paper are per).
    pub nominal_area_cm2: f64,
    /// The area actually in contact with electrolyte (a strip half immersed has less).
    pub wetted_area_cm2: f64,
    pub pretreatments: Vec<Pretreatment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub name: String,
    pub kind: CellKind,
    pub casing: Option<Casing>,
    pub working: CellElectrode,
    /// Absent only in a soak vial.
    pub counter: Option<CellElectrode>,
    pub reference: Option<CellElectrode>,
    /// Name of the solution first filled in.
    pub electrolyte: String,
    /// Composition at assembly (additions change it; see `Addition::composition_after`).
    pub composition: Vec<Solute>,
    pub solvents: Vec<SolventPart>,
    /// Electrolyte volume in the working/counter compartment.
    pub volume_ml: f64,
    /// Electrolyte volume in the reference compartment, where separate.
    pub reference_volume_ml: Option<f64>,
    /// Electrolyte volume per total wetted electrode area in the WE/CE compartment, in µL/cm².
    pub electrolyte_ul_per_cm2: f64,
    pub separator: Option<String>,
    /// Spacers / current collectors, as written ("graphite disc 10 mm").
    pub spacers: Vec<String>,
    pub stack_pressure_pa: Option<f64>,
    /// WE–CE distance where stated.
    pub electrode_gap_m: Option<f64>,
    /// Distance from the WE to the reference bridge tip (three-electrode cells).
    pub reference_tip_m: Option<f64>,
    /// The connection used unless a step says otherwise.
    pub default_connection: Connection,
    /// The area by which this cell's areal values are normalised: the WE's nominal area, or
    /// its wetted area when the cell says `normalise by wetted area`.
    pub normalising_area_cm2: f64,
    /// Coin-cell parts (only for `Casing::Coin`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coin: Option<CoinCell>,
    /// The temperature the cell is held at (`temperature 40 degC`), °C; `None`: the room's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature_c: Option<f64>,
    pub span: Span,
}

/// One level of repeat: the step is in iteration `index` (1-based) of a `repeat count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CycleIndex {
    pub index: usize,
    pub count: usize,
}

/// One step of the timed plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Position in `Plan::steps` (0-based).
    pub index: usize,
    /// Name of the cell the step acts on.
    pub cell: String,
    pub start_s: f64,
    pub duration_s: f64,
    /// An optional label (`after: rest …` or `"after addition": rest …`), used by the analyze
    /// block and reports.
    pub label: Option<String>,
    /// The repeat blocks the step is in, outermost first (empty outside any `repeat`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cycles: Vec<CycleIndex>,
    /// The temperature in force during the step (the last `temperature` step on its cell,
    /// else the cell's), °C; `None`: the room's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature_c: Option<f64>,
    pub span: Span,
    pub action: Action,
}

impl Step {
    /// The innermost repeat's 1-based iteration (the "cycle number" of a cycling protocol).
    pub fn cycle(&self) -> Option<usize> {
        self.cycles.last().map(|c| c.index)
    }

    /// The cycle number counted through every level of repeat (1-based): in
    /// `repeat 3 { repeat 10 { … } }` the outer loop's second pass holds cycles 11 to 20.
    pub fn cycle_number(&self) -> Option<usize> {
        let mut number = None;
        for level in &self.cycles {
            number = Some(number.map_or(0, |n: usize| (n - 1) * level.count) + level.index);
        }
        number
    }
}

/// What a step does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Open-circuit rest, optionally with repeated EIS sweeps.
    Rest(Rest),
    /// One EIS sweep.
    Eis(EisSweep),
    Galvanostatic(Galvanostatic),
    Addition(Addition),
    /// An operator action the instrument cannot do (wash, inspect…).
    Prompt {
        message: String,
    },
    /// A potential sweep: cyclic or linear voltammetry.
    Voltammetry(Voltammetry),
    /// A potentiostatic hold (chronoamperometry).
    Potentiostatic(Potentiostatic),
    /// The cell is brought to a temperature (set by the instrument, or by the operator at a
    /// climate chamber), then held for `settle_s` before the next step.
    Temperature(Temperature),
}

impl Action {
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Rest(_) => "rest",
            Action::Eis(_) => "eis",
            Action::Galvanostatic(_) => "galvanostatic",
            Action::Addition(_) => "addition",
            Action::Prompt { .. } => "prompt",
            Action::Voltammetry(v) => v.shape.kind(),
            Action::Potentiostatic(_) => "potentiostatic",
            Action::Temperature(_) => "temperature",
        }
    }
}

/// The shape of a potential sweep.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SweepShape {
    /// Linear sweep voltammetry: from `start_v` to `end_v`, once.
    Linear { end_v: f64 },
    /// Cyclic voltammetry: `start_v` → `vertex1_v` → `vertex2_v` → `start_v`, `cycles` times.
    Cyclic {
        vertex1_v: f64,
        vertex2_v: f64,
        cycles: usize,
    },
}

impl SweepShape {
    pub fn kind(&self) -> &'static str {
        match self {
            SweepShape::Linear { .. } => "lsv",
            SweepShape::Cyclic { .. } => "cv",
        }
    }
}

/// A potential sweep at a constant scan rate. Potentials are of the working electrode against
/// the connection's other electrode (the reference, or the counter in a two-electrode cell).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Voltammetry {
    pub shape: SweepShape,
    pub start_v: f64,
    /// Scan rate, V/s (positive).
    pub scan_rate_v_per_s: f64,
    /// Potential step of the staircase, V (positive).
    pub step_v: f64,
    /// Time between two samples: step / scan rate.
    pub sample_interval_s: f64,
    /// Samples over the whole sweep (every cycle).
    pub points: usize,
    pub connection: Connection,
    /// The area areal currents are per (the cell's normalising area).
    pub area_cm2: f64,
    /// The potential span one cycle covers (|start→v1| + |v1→v2| + |v2→start|, or |start→end|).
    pub span_per_cycle_v: f64,
}

impl Voltammetry {
    /// Cycles swept (1 for a linear sweep).
    pub fn cycles(&self) -> usize {
        match self.shape {
            SweepShape::Linear { .. } => 1,
            SweepShape::Cyclic { cycles, .. } => cycles,
        }
    }

    /// Lowest and highest potential the sweep reaches.
    pub fn window_v(&self) -> (f64, f64) {
        let points: &[f64] = match &self.shape {
            SweepShape::Linear { end_v } => &[self.start_v, *end_v],
            SweepShape::Cyclic {
                vertex1_v,
                vertex2_v,
                ..
            } => &[self.start_v, *vertex1_v, *vertex2_v],
        };
        let lo = points.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = points.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    }

    /// The applied potential `t_s` after the sweep's start (a continuous ramp), and the
    /// 1-based cycle it is in.
    pub fn potential_at(&self, t_s: f64) -> (f64, usize) {
        let per_cycle_s = self.span_per_cycle_v / self.scan_rate_v_per_s;
        let cycles = self.cycles();
        let t = t_s.max(0.0);
        let cycle = if per_cycle_s > 0.0 {
            ((t / per_cycle_s).floor() as usize).min(cycles - 1)
        } else {
            0
        };
        let mut travel = ((t - cycle as f64 * per_cycle_s) * self.scan_rate_v_per_s)
            .clamp(0.0, self.span_per_cycle_v);
        let vertices: Vec<f64> = match self.shape {
            SweepShape::Linear { end_v } => vec![self.start_v, end_v],
            SweepShape::Cyclic {
                vertex1_v,
                vertex2_v,
                ..
            } => vec![self.start_v, vertex1_v, vertex2_v, self.start_v],
        };
        for pair in vertices.windows(2) {
            let leg = (pair[1] - pair[0]).abs();
            if travel <= leg {
                return (pair[0] + (pair[1] - pair[0]).signum() * travel, cycle + 1);
            }
            travel -= leg;
        }
        (*vertices.last().unwrap_or(&self.start_v), cycle + 1)
    }
}

/// A potentiostatic hold (chronoamperometry) at a fixed potential of the working electrode
/// against the connection's other electrode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Potentiostatic {
    pub potential_v: f64,
    pub connection: Connection,
    pub stop: HoldStop,
    pub sample_interval_s: f64,
    /// The area areal values are per (the cell's normalising area).
    pub area_cm2: f64,
}

/// When a potentiostatic hold ends.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HoldStop {
    Duration {
        duration_s: f64,
    },
    /// When |charge passed| reaches `charge_c`, or at the planned maximum duration.
    Charge {
        charge_c: f64,
        areal_charge_c_per_cm2: f64,
        max_duration_s: f64,
    },
    /// When |current| crosses `current_a` (falls below it, or rises above it), or at the
    /// planned maximum duration.
    Current {
        current_a: f64,
        current_density_a_per_cm2: f64,
        direction: Crossing,
        max_duration_s: f64,
    },
}

impl HoldStop {
    /// The longest the hold may run.
    pub fn max_duration_s(&self) -> f64 {
        match *self {
            HoldStop::Duration { duration_s } => duration_s,
            HoldStop::Charge { max_duration_s, .. } | HoldStop::Current { max_duration_s, .. } => {
                max_duration_s
            }
        }
    }
}

/// Which way a measured value must cross a threshold to end a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Crossing {
    Below,
    Above,
}

/// A temperature set point for a cell.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Temperature {
    pub temperature_c: f64,
    /// Time the cell is left to equilibrate at open circuit after the set point is reached.
    pub settle_s: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rest {
    /// OCV sampling interval; `None` when the rest records no potential.
    pub sample_interval_s: Option<f64>,
    pub eis: Option<EisRepeat>,
}

/// EIS repeated during a rest: a sweep starts at each offset (the first at 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EisRepeat {
    pub every_s: f64,
    pub sweep: EisSweep,
    /// Start of each sweep relative to the rest's start.
    pub sweep_offsets_s: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EisSweep {
    /// From high to low, as measured.
    pub frequencies_hz: Vec<f64>,
    pub amplitude_v_rms: f64,
    pub bias: Bias,
    pub connection: Connection,
    pub points_per_decade: f64,
    /// Exact under `Plan::eis_timing`.
    pub duration_s: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Bias {
    OpenCircuit,
    /// A DC potential relative to open circuit.
    VsOpenCircuit {
        potential_v: f64,
    },
    /// A DC potential relative to the reference (three-electrode) or counter electrode.
    Absolute {
        potential_v: f64,
    },
}

/// Which electrode of the cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Working,
    Counter,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Galvanostatic {
    /// Absolute current magnitude, through the area below.
    pub current_a: f64,
    pub current_density_a_per_cm2: f64,
    /// The area used to convert between the two (the cell's normalising area).
    pub area_cm2: f64,
    /// The electrode that is oxidised (Mg → Mg²⁺); the other one plates.
    pub stripping: Role,
    pub plating: Role,
    pub connection: Connection,
    pub stop: StopCondition,
    /// Charge passed if the step runs its full planned duration.
    pub charge_c: f64,
    pub areal_capacity_c_per_cm2: f64,
    pub sample_interval_s: f64,
    /// Limits on the measured potential for this step (the plan's global limits also apply).
    pub limits: Vec<PotentialLimit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StopCondition {
    Duration {
        duration_s: f64,
    },
    /// Stop after passing this charge per normalising area; duration = capacity / density.
    Capacity {
        areal_capacity_c_per_cm2: f64,
    },
    /// Stop when the potential reaches the signed cut-off `limit_v` (rising to it when it is
    /// positive, falling to it when it is negative), or at the planned maximum duration.
    Potential {
        limit_v: f64,
        max_duration_s: f64,
    },
}

/// True once a measured potential `v` has reached the signed cut-off `limit_v`: at or above a
/// positive cut-off, at or below a negative one (`until -0.5 V` ends a plating step at −0.5 V).
pub fn cutoff_reached(limit_v: f64, v: f64) -> bool {
    if limit_v >= 0.0 {
        v >= limit_v
    } else {
        v <= limit_v
    }
}

/// What happens when a limit is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnLimit {
    /// The step ends; the run continues with the next step.
    EndStep,
    /// The run stops (status `failed`).
    Abort,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PotentialLimit {
    /// Limit on |measured potential|.
    pub max_abs_v: f64,
    pub on_limit: OnLimit,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SafetyLimits {
    pub max_abs_potential_v: Option<f64>,
    pub max_abs_current_a: Option<f64>,
    pub on_limit: Option<OnLimit>,
}

/// An operando addition of stock solution into a running cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Addition {
    /// Name of the stock solution.
    pub stock: String,
    pub volume_ml: f64,
    /// `to reach Li2S8 0.1 M`, when the volume was computed from a target.
    pub target: Option<Solute>,
    pub volume_before_ml: f64,
    pub volume_after_ml: f64,
    /// Full composition after mixing (volumes assumed additive).
    pub composition_after: Vec<Solute>,
    pub solvents_after: Vec<SolventPart>,
    /// Wetted area per electrode after the level rises (flooded cells), else unchanged.
    pub wetted_area_after_cm2: f64,
    pub electrolyte_ul_per_cm2_after: f64,
}

/// The rule for EIS sweep durations: each frequency f is measured for
/// `max(min_periods / f, min_point_s)`, and each sweep adds `settle_s` before its first point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EisTiming {
    pub min_periods: f64,
    pub min_point_s: f64,
    pub settle_s: f64,
    /// Highest frequency an instrument is assumed to reach (checked against sweeps).
    pub max_frequency_hz: f64,
}

impl Default for EisTiming {
    fn default() -> Self {
        EisTiming {
            min_periods: 2.0,
            min_point_s: 0.5,
            settle_s: 0.0,
            max_frequency_hz: 1e6,
        }
    }
}

impl EisTiming {
    /// Time spent on one frequency.
    pub fn point_duration_s(&self, frequency_hz: f64) -> f64 {
        (self.min_periods / frequency_hz).max(self.min_point_s)
    }

    /// Total duration of a sweep over `frequencies_hz`.
    pub fn sweep_duration_s(&self, frequencies_hz: &[f64]) -> f64 {
        self.settle_s
            + frequencies_hz
                .iter()
                .map(|&f| self.point_duration_s(f))
                .sum::<f64>()
    }
}

/// Log-spaced frequencies from `from_hz` down (or up) to `to_hz`, `per_decade` points per
/// decade: f_k = from·10^(∓k/per_decade), k = 0..=n with n = round(decades·per_decade), so the
/// last point lands within half a step of `to_hz` (1 MHz → 20 mHz at 10/decade ends at 19.95 mHz).
pub fn log_frequencies(from_hz: f64, to_hz: f64, per_decade: f64) -> Vec<f64> {
    let decades = (from_hz / to_hz).log10();
    let n = (decades.abs() * per_decade).round() as usize;
    let sign = if decades >= 0.0 { -1.0 } else { 1.0 };
    (0..=n)
        .map(|k| from_hz * 10f64.powf(sign * k as f64 / per_decade))
        .collect()
}

/// The `analyze` block: fits to run, quantities to derive and expectations to check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub fits: Vec<FitSpec>,
    pub quantities: Vec<Derived>,
    pub expects: Vec<Expect>,
}

/// Fit every sweep of the selected steps with one circuit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitSpec {
    pub name: String,
    /// Circuit string as written (`Re-R(CPE)`, `R0-p(R1,CPE1)`, `R(RQ)`).
    pub circuit: String,
    /// Indices of the steps whose sweeps are fitted; time zero of the series is the start
    /// of the first of them.
    pub steps: Vec<usize>,
    pub window: FitWindow,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FitWindow {
    /// Every point.
    All,
    /// Explicit frequency window.
    Range { min_hz: f64, max_hz: f64 },
    /// The high-frequency part of the first visible arc, as fitted in the paper.
    HighFrequencyArc,
}

/// A fitted parameter tracked over a series of sweeps; areal values are per the cell's
/// normalising area (R × A, C / A).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesParam {
    /// Arc resistance, Ω·cm².
    R,
    /// Effective capacitance from Eq. 1, F/cm².
    C,
    /// Peak frequency, Hz.
    FPeak,
    /// f_peak × R, Hz·Ω·cm² (constant when only R changes).
    FPeakTimesR,
    /// High-frequency series resistance, Ω·cm².
    Re,
    /// CPE exponent.
    P,
}

/// A statistic over a series between two times (relative to the series' start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesStat {
    Min,
    Max,
    Mean,
    /// (max − min) / mean.
    Spread,
    /// Coefficient of determination of a straight-line fit against time.
    LinearR2,
    /// Slope of the straight-line fit, per second.
    Slope,
    /// |last − first| / first.
    Drift,
    /// Fraction of the total change that happens in the last third of the window.
    LastThirdFraction,
}

/// Where a galvanostatic quantity is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceMetric {
    /// Time from the step's start to the abrupt overpotential drop (film rupture), s.
    ActivationTime,
    /// Mean |overpotential| over the first part of the step, before activation, V.
    InitialOverpotential,
    /// Mean |overpotential| over the last fifth of the step, V.
    FinalOverpotential,
    /// Final overpotential / current density, Ω·cm².
    StrippingResistance,
}

/// A per-cycle quantity of a cycling run (see `model::analysis::cycles`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CycleQuantity {
    /// Charge stripped from the working electrode / charge plated on it, per cycle.
    CoulombicEfficiency,
    /// |mean potential of the strip − mean potential of the plate|, V.
    Hysteresis,
    /// Charge passed in a half-cycle, C per cm² of the cell's normalising area.
    Capacity,
    /// Mean |potential| over a half-cycle, V.
    Overpotential,
    /// |potential| at the end of a half-cycle, V.
    EndOverpotential,
    /// How long a half-cycle ran (until its cut-off or its planned end), s.
    Duration,
}

impl CycleQuantity {
    /// The word in a protocol (`coulombic_efficiency`).
    pub fn keyword(self) -> &'static str {
        match self {
            CycleQuantity::CoulombicEfficiency => "coulombic_efficiency",
            CycleQuantity::Hysteresis => "hysteresis",
            CycleQuantity::Capacity => "capacity",
            CycleQuantity::Overpotential => "overpotential",
            CycleQuantity::EndOverpotential => "end_overpotential",
            CycleQuantity::Duration => "time_to_cutoff",
        }
    }

    /// True for quantities of one half-cycle (`of plate` / `of strip`).
    pub fn per_half(self) -> bool {
        !matches!(
            self,
            CycleQuantity::CoulombicEfficiency | CycleQuantity::Hysteresis
        )
    }
}

/// Which half of a cycle, named by what happens at the working electrode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HalfCycle {
    Plate,
    Strip,
}

/// A quantity the model stage computes. Values are in canonical units of `dimension`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Metric {
    /// The series value from the sweep whose start is nearest `at_s`.
    SeriesAt {
        fit: String,
        param: SeriesParam,
        at_s: f64,
    },
    /// A statistic of a series over [from_s, to_s] (None: whole series).
    SeriesStat {
        fit: String,
        param: SeriesParam,
        stat: SeriesStat,
        from_s: Option<f64>,
        to_s: Option<f64>,
    },
    /// Read off the galvanostatic trace of one step.
    Trace { step: usize, metric: TraceMetric },
    /// A per-cycle quantity at one cycle (`stat` None, `from_cycle` = `to_cycle`), or a
    /// statistic of it over cycles `from_cycle` to `to_cycle` (None: from the first / to the
    /// last). Statistics are against the cycle number (a slope is per cycle).
    Cycle {
        quantity: CycleQuantity,
        half: Option<HalfCycle>,
        stat: Option<SeriesStat>,
        from_cycle: Option<usize>,
        to_cycle: Option<usize>,
    },
    /// Film thickness d = ε0 εr / C from an areal capacitance quantity, m.
    Thickness {
        capacitance: Box<Metric>,
        eps_r: f64,
    },
    /// Relative permittivity εr = C d / ε0 from a capacitance and a thickness.
    Permittivity {
        capacitance: Box<Metric>,
        thickness_m: f64,
    },
    /// Corrosion current density from porous-layer growth, A/cm².
    CorrosionCurrent {
        thickness_m: f64,
        porosity: f64,
        duration_s: f64,
    },
    Ratio {
        numerator: Box<Metric>,
        denominator: Box<Metric>,
    },
    Difference {
        minuend: Box<Metric>,
        subtrahend: Box<Metric>,
    },
    /// A named quantity defined earlier in the block.
    Named { name: String },
}

/// `quantity NAME = metric`, reported in `unit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Derived {
    pub name: String,
    pub metric: Metric,
    pub dimension: crate::units::Dimension,
    /// Unit to display the value in, as written.
    pub unit: String,
    pub span: Span,
}

/// `expect …`: a check on a metric that a dry-run or a real run must pass (exit 3 otherwise).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expect {
    /// What is checked, as written in the source (used in reports).
    pub text: String,
    pub metric: Metric,
    pub check: Check,
    pub dimension: crate::units::Dimension,
    pub unit: String,
    /// An observation id this expect reproduces (`O1`…), when stated.
    pub observation: Option<String>,
    pub span: Span,
}

/// Comparisons, in canonical units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Check {
    /// |value − target| ≤ rel_tol · |target|.
    Within {
        target: f64,
        rel_tol: f64,
    },
    /// |value − target| ≤ abs_tol.
    PlusMinus {
        target: f64,
        abs_tol: f64,
    },
    Between {
        low: f64,
        high: f64,
    },
    Above {
        bound: f64,
    },
    Below {
        bound: f64,
    },
}

impl Check {
    pub fn passes(&self, value: f64) -> bool {
        if !value.is_finite() {
            return false;
        }
        match *self {
            Check::Within { target, rel_tol } => (value - target).abs() <= rel_tol * target.abs(),
            Check::PlusMinus { target, abs_tol } => (value - target).abs() <= abs_tol,
            Check::Between { low, high } => low <= value && value <= high,
            Check::Above { bound } => value > bound,
            Check::Below { bound } => value < bound,
        }
    }
}

impl Plan {
    pub fn cell(&self, name: &str) -> Option<&Cell> {
        self.cells.iter().find(|c| c.name == name)
    }

    pub fn solution(&self, name: &str) -> Option<&Solution> {
        self.solutions.iter().find(|s| s.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_sweep_has_78_points_and_takes_about_eight_minutes() {
        let f = log_frequencies(1e6, 20e-3, 10.0);
        assert_eq!(f.len(), 78);
        assert!((f[77] - 0.01995).abs() < 1e-4);
        let t = EisTiming::default().sweep_duration_s(&f);
        assert!((480.0..540.0).contains(&t), "{t}");
    }

    #[test]
    fn checks() {
        assert!(
            Check::Within {
                target: 400e3,
                rel_tol: 0.15
            }
            .passes(450e3)
        );
        assert!(
            !Check::Within {
                target: 400e3,
                rel_tol: 0.15
            }
            .passes(470e3)
        );
        assert!(!Check::Above { bound: 1.0 }.passes(f64::NAN));
    }
}
