//! What each MethodSCRIPT device type can do, and checking a plan against it.
//!
//! Takes the device type from the firmware reply (`tespico…`, `tes4_hr…`) or a name given by
//! the user and gives its [`Capabilities`]: EIS frequency range, bandwidth, current ranges,
//! potential range, channel count, the `set_pgstat_mode` values the scripts use. The numbers are
//! nominal datasheet figures written down without a device at hand: they are data, not
//! constants in the code, and a user can replace them (`MethodScriptOptions::capabilities`).
//!
//! [`check_plan`] compares a plan with the capabilities before anything is sent and reports
//! every problem at once, each labelled on the protocol line of its step.

use crate::plan::{Action, Bias, EisSweep, Plan, Step};
use crate::source::{SourceFile, Span};
use crate::units::{Dimension, format_si};
use serde::{Deserialize, Serialize};

/// The MethodSCRIPT device families, by the prefix of their firmware reply.
/// Serialised as the firmware prefix (`es4_hr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeviceType {
    #[serde(rename = "espico")]
    EmStatPico,
    #[serde(rename = "es4_lr")]
    EmStat4Lr,
    #[serde(rename = "es4_hr")]
    EmStat4Hr,
    #[serde(rename = "mes4lr")]
    MultiEmStat4Lr,
    #[serde(rename = "mes4hr")]
    MultiEmStat4Hr,
    #[serde(rename = "nexus1")]
    Nexus,
    #[serde(rename = "senswb")]
    SensitWearable,
    /// The EmStat Pico's bootloader: answers `t` but runs no scripts.
    #[serde(rename = "espbl")]
    Bootloader,
}

/// Firmware prefixes (after the leading `t`) and their device types.
const PREFIXES: [(&str, DeviceType); 8] = [
    ("espico", DeviceType::EmStatPico),
    ("es4_lr", DeviceType::EmStat4Lr),
    ("es4_hr", DeviceType::EmStat4Hr),
    ("mes4lr", DeviceType::MultiEmStat4Lr),
    ("mes4hr", DeviceType::MultiEmStat4Hr),
    ("nexus1", DeviceType::Nexus),
    ("senswb", DeviceType::SensitWearable),
    ("espbl", DeviceType::Bootloader),
];

impl DeviceType {
    /// Splits a firmware string (without the leading `t`) into the device type and the rest.
    pub fn from_firmware(firmware: &str) -> Option<(DeviceType, &str)> {
        PREFIXES
            .iter()
            .find(|(prefix, _)| firmware.starts_with(prefix))
            .map(|(prefix, device)| (*device, &firmware[prefix.len()..]))
    }

    /// The firmware prefix, also accepted as a name (`--device-type es4_hr`).
    pub fn code(self) -> &'static str {
        PREFIXES
            .iter()
            .find(|(_, device)| *device == self)
            .map_or("?", |(prefix, _)| prefix)
    }

    /// Parses a firmware prefix or a readable name (`emstat-pico`, `nexus`…).
    pub fn parse(name: &str) -> Option<DeviceType> {
        let lower = name.to_ascii_lowercase().replace(['-', ' ', '_'], "");
        PREFIXES
            .iter()
            .find(|(prefix, device)| {
                prefix.replace('_', "") == lower
                    || device.name().to_ascii_lowercase().replace(' ', "") == lower
            })
            .map(|(_, device)| *device)
            .or(match lower.as_str() {
                "pico" => Some(DeviceType::EmStatPico),
                "nexus" => Some(DeviceType::Nexus),
                _ => None,
            })
    }

    pub fn name(self) -> &'static str {
        match self {
            DeviceType::EmStatPico => "EmStat Pico",
            DeviceType::EmStat4Lr => "EmStat4 LR",
            DeviceType::EmStat4Hr => "EmStat4 HR",
            DeviceType::MultiEmStat4Lr => "MultiEmStat4 LR",
            DeviceType::MultiEmStat4Hr => "MultiEmStat4 HR",
            DeviceType::Nexus => "Nexus",
            DeviceType::SensitWearable => "Sensit Wearable",
            DeviceType::Bootloader => "EmStat Pico bootloader",
        }
    }

    /// Serial speed: 230400 baud for the Pico family, 921600 for EmStat4 and Nexus.
    pub fn baud(self) -> u32 {
        match self {
            DeviceType::EmStatPico | DeviceType::SensitWearable | DeviceType::Bootloader => 230_400,
            _ => 921_600,
        }
    }

    /// Nominal capabilities of this device type.
    pub fn capabilities(self) -> Capabilities {
        let decades = |from: i32, to: i32| (from..=to).map(|e| 10f64.powi(e)).collect::<Vec<_>>();
        let base = Capabilities {
            device: self,
            min_frequency_hz: 10e-6,
            max_frequency_hz: 200e3,
            max_bandwidth_hz: 200e3,
            max_amplitude_v_rms: 0.25,
            max_potential_v: 3.0,
            max_current_a: 30e-3,
            current_ranges_a: decades(-9, -2),
            channels: 1,
            min_interval_s: 1e-3,
            potentiostatic_mode: 2,
            eis_mode: 3,
            galvanostatic_mode: Some(6),
            runs_scripts: true,
        };
        match self {
            DeviceType::EmStatPico | DeviceType::SensitWearable => Capabilities {
                min_frequency_hz: 16e-3,
                max_potential_v: 1.7,
                max_current_a: 3e-3,
                current_ranges_a: vec![
                    100e-9, 2e-6, 4e-6, 8e-6, 16e-6, 32e-6, 63e-6, 125e-6, 250e-6, 500e-6, 1e-3,
                    5e-3,
                ],
                ..base
            },
            DeviceType::EmStat4Lr => base,
            DeviceType::MultiEmStat4Lr => Capabilities {
                channels: 4,
                ..base
            },
            DeviceType::EmStat4Hr | DeviceType::MultiEmStat4Hr => Capabilities {
                max_potential_v: 6.0,
                max_current_a: 200e-3,
                current_ranges_a: decades(-6, -1),
                channels: if self == DeviceType::MultiEmStat4Hr {
                    4
                } else {
                    1
                },
                ..base
            },
            DeviceType::Nexus => Capabilities {
                max_frequency_hz: 1e6,
                max_bandwidth_hz: 1e6,
                max_amplitude_v_rms: 1.0,
                max_potential_v: 10.0,
                max_current_a: 1.0,
                current_ranges_a: decades(-10, 0),
                ..base
            },
            DeviceType::Bootloader => Capabilities {
                runs_scripts: false,
                ..base
            },
        }
    }
}

