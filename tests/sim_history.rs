//! Step history: what one step leaves behind is what the next step starts from. A pause does
//! not undo an activation, a long rest does not make it permanent, damage heals only as fast as
//! the film repassivates, and a symmetric polysulfide cell regenerates what it turns over.

use mgp::instrument::sim::testing::*;
use mgp::instrument::sim::{SimInstrument, SimOptions};
use mgp::instrument::{EisRequest, GalvanoRequest, HoldEnd, Instrument, Reading, RestRequest};
use mgp::plan::{Cell, Connection, Material, Role};

const H: f64 = 3600.0;

fn exact() -> SimInstrument {
    SimInstrument::new(SimOptions {
        noise: 0.0,
        ..SimOptions::default()
    })
    .unwrap()
}

async fn started(cell: &Cell) -> SimInstrument {
    let mut sim = exact();
    sim.prepare(&plan(vec![cell.clone()])).await.unwrap();
    sim
}

/// (t, E) of a galvanostatic hold at `density` (A/cm² of the 4 cm² strip) with the working
/// electrode stripping, sampled every 30 s, vs the reference.
async fn strip(
    sim: &mut SimInstrument,
    cell: &Cell,
    density: f64,
    duration_s: f64,
) -> Vec<(f64, f64)> {
    let step = galvanostatic(
        density,
        4.0,
        Role::Working,
        Connection::ThreeElectrode,
        duration_s,
        30.0,
    );
    let mut sink = CollectSink::default();
    let request = GalvanoRequest {
        cell,
        step: &step,
        duration_s,
        limits: vec![],
    };
    assert_eq!(
        sim.galvanostatic(request, &mut sink).await.unwrap(),
        HoldEnd::Completed
    );
    sink.readings
        .iter()
        .filter_map(|r| match r {
            Reading::Galvano {
                t_s, potential_v, ..
            } => Some((*t_s, *potential_v)),
            _ => None,
        })
        .collect()
}

async fn rest(sim: &mut SimInstrument, cell: &Cell, duration_s: f64) {
    let mut sink = CollectSink::default();
    let request = RestRequest {
        cell,
        duration_s,
        sample_interval_s: None,
    };
    sim.rest(request, &mut sink).await.unwrap();
}

async fn one_sweep(sim: &mut SimInstrument, cell: &Cell) {
    let sweep = sweep(20e-3, Connection::ThreeElectrode);
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
}

/// When the potential first falls below `level`, s from the first sample.
fn activation(trace: &[(f64, f64)], level: f64) -> Option<f64> {
    let t0 = trace.first()?.0;
    trace.iter().find(|s| s.1 < level).map(|s| s.0 - t0)
}

fn last(trace: &[(f64, f64)]) -> f64 {
    trace.last().unwrap().1
}

#[tokio::test]
async fn a_short_pause_between_two_strips_keeps_the_film_open() {
    let cell = flooded_cell("f", 4.0);
    let mut sim = started(&cell).await;
    let first = strip(&mut sim, &cell, 10e-3, 2.0 * H).await;
    let settled = last(&first);
    assert!(activation(&first, 0.5).is_some(), "{settled}");
    rest(&mut sim, &cell, 10.0).await;
    let second = strip(&mut sim, &cell, 10e-3, 2.0 * H).await;
    // The pits opened by the first strip carry the second at once: no new breakdown.
    let worst = second.iter().map(|s| s.1).fold(f64::MIN, f64::max);
    assert!(worst < settled + 0.01, "{worst} V vs {settled} V");
    assert!((last(&second) - settled).abs() < 0.005);
}

#[tokio::test]
async fn after_a_long_rest_a_second_strip_activates_again() {
    let cell = flooded_cell("f", 4.0);
    let mut sim = started(&cell).await;
    let first = strip(&mut sim, &cell, 10e-3, 2.0 * H).await;
    rest(&mut sim, &cell, 5.0 * H).await;
    let second = strip(&mut sim, &cell, 10e-3, 2.0 * H).await;
    // It starts on a repassivated film, above the activated level …
    assert!(second[0].1 > last(&first) + 0.05, "{:?}", second[0]);
    // … and activates again, back to the kinetic level plus the ohmic drop.
    assert!(
        (last(&second) - last(&first)).abs() < 0.01,
        "{} V vs {} V",
        last(&second),
        last(&first)
    );
    // After a much longer rest the pits have sealed; the next strip still activates, later.
    rest(&mut sim, &cell, 12.0 * H).await;
    let third = strip(&mut sim, &cell, 10e-3, 3.0 * H).await;
    let t = activation(&third, 0.5).expect("activates");
    assert!(t > 60.0, "{t} s");
    assert!((last(&third) - last(&first)).abs() < 0.01);
}

