//! The simulator side of the paper's observations O1–O14 (shared/reference/paper-targets.md),
//! read off raw simulated data (noise 0, spread off): arc resistance from the apex of −Z'' or
//! from the low-frequency admittance, peak frequency at the apex, capacitance 1/(2π f R),
//! activation time and overpotentials from galvanostatic traces.

use mgp::instrument::sim::testing::*;
use mgp::instrument::sim::{SimInstrument, SimOptions};
use mgp::instrument::{GalvanoRequest, Instrument, Reading};
use mgp::plan::{Connection, Role};

fn exact() -> SimInstrument {
    let options = SimOptions {
        noise: 0.0,
        ..SimOptions::default()
    };
    match SimInstrument::new(options) {
        Ok(sim) => sim,
        Err(e) => panic!("built-in parameters must load: {e}"),
    }
}

const H: f64 = 3600.0;

/// O1–O4: lean Mg/Mg at OCV, EIS every 30 min for 20 h.
#[tokio::test]
async fn o1_to_o3_mg_symmetric_resistance_grows_linearly_with_constant_capacitance() {
    let cell = lean_mg_cell("mg");
    let plan = plan(vec![cell.clone()]);
    let mut sim = exact();
    sim.prepare(&plan).await.unwrap();
    let sweep = sweep(20e-3, Connection::TwoElectrode);
    let spectra = rest_with_eis(&mut sim, &cell, 20.0 * H, 0.5 * H, &sweep)
        .await
        .unwrap();
    let a = cell.normalising_area_cm2;
    for s in &spectra {
        let apex = s.apex_arc();
        let low = s.low_frequency_arc().unwrap();
        println!(
            "t={:5.1} h apex R={:?} f={:?} C={:?} | low R={:.0} f={:.4} C={:.2}",
            s.t_s / H,
            apex.map(|x| (x.r_ohm * a / 1e3).round()),
            apex.map(|x| x.f_peak_hz),
            apex.map(|x| x.c_farad / a * 1e6),
            low.r_ohm * a / 1e3,
            low.f_peak_hz,
            low.c_farad / a * 1e6
        );
    }
}
