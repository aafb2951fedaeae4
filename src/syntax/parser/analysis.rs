//! The analyze block: fits, quantities, expects and the metric expressions inside them.

use super::*;
use crate::plan::{CycleQuantity, HalfCycle};

impl Builder {
    pub(super) fn analyze(&self, pair: P<'_>) -> AnalyzeBlock {
        let close = self.close(&pair);
        let mut statements = Vec::new();
        for p in kids(pair) {
            let span = self.span(&p);
            let stmt = match p.as_rule() {
                Rule::fit => self.fit(p),
                Rule::quantity_def => {
                    let mut name = None;
                    let mut metric = None;
                    let mut unit = None;
                    for q in kids(p) {
                        match q.as_rule() {
                            Rule::ident => name = Some(self.text(&q)),
                            Rule::metric => metric = Some(self.metric(q)),
                            Rule::unit => unit = Some(self.text(&q)),
                            _ => {}
                        }
                    }
                    AnalyzeStmt::Quantity {
                        name: name.unwrap_or_default_spanned(),
                        metric: metric.unwrap_or_else(|| empty_metric(span)),
                        unit,
                    }
                }
                Rule::expect => {
                    let mut observation = None;
                    let mut metric = None;
                    let mut check = None;
                    for q in kids(p) {
                        match q.as_rule() {
                            Rule::observation => {
                                let text = q.as_str().trim_end_matches(':').trim_end();
                                let start = q.as_span().start();
                                observation = Some(Spanned::new(
                                    text.to_string(),
                                    self.lines.span(start, start + text.len()),
                                ));
                            }
                            Rule::metric => metric = Some(self.metric(q)),
                            Rule::check => check = Some(self.check(q)),
                            _ => {}
                        }
                    }
                    AnalyzeStmt::Expect {
                        observation,
                        metric: metric.unwrap_or_else(|| empty_metric(span)),
                        check: check
                            .unwrap_or(Spanned::new(CheckSpec::Above(empty_quantity()), span)),
                    }
                }
                _ => continue,
            };
            statements.push(Spanned::new(stmt, span));
        }
        AnalyzeBlock { statements, close }
    }

    pub(super) fn fit(&self, pair: P<'_>) -> AnalyzeStmt {
        let span = self.span(&pair);
        let mut name = None;
        let mut circuit = None;
        let mut steps = Vec::new();
        let mut window = None;
        for p in kids(pair) {
            match p.as_rule() {
                Rule::ident => name = Some(self.text(&p)),
                Rule::string => circuit = Some(self.string(p)),
                Rule::step_ref => steps.push(self.step_ref(p)),
                Rule::window => {
                    let s = self.span(&p);
                    let node = if has(&p, Rule::k_high_frequency_arc) {
                        WindowSpec::HighFrequencyArc
                    } else if has(&p, Rule::k_all) {
                        WindowSpec::All
                    } else {
                        let mut qs = kids(p).into_iter().map(|q| self.quantity(q));
                        let a = qs.next().unwrap_or_else(empty_quantity);
                        let b = qs.next().unwrap_or_else(empty_quantity);
                        WindowSpec::Range(a, b)
                    };
                    window = Some(Spanned::new(node, s));
                }
                _ => {}
            }
        }
        AnalyzeStmt::Fit {
            name: name.unwrap_or_default_spanned(),
            circuit: circuit.unwrap_or(Spanned::new(String::new(), span)),
            steps,
            window,
        }
    }

    pub(super) fn step_ref(&self, pair: P<'_>) -> Spanned<StepRef> {
        let span = self.span(&pair);
        if has(&pair, Rule::k_cell) {
            let cell = kids(pair)
                .into_iter()
                .find(|p| p.as_rule() == Rule::ident)
                .map(|p| self.text(&p))
                .unwrap_or_default_spanned();
            return Spanned::new(StepRef::Cell(cell), span);
        }
        let mut label = None;
        let mut cell = None;
        let mut index = None;
        for p in kids(pair) {
            match p.as_rule() {
                Rule::label => label = Some(self.label(p)),
                Rule::ident => cell = Some(self.text(&p)),
                Rule::integer => index = Some(self.number(&p)),
                _ => {}
            }
        }
        Spanned::new(
            StepRef::Label {
                label: label.unwrap_or(Spanned::new(
                    Label {
                        text: String::new(),
                        quoted: false,
                    },
                    span,
                )),
                cell,
                index,
            },
            span,
        )
    }

