//! Writing MethodSCRIPT for plan steps.
//!
//! Takes one instrument request (an open-circuit rest, an EIS sweep, a galvanostatic hold) and
//! gives a [`Script`]: the lines the host sends between `e` and the closing empty line, plus
//! what the host should expect back ([`Expect`], for its silence timeout). Every script starts
//! with a header comment, `# mgp step=N cell=NAME kind=KIND connection=…`, which a device
//! ignores and the emulator reads to know which simulated cell is connected ([`Header`]).
//! Numbers are SI-prefixed literals ([`super::value::literal`]).
//!
//! Whole plans are written by [`super::emit`] (re-exported here); the header line is
//! [`super::header`].
//!
//! Choices the public sources leave open are [`ScriptOptions`]: whether the EIS amplitude is
//! RMS or peak, whether `meas_loop_eis` spaces its frequencies logarithmically (else one
//! single-frequency loop per point is written), and the literal style.

pub use super::emit::{
    EmittedScript, RestSegment, ScriptErrors, limits_in_force, render, rest_segments,
    scripts_for_plan, scripts_for_plan_with,
};
pub use super::header::{Header, ScriptKind};

use super::capabilities::{Capabilities, DeviceType};
pub use super::script_potential::{potentiostatic_script, voltammetry_script};
use super::value::{self, LiteralStyle};
use crate::plan::{
    Bias, Cell, Connection, EisSweep, EisTiming, Galvanostatic, PotentialLimit, Role, StopCondition,
};
use crate::units::{Dimension, format_duration, format_si};
use serde::{Deserialize, Serialize};

/// How EIS frequencies are given to the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EisFrequencies {
    /// One `meas_loop_eis` from the first to the last frequency with n points, as in
    /// PalmSens' EIS example. Assumes log spacing (used only when the plan's list is
    /// log-spaced; otherwise `PerFrequency` is used for that sweep).
    #[default]
    Sweep,
    /// One single-point `meas_loop_eis` per frequency: exact whatever the device's spacing.
    PerFrequency,
}

/// What the amplitude argument of `meas_loop_eis` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Amplitude {
    /// RMS (the `dd` variable type is documented as Vrms).
    #[default]
    Rms,
    /// Peak: the plan's RMS value × √2 is written.
    Peak,
}

/// Choices for script generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScriptOptions {
    /// Device the scripts are for (ranges and modes).
    pub capabilities: Capabilities,
    pub literal_style: LiteralStyle,
    pub eis_frequencies: EisFrequencies,
    pub amplitude: Amplitude,
    /// Length of the OCP measurement that sets the DC level of an EIS sweep at (or relative
    /// to) open circuit.
    pub ocp_before_eis_s: f64,
    /// Also end a galvanostatic loop on the device when |E| reaches a limit (`breakloop`);
    /// the host checks the limits either way.
    pub device_limits: bool,
    /// Longest line the device accepts (128 in PalmSens' C host library).
    pub max_line_chars: usize,
}

impl Default for ScriptOptions {
    fn default() -> Self {
        ScriptOptions::for_device(DeviceType::Nexus)
    }
}

impl ScriptOptions {
    pub fn for_device(device: DeviceType) -> Self {
        ScriptOptions {
            capabilities: device.capabilities(),
            literal_style: LiteralStyle::Integer,
            eis_frequencies: EisFrequencies::Sweep,
            amplitude: Amplitude::Rms,
            ocp_before_eis_s: 0.1,
            device_limits: true,
            max_line_chars: 128,
        }
    }
}

/// What the host should receive while a script runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// One package every `interval_s` for `duration_s` (OCP, galvanostatic).
    Samples { interval_s: f64, duration_s: f64 },
    /// No packages for `duration_s` (a rest that records nothing).
    Silent { duration_s: f64 },
    /// One package per frequency; `gaps_s[k]` is the planned time before point k.
    Eis {
        frequencies_hz: Vec<f64>,
        gaps_s: Vec<f64>,
    },
    /// Only the end of output.
    Nothing,
}

