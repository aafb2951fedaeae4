//! The `analyze` block → [`Analysis`]: fits on the steps they name, derived quantities and
//! `expect`s, each with its dimension checked (an expectation in kOhm cm2 on a capacitance is an
//! error here, not a surprise after a three-day run).

use super::ctx::{Ctx, quantity_text};
use super::defs::{Names, undefined};
use super::error::ErrorKind;
use crate::plan::{
    Action, Analysis, Check, CycleQuantity, Derived, Expect, FitSpec, FitWindow, HalfCycle, Metric,
    Role, SeriesParam, SeriesStat, Step, TraceMetric,
};
use crate::source::Span;
use crate::syntax::{
    self as ast, AnalyzeStmt, CheckSpec, CycleSel, ParamWord, StatWord, StepRef, TimeSel,
    TraceWord, WindowSpec,
};
use crate::units::{self, Dimension, Quantity, format_duration};
use std::collections::BTreeMap;

struct FitInfo {
    /// Time from the start of the first fitted step to the end of the last.
    length_s: f64,
}

pub(crate) struct Analyzer<'a> {
    ctx: &'a mut Ctx,
    steps: &'a [Step],
    cells: Vec<String>,
    fits: BTreeMap<String, FitInfo>,
    quantities: BTreeMap<String, Dimension>,
}

fn has_eis(step: &Step) -> bool {
    match &step.action {
        Action::Eis(_) => true,
        Action::Rest(r) => r.eis.is_some(),
        _ => false,
    }
}

pub(crate) fn analyze(
    ctx: &mut Ctx,
    blocks: &[&ast::AnalyzeBlock],
    steps: &[Step],
    cells: Vec<String>,
) -> Analysis {
    let mut a = Analyzer {
        ctx,
        steps,
        cells,
        fits: BTreeMap::new(),
        quantities: BTreeMap::new(),
    };
    let mut out = Analysis::default();
    let mut names = Names::default();
    // Fits first, so quantities and expects may name a fit written below them.
    for block in blocks {
        for st in &block.statements {
            if let AnalyzeStmt::Fit {
                name,
                circuit,
                steps,
                window,
            } = &st.node
            {
                let fresh = names.define(a.ctx, "fit or quantity", name);
                if let Some(fit) = a.fit(st.span, name, circuit, steps, window.as_ref())
                    && fresh
                {
                    out.fits.push(fit);
                }
            }
        }
    }
    for block in blocks {
        for st in &block.statements {
            match &st.node {
                AnalyzeStmt::Fit { .. } => {}
                AnalyzeStmt::Quantity { name, metric, unit } => {
                    let fresh = names.define(a.ctx, "fit or quantity", name);
                    let Some((m, dim)) = a.metric(metric) else {
                        continue;
                    };
                    let unit = match unit {
                        Some(u) => match units::lookup(&u.node) {
                            Some(found) if found.dimension == dim => u.node.clone(),
                            Some(found) => {
                                a.ctx
                                    .wrong_dimension(u.span, dim, found.dimension, &u.node, None);
                                continue;
                            }
                            None => {
                                a.ctx.error(
                                    u.span,
                                    ErrorKind::UnknownUnit {
                                        unit: u.node.clone(),
                                        suggestion: units::suggest(&u.node),
                                    },
                                );
                                continue;
                            }
                        },
                        None => dim.default_unit().to_string(),
                    };
                    if fresh {
                        a.quantities.insert(name.node.clone(), dim);
                        out.quantities.push(Derived {
                            name: name.node.clone(),
                            metric: m,
                            dimension: dim,
                            unit,
                            span: st.span,
                        });
                    }
                }
                AnalyzeStmt::Expect {
                    observation,
                    metric,
                    check,
                } => {
                    if let Some(e) = a.expect(st.span, observation.as_ref(), metric, check) {
                        out.expects.push(e);
                    }
                }
            }
        }
    }
    out
}

