//! The report's tables: the plan with planned and actual timing ([`plan`]), cells and
//! materials ([`materials`]), derived quantities, expects with pass/fail, per-sweep fit
//! results and the journal's warnings and faults ([`results`]).
//!
//! Takes the plan, the journal view and the analysis; gives [`Table`]s of display text.
//! Values are shown in the unit the protocol wrote, typeset (`kOhm cm2` → `kΩ cm²`); this
//! module holds the formatting they share.

mod materials;
mod plan;
mod results;

pub use materials::{Used, cells, electrodes, solutions};
pub use plan::{describe_action, plan_steps};
pub use results::{expects, notices, quantities, sweep_fits};

use super::plots::style::number;
use crate::plan::Check;
use crate::units::{Dimension, Quantity, format_si};

/// A unit spelling as typeset: `kOhm cm2` → `kΩ cm²`, `uF/cm2` → `µF/cm²`.
pub fn pretty_unit(unit: &str) -> String {
    unit.split(' ')
        .map(|token| {
            token
                .split('/')
                .map(|part| {
                    let part = part
                        .replace("Ohm", "Ω")
                        .replace("degC", "°C")
                        .replace("cm2", "cm²")
                        .replace("mm2", "mm²");
                    let part = if part == "m2" {
                        "m²".to_string()
                    } else {
                        part
                    };
                    // A leading `u` is the micro prefix (uF, uA, uL, um, uAh, uHz…).
                    match part.strip_prefix('u') {
                        Some(rest) if !rest.is_empty() => format!("µ{rest}"),
                        _ => part,
                    }
                })
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A canonical value shown in `unit` (falls back to an SI-prefixed canonical unit).
pub fn in_unit(value: f64, dimension: Dimension, unit: &str) -> String {
    if !value.is_finite() {
        return format!("{value}");
    }
    match Quantity::new(value, dimension).in_unit(unit) {
        Some(v) => format!("{} {}", number(v), pretty_unit(unit))
            .trim()
            .to_string(),
        // A plain number (R², a ratio) has no unit to convert to: 4 significant digits, as
        // the CLI prints it.
        None if dimension == Dimension::Dimensionless => number(value),
        None => pretty_unit(&format_si(value, dimension)),
    }
}

pub(super) fn si(value: f64, dimension: Dimension) -> String {
    // Beyond any prefix the unit table has, show the canonical unit with an exponent.
    if value.is_finite() && value != 0.0 && !(1e-15..1e15).contains(&value.abs()) {
        return pretty_unit(&format!("{} {}", number(value), dimension.canonical_unit()));
    }
    pretty_unit(&format_si(value, dimension))
}

/// Lengths as a lab writes them: µm below a millimetre, else mm (12 mm, not 1.2 cm).
pub(super) fn length(m: f64) -> String {
    let unit = if m.abs() < 1e-3 { "um" } else { "mm" };
    in_unit(m, Dimension::Length, unit)
}

/// The condition of an expect, in words and in the expect's unit.
pub fn describe_check(check: &Check, dimension: Dimension, unit: &str) -> String {
    let v = |x: f64| in_unit(x, dimension, unit);
    match *check {
        Check::Within { target, rel_tol } => {
            format!("within {} % of {}", number(rel_tol * 100.0), v(target))
        }
        Check::PlusMinus { target, abs_tol } => {
            let tol = in_unit(abs_tol, dimension, unit);
            format!("{} ± {tol}", v(target))
        }
        Check::Between { low, high } => format!("between {} and {}", v(low), v(high)),
        Check::Above { bound } => format!("above {}", v(bound)),
        Check::Below { bound } => format!("below {}", v(bound)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_numbers_get_four_significant_digits() {
        assert_eq!(
            in_unit(0.9999367069209474, Dimension::Dimensionless, ""),
            "0.9999"
        );
        assert_eq!(
            in_unit(23.096512030306016, Dimension::Dimensionless, ""),
            "23.1"
        );
    }

    #[test]
    fn units_are_typeset() {
        assert_eq!(pretty_unit("kOhm cm2"), "kΩ cm²");
        assert_eq!(pretty_unit("uF/cm2"), "µF/cm²");
        assert_eq!(pretty_unit("mAh/cm2"), "mAh/cm²");
        assert_eq!(pretty_unit("degC"), "°C");
        assert_eq!(
            in_unit(4e5, Dimension::ArealResistance, "kOhm cm2"),
            "400 kΩ cm²"
        );
        // A unit of another dimension falls back to SI.
        assert_eq!(in_unit(4e5, Dimension::ArealResistance, "uF"), "400 kΩ cm²");
    }

    #[test]
    fn checks_read_as_sentences() {
        let c = Check::Within {
            target: 4e5,
            rel_tol: 0.15,
        };
        assert_eq!(
            describe_check(&c, Dimension::ArealResistance, "kOhm cm2"),
            "within 15 % of 400 kΩ cm²"
        );
        let c = Check::PlusMinus {
            target: 17e-6,
            abs_tol: 3e-6,
        };
        assert_eq!(
            describe_check(&c, Dimension::ArealCapacitance, "uF/cm2"),
            "17 µF/cm² ± 3 µF/cm²"
        );
    }
}
