//! Gamry `.DTA` files: a first line `EXPLAIN`, tab-separated `KEY<TAB>TYPE<TAB>VALUE…` lines
//! (`TAG EISPOT`, `AREA QUANT 1.0`, `PSTAT PSTAT name`…), then tables: `ZCURVE<TAB>TABLE`,
//! a line of column names (`Pt Time Freq Zreal Zimag Zsig Zmod Zphz Idc Vdc IERange`), a line
//! of units, and rows indented by a tab. Decimal commas follow the Windows locale. An
//! aborted experiment stops the table early and says `EXPERIMENTABORTED TOGGLE T`.

use super::error::DataError;
use super::header;
use super::text::{Delimiter, Text, number};
use super::{Format, Metadata, Read};

pub fn is_dta(text: &Text) -> bool {
    text.lines.len() > 1 && (text.line(0).trim() == "EXPLAIN" || text.line(1).starts_with("TAG\t"))
}

pub fn read(text: Text) -> Result<Read, DataError> {
    let mut metadata = Metadata {
        software: Some("Gamry Framework".to_string()),
        ..Metadata::default()
    };
    let (mut date, mut time, mut tag) = (None, None, None);
    let mut aborted = false;
    let mut table = None;
    for i in 0..text.lines.len() {
        let cells: Vec<&str> = text.line(i).split('\t').map(str::trim).collect();
        match cells.as_slice() {
            ["TAG", t, ..] => tag = Some(t.to_string()),
            ["PSTAT", "PSTAT", name, ..] => metadata.instrument = Some(name.to_string()),
            ["AREA", "QUANT", v, ..] => metadata.area_cm2 = number(v, true).ok(),
            ["DATE", "LABEL", v, ..] => date = Some(v.to_string()),
            ["TIME", "LABEL", v, ..] => time = Some(v.to_string()),
            ["TITLE", "LABEL", v, ..] if !v.is_empty() => metadata.technique = Some(v.to_string()),
            ["EXPERIMENTABORTED", "TOGGLE", "T", ..] => aborted = true,
            ["ZCURVE", "TABLE", ..] if table.is_none() => table = Some(i),
            _ => {}
        }
    }
    metadata.started = match (date, time) {
        (Some(d), Some(t)) => Some(format!("{d} {t}")),
        (d, t) => d.or(t),
    };
    let Some(table) = table else {
        return Err(DataError::NotImpedance {
            path: text.path.clone(),
            what: format!(
                "a Gamry {} file without a ZCURVE table",
                tag.as_deref().unwrap_or("(untagged)")
            ),
            help: "mgp reads the impedance curve (ZCURVE) of EIS experiments (EISPOT, EISGALV)"
                .to_string(),
        });
    };
    if metadata.technique.is_none() {
        metadata.technique = tag;
    }
    let head = table + 1;
    if head >= text.lines.len() {
        return Err(DataError::Empty {
            path: text.path.clone(),
            src: text.source(),
            span: Some(text.line_span(table)),
        });
    }
    // Rows are indented; the table ends at the first line that is not (the next block's
    // key). Fields are split on any white space: some writers pad the first columns with
    // spaces instead of tabs.
    let rows: Vec<usize> = (head + 2..text.lines.len())
        .take_while(|&i| {
            let l = text.line(i);
            l.starts_with(['\t', ' ']) && !l.trim().is_empty()
        })
        .collect();
    let names: Vec<&str> = text.line(head).split_whitespace().collect();
    let mut layout = header::layout(
        &text,
        head,
        &names,
        Delimiter::Whitespace,
        rows,
        "; Gamry writes `Freq`, `Zreal`, `Zimag`",
    )?;
    layout.sign_known = true;
    let mut read = Read::new(text, layout, Format::GamryDta);
    read.metadata = metadata;
    if aborted {
        read.notes
            .push("the experiment was aborted: the curve stops early".to_string());
    }
    Ok(read)
}
