//! The interpreter: walks the plan's steps in order on any [`Instrument`].
//!
//! It schedules repeated EIS sweeps inside rests on the instrument's own clock, enforces the
//! step's stop condition and every potential/current limit on the host side (whatever the
//! instrument also does), and writes each reading to the journal through [`JournalSink`] the
//! moment the instrument delivers it. A step's own stop condition (a signed potential cut-off,
//! a charge or current threshold of a potentiostatic hold) ends it as planned (`completed`); a
//! limit ends it early (`limited`). Before a step whose temperature differs from the cell's
//! current one, the instrument is asked to set it, or the operator to set the climate chamber.
//! Interruption (Ctrl-C, SIGTERM) is a shared flag the sink
//! turns into [`InstrumentError::Interrupted`], which every instrument propagates.

use super::journal::{Event, JournalWriter, RunStatus, StepStatus};
use crate::instrument::{
    EisRequest, Flow, GalvanoRequest, HoldEnd, Instrument, InstrumentError, PotentiostaticRequest,
    Reading, RestRequest, Sink, TemperatureControl, VoltammetryRequest, climate_chamber_message,
};
use crate::plan::{
    Action, Crossing, HoldStop, OnLimit, Plan, PotentialLimit, Step, StopCondition, cutoff_reached,
};
use crate::units::{Dimension, format_si};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set from a signal handler; checked on every reading.
#[derive(Debug, Clone, Default)]
pub struct StopFlag(Arc<AtomicBool>);

