//! What the model does not capture is said, not silently assumed.

use mgp::instrument::sim::testing::*;
use mgp::instrument::sim::{SimInstrument, SimOptions};
use mgp::instrument::{GalvanoRequest, Instrument, Reading, RestRequest};
use mgp::plan::{Cell, Connection, Material, Role};

/// The warnings a 1 h rest on `cell` (its first step) delivers, twice in a row.
async fn warnings_of_two_rests(cell: &Cell) -> (Vec<String>, Vec<String>) {
    let mut sim = SimInstrument::new(SimOptions {
        noise: 0.0,
        ..SimOptions::default()
    })
    .unwrap();
    sim.prepare(&plan(vec![cell.clone()])).await.unwrap();
    let mut out = vec![];
    for _ in 0..2 {
        let mut sink = CollectSink::default();
        let request = RestRequest {
            cell,
            duration_s: 3600.0,
            sample_interval_s: Some(600.0),
        };
        sim.rest(request, &mut sink).await.unwrap();
        out.push(
            sink.readings
                .into_iter()
                .filter_map(|r| match r {
                    Reading::Warning { message, .. } => Some(message),
                    _ => None,
                })
                .collect(),
        );
    }
    let second = out.pop().unwrap();
    (out.pop().unwrap(), second)
}

#[tokio::test]
async fn li_outside_a_li_salt_electrolyte_is_flagged_once_at_assembly() {
    let mut mixed = lean_mg_cell("mixed");
    mixed.counter = Some(electrode(Material::Li, 1.131, 1.131));
    let (first, second) = warnings_of_two_rests(&mixed).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(
        first[0].contains("`mixed`") && first[0].contains("LP40"),
        "{first:?}"
    );
    assert!(second.is_empty(), "{second:?}");

    let li_in_catholyte = symmetric("ps", Material::Li, 1.131, 80.0, ps_catholyte(), "gf_a");
    assert_eq!(warnings_of_two_rests(&li_in_catholyte).await.0.len(), 1);

    // Li in LP40, and Mg in its own electrolyte: nothing to say.
    for cell in [li_cell("li"), lean_mg_cell("mg")] {
        let (first, second) = warnings_of_two_rests(&cell).await;
        assert!(first.is_empty() && second.is_empty(), "{first:?}");
    }
}

/// Samples (t, V, I) and warnings of a 1 h hold at 0.1 mA/cm² on a fresh GC/Li cell holding
/// `volume_ul` of 0.1 M Li2S8 (Li carries its current by Li⁺/Li; the warnings leave out the
/// note that Li is modelled with its LP40 parameters).
async fn gc_hold(volume_ul: f64) -> (Vec<(f64, f64, f64)>, Vec<String>) {
    let area = 1.131;
    let mut cell = symmetric(
        "gc",
        Material::GlassyCarbon,
        area,
        volume_ul,
        ps_catholyte(),
        "gf_a",
    );
    cell.counter = Some(electrode(Material::Li, area, area));
    let mut sim = SimInstrument::new(SimOptions {
        noise: 0.0,
        ..SimOptions::default()
    })
    .unwrap();
    sim.prepare(&plan(vec![cell.clone()])).await.unwrap();
    let step = galvanostatic(
        1e-4,
        area,
        Role::Working,
        Connection::TwoElectrode,
        3600.0,
        60.0,
    );
    let mut sink = CollectSink::default();
    let request = GalvanoRequest {
        cell: &cell,
        step: &step,
        duration_s: 3600.0,
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
            Reading::Warning { message, .. } if !message.contains("LP40") => warnings.push(message),
            _ => {}
        }
    }
    (samples, warnings)
}

/// 10 µL of 0.1 M Li2S8 holds 1 µmol: a GC electrode against Li turning it over at |I|/2F
/// uses it up in 2cVF/I = 1706 s at 0.113 mA; after that only the leakage is left and the
/// cell sits at the compliance. Four times the volume lasts the hour. (In a GC/GC cell the two
/// electrodes' products regenerate it: see `sim_history`.)
#[tokio::test]
async fn glassy_carbon_uses_up_the_polysulfide_it_turns_over() {
    let exhausted_s = 2.0 * 0.1 * 10e-6 * 96_485.332_12 / (1e-4 * 1.131);
    let (lean, warnings) = gc_hold(10.0).await;
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("compliance"), "{warnings:?}");
    let at_rail = lean
        .iter()
        .find(|s| s.1 >= 9.99)
        .expect("reaches the rail")
        .0;
    assert!(
        at_rail > exhausted_s - 120.0 && at_rail <= exhausted_s + 60.0,
        "{at_rail} s vs {exhausted_s} s"
    );
    for &(t, v, i) in &lean {
        assert!(v.abs() <= 10.0);
        if t < at_rail - 300.0 {
            assert!(
                v - lean[0].1 < 0.5 && (i - 1.131e-4).abs() < 1e-12,
                "{t} s: {v} V {i} A"
            );
        } else if t >= at_rail {
            assert!(i < 1e-6, "{t} s: {i} A");
        }
    }

    let (flooded, warnings) = gc_hold(40.0).await;
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(
        flooded.iter().all(|s| s.1 - flooded[0].1 < 0.3),
        "{:?}",
        flooded.last()
    );
    // Still, it is used: the overpotential grows as the polysulfide goes.
    assert!(
        flooded.last().unwrap().1 > flooded[0].1 + 0.02,
        "{:?} {:?}",
        flooded[0],
        flooded.last()
    );
}
