//! Turns the journal into what the report draws and lists: per-step timing and status,
//! sweeps grouped into the series a paper would plot (per cell, split at each addition),
//! galvanostatic and open-circuit traces, and the run's faults and warnings.
//!
//! Works from the journal alone; the plan, when present, adds areas, current densities and
//! which electrode strips. Times are on the run's clock (the journal's `t_s`).

use super::load::RunData;
use super::plots::style::number;
use crate::instrument::Reading;
use crate::plan::{Action, Plan, Role};
use crate::run::folder::{SweepRecord, TraceRecord, collect_data};
use crate::run::journal::{Event, RunStatus, StepStatus};
use std::collections::BTreeMap;

/// What happened to one step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRun {
    pub index: usize,
    pub kind: String,
    pub cell: String,
    pub started_s: Option<f64>,
    pub ended_s: Option<f64>,
    pub status: Option<StepStatus>,
    pub readings: usize,
}

/// One impedance sweep with where and when it was measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    pub step: usize,
    pub sweep: usize,
    pub cell: String,
    /// Run time of its first point.
    pub start_s: f64,
    /// (t_s, frequency_hz, z_real_ohm, z_imag_ohm), as measured.
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// Sweeps of one cell between two additions: the repeated spectra of one figure.
#[derive(Debug, Clone, PartialEq)]
pub struct EisGroup {
    pub cell: String,
    /// 0 before the cell's first addition, 1 after it, …
    pub segment: usize,
    /// Run time from which elapsed time is counted: the start of the group's first step.
    pub t0_s: f64,
    /// Indices into [`RunView::sweeps`].
    pub sweeps: Vec<usize>,
    pub steps: Vec<usize>,
}

/// A galvanostatic step's trace.
#[derive(Debug, Clone, PartialEq)]
pub struct GalvanoTrace {
    pub step: usize,
    pub cell: String,
    /// |current| in A, from the plan or else from the samples.
    pub current_a: f64,
    /// |current density| in A/cm², when the plan gives the area.
    pub density_a_per_cm2: Option<f64>,
    /// True when the working electrode strips (is oxidised).
    pub stripping: bool,
    /// (time since the step started, potential) in s and V.
    pub samples: Vec<(f64, f64)>,
    pub label: Option<String>,
}

/// An open-circuit potential trace of one step.
#[derive(Debug, Clone, PartialEq)]
pub struct OcvTrace {
    pub step: usize,
    pub cell: String,
    /// (time since the step started, potential) in s and V.
    pub samples: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Fault,
    Warning,
    Note,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Fault => "fault",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One line of "warnings and faults".
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub severity: Severity,
    pub t_s: Option<f64>,
    pub step: Option<usize>,
    pub message: String,
}

/// The journal, organised for the report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunView {
    pub steps: BTreeMap<usize, StepRun>,
    pub sweeps: Vec<Sweep>,
    pub groups: Vec<EisGroup>,
    pub galvano: Vec<GalvanoTrace>,
    pub ocv: Vec<OcvTrace>,
    pub notices: Vec<Notice>,
    /// The last `run_ended` in the journal, if any.
    pub ended: Option<(RunStatus, Option<String>)>,
    /// Run time of the last record.
    pub last_t_s: Option<f64>,
}

impl RunView {
    pub fn build(data: &RunData) -> RunView {
        let plan = data.plan.as_ref();
        let mut view = RunView::default();
        collect_steps(data, &mut view);
        let (sweeps, traces) = collect_data(&data.records);
        view.sweeps = sweeps
            .into_iter()
            .map(|s| to_sweep(s, &view.steps, plan))
            .collect();
        view.groups = group_sweeps(&view.sweeps, &view.steps, plan);
        for trace in traces {
            split_trace(trace, plan, &mut view);
        }
        for problem in &data.problems {
            view.notices.push(Notice {
                severity: Severity::Warning,
                t_s: None,
                step: None,
                message: problem.clone(),
            });
        }
        if let Some(analysis) = &data.analysis {
            for warning in &analysis.warnings {
                view.notices.push(Notice {
                    severity: Severity::Warning,
                    t_s: None,
                    step: None,
                    message: format!("analysis: {warning}"),
                });
            }
        }
        view
    }

    /// The cell of a step: the journal's record, else the plan's.
    pub fn cell_of(&self, step: usize) -> Option<&str> {
        self.steps.get(&step).map(|s| s.cell.as_str())
    }
}

