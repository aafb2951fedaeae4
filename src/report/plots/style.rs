//! The shared look: colours (the elapsed-time map and a categorical palette), display units
//! with SI prefixes, and tick-label formatting. Every figure builder uses these, so the same
//! quantity is labelled and coloured the same way in every plot.

use crate::units::trim_number;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// Grey for legend-only entries and reference lines.
pub const NEUTRAL: Rgb = Rgb(90, 90, 90);
/// Fitted curves and fit lines drawn over coloured data.
pub const FIT: Rgb = Rgb(20, 20, 20);

/// Viridis anchors (matplotlib), perceptually uniform and readable in greyscale print.
const VIRIDIS: [Rgb; 9] = [
    Rgb(68, 1, 84),
    Rgb(72, 40, 120),
    Rgb(62, 73, 137),
    Rgb(49, 104, 142),
    Rgb(38, 130, 142),
    Rgb(31, 158, 137),
    Rgb(53, 183, 121),
    Rgb(110, 206, 88),
    Rgb(253, 231, 37),
];

/// Top of the map actually used: viridis' last yellow is too faint on white.
const MAP_END: f64 = 0.88;

/// The colour of elapsed-time fraction `t` in [0, 1] (early = dark purple, late = green).
pub fn time_colour(t: f64) -> Rgb {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    } * MAP_END;
    let x = t * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |p: u8, q: u8| (f64::from(p) + (f64::from(q) - f64::from(p)) * f).round() as u8;
    Rgb(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The colour of time `t` on a scale from `min` to `max`.
pub fn time_colour_in(t: f64, min: f64, max: f64) -> Rgb {
    if max > min {
        time_colour((t - min) / (max - min))
    } else {
        time_colour(0.0)
    }
}

/// Okabe–Ito (distinguishable for colour-blind readers; yellow left out: too faint), then
/// Tol's wine and olive, so nine series get nine distinct colours.
const PALETTE: [Rgb; 9] = [
    Rgb(0, 114, 178),
    Rgb(213, 94, 0),
    Rgb(0, 158, 115),
    Rgb(204, 121, 167),
    Rgb(230, 159, 0),
    Rgb(86, 180, 233),
    Rgb(0, 0, 0),
    Rgb(136, 34, 85),
    Rgb(153, 153, 51),
];

/// How many distinct categorical colours there are.
pub const CATEGORIES: usize = PALETTE.len();

/// The `i`-th categorical colour (cycles).
pub fn category(i: usize) -> Rgb {
    PALETTE[i % PALETTE.len()]
}

/// A unit to display values in: value_displayed = value_canonical / factor.
#[derive(Debug, Clone, PartialEq)]
pub struct DisplayUnit {
    pub factor: f64,
    pub symbol: String,
}

impl DisplayUnit {
    pub fn scale(&self, value: f64) -> f64 {
        value / self.factor
    }

    /// "quantity / unit", the ISO way of labelling an axis.
    pub fn label(&self, quantity: &str) -> String {
        if self.symbol.is_empty() {
            quantity.to_string()
        } else {
            format!("{quantity} / {}", self.symbol)
        }
    }
}

const PREFIXES: [(f64, &str); 9] = [
    (1e-12, "p"),
    (1e-9, "n"),
    (1e-6, "µ"),
    (1e-3, "m"),
    (1.0, ""),
    (1e3, "k"),
    (1e6, "M"),
    (1e9, "G"),
    (1e12, "T"),
];

/// The SI prefix putting `max_abs` between 1 and 1000 (plain unit for 0 or non-finite).
pub fn prefixed(max_abs: f64, unit: &str) -> DisplayUnit {
    let (factor, prefix) = if max_abs.is_finite() && max_abs > 0.0 {
        PREFIXES
            .iter()
            .rev()
            .find(|(f, _)| max_abs >= *f * 0.9995)
            .copied()
            .unwrap_or(PREFIXES[0])
    } else {
        (1.0, "")
    };
    DisplayUnit {
        factor,
        symbol: format!("{prefix}{unit}"),
    }
}

/// Resistance/impedance unit: Ω·cm² when areal (value already multiplied by the area).
pub fn ohm_unit(max_abs: f64, areal: bool) -> DisplayUnit {
    let mut unit = prefixed(max_abs, "Ω");
    if areal {
        unit.symbol.push_str(" cm²");
    }
    unit
}

/// Capacitance unit: F cm⁻² when areal.
pub fn farad_unit(max_abs: f64, areal: bool) -> DisplayUnit {
    let mut unit = prefixed(max_abs, "F");
    if areal {
        unit.symbol.push_str(" cm⁻²");
    }
    unit
}

/// Time unit for a span: seconds, minutes or hours, as a lab notebook would.
pub fn time_unit(span_s: f64) -> DisplayUnit {
    let (factor, symbol) = if span_s >= 3.0 * 3600.0 {
        (3600.0, "h")
    } else if span_s >= 180.0 {
        (60.0, "min")
    } else {
        (1.0, "s")
    };
    DisplayUnit {
        factor,
        symbol: symbol.into(),
    }
}

/// Largest finite |value|.
pub fn max_abs(values: impl IntoIterator<Item = f64>) -> f64 {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(0.0, |m, v| m.max(v.abs()))
}

/// About `count` round tick values (1, 2 or 5 × 10ⁿ apart) inside [min, max].
pub fn nice_ticks(min: f64, max: f64, count: usize) -> Vec<f64> {
    if !(min.is_finite() && max.is_finite() && max > min) || count == 0 {
        return Vec::new();
    }
    let raw = (max - min) / count as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let first = (min / step).ceil() as i64;
    let last = (max / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// A number for display: at most 4 significant digits without trailing zeros, and in
/// exponent notation outside 10⁻⁴…10⁷ so that no label or file name grows without bound.
pub fn number(x: f64) -> String {
    if x != 0.0 && x.is_finite() && !(1e-4..1e7).contains(&x.abs()) {
        let text = format!("{x:.3e}");
        if let Some((mantissa, exponent)) = text.split_once('e') {
            let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
            return format!("{mantissa}e{exponent}");
        }
    }
    trim_number(x)
}

/// A tick label on a linear axis whose range spans `span`: rounding noise near zero is
/// shown as 0, and a minus sign is typeset as U+2212.
pub fn linear_tick(value: f64, span: f64) -> String {
    if value.abs() <= span.abs() * 1e-9 {
        return "0".into();
    }
    minus(number(value))
}

/// A tick label on a log axis: powers of ten as 10ⁿ, anything else as a plain number.
pub fn log_tick(value: f64) -> String {
    if !(value.is_finite() && value > 0.0) {
        return String::new();
    }
    let exponent = value.log10().round();
    if (value / 10f64.powf(exponent) - 1.0).abs() < 1e-6 {
        let e = exponent as i32;
        return format!("10{}", superscript(e));
    }
    number(value)
}

fn minus(text: String) -> String {
    match text.strip_prefix('-') {
        Some(rest) => format!("−{rest}"),
        None => text,
    }
}

fn superscript(n: i32) -> String {
    let digits = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut out = String::new();
    if n < 0 {
        out.push('⁻');
    }
    for c in n.unsigned_abs().to_string().chars() {
        out.push(c.to_digit(10).map_or(c, |d| digits[d as usize]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categorical_colours_are_pairwise_distinct() {
        // Squared sRGB distance: below ~60² two line colours read as "similar shades".
        for i in 0..CATEGORIES {
            for j in 0..i {
                let (a, b) = (category(i), category(j));
                let d = |p: u8, q: u8| (i32::from(p) - i32::from(q)).pow(2);
                let dist = d(a.0, b.0) + d(a.1, b.1) + d(a.2, b.2);
                assert!(dist > 60 * 60, "{a:?} and {b:?} look alike");
            }
        }
        const { assert!(CATEGORIES >= 8) };
    }

    #[test]
    fn prefixes_put_values_between_one_and_a_thousand() {
        assert_eq!(ohm_unit(400e3, true).symbol, "kΩ cm²");
        assert_eq!(ohm_unit(1.2e6, false).symbol, "MΩ");
        assert_eq!(ohm_unit(900.0, false).symbol, "Ω");
        assert_eq!(farad_unit(17e-6, true).symbol, "µF cm⁻²");
        assert_eq!(prefixed(0.0, "V").symbol, "V");
        assert_eq!(prefixed(f64::NAN, "V").factor, 1.0);
        assert_eq!(time_unit(20.0 * 3600.0).symbol, "h");
        assert_eq!(time_unit(600.0).symbol, "min");
    }

    #[test]
    fn numbers_stay_short() {
        assert_eq!(number(1e300), "1e300");
        assert_eq!(number(-2.5e-9), "-2.5e-9");
        assert_eq!(number(1234.5678), "1235");
        assert_eq!(number(0.0), "0");
    }

    #[test]
    fn ticks_read_like_a_paper() {
        assert_eq!(log_tick(1e-2), "10⁻²");
        assert_eq!(log_tick(1e6), "10⁶");
        assert_eq!(log_tick(1.0), "10⁰");
        assert_eq!(log_tick(20.0), "20");
        assert_eq!(linear_tick(5.5e-17, 10.0), "0");
        assert_eq!(linear_tick(-2.5, 10.0), "−2.5");
    }

    #[test]
    fn nice_ticks_are_round() {
        assert_eq!(nice_ticks(0.0, 20.0, 6), vec![0.0, 5.0, 10.0, 15.0, 20.0]);
        assert_eq!(
            nice_ticks(0.0, 0.9, 6),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8]
        );
        assert!(nice_ticks(1.0, 1.0, 6).is_empty());
    }

    #[test]
    fn time_colours_run_from_dark_to_light() {
        assert_eq!(time_colour(0.0), VIRIDIS[0]);
        assert_eq!(time_colour(f64::NAN), VIRIDIS[0]);
        let late = time_colour(1.0);
        assert!(u32::from(late.1) > 150, "{late:?}");
        assert_eq!(time_colour_in(5.0, 5.0, 5.0), VIRIDIS[0]);
    }
}
