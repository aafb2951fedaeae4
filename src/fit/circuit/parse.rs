//! Parsing circuit strings into a [`Node`] tree. Three notations are accepted:
//!
//! * impedance.py: `R0-p(R1,CPE1)-Wo1` — `-` joins in series, `p(a,b,…)` in parallel, each
//!   element named by a kind prefix (`R`, `C`, `L`, `CPE`/`Q`, `W`, `Wo`, `Ws`) and a suffix.
//! * The ZView/paper shorthand inside that notation: `Re-R(CPE)`, where an element directly
//!   followed by a group, `X(Y)`, means X in parallel with Y.
//! * Boukamp's circuit description code (CDC): `R(RQ)`, `R(C(R(RQ)))` — one letter per element
//!   (`R C L Q W`, `O` open and `T` short finite Warburg), juxtaposition in series at even
//!   depth, in parallel inside `( )` at odd depth, alternating; `[ ]` is an explicit series
//!   group. A one-element group after an element, `R(C)`, is that element in parallel with it.
//!
//! A string written only with CDC letters and brackets is read as CDC; anything else with the
//! dash notation. CDC elements are named by letter and number, an arc's R and C/Q sharing the number
//! (`R(RQ)` → `R0`, `R1`, `Q1`); other elements take the lowest free number of their letter.

use super::element::ElementKind;
use super::{Element, Node};
use miette::{Diagnostic, NamedSource, SourceSpan};
use std::sync::Arc;
use thiserror::Error;

/// A circuit string that cannot be read. Carries the string and the span of the problem.
#[derive(Debug, Error, Diagnostic)]
pub enum CircuitError {
    #[error("the circuit is empty")]
    #[diagnostic(
        code(mgp::fit::empty_circuit),
        help("write a circuit such as `R0-p(R1,CPE1)`, `Re-R(CPE)` or `R(RQ)`")
    )]
    Empty {
        #[source_code]
        src: Arc<NamedSource<String>>,
        #[label("nothing here")]
        span: SourceSpan,
    },
    #[error("unknown element `{name}`")]
    #[diagnostic(code(mgp::fit::unknown_element), help("{help}"))]
    UnknownElement {
        name: String,
        help: String,
        #[source_code]
        src: Arc<NamedSource<String>>,
        #[label("not an element")]
        span: SourceSpan,
    },
    #[error("unexpected {found}")]
    #[diagnostic(code(mgp::fit::circuit_syntax), help("{help}"))]
    Unexpected {
        found: String,
        help: String,
        #[source_code]
        src: Arc<NamedSource<String>>,
        #[label("{expected}")]
        span: SourceSpan,
        expected: String,
    },
    #[error("unclosed `{open}`")]
    #[diagnostic(code(mgp::fit::unclosed_bracket), help("add the missing `{close}`"))]
    Unclosed {
        open: char,
        close: char,
        #[source_code]
        src: Arc<NamedSource<String>>,
        #[label("opened here")]
        span: SourceSpan,
    },
    #[error("element `{name}` appears twice")]
    #[diagnostic(
        code(mgp::fit::duplicate_element),
        help("give each element its own name, e.g. `R1` and `R2`")
    )]
    Duplicate {
        name: String,
        #[source_code]
        src: Arc<NamedSource<String>>,
        #[label("first here")]
        first: SourceSpan,
        #[label("again here")]
        again: SourceSpan,
    },
}

/// Parses `text` into its tree and element list (elements in order of appearance).
pub fn parse(text: &str) -> Result<(Node, Vec<Element>), CircuitError> {
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        elements: Vec::new(),
    };
    let root = if is_cdc(text) {
        let root = parser.cdc_top()?;
        number_cdc(&root, &mut parser.elements);
        root
    } else {
        parser.dash_top()?
    };
    check_duplicates(text, &parser.elements)?;
    Ok((root, parser.elements))
}

/// CDC strings use only the CDC letters and brackets (no dashes, commas, digits or lowercase).
fn is_cdc(text: &str) -> bool {
    text.chars().any(|c| ElementKind::from_cdc(c).is_some())
        && text
            .chars()
            .all(|c| c.is_whitespace() || "()[]".contains(c) || ElementKind::from_cdc(c).is_some())
}

