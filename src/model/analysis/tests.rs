//! The analysis engine on synthetic data of known truth: a lean Mg/Mg cell resting 20 h with
//! a sweep every hour (R growing linearly, C constant), and a stripping step with a rupture
//! at 1 h.

use super::*;
use crate::fit::Circuit;
use crate::fit::synthetic::{cpe_t_for_capacitance, spectrum};
use crate::plan::*;
use crate::source::Span;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const AREA: f64 = 1.131;
const HOUR: f64 = 3600.0;

fn electrode() -> CellElectrode {
    CellElectrode {
        electrode: "mg".into(),
        material: Material::Mg,
        nominal_area_cm2: AREA,
        wetted_area_cm2: AREA,
        pretreatments: Vec::new(),
    }
}

fn step(index: usize, start_s: f64, duration_s: f64, action: Action) -> Step {
    Step {
        index,
        cell: "lean".into(),
        start_s,
        duration_s,
        label: None,
        cycles: vec![],
        temperature_c: None,
        span: Span::default(),
        action,
    }
}

fn sweep_plan() -> EisSweep {
    let f = log_frequencies(1e6, 20e-3, 10.0);
    EisSweep {
        duration_s: EisTiming::default().sweep_duration_s(&f),
        frequencies_hz: f,
        amplitude_v_rms: 5e-3,
        bias: Bias::OpenCircuit,
        connection: Connection::TwoElectrode,
        points_per_decade: 10.0,
    }
}

fn expect(
    text: &str,
    metric: Metric,
    check: Check,
    dimension: crate::units::Dimension,
    unit: &str,
) -> Expect {
    Expect {
        text: text.into(),
        metric,
        check,
        dimension,
        unit: unit.into(),
        observation: Some("O1".into()),
        span: Span::default(),
    }
}

fn series_at(param: SeriesParam, at_s: f64) -> Metric {
    Metric::SeriesAt {
        fit: "rest".into(),
        param,
        at_s,
    }
}

fn stat(param: SeriesParam, stat: SeriesStat) -> Metric {
    Metric::SeriesStat {
        fit: "rest".into(),
        param,
        stat,
        from_s: None,
        to_s: None,
    }
}

