//! The simulator as an instrument: options, parameter files and their errors, determinism,
//! stopping and interruption, pacing, cell topology and protocol events.

use mgp::instrument::sim::testing::*;
use mgp::instrument::sim::{Params, SimError, SimInstrument, SimOptions};
use mgp::instrument::{
    EisRequest, GalvanoRequest, HoldEnd, Instrument, InstrumentError, Reading, RestRequest,
};
use mgp::plan::{Bias, Cell, CellKind, Connection, Material, Role};
use std::io::Write;

const H: f64 = 3600.0;

fn exact() -> SimInstrument {
    SimInstrument::new(SimOptions {
        noise: 0.0,
        ..SimOptions::default()
    })
    .expect("built-in parameters load")
}

async fn sweep_r(sim: &mut SimInstrument, cell: &Cell) -> f64 {
    let sweep = sweep(20e-3, Connection::TwoElectrode);
    let mut sink = CollectSink::default();
    sim.eis(
        EisRequest {
            cell,
            sweep: &sweep,
        },
        &mut sink,
    )
    .await
    .unwrap();
    Spectrum::from_readings(0.0, &sink.readings)
        .low_frequency_arc()
        .unwrap()
        .r_ohm
}

async fn rest(sim: &mut SimInstrument, cell: &Cell, duration_s: f64) {
    let mut sink = CollectSink::default();
    let request = RestRequest {
        cell,
        duration_s,
        sample_interval_s: None,
    };
    assert_eq!(
        sim.rest(request, &mut sink).await.unwrap(),
        HoldEnd::Completed
    );
}

#[test]
fn info_names_the_parameter_sets_and_the_options() {
    let sim = SimInstrument::new(SimOptions {
        seed: 7,
        spread: true,
        ..SimOptions::default()
    })
    .unwrap();
    let info = sim.info();
    assert_eq!(info.kind, "sim");
    for set in ["mg_chloride_glyme", "li_lp40", "li2s8_gc", "cell"] {
        assert!(info.description.contains(set), "{}", info.description);
    }
    assert_eq!(info.parameters["seed"], 7);
    assert_eq!(info.parameters["spread"], true);
    assert_eq!(info.parameters["noise"], 0.003);
    let sets = info.parameters["parameter_sets"].as_array().unwrap();
    let mg = sets
        .iter()
        .find(|s| s["name"] == "mg_chloride_glyme")
        .unwrap();
    let k_max = &mg["entries"]["k_max"];
    assert_eq!(k_max["unit"], "1/h");
    assert!((k_max["internal"].as_f64().unwrap() - 1.425 / 3600.0).abs() < 1e-12);
    assert!(!k_max["source"].as_str().unwrap().is_empty());
}

#[test]
fn every_built_in_value_is_documented() {
    let params = Params::defaults().unwrap();
    for set in &params.sets {
        assert!(!set.description.is_empty());
        for (key, entry) in &set.entries {
            assert!(entry.meaning.len() > 10, "{}.{key}", set.name);
            assert!(entry.source.len() > 3, "{}.{key}", set.name);
        }
    }
}

#[tokio::test]
async fn an_override_file_changes_the_model() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    write!(
        file,
        r#"{{ "mg_chloride_glyme": {{ "r_site0": {{ "value": 40, "unit": "kOhm cm2", "source": "test" }} }} }}"#
    )
    .unwrap();
    let options = SimOptions {
        noise: 0.0,
        params: Some(file.path().to_path_buf()),
        ..SimOptions::default()
    };
    let mut doubled = SimInstrument::new(options).unwrap();
    assert!(doubled.info().description.contains("overridden by"));
    let cell = lean_mg_cell("mg");
    let plan = plan(vec![cell.clone()]);
    doubled.prepare(&plan).await.unwrap();
    let mut normal = exact();
    normal.prepare(&plan).await.unwrap();
    let ratio = sweep_r(&mut doubled, &cell).await / sweep_r(&mut normal, &cell).await;
    assert!((ratio - 2.0).abs() < 0.02, "{ratio}");
}

fn override_error(text: &str) -> SimError {
    match Params::from_override_text("my.json", text) {
        Ok(_) => panic!("{text} should be rejected"),
        Err(e) => e,
    }
}

