//! Export of a run folder to the infrastructure facilities already use.
//!
//! [`event_model`] turns a run into Bluesky event-model documents (run start, one event
//! descriptor per data stream, one event per reading, run stop), so a run can stream into
//! Kafka or Tiled/databroker like any other acquisition. The mapping:
//!
//! | mgp | event model |
//! |---|---|
//! | the run (manifest, plan) | `start`: protocol, its SHA-256, title, instrument, seed, cells, channels |
//! | `ocv`, `eis_point`, `galvano`, `potentiostatic` readings | streams of those names (`eis` for EIS points): one `descriptor` each, one `event` per reading |
//! | reading fields | `data` keys with units: `potential` V, `current` A, `frequency` Hz, `z_real`/`z_imag` Ω; and `step`, `sweep`, `cell`, `channel` |
//! | run time `t_s` | `time` = manifest start (Unix epoch) + `t_s`; `timestamps` the same |
//! | final status | `stop`: `completed` → `success`, `interrupted` → `abort`, `failed` or unfinished → `fail`; `num_events` per stream |
//!
//! Uids are derived from the protocol's hash, the start time and the document's position, so
//! exporting the same run twice gives the same documents.

use crate::instrument::Reading;
use crate::run::folder::RunFolder;
use crate::run::journal::{Event, RunStatus, read_journal};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// A run folder that cannot be exported.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot export `{path}`: {message}")]
#[diagnostic(
    code(mgp::export::folder),
    help("give a run folder written by `mgp run` (it holds manifest.json and journal.jsonl)")
)]
pub struct ExportError {
    pub path: String,
    pub message: String,
}

/// One document: its name (`start`, `descriptor`, `event`, `stop`) and body.
pub type Document = (&'static str, Value);

struct Stream {
    name: &'static str,
    descriptor_uid: String,
    events: u64,
}

/// The streams and their data keys (name, dtype, unit).
fn data_keys(stream: &str) -> Vec<(&'static str, &'static str, Option<&'static str>)> {
    let mut keys = match stream {
        "eis" => vec![
            ("frequency", "number", Some("Hz")),
            ("z_real", "number", Some("ohm")),
            ("z_imag", "number", Some("ohm")),
            ("sweep", "integer", None),
        ],
        "galvano" | "potentiostatic" => vec![
            ("potential", "number", Some("V")),
            ("current", "number", Some("A")),
        ],
        _ => vec![("potential", "number", Some("V"))],
    };
    keys.extend([
        ("step", "integer", None),
        ("cell", "string", None),
        ("channel", "string", None),
    ]);
    keys
}

fn epoch(rfc3339: &str) -> Option<f64> {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|t| t.timestamp_millis() as f64 / 1000.0)
}

