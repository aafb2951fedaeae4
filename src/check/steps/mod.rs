//! The procedure: `on CELL { … }` blocks → timed plan steps, in order, with repeat blocks and
//! current series unrolled, additions mixed in, and every duration computed. Rests and EIS are in
//! `rest.rs`, galvanostatic steps in `galvanostatic.rs`, additions in `addition.rs`.

mod addition;
mod galvanostatic;
mod potential;
mod rest;

use super::cells::{CellInfo, Wet};
use super::ctx::{Ctx, quantity_text, time_text};
use super::defs::undefined;
use super::error::{ErrorKind, WarningKind};
use crate::plan::{
    Action, Addition, Bias, CellKind, Connection, CycleIndex, EisRepeat, EisSweep, EisTiming,
    Galvanostatic, OnLimit, PotentialLimit, Rest, Role, SafetyLimits, Solute, Solution,
    SolventPart, Step, StopCondition,
};
use crate::source::Span;
use crate::syntax::{
    self as ast, AdditionAmount, BiasRef, CurrentSpec, DirectionWord, EisClause, GalvClause,
    OnLimitWord, RestStmt, RoleWord, StepKind, VsWord,
};
use crate::units::{Dimension, Quantity, format_duration, format_si};

/// Default potential sampling interval of galvanostatic steps that do not state one.
pub const DEFAULT_GALVANOSTATIC_SAMPLE_S: f64 = 10.0;
/// The largest EIS amplitude not warned about.
pub const MAX_QUIET_AMPLITUDE_V: f64 = 0.020;
/// Sweeps reach down to 1 µHz and up to 100 points per decade (keeps frequency lists finite).
const MIN_FREQUENCY_HZ: f64 = 1e-6;
const MAX_POINTS_PER_DECADE: f64 = 100.0;
/// Limits on unrolled size, so that a typo like `repeat 100000000` is an error, not a hang.
const MAX_STEPS: usize = 100_000;
const MAX_SWEEPS_PER_REST: usize = 100_000;
const MAX_REPEAT: f64 = 10_000.0;

/// The electrolyte of a cell as additions change it.
#[derive(Debug, Clone)]
pub(crate) struct CellState {
    pub volume_ml: f64,
    pub composition: Vec<Solute>,
    pub solvents: Vec<SolventPart>,
    pub working_wet: Wet,
    pub counter_wet: Option<Wet>,
    /// The temperature set for the cell (its own, then the last `temperature` step), °C.
    pub temperature_c: Option<f64>,
}

impl CellState {
    pub fn new(info: &CellInfo) -> Self {
        CellState {
            volume_ml: info.cell.volume_ml,
            composition: info.cell.composition.clone(),
            solvents: info.cell.solvents.clone(),
            working_wet: info.working_wet,
            counter_wet: info.counter_wet,
            temperature_c: info.cell.temperature_c,
        }
    }
}

/// One current of a series, handed to the galvanostatic steps of its body.
#[derive(Clone)]
struct Member {
    current: Quantity,
    current_span: Span,
    stop: Option<(Quantity, Span)>,
}

pub(crate) struct Procedure<'a> {
    pub ctx: &'a mut Ctx,
    pub cells: &'a [CellInfo],
    pub states: Vec<CellState>,
    pub solutions: &'a [Solution],
    pub timing: EisTiming,
    pub limits: &'a SafetyLimits,
    pub steps: Vec<Step>,
    pub clock_s: f64,
    /// The repeat iterations being unrolled, outermost first.
    cycles: Vec<CycleIndex>,
    too_many: bool,
}

impl<'a> Procedure<'a> {
    pub fn new(
        ctx: &'a mut Ctx,
        cells: &'a [CellInfo],
        solutions: &'a [Solution],
        timing: EisTiming,
        limits: &'a SafetyLimits,
    ) -> Self {
        Procedure {
            ctx,
            states: cells.iter().map(CellState::new).collect(),
            cells,
            solutions,
            timing,
            limits,
            steps: Vec::new(),
            clock_s: 0.0,
            cycles: Vec::new(),
            too_many: false,
        }
    }

