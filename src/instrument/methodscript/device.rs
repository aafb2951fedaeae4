//! Device commands outside a running script: identify (`t`, `v`, `i`), abort (`Z`) and resync.
//!
//! Takes a [`Link`] and gives an [`Identity`] (device type, firmware, MethodSCRIPT version,
//! serial number) or a [`Busy`] verdict: a device that is streaming a script's output is left
//! alone (nothing is sent to it). [`abort`] sends `Z` and reads the rest of the script's output
//! (the device runs `on_finished:` and ends with an empty line), handing every line to the
//! caller so that no data is lost.

use super::capabilities::DeviceType;
use super::link::Link;
use super::packet::{DeviceLine, escape, parse_line};
use crate::instrument::InstrumentError;
use serde::Serialize;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

/// Who answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Identity {
    /// `None` when the firmware prefix is not one of the known families.
    pub device_type: Option<DeviceType>,
    /// The firmware reply after the device prefix, lines joined with ` / `.
    pub firmware: String,
    pub methodscript_version: String,
    pub serial: String,
    /// Speed factor advertised by the mgp emulator (`mgp-emulator speed=X` in its firmware
    /// string; infinite for an unpaced one); `None` for real devices.
    pub emulator_speed: Option<f64>,
}

impl Identity {
    /// `EmStat4 HR (firmware …, MethodSCRIPT …, serial …)`.
    pub fn describe(&self) -> String {
        format!(
            "{} (firmware {}, MethodSCRIPT {}, serial {})",
            self.device_type
                .map_or("unknown MethodSCRIPT device", DeviceType::name),
            self.firmware,
            self.methodscript_version,
            self.serial
        )
    }
}

/// Why a device was not identified.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Busy {
    /// It streams script output: a script is running.
    RunningScript { lines_seen: usize },
    /// It refused `t` with an error code (e.g. `!0006`, not allowed now).
    Refused { line: String },
}

impl std::fmt::Display for Busy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Busy::RunningScript { lines_seen } => write!(
                f,
                "a script is running on it ({lines_seen} line(s) of its output seen)"
            ),
            Busy::Refused { line } => {
                write!(f, "it refused to identify itself (answered `{line}`)")
            }
        }
    }
}

/// The result of looking at a port.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Probe {
    Identified(Identity),
    Busy(Busy),
}

/// Timeouts of a probe or identification.
#[derive(Debug, Clone, Copy)]
pub struct ProbeTimings {
    /// How long to listen before sending anything (a running script shows itself).
    pub listen: Duration,
    /// How long to wait for each reply.
    pub reply: Duration,
}

impl Default for ProbeTimings {
    fn default() -> Self {
        ProbeTimings {
            listen: Duration::from_millis(150),
            reply: Duration::from_millis(800),
        }
    }
}

fn is_script_output(line: &[u8]) -> bool {
    matches!(
        parse_line(line),
        DeviceLine::Package(_)
            | DeviceLine::MeasLoopStart(_)
            | DeviceLine::MeasLoopEnd
            | DeviceLine::LoopStart
            | DeviceLine::LoopEnd
            | DeviceLine::ScanStart(_)
            | DeviceLine::ScanEnd
    )
}

