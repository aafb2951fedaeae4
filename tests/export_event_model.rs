//! `mgp export --event-model`: the documents pass a validator written from the event-model
//! schemas (bluesky/event-model `run_start`, `event_descriptor`, `event`, `run_stop`), and
//! the readings round-trip: every OCV, EIS and galvanostatic reading of the journal comes back
//! from the events, value for value.

use mgp::instrument::Reading;
use mgp::run::journal::{Event, read_journal};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn mgp() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mgp"));
    cmd.env("NO_COLOR", "1");
    cmd
}

fn object<'a>(doc: &'a Value, what: &str) -> Result<&'a Map<String, Value>, String> {
    doc.as_object().ok_or(format!("{what} is not an object"))
}

/// Checks `doc` has every `required` key, only `allowed` keys (or keys without `.`/`/`, which
/// the schemas admit as extra metadata where `open`), and each key's JSON type.
fn shape(
    doc: &Value,
    what: &str,
    required: &[&str],
    types: &[(&str, &str)],
    open: bool,
) -> Result<(), String> {
    let map = object(doc, what)?;
    for key in required {
        if !map.contains_key(*key) {
            return Err(format!("{what}: required `{key}` missing"));
        }
    }
    for (key, value) in map {
        match types.iter().find(|(k, _)| k == key) {
            Some((_, ty)) => {
                let ok = match *ty {
                    "string" => value.is_string(),
                    "number" => value.is_number(),
                    "integer" => value.is_u64() || value.is_i64(),
                    "object" => value.is_object(),
                    _ => true,
                };
                if !ok {
                    return Err(format!("{what}: `{key}` is not a {ty}"));
                }
            }
            None if open && !key.contains(['.', '/']) => {}
            None => return Err(format!("{what}: `{key}` is not allowed")),
        }
    }
    Ok(())
}

