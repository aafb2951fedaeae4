//! The report's tables: the plan with planned and actual timing, cells and materials,
//! derived quantities, expects with pass/fail, per-sweep fit results and the journal's
//! warnings and faults.
//!
//! Takes the plan, the journal view and the analysis; gives [`Table`]s of display text.
//! Values are shown in the unit the protocol wrote, typeset (`kOhm cm2` → `kΩ cm²`).

use super::analysis::{FitSeries, ReportAnalysis, ResidualPoint};
use super::html::{Mark, Table, num, text};
use super::plots::style::number;
use super::view::{RunView, step_status_name};
use crate::plan::{
    Action, Bias, Cell, CellElectrode, Check, Geometry, Plan, Pretreatment, Role, Solute,
    StopCondition,
};
use crate::units::{Dimension, Quantity, format_duration, format_si};

/// A unit spelling as typeset: `kOhm cm2` → `kΩ cm²`, `uF/cm2` → `µF/cm²`.
pub fn pretty_unit(unit: &str) -> String {
    unit.split(' ')
        .map(|token| {
            token
                .split('/')
                .map(|part| {
                    let part = part
                        .replace("Ohm", "Ω")
                        .replace("degC", "°C")
                        .replace("cm2", "cm²")
                        .replace("mm2", "mm²");
                    let part = if part == "m2" {
                        "m²".to_string()
                    } else {
                        part
                    };
                    // A leading `u` is the micro prefix (uF, uA, uL, um, uAh, uHz…).
                    match part.strip_prefix('u') {
                        Some(rest) if !rest.is_empty() => format!("µ{rest}"),
                        _ => part,
                    }
                })
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A canonical value shown in `unit` (falls back to an SI-prefixed canonical unit).
pub fn in_unit(value: f64, dimension: Dimension, unit: &str) -> String {
    if !value.is_finite() {
        return format!("{value}");
    }
    match Quantity::new(value, dimension).in_unit(unit) {
        Some(v) => format!("{} {}", number(v), pretty_unit(unit))
            .trim()
            .to_string(),
        None => pretty_unit(&format_si(value, dimension)),
    }
}

fn si(value: f64, dimension: Dimension) -> String {
    // Beyond any prefix the unit table has, show the canonical unit with an exponent.
    if value.is_finite() && value != 0.0 && !(1e-15..1e15).contains(&value.abs()) {
        return pretty_unit(&format!("{} {}", number(value), dimension.canonical_unit()));
    }
    pretty_unit(&format_si(value, dimension))
}

/// Lengths as a lab writes them: µm below a millimetre, else mm (12 mm, not 1.2 cm).
fn length(m: f64) -> String {
    let unit = if m.abs() < 1e-3 { "um" } else { "mm" };
    in_unit(m, Dimension::Length, unit)
}

fn material(m: crate::plan::Material) -> &'static str {
    match m {
        crate::plan::Material::Mg => "Mg",
        crate::plan::Material::Li => "Li",
        crate::plan::Material::GlassyCarbon => "glassy carbon",
    }
}

/// The condition of an expect, in words and in the expect's unit.
pub fn describe_check(check: &Check, dimension: Dimension, unit: &str) -> String {
    let v = |x: f64| in_unit(x, dimension, unit);
    match *check {
        Check::Within { target, rel_tol } => {
            format!("within {} % of {}", number(rel_tol * 100.0), v(target))
        }
        Check::PlusMinus { target, abs_tol } => {
            let tol = in_unit(abs_tol, dimension, unit);
            format!("{} ± {tol}", v(target))
        }
        Check::Between { low, high } => format!("between {} and {}", v(low), v(high)),
        Check::Above { bound } => format!("above {}", v(bound)),
        Check::Below { bound } => format!("below {}", v(bound)),
    }
}

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
                    "until |E| = {} (at most {})",
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

fn solutes(list: &[Solute]) -> String {
    list.iter()
        .map(|s| {
            format!(
                "{}{} {}",
                if s.nominal { "nominal " } else { "" },
                si(s.concentration_m, Dimension::Concentration),
                s.species
            )
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

fn solvents(list: &[crate::plan::SolventPart]) -> String {
    let names: Vec<&str> = list.iter().map(|s| s.name.as_str()).collect();
    let parts: Vec<String> = list.iter().map(|s| number(s.parts)).collect();
    if list.len() > 1 {
        format!("{} {}", names.join(":"), parts.join(":"))
    } else {
        names.join("")
    }
}

/// The names a plan's cells and steps actually use: a protocol imports a library of
/// materials, and the report lists only what this run touched.
#[derive(Debug, Default)]
pub struct Used {
    pub solutions: Vec<String>,
    pub electrodes: Vec<String>,
    pub separators: Vec<String>,
}

impl Used {
    pub fn of(plan: &Plan) -> Used {
        let mut used = Used::default();
        let add = |list: &mut Vec<String>, name: &str| {
            if !list.iter().any(|n| n == name) {
                list.push(name.to_string());
            }
        };
        for cell in &plan.cells {
            add(&mut used.solutions, &cell.electrolyte);
            for e in [
                Some(&cell.working),
                cell.counter.as_ref(),
                cell.reference.as_ref(),
            ]
            .into_iter()
            .flatten()
            {
                add(&mut used.electrodes, &e.electrode);
                for p in &e.pretreatments {
                    if let Pretreatment::Soak { solution, .. } = p {
                        add(&mut used.solutions, solution);
                    }
                }
            }
            if let Some(separator) = &cell.separator {
                add(&mut used.separators, separator);
            }
        }
        for step in &plan.steps {
            if let Action::Addition(a) = &step.action {
                add(&mut used.solutions, &a.stock);
            }
        }
        used
    }
}

pub fn solutions(plan: &Plan) -> Table {
    let used = Used::of(plan);
    let mut t = Table::new(&["solution", "solutes", "solvents", "ratio by", "water"]);
    for s in plan
        .solutions
        .iter()
        .filter(|s| used.solutions.contains(&s.name))
    {
        t.row(vec![
            text(s.name.clone()),
            text(solutes(&s.solutes)),
            text(solvents(&s.solvents)),
            text(s.ratio_basis.clone()),
            text(
                s.water_max_ppm
                    .map_or("–".into(), |w| format!("< {} ppm", number(w))),
            ),
        ]);
    }
    t
}

fn pretreatments(list: &[Pretreatment]) -> String {
    if list.is_empty() {
        return "none".into();
    }
    list.iter()
        .map(|p| match p {
            Pretreatment::Brush { grit, directions } => {
                format!("brushed {grit}, {directions} directions")
            }
            Pretreatment::Dry {
                temperature_c,
                duration_s,
            } => format!(
                "dried {} °C, {}",
                number(*temperature_c),
                format_duration(*duration_s)
            ),
            Pretreatment::Soak {
                solution,
                duration_s,
            } => format!("soaked in {solution}, {}", format_duration(*duration_s)),
            Pretreatment::Wash { solvent } => format!("washed with {solvent}"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn electrodes(plan: &Plan) -> Table {
    let used = Used::of(plan);
    let mut t = Table::new(&[
        "electrode",
        "material",
        "geometry",
        "thickness",
        "area",
        "pretreatment",
    ]);
    for e in plan
        .electrodes
        .iter()
        .filter(|e| used.electrodes.contains(&e.name))
    {
        let geometry = match e.geometry {
            Geometry::Disc { diameter_m } => format!("disc ⌀ {}", length(diameter_m)),
            Geometry::Strip { width_m, length_m } => {
                format!("strip {} × {}", length(width_m), length(length_m))
            }
            Geometry::RodFace { diameter_m } => format!("rod face ⌀ {}", length(diameter_m)),
            Geometry::Area => "area given".into(),
        };
        t.row(vec![
            text(e.name.clone()),
            text(material(e.material)),
            text(geometry),
            text(e.thickness_m.map_or("–".into(), length)),
            num(format!("{} cm²", number(e.area_cm2))),
            text(pretreatments(&e.pretreatments)),
        ]);
    }
    t
}

fn electrode(e: &CellElectrode) -> String {
    let wetted = if (e.wetted_area_cm2 - e.nominal_area_cm2).abs() > 1e-12 {
        format!(", {} cm² wetted", number(e.wetted_area_cm2))
    } else {
        String::new()
    };
    format!(
        "{} ({} cm²{wetted})",
        e.electrode,
        number(e.nominal_area_cm2)
    )
}

pub fn cells(plan: &Plan) -> Table {
    let mut t = Table::new(&[
        "cell",
        "kind",
        "working",
        "counter",
        "reference",
        "electrolyte",
        "volume",
        "µL/cm²",
        "separator",
        "areal values per",
    ]);
    for c in &plan.cells {
        t.row(cell_row(c));
    }
    t
}

fn cell_row(c: &Cell) -> Vec<(String, Mark)> {
    let kind = match c.kind {
        crate::plan::CellKind::Symmetric => "symmetric",
        crate::plan::CellKind::ThreeElectrode => "three-electrode",
        crate::plan::CellKind::SoakVial => "soak vial",
    };
    let casing = c.casing.map_or("", |k| match k {
        crate::plan::Casing::Swagelok => ", Swagelok",
        crate::plan::Casing::Pouch => ", pouch",
        crate::plan::Casing::Glass => ", glass",
        crate::plan::Casing::Vial => ", vial",
    });
    let kind = format!("{kind}{casing}");
    vec![
        text(c.name.clone()),
        text(kind),
        text(electrode(&c.working)),
        text(c.counter.as_ref().map_or("–".into(), electrode)),
        text(c.reference.as_ref().map_or("–".into(), electrode)),
        text(format!(
            "{}: {} in {}",
            c.electrolyte,
            solutes(&c.composition),
            solvents(&c.solvents)
        )),
        num(si(c.volume_ml * 1e-3, Dimension::Volume)),
        num(number(c.electrolyte_ul_per_cm2)),
        text(c.separator.clone().unwrap_or_else(|| "–".into())),
        num(format!("{} cm²", number(c.normalising_area_cm2))),
    ]
}

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
                    verdict(o.passed),
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
            verdict(o.passed),
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

fn verdict(passed: bool) -> (String, Mark) {
    if passed {
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
            value(s.re_ohm_cm2, Some(Dimension::ArealResistance)),
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
    let mut notices: Vec<&super::view::Notice> = view.notices.iter().collect();
    notices.sort_by_key(|n| n.severity);
    for n in notices {
        t.row(vec![
            (
                n.severity.name().to_string(),
                match n.severity {
                    super::view::Severity::Fault => Mark::Fail,
                    super::view::Severity::Warning => Mark::Plain,
                    super::view::Severity::Note => Mark::Muted,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_typeset() {
        assert_eq!(pretty_unit("kOhm cm2"), "kΩ cm²");
        assert_eq!(pretty_unit("uF/cm2"), "µF/cm²");
        assert_eq!(pretty_unit("mAh/cm2"), "mAh/cm²");
        assert_eq!(pretty_unit("degC"), "°C");
        assert_eq!(
            in_unit(4e5, Dimension::ArealResistance, "kOhm cm2"),
            "400 kΩ cm²"
        );
        // A unit of another dimension falls back to SI.
        assert_eq!(in_unit(4e5, Dimension::ArealResistance, "uF"), "400 kΩ cm²");
    }

    #[test]
    fn checks_read_as_sentences() {
        let c = Check::Within {
            target: 4e5,
            rel_tol: 0.15,
        };
        assert_eq!(
            describe_check(&c, Dimension::ArealResistance, "kOhm cm2"),
            "within 15 % of 400 kΩ cm²"
        );
        let c = Check::PlusMinus {
            target: 17e-6,
            abs_tol: 3e-6,
        };
        assert_eq!(
            describe_check(&c, Dimension::ArealCapacitance, "uF/cm2"),
            "17 µF/cm² ± 3 µF/cm²"
        );
    }
}
