//! Numbers for people: a value in the unit that reads best (`400 uA/cm2`, `0.884 mAh/cm2`,
//! `18 kOhm cm2/h`) and durations the way a lab notebook writes them.

use super::{Dimension, Unit, all_units};

/// Spellings accepted on input but never chosen for output. Charges are shown in mAh and
/// mAh/cm² (with prefixes), the battery convention every protocol writes, never mixed with C.
const NOT_FOR_DISPLAY: &[&str] = &[
    "%", "A/m2", "m2", "mm2", "bar", "MPa", "C", "mC", "C/cm2", "mC/cm2",
];

/// Formats a value of a dimension with an SI prefix chosen for readability
/// (`0.0004 A/cm2` → `400 uA/cm2`), using the table's canonical spellings.
pub fn format_si(value: f64, dimension: Dimension) -> String {
    if value == 0.0 || !value.is_finite() {
        let unit = match dimension {
            Dimension::Charge => "mAh",
            Dimension::ArealCharge => "mAh/cm2",
            other => other.default_unit(),
        };
        return format!("{value} {unit}").trim().to_string();
    }
    // Rates are shown per hour, the time scale of an experiment (`18 kOhm cm2/h`), so that the
    // choice of prefix below never trades the time unit for the quantity's prefix.
    let rate = dimension.rate_of().is_some();
    let candidates: Vec<&Unit> = all_units()
        .iter()
        .filter(|unit| unit.dimension == dimension && !NOT_FOR_DISPLAY.contains(&unit.symbol))
        .filter(|unit| !rate || unit.symbol.ends_with("/h"))
        .collect();
    // Capacities read in mAh (mAh/cm2) over the range labs write them in (0.01 to 10000),
    // so that 0.884 mAh/cm2 is not shown as 884 uAh/cm2 next to a 20 mAh/cm2 step.
    if let Some(milli) = candidates
        .iter()
        .find(|unit| unit.symbol == "mAh" || unit.symbol == "mAh/cm2")
    {
        let v = value.abs() / milli.factor;
        if (1e-2..1e4).contains(&v) {
            return format!("{} {}", trim_number(value / milli.factor), milli.symbol);
        }
    }
    // Otherwise, prefer the largest unit in which the number is at least 1.
    let best = candidates
        .iter()
        .filter(|unit| value.abs() / unit.factor >= 1.0 - 1e-12)
        .max_by(|a, b| a.factor.total_cmp(&b.factor))
        .or_else(|| {
            candidates
                .iter()
                .min_by(|a, b| a.factor.total_cmp(&b.factor))
        });
    match best {
        Some(unit) => format!("{} {}", trim_number(value / unit.factor), unit.symbol)
            .trim()
            .to_string(),
        None => format!("{value}"),
    }
}

/// A number with at most 4 significant digits and no trailing zeros.
pub fn trim_number(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (3 - magnitude).clamp(0, 12) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Formats a duration in seconds the way a lab notebook would: `3 d 0 h 12 min`, `20 h 5 min`,
/// `8 min 30 s`, `45 s`. Beyond a thousand years the day count stops being readable (and
/// past 2^64 s it would saturate), so such a span is given in years, in scientific notation.
pub fn format_duration(seconds: f64) -> String {
    const YEAR_S: f64 = 365.25 * 86400.0;
    if seconds.is_infinite() && seconds > 0.0 {
        return "forever".into();
    }
    if seconds >= 1000.0 * YEAR_S {
        return format!("{:.2e} years", seconds / YEAR_S);
    }
    let total = seconds.max(0.0).round() as u64;
    let (d, h, m, s) = (
        total / 86400,
        total % 86400 / 3600,
        total % 3600 / 60,
        total % 60,
    );
    if d > 0 {
        format!("{d} d {h} h {m} min")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else if m > 0 {
        if s > 0 {
            format!("{m} min {s} s")
        } else {
            format!("{m} min")
        }
    } else {
        format!("{s} s")
    }
}
