//! Steps under potential control and temperature steps: cyclic and linear sweeps (path, scan
//! rate, staircase step, sampling, duration), potentiostatic holds (stop on time, charge or a
//! current threshold) and `temperature` set points. Also the metal-inventory check that
//! galvanostatic steps use.

use super::*;
use crate::plan::{Crossing, HoldStop, Material, Potentiostatic, SweepShape, Temperature};
use crate::syntax::{CrossingWord, HoldClause, SweepClause, SweepWord};

/// Staircase step of a sweep that does not state one.
const DEFAULT_SWEEP_STEP_V: f64 = 1e-3;
/// Sampling interval of a potentiostatic hold that does not state one.
pub const DEFAULT_POTENTIOSTATIC_SAMPLE_S: f64 = 1.0;
/// Scan rates a sweep may have: 1 µV/s to 10 V/s.
const SCAN_RATE_RANGE: (f64, f64) = (1e-6, 10.0);
/// At most this many cycles in one sweep step (a repeat block can add more).
const MAX_CYCLES: f64 = 10_000.0;

impl Procedure<'_> {
    /// Refuses a measurement on a cell with nothing to measure; true when it can be measured.
    fn measurable(&mut self, step: &ast::Step, cell: usize, what: &'static str) -> bool {
        let c = &self.cells[cell].cell;
        if c.kind != CellKind::SoakVial {
            return true;
        }
        self.ctx.error(
            step.span,
            ErrorKind::NothingToMeasure {
                cell: c.name.clone(),
                what,
            },
        );
        false
    }

    /// A potential a step applies: plausible, and within the protocol's limit.
    fn applied_potential(&mut self, q: &ast::Quantity) -> Option<f64> {
        let v = self.ctx.value(q, Dimension::Potential)?;
        let text = quantity_text(q);
        if !self
            .ctx
            .plausible_potential(q.span, "a potential", &text, v)
        {
            return None;
        }
        if let Some(max) = self.limits.max_abs_potential_v
            && v.abs() > max
        {
            self.ctx.error(
                q.span,
                ErrorKind::AboveSafetyLimit {
                    what: "the potential",
                    value: text,
                    limit: format_si(max, Dimension::Potential),
                },
            );
            return None;
        }
        Some(v)
    }

    pub(super) fn voltammetry(
        &mut self,
        step: &ast::Step,
        label: Option<&str>,
        cell: usize,
        shape: &ast::Spanned<SweepWord>,
        clauses: &[ast::Spanned<SweepClause>],
    ) {
        let what = match shape.node {
            SweepWord::Cv => "a cyclic voltammetry",
            SweepWord::Lsv => "a linear sweep",
        };
        if !self.measurable(step, cell, what) {
            return;
        }
        let mut path: Option<(Vec<f64>, Span)> = None;
        let mut rate = None;
        let mut cycles: Option<(f64, Span)> = None;
        let mut step_v = None;
        let mut vs = None;
        let mut ok = true;
        let mut seen: Vec<&'static str> = Vec::new();
        for clause in clauses {
            let field = match &clause.node {
                SweepClause::Path(_) => "from",
                SweepClause::Rate(_) => "at",
                SweepClause::Cycles(_) => "cycles",
                SweepClause::Step(_) => "step",
                SweepClause::Vs(_) => "vs",
            };
            if seen.contains(&field) {
                self.ctx
                    .error(clause.span, ErrorKind::DuplicateField { field });
                ok = false;
                continue;
            }
            seen.push(field);
            match &clause.node {
                SweepClause::Path(points) => {
                    let values: Vec<Option<f64>> =
                        points.iter().map(|q| self.applied_potential(q)).collect();
                    if values.iter().all(Option::is_some) {
                        path = Some((values.into_iter().flatten().collect(), clause.span));
                    } else {
                        ok = false;
                    }
                }
                SweepClause::Rate(q) => {
                    rate = self.ctx.positive(q, Dimension::ScanRate, "a scan rate");
                    if let Some(r) = rate
                        && !(SCAN_RATE_RANGE.0..=SCAN_RATE_RANGE.1).contains(&r)
                    {
                        self.ctx.error(
                            q.span,
                            ErrorKind::OutOfRange {
                                what: "a scan rate".into(),
                                text: quantity_text(q),
                                range: "between 1 uV/s and 10 V/s".into(),
                            },
                        );
                        rate = None;
                    }
                    ok &= rate.is_some();
                }
                SweepClause::Cycles(n) => {
                    if shape.node == SweepWord::Lsv {
                        self.ctx.error(
                            clause.span,
                            ErrorKind::NotForCellKind {
                                what: "a number of cycles",
                                kind: "lsv",
                                allowed: "cv (a linear sweep runs once; repeat it in a `repeat` block)",
                            },
                        );
                        ok = false;
                    } else if !(1.0..=MAX_CYCLES).contains(&n.value) {
                        self.ctx.error(
                            n.span,
                            ErrorKind::OutOfRange {
                                what: "a number of cycles".into(),
                                text: n.text.clone(),
                                range: format!("between 1 and {MAX_CYCLES}"),
                            },
                        );
                        ok = false;
                    } else {
                        cycles = Some((n.value, n.span));
                    }
                }
                SweepClause::Step(q) => {
                    step_v = self
                        .ctx
                        .positive(q, Dimension::Potential, "a potential step");
                    ok &= step_v.is_some();
                }
                SweepClause::Vs(v) => vs = Some((*v, clause.span)),
            }
        }
        let example = match shape.node {
            SweepWord::Cv => "cv from 2 V to -1 V to 2 V at 25 mV/s",
            SweepWord::Lsv => "lsv from 0 V to 5 V at 1 mV/s",
        };
        let owner = match shape.node {
            SweepWord::Cv => "this cv",
            SweepWord::Lsv => "this lsv",
        };
        for (field, missing) in [
            ("from", !seen.contains(&"from")),
            ("at", !seen.contains(&"at")),
        ] {
            if missing {
                self.ctx.error(
                    step.span,
                    ErrorKind::MissingField {
                        owner: owner.into(),
                        field,
                        example,
                    },
                );
                ok = false;
            }
        }
        let connection = self.connection(cell, vs);
        let (Some((points, path_span)), Some(rate), Some(connection), true) =
            (path, rate, connection, ok)
        else {
            return;
        };
        let start_v = points[0];
        let shape_plan = match (shape.node, points.len()) {
            (SweepWord::Lsv, 2) => SweepShape::Linear { end_v: points[1] },
            (SweepWord::Cv, 2) => SweepShape::Cyclic {
                vertex1_v: points[1],
                vertex2_v: points[0],
                cycles: cycles.map_or(1, |(n, _)| n as usize),
            },
            (SweepWord::Cv, 3) => SweepShape::Cyclic {
                vertex1_v: points[1],
                vertex2_v: points[2],
                cycles: cycles.map_or(1, |(n, _)| n as usize),
            },
            (word, _) => {
                self.ctx.error(
                    path_span,
                    ErrorKind::OutOfRange {
                        what: "the potentials of a sweep".into(),
                        text: self.ctx.slice(path_span),
                        range: match word {
                            SweepWord::Lsv => "two: `from START to END`".into(),
                            SweepWord::Cv => {
                                "two or three: `from START to VERTEX` or `from START to VERTEX1 to VERTEX2`"
                                    .into()
                            }
                        },
                    },
                );
                return;
            }
        };
        let legs: Vec<f64> = match shape_plan {
            SweepShape::Linear { end_v } => vec![start_v, end_v],
            SweepShape::Cyclic {
                vertex1_v,
                vertex2_v,
                ..
            } => vec![start_v, vertex1_v, vertex2_v, start_v],
        };
        let span_per_cycle_v: f64 = legs.windows(2).map(|w| (w[1] - w[0]).abs()).sum();
        if span_per_cycle_v <= 0.0 {
            self.ctx.error(
                path_span,
                ErrorKind::NotPositive {
                    what: "the potential range of a sweep".into(),
                    text: self.ctx.slice(path_span),
                },
            );
            return;
        }
        let step_v = step_v.unwrap_or(DEFAULT_SWEEP_STEP_V.min(span_per_cycle_v / 10.0));
        let n_cycles = match shape_plan {
            SweepShape::Linear { .. } => 1,
            SweepShape::Cyclic { cycles, .. } => cycles,
        };
        let duration_s = span_per_cycle_v * n_cycles as f64 / rate;
        let sample_interval_s = step_v / rate;
        let text = format!(
            "{} at {}",
            self.ctx.slice(path_span),
            format_si(rate, Dimension::ScanRate)
        );
        if !self
            .ctx
            .plausible_duration(step.span, "a sweep", &text, duration_s)
            || !self
                .ctx
                .plausible_samples(step.span, duration_s, sample_interval_s)
        {
            return;
        }
        let points = (duration_s / sample_interval_s).round().max(1.0) as usize;
        let area_cm2 = self.cells[cell].cell.normalising_area_cm2;
        let action = Action::Voltammetry(crate::plan::Voltammetry {
            shape: shape_plan,
            start_v,
            scan_rate_v_per_s: rate,
            step_v,
            sample_interval_s,
            points,
            connection,
            area_cm2,
            span_per_cycle_v,
        });
        self.push(cell, label, step.span, duration_s, action);
    }

    pub(super) fn potentiostatic(
        &mut self,
        step: &ast::Step,
        label: Option<&str>,
        cell: usize,
        at: &ast::Quantity,
        clauses: &[ast::Spanned<HoldClause>],
    ) {
        if !self.measurable(step, cell, "a potentiostatic hold") {
            return;
        }
        let potential = self.applied_potential(at);
        let area = self.cells[cell].cell.normalising_area_cm2;
        let mut stop = None;
        let mut sample = None;
        let mut sample_span = step.span;
        let mut vs = None;
        let mut ok = potential.is_some();
        let mut seen: Vec<&'static str> = Vec::new();
        for clause in clauses {
            let field = match &clause.node {
                HoldClause::For(_) | HoldClause::Until { .. } => "for/until",
                HoldClause::Sample(_) => "sample every",
                HoldClause::Vs(_) => "vs",
            };
            if seen.contains(&field) {
                self.ctx
                    .error(clause.span, ErrorKind::DuplicateField { field });
                ok = false;
                continue;
            }
            seen.push(field);
            match &clause.node {
                HoldClause::For(t) => {
                    stop = self
                        .ctx
                        .duration(t, "a hold")
                        .map(|duration_s| (HoldStop::Duration { duration_s }, t.span));
                    ok &= stop.is_some();
                }
                HoldClause::Until {
                    crossing,
                    value,
                    max,
                } => {
                    let max_s = self.ctx.duration(max, "a maximum duration");
                    stop = self
                        .hold_until(*crossing, value, area)
                        .zip(max_s)
                        .map(|(make, m)| (make(m), max.span));
                    ok &= stop.is_some();
                }
                HoldClause::Sample(t) => {
                    sample = self.ctx.duration(t, "a sampling interval");
                    sample_span = t.span;
                    ok &= sample.is_some();
                }
                HoldClause::Vs(v) => vs = Some((*v, clause.span)),
            }
        }
        if !seen.contains(&"for/until") {
            self.ctx.error(
                step.span,
                ErrorKind::MissingField {
                    owner: "this potentiostatic hold".into(),
                    field: "for/until",
                    example: "potentiostatic at 0.5 V for 1 h",
                },
            );
            ok = false;
        }
        let connection = self.connection(cell, vs);
        let (Some(potential_v), Some((stop, stop_span)), Some(connection), true) =
            (potential, stop, connection, ok)
        else {
            return;
        };
        let duration_s = stop.max_duration_s();
        let interval_s = sample.unwrap_or(DEFAULT_POTENTIOSTATIC_SAMPLE_S);
        let text = self.ctx.slice(stop_span);
        if !self
            .ctx
            .plausible_duration(stop_span, "a potentiostatic hold", &text, duration_s)
            || !self
                .ctx
                .plausible_samples(sample_span, duration_s, interval_s)
        {
            return;
        }
        let action = Action::Potentiostatic(Potentiostatic {
            potential_v,
            connection,
            stop,
            sample_interval_s: interval_s,
            area_cm2: area,
        });
        self.push(cell, label, step.span, duration_s, action);
    }

    /// `until [current below|above] X`: a charge (areal or absolute) or a current threshold
    /// (density or absolute), as a stop condition still waiting for its maximum duration.
    #[allow(clippy::type_complexity)]
    fn hold_until(
        &mut self,
        crossing: Option<CrossingWord>,
        value: &ast::Quantity,
        area: f64,
    ) -> Option<Box<dyn Fn(f64) -> HoldStop>> {
        let q = self.ctx.resolve(value)?;
        if q.value.is_nan() || q.value <= 0.0 {
            self.ctx
                .not_positive(value.span, "a stop threshold", &quantity_text(value));
            return None;
        }
        let direction = match crossing {
            Some(CrossingWord::Above) => Crossing::Above,
            _ => Crossing::Below,
        };
        match q.dimension {
            Dimension::Charge | Dimension::ArealCharge if crossing.is_none() => {
                let charge_c = if q.dimension == Dimension::Charge {
                    q.value
                } else {
                    q.value * area
                };
                Some(Box::new(move |max_duration_s| HoldStop::Charge {
                    charge_c,
                    areal_charge_c_per_cm2: charge_c / area,
                    max_duration_s,
                }))
            }
            Dimension::Current | Dimension::CurrentDensity => {
                let current_a = if q.dimension == Dimension::Current {
                    q.value
                } else {
                    q.value * area
                };
                Some(Box::new(move |max_duration_s| HoldStop::Current {
                    current_a,
                    current_density_a_per_cm2: current_a / area,
                    direction,
                    max_duration_s,
                }))
            }
            other => {
                self.ctx.wrong_dimension(
                    value.span,
                    if crossing.is_some() {
                        Dimension::Current
                    } else {
                        Dimension::ArealCharge
                    },
                    other,
                    &quantity_text(value),
                    Some(
                        "a hold stops at a charge (`until 1 mAh/cm2 within 2 h`) or a current \
                         (`until current below 10 uA within 2 h`)",
                    ),
                );
                None
            }
        }
    }

    pub(super) fn temperature(
        &mut self,
        step: &ast::Step,
        label: Option<&str>,
        cell: usize,
        value: &ast::Quantity,
        settle: Option<&ast::Time>,
    ) {
        let t = self.ctx.temperature(value);
        let settle_s = match settle {
            Some(s) => self.ctx.duration(s, "a settling time"),
            None => Some(0.0),
        };
        let (Some(temperature_c), Some(settle_s)) = (t, settle_s) else {
            return;
        };
        self.states[cell].temperature_c = Some(temperature_c);
        self.push(
            cell,
            label,
            step.span,
            settle_s,
            Action::Temperature(Temperature {
                temperature_c,
                settle_s,
            }),
        );
    }

    /// Reports a step that strips more charge from a metal electrode than its foil holds
    /// (ρ·z·F/M × thickness per area: 100 µm of Mg holds 38 mAh/cm²). True when it fits.
    pub(super) fn within_inventory(
        &mut self,
        span: Span,
        cell: usize,
        stripping: Role,
        charge_c: f64,
    ) -> bool {
        let info = &self.cells[cell];
        let (electrode, thickness) = match stripping {
            Role::Working => (Some(&info.cell.working), info.working_thickness_m),
            Role::Counter => (info.cell.counter.as_ref(), info.counter_thickness_m),
        };
        let (Some(electrode), Some(thickness_m)) = (electrode, thickness) else {
            return true;
        };
        let material: Material = electrode.material;
        let Some(density) = material.charge_density_c_per_cm3() else {
            return true;
        };
        let holds_c_per_cm2 = density * thickness_m * 100.0;
        // Per the whole foil (nominal area): only what no part of the foil could give is an
        // error; a strip used up where it is wetted is the protocol's business.
        let asked_c_per_cm2 = charge_c / electrode.nominal_area_cm2;
        if asked_c_per_cm2 <= holds_c_per_cm2 {
            return true;
        }
        self.ctx.error(
            span,
            ErrorKind::Implausible {
                message: format!(
                    "this step strips {} from `{}`, which holds only {} ({} of {})",
                    format_si(asked_c_per_cm2, Dimension::ArealCharge),
                    electrode.electrode,
                    format_si(holds_c_per_cm2, Dimension::ArealCharge),
                    format_si(thickness_m, Dimension::Length),
                    material.display_name()
                ),
                why: "a metal foil cannot give more charge than it holds (density x z F / M x thickness): check the capacity, the duration or the foil's thickness",
            },
        );
        false
    }
}
