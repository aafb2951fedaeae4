//! Source files and byte spans: how every later stage points back at the protocol text.

use serde::{Deserialize, Serialize};

/// A byte range in one source file, with the 1-based line and column of its start
/// (kept so that plans and journals can name a line without re-reading the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub column: usize,
}

impl Span {
    /// The span of `start..end` in `text`, computing line and column.
    pub fn locate(text: &str, start: usize, end: usize) -> Span {
        let start = start.min(text.len());
        let before = &text[..floor_char_boundary(text, start)];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |s| s.chars().count()) + 1;
        Span {
            start,
            end: end.max(start).min(text.len()),
            line,
            column,
        }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        (span.start, span.len()).into()
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// A protocol source: its path as given and its full text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            path: path.into(),
            text: text.into(),
        }
    }

    /// A miette source for rendering diagnostics against this file.
    pub fn named_source(&self) -> miette::NamedSource<String> {
        miette::NamedSource::new(&self.path, self.text.clone())
    }
}
