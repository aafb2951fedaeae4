//! BioLogic binary `.mpr` files, from the layout the galvani project documents (no vendor
//! specification exists): a 52-byte magic (`BIO-LOGIC MODULAR FILE\x1a`, spaces to 48 bytes,
//! four zero bytes), then modules, each `MODULE`, a 51-byte header (short name 10 bytes, long
//! name 25, data length u32 LE, version u32 LE, date 8 bytes `mm/dd/yy`) and its data. The
//! `VMP data  ` module holds the point count (u32), the column count (u8), the column IDs
//! (u8 in version 0, u16 in versions 2 and 3), and the records from byte 100 (version 0),
//! 405 (2) or 406 (3). Flag columns share one byte; each other ID has a fixed type.

use super::error::DataError;
use super::header;
use super::{Format, Metadata, Read};

/// The magic, spaces to 48 bytes, then four zero bytes.
pub fn magic() -> Vec<u8> {
    let mut m = b"BIO-LOGIC MODULAR FILE\x1a".to_vec();
    m.resize(48, b' ');
    m.extend_from_slice(&[0; 4]);
    m
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    F4,
    F8,
    U2,
    U4,
}

impl Kind {
    fn size(self) -> usize {
        match self {
            Kind::F4 | Kind::U4 => 4,
            Kind::F8 => 8,
            Kind::U2 => 2,
        }
    }
}

/// Flag column IDs (packed into one byte).
const FLAGS: &[u16] = &[1, 2, 3, 21, 31, 65];

/// The type of each known column ID, and the header name mgp reads it by (empty: kept
/// for the record size only).
fn column(id: u16) -> Option<(Kind, &'static str)> {
    use Kind::*;
    Some(match id {
        4 => (F8, "time/s"),
        5 | 19 | 20 => (F4, ""),
        6 => (F4, "Ewe/V"),
        7 | 13 | 23 | 74 | 123..=126 | 467 => (F8, ""),
        8 => (F4, "I/mA"),
        9
        | 33
        | 34
        | 70
        | 96
        | 98..=101
        | 168
        | 169
        | 172
        | 430..=435
        | 441
        | 462
        | 471
        | 473
        | 474
        | 476
        | 477
        | 479
        | 480 => (F4, ""),
        11 => (F8, "I/mA"),
        24 => (F8, "cycle number"),
        32 => (F4, "freq/Hz"),
        35 => (F4, "Phase(Z)/deg"),
        36 => (F4, "|Z|/Ohm"),
        37 => (F4, "Re(Z)/Ohm"),
        38 => (F4, "-Im(Z)/Ohm"),
        39 | 131 => (U2, ""),
        76 => (F4, "<I>/mA"),
        77 => (F4, "<Ewe>/V"),
        468 => (U4, ""),
        469 => (U4, "z cycle"),
        _ => return None,
    })
}

struct Module<'a> {
    name: &'a [u8],
    version: u32,
    date: &'a [u8],
    data: &'a [u8],
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

