//! The procedure: `on CELL { … }` blocks → timed plan steps, in order, with repeat blocks and
//! current series unrolled, additions mixed in, and every duration computed.

use super::cells::{CellInfo, Wet};
use super::ctx::{Ctx, quantity_text, time_text};
use super::defs::undefined;
use super::error::{ErrorKind, WarningKind};
use crate::plan::{
    Action, Addition, Bias, CellKind, Connection, EisRepeat, EisSweep, EisTiming, Galvanostatic,
    OnLimit, PotentialLimit, Rest, Role, SafetyLimits, Solute, Solution, SolventPart, Step,
    StopCondition,
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
}

impl CellState {
    pub fn new(info: &CellInfo) -> Self {
        CellState {
            volume_ml: info.cell.volume_ml,
            composition: info.cell.composition.clone(),
            solvents: info.cell.solvents.clone(),
            working_wet: info.working_wet,
            counter_wet: info.counter_wet,
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
                if !(n >= 1.0 && n <= MAX_REPEAT) {
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
                for _ in 0..n as usize {
                    for s in steps {
                        self.step(s, cell, member);
                    }
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

    fn rest(
        &mut self,
        step: &ast::Step,
        label: Option<&str>,
        cell: usize,
        duration: &ast::Time,
        body: Option<&ast::RestBody>,
    ) {
        let Some(duration_s) = self.ctx.duration(duration, "a rest duration") else {
            return;
        };
        let vial = self.cells[cell].cell.kind == CellKind::SoakVial;
        let mut eis = None;
        let mut sample = None;
        let mut ok = true;
        for st in body.map(|b| b.statements.as_slice()).unwrap_or_default() {
            if vial {
                self.ctx.error(
                    st.span,
                    ErrorKind::NothingToMeasure {
                        cell: self.cells[cell].cell.name.clone(),
                        what: "a measurement",
                    },
                );
                ok = false;
                continue;
            }
            match &st.node {
                RestStmt::EisEvery { every, settings } => {
                    if eis.is_some() {
                        self.ctx
                            .error(st.span, ErrorKind::DuplicateField { field: "eis every" });
                        ok = false;
                        continue;
                    }
                    let every_s = self.ctx.duration(every, "an EIS interval");
                    let sweep = self.sweep(settings, cell, "EIS");
                    let (Some(every_s), Some(sweep)) = (every_s, sweep) else {
                        ok = false;
                        continue;
                    };
                    if every_s < sweep.duration_s {
                        self.ctx.error(
                            every.span,
                            ErrorKind::EveryShorterThanSweep {
                                every: time_text(every),
                                sweep: format_duration(sweep.duration_s),
                                points: sweep.frequencies_hz.len(),
                            },
                        );
                        ok = false;
                        continue;
                    }
                    if sweep.duration_s > duration_s {
                        self.ctx.error(
                            settings.span,
                            ErrorKind::SweepLongerThanRest {
                                rest: time_text(duration),
                                sweep: format_duration(sweep.duration_s),
                            },
                        );
                        ok = false;
                        continue;
                    }
                    let count =
                        ((duration_s - sweep.duration_s) / every_s + 1e-9).floor() as usize + 1;
                    if count > MAX_SWEEPS_PER_REST {
                        self.ctx.error(
                            every.span,
                            ErrorKind::OutOfRange {
                                what: "the number of sweeps in one rest".into(),
                                text: count.to_string(),
                                range: format!("at most {MAX_SWEEPS_PER_REST}"),
                            },
                        );
                        ok = false;
                        continue;
                    }
                    let sweep_offsets_s = (0..count).map(|k| k as f64 * every_s).collect();
                    eis = Some(EisRepeat {
                        every_s,
                        sweep,
                        sweep_offsets_s,
                    });
                }
                RestStmt::Sample(t) => {
                    if sample.is_some() {
                        self.ctx.error(
                            st.span,
                            ErrorKind::DuplicateField {
                                field: "sample every",
                            },
                        );
                        ok = false;
                        continue;
                    }
                    sample = self.ctx.duration(t, "a sampling interval");
                    ok &= sample.is_some();
                }
            }
        }
        if !ok {
            return;
        }
        if !vial && eis.is_none() && sample.is_none() {
            self.ctx
                .warn(step.span, WarningKind::RestWithoutMeasurement);
        }
        self.push(
            cell,
            label,
            step.span,
            duration_s,
            Action::Rest(Rest {
                sample_interval_s: sample,
                eis,
            }),
        );
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

    /// EIS settings → one sweep (frequencies, amplitude, bias, connection, duration).
    fn sweep(&mut self, s: &ast::EisSettings, cell: usize, what: &'static str) -> Option<EisSweep> {
        let c = &self.cells[cell].cell;
        if c.kind == CellKind::SoakVial {
            self.ctx.error(
                s.span,
                ErrorKind::NothingToMeasure {
                    cell: c.name.clone(),
                    what,
                },
            );
            return None;
        }
        let has_reference = c.reference.is_some();
        let cell_name = c.name.clone();
        let mut amplitude = None;
        let mut range = None;
        let mut per_decade = None;
        let mut bias = None;
        let mut vs = None;
        let mut ok = true;
        let mut seen: Vec<&'static str> = Vec::new();
        for clause in &s.clauses {
            let field = match &clause.node {
                EisClause::Amplitude(_) => "rms",
                EisClause::Range { .. } => "to",
                EisClause::PerDecade(_) => "per decade",
                EisClause::Bias(_) => "at",
                EisClause::Vs(_) => "vs",
            };
            if seen.contains(&field) {
                self.ctx
                    .error(clause.span, ErrorKind::DuplicateField { field });
                ok = false;
                continue;
            }
            seen.push(field);
            match &clause.node {
                EisClause::Amplitude(q) => {
                    amplitude = self
                        .ctx
                        .positive(q, Dimension::Potential, "an EIS amplitude");
                    match amplitude {
                        Some(a) if a > MAX_QUIET_AMPLITUDE_V => self.ctx.warn(
                            q.span,
                            WarningKind::HighAmplitude {
                                amplitude: quantity_text(q),
                            },
                        ),
                        Some(_) => {}
                        None => ok = false,
                    }
                }
                EisClause::Range { from, to } => {
                    let f = self.frequency(from);
                    let t = self.frequency(to);
                    match (f, t) {
                        (Some(f), Some(t)) if f == t => {
                            self.ctx.error(
                                clause.span,
                                ErrorKind::EmptyFrequencyRange {
                                    text: format!(
                                        "{} to {}",
                                        quantity_text(from),
                                        quantity_text(to)
                                    ),
                                },
                            );
                            ok = false;
                        }
                        (Some(f), Some(t)) => {
                            if f < t {
                                self.ctx.warn(clause.span, WarningKind::SweepLowToHigh);
                            }
                            range = Some((f.max(t), f.min(t)));
                        }
                        _ => ok = false,
                    }
                }
                EisClause::PerDecade(n) => {
                    if n.value > 0.0 && n.value <= MAX_POINTS_PER_DECADE {
                        per_decade = Some(n.value);
                    } else {
                        self.ctx.error(
                            n.span,
                            ErrorKind::OutOfRange {
                                what: "points per decade".into(),
                                text: n.text.clone(),
                                range: format!("above 0 and at most {MAX_POINTS_PER_DECADE}"),
                            },
                        );
                        ok = false;
                    }
                }
                EisClause::Bias(b) => {
                    bias = match b {
                        None => Some(Bias::OpenCircuit),
                        Some((q, r)) => {
                            let v = self.ctx.value(q, Dimension::Potential);
                            match (v, r) {
                                (None, _) => None,
                                (Some(v), Some(BiasRef::Ocv)) => {
                                    Some(Bias::VsOpenCircuit { potential_v: v })
                                }
                                (Some(_), Some(BiasRef::Reference)) if !has_reference => {
                                    self.ctx.error(
                                        clause.span,
                                        ErrorKind::ReferenceOnTwoElectrodeCell {
                                            cell: cell_name.clone(),
                                        },
                                    );
                                    None
                                }
                                (Some(v), _) => Some(Bias::Absolute { potential_v: v }),
                            }
                        }
                    };
                    ok &= bias.is_some();
                }
                EisClause::Vs(v) => vs = Some((*v, clause.span)),
            }
        }
        let owner = "this EIS".to_string();
        let missing = |ctx: &mut Ctx, field: &'static str, example: &'static str| {
            ctx.error(
                s.span,
                ErrorKind::MissingField {
                    owner: owner.clone(),
                    field,
                    example,
                },
            );
        };
        if amplitude.is_none() && !seen.contains(&"rms") {
            missing(self.ctx, "rms", "5 mV rms");
            ok = false;
        }
        if range.is_none() && !seen.contains(&"to") {
            missing(self.ctx, "to", "1 MHz to 20 mHz");
            ok = false;
        }
        if per_decade.is_none() && !seen.contains(&"per decade") {
            missing(self.ctx, "per decade", "10 per decade");
            ok = false;
        }
        let connection = self.connection(cell, vs);
        let (
            Some(amplitude_v_rms),
            Some((hi, lo)),
            Some(points_per_decade),
            Some(connection),
            true,
        ) = (amplitude, range, per_decade, connection, ok)
        else {
            return None;
        };
        let frequencies_hz = crate::plan::log_frequencies(hi, lo, points_per_decade);
        let duration_s = self.timing.sweep_duration_s(&frequencies_hz);
        Some(EisSweep {
            frequencies_hz,
            amplitude_v_rms,
            bias: bias.unwrap_or(Bias::OpenCircuit),
            connection,
            points_per_decade,
            duration_s,
        })
    }

    fn frequency(&mut self, q: &ast::Quantity) -> Option<f64> {
        let f = self.ctx.positive(q, Dimension::Frequency, "a frequency")?;
        if f > self.timing.max_frequency_hz {
            self.ctx.error(
                q.span,
                ErrorKind::FrequencyTooHigh {
                    text: quantity_text(q),
                    max: format_si(self.timing.max_frequency_hz, Dimension::Frequency),
                },
            );
            return None;
        }
        if f < MIN_FREQUENCY_HZ {
            self.ctx.error(
                q.span,
                ErrorKind::OutOfRange {
                    what: "a frequency".into(),
                    text: quantity_text(q),
                    range: "at least 1 uHz".into(),
                },
            );
            return None;
        }
        Some(f)
    }

    #[allow(clippy::too_many_arguments)]
    fn galvanostatic(
        &mut self,
        step: &ast::Step,
        label: Option<&str>,
        cell: usize,
        direction: &ast::Spanned<ast::Direction>,
        clauses: &[ast::Spanned<GalvClause>],
        member: Option<&Member>,
    ) {
        let c = &self.cells[cell].cell;
        if c.kind == CellKind::SoakVial {
            self.ctx.error(
                step.span,
                ErrorKind::NothingToMeasure {
                    cell: c.name.clone(),
                    what: "a galvanostatic step",
                },
            );
            return;
        }
        let area = c.normalising_area_cm2;
        let (stripping, plating) = match (direction.node.action, direction.node.role) {
            (DirectionWord::Strip, RoleWord::Counter)
            | (DirectionWord::Plate, RoleWord::Working) => (Role::Counter, Role::Working),
            _ => (Role::Working, Role::Counter),
        };
        let mut currents: Option<Vec<(Quantity, Span)>> = None;
        let mut stop: Option<StopCondition> = None;
        let mut stop_amount: Option<(Quantity, Span)> = None;
        let mut limits = Vec::new();
        let mut sample = None;
        let mut vs = None;
        let mut ok = true;
        let mut stop_seen = false;
        let mut seen: Vec<&'static str> = Vec::new();
        for clause in clauses {
            let field = match &clause.node {
                GalvClause::At(_) => "at",
                GalvClause::For { .. } | GalvClause::Until { .. } => "stop",
                GalvClause::Limit { .. } => "limit",
                GalvClause::Sample(_) => "sample every",
                GalvClause::Vs(_) => "vs",
            };
            if field != "limit" && seen.contains(&field) {
                self.ctx.error(
                    clause.span,
                    ErrorKind::DuplicateField {
                        field: if field == "stop" { "for/until" } else { field },
                    },
                );
                ok = false;
                continue;
            }
            seen.push(field);
            match &clause.node {
                GalvClause::At(spec) => {
                    if member.is_some() {
                        self.ctx.error(clause.span, ErrorKind::CurrentGivenTwice);
                        ok = false;
                        continue;
                    }
                    currents = self.currents(spec);
                    ok &= currents.is_some();
                }
                GalvClause::For { amount, .. } => {
                    stop_seen = true;
                    match self.amount(amount) {
                        Some(q) => stop_amount = Some((q, amount.span)),
                        None => ok = false,
                    }
                }
                GalvClause::Until { potential, max } => {
                    stop_seen = true;
                    let v = self.ctx.value(potential, Dimension::Potential);
                    let m = self.ctx.duration(max, "a maximum duration");
                    match (v, m) {
                        (Some(v), Some(m)) if v != 0.0 => {
                            stop = Some(StopCondition::Potential {
                                limit_v: v.abs(),
                                max_duration_s: m,
                            });
                            self.check_potential_limit(
                                potential.span,
                                v.abs(),
                                &quantity_text(potential),
                            );
                        }
                        (Some(_), Some(_)) => {
                            self.ctx.not_positive(
                                potential.span,
                                "a potential limit",
                                &quantity_text(potential),
                            );
                            ok = false;
                        }
                        _ => ok = false,
                    }
                }
                GalvClause::Limit { value, on_limit } => {
                    match self.ctx.value(value, Dimension::Potential) {
                        Some(v) if v != 0.0 => limits.push(PotentialLimit {
                            max_abs_v: v.abs(),
                            on_limit: match on_limit {
                                Some(OnLimitWord::EndStep) => OnLimit::EndStep,
                                _ => OnLimit::Abort,
                            },
                        }),
                        Some(_) => {
                            self.ctx.not_positive(
                                value.span,
                                "a potential limit",
                                &quantity_text(value),
                            );
                            ok = false;
                        }
                        None => ok = false,
                    }
                }
                GalvClause::Sample(t) => {
                    sample = self.ctx.duration(t, "a sampling interval");
                    ok &= sample.is_some();
                }
                GalvClause::Vs(v) => vs = Some((*v, clause.span)),
            }
        }
        let connection = self.connection(cell, vs);
        ok &= connection.is_some();
        let currents = match (currents, member) {
            (Some(c), _) => c,
            (None, Some(m)) => vec![(m.current, m.current_span)],
            (None, None) => {
                if ok {
                    self.ctx.error(
                        step.span,
                        ErrorKind::MissingField {
                            owner: "this galvanostatic step".into(),
                            field: "at",
                            example: "at 1 mA/cm2",
                        },
                    );
                }
                return;
            }
        };
        if stop.is_none() && stop_amount.is_none() && !stop_seen {
            stop_amount = member.and_then(|m| m.stop);
            if stop_amount.is_none() {
                if ok {
                    self.ctx.error(
                        step.span,
                        ErrorKind::MissingField {
                            owner: "this galvanostatic step".into(),
                            field: "for",
                            example: "for 2 h (or for 1 mAh/cm2, or until 2 V within 5 h)",
                        },
                    );
                }
                return;
            }
        }
        let (Some(connection), true) = (connection, ok) else {
            return;
        };
        for (current, current_span) in currents {
            // The current, both ways, through the cell's normalising area.
            let (current_a, density) = match current.dimension {
                Dimension::CurrentDensity => (
                    current.to_absolute(area).ok().map(|q| q.value),
                    current.value,
                ),
                Dimension::Current => (
                    Some(current.value),
                    current.to_areal(area).map_or(f64::NAN, |q| q.value),
                ),
                other => {
                    self.ctx.wrong_dimension(
                        current_span,
                        Dimension::CurrentDensity,
                        other,
                        &self.ctx.slice(current_span),
                        Some("a galvanostatic step runs at a current density (`1 mA/cm2`) or a current (`1 mA`)"),
                    );
                    return;
                }
            };
            let Some(current_a) = current_a else { return };
            if !(current_a > 0.0 && density > 0.0) {
                self.ctx.error(
                    current_span,
                    ErrorKind::NotPositive {
                        what: "a current".into(),
                        text: self.ctx.slice(current_span),
                    },
                );
                return;
            }
            if let Some(max) = self.limits.max_abs_current_a
                && current_a > max
            {
                self.ctx.error(
                    current_span,
                    ErrorKind::AboveSafetyLimit {
                        what: "the current",
                        value: format_si(current_a, Dimension::Current),
                        limit: format_si(max, Dimension::Current),
                    },
                );
                return;
            }
            let stop = match (&stop, stop_amount) {
                (Some(s), _) => s.clone(),
                (None, Some((q, span))) => match q.dimension {
                    Dimension::Time if q.value > 0.0 => StopCondition::Duration {
                        duration_s: q.value,
                    },
                    Dimension::ArealCharge if q.value > 0.0 => StopCondition::Capacity {
                        areal_capacity_c_per_cm2: q.value,
                    },
                    Dimension::Charge if q.value > 0.0 => StopCondition::Capacity {
                        areal_capacity_c_per_cm2: q.value / area,
                    },
                    Dimension::Time | Dimension::ArealCharge | Dimension::Charge => {
                        self.ctx.not_positive(
                            span,
                            "a step length",
                            &format_si(q.value, q.dimension),
                        );
                        return;
                    }
                    other => {
                        self.ctx.wrong_dimension(
                            span,
                            Dimension::Time,
                            other,
                            &self.ctx.slice(span),
                            Some("a galvanostatic step stops after a time (`for 2 h`) or a capacity (`for 1 mAh/cm2`)"),
                        );
                        return;
                    }
                },
                (None, None) => return,
            };
            let duration_s = match stop {
                StopCondition::Duration { duration_s } => duration_s,
                StopCondition::Capacity {
                    areal_capacity_c_per_cm2,
                } => areal_capacity_c_per_cm2 / density,
                StopCondition::Potential { max_duration_s, .. } => max_duration_s,
            };
            let action = Action::Galvanostatic(Galvanostatic {
                current_a,
                current_density_a_per_cm2: density,
                area_cm2: area,
                stripping,
                plating,
                connection,
                stop,
                charge_c: current_a * duration_s,
                areal_capacity_c_per_cm2: density * duration_s,
                sample_interval_s: sample.unwrap_or(DEFAULT_GALVANOSTATIC_SAMPLE_S),
                limits: limits.clone(),
            });
            self.push(cell, label, step.span, duration_s, action);
        }
    }

    fn check_potential_limit(&mut self, span: Span, v: f64, text: &str) {
        if let Some(max) = self.limits.max_abs_potential_v
            && v > max
        {
            self.ctx.error(
                span,
                ErrorKind::AboveSafetyLimit {
                    what: "the potential",
                    value: text.to_string(),
                    limit: format_si(max, Dimension::Potential),
                },
            );
        }
    }

    fn addition(
        &mut self,
        step: &ast::Step,
        label: Option<&str>,
        cell: usize,
        stock: &ast::Ident,
        amount: &AdditionAmount,
    ) {
        let info = &self.cells[cell];
        if info.cell.kind == CellKind::Symmetric {
            self.ctx.error(
                step.span,
                ErrorKind::AdditionIntoSealedCell {
                    cell: info.cell.name.clone(),
                },
            );
            return;
        }
        let Some(stock_solution) = self.solutions.iter().find(|s| s.name == stock.node) else {
            undefined(
                self.ctx,
                "solution",
                stock,
                self.solutions.iter().map(|s| s.name.as_str()),
            );
            return;
        };
        let state = self.states[cell].clone();
        let v0 = state.volume_ml;
        let (volume_ml, target) = match amount {
            AdditionAmount::Volume(q) => {
                match self.ctx.positive(q, Dimension::Volume, "an added volume") {
                    Some(v) => (v * 1e3, None),
                    None => return,
                }
            }
            AdditionAmount::Reach {
                species,
                concentration,
            } => {
                let Some(ct) = self.ctx.positive(
                    concentration,
                    Dimension::Concentration,
                    "a target concentration",
                ) else {
                    return;
                };
                let target_text = quantity_text(concentration);
                let unreachable = |ctx: &mut Ctx, reason: String| {
                    ctx.error(
                        step.span,
                        ErrorKind::UnreachableConcentration {
                            species: species.node.clone(),
                            target: target_text.clone(),
                            reason,
                        },
                    );
                };
                let Some(cs) = stock_solution
                    .solutes
                    .iter()
                    .find(|s| s.species == species.node)
                    .map(|s| s.concentration_m)
                else {
                    unreachable(
                        self.ctx,
                        format!("`{}` contains no {}", stock.node, species.node),
                    );
                    return;
                };
                let c0 = concentration_of(&state.composition, &species.node);
                let between = (c0 < ct && ct < cs) || (cs < ct && ct < c0);
                if !between {
                    unreachable(
                        self.ctx,
                        format!(
                            "mixing the cell ({} now) with `{}` ({}) only reaches concentrations between the two",
                            format_si(c0, Dimension::Concentration),
                            stock.node,
                            format_si(cs, Dimension::Concentration)
                        ),
                    );
                    return;
                }
                let v = v0 * (ct - c0) / (cs - ct);
                (
                    v,
                    Some(Solute {
                        species: species.node.clone(),
                        concentration_m: ct,
                        nominal: stock_solution
                            .solutes
                            .iter()
                            .any(|s| s.species == species.node && s.nominal),
                    }),
                )
            }
        };
        let v1 = v0 + volume_ml;
        match info.compartment_ml {
            Some(cap) if v1 > cap * (1.0 + 1e-9) => {
                self.ctx.error(
                    step.span,
                    ErrorKind::AdditionBeyondCompartment {
                        after: format_si(v1 / 1e3, Dimension::Volume),
                        capacity: format_si(cap / 1e3, Dimension::Volume),
                    },
                );
                return;
            }
            Some(_) => {}
            None => self.ctx.warn(
                step.span,
                WarningKind::UncheckedAddition {
                    cell: info.cell.name.clone(),
                },
            ),
        }
        let composition_after = mix(&state.composition, v0, &stock_solution.solutes, volume_ml);
        let solvents_after = mix_solvents(&state.solvents, v0, &stock_solution.solvents, volume_ml);
        let ratio = v1 / v0;
        let we_nominal = info.cell.working.nominal_area_cm2;
        let working_wet = state.working_wet.raised(ratio, we_nominal);
        let counter_wet = state.counter_wet.map(|w| {
            let nominal = info
                .cell
                .counter
                .as_ref()
                .map_or(we_nominal, |c| c.nominal_area_cm2);
            w.raised(ratio, nominal)
        });
        let we_after = working_wet.area_cm2(we_nominal);
        let ce_after = match (&counter_wet, &info.cell.counter) {
            (Some(w), Some(c)) => w.area_cm2(c.nominal_area_cm2),
            _ => 0.0,
        };
        self.states[cell] = CellState {
            volume_ml: v1,
            composition: composition_after.clone(),
            solvents: solvents_after.clone(),
            working_wet,
            counter_wet,
        };
        self.push(
            cell,
            label,
            step.span,
            0.0,
            Action::Addition(Addition {
                stock: stock.node.clone(),
                volume_ml,
                target,
                volume_before_ml: v0,
                volume_after_ml: v1,
                composition_after,
                solvents_after,
                wetted_area_after_cm2: we_after,
                electrolyte_ul_per_cm2_after: v1 * 1e3 / (we_after + ce_after),
            }),
        );
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

fn concentration_of(composition: &[Solute], species: &str) -> f64 {
    composition
        .iter()
        .find(|s| s.species == species)
        .map_or(0.0, |s| s.concentration_m)
}

/// Concentrations after mixing `v0` of `a` with `v1` of `b` (volumes additive); species keep
/// the order they first appear in, and stay nominal if either side was.
pub(crate) fn mix(a: &[Solute], v0: f64, b: &[Solute], v1: f64) -> Vec<Solute> {
    let total = v0 + v1;
    let mut out: Vec<Solute> = Vec::new();
    for s in a.iter().chain(b) {
        if out.iter().any(|o| o.species == s.species) {
            continue;
        }
        let ca = concentration_of(a, &s.species);
        let cb = concentration_of(b, &s.species);
        let nominal = a
            .iter()
            .chain(b)
            .any(|x| x.species == s.species && x.nominal);
        out.push(Solute {
            species: s.species.clone(),
            concentration_m: (ca * v0 + cb * v1) / total,
            nominal,
        });
    }
    out
}

/// Solvent parts after mixing; identical mixtures keep their parts as written.
fn mix_solvents(a: &[SolventPart], v0: f64, b: &[SolventPart], v1: f64) -> Vec<SolventPart> {
    let fraction = |list: &[SolventPart], name: &str| {
        let total: f64 = list.iter().map(|p| p.parts).sum();
        list.iter()
            .find(|p| p.name == name)
            .map_or(0.0, |p| p.parts / total)
    };
    let same = a.len() == b.len()
        && a.iter()
            .all(|p| (fraction(a, &p.name) - fraction(b, &p.name)).abs() < 1e-12);
    if same {
        return a.to_vec();
    }
    let mut out: Vec<SolventPart> = Vec::new();
    for p in a.iter().chain(b) {
        if out.iter().any(|o| o.name == p.name) {
            continue;
        }
        out.push(SolventPart {
            name: p.name.clone(),
            parts: (fraction(a, &p.name) * v0 + fraction(b, &p.name) * v1) / (v0 + v1),
        });
    }
    out
}