pub(super) fn plan() -> Plan {
    use crate::units::Dimension as D;
    let rest = Action::Rest(Rest {
        sample_interval_s: None,
        eis: Some(EisRepeat {
            every_s: HOUR,
            sweep: sweep_plan(),
            sweep_offsets_s: (0..=20).map(|k| k as f64 * HOUR).collect(),
        }),
    });
    let strip = Action::Galvanostatic(Galvanostatic {
        current_a: 1e-3 * AREA,
        current_density_a_per_cm2: 1e-3,
        area_cm2: AREA,
        stripping: Role::Working,
        plating: Role::Counter,
        connection: Connection::ThreeElectrode,
        stop: StopCondition::Duration {
            duration_s: 3.0 * HOUR,
        },
        charge_c: 3.0 * HOUR * 1e-3 * AREA,
        areal_capacity_c_per_cm2: 3.0 * HOUR * 1e-3,
        sample_interval_s: 10.0,
        limits: Vec::new(),
    });
    let thickness = Metric::Thickness {
        capacitance: Box::new(stat(SeriesParam::C, SeriesStat::Mean)),
        eps_r: 10.0,
    };
    Plan {
        meta: Meta::default(),
        solutions: Vec::new(),
        electrodes: Vec::new(),
        separators: Vec::new(),
        cells: vec![Cell {
            name: "lean".into(),
            kind: CellKind::Symmetric,
            casing: Some(Casing::Swagelok),
            working: electrode(),
            counter: Some(electrode()),
            reference: None,
            electrolyte: "mg".into(),
            composition: Vec::new(),
            solvents: Vec::new(),
            volume_ml: 0.08,
            reference_volume_ml: None,
            electrolyte_ul_per_cm2: 35.0,
            separator: None,
            spacers: Vec::new(),
            stack_pressure_pa: None,
            electrode_gap_m: None,
            reference_tip_m: None,
            default_connection: Connection::TwoElectrode,
            normalising_area_cm2: AREA,
            coin: None,
            temperature_c: None,
            span: Span::default(),
        }],
        steps: vec![
            step(0, 100.0, 20.5 * HOUR, rest),
            step(1, 100.0 + 20.5 * HOUR, 3.0 * HOUR, strip),
        ],
        analysis: Analysis {
            fits: vec![FitSpec {
                name: "rest".into(),
                circuit: "Re-R(CPE)".into(),
                steps: vec![0],
                window: FitWindow::HighFrequencyArc,
                span: Span::default(),
            }],
            quantities: vec![
                Derived {
                    name: "d_mg".into(),
                    metric: thickness,
                    dimension: D::Length,
                    unit: "nm".into(),
                    span: Span::default(),
                },
                Derived {
                    name: "i_corr".into(),
                    metric: Metric::CorrosionCurrent {
                        thickness_m: 300e-9,
                        porosity: 0.5,
                        duration_s: 72.0 * HOUR,
                    },
                    dimension: D::CurrentDensity,
                    unit: "uA/cm2".into(),
                    span: Span::default(),
                },
                Derived {
                    name: "growth".into(),
                    metric: Metric::Ratio {
                        numerator: Box::new(series_at(SeriesParam::R, 20.0 * HOUR)),
                        denominator: Box::new(series_at(SeriesParam::R, 0.0)),
                    },
                    dimension: D::Dimensionless,
                    unit: "".into(),
                    span: Span::default(),
                },
            ],
            expects: vec![
                expect(
                    "R at 0 h",
                    series_at(SeriesParam::R, 0.0),
                    Check::Within {
                        target: 40e3,
                        rel_tol: 0.05,
                    },
                    D::ArealResistance,
                    "kOhm cm2",
                ),
                expect(
                    "R at 20 h",
                    series_at(SeriesParam::R, 20.0 * HOUR),
                    Check::Within {
                        target: 400e3,
                        rel_tol: 0.05,
                    },
                    D::ArealResistance,
                    "kOhm cm2",
                ),
                expect(
                    "R linear",
                    stat(SeriesParam::R, SeriesStat::LinearR2),
                    Check::Above { bound: 0.99 },
                    D::Dimensionless,
                    "",
                ),
                expect(
                    "C",
                    stat(SeriesParam::C, SeriesStat::Mean),
                    Check::PlusMinus {
                        target: 17e-6,
                        abs_tol: 1e-6,
                    },
                    D::ArealCapacitance,
                    "uF/cm2",
                ),
                expect(
                    "f R const",
                    stat(SeriesParam::FPeakTimesR, SeriesStat::Spread),
                    Check::Below { bound: 0.1 },
                    D::Dimensionless,
                    "",
                ),
                expect(
                    "d",
                    Metric::Named {
                        name: "d_mg".into(),
                    },
                    Check::Between {
                        low: 0.45e-9,
                        high: 0.6e-9,
                    },
                    D::Length,
                    "nm",
                ),
                expect(
                    "activation",
                    Metric::Trace {
                        step: 1,
                        metric: TraceMetric::ActivationTime,
                    },
                    Check::Within {
                        target: HOUR,
                        rel_tol: 0.05,
                    },
                    D::Time,
                    "h",
                ),
                expect(
                    "initial",
                    Metric::Trace {
                        step: 1,
                        metric: TraceMetric::InitialOverpotential,
                    },
                    Check::Within {
                        target: 0.5,
                        rel_tol: 0.02,
                    },
                    D::Potential,
                    "mV",
                ),
                expect(
                    "strip R",
                    Metric::Trace {
                        step: 1,
                        metric: TraceMetric::StrippingResistance,
                    },
                    Check::Within {
                        target: 90.0,
                        rel_tol: 0.03,
                    },
                    D::ArealResistance,
                    "Ohm cm2",
                ),
                // These two cannot be evaluated: they must fail with a reason.
                expect(
                    "no such fit",
                    Metric::SeriesAt {
                        fit: "other".into(),
                        param: SeriesParam::R,
                        at_s: 0.0,
                    },
                    Check::Above { bound: 0.0 },
                    D::ArealResistance,
                    "Ohm cm2",
                ),
                expect(
                    "not galvanostatic",
                    Metric::Trace {
                        step: 0,
                        metric: TraceMetric::FinalOverpotential,
                    },
                    Check::Above { bound: 0.0 },
                    D::Potential,
                    "mV",
                ),
            ],
        },
        limits: SafetyLimits::default(),
        eis_timing: EisTiming::default(),
        total_duration_s: 23.5 * HOUR,
    }
}

