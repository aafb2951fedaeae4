//! VersaStudio `.par` files: `<Section>` blocks of `key=value` lines (`<Application>`,
//! `<Instrument>`, `<ActionN>` with `Working Electrode Area (cm2)`), and `<SegmentN>` blocks
//! whose `Definition=` line names the comma-separated columns of the rows that follow
//! (`Frequency(Hz)`, `Z Real`, `Z Imag`, `E(V)`, `I(A)`, `Elapsed Time(s)`…).

use super::error::DataError;
use super::header;
use super::text::{Delimiter, Text, number};
use super::{Format, Metadata, Read};

pub fn is_par(text: &Text) -> bool {
    !text.lines.is_empty()
        && text.line(0).trim() == "<Application>"
        && (0..text.lines.len()).any(|i| text.line(i).starts_with("<Segment"))
}

pub fn read(text: Text) -> Result<Read, DataError> {
    let mut metadata = Metadata::default();
    let mut section = String::new();
    let mut definition: Option<usize> = None;
    let mut rows = Vec::new();
    let mut in_segment = false;
    for i in 0..text.lines.len() {
        let line = text.line(i).trim();
        if line.starts_with("</") {
            in_segment = false;
            continue;
        }
        if let Some(name) = line.strip_prefix('<').and_then(|l| l.strip_suffix('>')) {
            section = name.to_string();
            in_segment = name.starts_with("Segment");
            continue;
        }
        if in_segment {
            if line.starts_with("Definition=") {
                // Later segments must have the same columns to be read with the first.
                let same = definition.is_none_or(|d| text.line(d).trim() == line);
                if same {
                    definition.get_or_insert(i);
                } else {
                    in_segment = false;
                }
            } else if definition.is_some() && !line.is_empty() && !line.contains('=') {
                rows.push(i);
            }
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim();
        match (section.as_str(), k) {
            ("Application", "Name") => metadata.software = Some(v.to_string()),
            ("Application", "Version") => {
                metadata.software = metadata.software.take().map(|s| format!("{s} {v}"))
            }
            ("Instrument", "Type") => metadata.instrument = Some(v.to_string()),
            (_, "Working Electrode Area (cm2)") if metadata.area_cm2.is_none() => {
                metadata.area_cm2 = number(v, true).ok()
            }
            (s, "Name") if s.starts_with("Action") && s != "Action0" => {
                metadata.technique.get_or_insert_with(|| v.to_string());
            }
            _ => {}
        }
    }
    let Some(definition) = definition else {
        return Err(DataError::NotImpedance {
            path: text.path.clone(),
            what: "a VersaStudio file without data segments".to_string(),
            help: "save the experiment again after it has run".to_string(),
        });
    };
    let names: Vec<String> = text.line(definition).trim()["Definition=".len()..]
        .split(',')
        .map(|c| c.trim().to_string())
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut layout = header::layout(
        &text,
        definition,
        &names,
        Delimiter::Comma,
        rows,
        "; VersaStudio names them `Frequency(Hz)`, `Z Real`, `Z Imag`",
    )?;
    // The definition ends with a `0` that is not a column: rows are as long as the first.
    if let Some(&first) = layout.rows.first() {
        layout.expected_fields = Delimiter::Comma.split(text.line(first)).len();
    }
    layout.sign_known = true;
    let mut read = Read::new(text, layout, Format::VersaStudioPar);
    read.metadata = metadata;
    Ok(read)
}
