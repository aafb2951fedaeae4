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

/// The byte offset of the `{` that is never closed, if any (outside strings and comments).
/// Used to point an "unterminated block" error at where the block opened.
///
/// Braces alone cannot tell which block lacks its `}`: in `on c {` / `rest 1 h {` / `}` the
/// last `}` closes the rest and leaves `on` open. Indentation can: a `}` first on its line
/// closes the open block whose line is indented as much, and blocks opened after that one are
/// the unclosed ones. Without such a block, braces pair as written.
pub(crate) fn unclosed_brace(text: &str) -> Option<usize> {
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let mut skipped = None;
    let mut depth = 0i64;
    for (i, c) in code_chars(text) {
        match c {
            '{' => {
                depth += 1;
                stack.push((i, indent_of_line(text, i)));
            }
            '}' => {
                depth -= 1;
                let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
                let leading = text[line_start..i].chars().all(|c| c == ' ' || c == '\t');
                let indent = i - line_start;
                let matching = stack.iter().rposition(|&(_, d)| d == indent);
                match matching {
                    Some(m) if leading && m + 1 < stack.len() => {
                        skipped.get_or_insert(stack[m + 1].0);
                        stack.truncate(m);
                    }
                    _ => {
                        stack.pop();
                    }
                }
            }
            _ => {}
        }
    }
    if depth <= 0 {
        return None;
    }
    skipped.or(stack.pop().map(|(i, _)| i))
}

/// The indentation (leading spaces and tabs) of the line holding byte `i`.
fn indent_of_line(text: &str, i: usize) -> usize {
    let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
    text[line_start..i]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .count()
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

#[cfg(test)]
mod tests {
    use super::unclosed_brace;

    #[test]
    fn indentation_names_the_block_left_open() {
        // The inner rest lacks its `}`; the outer one's `}` is at column 0.
        let inner = "on c {\n    rest 1 h {\n        sample every 1 s\n}\n";
        assert_eq!(unclosed_brace(inner), inner.find("h {").map(|i| i + 2));
        // The outer block lacks its `}`: braces and indentation agree.
        let outer = "on c {\n    rest 1 h {\n        sample every 1 s\n    }\n";
        assert_eq!(unclosed_brace(outer), Some(5));
        // Balanced braces are never reported, whatever the indentation.
        assert_eq!(unclosed_brace("on c {\n  rest 1 h {\n}\n    }\n"), None);
        // One-line blocks pair as written.
        assert_eq!(
            unclosed_brace("on c { rest 1 h { sample every 1 s }"),
            Some(5)
        );
    }
}
