//! The simulated potentiostat at its compliance: the CE–WE voltage stays within ±compliance,
//! the current falls to what the cell carries there, and the model evolves with that current.

use mgp::instrument::sim::testing::*;
use mgp::instrument::sim::{SimInstrument, SimOptions};
use mgp::instrument::{GalvanoRequest, Instrument, Reading};
use mgp::plan::{Cell, Connection, Material, Role};

fn sim(noise: f64) -> SimInstrument {
    SimInstrument::new(SimOptions {
        noise,
        ..SimOptions::default()
    })
    .expect("built-in parameters load")
}

/// Runs one galvanostatic hold on a fresh `cell`: (t, V, I) samples and warnings.
async fn hold(
    noise: f64,
    cell: &Cell,
    density: f64,
    area_cm2: f64,
    role: Role,
    connection: Connection,
    duration_s: f64,
) -> (Vec<(f64, f64, f64)>, Vec<String>) {
    let mut sim = sim(noise);
    sim.prepare(&plan(vec![cell.clone()])).await.unwrap();
    let step = galvanostatic(density, area_cm2, role, connection, duration_s, 10.0);
    let mut sink = CollectSink::default();
    let request = GalvanoRequest {
        cell,
        step: &step,
        duration_s,
        limits: vec![],
    };
    sim.galvanostatic(request, &mut sink).await.unwrap();
    let mut samples = vec![];
    let mut warnings = vec![];
    for r in sink.readings {
        match r {
            Reading::Galvano {
                t_s,
                potential_v,
                current_a,
            } => samples.push((t_s, potential_v, current_a)),
            Reading::Warning { message, .. } => warnings.push(message),
            _ => {}
        }
    }
    (samples, warnings)
}

const LIMIT_V: f64 = 10.0;

#[tokio::test]
async fn a_blocked_electrode_holds_the_rail_and_carries_what_it_can() {
    // Glassy carbon without polysulfide has no faradaic path worth the name.
    let cell = symmetric(
        "gc",
        Material::GlassyCarbon,
        2.0,
        80.0,
        mg_electrolyte(),
        "gf_a",
    );
    let requested = 1e-3 * 2.0;
    let (samples, warnings) = hold(
        0.0,
        &cell,
        1e-3,
        2.0,
        Role::Working,
        Connection::TwoElectrode,
        60.0,
    )
    .await;
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("compliance") && warnings[0].contains("falls to"));
    assert_eq!(samples.len(), 7);
    for &(_, v, i) in &samples {
        // Both electrodes used to be clipped at the rail each, reading 20 V at the full current.
        assert!((v - LIMIT_V).abs() < 1e-6, "{v}");
        assert!(i > 0.0 && i < 0.1 * requested, "{i}");
    }
}

/// The flooded cell at 30 mA/cm²: the film-covered plating electrode cannot take it.
#[tokio::test]
async fn no_reading_exceeds_the_compliance_and_the_current_is_what_flowed() {
    let cell = flooded_cell("f", 0.9);
    let requested = 30e-3 * 0.9;
    for role in [Role::Working, Role::Counter] {
        for connection in [Connection::ThreeElectrode, Connection::TwoElectrode] {
            let (samples, warnings) =
                hold(0.003, &cell, 30e-3, 0.9, role, connection, 7200.0).await;
            let what = format!("{role:?} {connection:?}");
            assert_eq!(warnings.len(), 1, "{what}: {warnings:?}");
            assert_eq!(samples.len(), 721, "{what}");
            let sign = if role == Role::Working { 1.0 } else { -1.0 };
            for &(t, v, i) in &samples {
                assert!(v.abs() <= LIMIT_V, "{what} at {t} s: {v} V");
                assert!(
                    sign * i > 0.0 && sign * i < 0.5 * requested,
                    "{what}: {i} A"
                );
            }
            if connection == Connection::TwoElectrode {
                // The cell voltage is what sits at the rail.
                let (_, v, _) = samples[samples.len() / 2];
                assert!((v.abs() - LIMIT_V).abs() < 0.05, "{what}: {v} V");
            }
        }
    }
}

/// The electrodes evolve with the current that flowed, not the one requested: stripping at
/// 30 mA/cm² requested behaves as stripping at the current the cell carried.
#[tokio::test]
async fn the_state_follows_the_carried_current() {
    let cell = flooded_cell("f", 0.9);
    let three = Connection::ThreeElectrode;
    let (limited, _) = hold(0.0, &cell, 30e-3, 0.9, Role::Working, three, 7200.0).await;
    // Just below the least current carried, so this hold never reaches the rail.
    let carried = limited.iter().map(|s| s.2).fold(f64::INFINITY, f64::min) / 0.9;
    let (free, warnings) = hold(
        0.0,
        &cell,
        0.995 * carried,
        0.9,
        Role::Working,
        three,
        7200.0,
    )
    .await;
    assert!(warnings.is_empty(), "{warnings:?}");
    for (a, b) in limited.iter().zip(&free).step_by(36) {
        assert!((a.1 - b.1).abs() < 0.02, "{a:?} vs {b:?}");
    }
}
