//! Synthetic run folders for the report tests: a small plan (a lean Mg/Mg cell resting with
//! repeated EIS, an addition, galvanostatic stripping/plating at two currents in a flooded
//! cell, an open-circuit rest), a journal written with the real `JournalWriter`, a manifest,
//! and optionally the real analysis of it (`mgp::run::analyze::analyze_run`).
//!
//! The impedance is a physical toy (Re + R ∥ CPE with R growing linearly in time), not a
//! figure: enough to check that the report draws what it is given.

#![allow(dead_code)]

use mgp::instrument::{InstrumentInfo, Reading};
use mgp::plan::*;
use mgp::report::plots::{Figure, Scale, svg_texts};
use mgp::run::folder::{Manifest, RunFolder, sha256_hex};
use mgp::run::journal::{Event, JournalWriter, RunStatus, StepStatus};
use mgp::source::Span;
use mgp::units::Dimension;
use num_complex::Complex;
use std::f64::consts::PI;
use std::fmt::Write as _;
use std::path::Path;

pub const LEAN_AREA: f64 = 1.131;
pub const FLOODED_AREA: f64 = 2.0;
const CPE_T: f64 = 1.7e-5;
const CPE_P: f64 = 0.92;
const RE: f64 = 15.0;

/// How a synthetic run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Completed,
    /// The instrument disconnects during the second galvanostatic step.
    Failed,
    /// Killed during the first rest: no end records, a torn last line, manifest "running".
    Killed,
}

fn span(line: usize) -> Span {
    Span {
        start: 0,
        end: 0,
        line,
        column: 1,
    }
}

fn mg_electrode(name: &str, area: f64) -> CellElectrode {
    CellElectrode {
        electrode: name.into(),
        material: Material::Mg,
        nominal_area_cm2: area,
        wetted_area_cm2: area,
        pretreatments: vec![Pretreatment::Brush {
            grit: "P1200".into(),
            directions: 8,
        }],
    }
}

fn electrolyte() -> (Vec<Solute>, Vec<SolventPart>) {
    (
        vec![
            Solute {
                species: "MgCl2".into(),
                concentration_m: 0.4,
                nominal: false,
            },
            Solute {
                species: "Mg(TFSI)2".into(),
                concentration_m: 0.4,
                nominal: false,
            },
        ],
        vec![
            SolventPart {
                name: "TEGDME".into(),
                parts: 1.0,
            },
            SolventPart {
                name: "DOL".into(),
                parts: 1.0,
            },
        ],
    )
}

fn cell(name: &str, kind: CellKind, area: f64) -> Cell {
    let (composition, solvents) = electrolyte();
    Cell {
        name: name.into(),
        kind,
        casing: Some(if kind == CellKind::Symmetric {
            Casing::Swagelok
        } else {
            Casing::Glass
        }),
        working: mg_electrode("mg_disc", area),
        counter: Some(mg_electrode("mg_disc", area)),
        reference: (kind == CellKind::ThreeElectrode).then(|| mg_electrode("mg_strip", 2.5)),
        electrolyte: "mg_electrolyte".into(),
        composition,
        solvents,
        volume_ml: 0.08,
        reference_volume_ml: None,
        electrolyte_ul_per_cm2: 80.0 / (2.0 * area),
        separator: Some("gf".into()),
        spacers: vec![],
        stack_pressure_pa: None,
        electrode_gap_m: None,
        reference_tip_m: None,
        default_connection: Connection::TwoElectrode,
        normalising_area_cm2: area,
        coin: None,
        temperature_c: None,
        span: span(12),
    }
}

pub fn sweep(points: usize) -> EisSweep {
    let frequencies_hz = log_frequencies(1e6, 20e-3, (points - 1) as f64 / 7.7);
    EisSweep {
        duration_s: EisTiming::default().sweep_duration_s(&frequencies_hz),
        frequencies_hz,
        amplitude_v_rms: 5e-3,
        bias: Bias::OpenCircuit,
        connection: Connection::TwoElectrode,
        points_per_decade: 5.0,
    }
}

fn step(index: usize, cell: &str, start_s: f64, duration_s: f64, action: Action) -> Step {
    Step {
        index,
        cell: cell.into(),
        start_s,
        duration_s,
        label: None,
        cycles: vec![],
        temperature_c: None,
        span: span(20 + index),
        action,
    }
}

