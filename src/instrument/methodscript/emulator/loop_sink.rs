//! One measurement loop's iterations: each reading the source delivers sets the loop
//! variables, runs the loop body and, at `pck_end`, writes a package when it is due.
//!
//! Takes the body statements and the device's wire; gives `Flow::StopStep` on `breakloop`
//! and stops the source (as an interruption) on an abort or a fault, saying which in `halt`.

use super::faults::{AfterPacket, FaultState};
use super::machine::{Halt, Pacing, Val};
use super::program::{LoopKind, Stmt, literal};
use super::wire::Wire;
use crate::instrument::methodscript::packet::{Package, Var};
use crate::instrument::{Flow, InstrumentError, Reading, Sink};
use std::collections::HashMap;

/// Receives the source's readings as loop iterations.
pub(super) struct LoopSink<'m> {
    pub(super) wire: &'m Wire,
    pub(super) faults: &'m mut FaultState,
    pub(super) vars: &'m mut HashMap<String, Val>,
    pub(super) body: &'m [Stmt],
    pub(super) kind: LoopKind,
    /// The loop variables (potential; f, z_re, z_im; potential, current).
    pub(super) names: Vec<String>,
    pub(super) pacing: Pacing,
    pub(super) ranges: &'m [f64],
    pub(super) amplitude: f64,
    pub(super) halt: Option<Halt>,
    pub(super) line: usize,
    pub(super) write_error: Option<std::io::Error>,
    /// Source time at the loop's start: a timed loop's first point comes one interval later.
    pub(super) loop_start_s: f64,
}

impl LoopSink<'_> {
    /// The variable type a loop variable is sent with.
    fn var_type(&self, name: &str) -> &'static str {
        let position = self.names.iter().position(|n| n == name);
        match (self.kind, position) {
            (
                LoopKind::Ocp | LoopKind::Cp | LoopKind::Cv | LoopKind::Lsv | LoopKind::Ca,
                Some(0),
            ) => "ab",
            (LoopKind::Cp | LoopKind::Cv | LoopKind::Lsv | LoopKind::Ca, Some(1)) => "ba",
            (LoopKind::Eis, Some(0)) => "dc",
            (LoopKind::Eis, Some(1)) => "cc",
            (LoopKind::Eis, Some(2)) => "cd",
            _ => "ja",
        }
    }

    /// Index of the smallest current range holding `current`.
    fn range_index(&self, current: f64) -> u8 {
        self.ranges
            .iter()
            .position(|r| *r >= current.abs())
            .unwrap_or(self.ranges.len().saturating_sub(1)) as u8
    }

    fn stop(&mut self, halt: Halt) -> InstrumentError {
        self.halt = Some(halt);
        InstrumentError::Interrupted
    }

    /// Runs the loop body; `Ok(true)` on `breakloop`.
    fn body(
        &mut self,
        stmts: &[Stmt],
        package: &mut Option<Vec<Var>>,
    ) -> Result<bool, InstrumentError> {
        for stmt in stmts {
            match stmt {
                Stmt::PckStart => *package = Some(Vec::new()),
                Stmt::PckAdd(name) => {
                    let value = self.vars.get(name).map_or(0.0, |v| v.value());
                    let id = self.var_type(name);
                    let flagged = matches!(id, "ba" | "cc" | "cd");
                    // The current range follows the current: measured, or amplitude / |Z′|.
                    let current = || match id {
                        "ba" => value,
                        _ => {
                            let z = self
                                .names
                                .get(1)
                                .and_then(|n| self.vars.get(n))
                                .map_or(1.0, |v| v.value());
                            self.amplitude / z.abs().max(1e-12)
                        }
                    };
                    let var = Var {
                        id: id.to_string(),
                        value: Some(value),
                        integer: false,
                        status: flagged.then(|| self.faults.status_bits()),
                        range: flagged.then(|| self.range_index(current())),
                        other_meta: vec![],
                    };
                    package.get_or_insert_with(Vec::new).push(var);
                }
                Stmt::PckEnd => {
                    let vars = package.take().unwrap_or_default();
                    let Some(text) = (Package { vars }).encode() else {
                        return Err(self.stop(Halt::Error {
                            code: "0032".into(),
                            line: self.line,
                            note: Some("emulator: value out of range".into()),
                        }));
                    };
                    let bytes = self.faults.mangle(text);
                    if let Err(e) = self.wire.line(&bytes) {
                        self.write_error = Some(e);
                        return Err(self.stop(Halt::Disconnect));
                    }
                    match self.faults.after_packet() {
                        AfterPacket::Continue => {}
                        AfterPacket::Silence => self.wire.mute(),
                        AfterPacket::Disconnect => return Err(self.stop(Halt::Disconnect)),
                        AfterPacket::DeviceError(code) => {
                            return Err(self.stop(Halt::Error {
                                code,
                                line: self.line,
                                note: None,
                            }));
                        }
                    }
                }
                Stmt::If { lhs, op, rhs, body } => {
                    let value = |name: &str| {
                        self.vars
                            .get(name)
                            .map(|v| v.value())
                            .or_else(|| literal(name))
                            .unwrap_or(0.0)
                    };
                    if op.holds(value(lhs), value(rhs)) && self.body(body, package)? {
                        return Ok(true);
                    }
                }
                Stmt::BreakLoop => return Ok(true),
                _ => {}
            }
        }
        Ok(false)
    }
}

