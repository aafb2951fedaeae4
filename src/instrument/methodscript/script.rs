//! Writing MethodSCRIPT for plan steps.
//!
//! Takes one instrument request (an open-circuit rest, an EIS sweep, a galvanostatic hold) and
//! gives a [`Script`]: the lines the host sends between `e` and the closing empty line, plus
//! what the host should expect back ([`Expect`], for its silence timeout). Every script starts
//! with a header comment, `# mgp step=N cell=NAME kind=KIND connection=…`, which a device
//! ignores and the emulator reads to know which simulated cell is connected ([`Header`]).
//! Numbers are SI-prefixed literals ([`super::value::literal`]).
//!
//! [`scripts_for_plan`] turns a whole plan into the scripts a run would send, in order (for
//! `mgp run --emit-methodscript`); [`render`] prints them exactly as they go over the wire.
//!
//! Choices the public sources leave open are [`ScriptOptions`]: whether the EIS amplitude is
//! RMS or peak, whether `meas_loop_eis` spaces its frequencies logarithmically (else one
//! single-frequency loop per point is written), and the literal style.

use super::capabilities::{Capabilities, DeviceType};
use super::value::{self, LiteralStyle};
use crate::plan::{
    Action, Bias, Cell, Connection, EisSweep, EisTiming, Galvanostatic, OnLimit, Plan,
    PotentialLimit, Rest, Role, StopCondition,
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

/// What a script does (the header's `kind=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScriptKind {
    /// Open-circuit potential, recorded.
    Ocp,
    /// Open circuit, nothing recorded (the device keeps time).
    Rest,
    Eis,
    Galvanostatic,
    /// Switch the cell off (after an abort).
    CellOff,
    /// Not a script: a step for the operator (listed by `scripts_for_plan` only).
    Operator,
}

impl ScriptKind {
    pub fn name(self) -> &'static str {
        match self {
            ScriptKind::Ocp => "ocp",
            ScriptKind::Rest => "rest",
            ScriptKind::Eis => "eis",
            ScriptKind::Galvanostatic => "galvanostatic",
            ScriptKind::CellOff => "cell_off",
            ScriptKind::Operator => "operator",
        }
    }

    fn parse(name: &str) -> Option<ScriptKind> {
        [
            ScriptKind::Ocp,
            ScriptKind::Rest,
            ScriptKind::Eis,
            ScriptKind::Galvanostatic,
            ScriptKind::CellOff,
            ScriptKind::Operator,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }
}

/// The first line of every script: `# mgp step=N cell=NAME kind=KIND [connection=…]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub step: Option<usize>,
    pub cell: Option<String>,
    pub kind: ScriptKind,
    pub connection: Option<Connection>,
}

impl Header {
    /// The comment line.
    pub fn line(&self) -> String {
        let mut out = String::from("# mgp");
        if let Some(step) = self.step {
            out.push_str(&format!(" step={step}"));
        }
        if let Some(cell) = &self.cell {
            out.push_str(&format!(" cell={}", quote(cell)));
        }
        out.push_str(&format!(" kind={}", self.kind.name()));
        if let Some(connection) = self.connection {
            out.push_str(&format!(" connection={}", connection_name(connection)));
        }
        out
    }

    /// Reads a header line back; `None` when the line is not one.
    pub fn parse(line: &str) -> Option<Header> {
        let rest = line
            .trim()
            .strip_prefix('#')?
            .trim_start()
            .strip_prefix("mgp ")?;
        let mut header = Header {
            step: None,
            cell: None,
            kind: ScriptKind::Rest,
            connection: None,
        };
        let mut kind = None;
        for (key, value) in tokens(rest)? {
            match key.as_str() {
                "step" => header.step = Some(value.parse().ok()?),
                "cell" => header.cell = Some(value),
                "kind" => kind = Some(ScriptKind::parse(&value)?),
                "connection" => {
                    header.connection = Some(match value.as_str() {
                        "two_electrode" => Connection::TwoElectrode,
                        "three_electrode" => Connection::ThreeElectrode,
                        _ => return None,
                    })
                }
                _ => {}
            }
        }
        header.kind = kind?;
        Some(header)
    }
}

fn connection_name(connection: Connection) -> &'static str {
    match connection {
        Connection::TwoElectrode => "two_electrode",
        Connection::ThreeElectrode => "three_electrode",
    }
}

