//! Quantities with dimensions: the unit vocabulary of `.mgp` files.
//!
//! Takes a number and a unit spelling (`10 mA/cm2`, `5 mV`, `1 MHz`, `80 uL`) and gives a
//! [`Quantity`]: a value in the canonical unit of its [`Dimension`] plus that dimension.
//! Canonical units are SI except where electrochemistry normalises by cm²: areal values are
//! per cm² (A/cm², Ω·cm², F/cm², C/cm²), volumes are in litres and concentrations in mol/L (M).
//! Areal and absolute dimensions are distinct: converting between them needs an explicit area
//! (see [`Quantity::to_absolute`] and [`Quantity::to_areal`]), never an assumption.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::LazyLock;

mod format;
pub use format::{format_duration, format_si, trim_number};

/// What a quantity measures. Areal dimensions are separate variants so that the checker can
/// tell `1 mA` from `1 mA/cm2` and say which was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Dimensionless,
    Time,
    Frequency,
    Potential,
    Current,
    CurrentDensity,
    Resistance,
    ArealResistance,
    Capacitance,
    ArealCapacitance,
    Charge,
    ArealCharge,
    Length,
    Area,
    Volume,
    Concentration,
    Pressure,
    Temperature,
    /// Parts per million (by mass), used for water content.
    MassFraction,
    /// The change of a quantity per unit time: the `slope` of a fitted parameter's series
    /// (Ω·cm² per second, F/cm² per second, Hz per second, or a plain number per second).
    ArealResistanceRate,
    ArealCapacitanceRate,
    FrequencyRate,
    Rate,
    /// The scan rate of a potential sweep (V/s, mV/s).
    ScanRate,
}