    /// `metric = term (op term)*` with `/` binding tighter than `-`, both left-associative.
    pub(super) fn metric(&self, pair: P<'_>) -> MetricExpr {
        let span = self.span(&pair);
        let mut terms = Vec::new();
        let mut ops = Vec::new();
        for p in pair.into_inner() {
            if p.as_rule() == Rule::binop {
                ops.push(if p.as_str() == "/" {
                    BinOp::Div
                } else {
                    BinOp::Sub
                });
            } else {
                terms.push(self.metric_term(p));
            }
        }
        let mut terms = terms.into_iter();
        let Some(first) = terms.next() else {
            return empty_metric(span);
        };
        // Fold `/` chains into products first, then the `-` chain.
        let mut differences: Vec<MetricExpr> = vec![first];
        for (op, term) in ops.into_iter().zip(terms) {
            match op {
                BinOp::Div => {
                    if let Some(lhs) = differences.pop() {
                        differences.push(binary(BinOp::Div, lhs, term));
                    }
                }
                BinOp::Sub => differences.push(term),
            }
        }
        let mut it = differences.into_iter();
        let mut acc = it.next().unwrap_or_else(|| empty_metric(span));
        for rhs in it {
            acc = binary(BinOp::Sub, acc, rhs);
        }
        acc
    }

    pub(super) fn metric_term(&self, pair: P<'_>) -> MetricExpr {
        let span = self.span(&pair);
        let node = match pair.as_rule() {
            Rule::metric => return self.metric(pair),
            Rule::series_metric => {
                let mut stat = None;
                let mut param = None;
                let mut fit = None;
                let mut times = Vec::new();
                let mut at = false;
                for p in all(pair) {
                    let s = self.span(&p);
                    match p.as_rule() {
                        Rule::stat => {
                            stat = p
                                .into_inner()
                                .next()
                                .map(|k| Spanned::new(stat_word(k.as_rule()), s))
                        }
                        Rule::param => {
                            param = p
                                .into_inner()
                                .next()
                                .map(|k| Spanned::new(param_word(k.as_rule()), s))
                        }
                        Rule::ident => fit = Some(self.text(&p)),
                        Rule::k_at => at = true,
                        Rule::time => times.push(self.time(p)),
                        _ => {}
                    }
                }
                let mut times = times.into_iter();
                let when = match (times.next(), times.next()) {
                    (Some(a), Some(b)) => Some(TimeSel::Range(a, b)),
                    (Some(a), None) if at => Some(TimeSel::At(a)),
                    (Some(a), None) => Some(TimeSel::Range(a.clone(), a)),
                    _ => None,
                };
                Metric::Series {
                    stat,
                    param: param.unwrap_or(Spanned::new(ParamWord::R, span)),
                    fit: fit.unwrap_or_default_spanned(),
                    when,
                }
            }
            Rule::trace => {
                let mut metric = None;
                let mut step = None;
                for p in kids(pair) {
                    let s = self.span(&p);
                    match p.as_rule() {
                        Rule::trace_metric => {
                            metric = p
                                .into_inner()
                                .next()
                                .map(|k| Spanned::new(trace_word(k.as_rule()), s))
                        }
                        Rule::step_ref => step = Some(self.step_ref(p)),
                        _ => {}
                    }
                }
                Metric::Trace {
                    metric: metric.unwrap_or(Spanned::new(TraceWord::ActivationTime, span)),
                    step: step.unwrap_or(Spanned::new(
                        StepRef::Cell(Spanned::new(String::new(), span)),
                        span,
                    )),
                }
            }
            Rule::cycle_metric => {
                let mut stat = None;
                let mut quantity = None;
                let mut half = None;
                let mut select = None;
                for p in kids(pair) {
                    let s = self.span(&p);
                    match p.as_rule() {
                        Rule::stat => {
                            stat = p
                                .into_inner()
                                .next()
                                .map(|k| Spanned::new(stat_word(k.as_rule()), s))
                        }
                        Rule::cycle_word => {
                            quantity = p
                                .into_inner()
                                .next()
                                .map(|k| Spanned::new(cycle_word(k.as_rule()), s))
                        }
                        Rule::half => {
                            let plate = p.into_inner().next().map(|k| k.as_rule());
                            half = Some(Spanned::new(
                                if plate == Some(Rule::k_plate) {
                                    HalfCycle::Plate
                                } else {
                                    HalfCycle::Strip
                                },
                                s,
                            ));
                        }
                        Rule::cycle_sel => {
                            let numbers: Vec<_> = kids(p)
                                .into_iter()
                                .filter(|n| n.as_rule() == Rule::integer)
                                .map(|n| self.number(&n))
                                .collect();
                            let mut numbers = numbers.into_iter();
                            select = match (numbers.next(), numbers.next()) {
                                (Some(a), Some(b)) => Some(Spanned::new(CycleSel::Range(a, b), s)),
                                (Some(a), None) => Some(Spanned::new(CycleSel::At(a), s)),
                                _ => None,
                            };
                        }
                        _ => {}
                    }
                }
                Metric::Cycle {
                    stat,
                    quantity: quantity
                        .unwrap_or(Spanned::new(CycleQuantity::CoulombicEfficiency, span)),
                    half,
                    select,
                }
            }
            Rule::thickness_of => {
                let mut capacitance = None;
                let mut eps_r = None;
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::number => eps_r = Some(self.number(&p)),
                        _ => capacitance = Some(self.metric_term(p)),
                    }
                }
                Metric::Thickness {
                    capacitance: Box::new(capacitance.unwrap_or_else(|| empty_metric(span))),
                    eps_r: eps_r.unwrap_or_else(|| empty_number(span)),
                }
            }
            Rule::permittivity_of => {
                let mut capacitance = None;
                let mut thickness = None;
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::quantity => thickness = Some(self.quantity(p)),
                        _ => capacitance = Some(self.metric_term(p)),
                    }
                }
                Metric::Permittivity {
                    capacitance: Box::new(capacitance.unwrap_or_else(|| empty_metric(span))),
                    thickness: thickness.unwrap_or_else(empty_quantity),
                }
            }
            Rule::corrosion => {
                let mut qs = Vec::new();
                let mut duration = None;
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::quantity | Rule::value => qs.push(self.quantity(p)),
                        Rule::time => duration = Some(self.time(p)),
                        _ => {}
                    }
                }
                let mut qs = qs.into_iter();
                Metric::Corrosion {
                    thickness: qs.next().unwrap_or_else(empty_quantity),
                    porosity: qs.next().unwrap_or_else(empty_quantity),
                    duration: duration.unwrap_or_else(empty_time),
                }
            }
            _ => Metric::Named(
                pair.into_inner()
                    .next()
                    .map(|p| self.text(&p))
                    .unwrap_or_default_spanned(),
            ),
        };
        Spanned::new(node, span)
    }

    pub(super) fn check(&self, pair: P<'_>) -> Spanned<CheckSpec> {
        let span = self.span(&pair);
        let Some(inner) = pair.into_inner().next() else {
            return Spanned::new(CheckSpec::Above(empty_quantity()), span);
        };
        let rule = inner.as_rule();
        let mut values = kids(inner)
            .into_iter()
            .filter(|p| p.as_rule() == Rule::value)
            .map(|p| self.quantity(p));
        let a = values.next().unwrap_or_else(empty_quantity);
        let b = values.next().unwrap_or_else(empty_quantity);
        let node = match rule {
            Rule::within => CheckSpec::Within {
                tolerance: a,
                target: b,
            },
            Rule::plus_minus => CheckSpec::PlusMinus {
                target: a,
                tolerance: b,
            },
            Rule::between => CheckSpec::Between { low: a, high: b },
            Rule::above => CheckSpec::Above(a),
            _ => CheckSpec::Below(a),
        };
        Spanned::new(node, span)
    }
}