impl Expect {
    /// Planned time until package `index` (0-based) arrives, counted from the previous one.
    pub fn gap_s(&self, index: usize) -> f64 {
        match self {
            Expect::Samples { interval_s, .. } => *interval_s,
            Expect::Silent { duration_s } => *duration_s,
            Expect::Eis { gaps_s, .. } => gaps_s.get(index).copied().unwrap_or(0.0),
            Expect::Nothing => 0.0,
        }
    }

    /// How many packages the script sends when it runs to its end.
    pub fn planned_packages(&self) -> usize {
        match self {
            Expect::Samples {
                interval_s,
                duration_s,
            } => (duration_s / interval_s + 1e-9).floor() as usize,
            Expect::Eis { gaps_s, .. } => gaps_s.len(),
            Expect::Silent { .. } | Expect::Nothing => 0,
        }
    }

    /// Planned device time from the script's start to package `index` (0-based).
    pub fn planned_at_s(&self, index: usize) -> f64 {
        match self {
            Expect::Samples { interval_s, .. } => (index + 1) as f64 * interval_s,
            Expect::Eis { gaps_s, .. } => gaps_s.iter().take(index + 1).sum(),
            Expect::Silent { duration_s } => *duration_s,
            Expect::Nothing => 0.0,
        }
    }

    /// Planned device time of the whole script, run to its end.
    pub fn duration_s(&self) -> f64 {
        match self {
            Expect::Samples { duration_s, .. } | Expect::Silent { duration_s } => *duration_s,
            Expect::Eis { gaps_s, .. } => gaps_s.iter().sum(),
            Expect::Nothing => 0.0,
        }
    }
}

/// A script ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    pub header: Header,
    /// The lines between `e` and the closing empty line, header first.
    pub lines: Vec<String>,
    pub expect: Expect,
}

impl Script {
    /// The script lines joined, each ending in `\n`.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// Exactly what goes over the wire: `e`, the lines, an empty line.
    pub fn wire(&self) -> String {
        format!("e\n{}\n", self.text())
    }
}

/// A script cannot be written.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code(mgp::methodscript::script))]
pub struct ScriptError {
    pub message: String,
    pub step: Option<usize>,
    #[label("this step")]
    pub at: Option<miette::SourceSpan>,
    #[help]
    pub help: Option<String>,
}

/// Where a script goes: which step (for the header), which channel.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub options: &'a ScriptOptions,
    pub step: Option<usize>,
    pub cell: &'a Cell,
    pub channel: u32,
    pub eis_timing: &'a EisTiming,
}

/// Collects lines; literal errors carry the step.
pub(super) struct Writer<'a> {
    pub(super) target: Target<'a>,
    lines: Vec<String>,
}

impl<'a> Writer<'a> {
    pub(super) fn new(
        target: Target<'a>,
        kind: ScriptKind,
        connection: Option<Connection>,
    ) -> (Self, Header) {
        let header = Header {
            step: target.step,
            cell: Some(target.cell.name.clone()),
            kind,
            connection,
        };
        let writer = Writer {
            target,
            lines: vec![header.line()],
        };
        (writer, header)
    }

    pub(super) fn line(&mut self, text: impl Into<String>) {
        self.lines.push(text.into());
    }

    pub(super) fn lit(&self, value: f64) -> Result<String, ScriptError> {
        value::literal(value, self.target.options.literal_style).ok_or_else(|| ScriptError {
            message: format!("{value} cannot be written as a MethodSCRIPT number"),
            step: self.target.step,
            at: None,
            help: None,
        })
    }

    pub(super) fn finish(self, header: Header, expect: Expect) -> Result<Script, ScriptError> {
        let max = self.target.options.max_line_chars;
        if let Some((n, line)) = self.lines.iter().enumerate().find(|(_, l)| l.len() > max) {
            return Err(ScriptError {
                message: format!(
                    "line {} of the script is {} characters long; the device reads at most {max}",
                    n + 1,
                    line.len()
                ),
                step: self.target.step,
                at: None,
                help: Some("use a shorter cell name".into()),
            });
        }
        Ok(Script {
            header,
            lines: self.lines,
            expect,
        })
    }