/// Listens, then asks `t`, `v` and `i` unless the device is busy. Sends nothing to a device
/// that streams data; never aborts anything.
pub async fn probe<S: AsyncRead + AsyncWrite + Unpin>(
    link: &mut Link<S>,
    timings: ProbeTimings,
) -> Result<Probe, InstrumentError> {
    let heard = link.drain(timings.listen, timings.listen * 4).await?;
    let streaming = heard.iter().filter(|l| is_script_output(l)).count();
    if streaming > 0 {
        return Ok(Probe::Busy(Busy::RunningScript {
            lines_seen: streaming,
        }));
    }
    // A partial command left by someone else would swallow ours; `\n` ends it.
    link.send("\n").await?;
    link.drain(timings.listen, timings.listen * 4).await?;
    link.send("t\n").await?;
    let mut firmware_lines = Vec::new();
    loop {
        let line = link.read_line(timings.reply).await?;
        let text = escape(&line);
        if let DeviceLine::Error(error) = parse_line(&line) {
            return Ok(Probe::Busy(Busy::Refused { line: error.line }));
        }
        if is_script_output(&line) {
            return Ok(Probe::Busy(Busy::RunningScript { lines_seen: 1 }));
        }
        if firmware_lines.is_empty() && !text.starts_with('t') {
            // Not the reply (stale output); keep waiting for it.
            continue;
        }
        let done = text.ends_with('*');
        firmware_lines.push(text);
        if done || firmware_lines.len() > 8 {
            break;
        }
    }
    let first = firmware_lines[0].trim_start_matches('t').to_string();
    let (device_type, firmware) = match DeviceType::from_firmware(&first) {
        Some((device, rest)) => (Some(device), rest.to_string()),
        None => (None, first.clone()),
    };
    let mut firmware_text = vec![firmware.trim().to_string()];
    firmware_text.extend(
        firmware_lines[1..]
            .iter()
            .map(|l| l.trim_end_matches('*').trim().to_string())
            .filter(|l| !l.is_empty()),
    );
    let firmware = firmware_text.join(" / ");
    let methodscript_version = ask(link, 'v', timings.reply).await?;
    let serial = ask(link, 'i', timings.reply).await?;
    Ok(Probe::Identified(Identity {
        device_type,
        emulator_speed: emulator_speed(&firmware),
        firmware,
        methodscript_version,
        serial,
    }))
}

/// Sends a one-letter query and returns its reply without the echoed letter.
async fn ask<S: AsyncRead + AsyncWrite + Unpin>(
    link: &mut Link<S>,
    command: char,
    timeout: Duration,
) -> Result<String, InstrumentError> {
    link.send(&format!("{command}\n")).await?;
    let deadline = Instant::now() + timeout;
    loop {
        let line = link.read_line_until(deadline).await.map_err(|e| match e {
            InstrumentError::Timeout(_) => InstrumentError::Timeout(timeout.as_secs_f64()),
            other => other,
        })?;
        let text = escape(&line);
        if let DeviceLine::Error(error) = parse_line(&line) {
            return Err(InstrumentError::Device {
                code: error.code.clone(),
                message: format!("`{command}` was refused: {}", error.line),
            });
        }
        if let Some(rest) = text.strip_prefix(command) {
            return Ok(rest.trim().to_string());
        }
    }
}

/// `speed=X` in an mgp emulator's firmware string.
fn emulator_speed(firmware: &str) -> Option<f64> {
    if !firmware.contains("mgp-emulator") {
        return None;
    }
    firmware
        .split_whitespace()
        .find_map(|word| word.strip_prefix("speed="))
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| *v > 0.0)
}

/// How an abort went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbortOutcome {
    /// A script was running and has finished its output.
    Stopped,
    /// Nothing was running (`Z!0006`).
    Idle,
}

/// Sends `Z` and reads until the device confirms: `Z!…` (nothing ran) or `Z` followed by the
/// rest of the script's output and the empty line. Every other line goes to `each_line`.
pub async fn abort<S: AsyncRead + AsyncWrite + Unpin>(
    link: &mut Link<S>,
    timeout: Duration,
    mut each_line: impl FnMut(Vec<u8>),
) -> Result<AbortOutcome, InstrumentError> {
    link.send("Z\n").await?;
    let deadline = Instant::now() + timeout;
    let timed = |e| match e {
        InstrumentError::Timeout(_) => InstrumentError::Timeout(timeout.as_secs_f64()),
        other => other,
    };
    let mut acknowledged = false;
    // A script may end on its own just before `Z` arrives: its empty line comes first, then
    // `Z!0006`. Both must be read so that no stale reply is left for the next command.
    let mut ended = false;
    loop {
        let line = link.read_line_until(deadline).await.map_err(timed)?;
        match (acknowledged, parse_line(&line)) {
            (false, DeviceLine::Error(e)) if e.line.starts_with('Z') => {
                return Ok(if ended {
                    AbortOutcome::Stopped
                } else {
                    AbortOutcome::Idle
                });
            }
            (false, DeviceLine::AbortAck) => acknowledged = true,
            (false, DeviceLine::End) => ended = true,
            (true, DeviceLine::End) => return Ok(AbortOutcome::Stopped),
            _ => each_line(line),
        }
    }
}

