//! [`MethodScriptInstrument`]: the [`Instrument`] trait over a MethodSCRIPT serial link.
//!
//! Takes a serial port (or any async byte stream) and gives an instrument that turns each
//! request into a script ([`super::script`]), runs it ([`super::execute`]) and delivers the
//! readings. Operator steps go through [`super::operator`]. When a single-channel device
//! measures several cells, the operator is asked to reconnect whenever the cell changes.
//!
//! Time: [`Instrument::now_s`] is the wall clock since [`connect`] (restarted by `prepare`),
//! multiplied by the clock scale: 1 for a real device, the pacing factor of the mgp emulator
//! (read from its firmware string unless set), so that a paced emulation runs on the plan's
//! time axis. An unpaced emulator (`--speed inf`) answers as fast as it can, so wall time
//! means nothing there: the driver keeps a virtual clock instead, advanced by each script's
//! planned device time (sample intervals, rest lengths, EIS point durations from the plan's
//! `EisTiming`), and the run has the plan's times as a dry-run does.

use super::capabilities::{self, Capabilities, CapabilityReport};
use super::device::{self, Identity, Probe, ProbeTimings};
use super::execute::HostChecks;
use super::link::Link;
use super::operator::{Console, Operator};
use super::options::MethodScriptOptions;
use super::script::{
    self, ScriptOptions, Target, eis_script, galvanostatic_script, rest_script, signed_current,
    tightest_limit,
};
use super::tracker::{Request, StepTracker};
use crate::instrument::{
    EisRequest, GalvanoRequest, HoldEnd, Instrument, InstrumentError, InstrumentInfo,
    PotentiostaticRequest, RestRequest, Sink, VoltammetryRequest,
};
use crate::plan::{Addition, Cell, EisTiming, Plan};
use crate::units::{Dimension, format_si};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

/// A MethodSCRIPT potentiostat on a serial port (or, for tests, any byte stream).
pub struct MethodScriptInstrument<S = tokio_serial::SerialStream> {
    pub(super) link: Link<S>,
    pub(super) options: MethodScriptOptions,
    /// Instrument seconds per wall second; infinite for an unpaced emulator.
    pub(super) clock_scale: f64,
    /// The virtual clock (s since `origin_offset_s`) when the device is unpaced.
    pub(super) virtual_s: Option<f64>,
    pub(super) last_channel: u32,
    port: String,
    baud: u32,
    identity: Identity,
    capabilities: Capabilities,
    script_options: ScriptOptions,
    origin: std::time::Instant,
    origin_offset_s: f64,
    plan: Option<Plan>,
    tracker: StepTracker,
    /// A step named by [`Self::begin_step`] before `prepare` (which resets the tracker).
    first_step: Option<usize>,
    /// Cells in channel order (first measured first).
    channels: Vec<String>,
    /// More cells than channels: all share channel 0 and the operator reconnects them.
    shared_channel: bool,
    connected_cell: Option<String>,
    operator: Operator,
}

impl<S: AsyncRead + AsyncWrite + Unpin> MethodScriptInstrument<S> {
    /// Identifies the device at the other end of `stream`. `port` and `baud` are recorded in
    /// [`Instrument::info`].
    pub async fn over(
        stream: S,
        port: &str,
        baud: u32,
        options: MethodScriptOptions,
    ) -> Result<Self, InstrumentError> {
        let mut link = Link::new(stream);
        let timings = ProbeTimings {
            reply: Duration::from_secs_f64(options.timeout_s.min(2.0)),
            ..ProbeTimings::default()
        };
        let mut found = device::probe(&mut link, timings).await?;
        if let Probe::Busy(busy) = &found {
            if !options.take_over_busy {
                return Err(InstrumentError::Busy {
                    port: port.to_string(),
                    what: busy.to_string(),
                });
            }
            device::resync(
                &mut link,
                Duration::from_secs_f64(options.timeout_s),
                |_| {},
            )
            .await?;
            found = device::probe(&mut link, timings).await?;
        }
        let Probe::Identified(identity) = found else {
            return Err(InstrumentError::Protocol(format!(
                "the device on {port} stays busy"
            )));
        };
        let device_type = options.device_type.or(identity.device_type);
        let capabilities = match (&options.capabilities, device_type) {
            (Some(caps), _) => caps.clone(),
            (None, Some(device)) => device.capabilities(),
            (None, None) => {
                return Err(InstrumentError::Capability(format!(
                    "unknown MethodSCRIPT device `{}`; name it with device=… (espico, es4_lr, \
                     es4_hr, mes4lr, mes4hr, nexus1)",
                    identity.firmware
                )));
            }
        };
        let clock_scale = options
            .clock_scale
            .or(identity.emulator_speed)
            .unwrap_or(1.0);
        let script_options = options.script_options(capabilities.clone());
        Ok(MethodScriptInstrument {
            link,
            operator: Operator::new(options.operator),
            options,
            clock_scale,
            virtual_s: clock_scale.is_infinite().then_some(0.0),
            last_channel: 0,
            port: port.to_string(),
            baud,
            identity,
            capabilities,
            script_options,
            origin: std::time::Instant::now(),
            origin_offset_s: 0.0,
            plan: None,
            tracker: StepTracker::default(),
            first_step: None,
            channels: Vec::new(),
            shared_channel: false,
            connected_cell: None,
        })
    }