fn source(text: &str) -> Arc<NamedSource<String>> {
    Arc::new(NamedSource::new("circuit", text.to_string()))
}

fn span(start: usize, end: usize) -> SourceSpan {
    (start, end.saturating_sub(start)).into()
}

fn check_duplicates(text: &str, elements: &[Element]) -> Result<(), CircuitError> {
    for (i, e) in elements.iter().enumerate() {
        if let Some(first) = elements[..i].iter().find(|f| f.name == e.name) {
            return Err(CircuitError::Duplicate {
                name: e.name.clone(),
                src: source(text),
                first: span(first.span.0, first.span.1),
                again: span(e.span.0, e.span.1),
            });
        }
    }
    Ok(())
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    elements: Vec<Element>,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.bytes.len() && self.bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes.get(self.pos).copied()
    }

    /// The character at the current position as text, for messages.
    fn found(&self) -> (String, usize) {
        match self.text[self.pos..].chars().next() {
            Some(c) => (format!("`{c}`"), c.len_utf8()),
            None => ("end of circuit".to_string(), 0),
        }
    }

    fn unexpected(&self, expected: &str, help: &str) -> CircuitError {
        let (found, len) = self.found();
        // At the end there is nothing to underline: point at the last character instead.
        let (at, expected) = if len == 0 {
            let last = self.text.trim_end().len();
            let prev = self.text[..last]
                .chars()
                .next_back()
                .map_or(0, char::len_utf8);
            (last - prev..last, format!("{expected} after this"))
        } else {
            (self.pos..self.pos + len, expected.to_string())
        };
        CircuitError::Unexpected {
            found,
            help: help.to_string(),
            src: source(self.text),
            span: span(at.start, at.end),
            expected,
        }
    }

    fn push_element(&mut self, name: String, kind: ElementKind, start: usize, end: usize) -> Node {
        self.elements.push(Element {
            name,
            kind,
            span: (start, end),
        });
        Node::Element(self.elements.len() - 1)
    }

    fn empty(&self) -> CircuitError {
        CircuitError::Empty {
            src: source(self.text),
            span: span(0, self.text.len().max(1)),
        }
    }

    // ---- dash (impedance.py) notation ----

    fn dash_top(&mut self) -> Result<Node, CircuitError> {
        if self.peek().is_none() {
            return Err(self.empty());
        }
        let node = self.dash_series()?;
        if self.peek().is_some() {
            return Err(self.unexpected(
                "expected `-` or the end",
                "join elements with `-` (series) or `p(a,b)` (parallel)",
            ));
        }
        Ok(node)
    }

    fn dash_series(&mut self) -> Result<Node, CircuitError> {
        let mut items = vec![self.dash_term()?];
        while self.peek() == Some(b'-') {
            self.pos += 1;
            items.push(self.dash_term()?);
        }
        Ok(collapse(items, Node::Series))
    }

    fn dash_term(&mut self) -> Result<Node, CircuitError> {
        match self.peek() {
            Some(b'(') => {
                let open = self.pos;
                self.pos += 1;
                let inner = self.dash_series()?;
                self.close(b')', open)?;
                Ok(inner)
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let start = self.pos;
                while self.pos < self.bytes.len()
                    && (self.bytes[self.pos].is_ascii_alphanumeric()
                        || self.bytes[self.pos] == b'_')
                {
                    self.pos += 1;
                }
                let name = &self.text[start..self.pos];
                let end = self.pos;
                if name == "p" && self.peek() == Some(b'(') {
                    return self.dash_parallel();
                }
                let kind = element_kind(name).ok_or_else(|| CircuitError::UnknownElement {
                    name: name.to_string(),
                    help: unknown_help(name),
                    src: source(self.text),
                    span: span(start, end),
                })?;
                let element = self.push_element(name.to_string(), kind, start, end);
                // `R(CPE)`: the paper's shorthand for R in parallel with CPE.
                if self.peek() == Some(b'(') {
                    let open = self.pos;
                    self.pos += 1;
                    let inner = self.dash_series()?;
                    self.close(b')', open)?;
                    return Ok(Node::Parallel(vec![element, inner]));
                }
                Ok(element)
            }
            _ => Err(self.unexpected(
                "expected an element",
                "elements are R, C, L, CPE (or Q), W, Wo and Ws, e.g. `R1` or `CPE1`",
            )),
        }
    }

    fn dash_parallel(&mut self) -> Result<Node, CircuitError> {
        let open = self.pos;
        self.pos += 1; // '('
        let mut branches = vec![self.dash_series()?];
        while self.peek() == Some(b',') {
            self.pos += 1;
            branches.push(self.dash_series()?);
        }
        self.close(b')', open)?;
        Ok(collapse(branches, Node::Parallel))
    }

    fn close(&mut self, close: u8, open: usize) -> Result<(), CircuitError> {
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok(());
        }
        if self.peek().is_none() {
            return Err(CircuitError::Unclosed {
                open: self.bytes[open] as char,
                close: close as char,
                src: source(self.text),
                span: span(open, open + 1),
            });
        }
        Err(self.unexpected(
            &format!("expected `{}`", close as char),
            "inside `p( )` separate branches with `,`; join in series with `-`",
        ))
    }

    // ---- Boukamp CDC ----

    fn cdc_top(&mut self) -> Result<Node, CircuitError> {
        let node = self.cdc_group(false)?;
        if self.peek().is_some() {
            return Err(self.unexpected("unmatched bracket", "remove it or open it earlier"));
        }
        if self.elements.is_empty() {
            return Err(self.empty());
        }
        Ok(node)
    }

    /// Items up to the closing bracket (not consumed); `parallel` says how they combine.
    fn cdc_group(&mut self, parallel: bool) -> Result<Node, CircuitError> {
        let mut items: Vec<(Node, bool)> = Vec::new(); // (node, is a one-element `( )` group)
        loop {
            match self.peek() {
                None | Some(b')') | Some(b']') => break,
                Some(open @ (b'(' | b'[')) => {
                    let at = self.pos;
                    self.pos += 1;
                    let inner_parallel = if open == b'(' { !parallel } else { false };
                    let count_before = self.elements.len();
                    let inner = self.cdc_group(inner_parallel)?;
                    self.close(if open == b'(' { b')' } else { b']' }, at)?;
                    if self.elements.len() == count_before {
                        return Err(CircuitError::Empty {
                            src: source(self.text),
                            span: span(at, self.pos),
                        });
                    }
                    let single = open == b'(' && self.elements.len() == count_before + 1;
                    items.push((inner, single));
                }
                Some(_) => {
                    let start = self.pos;
                    let Some(letter) = self.text[start..].chars().next() else {
                        break;
                    };
                    let Some(kind) = ElementKind::from_cdc(letter) else {
                        return Err(
                            self.unexpected("not a CDC element", "CDC letters are R C L Q W O T")
                        );
                    };
                    self.pos += letter.len_utf8();
                    let index = self.elements.iter().filter(|e| e.kind == kind).count();
                    let prefix = match kind {
                        ElementKind::Cpe => "Q".to_string(),
                        _ => letter.to_string(),
                    };
                    let node = self.push_element(format!("{prefix}{index}"), kind, start, self.pos);
                    items.push((node, false));
                }
            }
        }
        // `R(C)` in a series: a one-element group after an element is in parallel with it.
        let mut merged: Vec<Node> = Vec::new();
        for (node, single) in items {
            match (single && !parallel, merged.last()) {
                (true, Some(Node::Element(_))) => {
                    let previous = merged.pop().unwrap_or(Node::Series(Vec::new()));
                    merged.push(Node::Parallel(vec![previous, node]));
                }
                _ => merged.push(node),
            }
        }
        Ok(collapse(
            merged,
            if parallel {
                Node::Parallel
            } else {
                Node::Series
            },
        ))
    }
}