fn rest_with_eis(hours: f64, every_s: f64) -> Action {
    let n = (hours * 3600.0 / every_s).round() as usize + 1;
    Action::Rest(Rest {
        sample_interval_s: None,
        eis: Some(EisRepeat {
            every_s,
            sweep: sweep(40),
            sweep_offsets_s: (0..n).map(|k| k as f64 * every_s).collect(),
        }),
    })
}

fn galvano(density: f64, stripping: bool, duration_s: f64) -> Action {
    let (strip, plate) = if stripping {
        (Role::Working, Role::Counter)
    } else {
        (Role::Counter, Role::Working)
    };
    Action::Galvanostatic(Galvanostatic {
        current_a: density * FLOODED_AREA,
        current_density_a_per_cm2: density,
        area_cm2: FLOODED_AREA,
        stripping: strip,
        plating: plate,
        connection: Connection::ThreeElectrode,
        stop: StopCondition::Duration { duration_s },
        charge_c: density * FLOODED_AREA * duration_s,
        areal_capacity_c_per_cm2: density * duration_s,
        sample_interval_s: 60.0,
        limits: vec![PotentialLimit {
            max_abs_v: 2.0,
            on_limit: OnLimit::EndStep,
        }],
    })
}

/// The plan of the synthetic run. `with_analysis` adds an analyze block.
pub fn plan(with_analysis: bool) -> Plan {
    let (composition, solvents) = electrolyte();
    let mut steps = vec![
        step(0, "lean", 0.0, 20.0 * 3600.0, rest_with_eis(20.0, 3600.0)),
        step(
            1,
            "lean",
            72000.0,
            60.0,
            Action::Addition(Addition {
                stock: "li2s8_stock".into(),
                volume_ml: 0.02,
                target: None,
                volume_before_ml: 0.08,
                volume_after_ml: 0.1,
                composition_after: composition.clone(),
                solvents_after: solvents.clone(),
                wetted_area_after_cm2: LEAN_AREA,
                electrolyte_ul_per_cm2_after: 44.0,
            }),
        ),
        step(2, "lean", 72060.0, 3600.0, rest_with_eis(1.0, 600.0)),
    ];
    let mut t = 75660.0;
    for (density, hours) in [(10e-3, 0.5), (1e-3, 2.0)] {
        for stripping in [true, false] {
            let index = steps.len();
            steps.push(step(
                index,
                "flooded",
                t,
                hours * 3600.0,
                galvano(density, stripping, hours * 3600.0),
            ));
            t += hours * 3600.0;
        }
    }
    let index = steps.len();
    steps.push(step(
        index,
        "flooded",
        t,
        1800.0,
        Action::Rest(Rest {
            sample_interval_s: Some(60.0),
            eis: None,
        }),
    ));
    t += 1800.0;
    steps[2].label = Some("after addition".into());
    let analysis = if with_analysis {
        let r20 = Metric::SeriesAt {
            fit: "mg".into(),
            param: SeriesParam::R,
            at_s: 72000.0,
        };
        Analysis {
            fits: vec![FitSpec {
                name: "mg".into(),
                circuit: "Re-R(CPE)".into(),
                steps: vec![0],
                window: FitWindow::HighFrequencyArc,
                span: span(40),
            }],
            quantities: vec![Derived {
                name: "r_20h".into(),
                metric: r20.clone(),
                dimension: Dimension::ArealResistance,
                unit: "kOhm cm2".into(),
                span: span(41),
            }],
            expects: vec![
                Expect {
                    text: "R at 20 h within 15 % of 400 kOhm cm2".into(),
                    metric: r20,
                    check: Check::Within {
                        target: 400e3,
                        rel_tol: 0.15,
                    },
                    dimension: Dimension::ArealResistance,
                    unit: "kOhm cm2".into(),
                    observation: Some("O1".into()),
                    span: span(42),
                },
                Expect {
                    text: "C stays at 17 +/- 3 uF/cm2".into(),
                    metric: Metric::SeriesStat {
                        fit: "mg".into(),
                        param: SeriesParam::C,
                        stat: SeriesStat::Mean,
                        from_s: None,
                        to_s: None,
                    },
                    check: Check::PlusMinus {
                        target: 17e-6,
                        abs_tol: 3e-6,
                    },
                    dimension: Dimension::ArealCapacitance,
                    unit: "uF/cm2".into(),
                    observation: Some("O2".into()),
                    span: span(43),
                },
                // Fails on purpose: the report must show a failed expect.
                Expect {
                    text: "peak frequency at 20 h above 1 Hz".into(),
                    metric: Metric::SeriesAt {
                        fit: "mg".into(),
                        param: SeriesParam::FPeak,
                        at_s: 72000.0,
                    },
                    check: Check::Above { bound: 1.0 },
                    dimension: Dimension::Frequency,
                    unit: "Hz".into(),
                    observation: None,
                    span: span(44),
                },
            ],
        }
    } else {
        Analysis::default()
    };
    Plan {
        meta: Meta {
            title: Some("Mg interphase: synthetic report fixture".into()),
            source: Some("doi:10.1039/D6FD00029K".into()),
            author: Some("report tests".into()),
            notes: vec!["Generated by tests/report_support.".into()],
            files: vec!["fixture.mgp".into()],
        },
        solutions: vec![Solution {
            name: "mg_electrolyte".into(),
            solutes: composition,
            solvents,
            ratio_basis: "volume".into(),
            water_max_ppm: Some(1.0),
            span: span(3),
        }],
        electrodes: vec![Electrode {
            name: "mg_disc".into(),
            material: Material::Mg,
            geometry: Geometry::Disc { diameter_m: 12e-3 },
            thickness_m: Some(100e-6),
            area_cm2: LEAN_AREA,
            pretreatments: vec![],
            span: span(6),
        }],
        separators: vec![Separator {
            name: "gf".into(),
            material: "GF-A glass fibre".into(),
            diameter_m: Some(13e-3),
            thickness_m: 260e-6,
            span: span(9),
        }],
        cells: vec![
            cell("lean", CellKind::Symmetric, LEAN_AREA),
            cell("flooded", CellKind::ThreeElectrode, FLOODED_AREA),
        ],
        steps,
        analysis,
        limits: SafetyLimits::default(),
        eis_timing: EisTiming::default(),
        total_duration_s: t,
    }
}

