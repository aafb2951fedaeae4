//! Hand-made plans for the MethodSCRIPT tests, independent of the `.mgp` parser.
//!
//! Gives small but complete [`Plan`]s (one symmetric Mg cell: OCV rest, EIS, galvanostatic
//! hold, an operator step, a rest with repeated EIS) so that script generation, the emulator
//! and the serial driver can be tested without `check`.

use crate::plan::*;
use crate::source::Span;

fn span(line: usize) -> Span {
    Span {
        start: line * 10,
        end: line * 10 + 8,
        line,
        column: 1,
    }
}

fn electrode(name: &str, area_cm2: f64) -> CellElectrode {
    CellElectrode {
        electrode: name.to_string(),
        material: Material::Mg,
        nominal_area_cm2: area_cm2,
        wetted_area_cm2: area_cm2,
        pretreatments: vec![],
    }
}

/// A symmetric Mg|Mg cell named `name` with 1 cm² electrodes.
pub fn cell(name: &str) -> Cell {
    Cell {
        name: name.to_string(),
        kind: CellKind::Symmetric,
        casing: Some(Casing::Swagelok),
        working: electrode("mg", 1.0),
        counter: Some(electrode("mg", 1.0)),
        reference: None,
        electrolyte: "base".to_string(),
        composition: vec![Solute {
            species: "Mg(TFSI)2".into(),
            concentration_m: 0.5,
            nominal: false,
        }],
        solvents: vec![SolventPart {
            name: "TEGDME".into(),
            parts: 1.0,
        }],
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
        span: span(1),
    }
}

/// A log-spaced sweep `from_hz` → `to_hz` at `per_decade`, 10 mV rms at open circuit.
pub fn sweep(from_hz: f64, to_hz: f64, per_decade: f64, timing: &EisTiming) -> EisSweep {
    let frequencies_hz = log_frequencies(from_hz, to_hz, per_decade);
    let duration_s = timing.sweep_duration_s(&frequencies_hz);
    EisSweep {
        frequencies_hz,
        amplitude_v_rms: 0.01,
        bias: Bias::OpenCircuit,
        connection: Connection::TwoElectrode,
        points_per_decade: per_decade,
        duration_s,
    }
}

/// A galvanostatic hold of `current_a` (working electrode strips) sampled every `interval_s`.
pub fn galvanostatic(
    current_a: f64,
    duration_s: f64,
    interval_s: f64,
    limit_v: f64,
) -> Galvanostatic {
    Galvanostatic {
        current_a,
        current_density_a_per_cm2: current_a,
        area_cm2: 1.0,
        stripping: Role::Working,
        plating: Role::Counter,
        connection: Connection::TwoElectrode,
        stop: StopCondition::Duration { duration_s },
        charge_c: current_a * duration_s,
        areal_capacity_c_per_cm2: current_a * duration_s,
        sample_interval_s: interval_s,
        limits: vec![PotentialLimit {
            max_abs_v: limit_v,
            on_limit: OnLimit::EndStep,
        }],
    }
}

/// Builds a plan from actions on cell `sym`, timing the steps one after the other.
pub fn plan_of(actions: Vec<(f64, Action)>) -> Plan {
    let mut steps = Vec::new();
    let mut start_s = 0.0;
    for (index, (duration_s, action)) in actions.into_iter().enumerate() {
        steps.push(Step {
            index,
            cell: "sym".into(),
            start_s,
            duration_s,
            label: None,
            cycles: vec![],
            temperature_c: None,
            span: span(10 + index),
            action,
        });
        start_s += duration_s;
    }
    Plan {
        meta: Meta {
            title: Some("methodscript fixture".into()),
            ..Meta::default()
        },
        solutions: vec![],
        electrodes: vec![],
        separators: vec![],
        cells: vec![cell("sym")],
        steps,
        analysis: Analysis::default(),
        limits: SafetyLimits {
            max_abs_potential_v: Some(2.5),
            max_abs_current_a: None,
            on_limit: Some(OnLimit::Abort),
        },
        eis_timing: EisTiming::default(),
        total_duration_s: start_s,
    }
}

/// OCV rest (60 s every 10 s), one EIS sweep (100 kHz → 1 Hz), a 1 mA hold for 120 s (1 s
/// samples, 1.5 V limit), a wash prompt, then a 10 min rest with a sweep every 5 min.
pub fn demo_plan() -> Plan {
    let timing = EisTiming::default();
    let small = sweep(100e3, 1.0, 5.0, &timing);
    let sweep_s = small.duration_s;
    plan_of(vec![
        (
            60.0,
            Action::Rest(Rest {
                sample_interval_s: Some(10.0),
                eis: None,
            }),
        ),
        (sweep_s, Action::Eis(small.clone())),
        (
            120.0,
            Action::Galvanostatic(galvanostatic(1e-3, 120.0, 1.0, 1.5)),
        ),
        (
            0.0,
            Action::Prompt {
                message: "wash the electrode with DOL".into(),
            },
        ),
        (
            600.0,
            Action::Rest(Rest {
                sample_interval_s: None,
                eis: Some(EisRepeat {
                    every_s: 300.0,
                    sweep: small,
                    sweep_offsets_s: vec![0.0, 300.0],
                }),
            }),
        ),
    ])
}
