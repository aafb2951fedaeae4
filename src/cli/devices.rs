//! `mgp devices`: list serial ports and identify the MethodSCRIPT devices on them.
//!
//! Each port is opened briefly and listened to first: a device that streams a script's output
//! is reported busy and sent nothing; an idle one is asked `t`, `v` and `i`. Nothing is
//! aborted. Only USB and Bluetooth ports are probed unless `--all` is given (MethodSCRIPT
//! devices connect through those; a motherboard UART may have something else on it).
//! `--port PATH` probes given paths only (an emulator's PTY is not listed by the system).

use super::exit;
use crate::instrument::InstrumentError;
use crate::instrument::methodscript::device::{Busy, Probe, ProbeTimings};
use crate::instrument::methodscript::{PortProbe, probe_port};
use std::time::Duration;

/// Arguments of `mgp devices`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Probe this port only (repeatable), e.g. the path printed by `mgp emulate`.
    #[arg(long = "port", value_name = "PATH")]
    pub ports: Vec<String>,
    /// Serial speed; by default 230400 then 921600 are tried.
    #[arg(long)]
    pub baud: Option<u32>,
    /// How long to wait for each reply, in milliseconds.
    #[arg(long, default_value_t = 800)]
    pub timeout_ms: u64,
    /// Print JSON (one object per port) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Probe every listed port, not only USB and Bluetooth ones.
    #[arg(long)]
    pub all: bool,
}

/// One port's outcome.
#[derive(Debug, serde::Serialize)]
struct Row {
    port: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<PortProbe>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub fn run(args: Args) -> u8 {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the I/O runtime: {error}");
            return exit::RUNTIME;
        }
    };
    let explicit = !args.ports.is_empty();
    // (port, probe it?)
    let ports: Vec<(String, bool)> = if explicit {
        args.ports.iter().map(|p| (p.clone(), true)).collect()
    } else {
        match tokio_serial::available_ports() {
            Ok(ports) => ports
                .into_iter()
                .map(|p| {
                    let likely = matches!(
                        p.port_type,
                        tokio_serial::SerialPortType::UsbPort(_)
                            | tokio_serial::SerialPortType::BluetoothPort
                    );
                    (p.port_name, likely || args.all)
                })
                .collect(),
            Err(error) => {
                eprintln!("error: cannot list serial ports: {error}");
                return exit::RUNTIME;
            }
        }
    };
    let timings = ProbeTimings {
        reply: Duration::from_millis(args.timeout_ms.max(1)),
        ..ProbeTimings::default()
    };
    let rows: Vec<Row> = ports
        .iter()
        .map(|(port, probe)| {
            let (result, error) = if !probe {
                (
                    None,
                    Some("not probed: not a USB or Bluetooth port (use --all)".to_string()),
                )
            } else {
                match runtime.block_on(probe_port(port, args.baud, timings)) {
                    Ok(result) => (Some(result), None),
                    Err(error) => (None, Some(describe(&error))),
                }
            };
            Row {
                port: port.clone(),
                result,
                error,
            }
        })
        .collect();
    if args.json {
        match serde_json::to_string_pretty(&rows) {
            Ok(text) => println!("{text}"),
            Err(error) => {
                eprintln!("error: {error}");
                return exit::RUNTIME;
            }
        }
    } else if rows.is_empty() {
        println!("no serial ports found (an emulator's port is probed with --port PATH)");
    } else {
        for row in &rows {
            println!("{}", line(row));
        }
    }
    // Asked about specific ports: failing to identify one is a failure.
    let failed = rows.iter().any(|r| r.result.is_none());
    if explicit && failed {
        exit::RUNTIME
    } else {
        exit::OK
    }
}

fn describe(error: &InstrumentError) -> String {
    match error {
        InstrumentError::Timeout(_) => "no MethodSCRIPT answer".to_string(),
        InstrumentError::InUse(_) => "in use by another program (another mgp run?)".to_string(),
        other => other.to_string(),
    }
}

fn line(row: &Row) -> String {
    match (&row.result, &row.error) {
        (
            Some(PortProbe {
                baud,
                probe: Probe::Identified(id),
            }),
            _,
        ) => format!(
            "{}  {}  firmware {}  MethodSCRIPT {}  serial {}  ({} baud)",
            row.port,
            id.device_type
                .map_or("unknown MethodSCRIPT device", |d| d.name()),
            id.firmware,
            id.methodscript_version,
            id.serial,
            baud
        ),
        (
            Some(PortProbe {
                probe: Probe::Busy(Busy::RunningScript { .. }),
                ..
            }),
            _,
        ) => {
            format!("{}  busy: a script is running (left alone)", row.port)
        }
        (
            Some(PortProbe {
                probe: Probe::Busy(Busy::Refused { line }),
                ..
            }),
            _,
        ) => {
            format!("{}  busy: refused identification ({line})", row.port)
        }
        (None, Some(error)) => format!("{}  {error}", row.port),
        (None, None) => row.port.clone(),
    }
}