/// What a device can do, as the script generator and the plan check need it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capabilities {
    pub device: DeviceType,
    pub min_frequency_hz: f64,
    pub max_frequency_hz: f64,
    /// Highest signal bandwidth (`set_max_bandwidth`).
    pub max_bandwidth_hz: f64,
    pub max_amplitude_v_rms: f64,
    /// Largest |potential| the device applies or measures.
    pub max_potential_v: f64,
    /// Largest |current| the device passes.
    pub max_current_a: f64,
    /// Full-scale current ranges, ascending (`set_range ba`, `set_autoranging ba`).
    pub current_ranges_a: Vec<f64>,
    pub channels: u32,
    /// Shortest sampling interval of a measurement loop.
    pub min_interval_s: f64,
    /// `set_pgstat_mode` for OCP and potentiostatic loops.
    pub potentiostatic_mode: u8,
    /// `set_pgstat_mode` for EIS (high speed).
    pub eis_mode: u8,
    /// `set_pgstat_mode` for galvanostatic loops; `None` when the device has none.
    pub galvanostatic_mode: Option<u8>,
    /// False for a bootloader.
    pub runs_scripts: bool,
}

impl Capabilities {
    /// The smallest current range that holds `current_a`, if any.
    pub fn range_for(&self, current_a: f64) -> Option<f64> {
        self.current_ranges_a
            .iter()
            .copied()
            .find(|range| *range >= current_a.abs() * (1.0 - 1e-9))
    }
}

/// Whether a problem stops the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
}

/// One thing the device cannot do, pointing at the protocol line of its step.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct CapabilityProblem {
    pub message: String,
    /// The step's span (line numbers for [`CapabilityReport::summary`]).
    pub span: Option<Span>,
    pub label: String,
    pub help: Option<String>,
    pub level: Level,
    pub source_code: Option<miette::NamedSource<String>>,
}

// Written by hand because the severity depends on `level`, which the derive cannot express.
impl miette::Diagnostic for CapabilityProblem {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new("mgp::instrument::capability"))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.level {
            Level::Error => miette::Severity::Error,
            Level::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source_code
            .as_ref()
            .map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(Some(self.label.clone()), span),
        )))
    }
}

/// Every problem found by [`check_plan`]; a diagnostic whose `related()` are the problems.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
#[error("the {device} cannot run this protocol as written ({count} problem(s))")]
#[diagnostic(
    code(mgp::instrument::capability),
    help("choose a device that can, or change the protocol; the limits used are nominal figures")
)]
pub struct CapabilityReport {
    pub device: String,
    pub count: usize,
    #[related]
    pub problems: Vec<CapabilityProblem>,
}

impl CapabilityReport {
    /// Attaches the protocol text so that labels render against it.
    pub fn with_source(mut self, source: &SourceFile) -> Self {
        for problem in &mut self.problems {
            if problem.span.is_some_and(|s| s.end <= source.text.len()) {
                problem.source_code = Some(source.named_source());
            }
        }
        self
    }