impl StopFlag {
    pub fn new() -> Self {
        StopFlag::default()
    }
    pub fn raise(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_raised(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Progress callbacks (the CLI draws a bar; tests ignore them).
pub trait Observer {
    fn step_started(&mut self, _step: &Step) {}
    /// Called with the run clock after every reading.
    fn clock(&mut self, _t_s: f64) {}
    /// A warning worth showing (overload flags, limits…).
    fn warning(&mut self, _message: &str) {}
}

/// An observer that ignores everything.
pub struct Silent;
impl Observer for Silent {}

/// Where execution starts and how run time relates to the instrument clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct Start {
    /// First step to execute (0, or the first incomplete one on resume).
    pub step: usize,
    /// Added to the instrument clock for journal times and readings' own times (on resume: the
    /// previous session's last time, plus the pause on an instrument that does not replay
    /// its history, so the gap shows).
    pub t_offset_s: f64,
}

/// How the run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: RunStatus,
    pub reason: Option<String>,
    pub stopped_at_step: Option<usize>,
    pub elapsed_s: f64,
}

/// Journal failures end the run: a run that cannot record must not go on.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot write the journal: {0}")]
#[diagnostic(
    code(mgp::run::journal),
    help("check free space and permissions of the run folder")
)]
pub struct JournalError(#[from] pub std::io::Error);

/// Executes `plan` from `start` on `instrument`, journalling everything.
pub async fn execute<I: Instrument>(
    plan: &Plan,
    instrument: &mut I,
    journal: &mut JournalWriter,
    start: Start,
    stop: &StopFlag,
    observer: &mut dyn Observer,
) -> Result<Outcome, JournalError> {
    let mut offset = start.t_offset_s;
    let mut outcome = Outcome {
        status: RunStatus::Completed,
        reason: None,
        stopped_at_step: None,
        elapsed_s: offset,
    };
    if let Err(error) = instrument.prepare(plan).await {
        journal.write(
            offset + instrument.now_s(),
            None,
            Event::Error {
                message: error.to_string(),
            },
        )?;
        return Ok(fail(outcome, &error, None, offset + instrument.now_s()));
    }
    // The temperature each cell is at, as far as the run knows (set before a step needs it).
    let mut temperatures: HashMap<String, f64> = HashMap::new();
    if start.step > 0 && instrument.replays_history() {
        // A model instrument rebuilds its state by running the completed steps again, unseen;
        // journal times then continue from the previous session's last record.
        for step in plan.steps.iter().take(start.step) {
            instrument.step_starting(step.index);
            let mut silent = Silent;
            let mut sink = JournalSink::new(None, plan, step, offset, stop, &mut silent);
            let mut result = set_temperature(step, plan, instrument, &mut sink, &mut temperatures)
                .await
                .map(|_| HoldEnd::Completed);
            if result.is_ok() {
                result = run_step(plan, step, instrument, &mut sink).await;
            }
            if let Err(error) = result {
                let t = offset + instrument.now_s();
                journal.write(
                    t,
                    Some(step.index),
                    Event::Error {
                        message: error.to_string(),
                    },
                )?;
                return Ok(fail(outcome, &error, Some(step.index), t));
            }
        }
        offset = start.t_offset_s - instrument.now_s();
    }
    for step in plan.steps.iter().skip(start.step) {
        observer.step_started(step);
        instrument.step_starting(step.index);
        journal.write(
            offset + instrument.now_s(),
            Some(step.index),
            Event::StepStarted {
                kind: step.action.kind().to_string(),
                cell: step.cell.clone(),
                planned_start_s: step.start_s,
                planned_duration_s: step.duration_s,
                line: step.span.line,
                cycles: step.cycles.clone(),
                temperature_c: step.temperature_c,
            },
        )?;
        let mut sink = JournalSink::new(Some(&mut *journal), plan, step, offset, stop, observer);
        let mut result = set_temperature(step, plan, instrument, &mut sink, &mut temperatures)
            .await
            .map(|_| HoldEnd::Completed);
        if result.is_ok() {
            result = run_step(plan, step, instrument, &mut sink).await;
        }
        let stop_reached = sink.stop_reached;
        let limit_hit = sink.limit_hit;
        if let Some(error) = sink.write_error.take() {
            return Err(JournalError(error));
        }
        let now = offset + instrument.now_s();
        let status = match result {
            Ok(HoldEnd::Completed) => StepStatus::Completed,
            Ok(HoldEnd::Stopped) if stop_reached && limit_hit.is_none() => StepStatus::Completed,
            Ok(HoldEnd::Stopped) => match limit_hit {
                Some(limit) if limit.on_limit == OnLimit::Abort => StepStatus::Failed,
                _ => StepStatus::Limited,
            },
            Err(InstrumentError::Interrupted) => StepStatus::Interrupted,
            Err(_) => StepStatus::Failed,
        };
        if let Err(error) = &result {
            journal.write(
                now,
                Some(step.index),
                Event::Error {
                    message: error.to_string(),
                },
            )?;
        }
        journal.write(now, Some(step.index), Event::StepEnded { status })?;
        match (status, result) {
            (StepStatus::Completed | StepStatus::Limited, _) => {}
            (_, Err(error)) => {
                // Switch the cell off; an unreachable device cannot make this worse.
                let _ = instrument.abort().await;
                return Ok(fail(
                    outcome,
                    &error,
                    Some(step.index),
                    offset + instrument.now_s(),
                ));
            }
            (_, Ok(_)) => {
                let _ = instrument.abort().await;
                outcome.status = RunStatus::Failed;
                outcome.reason = Some(format!(
                    "a potential limit of {} V was reached in step {} (line {}) and aborts the run",
                    limit_hit.map_or(f64::NAN, |l| l.max_abs_v),
                    step.index,
                    step.span.line
                ));
                outcome.stopped_at_step = Some(step.index);
                outcome.elapsed_s = offset + instrument.now_s();
                return Ok(outcome);
            }
        }
    }
    outcome.elapsed_s = offset + instrument.now_s();
    Ok(outcome)
}

fn fail(mut outcome: Outcome, error: &InstrumentError, step: Option<usize>, t: f64) -> Outcome {
    outcome.status = match error {
        InstrumentError::Interrupted => RunStatus::Interrupted,
        _ => RunStatus::Failed,
    };
    outcome.reason = Some(match step {
        Some(index) => format!("step {index}: {error}"),
        None => error.to_string(),
    });
    outcome.stopped_at_step = step;
    outcome.elapsed_s = t;
    outcome
}

/// Brings the step's cell to the step's temperature when it is not there yet: the instrument
/// sets it, or the operator is asked to (a climate chamber). Journalled either way.
async fn set_temperature<I: Instrument>(
    step: &Step,
    plan: &Plan,
    instrument: &mut I,
    sink: &mut JournalSink<'_>,
    temperatures: &mut HashMap<String, f64>,
) -> Result<(), InstrumentError> {
    let Some(wanted) = step.temperature_c else {
        return Ok(());
    };
    if temperatures.get(&step.cell) == Some(&wanted) {
        return Ok(());
    }
    let cell = plan.cell(&step.cell).ok_or_else(|| {
        InstrumentError::Capability(format!("the plan names an unknown cell `{}`", step.cell))
    })?;
    let control = instrument.set_temperature(cell, wanted, sink).await?;
    let set_by = match control {
        TemperatureControl::Instrument => "instrument",
        TemperatureControl::Operator => "operator",
    };
    sink.event(
        instrument.now_s(),
        Event::Temperature {
            cell: step.cell.clone(),
            temperature_c: wanted,
            set_by: set_by.into(),
        },
    )?;
    if control == TemperatureControl::Operator {
        let message = climate_chamber_message(&step.cell, wanted);
        sink.event(
            instrument.now_s(),
            Event::Prompt {
                message: message.clone(),
            },
        )?;
        let answer = instrument.prompt(&message, sink).await?;
        sink.event(instrument.now_s(), Event::Answer { answer })?;
    }
    temperatures.insert(step.cell.clone(), wanted);
    Ok(())
}

/// The step's own limits and the global potential limit (a signed cut-off is a stop
/// condition, see [`JournalSink::cutoff_v`]).
fn step_limits(plan: &Plan, step: &Step) -> Vec<PotentialLimit> {
    let mut limits = Vec::new();
    if let Action::Galvanostatic(g) = &step.action {
        limits.extend(g.limits.iter().copied());
    }
    if let Some(max) = plan.limits.max_abs_potential_v {
        limits.push(PotentialLimit {
            max_abs_v: max,
            on_limit: plan.limits.on_limit.unwrap_or(OnLimit::Abort),
        });
    }
    limits
}

async fn run_step<I: Instrument>(
    plan: &Plan,
    step: &Step,
    instrument: &mut I,
    sink: &mut JournalSink<'_>,
) -> Result<HoldEnd, InstrumentError> {
    let cell = plan.cell(&step.cell).ok_or_else(|| {
        InstrumentError::Capability(format!("the plan names an unknown cell `{}`", step.cell))
    })?;
    match &step.action {
        Action::Rest(rest) => {
            let began = instrument.now_s();
            if let Some(repeat) = &rest.eis {
                for (n, offset) in repeat.sweep_offsets_s.iter().enumerate() {
                    let wait = began + offset - instrument.now_s();
                    if wait > 1e-9 {
                        let request = RestRequest {
                            cell,
                            duration_s: wait,
                            sample_interval_s: rest.sample_interval_s,
                        };
                        if instrument.rest(request, sink).await? == HoldEnd::Stopped {
                            return Ok(HoldEnd::Stopped);
                        }
                    }
                    sink.event(instrument.now_s(), Event::SweepStarted { sweep: n })?;
                    let request = EisRequest {
                        cell,
                        sweep: &repeat.sweep,
                    };
                    if instrument.eis(request, sink).await? == HoldEnd::Stopped {
                        return Ok(HoldEnd::Stopped);
                    }
                    sink.event(instrument.now_s(), Event::SweepEnded { sweep: n })?;
                }
            }
            let remaining = began + step.duration_s - instrument.now_s();
            if remaining > 1e-9 {
                let request = RestRequest {
                    cell,
                    duration_s: remaining,
                    sample_interval_s: rest.sample_interval_s,
                };
                return instrument.rest(request, sink).await;
            }
            Ok(HoldEnd::Completed)
        }
        Action::Eis(sweep) => {
            sink.event(instrument.now_s(), Event::SweepStarted { sweep: 0 })?;
            let end = instrument.eis(EisRequest { cell, sweep }, sink).await?;
            sink.event(instrument.now_s(), Event::SweepEnded { sweep: 0 })?;
            Ok(end)
        }
        Action::Galvanostatic(g) => {
            if let Some(max) = plan.limits.max_abs_current_a
                && g.current_a.abs() > max
            {
                return Err(InstrumentError::Capability(format!(
                    "the step's current {} A exceeds the protocol's limit of {max} A",
                    g.current_a
                )));
            }
            let request = GalvanoRequest {
                cell,
                step: g,
                duration_s: step.duration_s,
                limits: sink.limits.clone(),
            };
            instrument.galvanostatic(request, sink).await
        }
        Action::Voltammetry(v) => {
            let request = VoltammetryRequest {
                cell,
                step: v,
                temperature_c: step.temperature_c,
                max_abs_current_a: plan.limits.max_abs_current_a,
            };
            instrument.voltammetry(request, sink).await
        }
        Action::Potentiostatic(p) => {
            let request = PotentiostaticRequest {
                cell,
                step: p,
                duration_s: step.duration_s,
                temperature_c: step.temperature_c,
                max_abs_current_a: plan.limits.max_abs_current_a,
            };
            instrument.potentiostatic(request, sink).await
        }
        Action::Temperature(t) => {
            // The set point was handed over before the step (`set_temperature`); the cell now
            // settles at open circuit.
            if t.settle_s > 0.0 {
                let request = RestRequest {
                    cell,
                    duration_s: t.settle_s,
                    sample_interval_s: None,
                };
                return instrument.rest(request, sink).await;
            }
            Ok(HoldEnd::Completed)
        }
        Action::Addition(addition) => {
            sink.event(
                instrument.now_s(),
                Event::Addition {
                    stock: addition.stock.clone(),
                    volume_ml: addition.volume_ml,
                    composition_after: addition.composition_after.clone(),
                },
            )?;
            instrument.addition(cell, addition, sink).await?;
            Ok(HoldEnd::Completed)
        }
        Action::Prompt { message } => {
            sink.event(
                instrument.now_s(),
                Event::Prompt {
                    message: message.clone(),
                },
            )?;
            let answer = instrument.prompt(message, sink).await?;
            sink.event(instrument.now_s(), Event::Answer { answer })?;
            Ok(HoldEnd::Completed)
        }
    }
}

/// Journals readings as they arrive and enforces limits on the host side.
struct JournalSink<'a> {
    /// `None` while replaying history (nothing is written twice).
    journal: Option<&'a mut JournalWriter>,
    step: usize,
    offset: f64,
    stop: &'a StopFlag,
    observer: &'a mut dyn Observer,
    limits: Vec<PotentialLimit>,
    max_current_a: Option<f64>,
    limit_hit: Option<PotentialLimit>,
    /// A galvanostatic step's signed potential cut-off.
    cutoff_v: Option<f64>,
    /// A potentiostatic hold's charge or current stop condition.
    hold_stop: Option<HoldStop>,
    /// Charge passed so far in a potentiostatic hold (trapezoidal |I| dt), and the last sample.
    charge_c: f64,
    last_sample: Option<(f64, f64)>,
    /// The step's own stop condition was met.
    stop_reached: bool,
    write_error: Option<std::io::Error>,
}

