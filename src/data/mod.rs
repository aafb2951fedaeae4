//! Data files: impedance spectra from CSV (with or without a header, after a preamble), and
//! the vendors' own formats: EC-Lab/BT-Lab `.mpt` and binary `.mpr`, Gamry `.DTA`, ZPlot/ZView
//! `.z`, Autolab `.dfr`, VersaStudio `.par`, Ivium `.idf`/`.ids`, PalmSens `.pssession`, CH
//! Instruments and Parstat text, spreadsheets and column-wise JSON. [`sniff`] picks the reader.
//!
//! Takes a path (or bytes and a name) and [`ReadOptions`]; gives an [`ImpedanceFile`] holding
//! one or more [`Spectrum`]s (split by a `spectrum`/`cycle` column, EC-Lab cycles, or a sweep
//! returning to its first frequency), Z'' always in the Z'' < 0-is-capacitive convention, and
//! notes on what was inferred. Every problem is a [`DataError`] naming the file and line;
//! no input makes the readers panic.

mod columns;
mod csv;
mod dfr;
mod error;
mod gamry;
mod header;
mod ivium;
mod json;
mod mpr;
mod mpt;
mod par;
mod pssession;
mod sniff;
mod table;
mod text;
mod zplot;

pub use error::DataError;

use num_complex::Complex64;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Reader choices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Drop points with Z'' > 0 (inductive, typically cables at high frequency).
    pub drop_inductive: bool,
}

/// One impedance spectrum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spectrum {
    /// The spectrum/cycle value from the file, or its position (`1`, `2`…).
    pub label: String,
    pub frequencies_hz: Vec<f64>,
    /// Ω, or Ω·cm² when the file's header says so ([`ImpedanceFile::areal`]).
    pub z_ohm: Vec<Complex64>,
    /// 1-based source line of each point (for binary formats: the row of the table the
    /// reader made of the records, as diagnostics show it).
    pub lines: Vec<usize>,
    /// Time stamp of each point (s, from the file's own origin), when the file has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_s: Option<Vec<f64>>,
    /// DC potential during each point (V), when the file has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dc_potential_v: Option<Vec<f64>>,
    /// DC current during each point (A), when the file has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dc_current_a: Option<Vec<f64>>,
}

/// What the file says about itself (each field only when the file says it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instrument: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technique: Option<String>,
    /// Electrode area (cm²) as the file records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_cm2: Option<f64>,
    /// Start of the measurement as the file writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software: Option<String>,
}

/// The file formats recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    CsvWithHeader,
    CsvHeaderless,
    EcLabMpt,
    BioLogicMpr,
    GamryDta,
    ZPlot,
    AutolabDfr,
    VersaStudioPar,
    Ivium,
    PalmSensSession,
    ChInstruments,
    Parstat,
    Spreadsheet,
    Json,
}

impl Format {
    /// The name users know the format by.
    pub fn describe(self) -> &'static str {
        match self {
            Format::CsvWithHeader => "CSV with a header",
            Format::CsvHeaderless => "CSV of frequency, Z', Z''",
            Format::EcLabMpt => "BioLogic EC-Lab/BT-Lab text (.mpt)",
            Format::BioLogicMpr => "BioLogic binary (.mpr)",
            Format::GamryDta => "Gamry (.DTA)",
            Format::ZPlot => "ZPlot/ZView (.z)",
            Format::AutolabDfr => "Autolab FRA (.dfr)",
            Format::VersaStudioPar => "VersaStudio (.par)",
            Format::Ivium => "Ivium (.idf/.ids)",
            Format::PalmSensSession => "PalmSens PSTrace session (.pssession)",
            Format::ChInstruments => "CH Instruments text",
            Format::Parstat => "Parstat text",
            Format::Spreadsheet => "spreadsheet (.xlsx/.ods)",
            Format::Json => "column-wise JSON",
        }
    }
}

/// A read file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImpedanceFile {
    pub path: String,
    pub format: Format,
    pub spectra: Vec<Spectrum>,
    /// The header gave areal units (Ω·cm²).
    pub areal: bool,
    /// What was inferred (sign convention, dropped points).
    pub notes: Vec<String>,
    #[serde(default)]
    pub metadata: Metadata,
}

/// Reads an impedance file from disk.
pub fn read_file(path: &Path, options: &ReadOptions) -> Result<ImpedanceFile, DataError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| DataError::Io {
        path: name.clone(),
        message: e.to_string(),
    })?;
    parse(&name, &bytes, options)
}

/// Reads impedance data from bytes; `name` is used in diagnostics.
pub fn parse(name: &str, bytes: &[u8], options: &ReadOptions) -> Result<ImpedanceFile, DataError> {
    sniff::read(name, bytes, options)
}

/// A reader's result before the table step: the text (the file's, or the table a reader
/// made of a binary or JSON file), where its numbers are, and what the file says.
pub(crate) struct Read {
    pub text: text::Text,
    pub layout: table::Layout,
    pub format: Format,
    pub metadata: Metadata,
    pub notes: Vec<String>,
}

impl Read {
    pub fn new(text: text::Text, layout: table::Layout, format: Format) -> Read {
        Read {
            text,
            layout,
            format,
            metadata: Metadata::default(),
            notes: Vec::new(),
        }
    }

    fn finish(self, options: &ReadOptions) -> Result<ImpedanceFile, DataError> {
        let tabled = table::build(&self.text, &self.layout, options)?;
        let mut metadata = self.metadata;
        // An empty field or an area of 0 is a setting left blank, not knowledge.
        for field in [
            &mut metadata.instrument,
            &mut metadata.technique,
            &mut metadata.started,
            &mut metadata.software,
        ] {
            if field.as_deref().is_some_and(|v| v.trim().is_empty()) {
                *field = None;
            }
        }
        metadata.area_cm2 = metadata.area_cm2.filter(|a| *a > 0.0 && a.is_finite());
        let mut notes = self.notes;
        notes.extend(tabled.notes);
        Ok(ImpedanceFile {
            path: self.text.path.clone(),
            format: self.format,
            spectra: tabled.spectra,
            areal: tabled.areal,
            notes,
            metadata,
        })
    }
}

#[cfg(test)]
mod tests;