/// Brings the device to a known state: ends a partial command, aborts whatever runs (its
/// output goes to `each_line`), then clears what is left.
pub async fn resync<S: AsyncRead + AsyncWrite + Unpin>(
    link: &mut Link<S>,
    timeout: Duration,
    each_line: impl FnMut(Vec<u8>),
) -> Result<AbortOutcome, InstrumentError> {
    link.send("\n").await?;
    let outcome = abort(link, timeout, each_line).await?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    /// A scripted device on the other end of a pipe: answers each command line.
    async fn device(stream: tokio::io::DuplexStream, replies: Vec<(&'static str, &'static str)>) {
        let (read, mut write) = tokio::io::split(stream);
        let mut lines = BufReader::new(read).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some((_, reply)) = replies.iter().find(|(cmd, _)| *cmd == line) {
                if write.write_all(reply.as_bytes()).await.is_err() {
                    return;
                }
            }
        }
    }

    #[tokio::test]
    async fn identifies_a_device() {
        let (host, dev) = tokio::io::duplex(1024);
        tokio::spawn(device(
            dev,
            vec![
                ("t", "tes4_hr1.3.2#Mar 1 2024\nR*\n"),
                ("v", "v1.6\n"),
                ("i", "iES4HR-1234\n"),
            ],
        ));
        let mut link = Link::new(host);
        let Probe::Identified(id) = probe(&mut link, ProbeTimings::default()).await.unwrap() else {
            panic!("not identified");
        };
        assert_eq!(id.device_type, Some(DeviceType::EmStat4Hr));
        assert_eq!(id.firmware, "1.3.2#Mar 1 2024 / R");
        assert_eq!(id.methodscript_version, "1.6");
        assert_eq!(id.serial, "ES4HR-1234");
        assert_eq!(id.emulator_speed, None);
    }

    #[tokio::test]
    async fn a_streaming_device_is_left_alone() {
        let (host, mut dev) = tokio::io::duplex(1024);
        dev.write_all(b"Pda8000000a\nPda8000001a\n").await.unwrap();
        let mut link = Link::new(host);
        let result = probe(&mut link, ProbeTimings::default()).await.unwrap();
        assert_eq!(result, Probe::Busy(Busy::RunningScript { lines_seen: 2 }));
        // Nothing was sent to it.
        drop(link);
        let mut sent = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut dev, &mut sent)
            .await
            .unwrap();
        assert!(sent.is_empty());
    }

    #[tokio::test]
    async fn abort_reports_idle_or_hands_over_the_rest() {
        let (host, dev) = tokio::io::duplex(1024);
        tokio::spawn(device(dev, vec![("Z", "Z!0006\n")]));
        let mut link = Link::new(host);
        let outcome = abort(&mut link, Duration::from_secs(2), |_| {})
            .await
            .unwrap();
        assert_eq!(outcome, AbortOutcome::Idle);

        let (host, dev) = tokio::io::duplex(1024);
        tokio::spawn(device(
            dev,
            vec![("Z", "Pda8000000a\nZ\nPda8000001a\n*\n\n")],
        ));
        let mut link = Link::new(host);
        let mut seen = Vec::new();
        let outcome = abort(&mut link, Duration::from_secs(2), |l| seen.push(l))
            .await
            .unwrap();
        assert_eq!(outcome, AbortOutcome::Stopped);
        assert_eq!(seen.len(), 3);
    }

    #[test]
    fn emulator_speed_is_read_from_the_firmware_string() {
        assert_eq!(emulator_speed("1.3#mgp-emulator speed=250"), Some(250.0));
        assert_eq!(emulator_speed("1.3 speed=250"), None);
        assert_eq!(
            emulator_speed("mgp-emulator speed=inf"),
            Some(f64::INFINITY)
        );
        assert_eq!(emulator_speed("mgp-emulator speed=nan"), None);
    }
}