impl<'a> JournalSink<'a> {
    fn new(
        journal: Option<&'a mut JournalWriter>,
        plan: &Plan,
        step: &Step,
        offset: f64,
        stop: &'a StopFlag,
        observer: &'a mut dyn Observer,
    ) -> Self {
        let cutoff_v = match &step.action {
            Action::Galvanostatic(g) => match g.stop {
                StopCondition::Potential { limit_v, .. } => Some(limit_v),
                _ => None,
            },
            _ => None,
        };
        let hold_stop = match &step.action {
            Action::Potentiostatic(p) => Some(p.stop),
            _ => None,
        };
        JournalSink {
            journal,
            step: step.index,
            offset,
            stop,
            observer,
            limits: step_limits(plan, step),
            max_current_a: plan.limits.max_abs_current_a,
            limit_hit: None,
            cutoff_v,
            hold_stop,
            charge_c: 0.0,
            last_sample: None,
            stop_reached: false,
            write_error: None,
        }
    }

    /// Whether a potentiostatic sample meets the hold's charge or current stop condition;
    /// returns what was reached, in words.
    fn hold_condition(&mut self, t_s: f64, current_a: f64) -> Option<String> {
        if let Some((t0, i0)) = self.last_sample {
            self.charge_c += 0.5 * (i0.abs() + current_a.abs()) * (t_s - t0).max(0.0);
        }
        self.last_sample = Some((t_s, current_a));
        match self.hold_stop? {
            HoldStop::Duration { .. } => None,
            HoldStop::Charge { charge_c, .. } => (self.charge_c >= charge_c).then(|| {
                format!(
                    "the charge passed reached {}",
                    format_si(charge_c, Dimension::Charge)
                )
            }),
            HoldStop::Current {
                current_a: threshold,
                direction,
                ..
            } => {
                let reached = match direction {
                    Crossing::Below => current_a.abs() <= threshold,
                    Crossing::Above => current_a.abs() >= threshold,
                };
                reached.then(|| {
                    format!(
                        "|I| {} {}",
                        match direction {
                            Crossing::Below => "fell below",
                            Crossing::Above => "rose above",
                        },
                        format_si(threshold, Dimension::Current)
                    )
                })
            }
        }
    }
    fn event(&mut self, instrument_t_s: f64, event: Event) -> Result<(), InstrumentError> {
        let Some(journal) = self.journal.as_deref_mut() else {
            return Ok(());
        };
        match journal.write(self.offset + instrument_t_s, Some(self.step), event) {
            Ok(_) => Ok(()),
            Err(error) => {
                let message = error.to_string();
                self.write_error = Some(error);
                // Stop the instrument: nothing may be measured that cannot be recorded.
                Err(InstrumentError::Io(std::io::Error::other(message)))
            }
        }
    }
}

