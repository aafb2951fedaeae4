//! `mgp plot FILE [--circuit C] [--out DIR]`: quick Nyquist and Bode SVGs of an impedance
//! file (any format `mgp fit` reads), with the fitted circuit overlaid when one is given.
//! Exit 2 on a bad file or circuit, 1 when a fit fails or the SVGs cannot be written.

use super::{eprint_diagnostic, exit};
use crate::data::{ReadOptions, read_file};
use crate::fit::{Circuit, FitError, FitOptions, SpectrumRef, fit_batch};
use crate::report::quick::{QuickSpectrum, fitted_curve, spectrum_figures, write_figures};
use std::path::PathBuf;

/// Arguments of `mgp plot`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Impedance file: CSV with a header, headerless frequency,Z',Z'' CSV, or EC-Lab .mpt.
    pub file: PathBuf,
    /// Fit this equivalent circuit and draw it over the data (`R0-p(R1,CPE1)`, `Re-R(CPE)`).
    #[arg(long, short)]
    pub circuit: Option<String>,
    /// Folder for the SVGs (default: next to FILE).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args) -> u8 {
    let circuit = match args.circuit.as_deref().map(Circuit::parse).transpose() {
        Ok(c) => c,
        Err(e) => {
            eprint_diagnostic(&e);
            return exit::INVALID;
        }
    };
    let file = match read_file(&args.file, &ReadOptions::default()) {
        Ok(f) => f,
        Err(e) => {
            eprint_diagnostic(&e);
            return exit::INVALID;
        }
    };
    for note in &file.notes {
        eprintln!("note: {note}");
    }
    let mut code = exit::OK;
    let mut spectra: Vec<QuickSpectrum> = file
        .spectra
        .iter()
        .map(|s| QuickSpectrum {
            frequencies_hz: s.frequencies_hz.clone(),
            z_ohm: s.z_ohm.clone(),
            fit: Vec::new(),
        })
        .collect();
    if let Some(circuit) = &circuit {
        let refs: Vec<SpectrumRef> = file
            .spectra
            .iter()
            .map(|s| SpectrumRef {
                frequencies_hz: &s.frequencies_hz,
                z: &s.z_ohm,
            })
            .collect();
        let fits = fit_batch(circuit, &refs, &FitOptions::default());
        for ((spectrum, quick), fit) in file.spectra.iter().zip(&mut spectra).zip(&fits) {
            match fit {
                Ok(result) => quick.fit = fitted_curve(circuit, result, &spectrum.frequencies_hz),
                Err(e) => {
                    // The data are still drawn; the exit code says a fit failed.
                    eprintln!("error: spectrum {} of {}:", spectrum.label, file.path);
                    eprint_diagnostic(e);
                    code = code.max(match e {
                        FitError::Failed => exit::RUNTIME,
                        _ => exit::INVALID,
                    });
                }
            }
        }
    }
    let stem = args
        .file
        .file_stem()
        .map_or("spectrum".into(), |s| s.to_string_lossy().into_owned());
    let title = args
        .file
        .file_name()
        .map_or(file.path.clone(), |n| n.to_string_lossy().into_owned());
    let out = args.out.clone().unwrap_or_else(|| {
        args.file
            .parent()
            .map_or_else(|| PathBuf::from("."), PathBuf::from)
    });
    let figures = spectrum_figures(&stem, &title, &spectra, args.circuit.as_deref(), file.areal);
    match write_figures(&out, &figures) {
        Ok(paths) => {
            for path in paths {
                println!("wrote {}", path.display());
            }
            code
        }
        Err(error) => {
            eprint_diagnostic(&error);
            exit::RUNTIME
        }
    }
}