    pub(super) fn preamble(&mut self, mode: u8) {
        self.line(format!("set_pgstat_chan {}", self.target.channel));
        self.line(format!("set_pgstat_mode {mode}"));
    }

    pub(super) fn on_finished(&mut self) {
        self.line("on_finished:");
        self.line("  cell_off");
    }
}

/// Open circuit on `cell` for `duration_s`; records the potential every `sample_interval_s`,
/// or nothing (the device still keeps the time, so a rest is the same on every instrument).
pub fn rest_script(
    target: Target<'_>,
    duration_s: f64,
    sample_interval_s: Option<f64>,
) -> Result<Script, ScriptError> {
    let kind = if sample_interval_s.is_some() {
        ScriptKind::Ocp
    } else {
        ScriptKind::Rest
    };
    let connection = Some(target.cell.default_connection);
    let (mut w, header) = Writer::new(target, kind, connection);
    let caps = &target.options.capabilities;
    let interval = sample_interval_s
        .unwrap_or(duration_s)
        .max(caps.min_interval_s);
    w.line(format!(
        "# open circuit for {}{}",
        format_duration(duration_s),
        match sample_interval_s {
            Some(i) => format!(", potential every {}", format_si(i, Dimension::Time)),
            None => ", nothing recorded".to_string(),
        }
    ));
    w.line("var p");
    w.preamble(caps.potentiostatic_mode);
    // OCP needs the cell off.
    w.line("cell_off");
    w.line(format!(
        "meas_loop_ocp p {} {}",
        w.lit(interval)?,
        w.lit(duration_s)?
    ));
    if sample_interval_s.is_some() {
        w.line("  pck_start");
        w.line("  pck_add p");
        w.line("  pck_end");
    }
    w.line("endloop");
    w.on_finished();
    let expect = match sample_interval_s {
        Some(interval_s) => Expect::Samples {
            interval_s,
            duration_s,
        },
        None => Expect::Silent { duration_s },
    };
    w.finish(header, expect)
}