impl Dimension {
    /// A human name, as used in diagnostics ("expected a current density").
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Dimensionless => "plain number",
            Dimension::Time => "time",
            Dimension::Frequency => "frequency",
            Dimension::Potential => "potential",
            Dimension::Current => "current",
            Dimension::CurrentDensity => "current density",
            Dimension::Resistance => "resistance",
            Dimension::ArealResistance => "areal resistance",
            Dimension::Capacitance => "capacitance",
            Dimension::ArealCapacitance => "areal capacitance",
            Dimension::Charge => "charge",
            Dimension::ArealCharge => "areal capacity",
            Dimension::Length => "length",
            Dimension::Area => "area",
            Dimension::Volume => "volume",
            Dimension::Concentration => "concentration",
            Dimension::Pressure => "pressure",
            Dimension::Temperature => "temperature",
            Dimension::MassFraction => "mass fraction",
            Dimension::ArealResistanceRate => "areal resistance per time",
            Dimension::ArealCapacitanceRate => "areal capacitance per time",
            Dimension::FrequencyRate => "frequency per time",
            Dimension::Rate => "rate (a plain number per time)",
            Dimension::ScanRate => "scan rate",
        }
    }

    /// An example spelling for help lines ("such as 1 mA/cm2").
    pub fn example(self) -> &'static str {
        match self {
            Dimension::Dimensionless => "10",
            Dimension::Time => "20 h",
            Dimension::Frequency => "100 mHz",
            Dimension::Potential => "5 mV",
            Dimension::Current => "1 mA",
            Dimension::CurrentDensity => "1 mA/cm2",
            Dimension::Resistance => "10 kOhm",
            Dimension::ArealResistance => "400 kOhm cm2",
            Dimension::Capacitance => "17 uF",
            Dimension::ArealCapacitance => "17 uF/cm2",
            Dimension::Charge => "1 mAh",
            Dimension::ArealCharge => "1 mAh/cm2",
            Dimension::Length => "12 mm",
            Dimension::Area => "2 cm2",
            Dimension::Volume => "80 uL",
            Dimension::Concentration => "0.4 M",
            Dimension::Pressure => "150 kPa",
            Dimension::Temperature => "50 degC",
            Dimension::MassFraction => "1 ppm",
            Dimension::ArealResistanceRate => "10 kOhm cm2/h",
            Dimension::ArealCapacitanceRate => "0.1 uF/cm2/h",
            Dimension::FrequencyRate => "1 Hz/h",
            Dimension::Rate => "1 %/h",
            Dimension::ScanRate => "25 mV/s",
        }
    }

    /// The canonical unit in which [`Quantity::value`] is stored.
    pub fn canonical_unit(self) -> &'static str {
        match self {
            Dimension::Dimensionless => "",
            Dimension::Time => "s",
            Dimension::Frequency => "Hz",
            Dimension::Potential => "V",
            Dimension::Current => "A",
            Dimension::CurrentDensity => "A/cm2",
            Dimension::Resistance => "Ohm",
            Dimension::ArealResistance => "Ohm cm2",
            Dimension::Capacitance => "F",
            Dimension::ArealCapacitance => "F/cm2",
            Dimension::Charge => "C",
            Dimension::ArealCharge => "C/cm2",
            Dimension::Length => "m",
            Dimension::Area => "cm2",
            Dimension::Volume => "L",
            Dimension::Concentration => "M",
            Dimension::Pressure => "Pa",
            Dimension::Temperature => "degC",
            Dimension::MassFraction => "ppm",
            Dimension::ArealResistanceRate => "Ohm cm2/s",
            Dimension::ArealCapacitanceRate => "F/cm2/s",
            Dimension::FrequencyRate => "Hz/s",
            Dimension::Rate => "1/s",
            Dimension::ScanRate => "V/s",
        }
    }

    /// The unit a value is shown in when the protocol names none: the canonical one, except
    /// rates, which read per hour (a slope of 0.0015 Ohm cm2/s is 5.4 Ohm cm2/h).
    pub fn default_unit(self) -> &'static str {
        match self {
            Dimension::ArealResistanceRate => "Ohm cm2/h",
            Dimension::ArealCapacitanceRate => "F/cm2/h",
            Dimension::FrequencyRate => "Hz/h",
            Dimension::Rate => "1/h",
            other => other.canonical_unit(),
        }
    }

    /// The dimension of this quantity's change per unit time, if `.mgp` has one (a `slope`).
    pub fn per_time(self) -> Option<Dimension> {
        Some(match self {
            Dimension::ArealResistance => Dimension::ArealResistanceRate,
            Dimension::ArealCapacitance => Dimension::ArealCapacitanceRate,
            Dimension::Frequency => Dimension::FrequencyRate,
            Dimension::Dimensionless => Dimension::Rate,
            _ => return None,
        })
    }

    /// The inverse of [`Dimension::per_time`].
    fn rate_of(self) -> Option<Dimension> {
        Some(match self {
            Dimension::ArealResistanceRate => Dimension::ArealResistance,
            Dimension::ArealCapacitanceRate => Dimension::ArealCapacitance,
            Dimension::FrequencyRate => Dimension::Frequency,
            Dimension::Rate => Dimension::Dimensionless,
            _ => return None,
        })
    }

    /// The absolute counterpart of an areal dimension and vice versa, if there is one.
    pub fn areal_pair(self) -> Option<Dimension> {
        use Dimension::*;
        Some(match self {
            Current => CurrentDensity,
            CurrentDensity => Current,
            Resistance => ArealResistance,
            ArealResistance => Resistance,
            Capacitance => ArealCapacitance,
            ArealCapacitance => Capacitance,
            Charge => ArealCharge,
            ArealCharge => Charge,
            _ => return None,
        })
    }

    /// True for per-cm² dimensions.
    pub fn is_areal(self) -> bool {
        matches!(
            self,
            Dimension::CurrentDensity
                | Dimension::ArealResistance
                | Dimension::ArealCapacitance
                | Dimension::ArealCharge
        )
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One unit spelling: its dimension and the factor to the canonical unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    /// The canonical ASCII spelling (what `mgp fmt` writes).
    pub symbol: &'static str,
    pub dimension: Dimension,
    /// canonical value = value × factor (+ offset, for temperatures only).
    pub factor: f64,
}