#[test]
fn parameter_file_mistakes_name_the_file_and_the_key() {
    let e = override_error(r#"{"mg_chloride_glyme": {"k_maxx": {"value": 1, "unit": "1/h"}}}"#);
    assert!(matches!(e, SimError::UnknownKey { .. }));
    assert!(e.to_string().contains("my.json") && e.to_string().contains("k_maxx"));
    let help = miette::Diagnostic::help(&e).unwrap().to_string();
    assert!(help.contains("did you mean `k_max`"), "{help}");

    let e = override_error(r#"{"mg_chloride_glyme": {"d_c": {"value": 8.5, "unit": "h"}}}"#);
    assert!(matches!(e, SimError::WrongUnit { .. }), "{e}");
    assert!(e.to_string().contains("mg_chloride_glyme.d_c"));

    let e = override_error(r#"{"mg_chloride_glyme": {"cpe_p": {"value": 1.5, "unit": ""}}}"#);
    assert!(matches!(e, SimError::BadValue { .. }), "{e}");

    let e = override_error(r#"{"mg_glyme": {}}"#);
    assert!(matches!(e, SimError::UnknownSet { .. }));
    let help = miette::Diagnostic::help(&e).unwrap().to_string();
    assert!(help.contains("mg_chloride_glyme"), "{help}");

    let e = override_error(r#"{"li_lp40": {"r_sei0": {"unit": "Ohm cm2"}}}"#);
    assert!(matches!(e, SimError::Shape { .. }), "{e}");

    let e = override_error("{\"li_lp40\": {\n  \"r_sei0\": 12,,\n}}");
    assert!(matches!(e, SimError::Json { .. }), "{e}");

    let missing = SimInstrument::new(SimOptions {
        params: Some("/nonexistent/params.json".into()),
        ..SimOptions::default()
    });
    assert!(matches!(missing, Err(SimError::Read { .. })));
}

#[test]
fn units_convert_in_overrides() {
    let p = Params::from_override_text(
        "units.json",
        r#"{"mg_chloride_glyme": {"d_c": {"value": 0.0085, "unit": "µm"}, "tau_d": {"value": 54, "unit": "min"}},
            "cell": {"temperature": {"value": 25, "unit": "°C"}}}"#,
    )
    .unwrap();
    assert!((p.mg.d_c - 8.5e-9).abs() < 1e-15);
    assert!((p.mg.tau_d - 3240.0).abs() < 1e-9);
}

#[test]
fn a_wrong_unit_renders_as_a_diagnostic() {
    let e = override_error(
        "{\n  \"mg_chloride_glyme\": {\n    \"tau_open\": { \"value\": 2, \"unit\": \"mV\" }\n  }\n}",
    );
    insta::assert_snapshot!(mgp::diagnostics::render_plain(&e));
}

#[test]
fn bad_options_are_rejected() {
    for options in [
        SimOptions {
            noise: -0.1,
            ..SimOptions::default()
        },
        SimOptions {
            pace: Some(0.0),
            ..SimOptions::default()
        },
        SimOptions {
            noise: f64::NAN,
            ..SimOptions::default()
        },
    ] {
        assert!(matches!(
            SimInstrument::new(options),
            Err(SimError::BadOption { .. })
        ));
    }
}

#[tokio::test]
async fn a_cell_is_assembled_at_its_first_step_then_ages_with_the_others() {
    let (a, b) = (lean_mg_cell("a"), lean_mg_cell("b"));
    let mut both = exact();
    both.prepare(&plan(vec![a.clone(), b.clone()]))
        .await
        .unwrap();
    // Before its first step a cell does not exist.
    assert!(both.probe("a").is_none() && both.probe("b").is_none());
    rest(&mut both, &a, 10.0 * H).await;
    assert_eq!(both.now_s(), 10.0 * H);
    assert!(both.probe("b").is_none());
    // `b` is assembled at 10 h: its first spectrum is that of a fresh cell.
    let r_b = sweep_r(&mut both, &b).await;
    let mut alone = exact();
    alone.prepare(&plan(vec![b.clone()])).await.unwrap();
    let r_fresh = sweep_r(&mut alone, &b).await;
    assert!((r_b / r_fresh - 1.0).abs() < 1e-9, "{r_b} vs {r_fresh}");
    // Once assembled, `a` kept ageing while `b` was measured: it is 10 h (and a sweep) older.
    rest(&mut both, &b, 10.0 * H).await;
    rest(&mut alone, &b, 10.0 * H).await;
    let (pa, pb) = (both.probe("a").unwrap(), both.probe("b").unwrap());
    assert!(
        pa[0].theta < pb[0].theta - 0.01,
        "{} {}",
        pa[0].theta,
        pb[0].theta
    );
    let solo = alone.probe("b").unwrap();
    assert!((pb[0].theta - solo[0].theta).abs() < 1e-12);
}

async fn strip(
    sim: &mut SimInstrument,
    cell: &Cell,
    density: f64,
    role: Role,
    duration_s: f64,
    sink: &mut CollectSink,
) -> Result<HoldEnd, InstrumentError> {
    let step = galvanostatic(
        density,
        4.0,
        role,
        Connection::ThreeElectrode,
        duration_s,
        10.0,
    );
    let request = GalvanoRequest {
        cell,
        step: &step,
        duration_s,
        limits: vec![],
    };
    sim.galvanostatic(request, sink).await
}

#[tokio::test]
async fn a_sink_can_stop_a_hold_and_rest_after_stripping_repassivates() {
    let cell = flooded_cell("f", 4.0);
    let mut sim = exact();
    sim.prepare(&plan(vec![cell.clone()])).await.unwrap();
    // Stop at activation, as a host-side potential limit would.
    let mut sink = CollectSink {
        stop: Some(|r| matches!(r, Reading::Galvano { potential_v, .. } if *potential_v < 0.4)),
        ..CollectSink::default()
    };
    let end = strip(&mut sim, &cell, 3e-3, Role::Working, 5.0 * H, &mut sink)
        .await
        .unwrap();
    assert_eq!(end, HoldEnd::Stopped);
    let last = sink.readings.last().unwrap();
    assert_eq!(sim.now_s(), last.t_s());
    assert!((0.5 * H..1.5 * H).contains(&sim.now_s()));
    assert!(sim.probe("f").unwrap()[0].ruptured);
    // Continuing the hold keeps the ruptured film opening to a = i/j_crit.
    let mut sink = CollectSink::default();
    strip(&mut sim, &cell, 3e-3, Role::Working, H, &mut sink)
        .await
        .unwrap();
    let activated = sim.probe("f").unwrap()[0].clone();
    let j_crit = sim.params().mg.j_crit;
    assert!((activated.active_fraction - 3e-3 / j_crit).abs() < 1e-3);
    let r_active = activated.r_interface_ohm_cm2;

    rest(&mut sim, &cell, 3.0 * H).await;
    let closing = sim.probe("f").unwrap()[0].clone();
    // The pits close on the repassivation time scale; while some are open the film is still
    // broken through, and its damage is kept.
    assert!(closing.ruptured && closing.damage == 1.0);
    let expected = activated.active_fraction * (-3.0f64).exp();
    assert!((closing.active_fraction / expected - 1.0).abs() < 1e-9);
    assert!(closing.r_interface_ohm_cm2 > 10.0 * r_active);
    // Once the last pits have closed (a below a_seal), the damage heals.
    rest(&mut sim, &cell, 6.0 * H).await;
    let healed = sim.probe("f").unwrap()[0].clone();
    let a_seal = sim.params().mg.a_seal;
    assert!(!healed.ruptured && healed.active_fraction == 0.0);
    assert!(
        healed.damage > 0.0 && healed.damage < 1.0,
        "{}",
        healed.damage
    );
    assert!(activated.active_fraction * (-9.0f64).exp() < a_seal);
}

#[tokio::test]
async fn the_plating_side_never_accumulates_damage() {
    let cell = flooded_cell("f", 4.0);
    let mut sim = exact();
    sim.prepare(&plan(vec![cell.clone()])).await.unwrap();
    let mut sink = CollectSink::default();
    strip(&mut sim, &cell, 10e-3, Role::Counter, 3.0 * H, &mut sink)
        .await
        .unwrap();
    let probe = sim.probe("f").unwrap();
    let (we, ce) = (&probe[0], &probe[1]);
    assert!(we.damage == 0.0 && !we.ruptured && we.active_fraction == 0.0);
    // The counter electrode stripped meanwhile and activated.
    assert!(ce.ruptured && ce.active_fraction > 0.1);
    let currents: Vec<f64> = sink
        .readings
        .iter()
        .filter_map(|r| match r {
            Reading::Galvano { current_a, .. } => Some(*current_a),
            _ => None,
        })
        .collect();
    assert!(currents.iter().all(|i| (*i + 0.04).abs() < 1e-15));
}

#[tokio::test]
async fn an_interrupted_run_stops_at_once() {
    let cell = lean_mg_cell("mg");
    let mut sim = exact();
    sim.prepare(&plan(vec![cell.clone()])).await.unwrap();
    let mut sink = CollectSink {
        interrupted: true,
        ..CollectSink::default()
    };
    let request = RestRequest {
        cell: &cell,
        duration_s: 10.0 * H,
        sample_interval_s: Some(60.0),
    };
    assert!(matches!(
        sim.rest(request, &mut sink).await,
        Err(InstrumentError::Interrupted)
    ));
    assert!(sink.readings.is_empty());
}

#[tokio::test]
async fn pacing_makes_wall_time_follow_simulated_time() {
    let cell = lean_mg_cell("mg");
    let mut sim = SimInstrument::new(SimOptions {
        noise: 0.0,
        pace: Some(200.0),
        ..SimOptions::default()
    })
    .unwrap();
    sim.prepare(&plan(vec![cell.clone()])).await.unwrap();
    let started = std::time::Instant::now();
    let mut sink = CollectSink::default();
    let request = RestRequest {
        cell: &cell,
        duration_s: 60.0,
        sample_interval_s: Some(10.0),
    };
    sim.rest(request, &mut sink).await.unwrap();
    // 60 s at 200x is 0.3 s of wall time at least (a lower bound, never a timing target).
    assert!(started.elapsed().as_secs_f64() >= 0.29);
    assert_eq!(sink.readings.len(), 7);
}

#[tokio::test]
async fn topology_errors_are_capability_errors() {
    let mg = lean_mg_cell("mg");
    let mut vial = lean_mg_cell("vial");
    vial.kind = CellKind::SoakVial;
    vial.counter = None;
    let mut sim = exact();
    sim.prepare(&plan(vec![mg.clone(), vial.clone()]))
        .await
        .unwrap();
    let three = sweep(1.0, Connection::ThreeElectrode);
    let mut sink = CollectSink::default();
    let e = sim
        .eis(
            EisRequest {
                cell: &mg,
                sweep: &three,
            },
            &mut sink,
        )
        .await;
    assert!(matches!(e, Err(InstrumentError::Capability(_))));
    let two = sweep(1.0, Connection::TwoElectrode);
    let e = sim
        .eis(
            EisRequest {
                cell: &vial,
                sweep: &two,
            },
            &mut sink,
        )
        .await;
    assert!(matches!(e, Err(InstrumentError::Capability(_))));
    let e = strip(&mut sim, &vial, 1e-3, Role::Working, 60.0, &mut sink).await;
    assert!(matches!(e, Err(InstrumentError::Capability(_))));
    // The vial still ages: a soak is a rest.
    rest(&mut sim, &vial, H).await;
    assert!(sim.probe("vial").unwrap()[0].theta < 1.0);
}

#[tokio::test]
async fn open_circuit_potentials_follow_the_materials() {
    let mut mixed = lean_mg_cell("mixed");
    mixed.counter = Some(electrode(Material::Li, 1.131, 1.131));
    let flooded = flooded_cell("f", 0.9);
    let mut sim = exact();
    sim.prepare(&plan(vec![mixed.clone(), flooded.clone()]))
        .await
        .unwrap();
    for (cell, expected) in [(&mixed, 0.67), (&flooded, 0.0)] {
        let mut sink = CollectSink::default();
        let request = RestRequest {
            cell,
            duration_s: 600.0,
            sample_interval_s: Some(60.0),
        };
        sim.rest(request, &mut sink).await.unwrap();
        // The Li counter in the Mg electrolyte is flagged (see sim_model_limits.rs).
        sink.readings
            .retain(|r| !matches!(r, Reading::Warning { message, .. } if message.contains("LP40")));
        assert_eq!(sink.readings.len(), 11);
        for r in &sink.readings {
            let Reading::Ocv { potential_v, .. } = r else {
                panic!("{r:?}")
            };
            assert!((potential_v - expected).abs() < 1e-12, "{potential_v}");
        }
    }
    // With noise the Mg reference drifts and the samples scatter.
    let mut noisy = SimInstrument::new(SimOptions::default()).unwrap();
    noisy.prepare(&plan(vec![flooded.clone()])).await.unwrap();
    let mut sink = CollectSink::default();
    let request = RestRequest {
        cell: &flooded,
        duration_s: 5.0 * H,
        sample_interval_s: Some(600.0),
    };
    noisy.rest(request, &mut sink).await.unwrap();
    let v: Vec<f64> = sink
        .readings
        .iter()
        .map(|r| match r {
            Reading::Ocv { potential_v, .. } => *potential_v,
            _ => f64::NAN,
        })
        .collect();
    assert!(v.iter().all(|x| x.abs() < 0.05) && v.iter().any(|x| x.abs() > 1e-4));
}

#[tokio::test]
async fn a_biased_sweep_is_flagged_and_a_sink_can_stop_a_sweep() {
    let cell = lean_mg_cell("mg");
    let mut sim = exact();
    sim.prepare(&plan(vec![cell.clone()])).await.unwrap();
    let mut biased = sweep(1.0, Connection::TwoElectrode);
    biased.bias = Bias::VsOpenCircuit { potential_v: 0.1 };
    let mut sink = CollectSink {
        stop: Some(|r| matches!(r, Reading::EisPoint { frequency_hz, .. } if *frequency_hz < 1e3)),
        ..CollectSink::default()
    };
    let end = sim
        .eis(
            EisRequest {
                cell: &cell,
                sweep: &biased,
            },
            &mut sink,
        )
        .await
        .unwrap();
    assert_eq!(end, HoldEnd::Stopped);
    assert!(matches!(sink.readings[0], Reading::Warning { .. }));
    // The warning, 31 points down to 1 kHz and the first point below it.
    assert_eq!(sink.readings.len(), 1 + 32);
}

#[tokio::test]
async fn an_addition_changes_electrolyte_and_wetted_area() {
    let cell = flooded_cell("f", 0.9);
    let mut sim = exact();
    sim.prepare(&plan(vec![cell.clone()])).await.unwrap();
    let addition = ps_addition(&cell, 0.5, 0.1);
    let mut sink = CollectSink::default();
    sim.addition(&cell, &addition, &mut sink).await.unwrap();
    assert!(sink.readings.is_empty());
    let probe = sim.probe("f").unwrap();
    assert!((probe[0].wetted_area_cm2 - 1.125).abs() < 1e-12);
    assert!((probe[1].wetted_area_cm2 - 1.125).abs() < 1e-12);
    assert!(probe[0].r_interface_ohm_cm2 < 1e3);
    assert_eq!(sim.prompt("wash with DOL", &mut sink).await.unwrap(), None);
    sim.abort().await.unwrap();
}

#[tokio::test]
async fn spread_varies_cells_but_keeps_them_plausible() {
    let cells: Vec<Cell> = (0..6).map(|i| lean_mg_cell(&format!("c{i}"))).collect();
    let mut sim = SimInstrument::new(SimOptions {
        noise: 0.0,
        spread: true,
        seed: 11,
        ..SimOptions::default()
    })
    .unwrap();
    sim.prepare(&plan(cells.clone())).await.unwrap();
    let mut r = vec![];
    for c in &cells {
        r.push(sweep_r(&mut sim, c).await * c.normalising_area_cm2);
    }
    let (lo, hi) = r
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
    assert!(hi > lo * 1.02, "{r:?}");
    assert!(lo > 25e3 && hi < 70e3, "{r:?}");
}

#[tokio::test]
async fn a_sweep_takes_its_planned_duration_with_points_at_mid_dwell() {
    let cell = lean_mg_cell("mg");
    let plan = plan(vec![cell.clone()]);
    let mut sim = exact();
    sim.prepare(&plan).await.unwrap();
    rest(&mut sim, &cell, 100.0).await;
    let sweep = sweep(20e-3, Connection::TwoElectrode);
    let mut sink = CollectSink::default();
    sim.eis(
        EisRequest {
            cell: &cell,
            sweep: &sweep,
        },
        &mut sink,
    )
    .await
    .unwrap();
    assert!((sim.now_s() - 100.0 - sweep.duration_s).abs() < 1e-6);
    let mut elapsed = 100.0;
    for (r, f) in sink.readings.iter().zip(&sweep.frequencies_hz) {
        let dwell = plan.eis_timing.point_duration_s(*f);
        assert!((r.t_s() - (elapsed + dwell / 2.0)).abs() < 1e-6);
        elapsed += dwell;
    }
    // The low-frequency end is measured minutes after the high-frequency start.
    let t_last = sink.readings.last().unwrap().t_s();
    assert!(t_last - sink.readings[0].t_s() > 400.0);

    let cell = flooded_cell("f", 4.0);
    let mut sim = exact();
    sim.prepare(&plan_of(&cell)).await.unwrap();
    let mut sink = CollectSink::default();
    strip(&mut sim, &cell, 1e-3, Role::Working, 1234.5, &mut sink)
        .await
        .unwrap();
    assert!((sim.now_s() - 1234.5).abs() < 1e-9);
    // Samples every 10 s from 0 to 1230 s.
    assert_eq!(sink.readings.len(), 124);
}

fn plan_of(cell: &Cell) -> mgp::plan::Plan {
    plan(vec![cell.clone()])
}

fn last_potential(sink: &CollectSink) -> f64 {
    sink.readings
        .iter()
        .rev()
        .find_map(|r| match r {
            Reading::Galvano { potential_v, .. } => Some(*potential_v),
            _ => None,
        })
        .unwrap()
}

/// Stripping at 10 mA/cm² opens the film; plating at 3 mA/cm² afterwards.
#[tokio::test]
async fn a_repassivated_electrode_plates_on_its_film_an_active_one_plates_easily() {
    let cell = flooded_cell("f", 4.0);
    let plan = plan_of(&cell);
    let mut fresh = exact();
    fresh.prepare(&plan).await.unwrap();
    let mut sink = CollectSink::default();
    strip(&mut fresh, &cell, 3e-3, Role::Counter, 1800.0, &mut sink)
        .await
        .unwrap();
    let on_film = last_potential(&sink);

    let mut rested = exact();
    rested.prepare(&plan).await.unwrap();
    strip(&mut rested, &cell, 10e-3, Role::Working, 2.0 * H, &mut sink)
        .await
        .unwrap();
    rest(&mut rested, &cell, 4.0 * H).await;
    let mut sink = CollectSink::default();
    strip(&mut rested, &cell, 3e-3, Role::Counter, 1800.0, &mut sink)
        .await
        .unwrap();
    let after_rest = last_potential(&sink);

    let mut reversed = exact();
    reversed.prepare(&plan).await.unwrap();
    strip(
        &mut reversed,
        &cell,
        10e-3,
        Role::Working,
        2.0 * H,
        &mut sink,
    )
    .await
    .unwrap();
    let mut sink = CollectSink::default();
    strip(&mut reversed, &cell, 3e-3, Role::Counter, 60.0, &mut sink)
        .await
        .unwrap();
    let at_once = last_potential(&sink);

    assert!(on_film < -0.55, "{on_film}");
    assert!(
        (after_rest / on_film - 1.0).abs() < 0.03,
        "{after_rest} vs {on_film}"
    );
    // Right after stripping, the opened pits (a = 10/j_crit) take 3 mA/cm2 back easily.
    assert!(
        at_once.abs() < 0.3 * on_film.abs(),
        "{at_once} vs {on_film}"
    );
}
