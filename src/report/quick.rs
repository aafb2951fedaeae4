//! Quick plots of one impedance file (`mgp plot FILE`): a Nyquist and a Bode SVG, with a
//! fitted curve overlaid when one is given.
//!
//! Takes a spectrum (absolute Ω); gives two figures and writes them. Until the shared data
//! readers land (`mgp::data`), [`read_impedance_csv`] reads the simple CSV this project writes
//! (`freq_hz,z_real_ohm,z_imag_ohm`, any further columns ignored, as in a run's `eis/*.csv`).

use super::ReportError;
use super::analysis::ImpedancePoint;
use super::plots::{self, Figure, SpectraSpec, Spectrum, bode, nyquist};
use miette::{NamedSource, SourceSpan};
use std::path::{Path, PathBuf};

/// The Nyquist and Bode figures of one spectrum. `stem` names the files (`STEM-nyquist`).
pub fn spectrum_figures(
    stem: &str,
    title: &str,
    points: &[ImpedancePoint],
    fit: Option<(&str, &[ImpedancePoint])>,
) -> Vec<Figure> {
    let spectra = [Spectrum {
        elapsed_s: 0.0,
        points: points.to_vec(),
        fit: fit.map_or(Vec::new(), |f| f.1.to_vec()),
    }];
    let circuit = fit.map(|f| f.0);
    let nyquist_name = format!("{stem}-nyquist");
    let bode_name = format!("{stem}-bode");
    vec![
        nyquist::figure(
            SpectraSpec {
                name: &nyquist_name,
                title: &format!("Nyquist — {title}"),
                area_cm2: None,
                circuit,
            },
            &spectra,
        ),
        bode::figure(
            SpectraSpec {
                name: &bode_name,
                title: &format!("Bode — {title}"),
                area_cm2: None,
                circuit,
            },
            &spectra,
        ),
    ]
}

/// Renders figures into `out_dir/NAME.svg`, creating the folder; returns the paths written.
pub fn write_figures(out_dir: &Path, figures: &[Figure]) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(out_dir).map_err(|source| ReportError::Io {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for figure in figures {
        let svg = plots::render_svg(figure)?;
        let path = out_dir.join(format!("{}.svg", figure.name));
        std::fs::write(&path, svg).map_err(|source| ReportError::Io {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// A problem in an impedance CSV file, pointing at the place in the file.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum CsvProblem {
    #[error("the header has no `{column}` column")]
    #[diagnostic(
        code(mgp::data::missing_column),
        help("the first line must name the columns: freq_hz,z_real_ohm,z_imag_ohm")
    )]
    MissingColumn {
        column: &'static str,
        #[label("this header")]
        span: SourceSpan,
    },
    #[error("`{text}` in column `{column}` is not a number")]
    #[diagnostic(code(mgp::data::not_a_number))]
    NotANumber {
        text: String,
        column: &'static str,
        #[label("expected a number")]
        span: SourceSpan,
    },
    #[error("line {line} has {found} fields, fewer than the header")]
    #[diagnostic(code(mgp::data::short_row))]
    ShortRow {
        line: usize,
        found: usize,
        #[label("this line")]
        span: SourceSpan,
    },
    #[error("frequency {text} Hz is not positive")]
    #[diagnostic(
        code(mgp::data::bad_frequency),
        help("frequencies are in Hz and must be above zero")
    )]
    BadFrequency {
        text: String,
        #[label("here")]
        span: SourceSpan,
    },
}

/// All problems found in one file, reported together.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot read impedance data from `{path}`")]
#[diagnostic(code(mgp::data::invalid_file))]
pub struct CsvError {
    pub path: String,
    #[source_code]
    pub source_code: NamedSource<String>,
    #[related]
    pub problems: Vec<CsvProblem>,
    /// A file with a header but no data rows has no problems to point at.
    #[help]
    pub help: Option<String>,
}

const MAX_PROBLEMS: usize = 20;

