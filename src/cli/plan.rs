//! `mgp plan FILE`: the timed plan as a table (each step's start, duration, cell, kind and what
//! it does: sweeps, currents and charges per electrode, concentrations after additions), the
//! cells with their areas and electrolyte, the EIS timing rule and the total duration.
//! `--json` prints the plan for machines, each step with `kind` and `line` at its top level.

use super::{eprint_diagnostic, exit};
use crate::check::check_path;
use crate::plan::{
    Action, Addition, Bias, Cell, CellElectrode, Connection, EisSweep, Galvanostatic, OnLimit,
    Plan, Role, Solute, Step, StopCondition,
};
use crate::timeline::Timeline;
use crate::units::{Dimension, format_duration, format_si, trim_number};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Arguments of `mgp plan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The protocol to plan.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
    /// Put a cell on a channel, as for `mgp run` (repeatable): cells given the same
    /// `methodscript:PORT` share its channel and run one after another.
    #[arg(long, value_name = "CELL=INSTRUMENT", value_parser = super::channels::parse_channel)]
    pub channel: Vec<super::channels::ChannelArg>,
    /// All cells one after another on one channel.
    #[arg(long, conflicts_with = "channel")]
    pub sequential: bool,
}

pub fn run(args: Args) -> u8 {
    let checked = match check_path(&args.file) {
        Ok(c) => c,
        Err(failure) => {
            eprint_diagnostic(&failure);
            return exit::INVALID;
        }
    };
    for warning in &checked.warnings {
        eprint_diagnostic(warning);
    }
    let channels =
        match super::channels::channels_for(&checked.plan, &args.channel, args.sequential) {
            Ok(channels) => channels,
            Err(error) => {
                eprint_diagnostic(&error);
                return exit::INVALID;
            }
        };
    let timeline = crate::timeline::schedule(&checked.plan.steps, &channels);
    if args.json {
        match to_json_on(&checked.plan, &timeline) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("error: cannot serialise the plan: {e}");
                return exit::RUNTIME;
            }
        }
    } else {
        print!("{}", render_on(&checked.plan, &timeline));
    }
    exit::OK
}

/// A step as `--json` shows it: the plan's step plus `kind` and `line` at the top level.
#[derive(Serialize)]
struct JsonStep<'a> {
    kind: &'static str,
    line: usize,
    end_s: f64,
    #[serde(flatten)]
    step: &'a Step,
}

/// The plan as JSON: every field of [`Plan`], with `steps` in the [`JsonStep`] view, and
/// `timeline`: the channels, each step's start on its channel, the wall time and collisions.
pub fn to_json(plan: &Plan) -> Result<String, serde_json::Error> {
    to_json_on(plan, &crate::timeline::default_timeline(plan))
}

/// [`to_json`] with the channels of `timeline`.
pub fn to_json_on(plan: &Plan, timeline: &Timeline) -> Result<String, serde_json::Error> {
    let mut value = serde_json::to_value(plan)?;
    value["timeline"] = serde_json::to_value(timeline)?;
    let steps: Vec<JsonStep<'_>> = plan
        .steps
        .iter()
        .map(|step| JsonStep {
            kind: step.action.kind(),
            line: step.span.line,
            end_s: step.start_s + step.duration_s,
            step,
        })
        .collect();
    value["steps"] = serde_json::to_value(steps)?;
    serde_json::to_string_pretty(&value)
}

/// The text table of `mgp plan`, with the cells on their default channels (one each).
pub fn render(plan: &Plan) -> String {
    render_on(plan, &crate::timeline::default_timeline(plan))
}

/// The text table of `mgp plan` with the channels of `timeline`.
pub fn render_on(plan: &Plan, timeline: &Timeline) -> String {
    let mut out = String::new();
    if let Some(title) = &plan.meta.title {
        let _ = writeln!(out, "{title}");
    }
    if let Some(source) = &plan.meta.source {
        let _ = writeln!(out, "source: {source}");
    }
    let _ = writeln!(out, "files: {}", plan.meta.files.join(", "));
    out.push('\n');

    out.push_str("cells\n");
    for cell in &plan.cells {
        cell_lines(&mut out, cell);
    }
    out.push('\n');

    let t = &plan.eis_timing;
    let _ = writeln!(
        out,
        "EIS timing: each frequency f takes max({} / f, {}); each sweep settles {} first; highest frequency {}",
        trim_number(t.min_periods),
        format_si(t.min_point_s, Dimension::Time),
        format_si(t.settle_s, Dimension::Time),
        format_si(t.max_frequency_hz, Dimension::Frequency),
    );
    if plan.limits.max_abs_potential_v.is_some() || plan.limits.max_abs_current_a.is_some() {
        let mut parts = Vec::new();
        if let Some(v) = plan.limits.max_abs_potential_v {
            parts.push(format!("|E| <= {}", format_si(v, Dimension::Potential)));
        }
        if let Some(i) = plan.limits.max_abs_current_a {
            parts.push(format!("|I| <= {}", format_si(i, Dimension::Current)));
        }
        if let Some(a) = plan.limits.on_limit {
            parts.push(format!("then {}", on_limit(a)));
        }
        let _ = writeln!(out, "safety limits: {}", parts.join(", "));
    }
    out.push('\n');

    let mut rows = vec![[
        "#".to_string(),
        "start".into(),
        "duration".into(),
        "cell".into(),
        "step".into(),
        "line".into(),
    ]];
    let mut details = vec![Vec::new()];
    for step in &plan.steps {
        let name = match &step.label {
            Some(l) => format!("{} {l}", step.action.kind()),
            None => step.action.kind().to_string(),
        };
        rows.push([
            step.index.to_string(),
            format_duration(step.start_s),
            format_duration(step.duration_s),
            step.cell.clone(),
            name,
            step.span.line.to_string(),
        ]);
        details.push(step_details(plan, step));
    }
    let widths: Vec<usize> = (0..6)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for (row, detail) in rows.iter().zip(&details) {
        let mut line = String::new();
        for (c, text) in row.iter().enumerate() {
            let pad = widths[c] - text.chars().count();
            if c == 0 || c == 5 {
                line.push_str(&" ".repeat(pad));
                line.push_str(text);
            } else {
                line.push_str(text);
                line.push_str(&" ".repeat(pad));
            }
            line.push_str("  ");
        }
        let _ = writeln!(out, "{}", line.trim_end());
        let indent = " ".repeat(widths[0] + 2);
        for d in detail {
            let _ = writeln!(out, "{indent}{d}");
        }
    }
    let _ = writeln!(out, "\ntotal {}", format_duration(plan.total_duration_s));
    out.push_str(&super::timeline::render(timeline));
    analysis_lines(&mut out, plan);
    out
}

fn electrode_line(role: &str, e: &CellElectrode) -> String {
    let mut s = format!(
        "{role} {} ({}): {} nominal",
        e.electrode,
        material(e.material),
        format_si(e.nominal_area_cm2, Dimension::Area)
    );
    if (e.wetted_area_cm2 - e.nominal_area_cm2).abs() > 1e-12 {
        let _ = write!(
            s,
            ", {} wetted",
            format_si(e.wetted_area_cm2, Dimension::Area)
        );
    }
    if !e.pretreatments.is_empty() {
        let steps: Vec<String> = e
            .pretreatments
            .iter()
            .map(|p| match p {
                crate::plan::Pretreatment::Brush { grit, directions } => {
                    format!("brush {grit} x{directions}")
                }
                crate::plan::Pretreatment::Dry {
                    temperature_c,
                    duration_s,
                } => format!(
                    "dry {} degC {}",
                    trim_number(*temperature_c),
                    format_duration(*duration_s)
                ),
                crate::plan::Pretreatment::Soak {
                    solution,
                    duration_s,
                } => {
                    format!("soak {solution} {}", format_duration(*duration_s))
                }
                crate::plan::Pretreatment::Wash { solvent } => format!("wash {solvent}"),
            })
            .collect();
        let _ = write!(s, "; {}", steps.join(", "));
    }
    s
}

fn material(m: crate::plan::Material) -> &'static str {
    m.display_name()
}

fn cell_lines(out: &mut String, cell: &Cell) {
    let casing = cell
        .casing
        .map(|c| format!(" {c:?}").to_lowercase())
        .unwrap_or_default();
    let kind = match cell.kind {
        crate::plan::CellKind::Symmetric => "symmetric",
        crate::plan::CellKind::ThreeElectrode => "three_electrode",
        crate::plan::CellKind::SoakVial => "soak_vial",
        crate::plan::CellKind::Asymmetric => "asymmetric",
    };
    let _ = writeln!(out, "  {}: {kind}{casing}", cell.name);
    let _ = writeln!(out, "    {}", electrode_line("WE", &cell.working));
    if let Some(c) = &cell.counter {
        let _ = writeln!(out, "    {}", electrode_line("CE", c));
    }
    if let Some(r) = &cell.reference {
        let _ = writeln!(out, "    {}", electrode_line("RE", r));
    }
    let _ = writeln!(
        out,
        "    {} {} ({} per wetted electrode area): {}",
        cell.electrolyte,
        format_si(cell.volume_ml / 1e3, Dimension::Volume),
        format_si(cell.electrolyte_ul_per_cm2 * 1e-6, Dimension::Volume) + "/cm2",
        composition(&cell.composition)
    );
    let mut extra = Vec::new();
    if let Some(v) = cell.reference_volume_ml {
        extra.push(format!(
            "reference compartment {}",
            format_si(v / 1e3, Dimension::Volume)
        ));
    }
    if let Some(s) = &cell.separator {
        extra.push(format!("separator {s}"));
    }
    if !cell.spacers.is_empty() {
        extra.push(format!("spacers {}", cell.spacers.join("; ")));
    }
    if let Some(p) = cell.stack_pressure_pa {
        extra.push(format!(
            "stack pressure {}",
            format_si(p, Dimension::Pressure)
        ));
    }
    if let Some(g) = cell.electrode_gap_m {
        extra.push(format!("gap {}", format_si(g, Dimension::Length)));
    }
    if let Some(t) = cell.reference_tip_m {
        extra.push(format!(
            "reference tip {} from WE",
            format_si(t, Dimension::Length)
        ));
    }
    if let Some(coin) = &cell.coin {
        let spring = coin
            .spring
            .as_deref()
            .map(|s| format!(", spring {s}"))
            .unwrap_or_default();
        extra.push(format!(
            "{} coin cell ({} x {}{spring})",
            coin.format,
            format_si(coin.diameter_m, Dimension::Length),
            format_si(coin.height_m, Dimension::Length)
        ));
    }
    if let Some(t) = cell.temperature_c {
        extra.push(format!("held at {}", temperature(t)));
    }
    let measures = if cell.kind == crate::plan::CellKind::SoakVial {
        "measures nothing (one electrode at open circuit)"
    } else {
        connection(cell.default_connection)
    };
    extra.push(format!(
        "normalised per {}; {measures}",
        format_si(cell.normalising_area_cm2, Dimension::Area),
    ));
    let _ = writeln!(out, "    {}", extra.join("; "));
}

fn composition(solutes: &[Solute]) -> String {
    solutes
        .iter()
        .map(|s| {
            format!(
                "{} {}{}",
                s.species,
                format_si(s.concentration_m, Dimension::Concentration),
                if s.nominal { " (nominal)" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn connection(c: Connection) -> &'static str {
    match c {
        Connection::TwoElectrode => "measures WE vs CE",
        Connection::ThreeElectrode => "measures WE vs RE",
    }
}

fn on_limit(a: OnLimit) -> &'static str {
    match a {
        OnLimit::EndStep => "end step",
        OnLimit::Abort => "abort",
    }
}

fn sweep_text(s: &EisSweep) -> String {
    let first = s.frequencies_hz.first().copied().unwrap_or(f64::NAN);
    let last = s.frequencies_hz.last().copied().unwrap_or(f64::NAN);
    let bias = match s.bias {
        Bias::OpenCircuit => "at OCV".to_string(),
        Bias::VsOpenCircuit { potential_v } => {
            format!("at {} vs OCV", format_si(potential_v, Dimension::Potential))
        }
        Bias::Absolute { potential_v } => {
            format!("at {}", format_si(potential_v, Dimension::Potential))
        }
    };
    format!(
        "{} points {} to {} ({} per decade), {} rms {bias}, {}; {} per sweep",
        s.frequencies_hz.len(),
        format_si(first, Dimension::Frequency),
        format_si(last, Dimension::Frequency),
        trim_number(s.points_per_decade),
        format_si(s.amplitude_v_rms, Dimension::Potential),
        connection(s.connection),
        format_duration(s.duration_s)
    )
}

fn role(r: Role) -> &'static str {
    match r {
        Role::Working => "WE",
        Role::Counter => "CE",
    }
}

fn galvanostatic_lines(g: &Galvanostatic, lines: &mut Vec<String>) {
    lines.push(format!(
        "strip {} / plate {} at {} = {} through {}, {}",
        role(g.stripping),
        role(g.plating),
        format_si(g.current_density_a_per_cm2, Dimension::CurrentDensity),
        format_si(g.current_a, Dimension::Current),
        format_si(g.area_cm2, Dimension::Area),
        connection(g.connection)
    ));
    let stop = match &g.stop {
        StopCondition::Duration { duration_s } => format!("for {}", format_duration(*duration_s)),
        StopCondition::Capacity {
            areal_capacity_c_per_cm2,
        } => format!(
            "until {} (capacity / density)",
            format_si(*areal_capacity_c_per_cm2, Dimension::ArealCharge)
        ),
        StopCondition::Potential {
            limit_v,
            max_duration_s,
        } => format!(
            "until E = {} (signed cut-off), at most {}",
            potential_text(*limit_v),
            format_duration(*max_duration_s)
        ),
    };
    lines.push(format!(
        "{stop}; passes {} ({}); sample every {}",
        format_si(g.charge_c, Dimension::Charge),
        format_si(g.areal_capacity_c_per_cm2, Dimension::ArealCharge),
        format_duration(g.sample_interval_s)
    ));
    for l in &g.limits {
        lines.push(format!(
            "limit |E| <= {}, then {}",
            format_si(l.max_abs_v, Dimension::Potential),
            on_limit(l.on_limit)
        ));
    }
}

fn addition_lines(plan: &Plan, a: &Addition, lines: &mut Vec<String>) {
    let target = a
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
    lines.push(format!(
        "add {} of {}{target}: {} -> {}",
        format_si(a.volume_ml / 1e3, Dimension::Volume),
        a.stock,
        format_si(a.volume_before_ml / 1e3, Dimension::Volume),
        format_si(a.volume_after_ml / 1e3, Dimension::Volume)
    ));
    lines.push(format!("now {}", composition(&a.composition_after)));
    let names: Vec<&str> = a.solvents_after.iter().map(|s| s.name.as_str()).collect();
    let parts: Vec<String> = a
        .solvents_after
        .iter()
        .map(|s| trim_number(s.parts))
        .collect();
    let basis = plan
        .solution(&a.stock)
        .map_or("volume".to_string(), |s| s.ratio_basis.clone());
    lines.push(format!(
        "solvent {} {} by {basis}; WE wetted {}; {}/cm2",
        names.join(":"),
        parts.join(":"),
        format_si(a.wetted_area_after_cm2, Dimension::Area),
        format_si(a.electrolyte_ul_per_cm2_after * 1e-6, Dimension::Volume)
    ));
}

fn step_details(plan: &Plan, step: &Step) -> Vec<String> {
    let mut lines = Vec::new();
    match &step.action {
        Action::Rest(r) => {
            if let Some(e) = &r.eis {
                lines.push(format!(
                    "EIS every {}: {} sweeps, the last starting at {}",
                    format_duration(e.every_s),
                    e.sweep_offsets_s.len(),
                    format_duration(e.sweep_offsets_s.last().copied().unwrap_or(0.0))
                ));
                lines.push(sweep_text(&e.sweep));
            }
            if let Some(s) = r.sample_interval_s {
                lines.push(format!(
                    "open-circuit potential every {}",
                    format_duration(s)
                ));
            }
            if r.eis.is_none() && r.sample_interval_s.is_none() {
                lines.push("open circuit, nothing recorded".into());
            }
        }
        Action::Eis(s) => lines.push(sweep_text(s)),
        Action::Galvanostatic(g) => galvanostatic_lines(g, &mut lines),
        Action::Addition(a) => addition_lines(plan, a, &mut lines),
        Action::Prompt { message } => lines.push(format!("\"{message}\"")),
        Action::Voltammetry(v) => voltammetry_lines(v, &mut lines),
        Action::Potentiostatic(p) => potentiostatic_lines(p, &mut lines),
        Action::Temperature(t) => lines.push(format!(
            "bring the cell to {}, then settle for {}",
            temperature(t.temperature_c),
            format_duration(t.settle_s)
        )),
    }
    let mut context = Vec::new();
    if !step.cycles.is_empty() {
        let cycles: Vec<String> = step
            .cycles
            .iter()
            .map(|c| format!("{}/{}", c.index, c.count))
            .collect();
        context.push(format!("cycle {}", cycles.join(" > ")));
    }
    if let Some(t) = step.temperature_c {
        context.push(format!("at {}", temperature(t)));
    }
    if !context.is_empty() {
        lines.push(context.join("; "));
    }
    lines
}

fn temperature(celsius: f64) -> String {
    format!("{} degC", trim_number(celsius))
}

fn potential_text(v: f64) -> String {
    let text = format_si(v, Dimension::Potential);
    if v > 0.0 { format!("+{text}") } else { text }
}

fn voltammetry_lines(v: &crate::plan::Voltammetry, lines: &mut Vec<String>) {
    let path = match v.shape {
        crate::plan::SweepShape::Linear { end_v } => format!(
            "linear sweep {} -> {}",
            potential_text(v.start_v),
            potential_text(end_v)
        ),
        crate::plan::SweepShape::Cyclic {
            vertex1_v,
            vertex2_v,
            cycles,
        } => format!(
            "cyclic {} -> {} -> {} -> {}, {cycles} cycle{}",
            potential_text(v.start_v),
            potential_text(vertex1_v),
            potential_text(vertex2_v),
            potential_text(v.start_v),
            if cycles == 1 { "" } else { "s" }
        ),
    };
    lines.push(format!(
        "{path} at {}/s, {}",
        format_si(v.scan_rate_v_per_s, Dimension::Potential),
        connection(v.connection)
    ));
    lines.push(format!(
        "{} per cycle; step {}, a sample every {} ({} samples)",
        format_si(v.span_per_cycle_v, Dimension::Potential),
        format_si(v.step_v, Dimension::Potential),
        format_si(v.sample_interval_s, Dimension::Time),
        v.points
    ));
}

fn potentiostatic_lines(p: &crate::plan::Potentiostatic, lines: &mut Vec<String>) {
    lines.push(format!(
        "hold WE at {}, {}",
        potential_text(p.potential_v),
        connection(p.connection)
    ));
    let stop = match p.stop {
        crate::plan::HoldStop::Duration { duration_s } => {
            format!("for {}", format_duration(duration_s))
        }
        crate::plan::HoldStop::Charge {
            charge_c,
            areal_charge_c_per_cm2,
            max_duration_s,
        } => format!(
            "until |Q| = {} ({}), at most {}",
            format_si(charge_c, Dimension::Charge),
            format_si(areal_charge_c_per_cm2, Dimension::ArealCharge),
            format_duration(max_duration_s)
        ),
        crate::plan::HoldStop::Current {
            current_a,
            current_density_a_per_cm2,
            direction,
            max_duration_s,
        } => format!(
            "until |I| {} {} ({}), at most {}",
            match direction {
                crate::plan::Crossing::Below => "falls below",
                crate::plan::Crossing::Above => "rises above",
            },
            format_si(current_a, Dimension::Current),
            format_si(current_density_a_per_cm2, Dimension::CurrentDensity),
            format_duration(max_duration_s)
        ),
    };
    lines.push(format!(
        "{stop}; sample every {}; areal values per {}",
        format_duration(p.sample_interval_s),
        format_si(p.area_cm2, Dimension::Area)
    ));
}

fn analysis_lines(out: &mut String, plan: &Plan) {
    let a = &plan.analysis;
    if a.fits.is_empty() && a.quantities.is_empty() && a.expects.is_empty() {
        return;
    }
    out.push_str("\nanalysis\n");
    for f in &a.fits {
        let steps: Vec<String> = f.steps.iter().map(|i| i.to_string()).collect();
        let window = match f.window {
            crate::plan::FitWindow::All => "all points".to_string(),
            crate::plan::FitWindow::HighFrequencyArc => "high-frequency arc".to_string(),
            crate::plan::FitWindow::Range { min_hz, max_hz } => format!(
                "{} to {}",
                format_si(max_hz, Dimension::Frequency),
                format_si(min_hz, Dimension::Frequency)
            ),
        };
        let _ = writeln!(
            out,
            "  fit {} {} on steps {} ({window})",
            f.name,
            f.circuit,
            steps.join(", ")
        );
    }
    for q in &a.quantities {
        let _ = writeln!(out, "  quantity {} [{}]", q.name, q.unit);
    }
    for e in &a.expects {
        let tag = e
            .observation
            .as_deref()
            .map(|o| format!("{o}: "))
            .unwrap_or_default();
        let _ = writeln!(out, "  expect {tag}{}", e.text);
    }
}