pub fn read(path: &str, bytes: &[u8]) -> Result<Read, DataError> {
    let malformed = |message: String| DataError::Malformed {
        path: path.to_string(),
        message,
        help: "export the file from EC-Lab as text (.mpt) and read that".to_string(),
    };
    let magic = magic();
    if !bytes.starts_with(&magic) {
        return Err(malformed("the BioLogic magic is incomplete".to_string()));
    }
    let mut modules = Vec::new();
    let mut at = magic.len();
    while at < bytes.len() {
        if bytes.get(at..at + 6) != Some(b"MODULE") {
            return Err(malformed(format!("no module starts at byte {at}")));
        }
        let h = at + 6;
        let header = bytes
            .get(h..h + 51)
            .ok_or_else(|| malformed("the file ends inside a module header".to_string()))?;
        let length = u32_at(header, 35).unwrap_or(0) as usize;
        let version = u32_at(header, 39).unwrap_or(0);
        let start = h + 51;
        let data = bytes
            .get(start..start.saturating_add(length))
            .ok_or_else(|| malformed("the file ends inside a module".to_string()))?;
        modules.push(Module {
            name: &header[..10],
            version,
            date: &header[43..51],
            data,
        });
        at = start + length;
    }
    let data = modules
        .iter()
        .find(|m| m.name == b"VMP data  ")
        .ok_or_else(|| malformed("no `VMP data` module".to_string()))?;
    let mut metadata = Metadata {
        software: Some("EC-Lab (binary)".to_string()),
        ..Metadata::default()
    };
    if let Some(set) = modules.iter().find(|m| m.name == b"VMP Set   ") {
        metadata.started = Some(String::from_utf8_lossy(set.date).trim().to_string());
    }
    let d = data.data;
    let points =
        u32_at(d, 0).ok_or_else(|| malformed("the data module is empty".to_string()))? as usize;
    let n = *d
        .get(4)
        .ok_or_else(|| malformed("no column count".to_string()))? as usize;
    let (ids, offset): (Vec<u16>, usize) = match data.version {
        0 => (
            d.get(5..5 + n)
                .unwrap_or(&[])
                .iter()
                .map(|&b| b as u16)
                .collect(),
            100,
        ),
        2 | 3 => (
            d.get(5..5 + 2 * n)
                .unwrap_or(&[])
                .chunks(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect(),
            if data.version == 3 { 406 } else { 405 },
        ),
        v => {
            return Err(malformed(format!(
                "data module version {v} is not one mgp knows"
            )));
        }
    };
    if ids.len() != n {
        return Err(malformed("the column list is cut short".to_string()));
    }
    // Record layout: one flags byte where the first flag column is, then each column.
    let mut fields: Vec<(usize, Kind, &str)> = Vec::new();
    let mut size = 0;
    let mut flags = false;
    for &id in &ids {
        if FLAGS.contains(&id) {
            if !flags {
                flags = true;
                size += 1;
            }
            continue;
        }
        let (kind, name) = column(id)
            .ok_or_else(|| malformed(format!("column ID {id} is not in the documented layout")))?;
        fields.push((size, kind, name));
        size += kind.size();
    }
    let records = d.get(offset..).unwrap_or(&[]);
    if size == 0 || records.len() < points * size {
        return Err(malformed(format!(
            "{points} records of {size} bytes announced, {} bytes present",
            records.len()
        )));
    }
    let named: Vec<&(usize, Kind, &str)> = fields.iter().filter(|f| !f.2.is_empty()).collect();
    let mut names: Vec<&str> = Vec::new();
    for f in &named {
        if !names.contains(&f.2) {
            names.push(f.2);
        }
    }
    if !names.contains(&"freq/Hz") {
        return Err(DataError::NotImpedance {
            path: path.to_string(),
            what: "a BioLogic .mpr without a frequency column (not an impedance technique)"
                .to_string(),
            help: "mgp reads PEIS/GEIS files".to_string(),
        });
    }
    let value = |rec: &[u8], at: usize, kind: Kind| -> f64 {
        let b = &rec[at..at + kind.size()];
        match kind {
            Kind::F4 => f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
            Kind::F8 => f64::from_le_bytes(b.try_into().unwrap_or([0; 8])),
            Kind::U2 => u16::from_le_bytes([b[0], b[1]]) as f64,
            Kind::U4 => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
        }
    };
    let rows: Vec<Vec<f64>> = records
        .chunks_exact(size)
        .take(points)
        .map(|rec| {
            names
                .iter()
                .map(|name| {
                    named
                        .iter()
                        .find(|f| f.2 == *name)
                        .map_or(f64::NAN, |f| value(rec, f.0, f.1))
                })
                .collect()
        })
        .collect();
    let table = header::made_table(path, &names, &rows);
    let layout = header::made_layout(&table, &names, "")?;
    let mut read = Read::new(table, layout, Format::BioLogicMpr);
    read.metadata = metadata;
    Ok(read)
}
