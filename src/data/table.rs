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

/// Where Z is: rectangular (Z', Z'') or polar (|Z|, phase).
#[derive(Debug, Clone, Copy)]
pub enum ZColumns {
    Rect { real: Column, imag: Column },
    Polar { modulus: Column, phase: Column },
}

/// Columns that carry what else the file knows about each point.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras {
    pub time: Option<Column>,
    pub potential: Option<Column>,
    pub current: Option<Column>,
}

/// Where the numbers are: the columns and the data lines.
pub struct Layout {
    pub frequency: Column,
    pub z: ZColumns,
    pub extras: Extras,
    pub spectrum: Option<Column>,
    /// The format fixes the sign of Z'' (no "mostly positive" guess).
    pub sign_known: bool,
    /// Rows whose frequency is 0 are DC data in an impedance file (Parstat): skipped, noted.
    pub skip_zero_frequency: bool,
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
    time: Option<f64>,
    potential: Option<f64>,
    current: Option<f64>,
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
    // A column the rows cannot have (a header longer than its rows) is a header problem,
    // not an index out of range.
    let (a, b) = match layout.z {
        ZColumns::Rect { real, imag } => (real, imag),
        ZColumns::Polar { modulus, phase } => (modulus, phase),
    };
    let widest = [Some(layout.frequency), Some(a), Some(b), layout.spectrum]
        .into_iter()
        .flatten()
        .map(|c| c.index)
        .max()
        .unwrap_or(0);
    if widest >= layout.expected_fields {
        let line = layout.header_line.unwrap_or(0);
        return Err(DataError::BadHeader {
            path: text.path.clone(),
            line: line + 1,
            message: format!(
                "the header names a needed column at position {} but rows have {} fields",
                widest + 1,
                layout.expected_fields
            ),
            help: "export the table again with as many fields in each row as in the header"
                .to_string(),
            src: text.source(),
            span: text.line_span(line.min(text.lines.len().saturating_sub(1))),
        });
    }
    let mut problems = Problems::default();
    let decimal_comma = layout.delimiter.decimal_comma();
    let mut points = Vec::with_capacity(layout.rows.len());
    let mut skipped_dc = 0usize;
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
                            field: super::error::quote(field),
                            src: text.source(),
                            span,
                        },
                        NumberError::NotANumber => DataError::NotANumber {
                            path: text.path.clone(),
                            line: line + 1,
                            field: super::error::quote(field),
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
        if layout.skip_zero_frequency && f == Some(0.0) {
            skipped_dc += 1;
            continue;
        }
        let z = match layout.z {
            ZColumns::Rect { real, imag } => {
                let (re, im) = (read(&real), read(&imag));
                re.zip(im)
                    .map(|(re, im)| (re, if imag.role == Role::NegImag { -im } else { im }))
            }
            ZColumns::Polar { modulus, phase } => {
                let (m, p) = (read(&modulus), read(&phase));
                m.zip(p).map(|(m, p)| {
                    let p = if phase.role == Role::NegPhase { -p } else { p };
                    (m * p.cos(), m * p.sin())
                })
            }
        };
        // The extra columns are optional knowledge: a blank or odd cell there is not an error.
        let extra = |c: Option<Column>| {
            c.and_then(|c| fields.get(c.index))
                .and_then(|(field, _)| number(field, decimal_comma).ok())
                .map(|v| v * c.map_or(1.0, |c| c.factor))
        };
        let group = layout
            .spectrum
            .map(|c| spectrum_label(fields[c.index].0, decimal_comma));
        if let (Some(f), Some((re, im))) = (f, z) {
            points.push(Point {
                line,
                f,
                re,
                im,
                time: extra(layout.extras.time),
                potential: extra(layout.extras.potential),
                current: extra(layout.extras.current),
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
    if skipped_dc > 0 {
        notes.push(format!(
            "skipped {skipped_dc} row(s) at frequency 0 (DC data recorded with the spectrum)"
        ));
    }
    // Z'' sign: a header saying `-Z''` was already applied. Otherwise a column that is mostly
    // positive holds −Z'' (capacitive data have Z'' < 0), the convention of many exports.
    let plain_imag = matches!(layout.z, ZColumns::Rect { imag, .. } if imag.role == Role::Imag);
    if plain_imag && !layout.sign_known {
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
        let column =
            |get: fn(&Point) -> Option<f64>| -> Option<Vec<f64>> { pts.iter().map(get).collect() };
        spectra.push(Spectrum {
            label,
            frequencies_hz: pts.iter().map(|p| p.f).collect(),
            z_ohm: pts.iter().map(|p| Complex64::new(p.re, p.im)).collect(),
            lines: pts.iter().map(|p| p.line + 1).collect(),
            time_s: column(|p| p.time),
            dc_potential_v: column(|p| p.potential),
            dc_current_a: column(|p| p.current),
        });
    }
    if !problems.is_empty() {
        return Err(problems.into_error(&text.path));
    }
    let areal = match layout.z {
        ZColumns::Rect { real, .. } => real.areal,
        ZColumns::Polar { modulus, .. } => modulus.areal,
    };
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

/// Groups by the spectrum column (first-appearance order); within a group (or without a
/// column), a sweep that returns to its first frequency starts a new spectrum (files of
/// concatenated sweeps, EC-Lab files whose `cycle number` stays 0).
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
        // A value that stays the same through several sweeps (EC-Lab's `cycle number` 0)
        // says nothing: within each group, a sweep that restarts starts a new spectrum.
        let single = groups.len() == 1;
        let mut out = Vec::new();
        for (key, pts) in groups {
            let parts = split_restarts(pts);
            let many = parts.len() > 1;
            for (label, v) in parts {
                let label = match (many, single) {
                    (false, _) => key.clone(),
                    (true, true) => label,
                    (true, false) => format!("{key}.{label}"),
                };
                out.push((label, v));
            }
        }
        return out;
    }
    split_restarts(points)
}

/// Splits where the frequency returns to the sweep's first frequency; labels `1`, `2`…
fn split_restarts(points: Vec<Point>) -> Vec<(String, Vec<Point>)> {
    let mut groups: Vec<(String, Vec<Point>)> = Vec::new();
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
                first_line: a.line + 1,
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
