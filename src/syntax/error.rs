//! Syntax errors: where the text stops being `.mgp`, what was expected there, and the nearest
//! keyword when a word was misspelt. Built from pest's error without exposing pest types.

use super::comments::unclosed_brace;
use super::lines::LineIndex;
use super::parser::{Rule, is_keyword};
use crate::source::{SourceFile, Span};
use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};
use pest::Parser as _;
use std::fmt;
use std::sync::Arc;

/// What went wrong, with the data for a helpful message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyntaxErrorKind {
    /// A word where a keyword was expected, and not one of them.
    UnknownKeyword {
        found: String,
        expected: Vec<String>,
        suggestion: Option<String>,
    },
    /// A `{` that is never closed.
    UnterminatedBlock { open: Span },
    /// A `"` with no closing quote on its line.
    UnterminatedString,
    /// Blocks or parentheses nested deeper than any protocol needs.
    TooDeep { limit: usize },
    /// Anything else that does not fit the grammar.
    Unexpected {
        found: String,
        expected: Vec<String>,
    },
}

impl SyntaxErrorKind {
    /// The diagnostic code (`mgp::syntax::…`).
    pub fn code(&self) -> &'static str {
        match self {
            SyntaxErrorKind::UnknownKeyword { .. } => "mgp::syntax::unknown_keyword",
            SyntaxErrorKind::UnterminatedBlock { .. } => "mgp::syntax::unterminated_block",
            SyntaxErrorKind::UnterminatedString => "mgp::syntax::unterminated_string",
            SyntaxErrorKind::TooDeep { .. } => "mgp::syntax::too_deep",
            SyntaxErrorKind::Unexpected { .. } => "mgp::syntax::unexpected",
        }
    }
}

struct Inner {
    kind: SyntaxErrorKind,
    span: Span,
    source: Arc<NamedSource<String>>,
}

/// A syntax error in one file, renderable with miette (code, labelled span, help).
pub struct SyntaxError(Box<Inner>);

impl SyntaxError {
    pub fn kind(&self) -> &SyntaxErrorKind {
        &self.0.kind
    }

    pub fn span(&self) -> Span {
        self.0.span
    }

    /// The path of the file the error is in.
    pub fn path(&self) -> &str {
        self.0.source.name()
    }
}

impl fmt::Debug for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyntaxError")
            .field("kind", &self.0.kind)
            .field("span", &self.0.span)
            .field("path", &self.path())
            .finish()
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.kind {
            SyntaxErrorKind::UnknownKeyword { found, .. } => write!(f, "unknown keyword `{found}`"),
            SyntaxErrorKind::UnterminatedBlock { .. } => write!(f, "unterminated block"),
            SyntaxErrorKind::UnterminatedString => write!(f, "unterminated string"),
            SyntaxErrorKind::TooDeep { limit } => {
                write!(f, "blocks or parentheses nested more than {limit} deep")
            }
            SyntaxErrorKind::Unexpected { found, .. } => write!(f, "unexpected {found}"),
        }
    }
}

impl std::error::Error for SyntaxError {}

impl Diagnostic for SyntaxError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.0.kind.code()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let text = match &self.0.kind {
            SyntaxErrorKind::UnknownKeyword {
                expected,
                suggestion,
                ..
            } => match suggestion {
                Some(s) => format!("did you mean `{s}`? expected {}", list(expected)),
                None => format!("expected {}", list(expected)),
            },
            SyntaxErrorKind::UnterminatedBlock { .. } => {
                "add the closing `}` of this block".to_string()
            }
            SyntaxErrorKind::UnterminatedString => {
                "close the text with `\"` on the same line".to_string()
            }
            SyntaxErrorKind::TooDeep { .. } => "flatten the nesting".to_string(),
            SyntaxErrorKind::Unexpected { expected, .. } => {
                if expected.is_empty() {
                    return None;
                }
                format!("expected {}", list(expected))
            }
        };
        Some(Box::new(text))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&*self.0.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.0.span;
        let labels = match &self.0.kind {
            SyntaxErrorKind::UnknownKeyword { .. } => {
                vec![LabeledSpan::new_with_span(
                    Some("not a keyword here".into()),
                    span,
                )]
            }
            SyntaxErrorKind::UnterminatedBlock { open } => vec![
                LabeledSpan::new_with_span(Some("this block is never closed".into()), *open),
                LabeledSpan::new_with_span(Some("the file ends here".into()), span),
            ],
            SyntaxErrorKind::UnterminatedString => vec![LabeledSpan::new_with_span(
                Some("this text has no closing quote".into()),
                span,
            )],
            SyntaxErrorKind::TooDeep { .. } => {
                vec![LabeledSpan::new_with_span(Some("too deep".into()), span)]
            }
            SyntaxErrorKind::Unexpected { .. } => {
                vec![LabeledSpan::new_with_span(Some("here".into()), span)]
            }
        };
        Some(Box::new(labels.into_iter()))
    }
}

