//! Parsing what a MethodSCRIPT device sends while a script runs, one line at a time.
//!
//! Takes the bytes of one line (without its `\n`) and gives a [`DeviceLine`]: a data package
//! with its variables, a loop marker, a text line, an error code or the empty end-of-output
//! line. Anything else, including a damaged package, becomes [`DeviceLine::Unparsed`] holding
//! the line's text (non-ASCII bytes escaped as `\xNN`) so the caller can journal it: the
//! parser never drops a line and never panics, whatever the bytes (see the proptests).
//!
//! Package grammar (PalmSens' host libraries): `P` var (`;` var)*, where a var is a two-letter
//! type, 7 hex digits plus an SI-prefix character (or `     nan`), then `,`-separated metadata
//! (`1` + one hex digit: status bits; `2` + two hex digits: current/potential range index;
//! other kinds are kept as text). [`Package::encode`] writes the same form (for the emulator).

use super::value;
use nom::{
    IResult, Parser,
    bytes::complete::{tag, take_while_m_n, take_while1},
    character::complete::{char, one_of, satisfy},
    combinator::{all_consuming, map, map_opt, opt},
    multi::{many0, separated_list1},
    sequence::preceded,
};

/// Status bit: the loop could not keep its timing.
pub const STATUS_TIMING_ERROR: u8 = 0x1;
/// Status bit: the value is beyond the current range (overload).
pub const STATUS_OVERLOAD: u8 = 0x2;
/// Status bit: the value is below the useful part of the range (underload).
pub const STATUS_UNDERLOAD: u8 = 0x4;
/// Status bit: close to overload.
pub const STATUS_OVERLOAD_WARNING: u8 = 0x8;

/// Names the status bits set in `status` (`"overload, underload"`), or `"ok"`.
pub fn status_text(status: u8) -> String {
    let names: Vec<&str> = [
        (STATUS_TIMING_ERROR, "timing error"),
        (STATUS_OVERLOAD, "overload"),
        (STATUS_UNDERLOAD, "underload"),
        (STATUS_OVERLOAD_WARNING, "overload warning"),
    ]
    .iter()
    .filter(|(bit, _)| status & bit != 0)
    .map(|(_, name)| *name)
    .collect();
    if names.is_empty() {
        "ok".to_string()
    } else {
        names.join(", ")
    }
}

/// One variable of a data package.
#[derive(Debug, Clone, PartialEq)]
pub struct Var {
    /// The two-letter type (`da`, `ba`, `cc`…); see [`super::vartype`].
    pub id: String,
    /// `None` when the device sent `nan`.
    pub value: Option<f64>,
    /// Sent with the `i` (integer) prefix.
    pub integer: bool,
    /// Status bits (`STATUS_*`), when the package carried them.
    pub status: Option<u8>,
    /// Range index (device-specific table), when carried.
    pub range: Option<u8>,
    /// Metadata of other kinds (noise…), as text without the leading comma.
    pub other_meta: Vec<String>,
}

/// One `P` line.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    pub vars: Vec<Var>,
}

impl Package {
    /// The first variable with this type id.
    pub fn get(&self, id: &str) -> Option<&Var> {
        self.vars.iter().find(|v| v.id == id)
    }

    /// The package as a device would send it (without the `\n`). `None` when a value cannot
    /// be encoded (infinite or beyond the prefix table) or an id is not two lowercase letters.
    pub fn encode(&self) -> Option<String> {
        let mut out = String::from("P");
        for (i, var) in self.vars.iter().enumerate() {
            if i > 0 {
                out.push(';');
            }
            if var.id.len() != 2 || !var.id.bytes().all(|b| b.is_ascii_lowercase()) {
                return None;
            }
            out.push_str(&var.id);
            match (var.value, var.integer) {
                (Some(v), true) if v.fract() == 0.0 => {
                    out.push_str(&value::encode_integer(v as i64)?)
                }
                (v, _) => out.push_str(&value::encode(v.unwrap_or(f64::NAN))?),
            }
            if let Some(status) = var.status {
                out.push_str(&format!(",1{:X}", status & 0xF));
            }
            if let Some(range) = var.range {
                out.push_str(&format!(",2{range:02X}"));
            }
            for meta in &var.other_meta {
                out.push(',');
                out.push_str(meta);
            }
        }
        Some(out)
    }
}

/// An error reported by the device (`!XXXX`, anywhere in a line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceError {
    /// The 4 hex digits, uppercase.
    pub code: String,
    /// Text after the code (`: Line 12`), trimmed; may be empty.
    pub detail: String,
    /// The whole line as received.
    pub line: String,
}

