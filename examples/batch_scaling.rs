//! Batch fitting on one thread versus all cores, with wall and CPU time:
//! `cargo run --release --example batch_scaling`. On a loaded machine the wall time of the
//! parallel batch depends on free cores; the CPU time shows the work is the same.

use mgp::fit::synthetic::{cpe_t_for_capacitance, spectrum};
use mgp::fit::{Circuit, FitOptions, SpectrumRef, fit_batch, fit_sequence};
use mgp::plan::log_frequencies;
use num_complex::Complex64;
use rand::SeedableRng;
use std::time::Instant;

fn cpu_seconds() -> f64 {
    // utime + stime of this process from /proc (Linux); 0 elsewhere.
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let circuit = Circuit::parse("Re-R(CPE)").expect("valid circuit");
    let f = log_frequencies(1e6, 0.1, 10.0);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
    let count = 4096;
    let data: Vec<Vec<Complex64>> = (0..count)
        .map(|k| {
            let r = 40e3 + 360e3 * k as f64 / (count - 1) as f64;
            spectrum(
                &circuit,
                &[20.0, r, cpe_t_for_capacitance(r, 17e-6, 0.97), 0.97],
                &f,
                0.003,
                &mut rng,
            )
        })
        .collect();
    let refs: Vec<SpectrumRef> = data
        .iter()
        .map(|z| SpectrumRef {
            frequencies_hz: &f,
            z,
        })
        .collect();
    let options = FitOptions::default();
    for (name, parallel) in [
        ("one thread", false),
        ("all cores", true),
        ("one thread", false),
        ("all cores", true),
    ] {
        let (wall, cpu) = (Instant::now(), cpu_seconds());
        let results = if parallel {
            fit_batch(&circuit, &refs, &options)
        } else {
            fit_sequence(&circuit, &refs, &options)
        };
        let wall = wall.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu;
        let ok = results.iter().filter(|r| r.is_ok()).count();
        println!(
            "{name:10}: {count} fits ({ok} ok) in {:.1} ms wall, {:.1} ms CPU, {:.1} µs/fit wall, {} threads",
            wall * 1e3,
            cpu * 1e3,
            wall * 1e6 / count as f64,
            if parallel {
                rayon::current_num_threads()
            } else {
                1
            }
        );
    }
}
