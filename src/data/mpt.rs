//! BioLogic EC-Lab `.mpt` text exports: a first line `EC-Lab ASCII FILE`, a line
//! `Nb header lines : N`, N − 1 lines of settings ending with the tab-separated column names
//! (`freq/Hz`, `Re(Z)/Ohm`, `-Im(Z)/Ohm`, `cycle number`…), then the data. The file is in the
//! Windows code page and may use decimal commas; both are handled by [`super::text`].

use super::columns::{self, Role};
use super::error::DataError;
use super::table::Layout;
use super::text::{Delimiter, Text};

pub const MAGIC: &str = "EC-Lab ASCII FILE";

pub fn is_mpt(text: &Text) -> bool {
    !text.lines.is_empty() && text.line(0).trim_start().starts_with(MAGIC)
}

pub fn layout(text: &Text) -> Result<Layout, DataError> {
    let bad = |line: usize, message: String, help: &str| DataError::BadHeader {
        path: text.path.clone(),
        line: line + 1,
        message,
        help: help.to_string(),
        src: text.source(),
        span: text.line_span(line),
    };
    let count_line = (1..text.lines.len().min(4))
        .find(|&i| text.line(i).to_ascii_lowercase().contains("header lines"));
    let Some(count_line) = count_line else {
        return Err(bad(
            0,
            "no `Nb header lines` after the EC-Lab title".to_string(),
            "export the file again from EC-Lab as text (.mpt)",
        ));
    };
    let count = text
        .line(count_line)
        .rsplit(':')
        .next()
        .and_then(|n| n.trim().parse::<usize>().ok())
        .filter(|&n| n >= 3 && n <= text.lines.len())
        .ok_or_else(|| {
            bad(
                count_line,
                format!("`{}` does not give a usable header length", text.line(count_line).trim()),
                "the line reads `Nb header lines : N`, N counting every line up to the column names",
            )
        })?;
    let header = count - 1;
    let delimiter = Delimiter::Tab;
    let cells = delimiter.split(text.line(header));
    let names: Vec<&str> = cells.iter().map(|(c, _)| *c).collect();
    let found = columns::recognise(&names);
    let get = |roles: &[Role]| found.iter().find(|c| roles.contains(&c.role)).copied();
    let missing = |what: &str, role: Role| DataError::MissingColumn {
        path: text.path.clone(),
        line: header + 1,
        what: what.to_string(),
        help: format!(
            "{}; is this an impedance (PEIS/GEIS) export?",
            columns::spellings_help(role)
        ),
        src: text.source(),
        span: text.line_span(header),
    };
    let frequency = get(&[Role::Frequency]).ok_or_else(|| missing("frequency", Role::Frequency))?;
    let real = get(&[Role::Real]).ok_or_else(|| missing("Re(Z)", Role::Real))?;
    let imag = get(&[Role::Imag, Role::NegImag]).ok_or_else(|| missing("-Im(Z)", Role::NegImag))?;
    Ok(Layout {
        frequency,
        real,
        imag,
        spectrum: get(&[Role::Spectrum]),
        expected_fields: cells.len(),
        rows: (header + 1..text.lines.len())
            .filter(|&i| !text.line(i).trim().is_empty())
            .collect(),
        delimiter,
        header_line: Some(header),
    })
}
