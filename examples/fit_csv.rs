//! Fits a CSV of impedance spectra through the library API:
//! `cargo run --example fit_csv [FILE] [CIRCUIT]` (default: the shipped lean-cell data and
//! the paper's `Re-R(CPE)`). Reads the file, fits every spectrum warm-started from the
//! previous one, checks each with Lin-KK, and prints R, C (Eq. 1) and f_peak per spectrum.

use mgp::data::{ReadOptions, read_file};
use mgp::fit::{Circuit, FitOptions, LinKkOptions, SpectrumRef, fit_batch, lin_kk};
use mgp::units::{Dimension, format_si};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/data/lean_mg_cell.csv"
        )
        .to_string()
    });
    let circuit_text = args.next().unwrap_or_else(|| "Re-R(CPE)".to_string());
    let circuit = match Circuit::parse(&circuit_text) {
        Ok(c) => c,
        Err(e) => {
            eprint!("{}", mgp::diagnostics::render_plain(&e));
            return ExitCode::from(2);
        }
    };
    let file = match read_file(path.as_ref(), &ReadOptions::default()) {
        Ok(f) => f,
        Err(e) => {
            eprint!("{}", mgp::diagnostics::render_plain(&e));
            return ExitCode::from(2);
        }
    };
    let spectra: Vec<SpectrumRef> = file
        .spectra
        .iter()
        .map(|s| SpectrumRef {
            frequencies_hz: &s.frequencies_hz,
            z: &s.z_ohm,
        })
        .collect();
    let results = fit_batch(&circuit, &spectra, &FitOptions::default());
    println!("{path}: {} spectra, circuit {circuit}", file.spectra.len());
    for (s, result) in file.spectra.iter().zip(results) {
        let kk = lin_kk(&s.frequencies_hz, &s.z_ohm, &LinKkOptions::default());
        match (result, kk) {
            (Ok(r), Ok(kk)) => {
                let Some(arc) = r.main_arc() else { continue };
                println!(
                    "spectrum {}: R = {}, C = {}, f_peak = {}, chi2 = {:.3e}, Lin-KK {}",
                    s.label,
                    format_si(arc.r_ohm, Dimension::Resistance),
                    format_si(arc.c_eff_f, Dimension::Capacitance),
                    format_si(arc.f_peak_hz, Dimension::Frequency),
                    r.chi2,
                    if kk.ok { "ok" } else { "failed" }
                );
            }
            (Err(e), _) | (_, Err(e)) => eprint!("{}", mgp::diagnostics::render_plain(&e)),
        }
    }
    ExitCode::SUCCESS
}
