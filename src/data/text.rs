//! Bytes to lines: decoding (UTF-8, else the Windows code page EC-Lab writes), line
//! positions for diagnostics, field splitting and numbers with decimal commas.

use super::error::{Snippet, Source};
use miette::SourceSpan;
use std::sync::Arc;

/// A decoded file with the byte offset of every line.
pub struct Text {
    pub path: String,
    pub text: Arc<str>,
    /// (start, end) of each line without its terminator.
    pub lines: Vec<(usize, usize)>,
    named: Source,
}

impl Text {
    /// Decodes `bytes`: UTF-8 (a BOM is dropped) when valid, else Windows-1252, which is how
    /// EC-Lab writes `µ` and `°` in its headers.
    pub fn decode(path: &str, bytes: &[u8]) -> Text {
        let text: String = if let Some(utf16) = decode_utf16(bytes) {
            utf16
        } else {
            match std::str::from_utf8(bytes) {
                Ok(s) => s.strip_prefix('\u{feff}').unwrap_or(s).to_string(),
                Err(_) => encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(bytes)
                    .0
                    .into_owned(),
            }
        };
        Text::from_string(path, path, text)
    }

    /// A text that a reader made (the table of a binary or JSON file); diagnostics name
    /// it `source_name`.
    pub fn from_string(path: &str, source_name: &str, text: String) -> Text {
        let mut lines = Vec::new();
        let mut start = 0;
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                let end = if i > start && text.as_bytes()[i - 1] == b'\r' {
                    i - 1
                } else {
                    i
                };
                lines.push((start, end));
                start = i + 1;
            }
        }
        if start < text.len() {
            let end = if text.ends_with('\r') {
                text.len() - 1
            } else {
                text.len()
            };
            lines.push((start, end.max(start)));
        }
        let text: Arc<str> = Arc::from(text);
        let named = Arc::new(Snippet::new(source_name, text.clone()));
        Text {
            path: path.to_string(),
            text,
            lines,
            named,
        }
    }

    pub fn line(&self, index: usize) -> &str {
        let (a, b) = self.lines[index];
        &self.text[a..b]
    }

    pub fn source(&self) -> Source {
        self.named.clone()
    }

    /// Span of a whole line (at least one byte so that the label shows), within what a
    /// diagnostic shows of it.
    pub fn line_span(&self, index: usize) -> SourceSpan {
        let (a, b) = self.lines[index];
        self.shown(a, b)
    }

    /// Span of a field given its byte range inside line `index`.
    pub fn field_span(&self, index: usize, range: (usize, usize)) -> SourceSpan {
        let (a, _) = self.lines[index];
        self.shown(a + range.0, a + range.1)
    }

    /// The span `a..b` cut to the window a diagnostic shows.
    fn shown(&self, a: usize, b: usize) -> SourceSpan {
        let (_, end) = self.named.window(a);
        let b = b.min(end).max(a);
        (a, (b - a).max(1).min(self.text.len().saturating_sub(a))).into()
    }
}

/// UTF-16 text (with a byte-order mark, or ASCII with every other byte zero, as PalmSens
/// writes its files), decoded; `None` for anything else.
fn decode_utf16(bytes: &[u8]) -> Option<String> {
    let encoding = match bytes {
        [0xFF, 0xFE, ..] => encoding_rs::UTF_16LE,
        [0xFE, 0xFF, ..] => encoding_rs::UTF_16BE,
        [a, 0, b, 0, ..] if *a != 0 && *b != 0 => encoding_rs::UTF_16LE,
        [0, a, 0, b, ..] if *a != 0 && *b != 0 => encoding_rs::UTF_16BE,
        _ => return None,
    };
    let (text, _, _) = encoding.decode(bytes);
    let text = text.into_owned();
    Some(
        text.strip_prefix('\u{feff}')
            .map(str::to_string)
            .unwrap_or(text),
    )
}

/// How the fields of a line are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    Tab,
    Semicolon,
    Comma,
    Whitespace,
}

impl Delimiter {
    /// Guesses from a representative line: tab, then semicolon, then comma, else spaces.
    pub fn detect(line: &str) -> Delimiter {
        if line.contains('\t') {
            Delimiter::Tab
        } else if line.contains(';') {
            Delimiter::Semicolon
        } else if line.contains(',') {
            Delimiter::Comma
        } else {
            Delimiter::Whitespace
        }
    }

    /// Whether a comma inside a field is a decimal separator. Always: where the comma also
    /// separates fields, a field can only hold one by being quoted (`"10,05"`), and then it
    /// is the decimal comma of a locale that quotes its numbers.
    pub fn decimal_comma(self) -> bool {
        true
    }

