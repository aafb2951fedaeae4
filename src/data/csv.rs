//! Plain-text tables: CSV (comma, semicolon, tab or space separated) with a header naming
//! the columns, or headerless three-column rows (frequency, Z', Z'') as impedance.py's
//! `readCSV` reads them. Lines starting with `#` are comments.

use super::columns::{self, Column, Role};
use super::error::DataError;
use super::table::Layout;
use super::text::{Delimiter, Text, all_numeric};

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
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
    // The delimiter is judged on the first data line if there is one (a header may use
    // spaces inside names).
    let next = (first + 1..text.lines.len()).find(|&i| !is_blank_or_comment(text.line(i)));
    let delimiter = Delimiter::detect(text.line(next.unwrap_or(first)));
    let delimiter = if delimiter == Delimiter::Whitespace {
        Delimiter::detect(text.line(first))
    } else {
        delimiter
    };
    let cells = delimiter.split(text.line(first));
    let rows_after = |start: usize| -> Vec<usize> {
        (start..text.lines.len())
            .filter(|&i| !is_blank_or_comment(text.line(i)))
            .collect()
    };
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
        let col = |index, role| Column {
            index,
            role,
            factor: 1.0,
            areal: false,
        };
        return Ok((
            Layout {
                frequency: col(0, Role::Frequency),
                real: col(1, Role::Real),
                imag: col(2, Role::Imag),
                spectrum: None,
                expected_fields: cells.len(),
                rows: rows_after(first),
                delimiter,
                header_line: None,
            },
            false,
        ));
    }
    let names: Vec<&str> = cells.iter().map(|(c, _)| *c).collect();
    let found = columns::recognise(&names);
    let get = |roles: &[Role]| found.iter().find(|c| roles.contains(&c.role)).copied();
    let missing = |what: &str, role: Role| DataError::MissingColumn {
        path: text.path.clone(),
        line: first + 1,
        what: what.to_string(),
        help: columns::spellings_help(role),
        src: text.source(),
        span: text.line_span(first),
    };
    let frequency = get(&[Role::Frequency]).ok_or_else(|| missing("frequency", Role::Frequency))?;
    let real = get(&[Role::Real]).ok_or_else(|| missing("Z' (real part)", Role::Real))?;
    let imag = get(&[Role::Imag, Role::NegImag])
        .ok_or_else(|| missing("Z'' (imaginary part)", Role::Imag))?;
    Ok((
        Layout {
            frequency,
            real,
            imag,
            spectrum: get(&[Role::Spectrum]),
            expected_fields: cells.len(),
            rows: rows_after(first + 1),
            delimiter,
            header_line: Some(first),
        },
        true,
    ))
}
