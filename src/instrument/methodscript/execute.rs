//! Running one script on the device: send it, stream its output into the sink, stop it.
//!
//! Takes a [`Script`] and a sink and gives how the step ended. Every line that arrives is
//! delivered before anything else happens: data packages as readings, status changes as
//! warnings, anything unparseable as [`Reading::Raw`] plus a warning. Then, by what happened:
//!
//! - the empty line: the script is done (`Completed`, or `Stopped` if a stop was asked);
//! - the sink returns [`Flow::StopStep`], or |E| reaches the step's tightest limit: `Z` is
//!   sent, the rest of the output is still read and delivered, and the step is `Stopped`;
//! - Ctrl-C ([`Sink::interrupted`], polled every 100 ms, or `Err(Interrupted)` from the sink):
//!   `Z`, the rest of the output, the cell switched off, then [`InstrumentError::Interrupted`];
//! - silence longer than `timeout + slack × planned gap`: a best-effort abort, then `Timeout`;
//! - `!XXXX` from the device: the rest of the output, the cell off, then `Device`;
//! - the port closing (EOF/EIO): `Disconnected` at once (nothing can be sent any more).
//!
//! A corrupted line does not end the step: one damaged line on a long experiment costs one
//! point, not the run. It is journalled raw and reported; only `max_consecutive_corrupt`
//! damaged lines in a row (a wrong baud rate, a broken cable) end the step with `Protocol`.

use super::decode::{Decoder, StatusWatch};
use super::device;
use super::instrument::MethodScriptInstrument;
use super::packet::{DeviceLine, escape, parse_line};
use super::script::{Expect, Script, cell_off_script};
use crate::instrument::{Flow, HoldEnd, Instrument, InstrumentError, Reading, Sink};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

/// How often waits look at [`Sink::interrupted`].
const POLL: Duration = Duration::from_millis(100);

/// What the host checks while a script runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct HostChecks {
    /// End the step when |E| reaches this.
    pub limit_v: Option<f64>,
    /// Applied current for galvanostatic readings without a current variable.
    pub planned_current_a: Option<f64>,
    /// Samples per scan of a cyclic voltammogram (each reading's scan index).
    pub samples_per_scan: Option<usize>,
}

enum Wait {
    Line(Vec<u8>),
    Interrupted,
    Timeout,
}

/// Why the stream stopped early.
enum Halt {
    Interrupted,
    Fail(InstrumentError),
}

