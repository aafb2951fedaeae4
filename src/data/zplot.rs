//! ZPlot/ZView text (`.z`): `ZPLOT2 ASCII`, indented `Key: value` settings, a tab-separated
//! column line (`Freq(Hz) Ampl Bias Time(Sec) Z'(a) Z''(b) GD Err Range`), `End Comments`,
//! then rows. The older ZPlotW/Z60W layout (also what Autolab's ZView export writes) has
//! quoted title lines, a point count, the column names inside one pair of quotes, and
//! comma-separated rows.

use super::error::DataError;
use super::header;
use super::text::{Delimiter, Text};
use super::{Format, Metadata, Read};

pub fn is_zplot(text: &Text) -> bool {
    let first = text
        .lines
        .first()
        .map(|_| text.line(0).trim())
        .unwrap_or("");
    first.starts_with("ZPLOT2 ASCII")
        || (first.starts_with('"') && first.contains("Data File: Version"))
}

pub fn read(text: Text) -> Result<Read, DataError> {
    let mut metadata = Metadata::default();
    let first = text.line(0).trim().trim_matches('"').to_string();
    let (header, rows, delimiter, names) = if first.starts_with("ZPLOT2") {
        let end = (0..text.lines.len())
            .find(|&i| text.line(i).trim() == "End Comments")
            .ok_or_else(|| bad(&text, 0, "no `End Comments` line ends the settings"))?;
        for i in 1..end {
            if let Some((k, v)) = text.line(i).split_once(':') {
                let (k, v) = (k.trim(), v.trim());
                match k {
                    "Measured Data, ZPlot" | "Measured Data, Software" => {
                        metadata.software = Some(format!("ZPlot {v}"))
                    }
                    "Experiment Type" => metadata.technique = Some(v.to_string()),
                    "Date" => metadata.started = Some(v.to_string()),
                    "Time" => {
                        metadata.started = Some(format!(
                            "{} {v}",
                            metadata.started.take().unwrap_or_default()
                        ))
                    }
                    _ => {}
                }
            }
        }
        let header = (0..end)
            .rev()
            .find(|&i| text.line(i).to_ascii_lowercase().contains("freq"))
            .ok_or_else(|| {
                bad(
                    &text,
                    end,
                    "no column line (`Freq(Hz) …`) before `End Comments`",
                )
            })?;
        let rows = rows_from(&text, end + 1);
        let delimiter = Delimiter::Tab;
        let names: Vec<String> = text
            .line(header)
            .split('\t')
            .map(|c| c.trim().to_string())
            .collect();
        (header, rows, delimiter, names)
    } else {
        metadata.software = Some(first.clone());
        let header = (1..text.lines.len())
            .find(|&i| {
                let l = text.line(i).trim();
                let l = l.to_ascii_lowercase();
                l.starts_with('"') && l.contains("freq") && l.contains("z'")
            })
            .ok_or_else(|| bad(&text, 0, "no quoted column line (`\"Freq(Hz) …\"`)"))?;
        if let Some(t) = text
            .lines
            .get(2)
            .map(|_| text.line(2).trim().trim_matches('"'))
        {
            metadata.technique = Some(t.to_string());
        }
        // `Freq (Hz)`: the unit belongs to the name before it.
        let names: Vec<String> = text
            .line(header)
            .trim()
            .trim_matches('"')
            .replace(" (", "(")
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let rows = rows_from(&text, header + 1);
        let delimiter = rows
            .first()
            .map_or(Delimiter::Comma, |&r| Delimiter::detect(text.line(r)));
        (header, rows, delimiter, names)
    };
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut layout = header::layout(
        &text,
        header,
        &names,
        delimiter,
        rows,
        "; ZPlot writes `Freq(Hz)`, `Z'(a)`, `Z''(b)`",
    )?;
    layout.sign_known = true;
    let mut read = Read::new(text, layout, Format::ZPlot);
    read.metadata = metadata;
    Ok(read)
}

fn rows_from(text: &Text, from: usize) -> Vec<usize> {
    (from..text.lines.len())
        .filter(|&i| !text.line(i).trim().is_empty())
        .collect()
}

fn bad(text: &Text, line: usize, message: &str) -> DataError {
    DataError::BadHeader {
        path: text.path.clone(),
        line: line + 1,
        message: message.to_string(),
        help: "export the data again from ZPlot/ZView, or as CSV".to_string(),
        src: text.source(),
        span: text.line_span(line),
    }
}
