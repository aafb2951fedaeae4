//! Plain-text tables: CSV (comma, semicolon, tab or space separated) with a header naming
//! the columns, or headerless three-column rows (frequency, Z', Z'') as impedance.py's
//! `readCSV` reads them. Lines starting with `#` are comments. A preamble before the table
//! (CH Instruments' settings, a title, a point count) is skipped: the header is the first
//! line that names a frequency and Z and is followed by numbers. CH Instruments, Parstat,
//! PowerSuite, PSTrace CSV and `.P00` exports are tables of this kind.

use super::error::DataError;
use super::header;
use super::table::Layout;
use super::text::{Delimiter, Text, all_numeric};
use super::{Format, Metadata, Read, columns};

/// How far into a file a header is looked for.
const PREAMBLE_LINES: usize = 300;

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// Reads a text table, after whatever preamble it has.
pub fn read(text: Text) -> Result<Read, DataError> {
    let (layout, has_header) = layout(&text, 0)?;
    let mut metadata = Metadata::default();
    let mut format = if has_header {
        Format::CsvWithHeader
    } else {
        Format::CsvHeaderless
    };
    let mut notes = Vec::new();
    let start = layout
        .header_line
        .or(layout.rows.first().copied())
        .unwrap_or(0);
    let preamble = (0..start)
        .filter(|&i| !is_blank_or_comment(text.line(i)))
        .count();
    for i in 0..start {
        let line = text.line(i).trim();
        if let Some(model) = line.strip_prefix("Instrument Model:") {
            metadata.instrument = Some(model.trim().to_string());
            if model.trim().starts_with("CHI") {
                format = Format::ChInstruments;
                metadata.software = Some("CH Instruments".to_string());
            }
        }
        if i == 1 && format == Format::ChInstruments || line == "A.C. Impedance" {
            metadata.technique = Some(line.to_string());
        }
    }
    if format == Format::ChInstruments && start > 0 {
        metadata.started = Some(text.line(0).trim().to_string());
    }
    let mut layout = layout;
    if let Some(h) = layout.header_line {
        let line = text.line(h);
        if line.contains("Zre (ohms)") {
            // Parstat logs DC points (frequency 0) and the spectrum in one table.
            format = Format::Parstat;
            layout.skip_zero_frequency = true;
            layout.sign_known = true;
        }
    }
    if format == Format::ChInstruments {
        layout.sign_known = true;
    }
    if preamble > 0 && format != Format::ChInstruments {
        notes.push(format!("skipped {preamble} line(s) before the table"));
    }
    let mut read = Read::new(text, layout, format);
    read.metadata = metadata;
    read.notes = notes;
    Ok(read)
}

/// The data rows after `header`: non-blank lines, less a point count right after it.
fn rows_after(text: &Text, start: usize) -> Vec<usize> {
    let mut rows: Vec<usize> = (start..text.lines.len())
        .filter(|&i| !is_blank_or_comment(text.line(i)))
        .collect();
    if rows
        .first()
        .is_some_and(|&r| text.line(r).trim().parse::<usize>().is_ok())
    {
        rows.remove(0);
    }
    rows
}

/// The delimiter of a table whose first line is `line` (judged on the data line after it,
/// since a header may have spaces inside its names).
fn delimiter_at(text: &Text, line: usize) -> Delimiter {
    let next = (line + 1..text.lines.len()).find(|&i| {
        !is_blank_or_comment(text.line(i)) && text.line(i).trim().parse::<usize>().is_err()
    });
    let d = Delimiter::detect(text.line(next.unwrap_or(line)));
    if d == Delimiter::Whitespace {
        Delimiter::detect(text.line(line))
    } else {
        d
    }
}

/// Whether line `i` starts numeric rows of at least three fields.
fn numeric_row(text: &Text, i: usize, delimiter: Delimiter) -> bool {
    let cells = delimiter.split(text.line(i));
    cells.len() >= 3 && all_numeric(&cells, delimiter.decimal_comma())
}

/// Works out the layout of a CSV-like file starting at line `from`.
pub fn layout(text: &Text, from: usize) -> Result<(Layout, bool), DataError> {
    let first = (from..text.lines.len()).find(|&i| !is_blank_or_comment(text.line(i)));
    let Some(first) = first else {
        return Err(DataError::Empty {
            path: text.path.clone(),
            src: text.source(),
            span: None,
        });
    };
    let delimiter = delimiter_at(text, first);
    let cells = delimiter.split(text.line(first));
    if all_numeric(&cells, delimiter.decimal_comma()) {
        // Headerless: frequency, Z', Z'' in the first three columns.
        if cells.len() < 3 {
            return Err(DataError::ColumnCount {
                path: text.path.clone(),
                line: first + 1,
                found: cells.len(),
                expected: 3,
                help: "without a header the columns are frequency, Z', Z''".to_string(),
                src: text.source(),
                span: text.line_span(first),
            });
        }
        return Ok((
            header::positional(cells.len(), rows_after(text, first), delimiter),
            false,
        ));
    }
    let names: Vec<&str> = cells.iter().map(|(c, _)| *c).collect();
    let direct = header::layout(
        text,
        first,
        &names,
        delimiter,
        rows_after(text, first + 1),
        "",
    );
    let Err(direct_error) = direct else {
        return direct.map(|l| (l, true));
    };
    // A preamble: the first later line that names the columns, or that starts the numbers.
    // Numbers right after a line that names a frequency but not Z belong to that header:
    // its error stands (they are not headerless data after a preamble).
    let has_frequency = |names: &[&str]| {
        columns::recognise(names)
            .iter()
            .any(|c| c.role == columns::Role::Frequency)
    };
    let mut header_error = has_frequency(&names).then_some(direct_error);
    let end = text.lines.len().min(first + PREAMBLE_LINES);
    for i in first + 1..end {
        if is_blank_or_comment(text.line(i)) {
            continue;
        }
        let d = delimiter_at(text, i);
        let cells = d.split(text.line(i));
        let numeric = all_numeric(&cells, d.decimal_comma());
        if numeric && cells.len() >= 3 {
            if let Some(e) = header_error.take() {
                return Err(e);
            }
        }
        let next = (i + 1..text.lines.len()).find(|&j| {
            !is_blank_or_comment(text.line(j)) && text.line(j).trim().parse::<usize>().is_err()
        });
        let followed_by_numbers = next.is_some_and(|j| numeric_row(text, j, d));
        if numeric {
            if cells.len() >= 3 && followed_by_numbers {
                return Ok((
                    header::positional(cells.len(), rows_after(text, i), d),
                    false,
                ));
            }
            continue;
        }
        let names: Vec<&str> = cells.iter().map(|(c, _)| *c).collect();
        if has_frequency(&names) {
            match header::layout(text, i, &names, d, rows_after(text, i + 1), "") {
                Ok(l) if followed_by_numbers => return Ok((l, true)),
                Ok(_) => header_error = None,
                Err(e) => header_error = Some(e),
            }
        } else {
            header_error = None;
        }
    }
    Err(header_error.unwrap_or_else(|| {
        // Nothing better found: the first line's complaint.
        match header::layout(text, first, &names, delimiter, Vec::new(), "") {
            Err(e) => e,
            Ok(_) => DataError::Empty {
                path: text.path.clone(),
                src: text.source(),
                span: Some(text.line_span(first)),
            },
        }
    }))
}