    /// The index of the named cell, reporting an undefined name.
    pub fn cell_index(&mut self, name: &ast::Ident) -> Option<usize> {
        let found = self.cells.iter().position(|c| c.cell.name == name.node);
        if found.is_none() {
            undefined(
                self.ctx,
                "cell",
                name,
                self.cells.iter().map(|c| c.cell.name.as_str()),
            );
        }
        found
    }

    /// Steps of an `on` block (cell known) or top-level steps (`cell` is `None` when the
    /// protocol does not have exactly one cell).
    pub fn walk(&mut self, steps: &[ast::Step], cell: Option<usize>) {
        for step in steps {
            self.step(step, cell, None);
        }
    }

    fn push(
        &mut self,
        cell: usize,
        label: Option<&str>,
        span: Span,
        duration_s: f64,
        action: Action,
    ) {
        if self.steps.len() >= MAX_STEPS {
            if !self.too_many {
                self.too_many = true;
                self.ctx.error(
                    span,
                    ErrorKind::OutOfRange {
                        what: "the number of steps".into(),
                        text: "more".into(),
                        range: format!("at most {MAX_STEPS}"),
                    },
                );
            }
            return;
        }
        self.steps.push(Step {
            index: self.steps.len(),
            cell: self.cells[cell].cell.name.clone(),
            start_s: self.clock_s,
            duration_s,
            label: label.map(str::to_string),
            cycles: self.cycles.clone(),
            temperature_c: self.states[cell].temperature_c,
            span,
            action,
        });
        self.clock_s += duration_s;
    }

    fn step(&mut self, step: &ast::Step, cell: Option<usize>, member: Option<&Member>) {
        if self.too_many {
            return;
        }
        let label = step.label.as_ref().map(|l| l.node.text.as_str());
        // Containers first: they may name their own cells.
        match &step.kind {
            StepKind::Repeat { count, steps, .. } => {
                let n = count.value;
                if !(1.0..=MAX_REPEAT).contains(&n) {
                    self.ctx.error(
                        count.span,
                        ErrorKind::OutOfRange {
                            what: "a repeat count".into(),
                            text: count.text.clone(),
                            range: format!("between 1 and {MAX_REPEAT}"),
                        },
                    );
                    return;
                }
                let count = n as usize;
                for index in 1..=count {
                    self.cycles.push(CycleIndex { index, count });
                    for s in steps {
                        self.step(s, cell, member);
                    }
                    self.cycles.pop();
                    if self.too_many {
                        return;
                    }
                }
                return;
            }
            StepKind::Series {
                currents,
                stop,
                cells,
                steps,
                ..
            } => {
                self.series(step, currents, stop, cells.as_deref(), steps, cell);
                return;
            }
            _ => {}
        }
        let Some(cell) = cell else {
            self.ctx.error(
                step.span,
                ErrorKind::StepWithoutCell {
                    cells: self.cells.len(),
                },
            );
            return;
        };
        match &step.kind {
            StepKind::Rest { duration, body } => {
                self.rest(step, label, cell, duration, body.as_ref())
            }
            StepKind::EisEveryMisplaced { .. } => {
                self.ctx.error(step.span, ErrorKind::EisEveryOutsideRest);
            }
            StepKind::Eis(settings) => {
                if let Some(sweep) = self.sweep(settings, cell, "an EIS step") {
                    let d = sweep.duration_s;
                    self.push(cell, label, step.span, d, Action::Eis(sweep));
                }
            }
            StepKind::Galvanostatic { direction, clauses } => {
                self.galvanostatic(step, label, cell, direction, clauses, member);
            }
            StepKind::Addition { stock, amount } => self.addition(step, label, cell, stock, amount),
            StepKind::Voltammetry { shape, clauses } => {
                self.voltammetry(step, label, cell, shape, clauses)
            }
            StepKind::Potentiostatic { at, clauses } => {
                self.potentiostatic(step, label, cell, at, clauses)
            }
            StepKind::Temperature { value, settle } => {
                self.temperature(step, label, cell, value, settle.as_ref())
            }
            StepKind::Prompt(message) => self.push(
                cell,
                label,
                step.span,
                0.0,
                Action::Prompt {
                    message: message.node.clone(),
                },
            ),
            StepKind::Repeat { .. } | StepKind::Series { .. } => {}
        }
    }