impl Analyzer<'_> {
    fn fit(
        &mut self,
        span: Span,
        name: &ast::Ident,
        circuit: &ast::Spanned<String>,
        refs: &[ast::Spanned<StepRef>],
        window: Option<&ast::Spanned<WindowSpec>>,
    ) -> Option<FitSpec> {
        let mut ok = true;
        if let Err(reason) = check_circuit(&circuit.node) {
            self.ctx
                .error(circuit.span, ErrorKind::BadCircuit { reason });
            ok = false;
        }
        let mut indices = Vec::new();
        for r in refs {
            let Some(found) = self.resolve(r) else {
                ok = false;
                continue;
            };
            let (with, without): (Vec<usize>, Vec<usize>) =
                found.into_iter().partition(|&i| has_eis(&self.steps[i]));
            if !without.is_empty() || with.is_empty() {
                let what = match &r.node {
                    StepRef::Cell(c) => format!("cell `{}`", c.node),
                    StepRef::Label { label, .. } => format!("step `{}`", label.node.text),
                };
                self.ctx.error(r.span, ErrorKind::FitNeedsEis { what });
                ok = false;
                continue;
            }
            indices.extend(with);
        }
        indices.sort_unstable();
        indices.dedup();
        let window = match window.map(|w| &w.node) {
            None | Some(WindowSpec::HighFrequencyArc) => FitWindow::HighFrequencyArc,
            Some(WindowSpec::All) => FitWindow::All,
            Some(WindowSpec::Range(a, b)) => {
                let fa = self.ctx.positive(a, Dimension::Frequency, "a frequency");
                let fb = self.ctx.positive(b, Dimension::Frequency, "a frequency");
                match (fa, fb) {
                    (Some(fa), Some(fb)) if fa != fb => FitWindow::Range {
                        min_hz: fa.min(fb),
                        max_hz: fa.max(fb),
                    },
                    (Some(_), Some(_)) => {
                        self.ctx.error(
                            window.map_or(span, |w| w.span),
                            ErrorKind::EmptyFrequencyRange {
                                text: format!("{} to {}", quantity_text(a), quantity_text(b)),
                            },
                        );
                        return None;
                    }
                    _ => return None,
                }
            }
        };
        if !ok || indices.is_empty() {
            return None;
        }
        let first = &self.steps[indices[0]];
        let last = &self.steps[indices[indices.len() - 1]];
        self.fits.insert(
            name.node.clone(),
            FitInfo {
                length_s: last.start_s + last.duration_s - first.start_s,
            },
        );
        Some(FitSpec {
            name: name.node.clone(),
            circuit: circuit.node.clone(),
            steps: indices,
            window,
            span,
        })
    }

    /// The plan steps a reference names (at least one), reporting unknown ones.
    fn resolve(&mut self, r: &ast::Spanned<StepRef>) -> Option<Vec<usize>> {
        match &r.node {
            StepRef::Cell(cell) => {
                if !self.cells.contains(&cell.node) {
                    undefined(
                        self.ctx,
                        "cell",
                        cell,
                        self.cells.iter().map(String::as_str),
                    );
                    return None;
                }
                Some(
                    self.steps
                        .iter()
                        .filter(|s| s.cell == cell.node && has_eis(s))
                        .map(|s| s.index)
                        .collect(),
                )
            }
            StepRef::Label { label, cell, index } => {
                if let Some(c) = cell
                    && !self.cells.contains(&c.node)
                {
                    undefined(self.ctx, "cell", c, self.cells.iter().map(String::as_str));
                    return None;
                }
                let matching: Vec<usize> = self
                    .steps
                    .iter()
                    .filter(|s| s.label.as_deref() == Some(label.node.text.as_str()))
                    .filter(|s| cell.as_ref().is_none_or(|c| s.cell == c.node))
                    .map(|s| s.index)
                    .collect();
                if matching.is_empty() {
                    let mut labels: Vec<&str> = self
                        .steps
                        .iter()
                        .filter_map(|s| s.label.as_deref())
                        .collect();
                    labels.sort_unstable();
                    labels.dedup();
                    let ident = ast::Spanned::new(label.node.text.clone(), label.span);
                    undefined(self.ctx, "step label", &ident, labels);
                    return None;
                }
                match index {
                    None => Some(matching),
                    Some(n) => {
                        let i = n.value;
                        if i >= 1.0 && i <= matching.len() as f64 {
                            Some(vec![matching[i as usize - 1]])
                        } else {
                            self.ctx.error(
                                n.span,
                                ErrorKind::StepIndexOutOfRange {
                                    label: label.node.text.clone(),
                                    index: if i.is_finite() && i >= 0.0 {
                                        i as usize
                                    } else {
                                        0
                                    },
                                    count: matching.len(),
                                },
                            );
                            None
                        }
                    }
                }
            }
        }
    }

    fn time(&mut self, t: &ast::Time, fit: &str) -> Option<f64> {
        let v = self.ctx.sum(t, Dimension::Time)?;
        let length = self.fits.get(fit).map_or(f64::INFINITY, |f| f.length_s);
        if v < 0.0 || v > length + 1e-6 {
            self.ctx.error(
                t.span,
                ErrorKind::TimeOutsideSeries {
                    at: super::ctx::time_text(t),
                    length: format_duration(length),
                    fit: fit.to_string(),
                },
            );
            return None;
        }
        Some(v)
    }

    fn metric(&mut self, m: &ast::MetricExpr) -> Option<(Metric, Dimension)> {
        match &m.node {
            ast::Metric::Binary { op, lhs, rhs } => {
                let l = self.metric(lhs);
                let r = self.metric(rhs);
                let ((lm, ld), (rm, rd)) = (l?, r?);
                let name = match op {
                    ast::BinOp::Div => "ratio",
                    ast::BinOp::Sub => "difference",
                };
                if ld != rd {
                    self.ctx.error(
                        m.span,
                        ErrorKind::IncompatibleDimensions {
                            op: name,
                            left: ld,
                            right: rd,
                        },
                    );
                    return None;
                }
                Some(match op {
                    ast::BinOp::Div => (
                        Metric::Ratio {
                            numerator: Box::new(lm),
                            denominator: Box::new(rm),
                        },
                        Dimension::Dimensionless,
                    ),
                    ast::BinOp::Sub => (
                        Metric::Difference {
                            minuend: Box::new(lm),
                            subtrahend: Box::new(rm),
                        },
                        ld,
                    ),
                })
            }
            ast::Metric::Series {
                stat,
                param,
                fit,
                when,
            } => {
                if !self.fits.contains_key(&fit.node) {
                    let known: Vec<String> = self.fits.keys().cloned().collect();
                    undefined(self.ctx, "fit", fit, known.iter().map(String::as_str));
                    return None;
                }
                let (p, pdim) = series_param(param.node);
                match (stat, when) {
                    (None, Some(TimeSel::At(t))) => {
                        let at_s = self.time(t, &fit.node)?;
                        Some((
                            Metric::SeriesAt {
                                fit: fit.node.clone(),
                                param: p,
                                at_s,
                            },
                            pdim,
                        ))
                    }
                    (None, _) => {
                        self.ctx.error(
                            m.span,
                            ErrorKind::MissingTime {
                                fit: fit.node.clone(),
                            },
                        );
                        None
                    }
                    (Some(_), Some(TimeSel::At(t))) => {
                        self.ctx.error(t.span, ErrorKind::StatNeedsRange);
                        None
                    }
                    (Some(s), range) => {
                        let (from_s, to_s) = match range {
                            Some(TimeSel::Range(a, b)) => {
                                let fa = self.time(a, &fit.node);
                                let fb = self.time(b, &fit.node);
                                let (fa, fb) = (fa?, fb?);
                                if fa >= fb {
                                    self.ctx.error(
                                        b.span,
                                        ErrorKind::OutOfRange {
                                            what: "the end of a range".into(),
                                            text: super::ctx::time_text(b),
                                            range: "after its start".into(),
                                        },
                                    );
                                    return None;
                                }
                                (Some(fa), Some(fb))
                            }
                            _ => (None, None),
                        };
                        let (stat, dim) = series_stat(s.node, pdim);
                        Some((
                            Metric::SeriesStat {
                                fit: fit.node.clone(),
                                param: p,
                                stat,
                                from_s,
                                to_s,
                            },
                            dim,
                        ))
                    }
                }
            }
            ast::Metric::Trace { metric, step } => {
                let found = self.resolve(step)?;
                let label = match &step.node {
                    StepRef::Label { label, .. } => label.node.text.clone(),
                    StepRef::Cell(c) => format!("cell {}", c.node),
                };
                if found.len() != 1 {
                    self.ctx.error(
                        step.span,
                        ErrorKind::AmbiguousStep {
                            label,
                            count: found.len(),
                        },
                    );
                    return None;
                }
                let index = found[0];
                if !matches!(self.steps[index].action, Action::Galvanostatic(_)) {
                    self.ctx
                        .error(step.span, ErrorKind::TraceNeedsGalvanostatic { label });
                    return None;
                }
                let (tm, dim) = match metric.node {
                    TraceWord::ActivationTime => (TraceMetric::ActivationTime, Dimension::Time),
                    TraceWord::InitialOverpotential => {
                        (TraceMetric::InitialOverpotential, Dimension::Potential)
                    }
                    TraceWord::FinalOverpotential => {
                        (TraceMetric::FinalOverpotential, Dimension::Potential)
                    }
                    TraceWord::StrippingResistance => {
                        (TraceMetric::StrippingResistance, Dimension::ArealResistance)
                    }
                };
                Some((
                    Metric::Trace {
                        step: index,
                        metric: tm,
                    },
                    dim,
                ))
            }
            ast::Metric::Cycle {
                stat,
                quantity,
                half,
                select,
            } => self.cycle_metric(
                m.span,
                stat.as_ref(),
                quantity,
                half.as_ref(),
                select.as_ref(),
            ),
            ast::Metric::Thickness { capacitance, eps_r } => {
                let c = self.capacitance(capacitance);
                let e = self.eps_r(eps_r);
                let (c, eps_r) = (c?, e?);
                Some((
                    Metric::Thickness {
                        capacitance: Box::new(c),
                        eps_r,
                    },
                    Dimension::Length,
                ))
            }
            ast::Metric::Permittivity {
                capacitance,
                thickness,
            } => {
                let c = self.capacitance(capacitance);
                let t = self
                    .ctx
                    .positive(thickness, Dimension::Length, "a thickness");
                Some((
                    Metric::Permittivity {
                        capacitance: Box::new(c?),
                        thickness_m: t?,
                    },
                    Dimension::Dimensionless,
                ))
            }
            ast::Metric::Corrosion {
                thickness,
                porosity,
                duration,
            } => {
                let t = self
                    .ctx
                    .positive(thickness, Dimension::Length, "a layer thickness");
                let p = self.ctx.value(porosity, Dimension::Dimensionless);
                let d = self.ctx.duration(duration, "a growth time");
                let p = match p {
                    Some(p) if p > 0.0 && p < 1.0 => Some(p),
                    Some(_) => {
                        self.ctx.error(
                            porosity.span,
                            ErrorKind::OutOfRange {
                                what: "a porosity".into(),
                                text: quantity_text(porosity),
                                range: "between 0 % and 100 %".into(),
                            },
                        );
                        None
                    }
                    None => None,
                };
                Some((
                    Metric::CorrosionCurrent {
                        thickness_m: t?,
                        porosity: p?,
                        duration_s: d?,
                    },
                    Dimension::CurrentDensity,
                ))
            }
            ast::Metric::Named(name) => match self.quantities.get(&name.node) {
                Some(dim) => Some((
                    Metric::Named {
                        name: name.node.clone(),
                    },
                    *dim,
                )),
                None => {
                    let known: Vec<String> = self.quantities.keys().cloned().collect();
                    undefined(self.ctx, "quantity", name, known.iter().map(String::as_str));
                    None
                }
            },
        }
    }

    fn capacitance(&mut self, m: &ast::MetricExpr) -> Option<Metric> {
        let (metric, dim) = self.metric(m)?;
        if dim != Dimension::ArealCapacitance {
            self.ctx.wrong_dimension(
                m.span,
                Dimension::ArealCapacitance,
                dim,
                "here",
                Some("thickness and permittivity come from an areal capacitance, such as `mean C of arc`"),
            );
            return None;
        }
        Some(metric)
    }

    fn eps_r(&mut self, n: &ast::Number) -> Option<f64> {
        if n.value.is_finite() && n.value > 0.0 {
            Some(n.value)
        } else {
            self.ctx
                .not_positive(n.span, "a relative permittivity", &n.text);
            None
        }
    }

    fn expect(
        &mut self,
        span: Span,
        observation: Option<&ast::Ident>,
        metric: &ast::MetricExpr,
        check: &ast::Spanned<CheckSpec>,
    ) -> Option<Expect> {
        let resolved = self.metric(metric);
        let (m, dim) = resolved?;
        let unit: Option<String>;
        let c = match &check.node {
            CheckSpec::Within { tolerance, target } => {
                let tol = self.value_of(tolerance, Dimension::Dimensionless, None);
                let t = self.value_of(target, dim, None);
                let (tol, t) = (tol?, t?);
                if tol <= 0.0 {
                    self.ctx
                        .not_positive(tolerance.span, "a tolerance", &quantity_text(tolerance));
                    return None;
                }
                unit = target.unit.as_ref().map(|u| u.node.clone());
                Check::Within {
                    target: t,
                    rel_tol: tol,
                }
            }
            CheckSpec::PlusMinus { target, tolerance } => {
                let borrowed = target.unit.as_ref().or(tolerance.unit.as_ref());
                let t = self.value_of(target, dim, tolerance.unit.as_ref());
                let tol = self.value_of(tolerance, dim, target.unit.as_ref());
                let (t, tol) = (t?, tol?);
                if tol <= 0.0 {
                    self.ctx
                        .not_positive(tolerance.span, "a tolerance", &quantity_text(tolerance));
                    return None;
                }
                unit = borrowed.map(|u| u.node.clone());
                Check::PlusMinus {
                    target: t,
                    abs_tol: tol,
                }
            }
            CheckSpec::Between { low, high } => {
                let l = self.value_of(low, dim, high.unit.as_ref());
                let h = self.value_of(high, dim, low.unit.as_ref());
                let (l, h) = (l?, h?);
                if l >= h {
                    self.ctx.error(
                        check.span,
                        ErrorKind::OutOfRange {
                            what: "the upper bound".into(),
                            text: quantity_text(high),
                            range: format!("above the lower bound {}", quantity_text(low)),
                        },
                    );
                    return None;
                }
                unit = high
                    .unit
                    .as_ref()
                    .or(low.unit.as_ref())
                    .map(|u| u.node.clone());
                Check::Between { low: l, high: h }
            }
            CheckSpec::Above(q) => {
                unit = q.unit.as_ref().map(|u| u.node.clone());
                Check::Above {
                    bound: self.value_of(q, dim, None)?,
                }
            }
            CheckSpec::Below(q) => {
                unit = q.unit.as_ref().map(|u| u.node.clone());
                Check::Below {
                    bound: self.value_of(q, dim, None)?,
                }
            }
        };
        let text = self
            .ctx
            .source
            .inner()
            .get(metric.span.start..check.span.end)
            .unwrap_or("")
            .to_string();
        Some(Expect {
            text,
            metric: m,
            check: c,
            dimension: dim,
            unit: unit.unwrap_or_else(|| dim.default_unit().to_string()),
            observation: observation.map(|o| o.node.clone()),
            span,
        })
    }

    /// A bound or target in dimension `dim`; a bare number borrows `fallback`'s unit
    /// (`between 1 and 20 Hz`).
    fn value_of(
        &mut self,
        q: &ast::Quantity,
        dim: Dimension,
        fallback: Option<&ast::Spanned<String>>,
    ) -> Option<f64> {
        let q = match (&q.unit, fallback) {
            (None, Some(u)) if dim != Dimension::Dimensionless => ast::Quantity {
                unit: Some(u.clone()),
                ..q.clone()
            },
            _ => q.clone(),
        };
        let resolved: Quantity = self.ctx.resolve(&q)?;
        if resolved.dimension != dim {
            self.ctx
                .wrong_dimension(q.span, dim, resolved.dimension, &quantity_text(&q), None);
            return None;
        }
        Some(resolved.value)
    }
}

