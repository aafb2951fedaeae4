//! Test support: the paper's cells as [`Plan`]s built in code, a collecting [`Sink`], a small
//! stand-in for the interpreter's "EIS every N min during a rest", and raw-data readings of
//! spectra (apex, arc resistance, peak frequency) that need no equivalent-circuit fit.
//!
//! Used by the simulator's tests and benchmark; public so that other stages' tests can drive
//! the simulator without writing protocol text.

use crate::instrument::{
    EisRequest, Flow, HoldEnd, Instrument, InstrumentError, Reading, RestRequest, Sink,
};
use crate::plan::*;
use crate::source::Span;
use std::f64::consts::PI;

mod spectrum;
pub use spectrum::{Arc, Spectrum};

/// 0.4 M MgCl2 + 0.4 M Mg(TFSI)2 (the paper's Mg electrolyte).
pub fn mg_electrolyte() -> Vec<Solute> {
    vec![solute("MgCl2", 0.4), solute("Mg(TFSI)2", 0.4)]
}

/// 100 mM Li2S8 (nominal) in TEGDME:DOL, no Mg salt.
pub fn ps_catholyte() -> Vec<Solute> {
    vec![solute("Li2S8", 0.1)]
}

/// 1 M LiPF6 in EC:DEC (LP40).
pub fn lp40() -> Vec<Solute> {
    vec![solute("LiPF6", 1.0)]
}

pub fn solute(species: &str, concentration_m: f64) -> Solute {
    Solute {
        species: species.into(),
        concentration_m,
        nominal: species.starts_with("Li2S"),
    }
}

/// Area of a disc of diameter `d_mm`, cm².
pub fn disc_cm2(d_mm: f64) -> f64 {
    PI * (d_mm / 10.0).powi(2) / 4.0
}

pub fn electrode(material: Material, nominal_cm2: f64, wetted_cm2: f64) -> CellElectrode {
    CellElectrode {
        electrode: format!("{material:?}").to_lowercase(),
        material,
        nominal_area_cm2: nominal_cm2,
        wetted_area_cm2: wetted_cm2,
        pretreatments: vec![Pretreatment::Brush {
            grit: "P1200".into(),
            directions: 8,
        }],
    }
}

/// The paper's pre-passivation: brush, soak 1 h in the Mg electrolyte, DOL wash, dry.
pub fn prepassivated(mut e: CellElectrode, soak_s: f64) -> CellElectrode {
    e.pretreatments.extend([
        Pretreatment::Soak {
            solution: "mg_electrolyte".into(),
            duration_s: soak_s,
        },
        Pretreatment::Wash {
            solvent: "DOL".into(),
        },
        Pretreatment::Dry {
            temperature_c: 25.0,
            duration_s: 600.0,
        },
    ]);
    e
}

/// A two-electrode symmetric cell of `material` discs of `area_cm2` with `volume_ul`.
pub fn symmetric(
    name: &str,
    material: Material,
    area_cm2: f64,
    volume_ul: f64,
    composition: Vec<Solute>,
    separator: &str,
) -> Cell {
    let e = electrode(material, area_cm2, area_cm2);
    Cell {
        name: name.into(),
        kind: CellKind::Symmetric,
        casing: Some(Casing::Swagelok),
        working: e.clone(),
        counter: Some(e),
        reference: None,
        electrolyte: "electrolyte".into(),
        composition,
        solvents: vec![],
        volume_ml: volume_ul / 1e3,
        reference_volume_ml: None,
        electrolyte_ul_per_cm2: volume_ul / (2.0 * area_cm2),
        separator: Some(separator.into()),
        spacers: vec![],
        stack_pressure_pa: None,
        electrode_gap_m: None,
        reference_tip_m: None,
        default_connection: Connection::TwoElectrode,
        normalising_area_cm2: area_cm2,
        coin: None,
        temperature_c: None,
        span: Span::default(),
    }
}

