//! What can be wrong with an impedance data file. Every case names the file and the line
//! (through the source snippet and in the message) and says what to do.

use miette::{Diagnostic, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use std::sync::Arc;
use thiserror::Error;

/// The file text shared by all diagnostics about one file (behind an `Arc`, which keeps each
/// error small and the text shared).
pub type Source = Arc<Snippet>;

/// At most this many characters of a file are shown in a diagnostic.
pub const MAX_ECHO: usize = 200;

/// A file's text as diagnostics see it: only the labelled line, at most [`MAX_ECHO`]
/// characters of it, without context lines (a binary or one-line JSON file must not flood
/// the terminal).
#[derive(Debug)]
pub struct Snippet {
    name: String,
    text: Arc<str>,
}

impl Snippet {
    pub fn new(name: &str, text: Arc<str>) -> Snippet {
        Snippet {
            name: name.to_string(),
            text,
        }
    }

    /// The window shown for a span starting at `offset`: its line, cut to [`MAX_ECHO`]
    /// characters (starting at the span when the span lies further right).
    pub fn window(&self, offset: usize) -> (usize, usize) {
        let t = &*self.text;
        let offset = floor_boundary(t, offset.min(t.len()));
        let line_start = t[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = t[offset..].find('\n').map_or(t.len(), |i| offset + i);
        let cut = |from: usize| {
            let end = t[from..line_end]
                .char_indices()
                .nth(MAX_ECHO)
                .map_or(line_end, |(i, _)| from + i);
            (from, end)
        };
        let (a, b) = cut(line_start);
        if offset <= b { (a, b) } else { cut(offset) }
    }
}

fn floor_boundary(t: &str, mut i: usize) -> usize {
    while i > 0 && !t.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let t = &*self.text;
        if span.offset() > t.len() {
            return Err(MietteError::OutOfBounds);
        }
        let (mut a, b) = self.window(span.offset());
        if before == 0 && after == 0 {
            // Asked for the span alone (miette's "file:line:column" header): start at it.
            a = floor_boundary(t, span.offset().clamp(a, b));
        }
        let line = t[..a].matches('\n').count();
        let line_start = t[..a].rfind('\n').map_or(0, |i| i + 1);
        let column = t[line_start..a].chars().count();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &t.as_bytes()[a..b],
            (a, b - a).into(),
            line,
            column,
            1,
        )))
    }
}

/// A field as a diagnostic quotes it: at most 60 characters.
pub fn quote(field: &str) -> String {
    match field.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &field[..i]),
        None => field.to_string(),
    }
}

#[derive(Debug, Error, Diagnostic)]
pub enum DataError {
    #[error("cannot read `{path}`: {message}")]
    #[diagnostic(code(mgp::data::io))]
    Io { path: String, message: String },

    #[error("`{path}`: unsupported format: looks like {looks_like}")]
    #[diagnostic(code(mgp::data::unsupported), help("export as {export}"))]
    Unsupported {
        path: String,
        looks_like: String,
        export: String,
    },

    #[error("`{path}` is not impedance data: {what}")]
    #[diagnostic(code(mgp::data::not_impedance), help("{help}"))]
    NotImpedance {
        path: String,
        what: String,
        help: String,
    },

    #[error("`{path}`: {message}")]
    #[diagnostic(code(mgp::data::malformed), help("{help}"))]
    Malformed {
        path: String,
        message: String,
        help: String,
    },

    #[error("`{path}` holds no impedance data")]
    #[diagnostic(
        code(mgp::data::empty),
        help(
            "expected rows of frequency, Z' and Z''; a vendor file without rows was saved before its first point"
        )
    )]
    Empty {
        path: String,
        #[source_code]
        src: Source,
        #[label("no data rows after this")]
        span: Option<SourceSpan>,
    },

    #[error("{path}:{line}: `{field}` is not a number")]
    #[diagnostic(code(mgp::data::not_a_number), help("{help}"))]
    NotANumber {
        path: String,
        line: usize,
        field: String,
        help: String,
        #[source_code]
        src: Source,
        #[label("expected a number")]
        span: SourceSpan,
    },

    #[error("{path}:{line}: `{field}` is not a finite number")]
    #[diagnostic(
        code(mgp::data::not_finite),
        help("remove the row or re-export the data; NaN and infinity cannot be fitted")
    )]
    NotFinite {
        path: String,
        line: usize,
        field: String,
        #[source_code]
        src: Source,
        #[label("not finite")]
        span: SourceSpan,
    },

    #[error("{path}:{line}: frequency {value} Hz is not positive")]
    #[diagnostic(
        code(mgp::data::bad_frequency),
        help("frequencies must be above zero; is the first column really the frequency?")
    )]
    BadFrequency {
        path: String,
        line: usize,
        value: f64,
        #[source_code]
        src: Source,
        #[label("must be > 0")]
        span: SourceSpan,
    },

    #[error(
        "{path}:{line}: frequency {value} Hz appears twice in spectrum {spectrum} (first on line {first_line})"
    )]
    #[diagnostic(
        code(mgp::data::duplicate_frequency),
        help("several sweeps in one file need a `spectrum` or `cycle` column to tell them apart")
    )]
    DuplicateFrequency {
        path: String,
        line: usize,
        value: f64,
        spectrum: String,
        first_line: usize,
        #[source_code]
        src: Source,
        #[label("first here")]
        first: SourceSpan,
        #[label("again here")]
        again: SourceSpan,
    },

    #[error("{path}:{line}: spectrum {spectrum} has {count} point(s); a fit needs several")]
    #[diagnostic(code(mgp::data::too_few_points), help("{help}"))]
    TooFewPoints {
        path: String,
        line: usize,
        spectrum: String,
        count: usize,
        help: String,
        #[source_code]
        src: Source,
        #[label("the only point")]
        span: SourceSpan,
    },

    #[error("{path}:{line}: {found} column(s) where {expected} were expected")]
    #[diagnostic(code(mgp::data::column_count), help("{help}"))]
    ColumnCount {
        path: String,
        line: usize,
        found: usize,
        expected: usize,
        help: String,
        #[source_code]
        src: Source,
        #[label("this row")]
        span: SourceSpan,
    },

    #[error("{path}:{line}: no {what} column in the header")]
    #[diagnostic(code(mgp::data::missing_column), help("{help}"))]
    MissingColumn {
        path: String,
        line: usize,
        what: String,
        help: String,
        #[source_code]
        src: Source,
        #[label("header")]
        span: SourceSpan,
    },

    #[error("{path}:{line}: {message}")]
    #[diagnostic(code(mgp::data::bad_header), help("{help}"))]
    BadHeader {
        path: String,
        line: usize,
        message: String,
        help: String,
        #[source_code]
        src: Source,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("{count} problems in `{path}`")]
    #[diagnostic(code(mgp::data::many), help("{help}"))]
    Many {
        path: String,
        count: usize,
        help: String,
        #[related]
        problems: Vec<DataError>,
    },
}

impl DataError {
    /// One error, or several gathered under [`DataError::Many`].
    pub fn collect(path: &str, mut problems: Vec<DataError>, total: usize) -> DataError {
        if problems.len() == 1 {
            return problems.remove(0);
        }
        let help = if problems.len() < total {
            format!("the first {} are listed below", problems.len())
        } else {
            "each is listed below".to_string()
        };
        DataError::Many {
            path: path.to_string(),
            count: total,
            help,
            problems,
        }
    }
}
