//! Results: derived quantities and expects (with values from the analysis when present),
//! every fitted sweep, and the journal's faults, warnings and notes.

use super::{describe_check, in_unit, si};
use crate::plan::Plan;
use crate::report::analysis::{ExpectOutcome, FitSeries, ReportAnalysis, ResidualPoint};
use crate::report::html::{Mark, Table, num, text};
use crate::report::plots::style::number;
use crate::report::view::{Notice, RunView, Severity};
use crate::units::{Dimension, format_duration};

/// Derived quantities: the protocol's list, with values from the analysis when present.
pub fn quantities(plan: Option<&Plan>, analysis: Option<&ReportAnalysis>) -> Table {
    let mut t = Table::new(&["quantity", "value", "note"]);
    let computed = analysis.map_or(&[][..], |a| &a.quantities[..]);
    let mut names: Vec<&str> = plan.map_or(Vec::new(), |p| {
        p.analysis
            .quantities
            .iter()
            .map(|q| q.name.as_str())
            .collect()
    });
    for q in computed {
        if !names.contains(&q.name.as_str()) {
            names.push(&q.name);
        }
    }
    for name in names {
        match computed.iter().find(|q| q.name == name) {
            Some(q) => t.row(vec![
                text(name),
                match q.value {
                    Some(v) => num(in_unit(v, q.dimension, &q.unit)),
                    None => ("not computed".into(), Mark::Fail),
                },
                text(q.note.clone().unwrap_or_default()),
            ]),
            None => t.row(vec![
                text(name),
                ("not evaluated".into(), Mark::Muted),
                text("no analysis.json"),
            ]),
        }
    }
    t
}

/// Every expect with its condition, value and pass/fail.
pub fn expects(plan: Option<&Plan>, analysis: Option<&ReportAnalysis>) -> Table {
    let mut t = Table::new(&["expect", "observation", "condition", "value", "result"]);
    let outcomes = analysis.map_or(&[][..], |a| &a.expects[..]);
    let planned = plan.map_or(&[][..], |p| &p.analysis.expects[..]);
    let mut seen = vec![false; outcomes.len()];
    for expect in planned {
        let found = outcomes
            .iter()
            .enumerate()
            .find(|(i, o)| !seen[*i] && o.text == expect.text);
        let condition = describe_check(&expect.check, expect.dimension, &expect.unit);
        let observation = expect.observation.clone().unwrap_or_default();
        match found {
            Some((i, o)) => {
                seen[i] = true;
                t.row(vec![
                    text(expect.text.clone()),
                    text(observation),
                    text(condition),
                    value_cell(o.value, o.dimension, &o.unit),
                    verdict(o),
                ]);
            }
            None => t.row(vec![
                text(expect.text.clone()),
                text(observation),
                text(condition),
                ("–".into(), Mark::Muted),
                ("not evaluated".into(), Mark::Muted),
            ]),
        }
    }
    // Outcomes the plan does not list (an analysis of another plan version): still shown.
    for (i, o) in outcomes.iter().enumerate().filter(|(i, _)| !seen[*i]) {
        let _ = i;
        t.row(vec![
            text(o.text.clone()),
            text(o.observation.clone().unwrap_or_default()),
            text(o.note.clone().unwrap_or_default()),
            value_cell(o.value, o.dimension, &o.unit),
            verdict(o),
        ]);
    }
    t
}

fn value_cell(value: Option<f64>, dimension: Dimension, unit: &str) -> (String, Mark) {
    match value {
        Some(v) => num(in_unit(v, dimension, unit)),
        None => ("not computed".into(), Mark::Fail),
    }
}

fn verdict(outcome: &ExpectOutcome) -> (String, Mark) {
    if outcome.not_measured {
        ("not measured".into(), Mark::Muted)
    } else if outcome.passed {
        ("pass".into(), Mark::Pass)
    } else {
        ("FAIL".into(), Mark::Fail)
    }
}

fn rms_percent(points: &[ResidualPoint]) -> Option<f64> {
    if points.is_empty() {
        return None;
    }
    let sum: f64 = points
        .iter()
        .map(|p| p.real * p.real + p.imag * p.imag)
        .sum();
    Some(100.0 * (sum / (2 * points.len()) as f64).sqrt())
}

/// One row per fitted sweep: time, R, C, f_peak, Re, P and residual sizes.
pub fn sweep_fits(fit: &FitSeries) -> Table {
    let mut t = Table::new(&[
        "step",
        "sweep",
        "elapsed",
        "R",
        "C",
        "peak frequency",
        "Re",
        "P",
        "fit residual (rms)",
        "Lin-KK residual (rms)",
        "note",
    ]);
    let pct = |v: Option<f64>| match v {
        Some(v) => num(format!("{} %", number(v))),
        None => ("–".into(), Mark::Muted),
    };
    let value = |v: Option<f64>, dimension: Option<Dimension>| match (v, dimension) {
        (Some(v), Some(d)) => num(si(v, d)),
        (Some(v), None) => num(number(v)),
        (None, _) => ("–".into(), Mark::Muted),
    };
    for s in &fit.sweeps {
        t.row(vec![
            num(s.step.to_string()),
            num(s.sweep.to_string()),
            num(format_duration(s.t_s)),
            value(s.r_ohm_cm2, Some(Dimension::ArealResistance)),
            value(s.c_f_per_cm2, Some(Dimension::ArealCapacitance)),
            value(s.f_peak_hz, Some(Dimension::Frequency)),
            if s.re_undetermined {
                ("undetermined (at bound)".into(), Mark::Muted)
            } else {
                value(s.re_ohm_cm2, Some(Dimension::ArealResistance))
            },
            value(s.p, None),
            pct(rms_percent(&s.residuals)),
            pct(rms_percent(&s.linkk_residuals)),
            match &s.note {
                Some(n) => (n.clone(), Mark::Fail),
                None => text(""),
            },
        ]);
    }
    t
}

/// The journal's faults, warnings and notes, in order.
pub fn notices(view: &RunView) -> Table {
    let mut t = Table::new(&["", "time", "step", "what"]);
    let mut notices: Vec<&Notice> = view.notices.iter().collect();
    notices.sort_by_key(|n| n.severity);
    for n in notices {
        t.row(vec![
            (
                n.severity.name().to_string(),
                match n.severity {
                    Severity::Fault => Mark::Fail,
                    Severity::Warning => Mark::Plain,
                    Severity::Note => Mark::Muted,
                },
            ),
            n.t_s
                .map_or(("–".into(), Mark::Muted), |t| num(format_duration(t))),
            n.step
                .map_or(("–".into(), Mark::Muted), |s| num(s.to_string())),
            text(n.message.clone()),
        ]);
    }
    t
}