/// Areal arc resistance at `hours` into the first rest; after the addition it collapses.
pub fn r_areal(step: usize, hours: f64) -> f64 {
    if step == 0 {
        40e3 + 18e3 * hours
    } else {
        2.5e3 + 50.0 * hours
    }
}

/// Absolute impedance of Re + R ∥ CPE for a cell of area `area` (R areal, T areal).
pub fn impedance(f: f64, r_areal: f64, area: f64) -> Complex<f64> {
    let w = 2.0 * PI * f;
    let r = r_areal / area;
    let t = CPE_T * area;
    let cpe = Complex::new(0.0, w).powf(CPE_P) * t;
    Complex::new(RE, 0.0) + r / (Complex::new(1.0, 0.0) + cpe * r)
}

/// A deterministic "noise" in [−1, 1] (no RNG: the fixture must not change between runs).
fn wobble(k: usize, s: usize) -> f64 {
    ((k * 7919 + s * 104729) % 1000) as f64 / 500.0 - 1.0
}

/// Writes the run folder into `dir`.
pub fn write_run(dir: &Path, ending: Ending, with_analysis: bool) {
    let plan = plan(with_analysis);
    let folder = RunFolder::create(dir).unwrap();
    folder.write_json(&folder.plan(), &plan).unwrap();
    let mut j = JournalWriter::create(&folder.journal()).unwrap();
    j.write(
        0.0,
        None,
        Event::RunStarted {
            protocol: "fixture.mgp".into(),
            instrument: "sim".into(),
        },
    )
    .unwrap();
    let mut t: f64 = 0.0;
    let mut status = RunStatus::Completed;
    let mut reason = None;
    let mut stopped = None;
    'steps: for step in &plan.steps {
        let index = Some(step.index);
        t = t.max(step.start_s);
        j.write(
            t,
            index,
            Event::StepStarted {
                kind: step.action.kind().into(),
                cell: step.cell.clone(),
                planned_start_s: step.start_s,
                planned_duration_s: step.duration_s,
                line: step.span.line,
                cycles: vec![],
                temperature_c: None,
            },
        )
        .unwrap();
        let area = plan.cell(&step.cell).unwrap().normalising_area_cm2;
        match &step.action {
            Action::Rest(rest) => {
                if let Some(eis) = &rest.eis {
                    for (n, offset) in eis.sweep_offsets_s.iter().enumerate() {
                        if ending == Ending::Killed && n == 4 {
                            // Every record is flushed, so a second handle appends after it.
                            use std::io::Write;
                            let mut file = std::fs::OpenOptions::new()
                                .append(true)
                                .open(folder.journal())
                                .unwrap();
                            file.write_all(b"{\"seq\":999,\"t_s\":14400.5,\"step\":0,\"ev")
                                .unwrap();
                            status = RunStatus::Running;
                            break 'steps;
                        }
                        t = step.start_s + offset;
                        j.write(t, index, Event::SweepStarted { sweep: n }).unwrap();
                        let r = r_areal(step.index, offset / 3600.0);
                        for (k, &f) in eis.sweep.frequencies_hz.iter().enumerate() {
                            t += EisTiming::default().point_duration_s(f);
                            let z = impedance(f, r, area) * (1.0 + 0.004 * wobble(k, n));
                            let reading = Reading::EisPoint {
                                t_s: t,
                                frequency_hz: f,
                                z_real_ohm: z.re,
                                z_imag_ohm: z.im,
                            };
                            j.write(t, index, Event::Reading { reading }).unwrap();
                        }
                        j.write(t, index, Event::SweepEnded { sweep: n }).unwrap();
                    }
                    t = step.start_s + step.duration_s;
                }
                if let Some(dt) = rest.sample_interval_s {
                    let n = (step.duration_s / dt) as usize;
                    for k in 0..=n {
                        let reading = Reading::Ocv {
                            t_s: t,
                            potential_v: 0.0015 * (-(k as f64) / 10.0).exp()
                                + 0.0002 * wobble(k, 1),
                        };
                        j.write(t, index, Event::Reading { reading }).unwrap();
                        t += dt;
                    }
                }
            }
            Action::Galvanostatic(g) => {
                let n = (step.duration_s / g.sample_interval_s) as usize;
                let sign = if g.stripping == Role::Working {
                    1.0
                } else {
                    -1.0
                };
                for k in 0..=n {
                    if ending == Ending::Failed && step.index == 4 && k == n / 2 {
                        j.write(
                            t,
                            index,
                            Event::Error {
                                message: "the instrument disconnected: serial port closed".into(),
                            },
                        )
                        .unwrap();
                        j.write(
                            t,
                            index,
                            Event::StepEnded {
                                status: StepStatus::Failed,
                            },
                        )
                        .unwrap();
                        status = RunStatus::Failed;
                        reason =
                            Some("step 4: the instrument disconnected: serial port closed".into());
                        stopped = Some(4);
                        break 'steps;
                    }
                    let ts = k as f64 * g.sample_interval_s;
                    let eta = galvano_overpotential(g.current_density_a_per_cm2, sign > 0.0, ts);
                    let reading = Reading::Galvano {
                        t_s: t,
                        potential_v: sign * eta,
                        current_a: sign * g.current_a,
                    };
                    j.write(t, index, Event::Reading { reading }).unwrap();
                    if k == 3 && step.index == 3 {
                        let reading = Reading::Warning {
                            t_s: t,
                            message: "current range changed to 10 mA".into(),
                        };
                        j.write(t, index, Event::Reading { reading }).unwrap();
                    }
                    t += g.sample_interval_s;
                }
                t = step.start_s + step.duration_s;
            }
            Action::Addition(a) => {
                j.write(
                    t,
                    index,
                    Event::Addition {
                        stock: a.stock.clone(),
                        volume_ml: a.volume_ml,
                        composition_after: a.composition_after.clone(),
                    },
                )
                .unwrap();
                t += step.duration_s;
            }
            _ => {}
        }
        j.write(
            t,
            index,
            Event::StepEnded {
                status: StepStatus::Completed,
            },
        )
        .unwrap();
    }
    if status != RunStatus::Running {
        j.write(
            t,
            None,
            Event::RunEnded {
                status,
                reason: reason.clone(),
            },
        )
        .unwrap();
    }
    let text = "protocol \"fixture\" { }\n";
    let manifest = Manifest {
        protocol_path: "protocols/fixture.mgp".into(),
        protocol_sha256: sha256_hex(text),
        protocol_text: text.into(),
        mgp_version: "0.1.0".into(),
        instrument: InstrumentInfo {
            kind: "sim".into(),
            description: "built-in simulator".into(),
            parameters: serde_json::json!({"seed": 7}),
        },
        seed: Some(7),
        parameter_set: Some("mg-lean".into()),
        started_at: "2026-01-01T00:00:00Z".into(),
        ended_at: (status != RunStatus::Running).then(|| "2026-01-02T00:00:00Z".into()),
        status,
        reason,
        stopped_at_step: stopped,
        planned_duration_s: plan.total_duration_s,
        elapsed_s: (status != RunStatus::Running).then_some(t),
        wall_duration_s: (status != RunStatus::Running).then_some(12.5),
        resumes: 0,
        not_modelled: vec![],
    };
    folder.write_json(&folder.manifest(), &manifest).unwrap();
    if with_analysis {
        // The real analysis stage, as `mgp analyze` runs it: analysis.json and fits.csv.
        mgp::run::analyze::analyze_run(dir).unwrap();
    }
}