fn series_param(p: ParamWord) -> (SeriesParam, Dimension) {
    match p {
        ParamWord::R => (SeriesParam::R, Dimension::ArealResistance),
        ParamWord::C => (SeriesParam::C, Dimension::ArealCapacitance),
        ParamWord::FPeak => (SeriesParam::FPeak, Dimension::Frequency),
        ParamWord::FPeakTimesR => (SeriesParam::FPeakTimesR, Dimension::Dimensionless),
        ParamWord::Re => (SeriesParam::Re, Dimension::ArealResistance),
        ParamWord::P => (SeriesParam::P, Dimension::Dimensionless),
    }
}

/// The statistic and the dimension of its value (relative statistics are plain numbers; a
/// slope is the parameter's dimension per time, stored per second: `kOhm cm2/h` compares).
fn series_stat(s: StatWord, param: Dimension) -> (SeriesStat, Dimension) {
    match s {
        StatWord::Min => (SeriesStat::Min, param),
        StatWord::Max => (SeriesStat::Max, param),
        StatWord::Mean => (SeriesStat::Mean, param),
        StatWord::Spread => (SeriesStat::Spread, Dimension::Dimensionless),
        StatWord::LinearR2 => (SeriesStat::LinearR2, Dimension::Dimensionless),
        // Every series parameter has a rate counterpart; `Rate` is the plain-number one.
        StatWord::Slope => (
            SeriesStat::Slope,
            param.per_time().unwrap_or(Dimension::Rate),
        ),
        StatWord::Drift => (SeriesStat::Drift, Dimension::Dimensionless),
        StatWord::LastThirdFraction => (SeriesStat::LastThirdFraction, Dimension::Dimensionless),
    }
}