    /// Fields with their byte ranges in the line; trailing empty fields are dropped (EC-Lab
    /// ends every row with a tab). A separator inside double quotes belongs to the field
    /// (RFC 4180; `""` is a quote inside a quoted field).
    pub fn split(self, line: &str) -> Vec<(&str, (usize, usize))> {
        let mut out = Vec::new();
        match self {
            Delimiter::Whitespace => {
                let mut start = None;
                for (i, c) in line.char_indices() {
                    match (c.is_whitespace(), start) {
                        (false, None) => start = Some(i),
                        (true, Some(s)) => {
                            out.push((&line[s..i], (s, i)));
                            start = None;
                        }
                        _ => {}
                    }
                }
                if let Some(s) = start {
                    out.push((&line[s..], (s, line.len())));
                }
            }
            _ => {
                let sep = match self {
                    Delimiter::Tab => '\t',
                    Delimiter::Semicolon => ';',
                    _ => ',',
                };
                let mut start = 0;
                let mut quoted = false;
                let mut prev = None;
                for (i, c) in line.char_indices() {
                    // A quote opens a quoted field only at the field's start (or as the
                    // second of `""`): `Z"/ohm` in a header is a name, not a quoted field.
                    let opens = line[start..i].trim().is_empty() || prev == Some('"');
                    prev = Some(c);
                    if c == '"' {
                        if quoted || opens {
                            quoted = !quoted;
                        }
                    } else if c == sep && !quoted {
                        out.push(trimmed(line, start, i));
                        start = i + c.len_utf8();
                    }
                }
                out.push(trimmed(line, start, line.len()));
                while out.last().is_some_and(|(f, _)| f.is_empty()) {
                    out.pop();
                }
            }
        }
        out
    }
}

/// A field without surrounding spaces or double quotes, with its byte range in the line.
fn trimmed(line: &str, a: usize, b: usize) -> (&str, (usize, usize)) {
    let raw = &line[a..b];
    let mut start = a + (raw.len() - raw.trim_start().len());
    let mut s = raw.trim();
    if let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        s = inner;
        start += 1;
    }
    (s, (start, start + s.len()))
}

/// Why a field is not usable as a number.
#[derive(Debug, PartialEq)]
pub enum NumberError {
    NotANumber,
    NotFinite,
}

/// Parses a number, accepting a decimal comma where allowed (`1,5E+003`).
pub fn number(field: &str, decimal_comma: bool) -> Result<f64, NumberError> {
    let owned;
    let s = if decimal_comma && field.contains(',') {
        owned = field.replacen(',', ".", 1);
        owned.as_str()
    } else {
        field
    };
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.trim_start_matches(['+', '-']),
        "nan" | "inf" | "infinity"
    ) {
        return Err(NumberError::NotFinite);
    }
    // Rust's parser accepts "inf"/"nan" (handled above) and nothing looser than a number.
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(NumberError::NotFinite),
        Err(_) => Err(NumberError::NotANumber),
    }
}

/// True when every field of a line reads as a number (a data row rather than a header).
pub fn all_numeric(fields: &[(&str, (usize, usize))], decimal_comma: bool) -> bool {
    !fields.is_empty()
        && fields
            .iter()
            .all(|(f, _)| number(f, decimal_comma) != Err(NumberError::NotANumber))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_lab_spellings() {
        assert_eq!(number("1,0000000E+006", true), Ok(1e6));
        assert_eq!(number("-2.5e-3", false), Ok(-2.5e-3));
        assert_eq!(number("1,5", false), Err(NumberError::NotANumber));
        assert_eq!(number("NaN", true), Err(NumberError::NotFinite));
        assert_eq!(number("", true), Err(NumberError::NotANumber));
        assert_eq!(number("1e999", true), Err(NumberError::NotFinite));
    }

    #[test]
    fn windows_code_page_headers_decode() {
        // "Cs/µF" with µ as the single byte 0xB5, as EC-Lab writes it.
        let t = Text::decode("a.mpt", b"Cs/\xb5F\r\n1\r\n");
        assert_eq!(t.line(0), "Cs/µF");
        assert_eq!(t.line(1), "1");
    }

    #[test]
    fn splitting_keeps_positions() {
        let f = Delimiter::Tab.split("1,0\t 2 \t3\t");
        assert_eq!(f, vec![("1,0", (0, 3)), ("2", (5, 6)), ("3", (8, 9))]);
        let w = Delimiter::Whitespace.split("  1  2e3 ");
        assert_eq!(w, vec![("1", (2, 3)), ("2e3", (5, 8))]);
    }

    #[test]
    fn quoted_fields_keep_their_commas() {
        let line = r#""1000000,0", "10,05","-0,5",7"#;
        let f = Delimiter::detect(line).split(line);
        assert_eq!(
            f,
            vec![
                ("1000000,0", (1, 10)),
                ("10,05", (14, 19)),
                ("-0,5", (22, 26)),
                ("7", (28, 29))
            ]
        );
        let d = Delimiter::Comma.decimal_comma();
        assert_eq!(number(f[1].0, d), Ok(10.05));
        assert_eq!(number(f[3].0, d), Ok(7.0));
        // An escaped quote does not end the field.
        let e = Delimiter::Comma.split(r#""a ""b"", c",2"#);
        assert_eq!(e.len(), 2, "{e:?}");
    }
}