impl Sink for JournalSink<'_> {
    fn reading(&mut self, reading: Reading) -> Result<Flow, InstrumentError> {
        let t = reading.t_s();
        let mut condition = None;
        let potential = match reading {
            Reading::Galvano {
                potential_v,
                current_a,
                ..
            } => {
                if let Some(max) = self.max_current_a
                    && current_a.abs() > max * (1.0 + 1e-9)
                {
                    self.observer
                        .warning(&format!("current {current_a} A above the limit {max} A"));
                }
                if let Some(cutoff) = self.cutoff_v
                    && cutoff_reached(cutoff, potential_v)
                {
                    condition = Some(format!(
                        "E reached the cut-off of {}",
                        format_si(cutoff, Dimension::Potential)
                    ));
                }
                Some(potential_v)
            }
            Reading::Potentiostatic { t_s, current_a, .. } => {
                if let Some(max) = self.max_current_a
                    && current_a.abs() > max * (1.0 + 1e-9)
                {
                    self.observer
                        .warning(&format!("current {current_a} A above the limit {max} A"));
                }
                condition = self.hold_condition(t_s, current_a);
                // The potential is the applied one: potential limits were checked on the plan.
                None
            }
            Reading::Warning { ref message, .. } => {
                self.observer.warning(message);
                None
            }
            _ => None,
        };
        // The reading's own time goes onto the run's axis with the record's: they agree after
        // a resume too.
        let reading = if self.offset == 0.0 {
            reading
        } else {
            reading.shifted(self.offset)
        };
        self.event(t, Event::Reading { reading })?;
        self.observer.clock(self.offset + t);
        if self.stop.is_raised() {
            return Err(InstrumentError::Interrupted);
        }
        if let Some(condition) = condition
            && !self.stop_reached
        {
            self.stop_reached = true;
            self.event(t, Event::StopReached { condition })?;
            return Ok(Flow::StopStep);
        }
        if let Some(v) = potential
            && self.limit_hit.is_none()
            && let Some(limit) = self.limits.iter().find(|l| v.abs() >= l.max_abs_v).copied()
        {
            self.limit_hit = Some(limit);
            self.event(
                t,
                Event::LimitReached {
                    potential_v: v,
                    max_abs_v: limit.max_abs_v,
                    on_limit: limit.on_limit,
                },
            )?;
            self.observer.warning(&format!(
                "step {}: |E| reached {} V (limit {} V)",
                self.step, v, limit.max_abs_v
            ));
            return Ok(Flow::StopStep);
        }
        Ok(Flow::Continue)
    }

    fn interrupted(&self) -> bool {
        self.stop.is_raised()
    }

    fn prompt(&mut self, t_s: f64, message: &str) -> Result<(), InstrumentError> {
        let message = message.to_string();
        self.event(t_s, Event::Prompt { message })
    }

    fn answer(&mut self, t_s: f64, answer: Option<&str>) -> Result<(), InstrumentError> {
        let answer = answer.map(str::to_string);
        self.event(t_s, Event::Answer { answer })
    }
}
