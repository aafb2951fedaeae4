//! Byte offsets → line and column, computed once per file (`Span::locate` rescans the text).

use crate::source::Span;

/// The start offset of every line of a text.
#[derive(Debug, Clone)]
pub(crate) struct LineIndex {
    text: String,
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            text: text.to_string(),
            starts,
        }
    }

    /// The span of `start..end`, with the 1-based line and column (in characters) of `start`.
    pub(crate) fn span(&self, start: usize, end: usize) -> Span {
        let start = floor_boundary(&self.text, start.min(self.text.len()));
        let end = end.max(start).min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= start);
        let line_start = self.starts[line.saturating_sub(1)];
        let column = self.text[line_start..start].chars().count() + 1;
        Span {
            start,
            end,
            line,
            column,
        }
    }
}

fn floor_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}