/// The lean Mg/Mg Swagelok cell: 12 mm discs, 80 µL, GF-A.
pub fn lean_mg_cell(name: &str) -> Cell {
    symmetric(
        name,
        Material::Mg,
        disc_cm2(12.0),
        80.0,
        mg_electrolyte(),
        "gf_a",
    )
}

/// The Li/Li pouch cell: 16 mm discs, 20 µL LP40, Celgard 2320.
pub fn li_cell(name: &str) -> Cell {
    let mut c = symmetric(name, Material::Li, disc_cm2(16.0), 20.0, lp40(), "celgard");
    c.casing = Some(Casing::Pouch);
    c
}

/// GC/GC pouch cell with 100 mM Li2S8: 2 cm² discs, GF-A, 80 µL.
pub fn gc_ps_cell(name: &str) -> Cell {
    symmetric(
        name,
        Material::GlassyCarbon,
        2.0,
        80.0,
        ps_catholyte(),
        "gf_a",
    )
}

/// Pre-passivated Mg/Mg pouch cell with 100 mM Li2S8 (12 mm discs soaked 1 h, DOL wash).
pub fn prepassivated_mg_ps_cell(name: &str) -> Cell {
    let mut c = symmetric(
        name,
        Material::Mg,
        disc_cm2(12.0),
        80.0,
        ps_catholyte(),
        "gf_a",
    );
    c.working = prepassivated(c.working, 3600.0);
    c.counter = c.counter.map(|e| prepassivated(e, 3600.0));
    c.casing = Some(Casing::Pouch);
    c
}

/// The flooded three-electrode cell: 1 × 4 cm Mg strips (4 cm² normalising area) with
/// `wetted_cm2` immersed, 0.7 mL, 4 mm apart, RE bridge tip midway.
pub fn flooded_cell(name: &str, wetted_cm2: f64) -> Cell {
    let strip = electrode(Material::Mg, 4.0, wetted_cm2);
    Cell {
        name: name.into(),
        kind: CellKind::ThreeElectrode,
        casing: Some(Casing::Glass),
        working: strip.clone(),
        counter: Some(strip),
        reference: Some(electrode(Material::Mg, 2.5, 1.0)),
        electrolyte: "mg_electrolyte".into(),
        composition: mg_electrolyte(),
        solvents: vec![],
        volume_ml: 0.7,
        reference_volume_ml: Some(0.3),
        electrolyte_ul_per_cm2: 700.0 / (2.0 * wetted_cm2),
        separator: None,
        spacers: vec![],
        stack_pressure_pa: None,
        electrode_gap_m: Some(4e-3),
        reference_tip_m: Some(2e-3),
        default_connection: Connection::ThreeElectrode,
        normalising_area_cm2: 4.0,
        coin: None,
        temperature_c: None,
        span: Span::default(),
    }
}

fn separator(name: &str, material: &str, thickness_m: f64) -> Separator {
    Separator {
        name: name.into(),
        material: material.into(),
        diameter_m: None,
        thickness_m,
        span: Span::default(),
    }
}

/// A plan holding `cells` (GF-A 260 µm and Celgard 20 µm separators, default EIS timing).
pub fn plan(cells: Vec<Cell>) -> Plan {
    Plan {
        meta: Meta::default(),
        solutions: vec![],
        electrodes: vec![],
        separators: vec![
            separator("gf_a", "GF-A glass fibre", 260e-6),
            separator("celgard", "Celgard 2320", 20e-6),
        ],
        cells,
        steps: vec![],
        analysis: Analysis::default(),
        limits: SafetyLimits::default(),
        eis_timing: EisTiming::default(),
        total_duration_s: 0.0,
    }
}

/// A sweep from 1 MHz down to `to_hz` at 10 points per decade, 5 mV rms at open circuit.
pub fn sweep(to_hz: f64, connection: Connection) -> EisSweep {
    let frequencies_hz = log_frequencies(1e6, to_hz, 10.0);
    let duration_s = EisTiming::default().sweep_duration_s(&frequencies_hz);
    EisSweep {
        frequencies_hz,
        amplitude_v_rms: 5e-3,
        bias: Bias::OpenCircuit,
        connection,
        points_per_decade: 10.0,
        duration_s,
    }
}