impl Analyzer<'_> {
    /// `mean overpotential of plate of cycles 10 to 50`: the plan must have cycles with the
    /// half-cycles asked for, and the cycles named must be among them.
    fn cycle_metric(
        &mut self,
        span: Span,
        stat: Option<&ast::Spanned<StatWord>>,
        quantity: &ast::Spanned<CycleQuantity>,
        half: Option<&ast::Spanned<HalfCycle>>,
        select: Option<&ast::Spanned<CycleSel>>,
    ) -> Option<(Metric, Dimension)> {
        let word = quantity.node.keyword();
        let bad = |ctx: &mut Ctx, at: Span, message: String, label: &str, help: String| {
            ctx.error(
                at,
                ErrorKind::BadCycleMetric {
                    message,
                    label: label.into(),
                    help,
                },
            );
        };
        // Cycles are the galvanostatic steps inside a `repeat`.
        let halves: Vec<(usize, HalfCycle)> = self
            .steps
            .iter()
            .filter_map(|s| match (&s.action, s.cycle_number()) {
                (Action::Galvanostatic(g), Some(n)) => Some((
                    n,
                    if g.plating == Role::Working {
                        HalfCycle::Plate
                    } else {
                        HalfCycle::Strip
                    },
                )),
                _ => None,
            })
            .collect();
        let Some(last) = halves.iter().map(|h| h.0).max() else {
            bad(
                self.ctx,
                span,
                format!("`{word}` is read per cycle, but the protocol has no cycles"),
                "no cycles",
                "cycles are the galvanostatic steps inside `repeat N { … }`".into(),
            );
            return None;
        };
        let mut ok = true;
        match (quantity.node.per_half(), half) {
            (true, None) => {
                bad(
                    self.ctx,
                    quantity.span,
                    format!("`{word}` belongs to one half of a cycle"),
                    "which half?",
                    format!("write `{word} of plate` or `{word} of strip`"),
                );
                ok = false;
            }
            (false, Some(h)) => {
                bad(
                    self.ctx,
                    h.span,
                    format!("`{word}` is a quantity of the whole cycle, not of one half"),
                    "leave this out",
                    format!("write `{word}` without `of plate` / `of strip`"),
                );
                ok = false;
            }
            (true, Some(h)) if !halves.iter().any(|(_, x)| *x == h.node) => {
                let name = if h.node == HalfCycle::Plate {
                    "plates"
                } else {
                    "strips"
                };
                bad(
                    self.ctx,
                    h.span,
                    format!("no galvanostatic step in a `repeat` {name} the working electrode"),
                    "not in any cycle",
                    "a half-cycle is named by what happens at the working electrode".into(),
                );
                ok = false;
            }
            _ => {}
        }
        let cycle = |ctx: &mut Ctx, n: &ast::Number| -> Option<usize> {
            if n.value >= 1.0 && n.value <= last as f64 {
                Some(n.value as usize)
            } else {
                ctx.error(
                    n.span,
                    ErrorKind::OutOfRange {
                        what: "a cycle number".into(),
                        text: n.text.clone(),
                        range: format!("between 1 and {last} (the protocol's cycles)"),
                    },
                );
                None
            }
        };
        let (from_cycle, to_cycle) = match select.map(|s| &s.node) {
            None => (None, None),
            Some(CycleSel::At(n)) => {
                if stat.is_some() {
                    bad(
                        self.ctx,
                        select.map_or(span, |s| s.span),
                        "a statistic is taken over a range of cycles, not at one cycle".into(),
                        "a single cycle",
                        "write `of cycles 10 to 50`, or leave the range out for every cycle".into(),
                    );
                    return None;
                }
                let c = cycle(self.ctx, n)?;
                (Some(c), Some(c))
            }
            Some(CycleSel::Range(a, b)) => {
                let (fa, fb) = (cycle(self.ctx, a), cycle(self.ctx, b));
                let (fa, fb) = (fa?, fb?);
                if fa >= fb {
                    self.ctx.error(
                        b.span,
                        ErrorKind::OutOfRange {
                            what: "the last cycle of a range".into(),
                            text: b.text.clone(),
                            range: format!("after cycle {fa}"),
                        },
                    );
                    return None;
                }
                if stat.is_none() {
                    bad(
                        self.ctx,
                        span,
                        format!("`{word}` over a range of cycles needs a statistic"),
                        "which statistic?",
                        format!("write `mean {word} …`, `min …`, `max …` or `slope …`"),
                    );
                    return None;
                }
                (Some(fa), Some(fb))
            }
        };
        if stat.is_none() && select.is_none() {
            bad(
                self.ctx,
                span,
                format!("`{word}` needs a cycle"),
                "at which cycle?",
                format!("write `{word} at cycle 1`, or a statistic like `mean {word}`"),
            );
            return None;
        }
        if !ok {
            return None;
        }
        let dim = match quantity.node {
            CycleQuantity::CoulombicEfficiency => Dimension::Dimensionless,
            CycleQuantity::Hysteresis
            | CycleQuantity::Overpotential
            | CycleQuantity::EndOverpotential => Dimension::Potential,
            CycleQuantity::Capacity => Dimension::ArealCharge,
            CycleQuantity::Duration => Dimension::Time,
        };
        let (stat, dim) = match stat.map(|s| s.node) {
            None => (None, dim),
            // Against the cycle number, a slope keeps the quantity's dimension (per cycle).
            Some(StatWord::Slope) => (Some(SeriesStat::Slope), dim),
            Some(s) => {
                let (s, d) = series_stat(s, dim);
                (Some(s), d)
            }
        };
        Some((
            Metric::Cycle {
                quantity: quantity.node,
                half: half.map(|h| h.node),
                stat,
                from_cycle,
                to_cycle,
            },
            dim,
        ))
    }
}

/// A light check of a circuit string; the fit stage parses it fully.
fn check_circuit(c: &str) -> Result<(), String> {
    if c.trim().is_empty() {
        return Err("it is empty".into());
    }
    let mut depth = 0i32;
    for ch in c.chars() {
        match ch {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err("a `)` closes nothing".into());
                }
            }
            ch if ch.is_ascii_alphanumeric() || "-_, ".contains(ch) => {}
            other => return Err(format!("`{other}` is not part of a circuit")),
        }
    }
    if depth != 0 {
        return Err("a `(` is never closed".into());
    }
    if !c.chars().any(|ch| ch.is_ascii_alphabetic()) {
        return Err("it names no element".into());
    }
    Ok(())
}
