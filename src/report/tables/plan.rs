//! The plan table: every step with what it does, planned and actual start and duration,
//! how it ended and how many readings it recorded.

use super::{in_unit, si};
use crate::plan::{Action, Bias, Plan, Role, StopCondition};
use crate::report::html::{Mark, Table, num, text};
use crate::report::view::{RunView, step_status_name};
use crate::units::{Dimension, format_duration};

/// One line saying what a step does.
pub fn describe_action(action: &Action) -> String {
    match action {
        Action::Rest(rest) => {
            let mut s = String::from("rest at open circuit");
            if let Some(dt) = rest.sample_interval_s {
                s.push_str(&format!(", potential every {}", format_duration(dt)));
            }
            if let Some(eis) = &rest.eis {
                s.push_str(&format!(
                    ", EIS every {} ({} sweeps)",
                    format_duration(eis.every_s),
                    eis.sweep_offsets_s.len()
                ));
            }
            s
        }
        Action::Eis(sweep) => {
            let (hi, lo) = sweep
                .frequencies_hz
                .iter()
                .fold((0.0f64, f64::INFINITY), |(h, l), f| (h.max(*f), l.min(*f)));
            let bias = match sweep.bias {
                Bias::OpenCircuit => "at open circuit".to_string(),
                Bias::VsOpenCircuit { potential_v } => {
                    format!("at {} vs OCV", si(potential_v, Dimension::Potential))
                }
                Bias::Absolute { potential_v } => {
                    format!("at {}", si(potential_v, Dimension::Potential))
                }
            };
            format!(
                "EIS {} to {}, {} rms, {} points, {bias}",
                si(hi, Dimension::Frequency),
                si(lo, Dimension::Frequency),
                si(sweep.amplitude_v_rms, Dimension::Potential),
                sweep.frequencies_hz.len()
            )
        }
        Action::Galvanostatic(g) => {
            let role = if g.stripping == Role::Working {
                "stripping"
            } else {
                "plating"
            };
            let stop = match g.stop {
                StopCondition::Duration { duration_s } => {
                    format!("for {}", format_duration(duration_s))
                }
                StopCondition::Capacity {
                    areal_capacity_c_per_cm2,
                } => format!(
                    "to {}",
                    in_unit(areal_capacity_c_per_cm2, Dimension::ArealCharge, "mAh/cm2")
                ),
                StopCondition::Potential {
                    limit_v,
                    max_duration_s,
                } => format!(
                    "until E = {} (at most {})",
                    si(limit_v, Dimension::Potential),
                    format_duration(max_duration_s)
                ),
            };
            format!(
                "galvanostatic {} ({}), working electrode {role}, {stop}",
                si(g.current_density_a_per_cm2.abs(), Dimension::CurrentDensity),
                si(g.current_a.abs(), Dimension::Current)
            )
        }
        Action::Addition(a) => format!(
            "add {} of {}{}",
            si(a.volume_ml * 1e-3, Dimension::Volume),
            a.stock,
            a.target.as_ref().map_or(String::new(), |t| format!(
                " to reach {} {}",
                t.species,
                si(t.concentration_m, Dimension::Concentration)
            ))
        ),
        Action::Prompt { message } => format!("operator: {message}"),
        Action::Voltammetry(v) => {
            let (lo, hi) = v.window_v();
            let what = match v.shape {
                crate::plan::SweepShape::Linear { .. } => "linear sweep".to_string(),
                crate::plan::SweepShape::Cyclic { cycles, .. } => {
                    format!("cyclic voltammetry, {cycles} cycles,")
                }
            };
            format!(
                "{what} {} to {} at {}/s",
                si(lo, Dimension::Potential),
                si(hi, Dimension::Potential),
                si(v.scan_rate_v_per_s, Dimension::Potential)
            )
        }
        Action::Potentiostatic(p) => format!(
            "potentiostatic hold at {}",
            si(p.potential_v, Dimension::Potential)
        ),
        Action::Temperature(t) => format!(
            "temperature set to {}",
            si(t.temperature_c, Dimension::Temperature)
        ),
    }
}

fn dur(s: Option<f64>) -> (String, Mark) {
    match s {
        Some(s) => num(format_duration(s)),
        None => ("–".into(), Mark::Muted),
    }
}

/// The plan, step by step, with planned and actual start, duration and status.
pub fn plan_steps(plan: &Plan, view: &RunView) -> Table {
    let mut table = Table::new(&[
        "#",
        "line",
        "cell",
        "what",
        "planned start",
        "planned",
        "actual start",
        "actual",
        "status",
        "readings",
    ]);
    for step in &plan.steps {
        let run = view.steps.get(&step.index);
        let actual = run.and_then(|r| Some(r.ended_s? - r.started_s?));
        let status = match run {
            None => ("not reached".to_string(), Mark::Muted),
            Some(r) => match r.status {
                Some(s) => (
                    step_status_name(s).to_string(),
                    if matches!(s, crate::run::journal::StepStatus::Completed) {
                        Mark::Pass
                    } else {
                        Mark::Fail
                    },
                ),
                None => ("did not end".to_string(), Mark::Fail),
            },
        };
        let mut what = describe_action(&step.action);
        if let Some(label) = &step.label {
            what = format!("“{label}”: {what}");
        }
        table.row(vec![
            num(step.index.to_string()),
            num(step.span.line.to_string()),
            text(step.cell.clone()),
            text(what),
            num(format_duration(step.start_s)),
            num(format_duration(step.duration_s)),
            dur(run.and_then(|r| r.started_s)),
            dur(actual),
            status,
            num(run.map_or(0, |r| r.readings).to_string()),
        ]);
    }
    table
}
