//! Plausibility ranges: values that are well-formed but that no experiment could mean, almost
//! always a slip of the unit or the exponent (`rest 1e300 h`, `at 1e-300 mA/cm2`). Each limit
//! sits orders of magnitude beyond real use, so it never stands in a real protocol's way.

use super::ctx::{Ctx, quantity_text};
use super::error::ErrorKind;
use crate::source::Span;
use crate::units::{Dimension, format_duration, format_si};

/// The longest duration (a step, an interval, a soak): one year. The paper's longest
/// experiment is 72 h; a year-long potentiostat step is a typo (`d` for `h`, a stray exponent).
pub(crate) const MAX_DURATION_S: f64 = 365.25 * 86400.0;

/// The smallest applied current: 1 pA. The most sensitive PalmSens range (EmStat4, 1 nA full
/// scale) resolves about a picoampere; below it the current is noise, not a setpoint.
pub(crate) const MIN_CURRENT_A: f64 = 1e-12;

/// The most samples one step may record: 10^7 (a 1 ms interval for 2.8 h). Each is a journal
/// line of about 100 bytes, so more is a gigabyte-scale run folder for one step.
pub(crate) const MAX_SAMPLES_PER_STEP: f64 = 1e7;

/// The largest potential a protocol may apply or limit to: 10 V. Electrochemical windows end
/// below 6 V; potentiostats control ±10 V at most.
pub(crate) const MAX_POTENTIAL_V: f64 = 10.0;

/// The largest current density: 1 A/cm² (metal-anode cycling runs at 0.1–100 mA/cm²).
pub(crate) const MAX_CURRENT_DENSITY_A_PER_CM2: f64 = 1.0;

/// The longest length a cell dimension may have (a gap, a tip distance): 1 m.
pub(crate) const MAX_LENGTH_M: f64 = 1.0;

/// Temperatures a cell can be held at: −80 °C (a freezer) to 200 °C (beyond every electrolyte).
pub(crate) const TEMPERATURE_RANGE_C: (f64, f64) = (-80.0, 200.0);

impl Ctx {
    /// A temperature within [`TEMPERATURE_RANGE_C`], °C.
    pub fn temperature(&mut self, q: &crate::syntax::Quantity) -> Option<f64> {
        let t = self.value(q, Dimension::Temperature)?;
        let (lo, hi) = TEMPERATURE_RANGE_C;
        if (lo..=hi).contains(&t) {
            return Some(t);
        }
        self.error(
            q.span,
            ErrorKind::Implausible {
                message: format!("a cell temperature of {}", quantity_text(q)),
                why: "cells are held between -80 degC and 200 degC: check the value and the unit",
            },
        );
        None
    }

    /// Reports |potential| above [`MAX_POTENTIAL_V`]; true when it is plausible.
    pub fn plausible_potential(&mut self, span: Span, what: &str, text: &str, v: f64) -> bool {
        if v.abs() <= MAX_POTENTIAL_V {
            return true;
        }
        self.error(
            span,
            ErrorKind::Implausible {
                message: format!("{what} of {text} is beyond ±10 V"),
                why: "no electrochemical cell is driven beyond ±10 V, and no potentiostat can: check the unit and the exponent",
            },
        );
        false
    }

    /// Reports a length above [`MAX_LENGTH_M`]; true when it is plausible.
    pub fn plausible_length(&mut self, span: Span, what: &str, text: &str, m: f64) -> bool {
        if m <= MAX_LENGTH_M {
            return true;
        }
        self.error(
            span,
            ErrorKind::Implausible {
                message: format!("{what} of {text} is longer than a metre"),
                why: "no cell is that large: check the unit and the exponent",
            },
        );
        false
    }

    /// Reports a current density above [`MAX_CURRENT_DENSITY_A_PER_CM2`]; true when plausible.
    pub fn plausible_current_density(&mut self, span: Span, text: &str, j: f64) -> bool {
        if j.abs() <= MAX_CURRENT_DENSITY_A_PER_CM2 {
            return true;
        }
        self.error(
            span,
            ErrorKind::Implausible {
                message: format!("a current density of {text} is above 1 A/cm2"),
                why: "metal anodes are cycled at 0.1 to 100 mA/cm2: check the unit (mA/cm2, not A/cm2) and the exponent",
            },
        );
        false
    }

    /// Reports a duration longer than [`MAX_DURATION_S`]; true when it is plausible.
    pub fn plausible_duration(&mut self, span: Span, what: &str, text: &str, s: f64) -> bool {
        if s <= MAX_DURATION_S {
            return true;
        }
        self.error(
            span,
            ErrorKind::Implausible {
                message: format!("{what} of {text} is longer than a year"),
                why: "no step lasts that long: check the unit and the exponent (the limit is 1 year)",
            },
        );
        false
    }

    /// Reports an applied current below [`MIN_CURRENT_A`]; true when it is plausible.
    pub fn plausible_current(&mut self, span: Span, text: &str, current_a: f64) -> bool {
        if current_a >= MIN_CURRENT_A {
            return true;
        }
        self.error(
            span,
            ErrorKind::Implausible {
                message: format!(
                    "a current of {text} ({current_a:.3e} A through the cell) is below {}",
                    format_si(MIN_CURRENT_A, Dimension::Current)
                ),
                why: "no potentiostat controls a current below a picoampere: check the unit and the exponent",
            },
        );
        false
    }

    /// Reports a step that would record more than [`MAX_SAMPLES_PER_STEP`] samples.
    pub fn plausible_samples(&mut self, span: Span, duration_s: f64, interval_s: f64) -> bool {
        let every = self.slice(span);
        let samples = duration_s / interval_s;
        if samples <= MAX_SAMPLES_PER_STEP {
            return true;
        }
        self.error(
            span,
            ErrorKind::Implausible {
                message: format!(
                    "sampling every {every} for {} records {samples:.3e} samples, more than 10^7",
                    format_duration(duration_s)
                ),
                why: "sample less often (every 1 s is 3600 samples an hour), or split the step",
            },
        );
        false
    }
}
