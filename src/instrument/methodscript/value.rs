//! Numbers on the MethodSCRIPT wire, both directions.
//!
//! Device → host: a data value is 7 hex digits of a 28-bit offset-binary integer followed by
//! one SI-prefix character (`84E63DAn` = (0x84E63DA − 0x8000000) × 10⁻⁹). [`decode`] and
//! [`encode`] convert between that form and `f64`; the emulator uses [`encode`].
//!
//! Host → device: script literals carry an SI suffix (`10m`, `100k`, `11i`).
//! [`literal`] writes one; [`LiteralStyle`] chooses between integer mantissas (the only form in
//! PalmSens' published scripts, so the default) and decimal mantissas (`19.95262m`).

use serde::{Deserialize, Serialize};

/// Offset of the 28-bit offset-binary encoding (2²⁷).
pub const OFFSET: i64 = 0x800_0000;

/// SI prefixes a device may send, finest first, with their power of ten.
pub const PREFIXES: [(char, i32); 13] = [
    ('a', -18),
    ('f', -15),
    ('p', -12),
    ('n', -9),
    ('u', -6),
    ('m', -3),
    (' ', 0),
    ('k', 3),
    ('M', 6),
    ('G', 9),
    ('T', 12),
    ('P', 15),
    ('E', 18),
];

/// The power of ten of a prefix character; `i` (integer) counts as 10⁰.
pub fn prefix_exponent(prefix: char) -> Option<i32> {
    if prefix == 'i' {
        return Some(0);
    }
    PREFIXES.iter().find(|(c, _)| *c == prefix).map(|(_, e)| *e)
}

/// Decodes 7 hex digits and a prefix character into a value. `None` if either is malformed.
pub fn decode(hex7: &str, prefix: char) -> Option<f64> {
    if hex7.len() != 7 || !hex7.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let raw = i64::from_str_radix(hex7, 16).ok()?;
    let exponent = prefix_exponent(prefix)?;
    Some((raw - OFFSET) as f64 * 10f64.powi(exponent))
}

/// Encodes a value as 7 uppercase hex digits plus the prefix with the finest resolution that
/// keeps the integer inside the 28-bit range; NaN becomes `"     nan"`. `None` when the value
/// is infinite or too large for the coarsest prefix.
pub fn encode(value: f64) -> Option<String> {
    if value.is_nan() {
        return Some("     nan".to_string());
    }
    if !value.is_finite() {
        return None;
    }
    for (prefix, exponent) in PREFIXES {
        let scaled = (value / 10f64.powi(exponent)).round();
        if scaled.abs() < OFFSET as f64 {
            let raw = scaled as i64 + OFFSET;
            return Some(format!("{raw:07X}{prefix}"));
        }
    }
    None
}

/// Encodes an integer (`i` prefix), as the device sends counters.
pub fn encode_integer(value: i64) -> Option<String> {
    if value.abs() >= OFFSET {
        return None;
    }
    Some(format!("{:07X}i", value + OFFSET))
}

/// How script literals are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiteralStyle {
    /// An integer mantissa with the coarsest SI prefix that keeps 7 significant digits:
    /// `19952620n`, `1M`, `10m`. Every literal in PalmSens' published scripts has this form.
    #[default]
    Integer,
    /// A decimal mantissa in [1, 1000): `19.95262m`. Shorter, but not attested in the sources.
    Decimal,
}

/// Writes `value` as a MethodSCRIPT literal with an SI suffix, rounded to 7 significant digits
/// (finer than the 28-bit resolution a device reports with). `None` for non-finite values or
/// values outside the prefix table.
pub fn literal(value: f64, style: LiteralStyle) -> Option<String> {
    if !value.is_finite() {
        return None;
    }
    if value == 0.0 {
        return Some("0".to_string());
    }
    let rounded = round_significant(value, 7);
    match style {
        LiteralStyle::Integer => integer_literal(rounded),
        LiteralStyle::Decimal => decimal_literal(rounded),
    }
}