impl<S: AsyncRead + AsyncWrite + Unpin> MethodScriptInstrument<S> {
    /// Runs `script` and streams its output into `sink`.
    pub(super) async fn execute(
        &mut self,
        script: &Script,
        checks: HostChecks,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        let interval = match script.expect {
            Expect::Samples { interval_s, .. } => Some(interval_s),
            _ => None,
        };
        let began_s = self.now_s();
        let mut decoder = Decoder::new(script.header.kind, interval, began_s);
        decoder.planned_current_a = checks.planned_current_a;
        decoder.samples_per_scan = checks.samples_per_scan;
        decoder.z_imag_negated = self.options.z_imag_negated;
        let mut status = StatusWatch::default();
        // Output left over from earlier (a reply that came late) must not be taken for this
        // script's; it is journalled, not dropped.
        let stale = self
            .link
            .drain(Duration::from_millis(1), Duration::from_millis(20))
            .await?;
        if !stale.is_empty() {
            let now = self.now_s();
            let mut readings: Vec<Reading> = stale
                .iter()
                .map(|line| Reading::Raw {
                    t_s: now,
                    line: escape(line),
                })
                .collect();
            readings.push(Reading::Warning {
                t_s: now,
                message: format!(
                    "{} stale line(s) from the device before the script",
                    stale.len()
                ),
            });
            if let Err(Halt::Fail(error)) = self.deliver(sink, readings, false) {
                return Err(error);
            }
        }
        self.link.send(&script.wire()).await?;

        let mut acknowledged = false;
        let mut packages = 0usize;
        let mut stop_sent = false;
        let mut corrupt_run = 0usize;
        let mut last_activity = Instant::now();
        loop {
            let gap_s = if acknowledged {
                script.expect.gap_s(packages)
            } else {
                0.0
            };
            let allowed_s =
                self.options.timeout_s + self.options.timeout_slack * gap_s / self.clock_scale;
            let deadline = last_activity + Duration::from_secs_f64(allowed_s);
            let line = match self.wait_line(deadline, sink).await? {
                Wait::Line(line) => line,
                Wait::Interrupted => return self.interrupt(sink, &mut decoder).await,
                Wait::Timeout => {
                    self.abort_quietly().await;
                    return Err(InstrumentError::Timeout(round_ms(allowed_s)));
                }
            };
            last_activity = Instant::now();
            let parsed = parse_line(&line);
            if matches!(parsed, DeviceLine::Package(_)) {
                // An unpaced device's clock: the package's planned time.
                self.advance_virtual(began_s + script.expect.planned_at_s(packages));
            }
            let now = self.now_s();
            if !matches!(parsed, DeviceLine::Unparsed(_)) {
                corrupt_run = 0;
            }
            match parsed {
                DeviceLine::End if acknowledged => break,
                DeviceLine::Executing if !acknowledged => acknowledged = true,
                DeviceLine::MeasLoopStart(_) => decoder.loop_started(now),
                DeviceLine::MeasLoopEnd
                | DeviceLine::LoopStart
                | DeviceLine::LoopEnd
                | DeviceLine::ScanStart(_)
                | DeviceLine::ScanEnd
                | DeviceLine::AbortAck => {}
                DeviceLine::Package(package) => {
                    packages += 1;
                    let decoded = decoder.decode(&package, now);
                    let mut readings = Vec::new();
                    let mut over_limit = None;
                    match decoded {
                        Ok(reading) => {
                            if let (Reading::Galvano { potential_v, .. }, Some(limit)) =
                                (&reading, checks.limit_v)
                            {
                                if potential_v.abs() >= limit {
                                    over_limit = Some((*potential_v, limit));
                                }
                            }
                            readings.push(reading);
                        }
                        Err(why) => {
                            readings.push(Reading::Raw {
                                t_s: now,
                                line: escape(&line),
                            });
                            readings.push(Reading::Warning {
                                t_s: now,
                                message: format!("a package could not be read ({why}); kept raw"),
                            });
                        }
                    }
                    for message in status.changes(&package) {
                        readings.push(Reading::Warning { t_s: now, message });
                    }
                    let wants_stop = match self.deliver(sink, readings, stop_sent) {
                        Ok(stop) => stop,
                        Err(Halt::Interrupted) => return self.interrupt(sink, &mut decoder).await,
                        Err(Halt::Fail(error)) => {
                            self.abort_quietly().await;
                            return Err(error);
                        }
                    };
                    if let (Some((v, limit)), false) = (over_limit, wants_stop || stop_sent) {
                        let message = format!(
                            "|E| = {:.4} V reached the limit of {limit} V: step ended",
                            v.abs()
                        );
                        let _ =
                            self.deliver(sink, vec![Reading::Warning { t_s: now, message }], true);
                    }
                    if (wants_stop || over_limit.is_some()) && !stop_sent {
                        self.link.send("Z\n").await?;
                        stop_sent = true;
                    }
                }
                DeviceLine::Error(error) => {
                    let warning = Reading::Warning {
                        t_s: now,
                        message: format!("device error {}: {}", error.code, error.line),
                    };
                    let _ = self.deliver(sink, vec![warning], true);
                    // The device ends the script after an error; read what it still sends.
                    // A load error may or may not be followed by an empty line: wait briefly.
                    let quiet = if acknowledged {
                        self.options.timeout_s
                    } else {
                        0.2
                    };
                    self.drain_into(sink, &mut decoder, Duration::from_secs_f64(quiet))
                        .await;
                    let _ = self.cell_off().await;
                    return Err(InstrumentError::Device {
                        code: error.code.clone(),
                        message: device_error_text(&error.code, &error.line),
                    });
                }
                other => {
                    // Unparsed, text, or a marker out of place: journal it raw.
                    let is_corrupt = matches!(other, DeviceLine::Unparsed(_));
                    let mut readings = vec![Reading::Raw {
                        t_s: now,
                        line: escape(&line),
                    }];
                    if is_corrupt {
                        corrupt_run += 1;
                        readings.push(Reading::Warning {
                            t_s: now,
                            message: format!("unreadable line from the device: {}", escape(&line)),
                        });
                    }
                    match self.deliver(sink, readings, stop_sent) {
                        Ok(_) => {}
                        Err(Halt::Interrupted) => return self.interrupt(sink, &mut decoder).await,
                        Err(Halt::Fail(error)) => {
                            self.abort_quietly().await;
                            return Err(error);
                        }
                    }
                    if corrupt_run >= self.options.max_consecutive_corrupt.max(1) {
                        self.abort_quietly().await;
                        return Err(InstrumentError::Protocol(format!(
                            "{corrupt_run} unreadable lines in a row (last: {}); check the baud \
                             rate and the cable",
                            escape(&line)
                        )));
                    }
                }
            }
        }
        if !stop_sent && packages >= script.expect.planned_packages() {
            // Ran to its end: on a virtual clock, the script's whole planned time has passed
            // (a rest goes on after its last sample). Ended early, it stays at the last package.
            self.advance_virtual(began_s + script.expect.duration_s());
        }
        if let Expect::Eis { frequencies_hz, .. } = &script.expect {
            if !stop_sent && packages < frequencies_hz.len() {
                let message = format!(
                    "the sweep ended after {packages} of {} frequencies",
                    frequencies_hz.len()
                );
                let _ = self.deliver(
                    sink,
                    vec![Reading::Warning {
                        t_s: self.now_s(),
                        message,
                    }],
                    true,
                );
            }
        }
        Ok(if stop_sent {
            HoldEnd::Stopped
        } else {
            HoldEnd::Completed
        })
    }

