//! Check: a protocol's syntax trees (the file and its imports) → the timed [`Plan`].
//!
//! Takes a file path ([`check_path`]) or a [`SourceFile`] plus a [`Loader`] for imports
//! ([`check_source`]). Gives [`Checked`] (the plan, warnings, the sources read) or a
//! [`CheckFailure`] holding every problem found — syntax errors, unreadable or cyclic imports,
//! unknown or duplicate names, wrong dimensions, impossible values, timing conflicts — each a
//! miette diagnostic with a code `mgp::check::*`, a labelled span and help.
//!
//! What the checker decides (every rule here is what the plan's numbers mean):
//! - **Areas.** An electrode's geometric area comes from its shape (disc and rod face π d²/4,
//!   strip w × l) unless `area` overrides it. A cell normalises areal values by its working
//!   electrode's nominal area (or its wetted area, with `normalise by wetted area`); the
//!   wetted area differs from the nominal where the cell says so (`immersed`, `wetted`; see
//!   `cells`). Electrolyte µL/cm² = volume / (WE + CE wetted area).
//! - **Currents.** `at 1 mA/cm2` and `at 1 mA` are converted into each other only through the
//!   normalising area ([`crate::units::Quantity::to_absolute`]). A capacity-limited step lasts
//!   capacity / density; a potential-limited one its stated maximum. Galvanostatic steps sample
//!   every 10 s unless they say otherwise.
//! - **EIS timing.** A sweep measures the frequencies of [`crate::plan::log_frequencies`] from
//!   the highest to the lowest, and lasts [`EisTiming::sweep_duration_s`]: each frequency f for
//!   max(`min_periods` / f, `min_point_s`), plus `settle_s` before the first point (defaults:
//!   2 periods, 0.5 s, 0 s; an `eis timing { … }` block may change them, and `mgp plan` shows
//!   them). So 1 MHz to 20 mHz at 10 per decade (78 points) takes 8 min 32 s.
//!   `rest D { eis every E: … }` starts a sweep at 0, E, 2E, … for as long as a whole sweep
//!   still fits in D; E shorter than one sweep is an error.
//! - **Additions.** `add stock V` mixes V into the compartment (volumes additive);
//!   `add stock to reach X c` solves for V = V0 (c − c0) / (c_stock − c), so 0.5 M stock into
//!   0.7 mL reaches 0.1 M with 0.175 mL. The new composition, volume, wetted area and µL/cm²
//!   are in the step.
//! - **Time.** Steps run one after another in file order (repeat blocks and series unrolled);
//!   prompts and additions take no time. In `analyze`, times are measured from the start of a
//!   fit's first step and the nearest sweep is used.
//!
//! Warnings (legal but suspicious): EIS amplitude above 20 mV rms, a rest that records nothing
//! (except in a soak vial, where nothing can be measured), a sweep written low to high, a
//! three-electrode cell without its reference tip distance, an addition into a cell whose
//! compartment volume is not stated.

mod analysis;
mod cells;
mod ctx;
mod defs;
mod error;
mod load;
mod plausible;
mod steps;

pub use error::{CheckError, CheckFailure, ErrorKind, Problem, Warning, WarningKind};
pub use load::{FsLoader, Loader, MemoryLoader};
pub use steps::{DEFAULT_GALVANOSTATIC_SAMPLE_S, MAX_QUIET_AMPLITUDE_V};

use crate::plan::{EisTiming, Meta, OnLimit, Plan, SafetyLimits};
use crate::source::{SourceFile, Span};
use crate::syntax::{Item, LimitStmt, MetaKey, OnLimitWord, TimingStmt};
use crate::units::Dimension;
use ctx::Ctx;
use defs::Names;
use load::io_reason;
use std::path::Path;
use std::sync::Arc;

/// A protocol that checks: its plan, the warnings, and every source file read (the protocol
/// first, then its imports).
#[derive(Debug)]
pub struct Checked {
    pub plan: Plan,
    pub warnings: Vec<Warning>,
    pub sources: Vec<SourceFile>,
}