/// Every syntax error found in one file (never empty), in order. As a diagnostic it is the
/// first error, with the others as related diagnostics, so one render shows them all.
pub struct SyntaxErrors(Vec<SyntaxError>);

impl SyntaxErrors {
    /// `errors` must not be empty.
    pub(crate) fn new(errors: Vec<SyntaxError>) -> Self {
        assert!(
            !errors.is_empty(),
            "a syntax failure has at least one error"
        );
        SyntaxErrors(errors)
    }

    pub fn first(&self) -> &SyntaxError {
        &self.0[0]
    }

    pub fn iter(&self) -> std::slice::Iter<'_, SyntaxError> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

impl IntoIterator for SyntaxErrors {
    type Item = SyntaxError;
    type IntoIter = std::vec::IntoIter<SyntaxError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Debug for SyntaxErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

impl fmt::Display for SyntaxErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.first(), f)
    }
}

impl std::error::Error for SyntaxErrors {}

impl Diagnostic for SyntaxErrors {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.first().code()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.first().help()
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.first().source_code()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.first().labels()
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.0.len() == 1 {
            return None;
        }
        Some(Box::new(self.0[1..].iter().map(|e| e as &dyn Diagnostic)))
    }
}

fn list(expected: &[String]) -> String {
    match expected {
        [] => "something else".to_string(),
        [one] => one.clone(),
        _ => format!("one of {}", expected.join(", ")),
    }
}

/// The word a keyword rule matches, as a user writes it.
pub(crate) fn keyword_text(rule: Rule) -> String {
    match rule {
        Rule::k_glassy_carbon => "glassy carbon".into(),
        Rule::k_high_frequency_arc => "high-frequency arc".into(),
        Rule::k_f_peak_r => "f_peak_R".into(),
        Rule::k_re => "Re".into(),
        Rule::k_r => "R".into(),
        Rule::k_c => "C".into(),
        Rule::k_p => "P".into(),
        other => format!("{other:?}").trim_start_matches("k_").to_string(),
    }
}

fn describe(rule: Rule) -> Option<String> {
    if is_keyword(rule) {
        return Some(format!("`{}`", keyword_text(rule)));
    }
    Some(
        match rule {
            Rule::ident | Rule::ident_list | Rule::named => "a name",
            Rule::observation => "an observation tag such as `O1:`",
            Rule::label | Rule::label_def => "a step label",
            Rule::string | Rule::string_body => "a quoted text",
            Rule::number | Rule::integer | Rule::value => "a number",
            Rule::quantity | Rule::time => "a number with a unit (such as 5 mV)",
            Rule::unit => "a unit",
            Rule::species | Rule::solvent_names => "a formula or name",
            Rule::close => "`}`",
            Rule::open => "`{`",
            Rule::binop => "`/` or `-`",
            Rule::EOI => "end of file",
            Rule::current_list => "a list of currents",
            Rule::ratio => "a ratio such as 1:1",
            _ => return None,
        }
        .to_string(),
    )
}

/// Nesting deeper than this is refused before parsing (every stage walks the tree
/// recursively; real protocols nest three or four levels).
pub(crate) const MAX_DEPTH: usize = 32;

/// The error for text nested deeper than [`MAX_DEPTH`] at `offset`.
pub(crate) fn too_deep(source: &SourceFile, offset: usize) -> SyntaxError {
    let lines = LineIndex::new(&source.text);
    SyntaxError(Box::new(Inner {
        kind: SyntaxErrorKind::TooDeep { limit: MAX_DEPTH },
        span: lines.span(offset, offset + 1),
        source: Arc::new(source.named_source()),
    }))
}

