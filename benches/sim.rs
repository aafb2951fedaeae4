//! The simulator's speed on the longest paper protocol: a 72 h Mg/Mg rest with an EIS sweep
//! (1 MHz to 20 mHz, 78 points) every 30 min, 145 sweeps in all. Target: < 0.1 s per run in
//! release. Run with `cargo bench --bench sim`.

use criterion::{Criterion, criterion_group, criterion_main};
use mgp::instrument::Instrument;
use mgp::instrument::sim::testing::{lean_mg_cell, plan, rest_with_eis, sweep};
use mgp::instrument::sim::{SimInstrument, SimOptions};
use mgp::plan::Connection;
use std::hint::black_box;

fn mg_72_hours(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");
    let cell = lean_mg_cell("mg");
    let plan = plan(vec![cell.clone()]);
    let sweep = sweep(20e-3, Connection::TwoElectrode);
    assert_eq!(sweep.frequencies_hz.len(), 78);
    let sim = SimInstrument::new(SimOptions::default()).expect("built-in parameters load");
    c.bench_function("mg_symmetric_72h_eis_every_30min", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let mut sim = sim.clone();
                sim.prepare(&plan).await.expect("prepare");
                let spectra = rest_with_eis(&mut sim, &cell, 72.0 * 3600.0, 1800.0, &sweep)
                    .await
                    .expect("run");
                assert_eq!(spectra.len(), 145);
                black_box(spectra)
            })
        })
    });
}

criterion_group!(benches, mg_72_hours);
criterion_main!(benches);