/// Checks the protocol at `path`, reading it and its imports from disk.
pub fn check_path(path: &Path) -> Result<Checked, CheckFailure> {
    let shown = path.to_string_lossy().replace('\\', "/");
    match std::fs::read_to_string(path) {
        Ok(text) => check_source(SourceFile::new(shown, text), &FsLoader),
        Err(e) => {
            let source = Arc::new(SourceFile::new(shown.clone(), "").named_source());
            Err(CheckFailure {
                path: shown.clone(),
                problems: vec![Problem::Check(CheckError::new(
                    ErrorKind::UnreadableProtocol {
                        path: shown,
                        reason: io_reason(&e),
                    },
                    Span::default(),
                    source,
                ))],
                warnings: Vec::new(),
            })
        }
    }
}

/// Checks a protocol held in memory; imports are read through `loader`.
pub fn check_source(source: SourceFile, loader: &dyn Loader) -> Result<Checked, CheckFailure> {
    let path = source.path.clone();
    let mut problems = Vec::new();
    let files = load::load_all(source, loader, &mut problems);
    if !problems.is_empty() || files.is_empty() {
        return Err(CheckFailure {
            path,
            problems,
            warnings: Vec::new(),
        });
    }
    let main_index = files.len() - 1;
    let mut ctx = Ctx {
        source: files[main_index].named.clone(),
        path: files[main_index].source.path.clone(),
        errors: Vec::new(),
        warnings: Vec::new(),
        broken: Default::default(),
    };
    let enter = |ctx: &mut Ctx, i: usize| {
        ctx.source = files[i].named.clone();
        ctx.path = files[i].source.path.clone();
    };

    // What imported files may hold.
    for (i, f) in files.iter().enumerate().filter(|(_, f)| !f.main) {
        enter(&mut ctx, i);
        for item in &f.ast.items {
            let what = match item {
                Item::Limits(_) => "a `limits` block",
                Item::EisTiming(_) => "an `eis timing` block",
                Item::On(_) | Item::Step(_) => "a step",
                Item::Analyze(_) => "an `analyze` block",
                _ => continue,
            };
            ctx.error(item.span(), ErrorKind::NotAllowedInImport { what });
        }
    }

    // Definitions, in dependency order, across all files (imports first).
    let mut names = Names::default();
    let mut solutions = Vec::new();
    for (i, f) in files.iter().enumerate() {
        enter(&mut ctx, i);
        for item in &f.ast.items {
            if let Item::Solution(def) = item
                && names.define(&mut ctx, "solution", &def.node.name)
            {
                match defs::solution(&mut ctx, def) {
                    Some(s) => solutions.push(s),
                    None => broken(&mut ctx, "solution", &def.node.name.node),
                }
            }
        }
    }
    let solution_names: Vec<String> = all_names(&files, |item| match item {
        Item::Solution(d) => Some(d.node.name.node.clone()),
        _ => None,
    });
    let mut separator_names = Names::default();
    let mut spacer_names = Names::default();
    let mut separators = Vec::new();
    let mut spacers = Vec::new();
    for (i, f) in files.iter().enumerate() {
        enter(&mut ctx, i);
        for item in &f.ast.items {
            match item {
                Item::Separator(def)
                    if separator_names.define(&mut ctx, "separator", &def.node.name) =>
                {
                    match defs::separator(&mut ctx, def) {
                        Some(s) => separators.push(s),
                        None => broken(&mut ctx, "separator", &def.node.name.node),
                    }
                }
                Item::Spacer(def) if spacer_names.define(&mut ctx, "spacer", &def.node.name) => {
                    match defs::spacer(&mut ctx, def) {
                        Some(s) => spacers.push((def.node.name.node.clone(), s)),
                        None => broken(&mut ctx, "spacer", &def.node.name.node),
                    }
                }
                _ => {}
            }
        }
    }
    let mut electrode_names = Names::default();
    let mut electrodes = Vec::new();
    let solution_refs: Vec<&str> = solution_names.iter().map(String::as_str).collect();
    for (i, f) in files.iter().enumerate() {
        enter(&mut ctx, i);
        for item in &f.ast.items {
            if let Item::Electrode(def) = item
                && electrode_names.define(&mut ctx, "electrode", &def.node.name)
            {
                match defs::electrode(&mut ctx, def, &electrodes, &solution_refs) {
                    Some(e) => electrodes.push(e),
                    None => broken(&mut ctx, "electrode", &def.node.name.node),
                }
            }
        }
    }

    // Settings of the main file.
    enter(&mut ctx, main_index);
    let main = &files[main_index].ast;
    let meta = meta(&mut ctx, main, &files);
    let limits = limits(&mut ctx, main);
    let timing = timing(&mut ctx, main);

    // Cells.
    let mut cell_names = Names::default();
    let mut cells = Vec::new();
    let known = cells::Known {
        solutions: &solutions,
        electrodes: &electrodes,
        separators: &separators,
        spacers: &spacers,
    };
    for (i, f) in files.iter().enumerate() {
        enter(&mut ctx, i);
        for item in &f.ast.items {
            if let Item::Cell(def) = item {
                cells.extend(cells::cells(&mut ctx, def, &known, &mut cell_names));
            }
        }
    }
    let defined_cells: usize = files
        .iter()
        .flat_map(|f| f.ast.items.iter())
        .map(|item| match item {
            Item::Cell(d) => d.node.names.len(),
            _ => 0,
        })
        .sum();

    // The procedure.
    enter(&mut ctx, main_index);
    let mut procedure = steps::Procedure::new(&mut ctx, &cells, &solutions, timing, &limits);
    for item in &main.items {
        match item {
            Item::On(block) => {
                let cell = procedure.cell_index(&block.node.cell);
                if cell.is_some() {
                    procedure.walk(&block.node.steps, cell);
                }
            }
            Item::Step(step) => {
                // With exactly one cell, steps may stand outside an `on` block.
                match (defined_cells, procedure.cells.len()) {
                    (1, 1) => procedure.walk(std::slice::from_ref(step), Some(0)),
                    (1, _) => {}
                    _ => procedure.walk(std::slice::from_ref(step), None),
                }
            }
            _ => {}
        }
    }
    let steps = procedure.steps;
    let total_duration_s = procedure.clock_s;
    operator_collisions(&mut ctx, &steps);

    // Analysis.
    let blocks: Vec<&crate::syntax::AnalyzeBlock> = main
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Analyze(a) => Some(&a.node),
            _ => None,
        })
        .collect();
    let cell_list: Vec<String> = cells.iter().map(|c| c.cell.name.clone()).collect();
    let analysis = analysis::analyze(&mut ctx, &blocks, &steps, cell_list);

    let sources: Vec<SourceFile> = std::iter::once(files[main_index].source.clone())
        .chain(files[..main_index].iter().map(|f| f.source.clone()))
        .collect();
    if !ctx.errors.is_empty() {
        let order: Vec<String> = sources.iter().map(|s| s.path.clone()).collect();
        let mut errors = ctx.errors;
        errors.sort_by_key(|e| (order.iter().position(|p| p == e.path()), e.span().start));
        return Err(CheckFailure {
            path,
            problems: errors.into_iter().map(Problem::Check).collect(),
            warnings: ctx.warnings,
        });
    }
    let mut warnings = ctx.warnings;
    warnings.sort_by_key(|w| (w.path() != path, w.span().start));
    Ok(Checked {
        plan: Plan {
            meta,
            solutions,
            electrodes,
            separators,
            cells: cells.into_iter().map(|c| c.cell).collect(),
            steps,
            analysis,
            limits,
            eis_timing: timing,
            total_duration_s,
        },
        warnings,
        sources,
    })
}

