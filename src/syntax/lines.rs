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

    /// The span of `start..end` without the whitespace and comments pest lets a rule swallow
    /// at its end (so a label underlines the statement, not the blank lines after it).
    pub(crate) fn trimmed_span(&self, start: usize, end: usize) -> Span {
        let mut end = end.min(self.text.len()).max(start);
        loop {
            let piece = &self.text[start..end];
            let trimmed = piece.trim_end();
            let line_start = trimmed.rfind('\n').map_or(0, |i| i + 1);
            let cut = comment_start(&trimmed[line_start..]).map(|c| line_start + c);
            let new_end = start + cut.map_or(trimmed.len(), |c| trimmed[..c].trim_end().len());
            if new_end == end {
                return self.span(start, end);
            }
            end = new_end;
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

/// Where a `#` comment starts in one line, outside strings.
fn comment_start(line: &str) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c == '#' {
            return Some(i);
        }
    }
    None
}
