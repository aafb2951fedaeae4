//! Parameter sets as documented data: loading, unit conversion, overrides.
//!
//! Takes the built-in JSON files in `params/` (compiled in with `include_str!`) and, optionally,
//! an override file; gives [`Params`], the typed values the model uses, each converted to the
//! model's internal unit. Every entry of a built-in file carries `value`, `unit`, `meaning` and
//! `source` (the paper's number, or an estimate and why). An override file maps set names to
//! entries with at least `value` and `unit`:
//!
//! ```json
//! { "mg_chloride_glyme": { "k_max": { "value": 1.0, "unit": "1/h", "source": "my fit" } } }
//! ```
//!
//! Units are checked: a length may be written in nm or µm, a rate in 1/h or 1/s, but a length
//! where a time is expected is an error naming the file and the key.

mod load;

use super::error::SimError;
use super::param_sets::{CellParams, LiParams, MgParams, PsParams};
use load::{apply_override, at, parse_default};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// What a parameter measures, which decides the units it may be written in and the internal
/// unit the model receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dimensionless,
    Length,
    Time,
    Potential,
    CurrentDensity,
    ArealResistance,
    ArealCapacitance,
    Concentration,
    Volume,
    Temperature,
    Rate,
    Conductivity,
    VolumePerArea,
    MolarVolume,
}

use crate::units::Dimension;

/// Units with no entry in the `.mgp` unit table (they never appear in protocols).
const RATE: &[(&str, f64)] = &[("1/s", 1.0), ("1/min", 1.0 / 60.0), ("1/h", 1.0 / 3600.0)];
const CONDUCTIVITY: &[(&str, f64)] = &[
    ("S/cm", 1.0),
    ("mS/cm", 1e-3),
    ("uS/cm", 1e-6),
    ("S/m", 1e-2),
];
const VOLUME_PER_AREA: &[(&str, f64)] = &[("uL/cm2", 1.0), ("mL/cm2", 1e3)];
const MOLAR_VOLUME: &[(&str, f64)] = &[("cm3/mol", 1.0), ("mL/mol", 1.0), ("L/mol", 1e3)];
const DIMENSIONLESS: &[(&str, f64)] = &[("", 1.0), ("1", 1.0), ("-", 1.0), ("%", 1e-2)];

impl Kind {
    /// The unit the model receives values in.
    pub fn internal_unit(self) -> &'static str {
        match self {
            Kind::Dimensionless => "",
            Kind::Length => "m",
            Kind::Time => "s",
            Kind::Potential => "V",
            Kind::CurrentDensity => "A/cm2",
            Kind::ArealResistance => "Ohm cm2",
            Kind::ArealCapacitance => "F/cm2",
            Kind::Concentration => "M",
            Kind::Volume => "mL",
            Kind::Temperature => "degC",
            Kind::Rate => "1/s",
            Kind::Conductivity => "S/cm",
            Kind::VolumePerArea => "uL/cm2",
            Kind::MolarVolume => "cm3/mol",
        }
    }

    fn dimension(self) -> Option<Dimension> {
        Some(match self {
            Kind::Length => Dimension::Length,
            Kind::Time => Dimension::Time,
            Kind::Potential => Dimension::Potential,
            Kind::CurrentDensity => Dimension::CurrentDensity,
            Kind::ArealResistance => Dimension::ArealResistance,
            Kind::ArealCapacitance => Dimension::ArealCapacitance,
            Kind::Concentration => Dimension::Concentration,
            Kind::Volume => Dimension::Volume,
            Kind::Temperature => Dimension::Temperature,
            _ => return None,
        })
    }

    fn local_table(self) -> &'static [(&'static str, f64)] {
        match self {
            Kind::Rate => RATE,
            Kind::Conductivity => CONDUCTIVITY,
            Kind::VolumePerArea => VOLUME_PER_AREA,
            Kind::MolarVolume => MOLAR_VOLUME,
            Kind::Dimensionless => DIMENSIONLESS,
            _ => &[],
        }
    }

    /// `value unit` in the internal unit, or `None` when the unit does not fit this kind.
    pub fn convert(self, value: f64, unit: &str) -> Option<f64> {
        if let Some(dimension) = self.dimension() {
            let unit = crate::units::lookup(unit).filter(|u| u.dimension == dimension)?;
            let canonical = value * unit.factor;
            // The unit table keeps volumes in litres; the model counts millilitres.
            return Some(if self == Kind::Volume {
                canonical * 1e3
            } else {
                canonical
            });
        }
        let spelled = crate::units::normalise_spelling(unit);
        self.local_table()
            .iter()
            .find(|(symbol, _)| *symbol == spelled)
            .map(|(_, factor)| value * factor)
    }

    /// Accepted spellings, for the help line of a wrong unit.
    pub fn expected(self) -> String {
        if let Some(dimension) = self.dimension() {
            let units: Vec<&str> = crate::units::UNITS
                .iter()
                .filter(|u| u.dimension == dimension)
                .map(|u| u.symbol)
                .collect();
            return format!("a {} (`{}`)", dimension.name(), units.join("`, `"));
        }
        let units: Vec<String> = self
            .local_table()
            .iter()
            .map(|(s, _)| format!("`{s}`"))
            .collect();
        units.join(", ")
    }
}

