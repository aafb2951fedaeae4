//! Rests (with repeated EIS or potential sampling) and EIS sweeps: frequencies, amplitude,
//! bias, connection and the sweep duration under the plan's timing rule.

use super::*;

impl Procedure<'_> {
    pub(super) fn rest(
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
                    ok &= sample
                        .is_some_and(|every| self.ctx.plausible_samples(t.span, duration_s, every));
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

    /// EIS settings → one sweep (frequencies, amplitude, bias, connection, duration).
    pub(super) fn sweep(
        &mut self,
        s: &ast::EisSettings,
        cell: usize,
        what: &'static str,
    ) -> Option<EisSweep> {
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

    pub(super) fn frequency(&mut self, q: &ast::Quantity) -> Option<f64> {
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
}
