//! Fit: equivalent circuits, CNLS (Levenberg–Marquardt) and Lin-KK validation.

pub mod circuit;

pub use circuit::{Circuit, CircuitError};