fn binary(op: BinOp, lhs: MetricExpr, rhs: MetricExpr) -> MetricExpr {
    let span = Span {
        start: lhs.span.start,
        end: rhs.span.end,
        line: lhs.span.line,
        column: lhs.span.column,
    };
    Spanned::new(
        Metric::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
        span,
    )
}

fn stat_word(rule: Rule) -> StatWord {
    match rule {
        Rule::k_min => StatWord::Min,
        Rule::k_max => StatWord::Max,
        Rule::k_spread => StatWord::Spread,
        Rule::k_linear_r2 => StatWord::LinearR2,
        Rule::k_slope => StatWord::Slope,
        Rule::k_drift => StatWord::Drift,
        Rule::k_last_third_fraction => StatWord::LastThirdFraction,
        _ => StatWord::Mean,
    }
}

fn param_word(rule: Rule) -> ParamWord {
    match rule {
        Rule::k_c => ParamWord::C,
        Rule::k_f_peak => ParamWord::FPeak,
        Rule::k_f_peak_r => ParamWord::FPeakTimesR,
        Rule::k_re => ParamWord::Re,
        Rule::k_p => ParamWord::P,
        _ => ParamWord::R,
    }
}

fn cycle_word(rule: Rule) -> CycleQuantity {
    match rule {
        Rule::k_hysteresis => CycleQuantity::Hysteresis,
        Rule::k_capacity => CycleQuantity::Capacity,
        Rule::k_end_overpotential => CycleQuantity::EndOverpotential,
        Rule::k_overpotential => CycleQuantity::Overpotential,
        Rule::k_time_to_cutoff => CycleQuantity::Duration,
        _ => CycleQuantity::CoulombicEfficiency,
    }
}

fn trace_word(rule: Rule) -> TraceWord {
    match rule {
        Rule::k_initial_overpotential => TraceWord::InitialOverpotential,
        Rule::k_final_overpotential => TraceWord::FinalOverpotential,
        Rule::k_stripping_resistance => TraceWord::StrippingResistance,
        _ => TraceWord::ActivationTime,
    }
}
