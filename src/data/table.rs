//! From data rows to checked spectra: numbers per row, grouping by spectrum, the sign of
//! Z'', inductive points, and the per-spectrum checks (positive, distinct frequencies, more
//! than one point). Problems are gathered (up to [`MAX_REPORTED`]) so one run shows several.

use super::columns::{Column, Role};
use super::error::DataError;
use super::text::{Delimiter, NumberError, Text, number};
use super::{ReadOptions, Spectrum};
use num_complex::Complex64;

/// At most this many problems are reported from one file.
pub const MAX_REPORTED: usize = 10;

/// Where the numbers are: the columns and the data lines.
pub struct Layout {
    pub frequency: Column,
    pub real: Column,
    pub imag: Column,
    pub spectrum: Option<Column>,
    /// Fields each row must have (the header's count, or the first row's).
    pub expected_fields: usize,
    /// Line indices (0-based) of data rows.
    pub rows: Vec<usize>,
    pub delimiter: Delimiter,
    /// The header line, if any (for the column-count help).
    pub header_line: Option<usize>,
}

/// What the table step tells the user besides the spectra.
pub struct Tabled {
    pub spectra: Vec<Spectrum>,
    pub notes: Vec<String>,
    pub areal: bool,
}

struct Point {
    line: usize,
    f: f64,
    re: f64,
    im: f64,
    /// Span of the frequency field.
    f_span: (usize, usize),
    group: Option<String>,
}

/// Problems gathered so far: the first [`MAX_REPORTED`] and how many in all.
#[derive(Default)]
pub struct Problems {
    list: Vec<DataError>,
    total: usize,
}