/// A uuid-shaped id from a hash of `seed` and `n`.
fn uid(seed: &str, n: u64) -> String {
    let digest = Sha256::digest(format!("{seed}/{n}").as_bytes());
    let h: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-5{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The run in `dir` as event-model documents, in order: start, then descriptors and events
/// as the journal gives them, then stop.
pub fn event_model(dir: &Path) -> Result<Vec<Document>, ExportError> {
    let error = |message: String| ExportError {
        path: dir.display().to_string(),
        message,
    };
    let folder = RunFolder::new(dir);
    let manifest = folder.read_manifest().map_err(|e| error(e.to_string()))?;
    let plan = folder.read_plan().map_err(|e| error(e.to_string()))?;
    let journal = read_journal(&folder.journal())
        .map_err(|e| error(format!("journal.jsonl: {e}")))?
        .records;
    let start_time = epoch(&manifest.started_at).ok_or_else(|| {
        error(format!(
            "the manifest's start time `{}` is not RFC 3339",
            manifest.started_at
        ))
    })?;
    let seed = format!("{}/{}", manifest.protocol_sha256, manifest.started_at);
    let mut next = 0u64;
    let mut new_uid = || {
        next += 1;
        uid(&seed, next)
    };
    let run_uid = new_uid();
    let channels = crate::run::channels::read_channels(dir).ok();
    let mut docs: Vec<Document> = vec![(
        "start",
        json!({
            "uid": run_uid,
            "time": start_time,
            "plan_name": "mgp",
            "protocol": manifest.protocol_path,
            "protocol_sha256": manifest.protocol_sha256,
            "title": plan.meta.title,
            "source": plan.meta.source,
            "mgp_version": manifest.mgp_version,
            "instrument": manifest.instrument.kind,
            "instrument_description": manifest.instrument.description,
            "seed": manifest.seed,
            "cells": plan.cells.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
            "channels": channels.as_ref().map(|f| f.channels.iter().map(|c| json!({
                "name": c.name, "cells": c.cells,
            })).collect::<Vec<_>>()),
            "planned_duration_s": manifest.planned_duration_s,
        }),
    )];
    let mut streams: Vec<Stream> = Vec::new();
    let mut sweeps: HashMap<(Option<String>, usize), usize> = HashMap::new();
    let mut last_t: f64 = 0.0;
    for record in &journal {
        last_t = last_t.max(record.t_s);
        let Some(step) = record.step else { continue };
        let channel = record.channel.clone();
        match &record.event {
            Event::SweepStarted { sweep } => {
                sweeps.insert((channel, step), *sweep);
                continue;
            }
            Event::Reading { reading } => {
                let cell = plan
                    .steps
                    .get(step)
                    .map_or(String::new(), |s| s.cell.clone());
                let channel = channel.unwrap_or_else(|| cell.clone());
                let (name, mut data) = match reading {
                    Reading::Ocv { potential_v, .. } => ("ocv", json!({"potential": potential_v})),
                    Reading::Galvano {
                        potential_v,
                        current_a,
                        ..
                    } => (
                        "galvano",
                        json!({"potential": potential_v, "current": current_a}),
                    ),
                    Reading::EisPoint {
                        frequency_hz,
                        z_real_ohm,
                        z_imag_ohm,
                        ..
                    } => (
                        "eis",
                        json!({
                            "frequency": frequency_hz,
                            "z_real": z_real_ohm,
                            "z_imag": z_imag_ohm,
                            "sweep": sweeps.get(&(record.channel.clone(), step)).copied().unwrap_or(0),
                        }),
                    ),
                    Reading::Potentiostatic {
                        potential_v,
                        current_a,
                        ..
                    } => (
                        "potentiostatic",
                        json!({"potential": potential_v, "current": current_a}),
                    ),
                    Reading::Warning { .. } | Reading::Raw { .. } => continue,
                };
                data["step"] = json!(step);
                data["cell"] = json!(cell);
                data["channel"] = json!(channel);
                let time = start_time + record.t_s;
                let index = match streams.iter().position(|s| s.name == name) {
                    Some(index) => index,
                    None => {
                        let descriptor_uid = new_uid();
                        let keys: serde_json::Map<String, Value> = data_keys(name)
                            .into_iter()
                            .map(|(key, dtype, unit)| {
                                let mut spec = json!({
                                    "source": format!("mgp:{}", manifest.instrument.kind),
                                    "dtype": dtype,
                                    "shape": [],
                                });
                                if let Some(unit) = unit {
                                    spec["units"] = json!(unit);
                                }
                                (key.to_string(), spec)
                            })
                            .collect();
                        docs.push((
                            "descriptor",
                            json!({
                                "uid": descriptor_uid,
                                "run_start": run_uid,
                                "time": time,
                                "name": name,
                                "data_keys": keys,
                            }),
                        ));
                        streams.push(Stream {
                            name,
                            descriptor_uid,
                            events: 0,
                        });
                        streams.len() - 1
                    }
                };
                let stream = &mut streams[index];
                stream.events += 1;
                let timestamps: serde_json::Map<String, Value> = data
                    .as_object()
                    .map(|o| o.keys().map(|k| (k.clone(), json!(time))).collect())
                    .unwrap_or_default();
                let seq_num = stream.events;
                let descriptor = stream.descriptor_uid.clone();
                docs.push((
                    "event",
                    json!({
                        "uid": new_uid(),
                        "descriptor": descriptor,
                        "time": time,
                        "seq_num": seq_num,
                        "data": data,
                        "timestamps": timestamps,
                    }),
                ));
            }
            _ => {}
        }
    }
    let exit_status = match manifest.status {
        RunStatus::Completed => "success",
        RunStatus::Interrupted => "abort",
        RunStatus::Failed | RunStatus::Running => "fail",
    };
    let reason = match (&manifest.reason, manifest.status) {
        (Some(reason), _) => reason.clone(),
        (None, RunStatus::Running) => "the run did not finish (still running, or killed)".into(),
        (None, _) => String::new(),
    };
    let end_time = manifest
        .ended_at
        .as_deref()
        .and_then(epoch)
        .unwrap_or(start_time + last_t);
    let num_events: serde_json::Map<String, Value> = streams
        .iter()
        .map(|s| (s.name.to_string(), json!(s.events)))
        .collect();
    docs.push((
        "stop",
        json!({
            "uid": new_uid(),
            "run_start": run_uid,
            "time": end_time,
            "exit_status": exit_status,
            "reason": reason,
            "num_events": num_events,
        }),
    ));
    Ok(docs)
}

/// Writes documents one per line, each as `[name, document]` (the pair a Bluesky
/// document stream carries).
pub fn write_jsonl(docs: &[Document], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    for (name, doc) in docs {
        serde_json::to_writer(&mut *out, &json!([name, doc])).map_err(std::io::Error::other)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    #[test]
    fn uids_are_uuid_shaped_and_distinct() {
        let (a, b) = (super::uid("x", 1), super::uid("x", 2));
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
        assert_ne!(a, b);
    }
}