/// Cells run concurrently, one channel each (see [`crate::timeline`]): operator steps at the
/// same time on different channels are warned about, at the later one.
fn operator_collisions(ctx: &mut Ctx, steps: &[crate::plan::Step]) {
    let timeline = crate::timeline::schedule(steps, &crate::timeline::one_channel_per_cell(steps));
    for collision in timeline.collisions {
        let (first, second) = (&collision.first, &collision.second);
        let Some(step) = steps.get(second.step) else {
            continue;
        };
        ctx.warn(
            step.span,
            WarningKind::OperatorCollision {
                kind: second.kind.clone(),
                other_kind: first.kind.clone(),
                other_cell: first.channel.clone(),
                other_line: first.line,
                at: crate::units::format_duration(second.start_s),
            },
        );
    }
}

fn broken(ctx: &mut Ctx, what: &'static str, name: &str) {
    ctx.broken.insert((what, name.to_string()));
}

fn all_names<T>(files: &[load::Loaded], f: impl Fn(&Item) -> Option<T>) -> Vec<T> {
    files
        .iter()
        .flat_map(|file| file.ast.items.iter().filter_map(&f))
        .collect()
}

fn meta(ctx: &mut Ctx, ast: &crate::syntax::Ast, files: &[load::Loaded]) -> Meta {
    let mut out = Meta {
        files: files.iter().rev().map(|f| f.source.path.clone()).collect(),
        ..Meta::default()
    };
    for item in &ast.items {
        let Item::Meta(m) = item else { continue };
        let value = m.node.value.node.clone();
        let slot = match m.node.key {
            MetaKey::Title => &mut out.title,
            MetaKey::Source => &mut out.source,
            MetaKey::Author => &mut out.author,
            MetaKey::Note => {
                out.notes.push(value);
                continue;
            }
        };
        if slot.is_some() {
            ctx.error(
                m.span,
                ErrorKind::DuplicateField {
                    field: m.node.key.keyword(),
                },
            );
        } else {
            *slot = Some(value);
        }
    }
    out
}