    /// True when at least one problem is an error (warnings alone do not stop a run).
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.level == Level::Error)
    }

    /// One line per problem (`line 12: …`), for places that cannot render spans.
    pub fn summary(&self) -> String {
        self.problems
            .iter()
            .map(|p| match p.span {
                Some(span) => format!("line {}: {}", span.line, p.message),
                None => p.message.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Checks every step of `plan` against `caps`. Returns all problems (errors and warnings) or
/// `Ok(())` when there are none.
pub fn check_plan(plan: &Plan, caps: &Capabilities) -> Result<(), CapabilityReport> {
    let mut problems = Vec::new();
    let mut push =
        |level, span: Option<Span>, message: String, label: &str, help: Option<String>| {
            // Steps unrolled from one line (a repeat, a series) report a problem once.
            let seen = |p: &CapabilityProblem| p.span == span && p.message == message;
            if problems.iter().any(seen) {
                return;
            }
            problems.push(CapabilityProblem {
                message,
                span,
                label: label.to_string(),
                help,
                level,
                source_code: None,
            })
        };
    let device = caps.device.name();
    if !caps.runs_scripts {
        push(
            Level::Error,
            None,
            format!("the {device} runs no measurement scripts"),
            "",
            Some("restart the device so that it leaves its bootloader".into()),
        );
    }
    for step in &plan.steps {
        let span = Some(step.span);
        match &step.action {
            Action::Eis(sweep) => check_sweep(step, sweep, caps, &mut push),
            Action::Rest(rest) => {
                if let Some(repeat) = &rest.eis {
                    check_sweep(step, &repeat.sweep, caps, &mut push);
                }
                if let Some(interval) = rest.sample_interval_s {
                    check_interval(span, interval, caps, &mut push);
                }
            }
            Action::Galvanostatic(g) => {
                let current = format_si(g.current_a, Dimension::Current);
                if caps.galvanostatic_mode.is_none() {
                    push(
                        Level::Error,
                        span,
                        format!("the {device} has no galvanostatic mode"),
                        "galvanostatic step",
                        None,
                    );
                }
                if g.current_a.abs() > caps.max_current_a || caps.range_for(g.current_a).is_none() {
                    push(
                        Level::Error,
                        span,
                        format!(
                            "{current} is more than the {device} can pass ({})",
                            format_si(caps.max_current_a, Dimension::Current)
                        ),
                        "current too large",
                        Some("use a smaller electrode area or a lower current density".into()),
                    );
                }
                for limit in &g.limits {
                    check_limit(span, limit.max_abs_v, caps, &mut push);
                }
                check_interval(span, g.sample_interval_s, caps, &mut push);
            }
            Action::Voltammetry(v) => {
                let (lo, hi) = v.window_v();
                check_applied(span, lo.abs().max(hi.abs()), caps, &mut push);
                check_interval(span, v.sample_interval_s, caps, &mut push);
            }
            Action::Potentiostatic(p) => {
                check_applied(span, p.potential_v.abs(), caps, &mut push);
                check_interval(span, p.sample_interval_s, caps, &mut push);
            }
            Action::Addition(_) | Action::Prompt { .. } | Action::Temperature(_) => {}
        }
    }
    if let Some(limit) = plan.limits.max_abs_potential_v {
        check_limit(None, limit, caps, &mut push);
    }
    let measured = measured_cells(plan);
    if measured.len() > caps.channels as usize {
        push(
            Level::Warning,
            None,
            format!(
                "the protocol measures {} cells but the {device} has {} channel(s): the operator \
                 is asked to reconnect the cell whenever the measured cell changes",
                measured.len(),
                caps.channels
            ),
            "",
            None,
        );
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CapabilityReport {
            device: device.to_string(),
            count: problems.len(),
            problems,
        })
    }
}

/// Names of the cells that measurement steps act on, in order of first use (the channel order).
pub fn measured_cells(plan: &Plan) -> Vec<String> {
    let mut cells: Vec<String> = Vec::new();
    for step in &plan.steps {
        if is_measurement(step) && !cells.contains(&step.cell) {
            cells.push(step.cell.clone());
        }
    }
    cells
}

fn is_measurement(step: &Step) -> bool {
    match &step.action {
        Action::Eis(_)
        | Action::Galvanostatic(_)
        | Action::Voltammetry(_)
        | Action::Potentiostatic(_) => true,
        Action::Rest(rest) => rest.sample_interval_s.is_some() || rest.eis.is_some(),
        Action::Addition(_) | Action::Prompt { .. } | Action::Temperature(_) => false,
    }
}

type Push<'a> = dyn FnMut(Level, Option<Span>, String, &str, Option<String>) + 'a;

fn check_sweep(step: &Step, sweep: &EisSweep, caps: &Capabilities, push: &mut Push<'_>) {
    let span = Some(step.span);
    let device = caps.device.name();
    let hz = |f| format_si(f, Dimension::Frequency);
    let max = sweep
        .frequencies_hz
        .iter()
        .copied()
        .fold(f64::NAN, f64::max);
    let min = sweep
        .frequencies_hz
        .iter()
        .copied()
        .fold(f64::NAN, f64::min);
    let top = caps.max_frequency_hz.min(caps.max_bandwidth_hz);
    if max > top * (1.0 + 1e-9) {
        push(
            Level::Error,
            span,
            format!(
                "the sweep reaches {} but the {device} stops at {}",
                hz(max),
                hz(top)
            ),
            "frequency too high",
            Some(format!("start the sweep at {} or below", hz(top))),
        );
    }
    if min < caps.min_frequency_hz * (1.0 - 1e-9) {
        push(
            Level::Error,
            span,
            format!(
                "the sweep reaches {} but the {device} measures down to {} only",
                hz(min),
                hz(caps.min_frequency_hz)
            ),
            "frequency too low",
            None,
        );
    }
    if sweep.amplitude_v_rms > caps.max_amplitude_v_rms {
        push(
            Level::Error,
            span,
            format!(
                "an amplitude of {} rms is more than the {device} applies ({} rms)",
                format_si(sweep.amplitude_v_rms, Dimension::Potential),
                format_si(caps.max_amplitude_v_rms, Dimension::Potential)
            ),
            "amplitude too large",
            None,
        );
    }
    if let Bias::Absolute { potential_v } | Bias::VsOpenCircuit { potential_v } = sweep.bias {
        if potential_v.abs() > caps.max_potential_v {
            push(
                Level::Error,
                span,
                format!(
                    "a DC level of {} is outside the {device}'s range (±{})",
                    format_si(potential_v, Dimension::Potential),
                    format_si(caps.max_potential_v, Dimension::Potential)
                ),
                "DC level out of range",
                None,
            );
        }
    }
}

/// A potential the device must apply (a sweep's vertex, a hold's level) within its range.
fn check_applied(span: Option<Span>, abs_v: f64, caps: &Capabilities, push: &mut Push<'_>) {
    if abs_v > caps.max_potential_v {
        push(
            Level::Error,
            span,
            format!(
                "a potential of {} is beyond what the {} can apply (±{})",
                format_si(abs_v, Dimension::Potential),
                caps.device.name(),
                format_si(caps.max_potential_v, Dimension::Potential)
            ),
            "potential out of range",
            Some("narrow the potential window, or use a device with a wider range".into()),
        );
    }
}

fn check_limit(span: Option<Span>, limit_v: f64, caps: &Capabilities, push: &mut Push<'_>) {
    if limit_v > caps.max_potential_v {
        push(
            Level::Error,
            span,
            format!(
                "a limit of {} cannot be enforced: the {} measures up to ±{}",
                format_si(limit_v, Dimension::Potential),
                caps.device.name(),
                format_si(caps.max_potential_v, Dimension::Potential)
            ),
            "limit beyond the device's range",
            None,
        );
    }
}

fn check_interval(span: Option<Span>, interval_s: f64, caps: &Capabilities, push: &mut Push<'_>) {
    if interval_s < caps.min_interval_s {
        push(
            Level::Error,
            span,
            format!(
                "sampling every {} is faster than the {} can ({})",
                format_si(interval_s, Dimension::Time),
                caps.device.name(),
                format_si(caps.min_interval_s, Dimension::Time)
            ),
            "interval too short",
            None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firmware_prefixes_name_the_device() {
        let (device, rest) = DeviceType::from_firmware("es4_hr1.3#Jan 1 2024").unwrap();
        assert_eq!(device, DeviceType::EmStat4Hr);
        assert_eq!(rest, "1.3#Jan 1 2024");
        assert_eq!(device.baud(), 921_600);
        assert_eq!(
            DeviceType::from_firmware("espico1.2").unwrap().0.baud(),
            230_400
        );
        assert_eq!(DeviceType::from_firmware("xyz"), None);
        assert_eq!(
            DeviceType::parse("EmStat-Pico"),
            Some(DeviceType::EmStatPico)
        );
        assert_eq!(DeviceType::parse("es4_lr"), Some(DeviceType::EmStat4Lr));
        assert_eq!(DeviceType::parse("nexus"), Some(DeviceType::Nexus));
    }

    #[test]
    fn range_for_picks_the_smallest_that_holds() {
        let caps = DeviceType::EmStatPico.capabilities();
        assert_eq!(caps.range_for(0.9e-3), Some(1e-3));
        assert_eq!(caps.range_for(1e-3), Some(1e-3));
        assert_eq!(caps.range_for(-3e-6), Some(4e-6));
        assert_eq!(caps.range_for(6e-3), None);
    }
}