    fn series(
        &mut self,
        step: &ast::Step,
        currents: &CurrentSpec,
        stop: &ast::Time,
        cells: Option<&[ast::Ident]>,
        body: &[ast::Step],
        cell: Option<usize>,
    ) {
        let values = self.currents(currents);
        let stop_q = self.amount(stop);
        if !contains_galvanostatic(body) {
            self.ctx
                .error(step.span, ErrorKind::SeriesWithoutGalvanostatic);
            return;
        }
        let cell_list: Option<Vec<Option<usize>>> =
            cells.map(|names| names.iter().map(|n| self.cell_index(n)).collect());
        let (Some(values), Some(stop_q)) = (values, stop_q) else {
            return;
        };
        if let Some(list) = &cell_list {
            if list.len() != values.len() {
                self.ctx.error(
                    cells.and_then(|c| c.first()).map_or(step.span, |c| c.span),
                    ErrorKind::SeriesCellsMismatch {
                        currents: values.len(),
                        cells: list.len(),
                    },
                );
                return;
            }
            if list.iter().any(Option::is_none) {
                return;
            }
        }
        for (i, (current, span)) in values.into_iter().enumerate() {
            let member = Member {
                current,
                current_span: span,
                stop: Some((stop_q, stop.span)),
            };
            let member_cell = match &cell_list {
                Some(list) => list[i],
                None => cell,
            };
            for s in body {
                self.step(s, member_cell, Some(&member));
            }
        }
    }

    /// The currents of `at …`: one quantity, or a list of numbers sharing one unit.
    fn currents(&mut self, spec: &CurrentSpec) -> Option<Vec<(Quantity, Span)>> {
        match spec {
            CurrentSpec::Single(q) => Some(vec![(self.ctx.resolve(q)?, q.span)]),
            CurrentSpec::List { numbers, unit, .. } => {
                let mut out = Vec::new();
                for n in numbers {
                    let q = ast::Quantity {
                        number: n.clone(),
                        unit: Some(unit.clone()),
                        span: n.span,
                    };
                    out.push((self.ctx.resolve(&q)?, n.span));
                }
                Some(out)
            }
        }
    }

    /// A sum like `20 h 10 min` or `1 mAh/cm2`, of whichever dimension its first part has.
    fn amount(&mut self, t: &ast::Time) -> Option<Quantity> {
        let first = self.ctx.resolve(t.parts.first()?)?;
        let v = self.ctx.sum(t, first.dimension)?;
        Some(Quantity::new(v, first.dimension))
    }

    /// The connection a `vs …` asks for on this cell, reporting impossible ones.
    fn connection(&mut self, cell: usize, vs: Option<(VsWord, Span)>) -> Option<Connection> {
        let c = &self.cells[cell].cell;
        match vs {
            None => Some(c.default_connection),
            Some((VsWord::Counter, _)) => Some(Connection::TwoElectrode),
            Some((VsWord::Reference, span)) => {
                if c.reference.is_some() {
                    Some(Connection::ThreeElectrode)
                } else {
                    self.ctx.error(
                        span,
                        ErrorKind::ReferenceOnTwoElectrodeCell {
                            cell: c.name.clone(),
                        },
                    );
                    None
                }
            }
        }
    }
}

fn contains_galvanostatic(steps: &[ast::Step]) -> bool {
    steps.iter().any(|s| match &s.kind {
        StepKind::Galvanostatic { .. } => true,
        StepKind::Repeat { steps, .. } | StepKind::Series { steps, .. } => {
            contains_galvanostatic(steps)
        }
        _ => false,
    })
}