/// One impedance sweep.
pub fn eis_script(target: Target<'_>, sweep: &EisSweep) -> Result<Script, ScriptError> {
    let options = target.options;
    let caps = &options.capabilities;
    let (mut w, header) = Writer::new(target, ScriptKind::Eis, Some(sweep.connection));
    let freqs = &sweep.frequencies_hz;
    let (Some(&first), Some(&last)) = (freqs.first(), freqs.last()) else {
        return Err(ScriptError {
            message: "an EIS sweep without frequencies".into(),
            step: target.step,
            at: None,
            help: None,
        });
    };
    let amplitude = match options.amplitude {
        Amplitude::Rms => sweep.amplitude_v_rms,
        Amplitude::Peak => sweep.amplitude_v_rms * std::f64::consts::SQRT_2,
    };
    let hz = |f| format_si(f, Dimension::Frequency);
    w.line(format!(
        "# {} frequencies {} -> {}, {} rms, DC {}",
        freqs.len(),
        hz(first),
        hz(last),
        format_si(sweep.amplitude_v_rms, Dimension::Potential),
        bias_text(sweep.bias)
    ));
    for var in ["f", "zre", "zim", "e_dc"] {
        w.line(format!("var {var}"));
    }
    let at_ocp = !matches!(sweep.bias, Bias::Absolute { .. });
    if at_ocp {
        w.line("var e_ocp");
    }
    w.line(format!("store_var amp {} ja", w.lit(amplitude)?));
    let offset = match sweep.bias {
        Bias::OpenCircuit => 0.0,
        Bias::VsOpenCircuit { potential_v } | Bias::Absolute { potential_v } => potential_v,
    };
    w.line(format!("store_var e_dc {} ja", w.lit(offset)?));
    let single_loop =
        options.eis_frequencies == EisFrequencies::Sweep && is_log_spaced(freqs) && freqs.len() > 1;
    if single_loop {
        w.line(format!("store_var f_first {} ja", w.lit(first)?));
        w.line(format!("store_var f_last {} ja", w.lit(last)?));
        w.line(format!(
            "store_var n_f {} ja",
            value::integer(freqs.len() as i64)
        ));
    } else {
        w.line("var f_set");
        w.line(format!("store_var n_f {} ja", value::integer(1)));
    }
    if at_ocp {
        // The DC level is the open-circuit potential (plus the offset): measure it first,
        // with the cell off as OCP requires.
        w.preamble(caps.potentiostatic_mode);
        w.line("cell_off");
        let t = options.ocp_before_eis_s.max(caps.min_interval_s);
        w.line(format!("meas_loop_ocp e_ocp {} {}", w.lit(t)?, w.lit(t)?));
        w.line("endloop");
        w.line("add_var e_dc e_ocp");
        w.line(format!("set_pgstat_mode {}", caps.eis_mode));
    } else {
        w.preamble(caps.eis_mode);
    }
    let bandwidth = caps.max_bandwidth_hz.min(caps.max_frequency_hz);
    w.line(format!("set_max_bandwidth {}", w.lit(bandwidth)?));
    w.line("set_range_minmax da e_dc e_dc");
    if let (Some(&low), Some(&high)) = (caps.current_ranges_a.first(), caps.current_ranges_a.last())
    {
        w.line(format!("set_range ba {}", w.lit(high)?));
        w.line(format!(
            "set_autoranging ba {} {}",
            w.lit(low)?,
            w.lit(high)?
        ));
    }
    w.line("set_e e_dc");
    w.line("cell_on");
    let body = |w: &mut Writer<'_>| {
        w.line("  pck_start");
        w.line("  pck_add f");
        w.line("  pck_add zre");
        w.line("  pck_add zim");
        w.line("  pck_end");
        w.line("endloop");
    };
    if single_loop {
        w.line("meas_loop_eis f zre zim amp f_first f_last n_f e_dc");
        body(&mut w);
    } else {
        for &f in freqs {
            w.line(format!("store_var f_set {} ja", w.lit(f)?));
            w.line("meas_loop_eis f zre zim amp f_set f_set n_f e_dc");
            body(&mut w);
        }
    }
    w.on_finished();
    let timing = target.eis_timing;
    let mut gaps_s: Vec<f64> = freqs.iter().map(|&f| timing.point_duration_s(f)).collect();
    if let Some(first_gap) = gaps_s.first_mut() {
        *first_gap += timing.settle_s
            + if at_ocp {
                options.ocp_before_eis_s
            } else {
                0.0
            };
    }
    w.finish(
        header,
        Expect::Eis {
            frequencies_hz: freqs.clone(),
            gaps_s,
        },
    )
}

fn bias_text(bias: Bias) -> String {
    match bias {
        Bias::OpenCircuit => "at open circuit".into(),
        Bias::VsOpenCircuit { potential_v } => {
            format!(
                "{} vs open circuit",
                format_si(potential_v, Dimension::Potential)
            )
        }
        Bias::Absolute { potential_v } => format_si(potential_v, Dimension::Potential),
    }
}

/// True when consecutive ratios agree (the plan's `log_frequencies` output).
fn is_log_spaced(freqs: &[f64]) -> bool {
    if freqs.len() < 3 {
        return true;
    }
    let ratio = freqs[1] / freqs[0];
    freqs
        .windows(2)
        .all(|w| ((w[1] / w[0]) / ratio - 1.0).abs() < 1e-6)
}

/// The signed current the device applies: positive (anodic at the working electrode) when
/// the working electrode strips.
pub fn signed_current(step: &Galvanostatic) -> f64 {
    match step.stripping {
        Role::Working => step.current_a.abs(),
        Role::Counter => -step.current_a.abs(),
    }
}

