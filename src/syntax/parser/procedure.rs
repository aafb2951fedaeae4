//! Steps of the procedure: rest, EIS, galvanostatic, addition, prompt, repeat and series.

use super::*;

impl Builder {
    pub(super) fn on_block(&self, pair: P<'_>) -> OnBlock {
        let close = self.close(&pair);
        let mut cell = None;
        let mut steps = Vec::new();
        for p in kids(pair) {
            match p.as_rule() {
                Rule::ident => cell = Some(self.text(&p)),
                Rule::step => steps.push(self.step(p)),
                _ => {}
            }
        }
        OnBlock {
            cell: cell.unwrap_or_default_spanned(),
            steps,
            close,
        }
    }

    pub(super) fn label(&self, pair: P<'_>) -> Spanned<Label> {
        let span = self.span(&pair);
        let node = match pair.into_inner().next() {
            Some(p) if p.as_rule() == Rule::string => Label {
                text: self.string(p).node,
                quoted: true,
            },
            Some(p) => Label {
                text: p.as_str().to_string(),
                quoted: false,
            },
            None => Label {
                text: String::new(),
                quoted: false,
            },
        };
        Spanned::new(node, span)
    }

    /// `name:` or `"name":` (an atomic pair: the text is read back from the source).
    pub(super) fn label_def(&self, pair: &P<'_>) -> Spanned<Label> {
        let text = pair.as_str().trim_end_matches(':').trim_end();
        let start = pair.as_span().start();
        let span = self.lines.span(start, start + text.len());
        let node = match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
            Some(body) => Label {
                text: unescape(body),
                quoted: true,
            },
            None => Label {
                text: text.to_string(),
                quoted: false,
            },
        };
        Spanned::new(node, span)
    }

    pub(super) fn step(&self, pair: P<'_>) -> Step {
        let span = self.span(&pair);
        let mut label = None;
        let mut kind = None;
        for p in kids(pair) {
            match p.as_rule() {
                Rule::label_def => label = Some(self.label_def(&p)),
                _ => kind = Some(self.step_kind(p)),
            }
        }
        Step {
            label,
            kind: kind.unwrap_or(StepKind::Prompt(Spanned::new(String::new(), span))),
            span,
        }
    }

    pub(super) fn steps_and_close(&self, pair: &P<'_>) -> (Vec<Step>, Close) {
        let close = self.close(pair);
        let steps = pair
            .clone()
            .into_inner()
            .filter(|p| p.as_rule() == Rule::step)
            .map(|p| self.step(p))
            .collect();
        (steps, close)
    }

    pub(super) fn step_kind(&self, pair: P<'_>) -> StepKind {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::rest => {
                let has_body = has(&pair, Rule::open);
                let close = self.close(&pair);
                let mut duration = None;
                let mut statements = Vec::new();
                for p in kids(pair) {
                    let s = self.span(&p);
                    match p.as_rule() {
                        Rule::time => duration = Some(self.time(p)),
                        Rule::eis_every => {
                            let (every, settings) = self.eis_every(p);
                            statements
                                .push(Spanned::new(RestStmt::EisEvery { every, settings }, s));
                        }
                        Rule::sample => {
                            statements.push(Spanned::new(RestStmt::Sample(self.first_time(p)), s))
                        }
                        _ => {}
                    }
                }
                StepKind::Rest {
                    duration: duration.unwrap_or_else(empty_time),
                    body: has_body.then_some(RestBody { statements, close }),
                }
            }
            Rule::eis_every_misplaced => {
                let (every, settings) = self.eis_every(pair);
                StepKind::EisEveryMisplaced { every, settings }
            }
            Rule::eis_step => StepKind::Eis(
                kids(pair)
                    .into_iter()
                    .find(|p| p.as_rule() == Rule::eis_settings)
                    .map_or_else(|| empty_settings(span), |p| self.eis_settings(p)),
            ),
            Rule::galvanostatic => {
                let mut direction = None;
                let mut clauses = Vec::new();
                for p in kids(pair) {
                    let s = self.span(&p);
                    if p.as_rule() == Rule::direction {
                        let strip = has(&p, Rule::k_strip);
                        let counter = has(&p, Rule::k_counter);
                        direction = Some(Spanned::new(
                            Direction {
                                action: if strip {
                                    DirectionWord::Strip
                                } else {
                                    DirectionWord::Plate
                                },
                                role: if counter {
                                    RoleWord::Counter
                                } else {
                                    RoleWord::Working
                                },
                            },
                            s,
                        ));
                    } else if let Some(c) = self.galv_clause(p) {
                        clauses.push(Spanned::new(c, s));
                    }
                }
                StepKind::Galvanostatic {
                    direction: direction.unwrap_or(Spanned::new(
                        Direction {
                            action: DirectionWord::Strip,
                            role: RoleWord::Working,
                        },
                        span,
                    )),
                    clauses,
                }
            }
            Rule::addition => {
                let mut stock = None;
                let mut species = None;
                let mut quantity = None;
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::ident => stock = Some(self.text(&p)),
                        Rule::species => species = Some(self.text(&p)),
                        Rule::quantity => quantity = Some(self.quantity(p)),
                        _ => {}
                    }
                }
                let q = quantity.unwrap_or_else(empty_quantity);
                StepKind::Addition {
                    stock: stock.unwrap_or_default_spanned(),
                    amount: match species {
                        Some(species) => AdditionAmount::Reach {
                            species,
                            concentration: q,
                        },
                        None => AdditionAmount::Volume(q),
                    },
                }
            }
            Rule::prompt => StepKind::Prompt(
                kids(pair)
                    .into_iter()
                    .next()
                    .map(|p| self.string(p))
                    .unwrap_or(Spanned::new(String::new(), span)),
            ),
            Rule::voltammetry => {
                let mut shape = Spanned::new(SweepWord::Cv, span);
                let mut clauses = Vec::new();
                for p in all(pair) {
                    let s = self.span(&p);
                    let clause = match p.as_rule() {
                        Rule::k_cv => {
                            shape = Spanned::new(SweepWord::Cv, s);
                            continue;
                        }
                        Rule::k_lsv => {
                            shape = Spanned::new(SweepWord::Lsv, s);
                            continue;
                        }
                        Rule::sweep_path => SweepClause::Path(
                            kids(p)
                                .into_iter()
                                .filter(|q| q.as_rule() == Rule::quantity)
                                .map(|q| self.quantity(q))
                                .collect(),
                        ),
                        Rule::scan_rate => SweepClause::Rate(self.first_quantity(p)),
                        Rule::sweep_step => SweepClause::Step(self.first_quantity(p)),
                        Rule::sweep_cycles => SweepClause::Cycles(
                            kids(p)
                                .into_iter()
                                .find(|q| q.as_rule() == Rule::integer)
                                .map_or_else(|| empty_number(s), |q| self.number(&q)),
                        ),
                        Rule::measure_vs => SweepClause::Vs(self.vs(&p)),
                        _ => continue,
                    };
                    clauses.push(Spanned::new(clause, s));
                }
                StepKind::Voltammetry { shape, clauses }
            }
            Rule::potentiostatic => {
                let mut at = None;
                let mut clauses = Vec::new();
                for p in kids(pair) {
                    let s = self.span(&p);
                    let clause = match p.as_rule() {
                        Rule::hold_at => {
                            at = Some(self.first_quantity(p));
                            continue;
                        }
                        Rule::stop_for => HoldClause::For(self.first_time(p)),
                        Rule::hold_until => {
                            let crossing = if has(&p, Rule::k_above) {
                                Some(CrossingWord::Above)
                            } else if has(&p, Rule::k_below) {
                                Some(CrossingWord::Below)
                            } else {
                                None
                            };
                            let mut value = None;
                            let mut max = None;
                            for q in kids(p) {
                                match q.as_rule() {
                                    Rule::quantity => value = Some(self.quantity(q)),
                                    Rule::time => max = Some(self.time(q)),
                                    _ => {}
                                }
                            }
                            HoldClause::Until {
                                crossing,
                                value: value.unwrap_or_else(empty_quantity),
                                max: max.unwrap_or_else(empty_time),
                            }
                        }
                        Rule::sample => HoldClause::Sample(self.first_time(p)),
                        Rule::measure_vs => HoldClause::Vs(self.vs(&p)),
                        _ => continue,
                    };
                    clauses.push(Spanned::new(clause, s));
                }
                StepKind::Potentiostatic {
                    at: at.unwrap_or_else(empty_quantity),
                    clauses,
                }
            }
            Rule::set_temperature => {
                let mut value = None;
                let mut settle = None;
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::quantity => value = Some(self.quantity(p)),
                        Rule::time => settle = Some(self.time(p)),
                        _ => {}
                    }
                }
                StepKind::Temperature {
                    value: value.unwrap_or_else(empty_quantity),
                    settle,
                }
            }
            Rule::repeat => {
                let (steps, close) = self.steps_and_close(&pair);
                let count = kids(pair)
                    .into_iter()
                    .find(|p| p.as_rule() == Rule::integer)
                    .map_or_else(|| empty_number(span), |p| self.number(&p));
                StepKind::Repeat {
                    count,
                    steps,
                    close,
                }
            }
            _ => {
                // series
                let (steps, close) = self.steps_and_close(&pair);
                let mut currents = None;
                let mut stop = None;
                let mut cells = None;
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::at_current => currents = Some(self.current_spec(p)),
                        Rule::stop_for => stop = Some(self.first_time(p)),
                        Rule::ident_list => cells = Some(self.idents(p)),
                        _ => {}
                    }
                }
                StepKind::Series {
                    currents: currents.unwrap_or_else(|| CurrentSpec::Single(empty_quantity())),
                    stop: stop.unwrap_or_else(empty_time),
                    cells,
                    steps,
                    close,
                }
            }
        }
    }

    pub(super) fn first_time(&self, pair: P<'_>) -> Time {
        kids(pair)
            .into_iter()
            .find(|p| p.as_rule() == Rule::time)
            .map_or_else(empty_time, |p| self.time(p))
    }

    pub(super) fn eis_every(&self, pair: P<'_>) -> (Time, EisSettings) {
        let span = self.span(&pair);
        let mut every = None;
        let mut settings = None;
        for p in kids(pair) {
            match p.as_rule() {
                Rule::time => every = Some(self.time(p)),
                Rule::eis_settings => settings = Some(self.eis_settings(p)),
                _ => {}
            }
        }
        (
            every.unwrap_or_else(empty_time),
            settings.unwrap_or_else(|| empty_settings(span)),
        )
    }

    pub(super) fn eis_settings(&self, pair: P<'_>) -> EisSettings {
        let span = self.span(&pair);
        let mut clauses = Vec::new();
        for p in kids(pair) {
            let s = self.span(&p);
            let clause = match p.as_rule() {
                Rule::amplitude => EisClause::Amplitude(self.first_quantity(p)),
                Rule::frequency_range => {
                    let mut qs = kids(p).into_iter().map(|q| self.quantity(q));
                    let from = qs.next().unwrap_or_else(empty_quantity);
                    let to = qs.next().unwrap_or_else(empty_quantity);
                    EisClause::Range { from, to }
                }
                Rule::per_decade => EisClause::PerDecade(
                    kids(p)
                        .first()
                        .map_or_else(|| empty_number(s), |q| self.number(q)),
                ),
                Rule::bias => {
                    if has(&p, Rule::k_ocv) && !has(&p, Rule::quantity) {
                        EisClause::Bias(None)
                    } else {
                        let r = if has(&p, Rule::k_ocv) {
                            Some(BiasRef::Ocv)
                        } else if has(&p, Rule::k_reference) {
                            Some(BiasRef::Reference)
                        } else if has(&p, Rule::k_counter) {
                            Some(BiasRef::Counter)
                        } else {
                            None
                        };
                        EisClause::Bias(Some((self.first_quantity(p), r)))
                    }
                }
                Rule::measure_vs => EisClause::Vs(self.vs(&p)),
                _ => continue,
            };
            clauses.push(Spanned::new(clause, s));
        }
        EisSettings { clauses, span }
    }

    pub(super) fn vs(&self, pair: &P<'_>) -> VsWord {
        if has(pair, Rule::k_counter) {
            VsWord::Counter
        } else {
            VsWord::Reference
        }
    }

    pub(super) fn current_spec(&self, pair: P<'_>) -> CurrentSpec {
        let span = self.span(&pair);
        for p in kids(pair) {
            match p.as_rule() {
                Rule::current_list => {
                    let span = self.span(&p);
                    let mut numbers = Vec::new();
                    let mut unit = Spanned::new(String::new(), span);
                    for q in p.into_inner() {
                        match q.as_rule() {
                            Rule::number => numbers.push(self.number(&q)),
                            Rule::unit => unit = self.text(&q),
                            _ => {}
                        }
                    }
                    return CurrentSpec::List {
                        numbers,
                        unit,
                        span,
                    };
                }
                Rule::quantity => return CurrentSpec::Single(self.quantity(p)),
                _ => {}
            }
        }
        CurrentSpec::Single(Quantity {
            number: empty_number(span),
            unit: None,
            span,
        })
    }

    pub(super) fn galv_clause(&self, pair: P<'_>) -> Option<GalvClause> {
        Some(match pair.as_rule() {
            Rule::at_current => GalvClause::At(self.current_spec(pair)),
            Rule::stop_for => {
                let each = has(&pair, Rule::k_each);
                GalvClause::For {
                    amount: self.first_time(pair),
                    each,
                }
            }
            Rule::stop_until => {
                let mut potential = None;
                let mut max = None;
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::quantity => potential = Some(self.quantity(p)),
                        Rule::time => max = Some(self.time(p)),
                        _ => {}
                    }
                }
                GalvClause::Until {
                    potential: potential.unwrap_or_else(empty_quantity),
                    max: max.unwrap_or_else(empty_time),
                }
            }
            Rule::limit => {
                let mut value = None;
                let mut on_limit = None;
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::quantity => value = Some(self.quantity(p)),
                        Rule::on_limit => on_limit = Some(self.on_limit(p)),
                        _ => {}
                    }
                }
                GalvClause::Limit {
                    value: value.unwrap_or_else(empty_quantity),
                    on_limit,
                }
            }
            Rule::sample => GalvClause::Sample(self.first_time(pair)),
            Rule::measure_vs => GalvClause::Vs(self.vs(&pair)),
            _ => return None,
        })
    }
}
