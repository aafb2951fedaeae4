//! Why a fit could not be done. Each case says what to change.

use miette::Diagnostic;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error, Diagnostic)]
pub enum FitError {
    #[error("{points} points are too few to fit {free} free parameters")]
    #[diagnostic(
        code(mgp::fit::too_few_points),
        help("widen the frequency window or fix some parameters")
    )]
    TooFewPoints { points: usize, free: usize },

    #[error("no data point lies inside the window {} to {}", hz(*.min_hz), hz(*.max_hz))]
    #[diagnostic(code(mgp::fit::empty_window))]
    EmptyWindow {
        min_hz: f64,
        max_hz: f64,
        data_min_hz: f64,
        data_max_hz: f64,
        /// "the data span …", with the frequencies formatted.
        #[help]
        help: String,
    },

    #[error("the circuit `{circuit}` has no parameter `{name}`")]
    #[diagnostic(code(mgp::fit::unknown_parameter), help("{help}"))]
    UnknownParameter {
        name: String,
        circuit: String,
        help: String,
    },

    #[error("cannot use `{name}`: {reason}")]
    #[diagnostic(code(mgp::fit::bad_constraint))]
    BadConstraint { name: String, reason: String },

    #[error("the data cannot be fitted: {reason}")]
    #[diagnostic(code(mgp::fit::bad_data))]
    BadData { reason: String },

    #[error("the fit failed: the model gave no finite value at any start")]
    #[diagnostic(
        code(mgp::fit::failed),
        help("give starting values with `initial` (or `--guess NAME=VALUE`)")
    )]
    Failed,
}

/// A frequency for a message: `20 mHz`, not `0.020000000000000004 Hz`; an open end is `∞`.
pub fn hz(value: f64) -> String {
    if value.is_infinite() {
        "∞".to_string()
    } else {
        crate::units::format_si(value, crate::units::Dimension::Frequency)
    }
}