impl Sink for LoopSink<'_> {
    fn reading(&mut self, reading: Reading) -> Result<Flow, InstrumentError> {
        // A device samples a timed loop at interval, 2·interval…: a source's sample at the
        // loop's start has no counterpart on the device.
        let at_start = matches!(reading, Reading::Ocv { t_s, .. } | Reading::Galvano { t_s, .. }
            | Reading::Potentiostatic { t_s, .. }
            if t_s <= self.loop_start_s + 1e-9);
        if at_start && !matches!(self.kind, LoopKind::Eis) {
            return Ok(Flow::Continue);
        }
        let (t_s, values): (f64, Vec<Val>) = match (self.kind, reading) {
            (LoopKind::Ocp, Reading::Ocv { t_s, potential_v }) => (
                t_s,
                vec![Val::Ocp {
                    offset: 0.0,
                    measured: potential_v,
                }],
            ),
            (
                LoopKind::Eis,
                Reading::EisPoint {
                    t_s,
                    frequency_hz,
                    z_real_ohm,
                    z_imag_ohm,
                },
            ) => (
                t_s,
                vec![
                    Val::Num(frequency_hz),
                    Val::Num(z_real_ohm),
                    Val::Num(z_imag_ohm),
                ],
            ),
            (
                LoopKind::Cp,
                Reading::Galvano {
                    t_s,
                    potential_v,
                    current_a,
                },
            ) => (t_s, vec![Val::Num(potential_v), Val::Num(current_a)]),
            (
                LoopKind::Cv | LoopKind::Lsv | LoopKind::Ca,
                Reading::Potentiostatic {
                    t_s,
                    potential_v,
                    current_a,
                    ..
                },
            ) => (t_s, vec![Val::Num(potential_v), Val::Num(current_a)]),
            // Warnings, raw lines and readings of other kinds are not device output.
            _ => return Ok(Flow::Continue),
        };
        if self.pacing.wait(self.wire, t_s) {
            return Err(self.stop(Halt::Abort));
        }
        for (name, value) in self.names.iter().zip(values) {
            self.vars.insert(name.clone(), value);
        }
        let mut package = None;
        let body = self.body;
        if self.body(body, &mut package)? {
            return Ok(Flow::StopStep);
        }
        Ok(Flow::Continue)
    }

    fn interrupted(&self) -> bool {
        self.halt.is_some() || self.wire.aborted()
    }
}