impl Problems {
    pub fn push(&mut self, e: DataError) {
        self.total += 1;
        if self.list.len() < MAX_REPORTED {
            self.list.push(e);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn into_error(self, path: &str) -> DataError {
        DataError::collect(path, self.list, self.total)
    }
}

pub fn build(text: &Text, layout: &Layout, options: &ReadOptions) -> Result<Tabled, DataError> {
    let mut problems = Problems::default();
    let decimal_comma = layout.delimiter.decimal_comma();
    let mut points = Vec::with_capacity(layout.rows.len());
    for &line in &layout.rows {
        let fields = layout.delimiter.split(text.line(line));
        if fields.is_empty() {
            continue;
        }
        if fields.len() != layout.expected_fields {
            let help = match layout.header_line {
                Some(h) => format!(
                    "the header on line {} names {} columns; every row needs as many",
                    h + 1,
                    layout.expected_fields
                ),
                None => format!(
                    "the first row has {} columns; every row needs as many",
                    layout.expected_fields
                ),
            };
            problems.push(DataError::ColumnCount {
                path: text.path.clone(),
                line: line + 1,
                found: fields.len(),
                expected: layout.expected_fields,
                help,
                src: text.source(),
                span: text.line_span(line),
            });
            continue;
        }
        let mut read = |col: &Column| -> Option<f64> {
            let (field, range) = fields[col.index];
            match number(field, decimal_comma) {
                Ok(v) => Some(v * col.factor),
                Err(kind) => {
                    let span = text.field_span(line, range);
                    let e = match kind {
                        NumberError::NotFinite => DataError::NotFinite {
                            path: text.path.clone(),
                            line: line + 1,
                            field: field.to_string(),
                            src: text.source(),
                            span,
                        },
                        NumberError::NotANumber => DataError::NotANumber {
                            path: text.path.clone(),
                            line: line + 1,
                            field: field.to_string(),
                            help: if field.is_empty() {
                                "the field is empty; fill it or remove the row".to_string()
                            } else if field.contains(',') && !decimal_comma {
                                "a decimal comma cannot be told from the separator in comma-separated files; use `;` or tabs between fields".to_string()
                            } else {
                                "every data row needs numbers in the frequency, Z' and Z'' columns"
                                    .to_string()
                            },
                            src: text.source(),
                            span,
                        },
                    };
                    problems.push(e);
                    None
                }
            }
        };
        let f = read(&layout.frequency);
        let re = read(&layout.real);
        let im = read(&layout.imag);
        let group = layout
            .spectrum
            .map(|c| spectrum_label(fields[c.index].0, decimal_comma));
        if let (Some(f), Some(re), Some(im)) = (f, re, im) {
            let im = if layout.imag.role == Role::NegImag {
                -im
            } else {
                im
            };
            points.push(Point {
                line,
                f,
                re,
                im,
                f_span: fields[layout.frequency.index].1,
                group,
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems.into_error(&text.path));
    }
    if points.is_empty() {
        return Err(DataError::Empty {
            path: text.path.clone(),
            src: text.source(),
            span: layout.header_line.map(|h| text.line_span(h)),
        });
    }
    let mut notes = Vec::new();
    // Z'' sign: a header saying `-Z''` was already applied. Otherwise a column that is mostly
    // positive holds −Z'' (capacitive data have Z'' < 0), the convention of many exports.
    if layout.imag.role == Role::Imag {
        let positive = points.iter().filter(|p| p.im > 0.0).count();
        if 2 * positive > points.len() {
            points.iter_mut().for_each(|p| p.im = -p.im);
            notes.push(
                "the Z'' column is mostly positive: read as −Z'' (capacitive data have Z'' < 0)"
                    .to_string(),
            );
        }
    }
    let groups = group_points(points);
    let mut spectra = Vec::new();
    for (label, mut pts) in groups {
        let first_line = pts.first().map_or(0, |p| p.line);
        if options.drop_inductive {
            let before = pts.len();
            pts.retain(|p| p.im <= 0.0);
            if pts.len() < before {
                notes.push(format!(
                    "spectrum {label}: dropped {} inductive point(s) (Z'' > 0)",
                    before - pts.len()
                ));
            }
        }
        check_spectrum(text, &label, &pts, first_line, options, &mut problems);
        spectra.push(Spectrum {
            label,
            frequencies_hz: pts.iter().map(|p| p.f).collect(),
            z_ohm: pts.iter().map(|p| Complex64::new(p.re, p.im)).collect(),
            lines: pts.iter().map(|p| p.line + 1).collect(),
        });
    }
    if !problems.is_empty() {
        return Err(problems.into_error(&text.path));
    }
    let areal = layout.real.areal;
    Ok(Tabled {
        spectra,
        notes,
        areal,
    })
}

/// `1.000000E+000` and `1` name the same cycle.
fn spectrum_label(field: &str, decimal_comma: bool) -> String {
    match number(field, decimal_comma) {
        Ok(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{}", v as i64),
        _ => field.to_string(),
    }
}

/// Groups by the spectrum column (first-appearance order); without one, a sweep that
/// returns to its first frequency starts a new spectrum (files of concatenated sweeps).
fn group_points(points: Vec<Point>) -> Vec<(String, Vec<Point>)> {
    let mut groups: Vec<(String, Vec<Point>)> = Vec::new();
    if points.first().is_some_and(|p| p.group.is_some()) {
        for p in points {
            let key = p.group.clone().unwrap_or_default();
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.push(p),
                None => groups.push((key, vec![p])),
            }
        }
        return groups;
    }
    for p in points {
        let restart = groups
            .last()
            .is_some_and(|(_, v)| v.len() >= 2 && (p.f - v[0].f).abs() <= 1e-9 * v[0].f.abs());
        if groups.is_empty() || restart {
            groups.push(((groups.len() + 1).to_string(), Vec::new()));
        }
        if let Some((_, v)) = groups.last_mut() {
            v.push(p);
        }
    }
    groups
}

fn check_spectrum(
    text: &Text,
    label: &str,
    pts: &[Point],
    first_line: usize,
    options: &ReadOptions,
    problems: &mut Problems,
) {
    let mut report = |e| problems.push(e);
    for p in pts {
        if p.f <= 0.0 {
            report(DataError::BadFrequency {
                path: text.path.clone(),
                line: p.line + 1,
                value: p.f,
                src: text.source(),
                span: text.field_span(p.line, p.f_span),
            });
        }
    }
    let mut order: Vec<usize> = (0..pts.len()).collect();
    order.sort_by(|&a, &b| pts[a].f.total_cmp(&pts[b].f).then(a.cmp(&b)));
    for w in order.windows(2) {
        let (a, b) = (&pts[w[0]], &pts[w[1]]);
        if a.f == b.f && a.f > 0.0 {
            report(DataError::DuplicateFrequency {
                path: text.path.clone(),
                line: b.line + 1,
                value: b.f,
                spectrum: label.to_string(),
                src: text.source(),
                first: text.field_span(a.line, a.f_span),
                again: text.field_span(b.line, b.f_span),
            });
        }
    }
    if pts.len() < 2 {
        let line = pts.first().map_or(first_line, |p| p.line);
        report(DataError::TooFewPoints {
            path: text.path.clone(),
            line: line + 1,
            spectrum: label.to_string(),
            count: pts.len(),
            help: if options.drop_inductive {
                "the other points were dropped as inductive; read without --drop-inductive"
                    .to_string()
            } else {
                "an impedance spectrum needs points at several frequencies".to_string()
            },
            src: text.source(),
            span: text.line_span(line),
        });
    }
}