/// Sweeps of a cell whose areal R grows 40 → 400 kΩ·cm² over 20 h at 17 µF/cm², P = 0.97.
pub(super) fn sweeps(rng: &mut ChaCha8Rng) -> Vec<SweepData> {
    let circuit = Circuit::parse("Re-R(CPE)").unwrap();
    let f = log_frequencies(1e6, 20e-3, 10.0);
    (0..=20)
        .map(|k| {
            let t_h = k as f64;
            let r = (40e3 + 18e3 * t_h) / AREA;
            let c = 17e-6 * AREA;
            let params = [20.0 / AREA, r, cpe_t_for_capacitance(r, c, 0.97), 0.97];
            SweepData {
                step: 0,
                sweep: k,
                start_s: 100.0 + t_h * HOUR,
                frequencies_hz: f.clone(),
                z_ohm: spectrum(&circuit, &params, &f, 0.003, rng),
            }
        })
        .collect()
}

/// 500 mV until a rupture at 1 h, falling to 90 mV within about two minutes, ±1 mV noise.
fn trace(rng: &mut ChaCha8Rng) -> TraceData {
    let start = 100.0 + 20.5 * HOUR;
    let samples = (0..=1080)
        .map(|k| {
            let t = k as f64 * 10.0;
            let eta = if t < HOUR {
                0.5
            } else {
                0.09 + 0.41 * (-(t - HOUR) / 30.0).exp()
            };
            (start + t, eta + rng.random_range(-1e-3..1e-3), 1e-3 * AREA)
        })
        .collect();
    TraceData { step: 1, samples }
}

#[test]
fn recovers_the_synthetic_cell() {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let plan = plan();
    let result = analyze(&plan, &sweeps(&mut rng), &[trace(&mut rng)]);
    let series = result.series("rest").unwrap();
    assert_eq!(series.sweeps.len(), 21);
    assert!(
        series.sweeps.iter().all(|s| s.ok && s.kk_ok == Some(true)),
        "{:?}",
        result.warnings
    );
    assert_eq!(series.sweeps[3].t_s, 3.0 * HOUR);
    for e in &result.expects[..9] {
        assert!(
            e.pass,
            "{} failed: {} (expected {}), {:?}",
            e.text, e.display, e.expected, e.reason
        );
    }
    let missing: Vec<&ExpectResult> = result.expects[9..].iter().collect();
    assert!(missing.iter().all(|e| !e.pass && e.reason.is_some()));
    assert_eq!(missing[0].reason.as_deref(), Some("no fit named `other`"));
    assert!(
        missing[1]
            .reason
            .as_ref()
            .unwrap()
            .contains("not galvanostatic")
    );
    let i_corr = result.quantity("i_corr").unwrap();
    assert_eq!(i_corr.display, "0.9918 uA/cm2");
    let growth = result.quantity("growth").unwrap().value.unwrap();
    assert!((growth / 10.0 - 1.0).abs() < 0.05, "{growth}");
    assert!(result.quantity("d_mg").unwrap().display.ends_with(" nm"));
}

#[test]
fn json_round_trips_and_csv_has_a_row_per_sweep() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let result = analyze(&plan(), &sweeps(&mut rng), &[]);
    let json = serde_json::to_string(&result).unwrap();
    let back: AnalysisResult = serde_json::from_str(&json).unwrap();
    assert_eq!(back.expects.len(), result.expects.len());
    let csv = fits_csv(&result);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 22);
    assert!(lines[0].starts_with("fit,step,sweep,t_s,t_h,ok,incomplete,undetermined,r_ohm_cm2"));
    assert!(lines[0].contains(",R,R_stderr,CPE_T,"));
    // Without the trace, the trace expects fail with a reason rather than panic.
    let activation = result
        .expects
        .iter()
        .find(|e| e.text == "activation")
        .unwrap();
    assert!(!activation.pass);
    assert!(
        activation
            .reason
            .as_ref()
            .unwrap()
            .contains("no potential trace")
    );
}

#[test]
fn no_data_at_all_fails_every_expect_with_a_reason() {
    let result = analyze(&plan(), &[], &[]);
    assert!(result.expects.iter().all(|e| !e.pass && e.reason.is_some()));
    assert!(result.warnings.iter().any(|w| w.contains("no EIS sweep")));
}