/// Writes a header value bare when it is a simple word, else as a JSON string.
fn quote(value: &str) -> String {
    let simple = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.:/+".contains(c));
    if simple {
        value.to_string()
    } else {
        serde_json::Value::String(value.to_string()).to_string()
    }
}

/// Splits `key=value key="quoted value"` into pairs.
fn tokens(text: &str) -> Option<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let eq = rest.find('=')?;
        let key = rest[..eq].to_string();
        rest = &rest[eq + 1..];
        let value = if rest.starts_with('"') {
            let mut stream =
                serde_json::Deserializer::from_str(rest).into_iter::<serde_json::Value>();
            let value = stream.next()?.ok()?;
            let used = stream.byte_offset();
            rest = &rest[used..];
            value.as_str()?.to_string()
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let value = rest[..end].to_string();
            rest = &rest[end..];
            value
        };
        pairs.push((key, value));
        rest = rest.trim_start();
    }
    Some(pairs)
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
struct Writer<'a> {
    target: Target<'a>,
    lines: Vec<String>,
}

impl<'a> Writer<'a> {
    fn new(target: Target<'a>, kind: ScriptKind, connection: Option<Connection>) -> (Self, Header) {
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

    fn line(&mut self, text: impl Into<String>) {
        self.lines.push(text.into());
    }

    fn lit(&self, value: f64) -> Result<String, ScriptError> {
        value::literal(value, self.target.options.literal_style).ok_or_else(|| ScriptError {
            message: format!("{value} cannot be written as a MethodSCRIPT number"),
            step: self.target.step,
            at: None,
            help: None,
        })
    }

    fn finish(self, header: Header, expect: Expect) -> Result<Script, ScriptError> {
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

    fn preamble(&mut self, mode: u8) {
        self.line(format!("set_pgstat_chan {}", self.target.channel));
        self.line(format!("set_pgstat_mode {mode}"));
    }

    fn on_finished(&mut self) {
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

/// The tightest |E| at which the hold must end: limits in force and a potential stop.
pub fn tightest_limit(step: &Galvanostatic, limits: &[PotentialLimit]) -> Option<f64> {
    let stop = match step.stop {
        StopCondition::Potential { limit_v, .. } => Some(limit_v.abs()),
        _ => None,
    };
    limits
        .iter()
        .map(|l| l.max_abs_v.abs())
        .chain(stop)
        .reduce(f64::min)
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
    w.line(format!(
        "# {} for at most {}, {} electrode strips{}",
        format_si(current, Dimension::Current),
        format_duration(duration_s),
        match step.stripping {
            Role::Working => "working",
            Role::Counter => "counter",
        },
        match limit {
            Some(v) => format!(", ends at |E| >= {}", format_si(v, Dimension::Potential)),
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

/// A part of a rest step, in the order the interpreter runs them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RestSegment {
    /// Open circuit for this long.
    OpenCircuit { duration_s: f64 },
    /// One sweep of the rest's EIS repeat.
    Sweep,
}

/// Splits a rest into open-circuit stretches and EIS sweeps: a sweep starts at each offset,
/// the open circuit fills the time between. Segments shorter than 1 ms are dropped.
pub fn rest_segments(step_duration_s: f64, rest: &Rest) -> Vec<RestSegment> {
    let mut segments = Vec::new();
    let mut cursor = 0.0;
    if let Some(repeat) = &rest.eis {
        for &offset in &repeat.sweep_offsets_s {
            if offset - cursor > 1e-3 {
                segments.push(RestSegment::OpenCircuit {
                    duration_s: offset - cursor,
                });
            }
            segments.push(RestSegment::Sweep);
            cursor = offset.max(cursor) + repeat.sweep.duration_s;
        }
    }
    if step_duration_s - cursor > 1e-3 {
        segments.push(RestSegment::OpenCircuit {
            duration_s: step_duration_s - cursor,
        });
    }
    segments
}

/// All limits in force for a galvanostatic step: its own and the plan's global one.
pub fn limits_in_force(plan: &Plan, step: &Galvanostatic) -> Vec<PotentialLimit> {
    let mut limits = step.limits.clone();
    if let Some(max_abs_v) = plan.limits.max_abs_potential_v {
        limits.push(PotentialLimit {
            max_abs_v,
            on_limit: plan.limits.on_limit.unwrap_or(OnLimit::Abort),
        });
    }
    limits
}

/// One entry of [`scripts_for_plan`].
#[derive(Debug, Clone, PartialEq)]
pub struct EmittedScript {
    /// Index of the plan step.
    pub step: usize,
    pub cell: String,
    pub kind: ScriptKind,
    /// Source span of the step.
    pub span: crate::source::Span,
    /// The script (`None` for operator steps, which send nothing).
    pub script: Option<Script>,
    /// What the operator is asked, for operator steps.
    pub operator: Option<String>,
}

/// Every problem found while writing a plan's scripts.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
#[error("{} step(s) cannot be written as MethodSCRIPT", errors.len())]
#[diagnostic(code(mgp::methodscript::script))]
pub struct ScriptErrors {
    #[related]
    pub errors: Vec<ScriptError>,
}

/// The scripts a run of `plan` sends, in order, for the default device ([`ScriptOptions`]).
pub fn scripts_for_plan(plan: &Plan) -> Result<Vec<EmittedScript>, ScriptErrors> {
    scripts_for_plan_with(plan, &ScriptOptions::default())
}

/// As [`scripts_for_plan`], for a chosen device and options.
pub fn scripts_for_plan_with(
    plan: &Plan,
    options: &ScriptOptions,
) -> Result<Vec<EmittedScript>, ScriptErrors> {
    let channels = super::capabilities::measured_cells(plan);
    let separate = channels.len() <= options.capabilities.channels as usize;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for step in &plan.steps {
        let Some(cell) = plan.cell(&step.cell) else {
            errors.push(ScriptError {
                message: format!(
                    "step {} acts on cell `{}`, which the plan lacks",
                    step.index, step.cell
                ),
                step: Some(step.index),
                at: Some(step.span.into()),
                help: None,
            });
            continue;
        };
        let channel = if separate {
            channels.iter().position(|c| *c == cell.name).unwrap_or(0) as u32
        } else {
            0
        };
        let target = Target {
            options,
            step: Some(step.index),
            cell,
            channel,
            eis_timing: &plan.eis_timing,
        };
        let mut emit = |result: Result<Script, ScriptError>| match result {
            Ok(script) => out.push(EmittedScript {
                step: step.index,
                cell: cell.name.clone(),
                kind: script.header.kind,
                span: step.span,
                script: Some(script),
                operator: None,
            }),
            Err(mut error) => {
                error.at = Some(step.span.into());
                errors.push(error);
            }
        };
        match &step.action {
            Action::Rest(rest) => {
                for segment in rest_segments(step.duration_s, rest) {
                    match (segment, &rest.eis) {
                        (RestSegment::OpenCircuit { duration_s }, _) => {
                            emit(rest_script(target, duration_s, rest.sample_interval_s))
                        }
                        (RestSegment::Sweep, Some(repeat)) => {
                            emit(eis_script(target, &repeat.sweep))
                        }
                        (RestSegment::Sweep, None) => {}
                    }
                }
            }
            Action::Eis(sweep) => emit(eis_script(target, sweep)),
            Action::Galvanostatic(g) => emit(galvanostatic_script(
                target,
                g,
                step.duration_s,
                &limits_in_force(plan, g),
            )),
            Action::Addition(addition) => out.push(operator_entry(
                step,
                format!(
                    "add {} of {} to cell {}",
                    format_si(addition.volume_ml * 1e-3, Dimension::Volume),
                    addition.stock,
                    step.cell
                ),
            )),
            Action::Prompt { message } => out.push(operator_entry(step, message.clone())),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ScriptErrors { errors })
    }
}

fn operator_entry(step: &crate::plan::Step, message: String) -> EmittedScript {
    EmittedScript {
        step: step.index,
        cell: step.cell.clone(),
        kind: ScriptKind::Operator,
        span: step.span,
        script: None,
        operator: Some(message),
    }
}

/// The scripts as sent over the wire, in order; operator steps appear as comments (they are
/// not sent).
pub fn render(scripts: &[EmittedScript]) -> String {
    let mut out = String::new();
    for entry in scripts {
        match (&entry.script, &entry.operator) {
            (Some(script), _) => out.push_str(&script.wire()),
            (None, Some(message)) => out.push_str(&format!(
                "# step {} (cell {}): operator: {message}\n\n",
                entry.step, entry.cell
            )),
            (None, None) => {}
        }
    }
    out
}