    /// Hands readings to the sink. `Ok(true)` when the sink asks to end the step. With
    /// `ignore_flow` (draining after a stop), flows and non-interrupt errors are ignored.
    fn deliver(
        &mut self,
        sink: &mut dyn Sink,
        readings: Vec<Reading>,
        ignore_flow: bool,
    ) -> Result<bool, Halt> {
        let mut stop = false;
        for reading in readings {
            match sink.reading(reading) {
                Ok(Flow::Continue) => {}
                Ok(Flow::StopStep) => stop = true,
                Err(InstrumentError::Interrupted) => return Err(Halt::Interrupted),
                Err(_) if ignore_flow => {}
                Err(error) => return Err(Halt::Fail(error)),
            }
        }
        Ok(stop && !ignore_flow)
    }

    /// The next line before `deadline`, watching for Ctrl-C.
    async fn wait_line(
        &mut self,
        deadline: Instant,
        sink: &dyn Sink,
    ) -> Result<Wait, InstrumentError> {
        loop {
            if sink.interrupted() {
                return Ok(Wait::Interrupted);
            }
            let slice = deadline.min(Instant::now() + POLL);
            match self.link.read_line_until(slice).await {
                Ok(line) => return Ok(Wait::Line(line)),
                Err(InstrumentError::Timeout(_)) if Instant::now() >= deadline => {
                    return Ok(Wait::Timeout);
                }
                Err(InstrumentError::Timeout(_)) => {}
                Err(other) => return Err(other),
            }
        }
    }

    /// Ctrl-C: abort, keep what still arrives, switch the cell off.
    async fn interrupt(
        &mut self,
        sink: &mut dyn Sink,
        decoder: &mut Decoder,
    ) -> Result<HoldEnd, InstrumentError> {
        let timeout = Duration::from_secs_f64(self.options.timeout_s);
        let mut lines = Vec::new();
        let aborted = device::abort(&mut self.link, timeout, |l| lines.push(l)).await;
        self.deliver_drained(sink, decoder, lines);
        if let Err(InstrumentError::Disconnected(why)) = aborted {
            return Err(InstrumentError::Disconnected(why));
        }
        let _ = self.cell_off().await;
        Err(InstrumentError::Interrupted)
    }