/// The admissible range of a parameter (checked after unit conversion).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Positive,
    NonNegative,
    /// 0 ≤ x < 1.
    Fraction,
    /// 0 < x ≤ 1 (a CPE exponent).
    Exponent,
    Any,
}

impl Bound {
    fn check(self, x: f64) -> Result<(), &'static str> {
        if !x.is_finite() {
            return Err("the value must be a finite number");
        }
        match self {
            Bound::Positive if x <= 0.0 => Err("the value must be positive"),
            Bound::NonNegative if x < 0.0 => Err("the value must not be negative"),
            Bound::Fraction if !(0.0..1.0).contains(&x) => Err("the value must lie in [0, 1)"),
            Bound::Exponent if !(x > 0.0 && x <= 1.0) => Err("the value must lie in (0, 1]"),
            _ => Ok(()),
        }
    }
}

/// The specification of one key of a typed set.
#[derive(Debug, Clone, Copy)]
pub struct ParamKey {
    pub key: &'static str,
    pub kind: Kind,
    pub bound: Bound,
}

/// One documented parameter value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// The number as written in its file.
    pub value: f64,
    /// The unit as written.
    pub unit: String,
    /// The value in the model's internal unit ([`Kind::internal_unit`]).
    pub internal: f64,
    pub internal_unit: &'static str,
    pub meaning: String,
    pub source: String,
    /// The file the value comes from (`built-in NAME.json` or the override path).
    pub file: String,
}

/// A named parameter set with its description and entries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamSet {
    pub name: String,
    pub description: String,
    pub entries: BTreeMap<String, Entry>,
}

impl ParamSet {
    /// The internal value of `key`, or a `Missing` error naming the set and file.
    pub fn get(&self, key: &str) -> Result<f64, SimError> {
        self.entries
            .get(key)
            .map(|e| e.internal)
            .ok_or_else(|| SimError::Missing {
                at: at(
                    &format!("built-in {}.json", self.name),
                    Some(&self.name),
                    Some(key),
                ),
            })
    }
}

/// All parameters of the simulator, typed, plus the documented sets they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub mg: MgParams,
    pub li: LiParams,
    pub ps: PsParams,
    pub cell: CellParams,
    /// The documented sets (for the run manifest).
    pub sets: Vec<ParamSet>,
    /// The override file, if one was applied.
    pub override_file: Option<String>,
}

/// The built-in sets: (name, file text).
const BUILT_IN: &[(&str, &str)] = &[
    (MgParams::SET, include_str!("params/mg_chloride_glyme.json")),
    (LiParams::SET, include_str!("params/li_lp40.json")),
    (PsParams::SET, include_str!("params/li2s8_gc.json")),
    (CellParams::SET, include_str!("params/cell.json")),
];

fn keys_of(set: &str) -> &'static [ParamKey] {
    match set {
        MgParams::SET => MgParams::KEYS,
        LiParams::SET => LiParams::KEYS,
        PsParams::SET => PsParams::KEYS,
        _ => CellParams::KEYS,
    }
}

impl Params {
    /// The built-in parameter sets.
    pub fn defaults() -> Result<Self, SimError> {
        Self::load(None)
    }

    /// The built-in sets with `override_path` applied on top, when given.
    pub fn load(override_path: Option<&Path>) -> Result<Self, SimError> {
        let mut sets = Vec::new();
        for (name, text) in BUILT_IN {
            sets.push(parse_default(name, text)?);
        }
        let mut override_file = None;
        if let Some(path) = override_path {
            let text = std::fs::read_to_string(path).map_err(|source| SimError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            let file = path.display().to_string();
            apply_override(&mut sets, &file, &text)?;
            override_file = Some(file);
        }
        Self::from_sets(sets, override_file)
    }

    /// Applies override text (as if read from `file`) to the built-in sets.
    pub fn from_override_text(file: &str, text: &str) -> Result<Self, SimError> {
        let mut sets = Vec::new();
        for (name, built_in) in BUILT_IN {
            sets.push(parse_default(name, built_in)?);
        }
        apply_override(&mut sets, file, text)?;
        Self::from_sets(sets, Some(file.to_string()))
    }

    fn from_sets(sets: Vec<ParamSet>, override_file: Option<String>) -> Result<Self, SimError> {
        let find = |name: &str| sets.iter().find(|s| s.name == name);
        let missing = |name: &str| SimError::Missing {
            at: at(&format!("built-in {name}.json"), Some(name), None),
        };
        let mg = MgParams::from_set(find(MgParams::SET).ok_or_else(|| missing(MgParams::SET))?)?;
        let li = LiParams::from_set(find(LiParams::SET).ok_or_else(|| missing(LiParams::SET))?)?;
        let ps = PsParams::from_set(find(PsParams::SET).ok_or_else(|| missing(PsParams::SET))?)?;
        let cell =
            CellParams::from_set(find(CellParams::SET).ok_or_else(|| missing(CellParams::SET))?)?;
        Ok(Params {
            mg,
            li,
            ps,
            cell,
            sets,
            override_file,
        })
    }

    /// Every set with every value, unit, meaning and source, for the run manifest.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(&self.sets).unwrap_or(Value::Null)
    }
}