/// Reads `freq_hz,z_real_ohm,z_imag_ohm` (columns found by name; other columns ignored).
pub fn read_impedance_csv(path: &str, text: &str) -> Result<Vec<ImpedancePoint>, Box<CsvError>> {
    let mut problems = Vec::new();
    let mut points = Vec::new();
    let mut offset = 0;
    let mut lines = text.split_inclusive('\n').enumerate();
    let mut columns: Option<[usize; 3]> = None;
    // The header is the first non-blank line.
    for (_, line) in lines.by_ref() {
        let start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        if content.trim().is_empty() {
            continue;
        }
        let names: Vec<&str> = content
            .split(',')
            .map(|s| s.trim().trim_matches('"'))
            .collect();
        let mut found = [0; 3];
        for (slot, column) in ["freq_hz", "z_real_ohm", "z_imag_ohm"]
            .into_iter()
            .enumerate()
        {
            match names.iter().position(|n| *n == column) {
                Some(i) => found[slot] = i,
                None => problems.push(CsvProblem::MissingColumn {
                    column,
                    span: (start, content.len()).into(),
                }),
            }
        }
        if problems.is_empty() {
            columns = Some(found);
        }
        break;
    }
    if let Some(columns) = columns {
        const NAMES: [&str; 3] = ["freq_hz", "z_real_ohm", "z_imag_ohm"];
        let needed = columns.iter().max().copied().unwrap_or(0) + 1;
        for (number, line) in lines {
            let start = offset;
            offset += line.len();
            let content = line.trim_end_matches(['\n', '\r']);
            if content.trim().is_empty() || problems.len() >= MAX_PROBLEMS {
                continue;
            }
            let fields: Vec<(usize, &str)> = field_spans(content);
            if fields.len() < needed {
                problems.push(CsvProblem::ShortRow {
                    line: number + 1,
                    found: fields.len(),
                    span: (start, content.len()).into(),
                });
                continue;
            }
            let mut values = [0.0; 3];
            let mut ok = true;
            for (slot, &column) in columns.iter().enumerate() {
                let (at, raw) = fields[column];
                let trimmed = raw.trim();
                match trimmed.parse::<f64>() {
                    Ok(v) if v.is_finite() => values[slot] = v,
                    _ => {
                        ok = false;
                        problems.push(CsvProblem::NotANumber {
                            text: trimmed.to_string(),
                            column: NAMES[slot],
                            span: (start + at, raw.len().max(1)).into(),
                        });
                    }
                }
            }
            if ok && values[0] <= 0.0 {
                let (at, raw) = fields[columns[0]];
                problems.push(CsvProblem::BadFrequency {
                    text: raw.trim().to_string(),
                    span: (start + at, raw.len().max(1)).into(),
                });
                ok = false;
            }
            if ok {
                points.push(ImpedancePoint {
                    frequency_hz: values[0],
                    z_real_ohm: values[1],
                    z_imag_ohm: values[2],
                });
            }
        }
    }
    let help = (problems.is_empty() && points.is_empty())
        .then(|| "the file holds no data rows; expected freq_hz,z_real_ohm,z_imag_ohm".into());
    if problems.is_empty() && help.is_none() {
        return Ok(points);
    }
    Err(Box::new(CsvError {
        path: path.to_string(),
        source_code: NamedSource::new(path, text.to_string()),
        problems,
        help,
    }))
}

/// Fields of a CSV line with their byte offsets (no quoting: numbers only).
fn field_spans(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut at = 0;
    for field in line.split(',') {
        out.push((at, field));
        at += field.len() + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::render_plain;

    #[test]
    fn reads_columns_by_name_and_ignores_extra_ones() {
        let text = "time_s,freq_hz,z_real_ohm,z_imag_ohm\n0,1000,10,-1\n1,1,50,-20\n";
        let points = read_impedance_csv("a.csv", text).unwrap();
        assert_eq!(points.len(), 2);
        assert_eq!(points[1].z_imag_ohm, -20.0);
    }

    #[test]
    fn every_bad_field_is_reported_with_its_place() {
        let text = "freq_hz,z_real_ohm,z_imag_ohm\n1000,ten,-1\n-5,1,1\n3\n";
        let error = read_impedance_csv("bad.csv", text).unwrap_err();
        assert_eq!(error.problems.len(), 3);
        let rendered = render_plain(error.as_ref());
        assert!(
            rendered.contains("`ten` in column `z_real_ohm` is not a number"),
            "{rendered}"
        );
        assert!(rendered.contains("frequency -5 Hz is not positive"));
        assert!(rendered.contains("line 4 has 1 fields"));
    }

    #[test]
    fn missing_header_column_and_empty_file() {
        let error = read_impedance_csv("h.csv", "f,re,im\n1,2,3\n").unwrap_err();
        assert_eq!(error.problems.len(), 3);
        let error = read_impedance_csv("e.csv", "freq_hz,z_real_ohm,z_imag_ohm\n").unwrap_err();
        assert!(error.help.is_some());
        assert!(read_impedance_csv("z.csv", "").is_err());
    }
}