/// One line of script output, classified.
#[derive(Debug, Clone, PartialEq)]
pub enum DeviceLine {
    /// The empty line: the script's output is complete.
    End,
    /// `e`: the device accepted the script and runs it.
    Executing,
    /// `Z`: the device accepted an abort.
    AbortAck,
    /// `Mxxxx`: a measurement loop starts (the 4 hex digits are undocumented; kept).
    MeasLoopStart(u16),
    /// `*`: a measurement loop ended.
    MeasLoopEnd,
    /// `L`: a `loop` starts.
    LoopStart,
    /// `+`: a `loop` ended.
    LoopEnd,
    /// `Cxxxx`: a scan starts.
    ScanStart(u16),
    /// `-`: a scan ended.
    ScanEnd,
    /// `T…`: output of `send_string`.
    Text(String),
    /// `P…`: a data package.
    Package(Package),
    /// `!XXXX`: an error.
    Error(DeviceError),
    /// Anything else: kept as text (non-ASCII bytes escaped) for the journal.
    Unparsed(String),
}

/// The text of a line for journals and messages: printable ASCII as is, other bytes as `\xNN`.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if (0x20..0x7F).contains(&b) && b != b'\\' {
            out.push(b as char);
        } else {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// Classifies one line of script output (without its `\n`; a trailing `\r` is ignored).
pub fn parse_line(bytes: &[u8]) -> DeviceLine {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    if bytes.is_empty() {
        return DeviceLine::End;
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return DeviceLine::Unparsed(escape(bytes));
    };
    if !text.bytes().all(|b| (0x20..0x7F).contains(&b)) {
        return DeviceLine::Unparsed(escape(bytes));
    }
    if let Some(error) = find_error(text) {
        return DeviceLine::Error(error);
    }
    let parsed = match text.as_bytes()[0] {
        b'e' if text.len() == 1 => Some(DeviceLine::Executing),
        b'Z' if text.len() == 1 => Some(DeviceLine::AbortAck),
        b'*' if text.len() == 1 => Some(DeviceLine::MeasLoopEnd),
        b'L' if text.len() == 1 => Some(DeviceLine::LoopStart),
        b'+' if text.len() == 1 => Some(DeviceLine::LoopEnd),
        b'-' if text.len() == 1 => Some(DeviceLine::ScanEnd),
        b'M' => hex4(&text[1..]).map(DeviceLine::MeasLoopStart),
        b'C' => hex4(&text[1..]).map(DeviceLine::ScanStart),
        b'T' => Some(DeviceLine::Text(text[1..].to_string())),
        b'P' => package(text).ok().map(|(_, p)| DeviceLine::Package(p)),
        _ => None,
    };
    parsed.unwrap_or_else(|| DeviceLine::Unparsed(text.to_string()))
}

fn hex4(text: &str) -> Option<u16> {
    if text.len() == 4 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        u16::from_str_radix(text, 16).ok()
    } else {
        None
    }
}

/// `!` followed by exactly 4 hex digits and then the end of the line or `:`.
fn find_error(text: &str) -> Option<DeviceError> {
    let bytes = text.as_bytes();
    for (i, _) in text.match_indices('!') {
        let code = bytes.get(i + 1..i + 5)?;
        if !code.iter().all(u8::is_ascii_hexdigit) {
            continue;
        }
        let rest = &text[i + 5..];
        if rest.is_empty() || rest.starts_with(':') {
            return Some(DeviceError {
                code: text[i + 1..i + 5].to_ascii_uppercase(),
                detail: rest.trim_start_matches(':').trim().to_string(),
                line: text.to_string(),
            });
        }
    }
    None
}

fn package(input: &str) -> IResult<&str, Package> {
    all_consuming(map(
        preceded(char('P'), separated_list1(char(';'), var)),
        |vars| Package { vars },
    ))
    .parse(input)
}

fn var(input: &str) -> IResult<&str, Var> {
    let (input, id) = take_while_m_n(2, 2, |c: char| c.is_ascii_lowercase()).parse(input)?;
    let (input, (value, integer)) = number(input)?;
    let (input, metas) = many0(preceded(char(','), meta)).parse(input)?;
    let mut var = Var {
        id: id.to_string(),
        value,
        integer,
        status: None,
        range: None,
        other_meta: Vec::new(),
    };
    for meta in metas {
        match meta {
            Meta::Status(s) => var.status = Some(s),
            Meta::Range(r) => var.range = Some(r),
            Meta::Other(text) => var.other_meta.push(text),
        }
    }
    Ok((input, var))
}

/// The value field: `     nan`, or 7 hex digits and a prefix.
fn number(input: &str) -> IResult<&str, (Option<f64>, bool)> {
    if let Ok((rest, _)) = tag::<_, _, nom::error::Error<&str>>("     nan").parse(input) {
        return Ok((rest, (None, false)));
    }
    map_opt(
        (
            take_while_m_n(7, 7, |c: char| c.is_ascii_hexdigit()),
            satisfy(|c| c == 'i' || value::prefix_exponent(c).is_some()),
        ),
        |(hex, prefix)| value::decode(hex, prefix).map(|v| (Some(v), prefix == 'i')),
    )
    .parse(input)
}

enum Meta {
    Status(u8),
    Range(u8),
    Other(String),
}

