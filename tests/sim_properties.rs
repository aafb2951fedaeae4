//! Inputs move the simulator's outputs the way physics says (proptest, few cases; noise off
//! unless the property is about noise).

use mgp::instrument::sim::testing::*;
use mgp::instrument::sim::{SimInstrument, SimOptions};
use mgp::instrument::{EisRequest, GalvanoRequest, Instrument, Reading, RestRequest};
use mgp::plan::{Cell, Connection, Material, Role};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

const H: f64 = 3600.0;

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime")
        .block_on(f)
}

fn sim(seed: u64, noise: f64) -> SimInstrument {
    let options = SimOptions {
        seed,
        noise,
        ..SimOptions::default()
    };
    SimInstrument::new(options).expect("built-in parameters load")
}

/// Rest `hours` at open circuit, then one sweep to 20 mHz: the readings.
async fn rest_then_sweep(mut sim: SimInstrument, cell: &Cell, hours: f64) -> Vec<Reading> {
    sim.prepare(&plan(vec![cell.clone()])).await.unwrap();
    let mut sink = CollectSink::default();
    let rest = RestRequest {
        cell,
        duration_s: hours * H,
        sample_interval_s: Some(600.0),
    };
    sim.rest(rest, &mut sink).await.unwrap();
    let sweep = sweep(20e-3, Connection::TwoElectrode);
    sim.eis(
        EisRequest {
            cell,
            sweep: &sweep,
        },
        &mut sink,
    )
    .await
    .unwrap();
    sink.readings
}

/// One sweep to 20 mHz on `cell`: its readings.
async fn sweep_on(sim: &mut SimInstrument, cell: &Cell) -> Vec<Reading> {
    let mut sink = CollectSink::default();
    let sweep = sweep(20e-3, Connection::TwoElectrode);
    let request = EisRequest {
        cell,
        sweep: &sweep,
    };
    sim.eis(request, &mut sink).await.unwrap();
    sink.readings
}

fn spectrum(readings: &[Reading]) -> Spectrum {
    Spectrum::from_readings(0.0, readings)
}

