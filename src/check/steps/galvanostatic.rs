//! Galvanostatic steps: current and density through the normalising area, which electrode
//! strips, the stop (time, capacity or potential), limits, charge and duration.

use super::*;

impl Procedure<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn galvanostatic(
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
        let mut sample_span = step.span;
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
                    if let CurrentSpec::List {
                        numbers,
                        unit,
                        span,
                    } = spec
                    {
                        // Only a series runs one step per current; here a list is a slip,
                        // most often a decimal comma (`1,5 mA/cm2`).
                        let text = self.ctx.slice(*span);
                        let decimal = match numbers.as_slice() {
                            [whole, fraction]
                                if text.contains(&format!("{},{}", whole.text, fraction.text))
                                    && fraction.text.chars().all(|c| c.is_ascii_digit())
                                    && !whole.text.contains(['.', 'e', 'E']) =>
                            {
                                Some(format!("{}.{} {}", whole.text, fraction.text, unit.node))
                            }
                            _ => None,
                        };
                        self.ctx.error(
                            *span,
                            ErrorKind::CurrentListOutsideSeries {
                                text: format!("at {text}"),
                                count: numbers.len(),
                                decimal,
                            },
                        );
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
                                limit_v: v,
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
                        Some(v)
                            if v != 0.0
                                && !self.ctx.plausible_potential(
                                    value.span,
                                    "a potential limit",
                                    &quantity_text(value),
                                    v,
                                ) =>
                        {
                            ok = false
                        }
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
                    sample_span = t.span;
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
                            example: "for 2 h",
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
            let text = self.ctx.slice(current_span);
            if !self.ctx.plausible_current(current_span, &text, current_a)
                || !self
                    .ctx
                    .plausible_current_density(current_span, &text, density)
            {
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
            let stop_span = stop_amount.map_or(step.span, |(_, span)| span);
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
            // A capacity at a tiny current can last centuries even when both look sane.
            let stop_text = match stop {
                StopCondition::Capacity { .. } => format!(
                    "{} at {}",
                    self.ctx.slice(stop_span),
                    format_si(density, Dimension::CurrentDensity)
                ),
                StopCondition::Duration { .. } => self.ctx.slice(stop_span),
                StopCondition::Potential { .. } => format_duration(duration_s),
            };
            if !matches!(stop, StopCondition::Potential { .. })
                && !self.within_inventory(stop_span, cell, stripping, current_a * duration_s)
            {
                return;
            }
            let interval_s = sample.unwrap_or(DEFAULT_GALVANOSTATIC_SAMPLE_S);
            if !self.ctx.plausible_duration(
                stop_span,
                "a galvanostatic step",
                &stop_text,
                duration_s,
            ) || !self
                .ctx
                .plausible_samples(sample_span, duration_s, interval_s)
            {
                return;
            }
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
                sample_interval_s: interval_s,
                limits: limits.clone(),
            });
            self.push(cell, label, step.span, duration_s, action);
        }
    }

    pub(super) fn check_potential_limit(&mut self, span: Span, v: f64, text: &str) {
        if !self.ctx.plausible_potential(span, "a potential", text, v) {
            return;
        }
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
}