/// Converts pest's error into a [`SyntaxError`] for `source`. `text` is what was parsed:
/// the source itself, or the source with statements already reported blanked out (same
/// offsets; see `recover`).
pub(crate) fn from_pest(
    source: &SourceFile,
    text: &str,
    error: pest::error::Error<Rule>,
) -> SyntaxError {
    let lines = LineIndex::new(&source.text);
    let pos = match error.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    }
    .min(text.len());
    let positives = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let mut expected: Vec<String> = positives.iter().filter_map(|r| describe(*r)).collect();
    expected.sort();
    expected.dedup();

    let make = |kind, span| {
        SyntaxError(Box::new(Inner {
            kind,
            span,
            source: Arc::new(source.named_source()),
        }))
    };

    if let Some(quote) = unterminated_string_on_line(text, pos) {
        let end = text[quote..].find('\n').map_or(text.len(), |n| quote + n);
        return make(SyntaxErrorKind::UnterminatedString, lines.span(quote, end));
    }
    if only_trivia(&text[pos..])
        && let Some(open) = unclosed_brace(text)
    {
        return make(
            SyntaxErrorKind::UnterminatedBlock {
                open: lines.span(open, open + 1),
            },
            lines.span(text.len(), text.len()),
        );
    }
    let word = word_at(text, pos);
    let fitting = if word.starts_with(|c: char| c.is_ascii_alphabetic()) {
        keywords_fitting_at(text, pos)
    } else {
        Vec::new()
    };
    if !fitting.is_empty() {
        // Keywords that would parse here come first in what was expected.
        let mut all: Vec<String> = fitting.iter().map(|k| format!("`{k}`")).collect();
        all.extend(
            expected
                .into_iter()
                .filter(|e| !e.starts_with('`') || e == "`}`"),
        );
        expected = all;
    }
    if !word.is_empty() && !fitting.is_empty() && !KEYWORDS.contains(&word) {
        let suggestion = nearest(word, &fitting);
        // A misspelt keyword can read as a name (`, windw high-frequency arc` takes `windw`
        // for a step label), so the parse fails one word late: blame the word before when it,
        // not this one, is near a keyword that fits here.
        if suggestion.is_none()
            && let Some((start, prev)) = word_before(text, pos)
            && !KEYWORDS.contains(&prev)
            && let Some(s) = nearest(prev, &fitting)
        {
            return make(
                SyntaxErrorKind::UnknownKeyword {
                    found: prev.to_string(),
                    expected,
                    suggestion: Some(s),
                },
                lines.span(start, start + prev.len()),
            );
        }
        return make(
            SyntaxErrorKind::UnknownKeyword {
                found: word.to_string(),
                expected,
                suggestion,
            },
            lines.span(pos, pos + word.len()),
        );
    }
    let (found, len) = match text[pos..].chars().next() {
        None => ("end of file".to_string(), 0),
        Some(_) if !word.is_empty() => (format!("`{word}`"), word.len()),
        Some(c) => (format!("`{c}`"), c.len_utf8()),
    };
    make(
        SyntaxErrorKind::Unexpected { found, expected },
        lines.span(pos, pos + len),
    )
}

/// Every keyword of the grammar (the `k_*` rules), as written.
pub(crate) const KEYWORDS: &[&str] = &[
    "title",
    "source",
    "author",
    "note",
    "import",
    "solution",
    "salt",
    "nominal",
    "solvent",
    "by",
    "volume",
    "mass",
    "water",
    "below",
    "electrode",
    "from",
    "material",
    "foil",
    "ribbon",
    "thickness",
    "disc",
    "strip",
    "rod",
    "cut",
    "face",
    "area",
    "brush",
    "with",
    "in",
    "directions",
    "dry",
    "at",
    "for",
    "soak",
    "wash",
    "separator",
    "spacer",
    "spacers",
    "cell",
    "symmetric",
    "three_electrode",
    "two_electrode",
    "soak_vial",
    "asymmetric",
    "coin",
    "spring",
    "temperature",
    "swagelok",
    "pouch",
    "glass",
    "vial",
    "working",
    "counter",
    "reference",
    "electrolyte",
    "tip",
    "immersed",
    "wetted",
    "stack",
    "pressure",
    "gap",
    "connection",
    "compartment",
    "normalise",
    "normalize",
    "limits",
    "potential",
    "current",
    "limit",
    "then",
    "abort",
    "end",
    "step",
    "timing",
    "periods",
    "min",
    "max",
    "point",
    "settle",
    "frequency",
    "on",
    "rest",
    "eis",
    "every",
    "sample",
    "rms",
    "to",
    "points",
    "per",
    "decade",
    "ocv",
    "vs",
    "galvanostatic",
    "potentiostatic",
    "cv",
    "lsv",
    "plate",
    "each",
    "until",
    "within",
    "most",
    "add",
    "reach",
    "prompt",
    "repeat",
    "times",
    "series",
    "cells",
    "analyze",
    "fit",
    "window",
    "all",
    "quantity",
    "expect",
    "of",
    "mean",
    "spread",
    "linear_r2",
    "slope",
    "drift",
    "last_third_fraction",
    "f_peak_R",
    "f_peak",
    "Re",
    "R",
    "C",
    "P",
    "activation_time",
    "initial_overpotential",
    "final_overpotential",
    "stripping_resistance",
    "eps_r",
    "permittivity",
    "corrosion_current",
    "porosity",
    "over",
    "and",
    "is",
    "above",
    "between",
    "glassy carbon",
    "high-frequency arc",
    "coulombic_efficiency",
    "hysteresis",
    "capacity",
    "end_overpotential",
    "overpotential",
    "time_to_cutoff",
    "cycle",
    "cycles",
];