fn collect_steps(data: &RunData, view: &mut RunView) {
    for record in &data.records {
        view.last_t_s = Some(record.t_s);
        let step = record.step;
        let mut notice = |severity, message: String| {
            view.notices.push(Notice {
                severity,
                t_s: Some(record.t_s),
                step,
                message,
            })
        };
        match &record.event {
            Event::StepStarted { kind, cell, .. } => {
                if let Some(index) = step {
                    // A resumed run restarts a step: the last start counts.
                    view.steps.insert(
                        index,
                        StepRun {
                            index,
                            kind: kind.clone(),
                            cell: cell.clone(),
                            started_s: Some(record.t_s),
                            ended_s: None,
                            status: None,
                            readings: 0,
                        },
                    );
                }
            }
            Event::StepEnded { status } => {
                if let Some(run) = step.and_then(|i| view.steps.get_mut(&i)) {
                    run.ended_s = Some(record.t_s);
                    run.status = Some(*status);
                }
                match status {
                    StepStatus::Failed => notice(Severity::Fault, "the step failed".into()),
                    StepStatus::Interrupted => {
                        notice(Severity::Fault, "the step was interrupted".into())
                    }
                    StepStatus::Limited => notice(
                        Severity::Warning,
                        "a potential limit ended the step early".into(),
                    ),
                    StepStatus::Completed => {}
                }
            }
            Event::Reading { reading } => {
                if let Some(run) = step.and_then(|i| view.steps.get_mut(&i)) {
                    run.readings += 1;
                }
                match reading {
                    Reading::Warning { message, .. } => {
                        notice(Severity::Warning, format!("instrument: {message}"))
                    }
                    Reading::Raw { line, .. } => notice(
                        Severity::Warning,
                        format!("unparsed line from the device: `{line}`"),
                    ),
                    _ => {}
                }
            }
            Event::LimitReached {
                potential_v,
                max_abs_v,
                on_limit,
            } => notice(
                Severity::Warning,
                format!(
                    "potential {} V reached the limit of ±{} V ({})",
                    number(*potential_v),
                    number(*max_abs_v),
                    match on_limit {
                        crate::plan::OnLimit::EndStep => "the step ended",
                        crate::plan::OnLimit::Abort => "the run was aborted",
                    }
                ),
            ),
            Event::Error { message } => notice(Severity::Fault, message.clone()),
            Event::RunResumed {
                from_step,
                previous_t_s,
            } => notice(
                Severity::Note,
                format!(
                    "resumed from step {from_step} (the previous session ended at {})",
                    crate::units::format_duration(*previous_t_s)
                ),
            ),
            Event::Addition {
                stock, volume_ml, ..
            } => notice(
                Severity::Note,
                format!("added {} mL of {stock}", number(*volume_ml)),
            ),
            Event::Answer {
                answer: Some(answer),
            } => notice(Severity::Note, format!("operator answered: {answer}")),
            Event::RunEnded { status, reason } => {
                view.ended = Some((*status, reason.clone()));
                if *status != RunStatus::Completed {
                    notice(
                        Severity::Fault,
                        format!(
                            "the run ended {}{}",
                            status_name(*status),
                            reason.as_ref().map_or(String::new(), |r| format!(": {r}"))
                        ),
                    );
                }
            }
            _ => {}
        }
    }
    drop_repeated_faults(&mut view.notices);
}

/// A fault is journalled as an error, then again as its step's end and the run's end: the
/// report lists it once. A step's "failed"/"interrupted" is dropped when a fault of that
/// step at the same time precedes it; the run's end when its reason repeats an earlier fault.
fn drop_repeated_faults(notices: &mut Vec<Notice>) {
    const STEP_ENDS: [&str; 2] = ["the step failed", "the step was interrupted"];
    let mut kept: Vec<Notice> = Vec::with_capacity(notices.len());
    for n in notices.drain(..) {
        let faults = || kept.iter().filter(|k| k.severity == Severity::Fault);
        let repeated = n.severity == Severity::Fault
            && if STEP_ENDS.contains(&n.message.as_str()) {
                faults().any(|k| k.step == n.step && k.t_s == n.t_s)
            } else if n.message.starts_with("the run ended ") {
                faults().any(|k| n.message.ends_with(&format!(": {}", k.message)))
            } else {
                false
            };
        if !repeated {
            kept.push(n);
        }
    }
    *notices = kept;
}

pub fn status_name(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Running => "running",
        RunStatus::Completed => "completed",
        RunStatus::Failed => "failed",
        RunStatus::Interrupted => "interrupted",
    }
}

pub fn step_status_name(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Completed => "completed",
        StepStatus::Limited => "ended at limit",
        StepStatus::Failed => "failed",
        StepStatus::Interrupted => "interrupted",
    }
}

fn cell_name(step: usize, steps: &BTreeMap<usize, StepRun>, plan: Option<&Plan>) -> String {
    steps
        .get(&step)
        .map(|s| s.cell.clone())
        .or_else(|| plan.and_then(|p| p.steps.get(step)).map(|s| s.cell.clone()))
        .unwrap_or_else(|| "?".into())
}

