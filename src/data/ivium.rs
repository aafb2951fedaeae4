//! Ivium `.idf` (one measurement) and `.ids` (a sequence): `key=value` settings
//! (`Method=Impedance`, `Technique=…`, `Title=…`, `Data Options.Area=…`), then for each
//! measurement a `primary_data` line, the column count, the point count and rows of
//! Z', Z'', frequency.

use super::columns::{Column, Role};
use super::error::DataError;
use super::table::{Layout, ZColumns};
use super::text::{Delimiter, Text, number};
use super::{Format, Read};

pub fn is_ivium(text: &Text) -> bool {
    (0..text.lines.len()).any(|i| text.line(i).trim() == "primary_data")
        && (0..text.lines.len().min(400)).any(|i| text.line(i).starts_with("Method="))
}

pub fn read(text: Text) -> Result<Read, DataError> {
    let mut read_meta = super::Metadata {
        software: Some("IviumSoft".to_string()),
        ..Default::default()
    };
    let mut method = None;
    let mut rows = Vec::new();
    let mut i = 0;
    while i < text.lines.len() {
        let line = text.line(i).trim();
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim();
            match k {
                "Method" if method.is_none() => method = Some(v.to_string()),
                "Technique" if read_meta.technique.is_none() => {
                    read_meta.technique = Some(v.to_string())
                }
                "Data Options.Area" if read_meta.area_cm2.is_none() => {
                    read_meta.area_cm2 = number(v, true).ok()
                }
                "starttime" if !v.is_empty() => read_meta.started = Some(v.to_string()),
                "Device" | "Mconfig.Device" if !v.is_empty() => {
                    read_meta.instrument = Some(v.to_string())
                }
                _ => {}
            }
        }
        if line == "primary_data" && i + 2 < text.lines.len() {
            let n: usize = text.line(i + 2).trim().parse().unwrap_or(0);
            let first = i + 3;
            let last = (first + n).min(text.lines.len());
            rows.extend(first..last);
            i = last;
            continue;
        }
        i += 1;
    }
    if method
        .as_deref()
        .is_some_and(|m| !m.eq_ignore_ascii_case("impedance"))
    {
        return Err(DataError::NotImpedance {
            path: text.path.clone(),
            what: format!(
                "an Ivium {} measurement",
                method.as_deref().unwrap_or_default()
            ),
            help: "mgp reads Ivium files of the Impedance method".to_string(),
        });
    }
    read_meta.technique = match (method, read_meta.technique.take()) {
        (Some(m), Some(t)) => Some(format!("{m} ({t})")),
        (m, t) => m.or(t),
    };
    let layout = Layout {
        frequency: Column::plain(2, Role::Frequency),
        z: ZColumns::Rect {
            real: Column::plain(0, Role::Real),
            imag: Column::plain(1, Role::Imag),
        },
        extras: Default::default(),
        spectrum: None,
        sign_known: true,
        skip_zero_frequency: false,
        expected_fields: 3,
        rows,
        delimiter: Delimiter::Whitespace,
        header_line: None,
    };
    let mut read = Read::new(text, layout, Format::Ivium);
    read.metadata = read_meta;
    Ok(read)
}
