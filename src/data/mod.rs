//! Data files: impedance spectra from CSV (with or without a header) and EC-Lab `.mpt`.
//!
//! Takes a path (or bytes and a name) and [`ReadOptions`]; gives an [`ImpedanceFile`] holding
//! one or more [`Spectrum`]s (split by a `spectrum`/`cycle` column, EC-Lab cycles, or a sweep
//! returning to its first frequency), Z'' always in the Z'' < 0-is-capacitive convention, and
//! notes on what was inferred. Every problem is a [`DataError`] naming the file and line;
//! no input makes the readers panic.

mod columns;
mod csv;
mod error;
mod mpt;
mod table;
mod text;

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
    /// 1-based source line of each point.
    pub lines: Vec<usize>,
}

/// The file formats recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    CsvWithHeader,
    CsvHeaderless,
    EcLabMpt,
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
    let text = text::Text::decode(name, bytes);
    let (layout, format) = if mpt::is_mpt(&text) {
        (mpt::layout(&text)?, Format::EcLabMpt)
    } else {
        let (layout, header) = csv::layout(&text, 0)?;
        (
            layout,
            if header {
                Format::CsvWithHeader
            } else {
                Format::CsvHeaderless
            },
        )
    };
    let tabled = table::build(&text, &layout, options)?;
    Ok(ImpedanceFile {
        path: name.to_string(),
        format,
        spectra: tabled.spectra,
        areal: tabled.areal,
        notes: tabled.notes,
    })
}

#[cfg(test)]
mod tests;
