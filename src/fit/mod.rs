//! Fit: equivalent circuits, complex nonlinear least squares and Lin-KK validation.
//!
//! Takes impedance spectra (frequencies in Hz, complex Z in Ω) and a circuit string; gives
//! fitted parameters with standard errors, χ², each arc's effective capacitance (Eq. 1) and
//! peak frequency with their errors, warnings (extrapolated arcs, bounds), and a Lin-KK
//! verdict on the data. Pure functions: nothing here reads files or prints.
//!
//! * [`Circuit::parse`] — impedance.py (`R0-p(R1,CPE1)`), the paper's `Re-R(CPE)`, Boukamp
//!   CDC (`R(RQ)`).
//! * [`fit()`] / [`fit_from`] — one spectrum (automatic or warm start).
//! * [`fit_batch`] — many spectra, each warm-started from the previous, on all cores.
//! * [`lin_kk`] — the Kramers–Kronig test of Schönleber et al.

mod batch;
pub mod circuit;
mod cnls;
mod error;
mod guess;
mod linalg;
pub mod linkk;
mod lm;
mod options;
mod result;
mod solve;
pub mod synthetic;
pub mod window;

pub use batch::{PARALLEL_THRESHOLD, SpectrumRef, fit_batch, fit_sequence};
pub use circuit::{Circuit, CircuitError};
pub use error::{FitError, hz};
pub use linkk::{KkResidual, LinKk, LinKkOptions, lin_kk};
pub use options::{FitOptions, Weighting};
pub use result::{
    ArcFit, FitResult, FitWarning, FittedParam, MAX_RELATIVE_ERROR, Undetermined, show_value,
};
pub use solve::{check_options, fit, fit_from};

#[cfg(test)]
mod tests;