    /// Who answered on the port.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    pub fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// Where operator prompts go (the CLI passes stdin and stderr).
    pub fn set_console(&mut self, console: Box<dyn Console>) {
        self.operator.set_console(console);
    }

    /// Checks `plan` against the device, with every problem labelled on its step. `prepare`
    /// runs the same check; call this first to render the full diagnostic.
    pub fn check_plan(&self, plan: &Plan) -> Result<(), CapabilityReport> {
        capabilities::check_plan(plan, &self.capabilities)
    }

    /// The next request belongs to plan step `index` (for a resumed run, whose first step
    /// could otherwise be mistaken for an identical earlier one).
    pub fn begin_step(&mut self, index: usize) {
        self.tracker.begin(index);
        self.first_step = Some(index);
    }

    /// Continue the clock from `t_s` (a resumed run keeps its time axis).
    pub fn set_clock(&mut self, t_s: f64) {
        self.origin = std::time::Instant::now();
        self.origin_offset_s = t_s;
        if let Some(v) = &mut self.virtual_s {
            *v = 0.0;
        }
    }

    /// Moves the virtual clock (of an unpaced device) forward to `t_s`; no effect on a clock
    /// that follows the wall clock.
    pub(super) fn advance_virtual(&mut self, t_s: f64) {
        if let Some(v) = &mut self.virtual_s {
            *v = v.max(t_s - self.origin_offset_s);
        }
    }

    /// Clock jitter to allow for when matching requests to plan steps: 100 ms of wall time in
    /// instrument seconds, or none to speak of on a virtual clock.
    fn clock_slack_s(&self) -> f64 {
        if self.virtual_s.is_some() {
            1e-3
        } else {
            0.1 * self.clock_scale
        }
    }

    fn timing(&self) -> EisTiming {
        self.plan.as_ref().map(|p| p.eis_timing).unwrap_or_default()
    }

    /// The step index for a header (when the plan is known).
    fn locate(&mut self, cell: &str, request: Request<'_>) -> Option<usize> {
        let now = self.now_s();
        let slack = self.clock_slack_s();
        let plan = self.plan.as_ref()?;
        self.tracker.locate(plan, cell, request, now, slack)
    }

