//! The checker's working state: which file is being read, the errors and warnings so far, and
//! the unit helpers every pass uses (resolve a written quantity, demand a dimension, demand a
//! positive value). Each helper reports its own error and returns `None`, so passes go on and
//! one run reports every problem.

use super::error::{CheckError, ErrorKind, Warning, WarningKind};
use crate::source::Span;
use crate::syntax::{self as ast};
use crate::units::{self, Dimension, Quantity};
use miette::NamedSource;
use std::sync::Arc;

pub(crate) struct Ctx {
    pub source: Arc<NamedSource<String>>,
    pub path: String,
    pub errors: Vec<CheckError>,
    pub warnings: Vec<Warning>,
    /// Names whose definition had errors: later uses are not reported again as undefined.
    pub broken: std::collections::BTreeSet<(&'static str, String)>,
}

impl Ctx {
    /// Records an error (once: a step unrolled by `repeat` reports its mistake one time).
    pub fn error(&mut self, span: Span, kind: ErrorKind) {
        let name = self.source.name();
        if self
            .errors
            .iter()
            .any(|e| e.span() == span && e.kind() == &kind && e.path() == name)
        {
            return;
        }
        self.errors
            .push(CheckError::new(kind, span, self.source.clone()));
    }

    /// Records a warning (once per place and kind).
    pub fn warn(&mut self, span: Span, kind: WarningKind) {
        let name = self.source.name();
        if self
            .warnings
            .iter()
            .any(|w| w.span() == span && w.kind() == &kind && w.path() == name)
        {
            return;
        }
        self.warnings
            .push(Warning::new(kind, span, self.source.clone()));
    }

    /// The source text of `span` in the current file.
    pub fn slice(&self, span: Span) -> String {
        self.source
            .inner()
            .get(span.start..span.end)
            .unwrap_or("")
            .to_string()
    }

    /// `file:line:column`, for pointing at a definition from elsewhere.
    pub fn location(&self, span: Span) -> String {
        format!("{}:{}:{}", self.path, span.line, span.column)
    }

    /// The quantity as written, in canonical units; plain numbers are dimensionless.
    pub fn resolve(&mut self, q: &ast::Quantity) -> Option<Quantity> {
        if !q.number.value.is_finite() {
            self.error(
                q.number.span,
                ErrorKind::OutOfRange {
                    what: "a number".into(),
                    text: q.number.text.clone(),
                    range: "finite".into(),
                },
            );
            return None;
        }
        match &q.unit {
            None => Some(Quantity::new(q.number.value, Dimension::Dimensionless)),
            Some(unit) => match units::lookup(&unit.node) {
                Some(u) => Some(Quantity::new(q.number.value * u.factor, u.dimension)),
                None => {
                    self.error(
                        unit.span,
                        ErrorKind::UnknownUnit {
                            unit: unit.node.clone(),
                            suggestion: units::suggest(&unit.node),
                        },
                    );
                    None
                }
            },
        }
    }

    /// The canonical value of `q`, which must have dimension `expected`.
    pub fn value(&mut self, q: &ast::Quantity, expected: Dimension) -> Option<f64> {
        self.value_why(q, expected, None)
    }

    /// Like [`Ctx::value`], with a reason shown as help when the dimension is wrong.
    pub fn value_why(
        &mut self,
        q: &ast::Quantity,
        expected: Dimension,
        why: Option<&str>,
    ) -> Option<f64> {
        let resolved = self.resolve(q)?;
        if resolved.dimension != expected {
            self.wrong_dimension(q.span, expected, resolved.dimension, &quantity_text(q), why);
            return None;
        }
        Some(resolved.value)
    }

    pub fn wrong_dimension(
        &mut self,
        span: Span,
        expected: Dimension,
        found: Dimension,
        text: &str,
        why: Option<&str>,
    ) {
        self.error(
            span,
            ErrorKind::WrongDimension {
                expected,
                found,
                text: text.to_string(),
                why: why.map(str::to_string),
            },
        );
    }

    /// Like [`Ctx::value`], and the value must be > 0.
    pub fn positive(&mut self, q: &ast::Quantity, expected: Dimension, what: &str) -> Option<f64> {
        let v = self.value(q, expected)?;
        if v > 0.0 {
            Some(v)
        } else {
            self.not_positive(q.span, what, &quantity_text(q));
            None
        }
    }

    pub fn not_positive(&mut self, span: Span, what: &str, text: &str) {
        self.error(
            span,
            ErrorKind::NotPositive {
                what: what.to_string(),
                text: text.to_string(),
            },
        );
    }

    /// A sum of quantities of one dimension (`20 h 10 min`).
    pub fn sum(&mut self, t: &ast::Time, expected: Dimension) -> Option<f64> {
        let mut total = 0.0;
        let mut ok = true;
        for part in &t.parts {
            match self.value(part, expected) {
                Some(v) => total += v,
                None => ok = false,
            }
        }
        (ok && !t.parts.is_empty()).then_some(total)
    }

    /// A positive sum of quantities of one dimension.
    pub fn positive_sum(&mut self, t: &ast::Time, expected: Dimension, what: &str) -> Option<f64> {
        let v = self.sum(t, expected)?;
        if v > 0.0 {
            Some(v)
        } else {
            self.not_positive(t.span, what, &time_text(t));
            None
        }
    }

    /// A duration (> 0 and at most a year, in seconds).
    pub fn duration(&mut self, t: &ast::Time, what: &str) -> Option<f64> {
        let v = self.positive_sum(t, Dimension::Time, what)?;
        self.plausible_duration(t.span, what, &time_text(t), v)
            .then_some(v)
    }
}

pub(crate) fn quantity_text(q: &ast::Quantity) -> String {
    match &q.unit {
        Some(u) => format!("{} {}", q.number.text, u.node),
        None => q.number.text.clone(),
    }
}

pub(crate) fn time_text(t: &ast::Time) -> String {
    t.parts
        .iter()
        .map(quantity_text)
        .collect::<Vec<_>>()
        .join(" ")
}