fn dtype_matches(dtype: &str, value: &Value) -> bool {
    match dtype {
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_u64() || value.is_i64(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        _ => false,
    }
}

/// Validates a document stream: each document against its schema, and the references between
/// them (descriptors and stop point at the start, events at a known descriptor with exactly
/// its data keys, seq_num counting from 1 per descriptor, num_events matching).
fn validate(docs: &[(String, Value)]) -> Result<(), String> {
    let (first, last) = (docs.first().ok_or("no documents")?, docs.last().unwrap());
    if first.0 != "start" || last.0 != "stop" {
        return Err("the stream must open with start and end with stop".into());
    }
    let start = &first.1;
    shape(
        start,
        "start",
        &["uid", "time"],
        &[("uid", "string"), ("time", "number")],
        true,
    )?;
    let run_uid = start["uid"].as_str().unwrap();
    let mut uids = std::collections::HashSet::new();
    let mut descriptors: HashMap<String, (String, Map<String, Value>)> = HashMap::new();
    let mut counts: HashMap<String, u64> = HashMap::new();
    for (name, doc) in docs {
        let uid = doc["uid"].as_str().ok_or(format!("{name}: no uid"))?;
        if !uids.insert(uid.to_string()) {
            return Err(format!("{name}: uid {uid} used twice"));
        }
        match name.as_str() {
            "start" => {}
            "descriptor" => {
                shape(
                    doc,
                    "descriptor",
                    &["uid", "data_keys", "run_start", "time"],
                    &[
                        ("uid", "string"),
                        ("data_keys", "object"),
                        ("run_start", "string"),
                        ("time", "number"),
                        ("name", "string"),
                        ("configuration", "object"),
                        ("hints", "object"),
                        ("object_keys", "object"),
                    ],
                    true,
                )?;
                if doc["run_start"] != run_uid {
                    return Err("descriptor: run_start is not the start's uid".into());
                }
                let keys = doc["data_keys"].as_object().unwrap();
                for (key, spec) in keys {
                    if key.contains(['.', '/']) {
                        return Err(format!("data key `{key}` has a `.` or `/`"));
                    }
                    shape(
                        spec,
                        key,
                        &["source", "dtype", "shape"],
                        &[
                            ("source", "string"),
                            ("dtype", "string"),
                            ("shape", "array"),
                            ("units", "string"),
                            ("external", "string"),
                            ("precision", "integer"),
                        ],
                        false,
                    )?;
                    if !["string", "number", "array", "boolean", "integer"]
                        .contains(&spec["dtype"].as_str().unwrap())
                    {
                        return Err(format!("data key `{key}`: unknown dtype"));
                    }
                    if !spec["shape"].as_array().unwrap().iter().all(Value::is_u64) {
                        return Err(format!("data key `{key}`: shape must list integers"));
                    }
                }
                let stream = doc["name"].as_str().unwrap_or("primary").to_string();
                descriptors.insert(uid.to_string(), (stream, keys.clone()));
            }
            "event" => {
                shape(
                    doc,
                    "event",
                    &["uid", "data", "timestamps", "time", "descriptor", "seq_num"],
                    &[
                        ("uid", "string"),
                        ("data", "object"),
                        ("timestamps", "object"),
                        ("filled", "object"),
                        ("descriptor", "string"),
                        ("seq_num", "integer"),
                        ("time", "number"),
                    ],
                    false,
                )?;
                let descriptor = doc["descriptor"].as_str().unwrap();
                let (stream, keys) = descriptors
                    .get(descriptor)
                    .ok_or("event before (or without) its descriptor")?;
                let data = doc["data"].as_object().unwrap();
                let stamps = doc["timestamps"].as_object().unwrap();
                let mut names: Vec<&String> = data.keys().collect();
                let mut declared: Vec<&String> = keys.keys().collect();
                let mut stamped: Vec<&String> = stamps.keys().collect();
                names.sort();
                declared.sort();
                stamped.sort();
                if names != declared || stamped != declared {
                    return Err(format!("event keys {names:?} differ from {declared:?}"));
                }
                for (key, value) in data {
                    if !dtype_matches(keys[key]["dtype"].as_str().unwrap(), value) {
                        return Err(format!("event: `{key}` = {value} is not its dtype"));
                    }
                }
                let count = counts.entry(stream.clone()).or_default();
                *count += 1;
                if doc["seq_num"].as_u64() != Some(*count) {
                    return Err(format!("event seq_num {} out of order", doc["seq_num"]));
                }
            }
            "stop" => {
                shape(
                    doc,
                    "stop",
                    &["exit_status", "run_start", "time", "uid"],
                    &[
                        ("exit_status", "string"),
                        ("run_start", "string"),
                        ("time", "number"),
                        ("uid", "string"),
                        ("reason", "string"),
                        ("num_events", "object"),
                        ("data_type", "any"),
                    ],
                    true,
                )?;
                if !["success", "abort", "fail"].contains(&doc["exit_status"].as_str().unwrap()) {
                    return Err("stop: exit_status".into());
                }
                if doc["run_start"] != run_uid {
                    return Err("stop: run_start is not the start's uid".into());
                }
                for (stream, n) in doc["num_events"].as_object().unwrap() {
                    if counts.get(stream).copied() != n.as_u64() {
                        return Err(format!("stop: num_events of {stream} is {n}"));
                    }
                }
            }
            other => return Err(format!("unknown document `{other}`")),
        }
    }
    Ok(())
}

fn export(dir: &Path) -> Vec<(String, Value)> {
    let out = mgp()
        .args(["export", "--event-model"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let pair: (String, Value) = serde_json::from_str(line).unwrap();
            pair
        })
        .collect()
}

/// Readings of the journal as (stream, values…) in journal order.
fn journal_readings(dir: &Path) -> Vec<(String, Vec<f64>, usize)> {
    read_journal(&dir.join("journal.jsonl"))
        .unwrap()
        .records
        .into_iter()
        .filter_map(|r| match r.event {
            Event::Reading { reading } => {
                let step = r.step?;
                Some(match reading {
                    Reading::Ocv { potential_v, .. } => ("ocv".into(), vec![potential_v], step),
                    Reading::Galvano {
                        potential_v,
                        current_a,
                        ..
                    } => ("galvano".into(), vec![potential_v, current_a], step),
                    Reading::EisPoint {
                        frequency_hz,
                        z_real_ohm,
                        z_imag_ohm,
                        ..
                    } => (
                        "eis".into(),
                        vec![frequency_hz, z_real_ohm, z_imag_ohm],
                        step,
                    ),
                    _ => return None,
                })
            }
            _ => None,
        })
        .collect()
}

fn event_readings(docs: &[(String, Value)]) -> Vec<(String, Vec<f64>, usize)> {
    let streams: HashMap<&str, &str> = docs
        .iter()
        .filter(|(n, _)| n == "descriptor")
        .map(|(_, d)| (d["uid"].as_str().unwrap(), d["name"].as_str().unwrap()))
        .collect();
    docs.iter()
        .filter(|(n, _)| n == "event")
        .map(|(_, e)| {
            let stream = streams[e["descriptor"].as_str().unwrap()];
            let d = &e["data"];
            let keys: &[&str] = match stream {
                "ocv" => &["potential"],
                "galvano" => &["potential", "current"],
                _ => &["frequency", "z_real", "z_imag"],
            };
            (
                stream.to_string(),
                keys.iter().map(|k| d[*k].as_f64().unwrap()).collect(),
                d["step"].as_u64().unwrap() as usize,
            )
        })
        .collect()
}

#[test]
fn a_multi_channel_run_round_trips_through_the_event_model() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out = mgp()
        .args(["run", "-q", "--no-analysis", "--out"])
        .arg(&run)
        .arg(root().join("protocols/mg-prepassivated-li2s8.mgp"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let docs = export(&run);
    validate(&docs).unwrap();
    assert_eq!(event_readings(&docs), journal_readings(&run));
    let start = &docs[0].1;
    assert_eq!(start["channels"].as_array().unwrap().len(), 2);
    let stop = &docs.last().unwrap().1;
    assert_eq!(stop["exit_status"], "success");
    assert_eq!(stop["num_events"]["eis"], 2 * 11 * 78);
    // Events name their channel and cell; the same run exports the same documents.
    assert!(
        docs.iter()
            .any(|(n, d)| n == "event" && d["data"]["channel"] == "gc_ps")
    );
    assert_eq!(export(&run), docs);
}

#[test]
fn a_one_channel_run_exports_and_the_validator_catches_mistakes() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out = mgp()
        .args(["run", "-q", "--no-analysis", "--out"])
        .arg(&run)
        .arg(root().join("protocols/mg-operando-li2s8.mgp"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let docs = export(&run);
    validate(&docs).unwrap();
    assert_eq!(event_readings(&docs), journal_readings(&run));

    // The validator is not a rubber stamp.
    let mut broken = docs.clone();
    let event = broken.iter_mut().find(|(n, _)| n == "event").unwrap();
    event.1["data"].as_object_mut().unwrap().remove("step");
    assert!(validate(&broken).unwrap_err().contains("differ"));
    let mut broken = docs.clone();
    broken.last_mut().unwrap().1["exit_status"] = "finished".into();
    assert!(validate(&broken).is_err());
    let mut broken = docs.clone();
    let event = broken.iter_mut().find(|(n, _)| n == "event").unwrap();
    event.1["extra"] = 1.into();
    assert!(validate(&broken).unwrap_err().contains("not allowed"));

    // Not a run folder: a diagnostic, exit 2.
    let out = mgp()
        .args(["export", "--event-model"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mgp::export::folder"));
}