    /// Makes sure `cell` is on a channel, asking the operator to reconnect when cells share
    /// one; returns the channel. A rest that records nothing needs no connection: it keeps
    /// the channel and the cell that are connected (the device only keeps the time).
    /// Locates the request's plan step, connects its cell and writes its script with `build`:
    /// the part every measuring request shares.
    async fn script_for(
        &mut self,
        cell: &Cell,
        request: Request<'_>,
        measures: bool,
        sink: &mut dyn Sink,
        build: impl FnOnce(Target<'_>) -> Result<script::Script, script::ScriptError>,
    ) -> Result<script::Script, InstrumentError> {
        let step = self.locate(&cell.name, request);
        let channel = self.attach(cell, measures, sink).await?;
        let timing = self.timing();
        let target = Target {
            options: &self.script_options,
            step,
            cell,
            channel,
            eis_timing: &timing,
        };
        build(target).map_err(|e| InstrumentError::Capability(e.message))
    }

    async fn attach(
        &mut self,
        cell: &Cell,
        measures: bool,
        sink: &mut dyn Sink,
    ) -> Result<u32, InstrumentError> {
        if !measures {
            return Ok(self.last_channel);
        }
        let index = self.channels.iter().position(|c| *c == cell.name);
        let channel = match (self.shared_channel, index) {
            (false, Some(index)) => index as u32,
            _ => 0,
        };
        if self.shared_channel && self.connected_cell.as_deref() != Some(cell.name.as_str()) {
            let message = format!(
                "connect cell {} to the potentiostat (channel {channel}), {} connection",
                cell.name,
                match cell.default_connection {
                    crate::plan::Connection::TwoElectrode => "two-electrode",
                    crate::plan::Connection::ThreeElectrode => "three-electrode",
                }
            );
            self.ask_operator(&message, sink, true).await?;
        }
        self.connected_cell = Some(cell.name.clone());
        self.last_channel = channel;
        Ok(channel)
    }

    /// Asks the operator; with `journal_exchange` the sink journals question and answer (a
    /// prompt step's are journalled by the interpreter).
    async fn ask_operator(
        &mut self,
        message: &str,
        sink: &mut dyn Sink,
        journal_exchange: bool,
    ) -> Result<String, InstrumentError> {
        let origin = self.origin;
        let offset = self.origin_offset_s;
        let scale = self.clock_scale;
        let frozen = self.virtual_s;
        // An operator's answer takes no time on a virtual clock.
        let now = move || match frozen {
            Some(v) => offset + v,
            None => offset + origin.elapsed().as_secs_f64() * scale,
        };
        self.operator
            .ask(message, sink, &now, journal_exchange)
            .await
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Instrument for MethodScriptInstrument<S> {
    fn info(&self) -> InstrumentInfo {
        // The settings as a spec, with the speed that answered: `mgp run --resume` reconnects
        // with exactly these.
        let settings = MethodScriptOptions {
            baud: Some(self.baud),
            ..self.options.clone()
        }
        .settings();
        InstrumentInfo {
            kind: "methodscript".into(),
            description: self.identity.describe(),
            parameters: serde_json::json!({
                "port": self.port,
                "settings": settings,
                "baud": self.baud,
                "device_type": self.capabilities.device.code(),
                "firmware": self.identity.firmware,
                "methodscript_version": self.identity.methodscript_version,
                "serial": self.identity.serial,
                "clock_scale": self.clock_scale.is_finite().then_some(self.clock_scale),
                "clock": if self.virtual_s.is_some() { "virtual" } else { "wall" },
                "timeout_s": self.options.timeout_s,
                "timeout_slack": self.options.timeout_slack,
                "amplitude": self.script_options.amplitude,
                "eis_frequencies": self.script_options.eis_frequencies,
                "literal_style": self.script_options.literal_style,
                "z_imag_negated": self.options.z_imag_negated,
                "device_limits": self.options.device_limits,
            }),
        }
    }

    fn now_s(&self) -> f64 {
        match self.virtual_s {
            Some(v) => self.origin_offset_s + v,
            None => self.origin_offset_s + self.origin.elapsed().as_secs_f64() * self.clock_scale,
        }
    }

    fn clock_scale(&self) -> f64 {
        // A pause between sessions does not move a virtual clock.
        if self.virtual_s.is_some() {
            0.0
        } else {
            self.clock_scale
        }
    }

    fn step_starting(&mut self, index: usize) {
        // The interpreter says which step comes next, so a resumed run's first step is never
        // mistaken for an identical earlier one.
        self.tracker.begin(index);
    }

    async fn prepare(&mut self, plan: &Plan) -> Result<(), InstrumentError> {
        if let Err(report) = self.check_plan(plan) {
            if report.has_errors() {
                return Err(InstrumentError::Capability(report.summary()));
            }
        }
        self.channels = capabilities::measured_cells(plan);
        self.shared_channel = self.channels.len() > self.capabilities.channels as usize;
        self.connected_cell = None;
        self.tracker = StepTracker::default();
        if let Some(index) = self.first_step.take() {
            self.tracker.begin(index);
        }
        self.plan = Some(plan.clone());
        self.set_clock(0.0);
        Ok(())
    }

    async fn rest(
        &mut self,
        request: RestRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        let duration = snap_to_intervals(
            request.duration_s,
            request.sample_interval_s,
            self.clock_scale,
        );
        let rest = Request::Rest {
            duration_s: request.duration_s,
        };
        let measures = request.sample_interval_s.is_some();
        let script = self
            .script_for(request.cell, rest, measures, sink, |target| {
                rest_script(target, duration, request.sample_interval_s)
            })
            .await?;
        self.execute(&script, HostChecks::default(), sink).await
    }

    async fn eis(
        &mut self,
        request: EisRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        let script = self
            .script_for(
                request.cell,
                Request::Eis(request.sweep),
                true,
                sink,
                |target| eis_script(target, request.sweep),
            )
            .await?;
        self.execute(&script, HostChecks::default(), sink).await
    }

    async fn galvanostatic(
        &mut self,
        request: GalvanoRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        let hold = Request::Galvanostatic(request.step);
        let script = self
            .script_for(request.cell, hold, true, sink, |target| {
                galvanostatic_script(target, request.step, request.duration_s, &request.limits)
            })
            .await?;
        let checks = HostChecks {
            limit_v: tightest_limit(request.step, &request.limits),
            planned_current_a: Some(signed_current(request.step)),
            samples_per_scan: None,
        };
        self.execute(&script, checks, sink).await
    }

    async fn voltammetry(
        &mut self,
        request: VoltammetryRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        let step = request.step;
        let script = self
            .script_for(
                request.cell,
                Request::Voltammetry(step),
                true,
                sink,
                |target| script::voltammetry_script(target, step, request.max_abs_current_a),
            )
            .await?;
        let checks = HostChecks {
            samples_per_scan: Some(step.points / step.cycles().max(1)),
            ..HostChecks::default()
        };
        self.execute(&script, checks, sink).await
    }

    async fn potentiostatic(
        &mut self,
        request: PotentiostaticRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        let step = request.step;
        let script = self
            .script_for(
                request.cell,
                Request::Potentiostatic(step),
                true,
                sink,
                |target| {
                    script::potentiostatic_script(
                        target,
                        step,
                        request.duration_s,
                        request.max_abs_current_a,
                    )
                },
            )
            .await?;
        self.execute(&script, HostChecks::default(), sink).await
    }

    async fn addition(
        &mut self,
        cell: &Cell,
        addition: &Addition,
        sink: &mut dyn Sink,
    ) -> Result<(), InstrumentError> {
        let _ = self.locate(&cell.name, Request::Addition(addition));
        let target = addition
            .target
            .as_ref()
            .map(|t| {
                format!(
                    " to reach {} {}",
                    t.species,
                    format_si(t.concentration_m, Dimension::Concentration)
                )
            })
            .unwrap_or_default();
        let message = format!(
            "add {} of {} to cell {}{target}",
            format_si(addition.volume_ml * 1e-3, Dimension::Volume),
            addition.stock,
            cell.name
        );
        self.ask_operator(&message, sink, true).await.map(|_| ())
    }

    async fn prompt(
        &mut self,
        message: &str,
        sink: &mut dyn Sink,
    ) -> Result<Option<String>, InstrumentError> {
        if let Some(plan) = &self.plan {
            // Keep the step tracker in step with prompts on any cell.
            if let Some(step) = plan.steps.iter().find(
                |s| matches!(&s.action, crate::plan::Action::Prompt { message: m } if m == message),
            ) {
                let cell = step.cell.clone();
                let _ = self.locate(&cell, Request::Prompt(message));
            }
        }
        let answer = self.ask_operator(message, sink, false).await?;
        Ok((!answer.is_empty()).then_some(answer))
    }

    async fn abort(&mut self) -> Result<(), InstrumentError> {
        let timeout = Duration::from_secs_f64(self.options.timeout_s);
        device::resync(&mut self.link, timeout, |_| {}).await?;
        self.cell_off().await
    }
}

/// A rest's duration, rounded to a whole number of sampling intervals when it is within
/// 100 ms (wall clock) and 5 % of an interval of one. The interpreter computes a rest's
/// remaining time from the clock, so the time spent between requests makes it slightly short
/// (59.998 s of a 60 s rest); the device would then drop the last sample.
pub fn snap_to_intervals(duration_s: f64, interval_s: Option<f64>, clock_scale: f64) -> f64 {
    let Some(interval) = interval_s.filter(|i| *i > 0.0 && i.is_finite()) else {
        return duration_s;
    };
    let whole = (duration_s / interval).round() * interval;
    let tolerance = (0.1 * clock_scale).min(0.05 * interval);
    if whole > 0.0 && (whole - duration_s).abs() <= tolerance {
        whole
    } else {
        duration_s
    }
}

/// Scripts for `plan` as this driver would send them to a device of type `device` with
/// `options` (for `mgp run --emit-methodscript --instrument methodscript:…`).
pub fn scripts_for_device(
    plan: &Plan,
    capabilities: Capabilities,
    options: &MethodScriptOptions,
) -> Result<Vec<script::EmittedScript>, script::ScriptErrors> {
    script::scripts_for_plan_with(plan, &options.script_options(capabilities))
}

#[cfg(test)]
mod tests {
    use super::snap_to_intervals;

    #[test]
    fn rests_snap_to_whole_intervals_only_when_close() {
        assert_eq!(snap_to_intervals(59.998, Some(10.0), 1.0), 60.0);
        assert_eq!(snap_to_intervals(59.8, Some(10.0), 200.0), 60.0);
        assert_eq!(snap_to_intervals(59.8, Some(10.0), 1.0), 59.8);
        assert_eq!(snap_to_intervals(45.0, Some(10.0), 200.0), 45.0);
        assert_eq!(snap_to_intervals(59.8, None, 200.0), 59.8);
        assert_eq!(snap_to_intervals(0.01, Some(10.0), 200.0), 0.01);
    }
}
