//! Comments: pest drops them, `mgp fmt` must keep them, so they are found by a small scan that
//! knows where strings are.

use super::ast::Comment;
use super::lines::LineIndex;

/// Every `#` comment outside a string, in order.
pub(crate) fn scan(text: &str, lines: &LineIndex) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut iter = text.char_indices();
    while let Some((i, c)) = iter.next() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' | '\n' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '#' => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                let body = &text[i + 1..end];
                out.push(Comment {
                    text: body.trim_end_matches('\r').to_string(),
                    span: lines.span(i, end),
                });
                // Skip to the end of the comment.
                for (j, _) in iter.by_ref() {
                    if j + 1 >= end {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The characters of `text` outside strings and comments, with their byte offsets: what the
/// brace scanners below look at.
pub(crate) fn code_chars(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let (mut in_string, mut escaped, mut in_comment) = (false, false, false);
    text.char_indices().filter(move |&(_, c)| {
        if in_comment {
            in_comment = c != '\n';
            return false;
        }
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' | '\n' => in_string = false,
                _ => {}
            }
            return false;
        }
        match c {
            '"' => in_string = true,
            '#' => in_comment = true,
            _ => return true,
        }
        false
    })
}

/// The byte offset of the innermost `{` that is never closed, if any (outside strings and
/// comments). Used to point an "unterminated block" error at where the block opened.
pub(crate) fn unclosed_brace(text: &str) -> Option<usize> {
    let mut stack = Vec::new();
    for (i, c) in code_chars(text) {
        match c {
            '{' => stack.push(i),
            '}' => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.pop()
}

/// The offset of the first `{` or `(` nested deeper than `limit` (outside strings and comments).
pub(crate) fn too_deep(text: &str, limit: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in code_chars(text) {
        match c {
            '{' | '(' => {
                depth += 1;
                if depth > limit {
                    return Some(i);
                }
            }
            '}' | ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}