/// An integer literal with the `i` suffix (`78i`).
pub fn integer(value: i64) -> String {
    format!("{value}i")
}

fn round_significant(value: f64, digits: i32) -> f64 {
    let magnitude = value.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits - 1 - magnitude);
    (value * scale).round() / scale
}

fn integer_literal(value: f64) -> Option<String> {
    // Coarsest prefix first: the first one whose mantissa is a whole number wins.
    for (prefix, exponent) in PREFIXES.iter().rev() {
        let mantissa = value / 10f64.powi(*exponent);
        let whole = mantissa.round();
        if whole != 0.0 && (mantissa - whole).abs() <= 1e-9 * mantissa.abs().max(1.0) {
            return Some(format!("{}{}", whole as i64, suffix(*prefix)));
        }
    }
    None
}

fn decimal_literal(value: f64) -> Option<String> {
    let magnitude = value.abs().log10().floor() as i32;
    let exponent = magnitude.div_euclid(3) * 3;
    let (prefix, exponent) = PREFIXES
        .iter()
        .find(|(_, e)| *e == exponent)
        .copied()
        .or_else(|| {
            // Outside the table: clamp to its ends.
            if exponent < -18 {
                Some(PREFIXES[0])
            } else {
                Some(PREFIXES[PREFIXES.len() - 1])
            }
        })?;
    let mantissa = value / 10f64.powi(exponent);
    let text = format!("{mantissa:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    Some(format!("{text}{}", suffix(prefix)))
}

fn suffix(prefix: char) -> String {
    if prefix == ' ' {
        String::new()
    } else {
        prefix.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_readme_examples() {
        let v = decode("84E63DA", 'n').unwrap();
        assert!((v - 0.005137370).abs() < 1e-12, "{v}");
        let i = decode("82AB973", 'f').unwrap();
        assert!((i - 2.799987e-9).abs() < 1e-15, "{i}");
        let f = decode("DF5DFF4", 'u').unwrap();
        assert!((f - 99.999732).abs() < 1e-6, "{f}");
        let zre = decode("896D904", 'm').unwrap();
        assert!((zre - 9885.956).abs() < 1e-6, "{zre}");
        let manual = decode("800000A", 'm').unwrap();
        assert!((manual - 0.01).abs() < 1e-15);
    }

    #[test]
    fn decode_rejects_malformed_fields() {
        assert_eq!(decode("84E63D", 'n'), None);
        assert_eq!(decode("84E63DG", 'n'), None);
        assert_eq!(decode("84E63DA", 'x'), None);
    }

    #[test]
    fn encode_picks_the_finest_prefix() {
        assert_eq!(encode(0.01).unwrap(), "8989680n");
        assert_eq!(encode(0.0).unwrap(), "8000000a");
        assert_eq!(encode(f64::NAN).unwrap(), "     nan");
        assert_eq!(encode(f64::INFINITY), None);
        assert_eq!(encode_integer(11).unwrap(), "800000Bi");
    }

    #[test]
    fn literals_use_si_suffixes() {
        let l = |v| literal(v, LiteralStyle::Integer).unwrap();
        assert_eq!(l(1e6), "1M");
        assert_eq!(l(100e3), "100k");
        assert_eq!(l(0.01), "10m");
        assert_eq!(l(0.2), "200m");
        assert_eq!(l(-0.5), "-500m");
        assert_eq!(l(59e-9), "59n");
        assert_eq!(l(1.0), "1");
        assert_eq!(l(0.0), "0");
        assert_eq!(l(0.0199526231), "19952620n");
        assert_eq!(l(794328.2347), "794328200m");
        let d = |v| literal(v, LiteralStyle::Decimal).unwrap();
        assert_eq!(d(0.0199526231), "19.95262m");
        assert_eq!(d(1e6), "1M");
        assert_eq!(d(-2.5e-3), "-2.5m");
        assert_eq!(literal(f64::NAN, LiteralStyle::Integer), None);
    }
}