    /// Reads the rest of a script's output (until the empty line or `timeout` of silence),
    /// delivering it.
    async fn drain_into(&mut self, sink: &mut dyn Sink, decoder: &mut Decoder, timeout: Duration) {
        let mut lines = Vec::new();
        loop {
            match self.link.read_line(timeout).await {
                Ok(line) if line.is_empty() => break,
                Ok(line) => lines.push(line),
                Err(_) => break,
            }
        }
        self.deliver_drained(sink, decoder, lines);
    }

    /// Delivers lines read while stopping: packages as readings where possible, else raw.
    fn deliver_drained(&mut self, sink: &mut dyn Sink, decoder: &mut Decoder, lines: Vec<Vec<u8>>) {
        let now = self.now_s();
        let readings = lines
            .into_iter()
            .filter_map(|line| match parse_line(&line) {
                DeviceLine::MeasLoopEnd
                | DeviceLine::LoopEnd
                | DeviceLine::AbortAck
                | DeviceLine::End
                | DeviceLine::Executing => None,
                DeviceLine::MeasLoopStart(_) => {
                    decoder.loop_started(now);
                    None
                }
                DeviceLine::Package(package) => Some(decoder.decode(&package, now).unwrap_or_else(
                    |_| Reading::Raw {
                        t_s: now,
                        line: escape(&line),
                    },
                )),
                _ => Some(Reading::Raw {
                    t_s: now,
                    line: escape(&line),
                }),
            })
            .collect();
        let _ = self.deliver(sink, readings, true);
    }

    /// Best effort after a timeout or a failure: abort and switch the cell off, ignoring
    /// errors (the device may be gone).
    pub(super) async fn abort_quietly(&mut self) {
        let timeout = Duration::from_secs_f64(self.options.timeout_s.min(2.0));
        if device::abort(&mut self.link, timeout, |_| {}).await.is_ok() {
            let _ = self.cell_off().await;
        }
    }

    /// Runs the cell-off script.
    pub(super) async fn cell_off(&mut self) -> Result<(), InstrumentError> {
        let script = cell_off_script(self.last_channel);
        self.link.send(&script.wire()).await?;
        let deadline = Instant::now() + Duration::from_secs_f64(self.options.timeout_s);
        loop {
            let line = self.link.read_line_until(deadline).await?;
            match parse_line(&line) {
                DeviceLine::End => return Ok(()),
                DeviceLine::Error(error) => {
                    return Err(InstrumentError::Device {
                        code: error.code.clone(),
                        message: device_error_text(&error.code, &error.line),
                    });
                }
                _ => {}
            }
        }
    }
}

fn round_ms(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

/// A message for a device error code: the line as sent, plus the meaning where one is known.
/// Only `0006` is confirmed by PalmSens' examples; the others follow an unofficial emulator and
/// are marked as such.
pub fn device_error_text(code: &str, line: &str) -> String {
    let meaning = match code {
        "0006" => Some("command not allowed in the current state"),
        "0003" => Some("unknown command (unconfirmed meaning)"),
        "0008" => Some("line too long (unconfirmed meaning)"),
        "000F" | "0011" | "0012" => Some("value out of range (unconfirmed meaning)"),
        "0014" => Some("OCP with the cell on (unconfirmed meaning)"),
        "0023" => Some("EIS outside high-speed mode (unconfirmed meaning)"),
        "0032" => Some("cell overload (unconfirmed meaning)"),
        "4001" => Some("unknown command in the script (unconfirmed meaning)"),
        "4004" => Some("bad argument in the script (unconfirmed meaning)"),
        "4027" => Some("cell not on (unconfirmed meaning)"),
        _ => None,
    };
    match meaning {
        Some(meaning) => format!("{meaning} (`{line}`)"),
        None => format!("`{line}`"),
    }
}
