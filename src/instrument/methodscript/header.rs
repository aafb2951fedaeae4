//! The header comment that opens every script: `# mgp step=N cell=NAME kind=KIND …`.
//!
//! A device ignores it (`#` starts a comment); the emulator reads it to know which simulated
//! cell the script is for and which plan step it belongs to. [`Header::line`] writes it and
//! [`Header::parse`] reads it back; names that are not simple words are JSON-quoted.

use crate::plan::Connection;
use serde::{Deserialize, Serialize};

/// What a script does (the header's `kind=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScriptKind {
    /// Open-circuit potential, recorded.
    Ocp,
    /// Open circuit, nothing recorded (the device keeps time).
    Rest,
    Eis,
    Galvanostatic,
    /// Cyclic voltammetry (`meas_loop_cv`).
    Cv,
    /// Linear sweep voltammetry (`meas_loop_lsv`).
    Lsv,
    /// Potentiostatic hold, chronoamperometry (`meas_loop_ca`).
    Ca,
    /// Switch the cell off (after an abort).
    CellOff,
    /// Not a script: a step for the operator (listed by `scripts_for_plan` only).
    Operator,
}

impl ScriptKind {
    pub fn name(self) -> &'static str {
        match self {
            ScriptKind::Ocp => "ocp",
            ScriptKind::Rest => "rest",
            ScriptKind::Eis => "eis",
            ScriptKind::Galvanostatic => "galvanostatic",
            ScriptKind::Cv => "cv",
            ScriptKind::Lsv => "lsv",
            ScriptKind::Ca => "ca",
            ScriptKind::CellOff => "cell_off",
            ScriptKind::Operator => "operator",
        }
    }

    fn parse(name: &str) -> Option<ScriptKind> {
        [
            ScriptKind::Ocp,
            ScriptKind::Rest,
            ScriptKind::Eis,
            ScriptKind::Galvanostatic,
            ScriptKind::Cv,
            ScriptKind::Lsv,
            ScriptKind::Ca,
            ScriptKind::CellOff,
            ScriptKind::Operator,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }
}

/// The first line of every script: `# mgp step=N cell=NAME kind=KIND [connection=…]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub step: Option<usize>,
    pub cell: Option<String>,
    pub kind: ScriptKind,
    pub connection: Option<Connection>,
}

impl Header {
    /// The comment line.
    pub fn line(&self) -> String {
        let mut out = String::from("# mgp");
        if let Some(step) = self.step {
            out.push_str(&format!(" step={step}"));
        }
        if let Some(cell) = &self.cell {
            out.push_str(&format!(" cell={}", quote(cell)));
        }
        out.push_str(&format!(" kind={}", self.kind.name()));
        if let Some(connection) = self.connection {
            out.push_str(&format!(" connection={}", connection_name(connection)));
        }
        out
    }

    /// Reads a header line back; `None` when the line is not one.
    pub fn parse(line: &str) -> Option<Header> {
        let rest = line
            .trim()
            .strip_prefix('#')?
            .trim_start()
            .strip_prefix("mgp ")?;
        let mut header = Header {
            step: None,
            cell: None,
            kind: ScriptKind::Rest,
            connection: None,
        };
        let mut kind = None;
        for (key, value) in tokens(rest)? {
            match key.as_str() {
                "step" => header.step = Some(value.parse().ok()?),
                "cell" => header.cell = Some(value),
                "kind" => kind = Some(ScriptKind::parse(&value)?),
                "connection" => {
                    header.connection = Some(match value.as_str() {
                        "two_electrode" => Connection::TwoElectrode,
                        "three_electrode" => Connection::ThreeElectrode,
                        _ => return None,
                    })
                }
                _ => {}
            }
        }
        header.kind = kind?;
        Some(header)
    }
}

fn connection_name(connection: Connection) -> &'static str {
    match connection {
        Connection::TwoElectrode => "two_electrode",
        Connection::ThreeElectrode => "three_electrode",
    }
}

/// Writes a header value bare when it is a simple word, else as a JSON string.
fn quote(value: &str) -> String {
    let simple = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.:/+".contains(c));
    if simple {
        value.to_string()
    } else {
        serde_json::Value::String(value.to_string()).to_string()
    }
}

/// Splits `key=value key="quoted value"` into pairs.
fn tokens(text: &str) -> Option<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let eq = rest.find('=')?;
        let key = rest[..eq].to_string();
        rest = &rest[eq + 1..];
        let value = if rest.starts_with('"') {
            let mut stream =
                serde_json::Deserializer::from_str(rest).into_iter::<serde_json::Value>();
            let value = stream.next()?.ok()?;
            let used = stream.byte_offset();
            rest = &rest[used..];
            value.as_str()?.to_string()
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let value = rest[..end].to_string();
            rest = &rest[end..];
            value
        };
        pairs.push((key, value));
        rest = rest.trim_start();
    }
    Some(pairs)
}