/// Names CDC elements by letter and number so that an arc's R and its C or Q share the
/// number (`R(RQ)(RQ)` → R0, R1 ∥ Q1, R2 ∥ Q2): other elements take the lowest free number
/// of their letter, in order of appearance.
fn number_cdc(root: &Node, elements: &mut [Element]) {
    fn partners(node: &Node, elements: &[Element], out: &mut Vec<(usize, usize)>) {
        match node {
            Node::Element(_) => {}
            Node::Series(items) | Node::Parallel(items) => {
                if let (Node::Parallel(_), [Node::Element(a), Node::Element(b)]) =
                    (node, items.as_slice())
                {
                    let (ka, kb) = (elements[*a].kind, elements[*b].kind);
                    if ka == ElementKind::R && kb.is_capacitive() {
                        out.push((*a, *b));
                    } else if kb == ElementKind::R && ka.is_capacitive() {
                        out.push((*b, *a));
                    }
                }
                for item in items {
                    partners(item, elements, out);
                }
            }
        }
    }
    let mut pairs = Vec::new();
    partners(root, elements, &mut pairs);
    let letter = |e: &Element| {
        e.name
            .trim_end_matches(|c: char| c.is_ascii_digit())
            .to_string()
    };
    let mut number: Vec<Option<usize>> = vec![None; elements.len()];
    let mut taken: Vec<(String, usize)> = Vec::new();
    // Resistors first, in order; an arc's capacitor then takes its resistor's number.
    let mut next_r = 0;
    for (i, e) in elements.iter().enumerate() {
        if e.kind == ElementKind::R {
            number[i] = Some(next_r);
            taken.push((letter(e), next_r));
            next_r += 1;
        }
    }
    for &(r, c) in &pairs {
        let n = number[r].unwrap_or(0);
        if !taken.contains(&(letter(&elements[c]), n)) {
            number[c] = Some(n);
            taken.push((letter(&elements[c]), n));
        }
    }
    for (i, e) in elements.iter().enumerate() {
        if number[i].is_none() {
            let l = letter(e);
            let n = (0..)
                .find(|n| !taken.contains(&(l.clone(), *n)))
                .unwrap_or(0);
            number[i] = Some(n);
            taken.push((l, n));
        }
    }
    for (e, n) in elements.iter_mut().zip(number) {
        e.name = format!("{}{}", letter(e), n.unwrap_or(0));
    }
}