/// A galvanostatic step at `density` (A/cm² of `area_cm2`) for `duration_s`.
pub fn galvanostatic(
    density: f64,
    area_cm2: f64,
    stripping: Role,
    connection: Connection,
    duration_s: f64,
    sample_interval_s: f64,
) -> Galvanostatic {
    Galvanostatic {
        current_a: density * area_cm2,
        current_density_a_per_cm2: density,
        area_cm2,
        stripping,
        plating: match stripping {
            Role::Working => Role::Counter,
            Role::Counter => Role::Working,
        },
        connection,
        stop: StopCondition::Duration { duration_s },
        charge_c: density * area_cm2 * duration_s,
        areal_capacity_c_per_cm2: density * duration_s,
        sample_interval_s,
        limits: vec![],
    }
}

/// Adding `stock_m` Li2S8 stock to `cell` until it holds `target_m`: volumes additive, the
/// flooded level rising with the volume.
pub fn ps_addition(cell: &Cell, stock_m: f64, target_m: f64) -> Addition {
    let before = cell.volume_ml;
    let added = before * target_m / (stock_m - target_m);
    let after = before + added;
    let dilution = before / after;
    let mut composition: Vec<Solute> = cell
        .composition
        .iter()
        .map(|s| solute(&s.species, s.concentration_m * dilution))
        .collect();
    composition.push(solute("Li2S8", target_m));
    let wetted = cell.working.wetted_area_cm2 * after / before;
    Addition {
        stock: "ps_stock".into(),
        volume_ml: added,
        target: Some(solute("Li2S8", target_m)),
        volume_before_ml: before,
        volume_after_ml: after,
        composition_after: composition,
        solvents_after: vec![],
        wetted_area_after_cm2: wetted,
        electrolyte_ul_per_cm2_after: after * 1e3 / (2.0 * wetted),
    }
}

/// Collects every reading; optionally asks to stop the step when `stop` says so.
#[derive(Default)]
pub struct CollectSink {
    pub readings: Vec<Reading>,
    pub stop: Option<fn(&Reading) -> bool>,
    pub interrupted: bool,
}

impl Sink for CollectSink {
    fn reading(&mut self, reading: Reading) -> Result<Flow, InstrumentError> {
        let stop = self.stop.is_some_and(|f| f(&reading));
        self.readings.push(reading);
        Ok(if stop { Flow::StopStep } else { Flow::Continue })
    }

    fn interrupted(&self) -> bool {
        self.interrupted
    }
}

/// What the interpreter does for `rest D { eis every E }`: a sweep at each multiple of
/// `every_s` from the rest's start, open circuit in between. Returns the spectra.
pub async fn rest_with_eis<I: Instrument>(
    instrument: &mut I,
    cell: &Cell,
    duration_s: f64,
    every_s: f64,
    sweep: &EisSweep,
) -> Result<Vec<Spectrum>, InstrumentError> {
    let start = instrument.now_s();
    let mut spectra = Vec::new();
    let mut k = 0;
    while (k as f64) * every_s <= duration_s + 1e-9 {
        let offset = start + k as f64 * every_s;
        let gap = offset - instrument.now_s();
        if gap > 0.0 {
            let mut sink = CollectSink::default();
            let rest = RestRequest {
                cell,
                duration_s: gap,
                sample_interval_s: None,
            };
            instrument.rest(rest, &mut sink).await?;
        }
        let mut sink = CollectSink::default();
        let end = instrument
            .eis(EisRequest { cell, sweep }, &mut sink)
            .await?;
        if end == HoldEnd::Completed {
            spectra.push(Spectrum::from_readings(offset - start, &sink.readings));
        }
        k += 1;
    }
    Ok(spectra)
}
