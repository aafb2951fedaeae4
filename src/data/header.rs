//! From a header's cell names to a [`Layout`]: the columns every reader needs (frequency and
//! Z, rectangular or polar), the optional ones (time, DC potential and current, spectrum),
//! and a "missing column" diagnostic naming the spellings that are understood.

use super::columns::{self, Column, Role};
use super::error::DataError;
use super::table::{Extras, Layout, ZColumns};
use super::text::{Delimiter, Text};

/// Builds the layout of a table whose header (line `header`) has the cells `names`; `rows`
/// are the data lines, split with `delimiter`. `hint` ends the help of a missing column.
pub fn layout(
    text: &Text,
    header: usize,
    names: &[&str],
    delimiter: Delimiter,
    rows: Vec<usize>,
    hint: &str,
) -> Result<Layout, DataError> {
    let found = columns::recognise(names);
    let get = |roles: &[Role]| found.iter().find(|c| roles.contains(&c.role)).copied();
    let missing = |what: &str, role: Role| DataError::MissingColumn {
        path: text.path.clone(),
        line: header + 1,
        what: what.to_string(),
        help: format!("{}{hint}", columns::spellings_help(role)),
        src: text.source(),
        span: text.line_span(header),
    };
    let frequency = get(&[Role::Frequency]).ok_or_else(|| missing("frequency", Role::Frequency))?;
    let real = get(&[Role::Real]);
    let imag = get(&[Role::Imag, Role::NegImag]);
    let polar = get(&[Role::Modulus]).zip(get(&[Role::Phase, Role::NegPhase]));
    let z = match (real, imag, polar) {
        (Some(real), Some(imag), _) => ZColumns::Rect { real, imag },
        (_, _, Some((modulus, phase))) => ZColumns::Polar { modulus, phase },
        (None, _, None) => return Err(missing("Z' (real part)", Role::Real)),
        (Some(_), None, None) => return Err(missing("Z'' (imaginary part)", Role::Imag)),
    };
    Ok(Layout {
        frequency,
        z,
        extras: Extras {
            time: get(&[Role::Time]),
            potential: get(&[Role::Potential]),
            current: get(&[Role::Current]),
        },
        spectrum: get(&[Role::Spectrum]),
        sign_known: false,
        skip_zero_frequency: false,
        expected_fields: names.len(),
        rows,
        delimiter,
        header_line: Some(header),
    })
}

/// A layout for headerless rows of frequency, Z', Z'' (and more columns after them).
pub fn positional(fields: usize, rows: Vec<usize>, delimiter: Delimiter) -> Layout {
    Layout {
        frequency: Column::plain(0, Role::Frequency),
        z: ZColumns::Rect {
            real: Column::plain(1, Role::Real),
            imag: Column::plain(2, Role::Imag),
        },
        extras: Extras::default(),
        spectrum: None,
        sign_known: false,
        skip_zero_frequency: false,
        expected_fields: fields,
        rows,
        delimiter,
        header_line: None,
    }
}

/// The table a reader makes of a file that is not a text table (binary records, JSON):
/// a header of `names` and one tab-separated row per record. Diagnostics show this table
/// under the name `<path> (as a table)`, so that a bad value is still pointed at.
pub fn made_table(path: &str, names: &[&str], rows: &[Vec<f64>]) -> Text {
    let mut out = names.join("\t");
    out.push('\n');
    for row in rows {
        let cells: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    Text::from_string(path, &format!("{path} (as a table)"), out)
}

/// The layout of a [`made_table`].
pub fn made_layout(text: &Text, names: &[&str], hint: &str) -> Result<Layout, DataError> {
    let rows = (1..text.lines.len()).collect();
    let mut layout = layout(text, 0, names, Delimiter::Tab, rows, hint)?;
    layout.sign_known = true;
    Ok(layout)
}
