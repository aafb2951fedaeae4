//! The interpreter: walks the plan's steps in order on any [`Instrument`].
//!
//! It schedules repeated EIS sweeps inside rests on the instrument's own clock, enforces the
//! step's stop condition and every potential/current limit on the host side (whatever the
//! instrument also does), and writes each reading to the journal through [`JournalSink`] the
//! moment the instrument delivers it. Interruption (Ctrl-C, SIGTERM) is a shared flag the sink
//! turns into [`InstrumentError::Interrupted`], which every instrument propagates.

use super::journal::{Event, JournalWriter, RunStatus, StepStatus};
use crate::instrument::{
    EisRequest, Flow, GalvanoRequest, HoldEnd, Instrument, InstrumentError, Reading, RestRequest,
    Sink,
};
use crate::plan::{Action, OnLimit, Plan, PotentialLimit, Step, StopCondition};
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
    if start.step > 0 && instrument.replays_history() {
        // A model instrument rebuilds its state by running the completed steps again, unseen;
        // journal times then continue from the previous session's last record.
        for step in plan.steps.iter().take(start.step) {
            instrument.step_starting(step.index);
            let mut sink = JournalSink {
                journal: None,
                step: step.index,
                offset,
                stop,
                observer: &mut Silent,
                limits: step_limits(plan, step),
                max_current_a: plan.limits.max_abs_current_a,
                limit_hit: None,
                write_error: None,
            };
            if let Err(error) = run_step(plan, step, instrument, &mut sink).await {
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
            },
        )?;
        let mut sink = JournalSink {
            journal: Some(&mut *journal),
            step: step.index,
            offset,
            stop,
            observer,
            limits: step_limits(plan, step),
            max_current_a: plan.limits.max_abs_current_a,
            limit_hit: None,
            write_error: None,
        };
        let result = run_step(plan, step, instrument, &mut sink).await;
        let limit_hit = sink.limit_hit;
        if let Some(error) = sink.write_error.take() {
            return Err(JournalError(error));
        }
        let now = offset + instrument.now_s();
        let status = match result {
            Ok(HoldEnd::Completed) => StepStatus::Completed,
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

/// The step's own limits, its potential stop condition, and the global potential limit.
fn step_limits(plan: &Plan, step: &Step) -> Vec<PotentialLimit> {
    let mut limits = Vec::new();
    if let Action::Galvanostatic(g) = &step.action {
        limits.extend(g.limits.iter().copied());
        if let StopCondition::Potential { limit_v, .. } = g.stop {
            limits.push(PotentialLimit {
                max_abs_v: limit_v,
                on_limit: OnLimit::EndStep,
            });
        }
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
    write_error: Option<std::io::Error>,
}

impl JournalSink<'_> {
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
                Some(potential_v)
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