fn material(i: u8) -> (Material, Vec<mgp::plan::Solute>) {
    match i % 3 {
        0 => (Material::Mg, mg_electrolyte()),
        1 => (Material::Li, lp40()),
        _ => (Material::GlassyCarbon, ps_catholyte()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 12,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/proptest-regressions/sim_properties.txt"
        ))),
        ..ProptestConfig::default()
    })]

    /// Every element is per area, so at equal volume per area a cell twice as large has half
    /// the absolute impedance at every frequency and the same areal impedance.
    #[test]
    fn doubling_the_area_halves_absolute_impedance(
        which in 0u8..3, area in 0.3f64..3.0, ul_per_cm2 in 10f64..500.0, hours in 0f64..40.0
    ) {
        let (m, comp) = material(which);
        let small = symmetric("a", m, area, ul_per_cm2 * 2.0 * area, comp.clone(), "gf_a");
        let large = symmetric("a", m, 2.0 * area, ul_per_cm2 * 4.0 * area, comp, "gf_a");
        let (zs, zl) = block_on(async {
            let s = rest_then_sweep(sim(1, 0.0), &small, hours).await;
            let l = rest_then_sweep(sim(1, 0.0), &large, hours).await;
            (spectrum(&s), spectrum(&l))
        });
        prop_assert_eq!(zs.z.len(), zl.z.len());
        for (a, b) in zs.z.iter().zip(&zl.z) {
            let areal_small = a * area;
            let areal_large = b * (2.0 * area);
            prop_assert!((areal_small - areal_large).norm() <= 1e-9 * areal_small.norm());
            prop_assert!((a / b - 2.0).norm() < 1e-9);
        }
    }

    /// The Mg arc resistance never falls during a rest, whatever the volume per area.
    #[test]
    fn a_longer_rest_never_lowers_the_mg_resistance(
        t1 in 0f64..60.0, extra in 0.1f64..30.0, ul in 20f64..800.0
    ) {
        let cell = symmetric("mg", Material::Mg, 1.131, ul * 2.0 * 1.131, mg_electrolyte(), "gf_a");
        let (r1, r2) = block_on(async {
            let a = spectrum(&rest_then_sweep(sim(2, 0.0), &cell, t1).await);
            let b = spectrum(&rest_then_sweep(sim(2, 0.0), &cell, t1 + extra).await);
            (a.low_frequency_arc().unwrap().r_ohm, b.low_frequency_arc().unwrap().r_ohm)
        });
        prop_assert!(r2 > r1, "R({t1} h) = {r1}, R({} h) = {r2}", t1 + extra);
    }

    /// More polysulfide never raises the charge-transfer arc, on glassy carbon or on Mg (with
    /// or without the Mg salt as supporting electrolyte).
    #[test]
    fn more_li2s8_never_raises_the_charge_transfer_arc(
        c1 in 0.01f64..0.5, factor in 1.05f64..4.0, which in 0u8..3
    ) {
        let make = |c: f64| {
            let mut cell = match which {
                0 => gc_ps_cell("ps"),
                1 => prepassivated_mg_ps_cell("ps"),
                _ => {
                    let mut cell = lean_mg_cell("ps");
                    cell.composition.push(solute("Li2S8", 0.0));
                    cell
                }
            };
            for s in &mut cell.composition {
                if s.species == "Li2S8" {
                    s.concentration_m = c;
                }
            }
            cell
        };
        let (r1, r2) = block_on(async {
            let a = spectrum(&rest_then_sweep(sim(3, 0.0), &make(c1), 1.0).await);
            let b = spectrum(&rest_then_sweep(sim(3, 0.0), &make(c1 * factor), 1.0).await);
            (a.apex_arc().unwrap().r_ohm, b.apex_arc().unwrap().r_ohm)
        });
        prop_assert!(r2 < r1, "R({c1} M) = {r1}, R({} M) = {r2}", c1 * factor);
    }

    /// Same seed: bit-identical readings. Another seed: the same times and frequencies, and
    /// values that differ from the exact model only within the noise.
    #[test]
    fn seeds_change_the_noise_and_nothing_else(seed in 0u64..1000, other in 1000u64..2000) {
        let cell = lean_mg_cell("mg");
        let (a, b, c, exact) = block_on(async {
            (
                rest_then_sweep(sim(seed, 0.003), &cell, 2.0).await,
                rest_then_sweep(sim(seed, 0.003), &cell, 2.0).await,
                rest_then_sweep(sim(other, 0.003), &cell, 2.0).await,
                rest_then_sweep(sim(seed, 0.0), &cell, 2.0).await,
            )
        });
        let bits = |r: &[Reading]| serde_json::to_string(r).unwrap();
        prop_assert_eq!(bits(&a), bits(&b));
        prop_assert_ne!(bits(&a), bits(&c));
        let (za, zc, ze) = (spectrum(&a), spectrum(&c), spectrum(&exact));
        prop_assert_eq!(&za.f_hz, &ze.f_hz);
        prop_assert_eq!(&zc.f_hz, &ze.f_hz);
        for ((x, y), e) in za.z.iter().zip(&zc.z).zip(&ze.z) {
            // 0.3 % per component: 6 σ is 1.8 % of |Z| on each.
            prop_assert!((x - e).norm() < 0.026 * e.norm());
            prop_assert!((y - e).norm() < 0.026 * e.norm());
        }
        let times = |r: &[Reading]| r.iter().map(Reading::t_s).collect::<Vec<_>>();
        prop_assert_eq!(times(&a), times(&exact));
    }

    /// A cell is assembled at its first step: two identical cells measured one after the
    /// other, hours apart, give the same first spectrum within noise (the second did not age
    /// while the first was measured).
    #[test]
    fn identical_cells_measured_one_after_the_other_start_alike(
        which in 0u8..3, hours in 1f64..40.0, seed in 0u64..1000
    ) {
        let (m, comp) = material(which);
        let a = symmetric("a", m, 1.131, 80.0, comp.clone(), "gf_a");
        let b = symmetric("b", m, 1.131, 80.0, comp, "gf_a");
        let (first_a, first_b) = block_on(async {
            let mut sim = sim(seed, 0.003);
            sim.prepare(&plan(vec![a.clone(), b.clone()])).await.unwrap();
            let first_a = spectrum(&sweep_on(&mut sim, &a).await);
            let mut sink = CollectSink::default();
            let rest = RestRequest { cell: &a, duration_s: hours * H, sample_interval_s: None };
            sim.rest(rest, &mut sink).await.unwrap();
            (first_a, spectrum(&sweep_on(&mut sim, &b).await))
        });
        prop_assert_eq!(&first_a.f_hz, &first_b.f_hz);
        for (x, y) in first_a.z.iter().zip(&first_b.z) {
            // 0.3 % per component on each: 8 σ of the difference is 5 % of |Z|.
            prop_assert!((x - y).norm() < 0.05 * x.norm(), "{x} vs {y} after {hours} h");
        }
    }

    /// Galvanostatic results are ordered in current: a density between two others gives an
    /// activation time and overpotentials between theirs.
    #[test]
    fn galvanostatic_results_are_ordered_in_current(lo in 0.3f64..2.0, mid in 2.5f64..4.5, hi in 5.0f64..10.0) {
        let results: Vec<Hold> = block_on(async {
            let mut out = vec![];
            for j in [lo, mid, hi] {
                out.push(hold(j * 1e-3).await);
            }
            out
        });
        let (a, b, c) = (&results[0], &results[1], &results[2]);
        prop_assert!(a.t_act_h > b.t_act_h && b.t_act_h > c.t_act_h);
        prop_assert!(a.strip_v < b.strip_v && b.strip_v < c.strip_v);
        prop_assert!(a.plate_v < b.plate_v && b.plate_v < c.plate_v);
    }
}

