//! What a user can choose about a fit: weighting, frequency window, and fixed, bounded or
//! guessed parameters (by name).

use crate::plan::FitWindow;
use serde::{Deserialize, Serialize};

/// How residuals are weighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weighting {
    /// Each point by 1/|Z| (both parts): every decade counts, so a small high-frequency arc
    /// next to a large low-frequency one is still fitted. The default.
    #[default]
    Modulus,
    /// Real part by 1/|Z'|, imaginary part by 1/|Z''| (each floored at 1 % of |Z| so a
    /// part crossing zero does not dominate).
    Proportional,
    /// No weighting: the largest impedances dominate.
    Unit,
}

impl std::str::FromStr for Weighting {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "modulus" => Ok(Weighting::Modulus),
            "proportional" => Ok(Weighting::Proportional),
            "unit" | "none" => Ok(Weighting::Unit),
            other => Err(format!(
                "unknown weighting `{other}` (choose modulus, proportional or unit)"
            )),
        }
    }
}

impl std::fmt::Display for Weighting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Weighting::Modulus => "modulus",
            Weighting::Proportional => "proportional",
            Weighting::Unit => "unit",
        })
    }
}

/// Options of one fit. Parameter names are those of [`super::Circuit::params`] (or
/// impedance.py's positional `CPE1_0`, `CPE1_1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitOptions {
    pub weighting: Weighting,
    pub window: FitWindow,
    /// Parameters held at a value.
    pub fixed: Vec<(String, f64)>,
    /// Parameters kept within [low, high] (in addition to positivity and 0 ≤ P ≤ 1).
    pub bounds: Vec<(String, f64, f64)>,
    /// Starting values that replace the automatic guesses.
    pub initial: Vec<(String, f64)>,
    pub max_iterations: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            weighting: Weighting::Modulus,
            window: FitWindow::All,
            fixed: Vec::new(),
            bounds: Vec::new(),
            initial: Vec::new(),
            max_iterations: 200,
        }
    }
}
