//! A whole plan as MethodSCRIPT: the scripts a run sends, in order (`--emit-methodscript`).
//!
//! Takes a checked [`Plan`] and gives one [`EmittedScript`] per request the interpreter makes:
//! rest steps with repeated EIS become their open-circuit stretches and sweeps
//! ([`rest_segments`]), operator steps are listed but send nothing. [`render`] prints them
//! exactly as they go over the wire.

use super::header::ScriptKind;
use super::script::{
    Script, ScriptError, ScriptOptions, Target, eis_script, galvanostatic_script, rest_script,
};
use crate::plan::{Action, Galvanostatic, OnLimit, Plan, PotentialLimit, Rest};
use crate::units::{Dimension, format_si};

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
            Action::Temperature(t) => out.push(operator_entry(
                step,
                crate::instrument::climate_chamber_message(&step.cell, t.temperature_c),
            )),
            Action::Voltammetry(v) => emit(super::script::voltammetry_script(
                target,
                v,
                plan.limits.max_abs_current_a,
            )),
            Action::Potentiostatic(p) => emit(super::script::potentiostatic_script(
                target,
                p,
                step.duration_s,
                plan.limits.max_abs_current_a,
            )),
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
