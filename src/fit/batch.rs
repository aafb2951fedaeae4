//! Fitting many spectra of one cell in sequence (a rest with repeated EIS, a multi-cycle
//! file): each fit starts from the previous result, which is both faster and keeps the
//! solution on the same branch, and long sequences are split into one contiguous chunk per
//! core (rayon), each chunk warm-starting along itself.

use super::circuit::Circuit;
use super::error::FitError;
use super::options::FitOptions;
use super::result::FitResult;
use super::solve::{fit, fit_from};
use num_complex::Complex64;
use rayon::prelude::*;

/// Below this many spectra everything runs on one thread (the split costs more than it saves).
pub const PARALLEL_THRESHOLD: usize = 16;

/// A spectrum borrowed for fitting.
#[derive(Debug, Clone, Copy)]
pub struct SpectrumRef<'a> {
    pub frequencies_hz: &'a [f64],
    pub z: &'a [Complex64],
}

/// Fits every spectrum in order, warm-starting each from the previous success.
pub fn fit_batch(
    circuit: &Circuit,
    spectra: &[SpectrumRef<'_>],
    options: &FitOptions,
) -> Vec<Result<FitResult, FitError>> {
    let threads = rayon::current_num_threads().max(1);
    if spectra.len() < PARALLEL_THRESHOLD || threads == 1 {
        return fit_sequence(circuit, spectra, options);
    }
    let chunk = spectra.len().div_ceil(threads);
    spectra
        .par_chunks(chunk)
        .map(|part| fit_sequence(circuit, part, options))
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect()
}

/// Fits in order on the current thread.
pub fn fit_sequence(
    circuit: &Circuit,
    spectra: &[SpectrumRef<'_>],
    options: &FitOptions,
) -> Vec<Result<FitResult, FitError>> {
    let mut previous: Option<FitResult> = None;
    spectra
        .iter()
        .map(|s| {
            let result = match &previous {
                Some(p) => {
                    let warm = fit_from(circuit, s.frequencies_hz, s.z, options, &p.values());
                    // A much worse χ² than last time means the spectrum changed enough for
                    // the warm start to land elsewhere: compare with a cold start.
                    match warm {
                        Ok(w)
                            if w.converged
                                && w.reduced_chi2 <= 4.0 * p.reduced_chi2.max(1e-300) =>
                        {
                            Ok(w)
                        }
                        other => {
                            let cold = fit(circuit, s.frequencies_hz, s.z, options);
                            match (other, cold) {
                                (Ok(w), Ok(c)) => Ok(if c.chi2 < w.chi2 { c } else { w }),
                                (Ok(w), Err(_)) => Ok(w),
                                (Err(_), c) => c,
                            }
                        }
                    }
                }
                None => fit(circuit, s.frequencies_hz, s.z, options),
            };
            if let Ok(r) = &result {
                previous = Some(r.clone());
            }
            result
        })
        .collect()
}
