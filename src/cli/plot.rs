//! `mgp plot FILE`: quick Nyquist and Bode SVGs of an impedance file.

use super::{eprint_diagnostic, exit};
use crate::report::ReportError;
use crate::report::quick::{read_impedance_csv, spectrum_figures, write_figures};
use std::path::PathBuf;

/// Arguments of `mgp plot`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Impedance data: CSV with columns freq_hz, z_real_ohm, z_imag_ohm.
    pub file: PathBuf,
    /// Overlay a fit of this equivalent circuit (e.g. `R0-p(R1,CPE1)`).
    #[arg(long)]
    pub circuit: Option<String>,
    /// Folder for the SVGs (default: next to FILE).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args) -> u8 {
    let shown = args.file.display().to_string();
    let text = match std::fs::read(&args.file) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(source) => {
            let error = ReportError::Io {
                path: args.file.clone(),
                source,
            };
            eprint_diagnostic(&error);
            return if args.file.exists() {
                exit::RUNTIME
            } else {
                exit::INVALID
            };
        }
    };
    let points = match read_impedance_csv(&shown, &text) {
        Ok(points) => points,
        Err(error) => {
            eprint_diagnostic(error.as_ref());
            return exit::INVALID;
        }
    };
    if let Some(circuit) = &args.circuit {
        // The circuit fitter is being written on another branch; say so rather than ignore it.
        eprintln!(
            "error: `--circuit {circuit}` needs the fitter, which is not in this build yet; \
             run without --circuit for the measured data"
        );
        return exit::RUNTIME;
    }
    let stem = args
        .file
        .file_stem()
        .map_or("spectrum".into(), |s| s.to_string_lossy().into_owned());
    let out = args.out.clone().unwrap_or_else(|| {
        args.file
            .parent()
            .map_or_else(|| PathBuf::from("."), PathBuf::from)
    });
    let title = args
        .file
        .file_name()
        .map_or(shown.clone(), |n| n.to_string_lossy().into_owned());
    let figures = spectrum_figures(&stem, &title, &points, None);
    match write_figures(&out, &figures) {
        Ok(paths) => {
            for path in paths {
                println!("wrote {}", path.display());
            }
            exit::OK
        }
        Err(error) => {
            eprint_diagnostic(&error);
            exit::RUNTIME
        }
    }
}