/// Stripping: ~500 mV falling abruptly to a plateau at ~0.8 h; plating: flat ~550 mV.
pub fn galvano_overpotential(density: f64, stripping: bool, t_s: f64) -> f64 {
    if stripping {
        let plateau = 0.09 + 22.0 * density;
        plateau + (0.5 - plateau) / (1.0 + ((t_s - 1000.0) / 60.0).exp())
    } else {
        0.55 + 25.0 * density
    }
}

/// One figure's structure: name, title, colour bar, and per panel the axes, the number of data
/// series and the legend (its entries, or only their number when `legend_text` is false).
pub fn describe(out: &mut String, figure: &Figure, legend_text: bool) {
    let _ = writeln!(out, "  {} — {}", figure.name, figure.title);
    if let Some(bar) = &figure.colour_bar {
        let _ = writeln!(out, "    colour bar: {}", bar.label);
    }
    for (i, panel) in figure.panels.iter().enumerate() {
        let scale = |s: Scale| if s == Scale::Log { " (log)" } else { "" };
        let legend: Vec<&str> = panel
            .series
            .iter()
            .filter_map(|s| s.label.as_deref())
            .collect();
        let _ = writeln!(
            out,
            "    panel {}: x {}{}, y {}{}{}; {} data series{}",
            i + 1,
            panel.x.label,
            scale(panel.x.scale),
            panel.y.label,
            scale(panel.y.scale),
            if panel.equal_scale {
                ", equal scales"
            } else {
                ""
            },
            figure.data_series_counts()[i],
            match (legend.is_empty(), legend_text) {
                (true, _) => String::new(),
                (false, true) => format!("; legend {legend:?}"),
                (false, false) => format!("; legend of {}", legend.len()),
            }
        );
    }
}

/// Every axis label and the title are SVG <text> in the drawn figure.
pub fn check_labels_are_drawn(figure: &Figure, svg: &str) {
    let texts = svg_texts(svg);
    let mut wanted = vec![figure.title.clone()];
    for panel in &figure.panels {
        wanted.push(panel.y.label.clone());
    }
    if let Some(last) = figure.panels.last() {
        wanted.push(last.x.label.clone());
    }
    if let Some(bar) = &figure.colour_bar {
        wanted.push(bar.label.clone());
    }
    for label in wanted {
        assert!(
            texts.contains(&label),
            "{}: `{label}` is not drawn; texts: {texts:?}",
            figure.name
        );
    }
}

/// One file: no scripts, links, images or fetched resources; one inline SVG per figure.
pub fn check_self_contained(html: &str, figures: usize) {
    assert_eq!(html.matches("<svg").count(), figures);
    for banned in ["<script", "<link", "<img", "<iframe", "@import", "url("] {
        assert!(!html.contains(banned), "report.html contains `{banned}`");
    }
    let external = html
        .replace("xmlns=\"http://www.w3.org/2000/svg\"", "")
        .matches("http")
        .count();
    assert_eq!(external, 0, "report.html refers to the network");
}
