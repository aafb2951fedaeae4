//! Error recovery: every syntax error in a file, not only the first. pest stops at the first
//! failure, so after each error the statement holding it is blanked out (spaces, same byte
//! offsets, newlines kept) and the text parsed again. When blanking a statement leaves its
//! block unparseable (a block that needs at least one statement), the enclosing statement is
//! blanked instead, without reporting the error that blanking caused.

use super::comments::code_chars;
use super::error::{SyntaxError, SyntaxErrorKind, from_pest};
use super::parser::{MgpParser, Rule};
use crate::source::SourceFile;
use pest::Parser as _;
use std::ops::Range;

/// Beyond this many errors the rest are most likely consequences of the earlier ones.
const MAX_ERRORS: usize = 20;

/// Every syntax error in `source`, starting from pest's `first`.
pub(crate) fn all_errors(source: &SourceFile, first: pest::error::Error<Rule>) -> Vec<SyntaxError> {
    let text = source.text.as_str();
    let structure = Structure::new(text);
    let mut masked = text.to_string();
    let mut errors = vec![from_pest(source, &masked, first)];
    let mut anchor = errors[0].span().start;
    let mut level_up = 0usize;
    while errors.len() < MAX_ERRORS && recoverable(errors.last().map(SyntaxError::kind)) {
        let Some(range) = structure.statement_around(anchor, level_up) else {
            break;
        };
        blank(&mut masked, range.clone());
        let error = match MgpParser::parse(Rule::file, &masked) {
            Ok(_) => break,
            Err(error) => error,
        };
        let pos = match error.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        };
        if pos <= next_token(&masked, range.end) {
            // Blanking the statement broke its surroundings: blank the enclosing one.
            level_up += 1;
            continue;
        }
        let error = from_pest(source, &masked, error);
        anchor = error.span().start;
        level_up = 0;
        errors.push(error);
    }
    errors
}

/// Errors after which the rest of the file cannot be read statement by statement.
fn recoverable(kind: Option<&SyntaxErrorKind>) -> bool {
    matches!(
        kind,
        Some(SyntaxErrorKind::UnknownKeyword { .. } | SyntaxErrorKind::Unexpected { .. })
    )
}

/// Replaces `range` of `text` with spaces, byte for byte, keeping line breaks.
fn blank(text: &mut String, range: Range<usize>) {
    let blanked: String = text[range.clone()]
        .chars()
        .flat_map(|c| {
            let n = if c == '\n' { 0 } else { c.len_utf8() };
            std::iter::repeat_n(' ', n).chain((c == '\n').then_some('\n'))
        })
        .collect();
    text.replace_range(range, &blanked);
}

/// The offset of the first non-blank character at or after `from`.
fn next_token(text: &str, from: usize) -> usize {
    text[from..]
        .char_indices()
        .find(|(_, c)| !c.is_whitespace())
        .map_or(text.len(), |(i, _)| from + i)
}

/// Where statements start and how deep in braces every code character is.
struct Structure {
    /// (offset, brace depth before it, character) of each code character, in order.
    chars: Vec<(usize, usize, char)>,
    /// Indices into `chars` of characters that begin a statement: the first on a line, or
    /// the first after a `;` or a `{`; never a `}` (that ends a block, it starts nothing).
    starts: Vec<usize>,
    len: usize,
}

impl Structure {
    fn new(text: &str) -> Self {
        let mut chars = Vec::new();
        let mut starts = Vec::new();
        let mut depth = 0usize;
        let mut at_start = true;
        let mut last = 0usize;
        for (offset, c) in code_chars(text) {
            if text[last..offset].contains('\n') {
                at_start = true;
            }
            last = offset;
            if c.is_whitespace() {
                if c == '\n' {
                    at_start = true;
                }
                continue;
            }
            if at_start && c != '}' && c != ';' {
                starts.push(chars.len());
            }
            at_start = c == ';' || c == '{';
            chars.push((offset, depth, c));
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        Structure {
            chars,
            starts,
            len: text.len(),
        }
    }

    /// The byte range of the statement holding `offset`, `level_up` blocks out from the
    /// innermost one; `None` when there is no such statement.
    fn statement_around(&self, offset: usize, level_up: usize) -> Option<Range<usize>> {
        // The first code character at or after the error: that is what went wrong.
        let at = self.chars.partition_point(|&(o, _, _)| o < offset);
        let at = at.min(self.chars.len().checked_sub(1)?);
        let depth = self.chars[at].1.checked_sub(level_up)?;
        // Walk back to the statement start at `depth`, never leaving the enclosing block.
        let mut start = None;
        for &s in self.starts.iter().rev().filter(|&&s| s <= at) {
            if self.chars[s..=at].iter().any(|&(_, d, _)| d < depth) {
                break;
            }
            if self.chars[s].1 == depth {
                start = Some(s);
                break;
            }
        }
        let start = start?;
        // Forward to the next statement at this depth or shallower, or the `}` that closes
        // the enclosing block.
        let end = (at + 1..self.chars.len())
            .find(|&i| {
                let (_, d, c) = self.chars[i];
                (d <= depth && self.starts.binary_search(&i).is_ok()) || (c == '}' && d == depth)
            })
            .map_or(self.len, |i| self.chars[i].0);
        Some(self.chars[start].0..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<(usize, String)> {
        match crate::syntax::parse(&SourceFile::new("t.mgp", text)) {
            Ok(_) => Vec::new(),
            Err(errors) => errors
                .iter()
                .map(|e| (e.span().line, e.to_string()))
                .collect(),
        }
    }

    #[test]
    fn a_statement_ends_at_the_next_one_or_at_its_block_end() {
        let text = "cell a: soak vial {\n    working x; counter y\n}\non a { rest 1 h }\n";
        let s = Structure::new(text);
        let at = |needle: &str| text.find(needle).unwrap();
        assert_eq!(
            &text[s.statement_around(at("x"), 0).unwrap()],
            "working x; "
        );
        assert_eq!(
            &text[s.statement_around(at("y"), 0).unwrap()],
            "counter y\n"
        );
        assert_eq!(
            &text[s.statement_around(at("y"), 1).unwrap()],
            &text[..at("on a")]
        );
        assert_eq!(
            &text[s.statement_around(at("1 h"), 0).unwrap()],
            "rest 1 h "
        );
        assert_eq!(s.statement_around(at("1 h"), 2), None);
    }

    #[test]
    fn errors_in_separate_statements_are_all_reported_in_order() {
        let text = "titel \"x\"\nsolution s {\n    salt MgCl2 0.4 M\n    solvnt DME\n}\non c {\n    rest 1 h\n    rest 1 hh hh\n}\n";
        let found = errors(text);
        let lines: Vec<usize> = found.iter().map(|e| e.0).collect();
        assert_eq!(lines, vec![1, 4, 8], "{found:?}");
    }

    #[test]
    fn an_unclosed_block_ends_recovery() {
        let found = errors("on c {\n    rest 1 h\n    bogus\n");
        assert_eq!(found.len(), 1, "{found:?}");
    }
}