const fn u(symbol: &'static str, dimension: Dimension, factor: f64) -> Unit {
    Unit {
        symbol,
        dimension,
        factor,
    }
}

/// Every unit `.mgp` accepts, by canonical ASCII spelling. Alternative spellings (µ, Ω, ², ·)
/// are normalised by [`normalise_spelling`] before lookup.
pub const UNITS: &[Unit] = &[
    u("s", Dimension::Time, 1.0),
    u("ms", Dimension::Time, 1e-3),
    u("min", Dimension::Time, 60.0),
    u("h", Dimension::Time, 3600.0),
    u("d", Dimension::Time, 86400.0),
    u("Hz", Dimension::Frequency, 1.0),
    u("mHz", Dimension::Frequency, 1e-3),
    u("uHz", Dimension::Frequency, 1e-6),
    u("kHz", Dimension::Frequency, 1e3),
    u("MHz", Dimension::Frequency, 1e6),
    u("V", Dimension::Potential, 1.0),
    u("mV", Dimension::Potential, 1e-3),
    u("uV", Dimension::Potential, 1e-6),
    u("A", Dimension::Current, 1.0),
    u("mA", Dimension::Current, 1e-3),
    u("uA", Dimension::Current, 1e-6),
    u("nA", Dimension::Current, 1e-9),
    u("pA", Dimension::Current, 1e-12),
    u("A/cm2", Dimension::CurrentDensity, 1.0),
    u("mA/cm2", Dimension::CurrentDensity, 1e-3),
    u("uA/cm2", Dimension::CurrentDensity, 1e-6),
    u("nA/cm2", Dimension::CurrentDensity, 1e-9),
    u("A/m2", Dimension::CurrentDensity, 1e-4),
    u("Ohm", Dimension::Resistance, 1.0),
    u("mOhm", Dimension::Resistance, 1e-3),
    u("kOhm", Dimension::Resistance, 1e3),
    u("MOhm", Dimension::Resistance, 1e6),
    u("GOhm", Dimension::Resistance, 1e9),
    u("Ohm cm2", Dimension::ArealResistance, 1.0),
    u("kOhm cm2", Dimension::ArealResistance, 1e3),
    u("MOhm cm2", Dimension::ArealResistance, 1e6),
    u("GOhm cm2", Dimension::ArealResistance, 1e9),
    u("F", Dimension::Capacitance, 1.0),
    u("mF", Dimension::Capacitance, 1e-3),
    u("uF", Dimension::Capacitance, 1e-6),
    u("nF", Dimension::Capacitance, 1e-9),
    u("pF", Dimension::Capacitance, 1e-12),
    u("F/cm2", Dimension::ArealCapacitance, 1.0),
    u("mF/cm2", Dimension::ArealCapacitance, 1e-3),
    u("uF/cm2", Dimension::ArealCapacitance, 1e-6),
    u("nF/cm2", Dimension::ArealCapacitance, 1e-9),
    u("C", Dimension::Charge, 1.0),
    u("mC", Dimension::Charge, 1e-3),
    u("Ah", Dimension::Charge, 3600.0),
    u("mAh", Dimension::Charge, 3.6),
    u("uAh", Dimension::Charge, 3.6e-3),
    u("nAh", Dimension::Charge, 3.6e-6),
    u("C/cm2", Dimension::ArealCharge, 1.0),
    u("mC/cm2", Dimension::ArealCharge, 1e-3),
    u("mAh/cm2", Dimension::ArealCharge, 3.6),
    u("uAh/cm2", Dimension::ArealCharge, 3.6e-3),
    u("nAh/cm2", Dimension::ArealCharge, 3.6e-6),
    u("m", Dimension::Length, 1.0),
    u("cm", Dimension::Length, 1e-2),
    u("mm", Dimension::Length, 1e-3),
    u("um", Dimension::Length, 1e-6),
    u("nm", Dimension::Length, 1e-9),
    u("cm2", Dimension::Area, 1.0),
    u("mm2", Dimension::Area, 1e-2),
    u("m2", Dimension::Area, 1e4),
    u("L", Dimension::Volume, 1.0),
    u("mL", Dimension::Volume, 1e-3),
    u("uL", Dimension::Volume, 1e-6),
    u("M", Dimension::Concentration, 1.0),
    u("mM", Dimension::Concentration, 1e-3),
    u("uM", Dimension::Concentration, 1e-6),
    u("Pa", Dimension::Pressure, 1.0),
    u("kPa", Dimension::Pressure, 1e3),
    u("MPa", Dimension::Pressure, 1e6),
    u("bar", Dimension::Pressure, 1e5),
    u("degC", Dimension::Temperature, 1.0),
    u("V/s", Dimension::ScanRate, 1.0),
    u("mV/s", Dimension::ScanRate, 1e-3),
    u("uV/s", Dimension::ScanRate, 1e-6),
    u("ppm", Dimension::MassFraction, 1.0),
    u("%", Dimension::Dimensionless, 1e-2),
];

