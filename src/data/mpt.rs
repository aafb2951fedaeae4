//! BioLogic EC-Lab `.mpt` text exports: a first line `EC-Lab ASCII FILE`, a line
//! `Nb header lines : N`, N − 1 lines of settings ending with the tab-separated column names
//! (`freq/Hz`, `Re(Z)/Ohm`, `-Im(Z)/Ohm`, `cycle number`…), then the data. The file is in the
//! Windows code page and may use decimal commas; both are handled by [`super::text`].

use super::error::DataError;
use super::header;
use super::table::Layout;
use super::text::{Delimiter, Text};

/// First lines of EC-Lab's and BT-Lab's text exports.
pub const MAGIC: [&str; 2] = ["EC-Lab ASCII FILE", "BT-Lab ASCII FILE"];

pub fn is_mpt(text: &Text) -> bool {
    !text.lines.is_empty()
        && MAGIC
            .iter()
            .any(|m| text.line(0).trim_start().starts_with(m))
}

/// What the settings lines say: technique (line 4), electrode area, device.
pub fn metadata(text: &Text) -> super::Metadata {
    let mut m = super::Metadata::default();
    let header = text.lines.len().min(200);
    for i in 1..header {
        let line = text.line(i).trim();
        if i == 3 && !line.is_empty() && !line.contains(':') {
            m.technique = Some(line.to_string());
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        if key.starts_with("Electrode surface area") {
            let v = value.split_whitespace().next().unwrap_or("");
            m.area_cm2 = super::text::number(v, true).ok();
        } else if key == "Acquisition started on" {
            m.started = Some(value.to_string());
        } else if key == "Device" || (key == "Run on channel" && m.instrument.is_none()) {
            m.instrument = Some(value.to_string());
        }
    }
    m.software = Some(
        text.line(0)
            .trim()
            .trim_end_matches(" ASCII FILE")
            .to_string(),
    );
    m
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
                format!("`{}` does not give a usable header length", super::error::quote(text.line(count_line).trim())),
                "the line reads `Nb header lines : N`, N counting every line up to the column names",
            )
        })?;
    let header = count - 1;
    let delimiter = Delimiter::Tab;
    let cells = delimiter.split(text.line(header));
    let names: Vec<&str> = cells.iter().map(|(c, _)| *c).collect();
    let rows = (header + 1..text.lines.len())
        .filter(|&i| !text.line(i).trim().is_empty())
        .collect();
    let mut layout = header::layout(
        text,
        header,
        &names,
        delimiter,
        rows,
        "; is this an impedance (PEIS/GEIS) export?",
    )?;
    // EC-Lab writes -Im(Z); a file that says Im(Z) means it.
    layout.sign_known = true;
    Ok(layout)
}