/// Activation time of a strip at 10 mA/cm² interrupted after 0.3 h by `pause`.
async fn interrupted_activation(pause: impl AsyncFnOnce(&mut SimInstrument, &Cell)) -> f64 {
    let cell = flooded_cell("f", 4.0);
    let mut sim = started(&cell).await;
    let before = strip(&mut sim, &cell, 10e-3, 0.3 * H).await;
    assert!(activation(&before, 0.5).is_none(), "activated too early");
    pause(&mut sim, &cell).await;
    let after = strip(&mut sim, &cell, 10e-3, 2.0 * H).await;
    0.3 * H + activation(&after, 0.5).expect("activates")
}

#[tokio::test]
async fn film_damage_heals_only_as_fast_as_the_film_repassivates() {
    let cell = flooded_cell("f", 4.0);
    let mut sim = started(&cell).await;
    let fresh = activation(&strip(&mut sim, &cell, 10e-3, 2.0 * H).await, 0.5).unwrap();

    let after_1s = interrupted_activation(async |sim, cell| rest(sim, cell, 1.0).await).await;
    assert!(
        (after_1s / fresh - 1.0).abs() < 0.03,
        "{after_1s} s vs {fresh} s"
    );
    let after_sweep = interrupted_activation(async |sim, cell| one_sweep(sim, cell).await).await;
    // A sweep takes about 8.5 min: a little of the damage heals, most is kept.
    assert!(
        after_sweep > after_1s + 60.0 && after_sweep < fresh + 0.3 * H,
        "{after_sweep} s vs {after_1s} s (fresh {fresh} s)"
    );
    // Many passivation times later the damage is gone and activation takes a full clock again.
    let after_day = interrupted_activation(async |sim, cell| rest(sim, cell, 24.0 * H).await).await;
    assert!(
        after_day > 0.3 * H + 0.8 * fresh,
        "{after_day} s vs {fresh} s"
    );
}

/// GC/GC with polysulfide: what one electrode reduces the other oxidises back (and the
/// products comproportionate in the shared electrolyte), so the cell keeps its polysulfide.
#[tokio::test]
async fn a_symmetric_polysulfide_cell_regenerates_what_it_turns_over() {
    let area = 1.131;
    let cell = symmetric(
        "gc",
        Material::GlassyCarbon,
        area,
        20.0,
        ps_catholyte(),
        "gf_a",
    );
    let mut sim = started(&cell).await;
    let duration = 20.0 * H;
    let step = galvanostatic(
        10e-6,
        area,
        Role::Working,
        Connection::TwoElectrode,
        duration,
        600.0,
    );
    let mut sink = CollectSink::default();
    let request = GalvanoRequest {
        cell: &cell,
        step: &step,
        duration_s: duration,
        limits: vec![],
    };
    sim.galvanostatic(request, &mut sink).await.unwrap();
    let warnings = sink
        .readings
        .iter()
        .filter(|r| matches!(r, Reading::Warning { .. }))
        .count();
    assert_eq!(warnings, 0);
    let v: Vec<f64> = sink
        .readings
        .iter()
        .filter_map(|r| match r {
            Reading::Galvano { potential_v, .. } => Some(*potential_v),
            _ => None,
        })
        .collect();
    assert!(v.iter().all(|x| x.abs() < 0.1), "{:?}", v.last());
    assert!((v.last().unwrap() - v[1]).abs() < 0.005, "{v:?}");
    // The arc afterwards is the polysulfide arc of the start, not MΩ cm².
    let r = sim.probe("gc").unwrap()[0].r_interface_ohm_cm2;
    assert!(r < 5e3, "{r} Ω cm²");
}

#[tokio::test]
async fn an_older_film_takes_longer_to_break() {
    let cell = flooded_cell("f", 4.0);
    let mut times = vec![];
    for rest_s in [60.0, 1.0 * H, 72.0 * H] {
        let mut sim = started(&cell).await;
        rest(&mut sim, &cell, rest_s).await;
        let trace = strip(&mut sim, &cell, 10e-3, 6.0 * H).await;
        times.push(activation(&trace, 0.5).expect("activates"));
    }
    assert!(times[0] < times[1] && times[1] < times[2], "{times:?}");
    assert!(times[2] > 1.5 * times[1], "{times:?}");
}