fn limits(ctx: &mut Ctx, ast: &crate::syntax::Ast) -> SafetyLimits {
    let mut out = SafetyLimits::default();
    for item in &ast.items {
        let Item::Limits(l) = item else { continue };
        for st in &l.node.statements {
            match &st.node {
                LimitStmt::Potential(q) => {
                    if out.max_abs_potential_v.is_some() {
                        ctx.error(st.span, ErrorKind::DuplicateField { field: "potential" });
                    }
                    out.max_abs_potential_v = ctx
                        .positive(q, Dimension::Potential, "a potential limit")
                        .filter(|&v| {
                            ctx.plausible_potential(
                                q.span,
                                "a potential limit",
                                &ctx::quantity_text(q),
                                v,
                            )
                        });
                }
                LimitStmt::Current(q) => {
                    if out.max_abs_current_a.is_some() {
                        ctx.error(st.span, ErrorKind::DuplicateField { field: "current" });
                    }
                    out.max_abs_current_a = ctx
                        .value_why(
                            q,
                            Dimension::Current,
                            Some("a safety limit is an absolute current, the same for every cell: write it like 50 mA"),
                        )
                        .and_then(|v| {
                            if v > 0.0 {
                                Some(v)
                            } else {
                                ctx.not_positive(q.span, "a current limit", &ctx::quantity_text(q));
                                None
                            }
                        });
                }
                LimitStmt::OnLimit(w) => {
                    if out.on_limit.is_some() {
                        ctx.error(st.span, ErrorKind::DuplicateField { field: "on limit" });
                    }
                    out.on_limit = Some(match w {
                        OnLimitWord::Abort => OnLimit::Abort,
                        OnLimitWord::EndStep => OnLimit::EndStep,
                    });
                }
            }
        }
    }
    out
}

fn timing(ctx: &mut Ctx, ast: &crate::syntax::Ast) -> EisTiming {
    let mut out = EisTiming::default();
    for item in &ast.items {
        let Item::EisTiming(t) = item else { continue };
        for st in &t.node.statements {
            match &st.node {
                TimingStmt::Periods(n) => {
                    if n.value.is_finite() && n.value > 0.0 {
                        out.min_periods = n.value;
                    } else {
                        ctx.not_positive(n.span, "a number of periods", &n.text);
                    }
                }
                TimingStmt::MinPoint(q) => {
                    if let Some(v) = ctx.positive(q, Dimension::Time, "a minimum point time") {
                        out.min_point_s = v;
                    }
                }
                TimingStmt::Settle(q) => {
                    if let Some(v) = ctx.value(q, Dimension::Time) {
                        if v >= 0.0 {
                            out.settle_s = v;
                        } else {
                            ctx.not_positive(q.span, "a settling time", &ctx::quantity_text(q));
                        }
                    }
                }
                TimingStmt::MaxFrequency(q) => {
                    if let Some(v) = ctx.positive(q, Dimension::Frequency, "a maximum frequency") {
                        out.max_frequency_hz = v;
                    }
                }
            }
        }
    }
    out
}
