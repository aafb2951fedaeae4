//! Fitting speed: one 71-point Re-R(CPE) spectrum (1 MHz to 0.1 Hz at 10 points per decade,
//! the operando sweep) from automatic guesses and warm-started, Lin-KK on it, and a batch
//! of 256 sweeps of a passivating cell on one thread versus all cores.

use criterion::{BenchmarkId, Criterion, Throughput, black_box, criterion_group, criterion_main};
use mgp::fit::synthetic::{cpe_t_for_capacitance, spectrum};
use mgp::fit::{
    Circuit, FitOptions, LinKkOptions, SpectrumRef, fit, fit_batch, fit_from, fit_sequence, lin_kk,
};
use mgp::plan::log_frequencies;
use num_complex::Complex64;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `count` noisy Re-R(CPE) spectra with R log-uniform 1e2–1e6 Ω, C 15–19 µF, P 0.85–0.95.
fn spectra(count: usize, f: &[f64]) -> (Circuit, Vec<Vec<Complex64>>, Vec<[f64; 4]>) {
    let circuit = Circuit::parse("Re-R(CPE)").expect("valid circuit");
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut data = Vec::new();
    let mut truth = Vec::new();
    for _ in 0..count {
        let r = 10f64.powf(rng.random_range(2.0..6.0));
        let c = rng.random_range(15e-6..19e-6);
        let p = rng.random_range(0.85..0.95);
        let params = [
            rng.random_range(5.0..50.0),
            r,
            cpe_t_for_capacitance(r, c, p),
            p,
        ];
        data.push(spectrum(&circuit, &params, f, 0.005, &mut rng));
        truth.push(params);
    }
    (circuit, data, truth)
}

fn single(c: &mut Criterion) {
    let f = log_frequencies(1e6, 0.1, 10.0);
    assert_eq!(f.len(), 71);
    let (circuit, data, truth) = spectra(64, &f);
    let options = FitOptions::default();
    let mut group = c.benchmark_group("fit_71_points");
    let mut k = 0;
    group.bench_function("automatic_guess", |b| {
        b.iter(|| {
            k = (k + 1) % data.len();
            black_box(fit(&circuit, &f, &data[k], &options))
        })
    });
    group.bench_function("warm_start", |b| {
        b.iter(|| {
            k = (k + 1) % data.len();
            // Start 5 % off the truth, as from the previous sweep of a slowly changing cell.
            let start: Vec<f64> = truth[k].iter().map(|v| v * 1.05).collect();
            black_box(fit_from(&circuit, &f, &data[k], &options, &start))
        })
    });
    group.bench_function("lin_kk", |b| {
        b.iter(|| {
            k = (k + 1) % data.len();
            black_box(lin_kk(&f, &data[k], &LinKkOptions::default()))
        })
    });
    group.finish();
}

/// 256 sweeps of a passivating cell: R grows 40 → 400 kΩ (C 17 µF, P 0.97), as in a rest
/// with repeated EIS, so each fit is warm-started from a close neighbour.
fn drifting_cell(f: &[f64]) -> (Circuit, Vec<Vec<Complex64>>) {
    let circuit = Circuit::parse("Re-R(CPE)").expect("valid circuit");
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let data = (0..256)
        .map(|k| {
            let r = 40e3 + 360e3 * k as f64 / 255.0;
            let params = [20.0, r, cpe_t_for_capacitance(r, 17e-6, 0.97), 0.97];
            spectrum(&circuit, &params, f, 0.003, &mut rng)
        })
        .collect();
    (circuit, data)
}

fn batch(c: &mut Criterion) {
    let f = log_frequencies(1e6, 0.1, 10.0);
    let (circuit, data) = drifting_cell(&f);
    let refs: Vec<SpectrumRef> = data
        .iter()
        .map(|z| SpectrumRef {
            frequencies_hz: &f,
            z,
        })
        .collect();
    let options = FitOptions::default();
    let mut group = c.benchmark_group("batch_256");
    group.throughput(Throughput::Elements(refs.len() as u64));
    group.sample_size(20);
    group.bench_with_input(BenchmarkId::new("one_thread", 256), &refs, |b, refs| {
        b.iter(|| black_box(fit_sequence(&circuit, refs, &options)))
    });
    group.bench_with_input(
        BenchmarkId::new(format!("{}_threads", rayon::current_num_threads()), 256),
        &refs,
        |b, refs| b.iter(|| black_box(fit_batch(&circuit, refs, &options))),
    );
    group.finish();
}

criterion_group!(benches, single, batch);
criterion_main!(benches);
