//! The dry-run summary: a plain table of what each step did, deterministic for a given seed
//! (no wall-clock times, no paths), so it can be snapshot-tested.

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
    let mut started = vec![None; steps.len()];
    for record in records {
        let Some(summary) = record.step.and_then(|i| steps.get_mut(i)) else {
            continue;
        };
        match &record.event {
            Event::StepStarted { .. } => started[summary.index] = Some(record.t_s),
            Event::StepEnded { status } => {
                summary.status = Some(*status);
                summary.actual_s = started[summary.index].map(|t0| record.t_s - t0);
            }
            Event::SweepStarted { .. } => summary.sweeps += 1,
            Event::Reading { reading } => match reading {
                Reading::EisPoint { .. } => summary.eis_points += 1,
                Reading::Galvano { potential_v, .. } | Reading::Ocv { potential_v, .. } => {
                    summary.samples += 1;
                    summary.last_potential_v = Some(*potential_v);
                }
                Reading::Warning { .. } | Reading::Raw { .. } => summary.warnings += 1,
            },
            Event::LimitReached { .. } => summary.warnings += 1,
            _ => {}
        }
    }
    steps
}

/// Renders the summary as a fixed-width table.
pub fn render(plan: &Plan, records: &[Record]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>4}  {:<14} {:<12} {:>16} {:>16} {:>6} {:>7} {:>7} {:>10}  status",
        "step", "kind", "cell", "planned", "actual", "sweeps", "points", "samples", "last E/V"
    );
    for s in summarise(plan, records) {
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
    out
}