fn to_sweep(record: SweepRecord, steps: &BTreeMap<usize, StepRun>, plan: Option<&Plan>) -> Sweep {
    Sweep {
        cell: cell_name(record.step, steps, plan),
        start_s: record.points.first().map_or(0.0, |p| p.0),
        step: record.step,
        sweep: record.sweep,
        points: record.points,
    }
}

fn is_addition(step: usize, steps: &BTreeMap<usize, StepRun>, plan: Option<&Plan>) -> bool {
    steps
        .get(&step)
        .map(|s| s.kind == "addition")
        .unwrap_or_else(|| {
            plan.and_then(|p| p.steps.get(step))
                .is_some_and(|s| matches!(s.action, Action::Addition(_)))
        })
}

/// Groups sweeps per cell, starting a new group after each addition to that cell.
fn group_sweeps(
    sweeps: &[Sweep],
    steps: &BTreeMap<usize, StepRun>,
    plan: Option<&Plan>,
) -> Vec<EisGroup> {
    let mut groups: Vec<EisGroup> = Vec::new();
    for (i, sweep) in sweeps.iter().enumerate() {
        let segment = steps
            .keys()
            .copied()
            .chain(plan.map_or(0..0, |p| 0..p.steps.len()))
            .filter(|&s| s < sweep.step && is_addition(s, steps, plan))
            .filter(|&s| cell_name(s, steps, plan) == sweep.cell)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let t_start = steps
            .get(&sweep.step)
            .and_then(|s| s.started_s)
            .unwrap_or(sweep.start_s);
        match groups
            .iter_mut()
            .find(|g| g.cell == sweep.cell && g.segment == segment)
        {
            Some(group) => {
                group.sweeps.push(i);
                if !group.steps.contains(&sweep.step) {
                    group.steps.push(sweep.step);
                }
                group.t0_s = group.t0_s.min(t_start);
            }
            None => groups.push(EisGroup {
                cell: sweep.cell.clone(),
                segment,
                t0_s: t_start,
                sweeps: vec![i],
                steps: vec![sweep.step],
            }),
        }
    }
    groups
}

fn split_trace(trace: TraceRecord, plan: Option<&Plan>, view: &mut RunView) {
    let steps = &view.steps;
    let cell = cell_name(trace.step, steps, plan);
    let plan_step = plan.and_then(|p| p.steps.get(trace.step));
    let galvano = plan_step.and_then(|s| match &s.action {
        Action::Galvanostatic(g) => Some(g),
        _ => None,
    });
    let t0 = steps
        .get(&trace.step)
        .and_then(|s| s.started_s)
        .or_else(|| trace.samples.first().map(|s| s.0))
        .unwrap_or(0.0);
    let measured_current = trace.samples.iter().any(|s| s.2 != 0.0);
    if galvano.is_none() && !measured_current {
        view.ocv.push(OcvTrace {
            step: trace.step,
            cell,
            samples: trace.samples.iter().map(|s| (s.0 - t0, s.1)).collect(),
        });
        return;
    }
    let mean_current = trace.samples.iter().map(|s| s.2).sum::<f64>() / trace.samples.len() as f64;
    let (current_a, density, stripping) = match galvano {
        Some(g) => (
            g.current_a.abs(),
            Some(g.current_density_a_per_cm2.abs()),
            g.stripping == Role::Working,
        ),
        // Without a plan: the sign convention of `Reading::Galvano` (positive = WE strips).
        None => (mean_current.abs(), None, mean_current > 0.0),
    };
    view.galvano.push(GalvanoTrace {
        step: trace.step,
        cell,
        current_a,
        density_a_per_cm2: density,
        stripping,
        samples: trace.samples.iter().map(|s| (s.0 - t0, s.1)).collect(),
        label: plan_step.and_then(|s| s.label.clone()),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interruption_is_listed_once() {
        let fault = |step, message: &str| Notice {
            severity: Severity::Fault,
            t_s: Some(14400.0),
            step,
            message: message.into(),
        };
        let mut notices = vec![
            fault(Some(0), "the run was interrupted"),
            fault(Some(0), "the step was interrupted"),
            fault(
                None,
                "the run ended interrupted: step 0: the run was interrupted",
            ),
        ];
        drop_repeated_faults(&mut notices);
        assert_eq!(notices, vec![fault(Some(0), "the run was interrupted")]);
        // Without the error before them, the step's and the run's ends are the news.
        let mut alone = vec![
            fault(Some(2), "the step failed"),
            fault(None, "the run ended failed: step 2 failed"),
        ];
        drop_repeated_faults(&mut alone);
        assert_eq!(alone.len(), 2);
    }
}