/// The time units a rate may be written per (`kOhm cm2/h`), with their length in seconds.
const PER_TIME: &[(&str, f64)] = &[("s", 1.0), ("min", 60.0), ("h", 3600.0), ("d", 86400.0)];

/// [`UNITS`] plus every rate spelling: each unit of a dimension with a [`Dimension::per_time`]
/// counterpart, per each of [`PER_TIME`] (`kOhm cm2/h`, `uF/cm2/d`, `mHz/h`, `%/h`, `1/s`).
static ALL_UNITS: LazyLock<Vec<Unit>> = LazyLock::new(|| {
    let mut all = UNITS.to_vec();
    let one = u("1", Dimension::Dimensionless, 1.0);
    for base in UNITS.iter().chain([&one]) {
        let Some(rate) = base.dimension.per_time() else {
            continue;
        };
        for (time, seconds) in PER_TIME {
            // Built once per process; leaking keeps `Unit` a plain `Copy` record of `&'static str`s.
            let symbol: &'static str =
                Box::leak(format!("{}/{time}", base.symbol).into_boxed_str());
            all.push(u(symbol, rate, base.factor / seconds));
        }
    }
    all
});

/// Every unit `.mgp` accepts: [`UNITS`] and the rates built from them.
pub fn all_units() -> &'static [Unit] {
    &ALL_UNITS
}

/// Rewrites Unicode and alternative spellings into the canonical ASCII ones:
/// `µ`/`μ` → `u`, `Ω` → `Ohm`, `²` → `2`, `·`/`*` between factors → space, `°C` → `degC`,
/// `l` → `L` for litres, `ohm` → `Ohm`, and collapses spaces.
pub fn normalise_spelling(raw: &str) -> String {
    let mut s = raw
        .replace(['µ', 'μ'], "u")
        .replace('Ω', "Ohm")
        .replace('²', "2")
        .replace(['·', '*', '⋅'], " ")
        .replace("°C", "degC")
        .replace("ohm", "Ohm");
    // "kOhmcm2" and "kOhm.cm2" are common in spreadsheets; accept them too.
    s = s.replace("Ohm.cm2", "Ohm cm2").replace("Ohmcm2", "Ohm cm2");
    let collapsed: Vec<&str> = s.split_whitespace().collect();
    let mut out = collapsed.join(" ");
    for (from, to) in [("ul", "uL"), ("ml", "mL")] {
        if out == from {
            out = to.to_string();
        }
    }
    if out == "l" {
        out = "L".to_string();
    }
    // Time units spelt out, as papers write them.
    for (words, to) in [
        (&["sec", "secs", "second", "seconds"][..], "s"),
        (&["mins", "minute", "minutes"][..], "min"),
        (&["hr", "hrs", "hour", "hours"][..], "h"),
        (&["day", "days"][..], "d"),
    ] {
        if words.contains(&out.as_str()) {
            out = to.to_string();
        }
    }
    // A per-area factor written as a negative power: `mA cm-2`, `mA·cm⁻²`, `mAh cm^-2`.
    let per_area = out.replace('⁻', "-").replace("^-", "-");
    for (suffix, to) in [(" cm-2", "/cm2"), (" m-2", "/m2")] {
        if let Some(head) = per_area.strip_suffix(suffix)
            && !head.is_empty()
        {
            return format!("{head}{to}");
        }
    }
    out
}

