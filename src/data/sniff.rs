//! Which reader a file needs, from its first bytes and lines (never from the extension
//! alone), and the "unsupported format" or "not impedance data" diagnostic for the rest.

use super::error::DataError;
use super::text::Text;
use super::{Format, ImpedanceFile, Read, ReadOptions};
use super::{csv, dfr, gamry, ivium, json, mpr, mpt, par, pssession, zplot};

/// Reads `bytes` with the reader its content calls for.
pub fn read(name: &str, bytes: &[u8], options: &ReadOptions) -> Result<ImpedanceFile, DataError> {
    if bytes.starts_with(b"BIO-LOGIC MODULAR FILE") {
        return mpr::read(name, bytes)?.finish(options);
    }
    if let Some(e) = binary(name, bytes) {
        return Err(e);
    }
    let text = Text::decode(name, bytes);
    let read = text_reader(text)?;
    read.finish(options)
}

fn unsupported(name: &str, looks_like: &str, export: &str) -> DataError {
    DataError::Unsupported {
        path: name.to_string(),
        looks_like: looks_like.to_string(),
        export: export.to_string(),
    }
}

/// Binary files mgp cannot read (yet), told apart by their magic bytes.
fn binary(name: &str, bytes: &[u8]) -> Option<DataError> {
    const CSV: &str = "CSV or text with frequency, Z' and Z'' columns";
    let lower = name.to_ascii_lowercase();
    if bytes.starts_with(b"PK\x03\x04") {
        let what = if lower.ends_with(".xlsx") || lower.ends_with(".ods") {
            "a spreadsheet (.xlsx/.ods), which this build does not read"
        } else {
            "a ZIP archive"
        };
        return Some(unsupported(name, what, CSV));
    }
    if bytes.starts_with(b"%PDF") {
        return Some(unsupported(name, "a PDF document", CSV));
    }
    if bytes.starts_with(&[0x89, b'P', b'N', b'G']) || bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(unsupported(name, "an image", CSV));
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Some(unsupported(
            name,
            "an old Excel workbook (.xls)",
            ".xlsx or CSV",
        ));
    }
    // Text has few control bytes; binary has many (UTF-16 aside, which has a zero in
    // every other byte and is decoded as text).
    let head = &bytes[..bytes.len().min(4096)];
    let utf16 = matches!(
        head,
        [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] | [_, 0, _, 0, ..] | [0, _, 0, _, ..]
    );
    let control = head
        .iter()
        .filter(|&&b| b < 0x09 || (0x0E..0x20).contains(&b) && b != 0x1B)
        .count();
    let leading_zeros = head.iter().take_while(|&&b| b == 0).count();
    // Ivium files open with a short binary block before their text.
    let text_after_block = leading_zeros > 0 && control < 40;
    if !utf16 && !text_after_block && control * 20 > head.len().max(1) {
        return Some(unsupported(name, "a binary file", CSV));
    }
    None
}

/// The reader for a decoded text.
fn text_reader(text: Text) -> Result<Read, DataError> {
    let first = if text.lines.is_empty() {
        ""
    } else {
        text.line(0).trim()
    };
    if mpt::is_mpt(&text) {
        let layout = mpt::layout(&text)?;
        let metadata = mpt::metadata(&text);
        let mut read = Read::new(text, layout, Format::EcLabMpt);
        read.metadata = metadata;
        return Ok(read);
    }
    if gamry::is_dta(&text) {
        return gamry::read(text);
    }
    if zplot::is_zplot(&text) {
        return zplot::read(text);
    }
    if dfr::is_dfr(&text) {
        return dfr::read(text);
    }
    if par::is_par(&text) {
        return par::read(text);
    }
    if ivium::is_ivium(&text) {
        return ivium::read(text);
    }
    if pssession::is_session(&text.text) {
        return pssession::read(&text.path, &text.text);
    }
    if first.starts_with('{') {
        return json::read(&text.path, &text.text);
    }
    if first.starts_with("<?xml") || first.starts_with('<') {
        let body: String = text.text.chars().take(2000).collect();
        let looks_like = if body.contains("opendocument") {
            "a flat OpenDocument spreadsheet (.fods)"
        } else {
            "an XML or HTML document"
        };
        return Err(unsupported(
            &text.path,
            looks_like,
            "CSV (frequency, Z', Z'') or .xlsx",
        ));
    }
    if let Some(e) = not_impedance(&text) {
        return Err(e);
    }
    csv::read(text)
}

/// Text files that are clearly something else than an impedance spectrum.
fn not_impedance(text: &Text) -> Option<DataError> {
    let head: Vec<String> = (0..text.lines.len().min(10))
        .map(|i| text.line(i).to_ascii_lowercase())
        .collect();
    let any = |s: &str| head.iter().any(|l| l.contains(s));
    let gain_phase = any("gain") && any("phase") && !any("z'") && !any("zre");
    if any("frequency response analyzer") || gain_phase {
        return Some(DataError::NotImpedance {
            path: text.path.clone(),
            what: "a frequency response (gain and phase of a transfer function)".to_string(),
            help: "convert it to impedance first (Z from the gain, the phase and the shunt resistance) and save frequency, Z', Z''".to_string(),
        });
    }
    None
}