fn meta(input: &str) -> IResult<&str, Meta> {
    let (rest, kind) = one_of("0123456789ABCDEFabcdef").parse(input)?;
    let (rest, payload) = opt(take_while1(|c: char| c != ',' && c != ';')).parse(rest)?;
    let payload = payload.unwrap_or("");
    let hex = |n: usize| {
        (payload.len() == n && payload.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u8::from_str_radix(payload, 16).ok())
            .flatten()
    };
    let meta = match kind {
        '1' => hex(1).map(Meta::Status),
        '2' => hex(2).map(Meta::Range),
        _ => Some(Meta::Other(format!("{kind}{payload}"))),
    };
    match meta {
        Some(meta) => Ok((rest, meta)),
        None => Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Verify,
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(line: &str) -> Package {
        match parse_line(line.as_bytes()) {
            DeviceLine::Package(p) => p,
            other => panic!("{line:?} parsed as {other:?}"),
        }
    }

    #[test]
    fn parses_the_lsv_example() {
        let p = pkg("Pda7F85F3Fu;ba48D503Dp,10,288");
        assert_eq!(p.vars.len(), 2);
        assert_eq!(p.vars[0].id, "da");
        assert!((p.vars[0].value.unwrap() - (0x7F85F3F - 0x800_0000) as f64 * 1e-6).abs() < 1e-12);
        assert_eq!(p.vars[1].status, Some(0));
        assert_eq!(p.vars[1].range, Some(0x88));
    }

    #[test]
    fn parses_status_range_and_eis() {
        let p = pkg("Pba82AB973f,14,284");
        assert_eq!(p.vars[0].status, Some(STATUS_UNDERLOAD));
        assert_eq!(p.vars[0].range, Some(0x84));
        let p = pkg("PdcDF5DFF4u;cc896D904m,10,287;cd82DB1A8u,10,287");
        assert!((p.get("dc").unwrap().value.unwrap() - 99.999732).abs() < 1e-6);
        assert!((p.get("cc").unwrap().value.unwrap() - 9885.956).abs() < 1e-6);
        assert!((p.get("cd").unwrap().value.unwrap() - 2.9946).abs() < 1e-3);
    }

    #[test]
    fn nan_integer_and_unknown_meta() {
        let p = pkg("Pda     nan;ee800000Bi;ba8000000a,10,4xyz");
        assert_eq!(p.vars[0].value, None);
        assert!(p.vars[1].integer);
        assert_eq!(p.vars[1].value, Some(11.0));
        assert_eq!(p.vars[2].other_meta, vec!["4xyz".to_string()]);
    }

    #[test]
    fn markers_and_errors() {
        assert_eq!(parse_line(b""), DeviceLine::End);
        assert_eq!(parse_line(b"\r"), DeviceLine::End);
        assert_eq!(parse_line(b"e"), DeviceLine::Executing);
        assert_eq!(parse_line(b"M0000"), DeviceLine::MeasLoopStart(0));
        assert_eq!(parse_line(b"C0001"), DeviceLine::ScanStart(1));
        assert_eq!(parse_line(b"*"), DeviceLine::MeasLoopEnd);
        assert_eq!(parse_line(b"Thello"), DeviceLine::Text("hello".into()));
        match parse_line(b"Z!0006") {
            DeviceLine::Error(e) => assert_eq!((e.code.as_str(), e.detail.as_str()), ("0006", "")),
            other => panic!("{other:?}"),
        }
        match parse_line(b"e!4001: Line 3, Col 1") {
            DeviceLine::Error(e) => {
                assert_eq!(e.code, "4001");
                assert_eq!(e.detail, "Line 3, Col 1");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn damaged_lines_are_kept_as_text() {
        for line in [
            "Pda7F85F3",
            "Pda7F85F3Fu;",
            "Pda7F85F3Fu;ba48D503Dp,1",
            "Pda7F85F3Fx",
            "PDA7F85F3Fu",
            "M000",
            "hello!00",
            "e extra",
        ] {
            assert_eq!(
                parse_line(line.as_bytes()),
                DeviceLine::Unparsed(line.into()),
                "{line}"
            );
        }
        assert_eq!(
            parse_line(b"Pda\xFF\x00"),
            DeviceLine::Unparsed("Pda\\xFF\\x00".into())
        );
    }

    #[test]
    fn encode_round_trips() {
        let p = Package {
            vars: vec![
                Var {
                    id: "ab".into(),
                    value: Some(-0.123456),
                    integer: false,
                    status: Some(STATUS_OVERLOAD),
                    range: Some(0x12),
                    other_meta: vec![],
                },
                Var {
                    id: "ee".into(),
                    value: Some(42.0),
                    integer: true,
                    status: None,
                    range: None,
                    other_meta: vec![],
                },
            ],
        };
        let line = p.encode().unwrap();
        let back = pkg(&line);
        assert!((back.vars[0].value.unwrap() + 0.123456).abs() < 1e-12);
        assert_eq!(back.vars[0].status, Some(STATUS_OVERLOAD));
        assert_eq!(back.vars[0].range, Some(0x12));
        assert_eq!(back.vars[1].value, Some(42.0));
        assert!(back.vars[1].integer);
    }

    #[test]
    fn status_names() {
        assert_eq!(status_text(0), "ok");
        assert_eq!(status_text(0x6), "overload, underload");
    }
}