/// Looks a unit up by any accepted spelling.
pub fn lookup(spelling: &str) -> Option<&'static Unit> {
    let canonical = normalise_spelling(spelling);
    all_units().iter().find(|unit| unit.symbol == canonical)
}

/// The accepted unit spellings closest to `spelling`, for "did you mean" help.
pub fn suggest(spelling: &str) -> Option<&'static str> {
    let canonical = normalise_spelling(spelling);
    all_units()
        .iter()
        .map(|unit| (strsim::levenshtein(&canonical, unit.symbol), unit.symbol))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, symbol)| symbol)
}

/// A value with a dimension, stored in the dimension's canonical unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quantity {
    pub value: f64,
    pub dimension: Dimension,
}

/// Converting between areal and absolute values without a positive area.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConversionError {
    #[error("{0} has no areal counterpart")]
    NoCounterpart(Dimension),
    #[error("the area must be positive, found {0} cm2")]
    BadArea(f64),
}

impl Quantity {
    pub fn new(value: f64, dimension: Dimension) -> Self {
        Quantity { value, dimension }
    }

    /// Parses `number` in the unit spelled `unit`; `None` if the unit is unknown.
    pub fn from_unit(number: f64, unit: &str) -> Option<Self> {
        lookup(unit).map(|unit| Quantity::new(number * unit.factor, unit.dimension))
    }

    /// The value expressed in `unit` (which must have this quantity's dimension).
    pub fn in_unit(&self, unit: &str) -> Option<f64> {
        lookup(unit)
            .filter(|unit| unit.dimension == self.dimension)
            .map(|unit| self.value / unit.factor)
    }

    /// An areal value times the electrode area gives the absolute value (current density ×
    /// area = current); resistances divide (Ω·cm² / cm² = Ω).
    pub fn to_absolute(&self, area_cm2: f64) -> Result<Quantity, ConversionError> {
        convert_area(self, area_cm2, true)
    }

    /// The inverse of [`Quantity::to_absolute`].
    pub fn to_areal(&self, area_cm2: f64) -> Result<Quantity, ConversionError> {
        convert_area(self, area_cm2, false)
    }
}