/// The keywords that, written instead of `word` at `pos`, let the parse get past them: what
/// the grammar accepts at that place. (pest reports the enclosing rule, not its keywords.)
fn keywords_fitting_at(text: &str, pos: usize) -> Vec<String> {
    let accepted = |k: &str| {
        // The keyword followed by a character no rule accepts: if the parse fails after the
        // keyword, the keyword itself was accepted.
        let candidate = format!("{}{k} \u{1}", &text[..pos]);
        match super::parser::MgpParser::parse(Rule::file, &candidate) {
            Ok(_) => true,
            Err(e) => {
                let at = match e.location {
                    pest::error::InputLocation::Pos(p) => p,
                    pest::error::InputLocation::Span((s, _)) => s,
                };
                at >= pos + k.len()
            }
        }
    };
    // Where any name fits, a word is not a misspelt keyword.
    if accepted("zz_not_a_keyword") {
        return Vec::new();
    }
    KEYWORDS
        .iter()
        .filter(|k| accepted(k))
        .map(|k| k.to_string())
        .collect()
}

/// The identifier-like word starting at `pos` (empty if none).
fn word_at(text: &str, pos: usize) -> &str {
    let rest = &text[pos..];
    let len = rest
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map_or(rest.len(), |(i, _)| i);
    &rest[..len]
}

/// The identifier that ends right before `pos` (spaces between allowed), with its offset.
fn word_before(text: &str, pos: usize) -> Option<(usize, &str)> {
    let end = text[..pos].trim_end_matches([' ', '\t']).len();
    let start = text[..end]
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_')
        .last()
        .map(|(i, _)| i)?;
    let word = &text[start..end];
    word.starts_with(|c: char| c.is_ascii_alphabetic())
        .then_some((start, word))
}

pub(crate) fn nearest(word: &str, candidates: &[String]) -> Option<String> {
    crate::diagnostics::did_you_mean(word, candidates.iter().map(String::as_str))
}

/// True when `rest` holds only whitespace and comments.
fn only_trivia(rest: &str) -> bool {
    rest.lines().all(|line| {
        let t = line.trim();
        t.is_empty() || t.starts_with('#')
    })
}

/// The offset of a `"` on the line of `pos` (at or before it) that is never closed.
fn unterminated_string_on_line(text: &str, pos: usize) -> Option<usize> {
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    let line = &text[line_start..line_end];
    let mut open = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match open {
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some(_) if c == '"' => open = None,
            Some(_) => {}
            None if c == '#' => break,
            None if c == '"' => open = Some(line_start + i),
            None => {}
        }
    }
    open
}

#[cfg(test)]
mod tests {
    use super::KEYWORDS;

    /// The suggestion list must name every keyword rule of the grammar.
    #[test]
    fn keyword_list_matches_the_grammar() {
        let grammar = include_str!("../../grammar/mgp.pest");
        for line in grammar.lines().filter(|l| l.starts_with("k_")) {
            let Some(word) = line.split('"').nth(1) else {
                continue;
            };
            let listed = KEYWORDS
                .iter()
                .any(|k| k.split([' ', '-']).next() == Some(word));
            assert!(listed, "keyword `{word}` is missing from KEYWORDS");
        }
    }

    #[test]
    fn misspelt_statement_keywords_get_a_suggestion() {
        use crate::source::SourceFile;
        let cases = [
            ("solution s { slat A 1 M }", "salt"),
            (
                "on c { galvanostatc strip working at 1 mA for 1 h }",
                "galvanostatic",
            ),
            ("analyze { expcet R of a at 0 h above 1 Ohm cm2 }", "expect"),
            ("cell c: symmetric pouch { workign e }", "working"),
            // The misspelt word reads as a step label; the parse fails at the next word.
            (
                "analyze { fit arc: \"Re-R(CPE)\" on ocv, windw high-frequency arc }",
                "window",
            ),
        ];
        for (text, want) in cases {
            let e = crate::syntax::parse(&SourceFile::new("t.mgp", text)).unwrap_err();
            match e.first().kind() {
                super::SyntaxErrorKind::UnknownKeyword { suggestion, .. } => {
                    assert_eq!(suggestion.as_deref(), Some(want), "{text}")
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