fn collapse(mut items: Vec<Node>, make: fn(Vec<Node>) -> Node) -> Node {
    if items.len() == 1 {
        items.pop().unwrap_or(Node::Series(Vec::new()))
    } else {
        make(items)
    }
}

/// The kind named by the longest matching prefix; the rest of the name must not start with
/// an upper-case letter (so `CP1` is an error rather than a capacitor called `CP1`).
fn element_kind(name: &str) -> Option<ElementKind> {
    ElementKind::PREFIXES.iter().find_map(|(prefix, kind)| {
        let rest = name.strip_prefix(prefix)?;
        (!rest.starts_with(|c: char| c.is_ascii_uppercase())).then_some(*kind)
    })
}

fn unknown_help(name: &str) -> String {
    if name.len() > 1 && name.chars().all(|c| ElementKind::from_cdc(c).is_some()) {
        return format!(
            "`{name}` reads as Boukamp CDC; write the whole circuit in CDC (e.g. `R(RQ)`) or name each element (`R1-CPE1`)"
        );
    }
    let candidates = ["R1", "C1", "L1", "CPE1", "Q1", "W1", "Wo1", "Ws1"];
    let digits: String = name.chars().filter(|c| c.is_ascii_digit()).collect();
    let best = ElementKind::PREFIXES
        .iter()
        .map(|(p, _)| format!("{p}{digits}"))
        .min_by_key(|c| strsim::levenshtein(&c.to_lowercase(), &name.to_lowercase()));
    match best {
        Some(b) if strsim::levenshtein(&b.to_lowercase(), &name.to_lowercase()) <= 2 => {
            format!("did you mean `{b}`? Elements are R, C, L, CPE (or Q), W, Wo and Ws")
        }
        _ => format!(
            "elements are named by kind and a suffix, e.g. {}",
            candidates.join(", ")
        ),
    }
}