fn convert_area(
    q: &Quantity,
    area_cm2: f64,
    to_absolute: bool,
) -> Result<Quantity, ConversionError> {
    if !(area_cm2.is_finite() && area_cm2 > 0.0) {
        return Err(ConversionError::BadArea(area_cm2));
    }
    if q.dimension.is_areal() == to_absolute {
        let target = q
            .dimension
            .areal_pair()
            .ok_or(ConversionError::NoCounterpart(q.dimension))?;
        // Resistance scales inversely with area; currents, capacitances and charges scale with it.
        let resistive = matches!(
            q.dimension,
            Dimension::Resistance | Dimension::ArealResistance
        );
        let multiply = to_absolute != resistive;
        let value = if multiply {
            q.value * area_cm2
        } else {
            q.value / area_cm2
        };
        Ok(Quantity::new(value, target))
    } else {
        Err(ConversionError::NoCounterpart(q.dimension))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_and_ascii_spellings_agree() {
        for (a, b) in [
            ("µF/cm²", "uF/cm2"),
            ("kΩ·cm²", "kOhm cm2"),
            ("kΩ cm2", "kOhm cm2"),
            ("°C", "degC"),
            ("μL", "uL"),
            ("mA cm-2", "mA/cm2"),
            ("mA·cm⁻²", "mA/cm2"),
            ("mAh cm-2", "mAh/cm2"),
            ("hours", "h"),
            ("hour", "h"),
            ("sec", "s"),
            ("mV/s", "mV/s"),
        ] {
            assert_eq!(lookup(a), lookup(b), "{a} vs {b}");
            assert!(lookup(a).is_some(), "{a}");
        }
    }

    #[test]
    fn areal_conversion_goes_through_the_area() {
        let j = Quantity::from_unit(10.0, "mA/cm2").unwrap();
        let i = j.to_absolute(4.0).unwrap();
        assert_eq!(i.dimension, Dimension::Current);
        assert!((i.value - 0.04).abs() < 1e-15);
        let r = Quantity::from_unit(400.0, "kOhm cm2").unwrap();
        let r_abs = r.to_absolute(1.131).unwrap();
        assert!((r_abs.value - 400e3 / 1.131).abs() < 1e-6);
        assert_eq!(
            r_abs.to_areal(1.131).unwrap().dimension,
            Dimension::ArealResistance
        );
        assert!(j.to_areal(1.0).is_err());
        assert!(j.to_absolute(0.0).is_err());
    }

    #[test]
    fn capacity_units() {
        let q = Quantity::from_unit(1.0, "mAh/cm2").unwrap();
        assert_eq!(q.dimension, Dimension::ArealCharge);
        assert!((q.value - 3.6).abs() < 1e-12);
    }

    #[test]
    fn formatting() {
        assert_eq!(format_si(0.0004, Dimension::CurrentDensity), "400 uA/cm2");
        assert_eq!(format_si(400e3, Dimension::ArealResistance), "400 kOhm cm2");
        assert_eq!(format_duration(3.0 * 86400.0 + 720.0), "3 d 0 h 12 min");
        assert_eq!(format_duration(510.0), "8 min 30 s");
        assert_eq!(format_duration(1e300 * 3600.0), "1.14e296 years");
        assert_eq!(format_duration(f64::INFINITY), "forever");
        assert_eq!(
            format_duration(999.0 * 365.25 * 86400.0),
            "364884 d 18 h 0 min"
        );
        // Charges read in the battery units, rates per hour.
        assert_eq!(format_si(3.6, Dimension::Charge), "1 mAh");
        assert_eq!(format_si(1.8e-3, Dimension::Charge), "500 nAh");
        assert_eq!(
            format_si(3.6 / 1.131, Dimension::ArealCharge),
            "0.8842 mAh/cm2"
        );
        assert_eq!(format_si(0.0, Dimension::Charge), "0 mAh");
        assert_eq!(
            format_si(1.5e-3, Dimension::ArealResistanceRate),
            "5.4 Ohm cm2/h"
        );
        assert_eq!(
            format_si(5.0, Dimension::ArealResistanceRate),
            "18 kOhm cm2/h"
        );
        assert_eq!(format_si(1e-2 / 3600.0, Dimension::Rate), "1 %/h");
    }

    #[test]
    fn rates_are_any_unit_per_time() {
        let r = lookup("kΩ·cm²/h").unwrap();
        assert_eq!(r.dimension, Dimension::ArealResistanceRate);
        assert!((r.factor - 1e3 / 3600.0).abs() < 1e-15);
        assert_eq!(lookup("kOhm*cm2/d"), lookup("kOhm cm2/d"));
        assert_eq!(
            lookup("µF/cm²/h").unwrap().dimension,
            Dimension::ArealCapacitanceRate
        );
        assert_eq!(
            lookup("mHz/min").unwrap().dimension,
            Dimension::FrequencyRate
        );
        assert_eq!(lookup("1/h").unwrap().dimension, Dimension::Rate);
        assert_eq!(lookup("%/d").unwrap().dimension, Dimension::Rate);
        // Only quantities whose series a slope can be taken of have rates.
        assert!(lookup("mA/h").is_none());
        assert_eq!(suggest("kOhm cm2/hr"), Some("kOhm cm2/h"));
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("mAcm2"), Some("mA/cm2"));
        assert_eq!(suggest("kohms"), Some("kOhm"));
    }
}
