//! The dry-run summary: a plain table of what each step did, deterministic for a given seed
//! (no wall-clock times, no paths), so it can be snapshot-tested.
//!
//! A resumed run redoes its incomplete step; the journal keeps both attempts. Like the derived
//! data ([`super::folder::collect_data`]), the table counts each step's last attempt, and says
//! underneath what was measured and then repeated.

use super::journal::{Event, Record, StepStatus};
use crate::instrument::Reading;
use crate::plan::Plan;
use crate::units::format_duration;
use std::fmt::Write as _;

/// Per-step facts gathered from the journal.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepSummary {
    pub index: usize,
    pub kind: String,
    pub cell: String,
    pub planned_s: f64,
    pub actual_s: Option<f64>,
    pub sweeps: usize,
    pub eis_points: usize,
    pub samples: usize,
    pub last_potential_v: Option<f64>,
    pub status: Option<StepStatus>,
    pub warnings: usize,
    /// How often the step was started (more than 1 after a resume redid it).
    pub attempts: usize,
    /// What the earlier, superseded attempts measured.
    pub repeated: Repeated,
}

/// Totals over a step's superseded attempts.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Repeated {
    /// Run time spent in them, s (from each start to its last record).
    pub time_s: f64,
    pub sweeps: usize,
    pub eis_points: usize,
    pub samples: usize,
}

/// Gathers one [`StepSummary`] per plan step.
pub fn summarise(plan: &Plan, records: &[Record]) -> Vec<StepSummary> {
    let mut steps: Vec<StepSummary> = plan
        .steps
        .iter()
        .map(|s| StepSummary {
            index: s.index,
            kind: s.action.kind().to_string(),
            cell: s.cell.clone(),
            planned_s: s.duration_s,
            ..StepSummary::default()
        })
        .collect();
    let mut started: Vec<Option<f64>> = vec![None; steps.len()];
    let mut last_t = vec![0.0f64; steps.len()];
    for record in records {
        let Some(summary) = record.step.and_then(|i| steps.get_mut(i)) else {
            continue;
        };
        let i = summary.index;
        match &record.event {
            Event::StepStarted { .. } => {
                if let Some(t0) = started[i] {
                    // A new attempt supersedes the last one: count it apart.
                    let previous = std::mem::take(summary);
                    *summary = StepSummary {
                        repeated: Repeated {
                            time_s: previous.repeated.time_s + (last_t[i] - t0).max(0.0),
                            sweeps: previous.repeated.sweeps + previous.sweeps,
                            eis_points: previous.repeated.eis_points + previous.eis_points,
                            samples: previous.repeated.samples + previous.samples,
                        },
                        attempts: previous.attempts,
                        index: previous.index,
                        kind: previous.kind,
                        cell: previous.cell,
                        planned_s: previous.planned_s,
                        ..StepSummary::default()
                    };
                }
                started[i] = Some(record.t_s);
                summary.attempts += 1;
            }
            Event::StepEnded { status } => {
                summary.status = Some(*status);
                summary.actual_s = started[i].map(|t0| record.t_s - t0);
            }
            Event::SweepStarted { .. } => summary.sweeps += 1,
            Event::Reading { reading } => match reading {
                Reading::EisPoint { .. } => summary.eis_points += 1,
                Reading::Galvano { potential_v, .. }
                | Reading::Ocv { potential_v, .. }
                | Reading::Potentiostatic { potential_v, .. } => {
                    summary.samples += 1;
                    summary.last_potential_v = Some(*potential_v);
                }
                Reading::Warning { .. } | Reading::Raw { .. } => summary.warnings += 1,
            },
            Event::LimitReached { .. } => summary.warnings += 1,
            _ => {}
        }
        last_t[i] = record.t_s;
    }
    steps
}

/// Run time counted once per step (its last attempt), and run time repeated, s.
pub fn run_time(steps: &[StepSummary]) -> (f64, f64) {
    let counted = steps.iter().filter_map(|s| s.actual_s).sum();
    let repeated = steps.iter().map(|s| s.repeated.time_s).sum();
    (counted, repeated)
}

/// Renders the summary as a fixed-width table.
pub fn render(plan: &Plan, records: &[Record]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>4}  {:<14} {:<12} {:>16} {:>16} {:>6} {:>7} {:>7} {:>10}  status",
        "step", "kind", "cell", "planned", "actual", "sweeps", "points", "samples", "last E/V"
    );
    let steps = summarise(plan, records);
    for s in &steps {
        let actual = s.actual_s.map_or_else(|| "-".to_string(), format_duration);
        let last = s
            .last_potential_v
            .map_or_else(|| "-".to_string(), |v| format!("{v:.4}"));
        let status = s
            .status
            .map_or("not run".to_string(), |st| format!("{st:?}").to_lowercase());
        let _ = writeln!(
            out,
            "{:>4}  {:<14} {:<12} {:>16} {:>16} {:>6} {:>7} {:>7} {:>10}  {}{}",
            s.index,
            s.kind,
            s.cell,
            format_duration(s.planned_s),
            actual,
            s.sweeps,
            s.eis_points,
            s.samples,
            last,
            status,
            if s.warnings > 0 {
                format!(" ({} warnings)", s.warnings)
            } else {
                String::new()
            }
        );
    }
    out.push_str(&super::model_limits::render(
        &super::model_limits::not_modelled(records),
    ));
    for s in steps.iter().filter(|s| s.attempts > 1) {
        let r = s.repeated;
        let _ = writeln!(
            out,
            "step {} was started {} times (resumed): the table counts its last attempt; \
             {} measured before and repeated ({} sweeps, {} points, {} samples)",
            s.index,
            s.attempts,
            format_duration(r.time_s),
            r.sweeps,
            r.eis_points,
            r.samples,
        );
    }
    out
}
