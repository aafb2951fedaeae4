//! PalmSens PSTrace sessions (`.pssession`): UTF-16 JSON. Each of `Measurements` has a
//! `DataSet` of `Values` arrays, each with a `Unit.Type` (`…Hertz`, `…ZRe`, `…ZIm`, `…Time`)
//! and `DataValues` (`{"V": value}`). `ZIm` holds −Z''. A multi-channel or multi-scan
//! measurement puts its sweeps one after another (split where the frequency restarts).

use super::error::DataError;
use super::header;
use super::{Format, Metadata, Read};
use serde_json::Value;

pub fn is_session(text: &str) -> bool {
    let head: String = text.chars().take(200).collect();
    head.contains("PalmSens.DataFiles.SessionFile")
        || text.contains("\"Measurements\"") && head.contains("PalmSens")
}

pub fn read(path: &str, text: &str) -> Result<Read, DataError> {
    let malformed = |message: String| DataError::Malformed {
        path: path.to_string(),
        message,
        help: "save the session again in PSTrace, or export the curves as CSV".to_string(),
    };
    let (Some(a), Some(b)) = (text.find('{'), text.rfind('}')) else {
        return Err(malformed("no JSON object in the file".to_string()));
    };
    let value: Value = serde_json::from_str(&text[a..=b])
        .map_err(|e| malformed(format!("not valid JSON ({e})")))?;
    let measurements = value
        .get("Measurements")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("no `Measurements` list".to_string()))?;
    let mut metadata = Metadata {
        software: value
            .get("CoreVersion")
            .and_then(Value::as_str)
            .map(|v| format!("PSTrace {v}")),
        ..Metadata::default()
    };
    let names = ["spectrum", "frequency", "z'", "-z''", "time", "edc", "idc"];
    let mut rows = Vec::new();
    let mut found_other = Vec::new();
    for (index, m) in measurements.iter().enumerate() {
        let kind = m
            .pointer("/DataSet/Type")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !kind.contains("EIS") {
            found_other.push(kind.rsplit('.').next().unwrap_or(kind).to_string());
            continue;
        }
        if metadata.instrument.is_none() {
            metadata.instrument = m
                .get("DeviceSerial")
                .and_then(Value::as_str)
                .map(|s| format!("PalmSens (serial {s})"));
            metadata.technique = m.get("Title").and_then(Value::as_str).map(str::to_string);
            metadata.started = m.get("TimeStamp").and_then(ticks_to_iso);
        }
        let arrays = m
            .pointer("/DataSet/Values")
            .and_then(Value::as_array)
            .ok_or_else(|| malformed(format!("measurement {} has no values", index + 1)))?;
        let find = |unit: &str, description: Option<&str>| -> Option<Vec<f64>> {
            arrays
                .iter()
                .find(|v| {
                    v.pointer("/Unit/Type")
                        .and_then(Value::as_str)
                        .is_some_and(|t| t.rsplit('.').next() == Some(unit))
                        && description
                            .is_none_or(|d| v.get("Description").and_then(Value::as_str) == Some(d))
                })
                .and_then(|v| {
                    v.get("DataValues")?
                        .as_array()?
                        .iter()
                        .map(|d| d.get("V")?.as_f64())
                        .collect()
                })
        };
        let (Some(f), Some(re), Some(im)) =
            (find("Hertz", None), find("ZRe", None), find("ZIm", None))
        else {
            return Err(malformed(format!(
                "measurement {} lacks frequency, ZRe or ZIm values",
                index + 1
            )));
        };
        let n = f.len();
        if re.len() != n || im.len() != n {
            return Err(malformed(format!(
                "measurement {}: {n} frequencies but {} ZRe and {} ZIm values",
                index + 1,
                re.len(),
                im.len()
            )));
        }
        // Time, potential and current only when there is one per point (not per sample).
        let per_point = |v: Option<Vec<f64>>, factor: f64| {
            v.filter(|v| v.len() == n)
                .map(|v| v.into_iter().map(|x| x * factor).collect::<Vec<_>>())
        };
        let time = per_point(find("Time", None), 1.0);
        let edc = per_point(find("Volt", Some("potential")), 1.0);
        let idc = per_point(find("MicroAmpere", Some("Idc")), 1e-6);
        for k in 0..n {
            let opt = |v: &Option<Vec<f64>>| v.as_ref().map_or(f64::NAN, |v| v[k]);
            rows.push(vec![
                (index + 1) as f64,
                f[k],
                re[k],
                im[k],
                opt(&time),
                opt(&edc),
                opt(&idc),
            ]);
        }
    }
    if rows.is_empty() {
        return Err(DataError::NotImpedance {
            path: path.to_string(),
            what: if found_other.is_empty() {
                "a PalmSens session without measurements".to_string()
            } else {
                format!("a PalmSens session of {}", found_other.join(", "))
            },
            help: "mgp reads the EIS measurements of a session".to_string(),
        });
    }
    let table = header::made_table(path, &names, &rows);
    let layout = header::made_layout(&table, &names, "")?;
    let mut read = Read::new(table, layout, Format::PalmSensSession);
    read.metadata = metadata;
    Ok(read)
}

/// .NET ticks (100 ns since 0001-01-01, as PalmSens stamps measurements) to ISO 8601.
fn ticks_to_iso(v: &Value) -> Option<String> {
    let ticks = v.as_i64().or_else(|| v.as_str()?.parse().ok())?;
    const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;
    let since = ticks.checked_sub(UNIX_EPOCH_TICKS)?;
    let t = chrono::DateTime::from_timestamp(since.div_euclid(10_000_000), 0)?;
    Some(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}