/// The tightest |E| at which the hold must end: the limits in force. (A potential stop is a
/// signed cut-off: see [`cutoff`].)
pub fn tightest_limit(_step: &Galvanostatic, limits: &[PotentialLimit]) -> Option<f64> {
    limits.iter().map(|l| l.max_abs_v.abs()).reduce(f64::min)
}

/// The signed potential cut-off of a galvanostatic step, if it stops on one.
pub fn cutoff(step: &Galvanostatic) -> Option<f64> {
    match step.stop {
        StopCondition::Potential { limit_v, .. } => Some(limit_v),
        _ => None,
    }
}

/// A constant-current hold for at most `duration_s`.
pub fn galvanostatic_script(
    target: Target<'_>,
    step: &Galvanostatic,
    duration_s: f64,
    limits: &[PotentialLimit],
) -> Result<Script, ScriptError> {
    let options = target.options;
    let caps = &options.capabilities;
    let (mut w, header) = Writer::new(target, ScriptKind::Galvanostatic, Some(step.connection));
    let current = signed_current(step);
    let fail = |message: String| ScriptError {
        message,
        step: target.step,
        at: None,
        help: None,
    };
    let mode = caps.galvanostatic_mode.ok_or_else(|| {
        fail(format!(
            "the {} has no galvanostatic mode",
            caps.device.name()
        ))
    })?;
    let range = caps.range_for(current).ok_or_else(|| {
        fail(format!(
            "{} needs a current range the {} does not have",
            format_si(current.abs(), Dimension::Current),
            caps.device.name()
        ))
    })?;
    let limit = tightest_limit(step, limits);
    let cut = cutoff(step);
    w.line(format!(
        "# {} for at most {}, {} electrode strips{}{}",
        format_si(current, Dimension::Current),
        format_duration(duration_s),
        match step.stripping {
            Role::Working => "working",
            Role::Counter => "counter",
        },
        match limit {
            Some(v) => format!(", ends at |E| >= {}", format_si(v, Dimension::Potential)),
            None => String::new(),
        },
        match cut {
            Some(v) => format!(", stops at E = {}", format_si(v, Dimension::Potential)),
            None => String::new(),
        }
    ));
    w.line("var p");
    w.line("var c");
    w.line(format!("store_var i_dc {} ja", w.lit(current)?));
    w.preamble(mode);
    w.line(format!("set_range ba {}", w.lit(range)?));
    w.line("cell_on");
    w.line(format!(
        "meas_loop_cp p c i_dc {} {}",
        w.lit(step.sample_interval_s)?,
        w.lit(duration_s)?
    ));
    w.line("  pck_start");
    w.line("  pck_add p");
    w.line("  pck_add c");
    w.line("  pck_end");
    if let (Some(limit), true) = (limit, options.device_limits) {
        w.line(format!("  if p >= {}", w.lit(limit)?));
        w.line("    breakloop");
        w.line("  endif");
        w.line(format!("  if p <= {}", w.lit(-limit)?));
        w.line("    breakloop");
        w.line("  endif");
    }
    if let Some(cut) = cut {
        // A signed cut-off ends the step where it is reached, and only there.
        let op = if cut >= 0.0 { ">=" } else { "<=" };
        w.line(format!("  if p {op} {}", w.lit(cut)?));
        w.line("    breakloop");
        w.line("  endif");
    }
    w.line("endloop");
    w.on_finished();
    w.finish(
        header,
        Expect::Samples {
            interval_s: step.sample_interval_s,
            duration_s,
        },
    )
}

/// Switches the cell off (sent after an abort, whatever ran).
pub fn cell_off_script(channel: u32) -> Script {
    let header = Header {
        step: None,
        cell: None,
        kind: ScriptKind::CellOff,
        connection: None,
    };
    Script {
        lines: vec![
            header.line(),
            format!("set_pgstat_chan {channel}"),
            "cell_off".to_string(),
        ],
        header,
        expect: Expect::Nothing,
    }
}