/// Stripping and plating at one current density in a fresh flooded cell (fully wetted).
struct Hold {
    t_act_h: f64,
    strip_v: f64,
    plate_v: f64,
}

async fn trace(density: f64, stripping: Role, duration_s: f64) -> Vec<(f64, f64)> {
    let cell = flooded_cell("flooded", 4.0);
    let mut sim = sim(0, 0.0);
    sim.prepare(&plan(vec![cell.clone()])).await.unwrap();
    let step = galvanostatic(
        density,
        4.0,
        stripping,
        Connection::ThreeElectrode,
        duration_s,
        15.0,
    );
    let mut sink = CollectSink::default();
    let request = GalvanoRequest {
        cell: &cell,
        step: &step,
        duration_s,
        limits: vec![],
    };
    sim.galvanostatic(request, &mut sink).await.unwrap();
    sink.readings
        .iter()
        .filter_map(|r| match r {
            Reading::Galvano {
                t_s, potential_v, ..
            } => Some((*t_s / H, *potential_v)),
            _ => None,
        })
        .collect()
}

async fn hold(density: f64) -> Hold {
    // 2 h covers activation at every current; the last 20 minutes are the steady level.
    let strip = trace(density, Role::Working, 2.0 * H).await;
    let plate = trace(density, Role::Counter, 0.5 * H).await;
    let tail = |t: &[(f64, f64)]| {
        let tail = &t[t.len() * 5 / 6..];
        tail.iter().map(|(_, v)| v).sum::<f64>() / tail.len() as f64
    };
    let level = tail(&strip);
    let mid = (strip[0].1 + level) / 2.0;
    let t_act_h = strip
        .iter()
        .find(|(_, v)| *v < mid)
        .map_or(f64::NAN, |(t, _)| *t);
    Hold {
        t_act_h,
        strip_v: level,
        plate_v: -tail(&plate),
    }
}

#[tokio::test]
async fn stripping_at_5_ma_lands_between_3_and_10() {
    let (a, b, c) = (hold(3e-3).await, hold(5e-3).await, hold(10e-3).await);
    println!(
        "H1 5 mA/cm2: strip {:.0} mV, t_act {:.2} h, plate {:.0} mV",
        b.strip_v * 1e3,
        b.t_act_h,
        b.plate_v * 1e3
    );
    assert!(a.t_act_h > b.t_act_h && b.t_act_h > c.t_act_h);
    assert!(a.strip_v < b.strip_v && b.strip_v < c.strip_v);
    assert!(a.plate_v < b.plate_v && b.plate_v < c.plate_v);
}
