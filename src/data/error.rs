//! What can be wrong with an impedance data file. Every case names the file and the line
//! (through the source snippet and in the message) and says what to do.

use miette::{Diagnostic, NamedSource, SourceSpan};
use std::sync::Arc;
use thiserror::Error;

/// The file text shared by all diagnostics about one file (behind an `Arc`, which keeps each
/// error small and the text shared).
pub type Source = Arc<NamedSource<Arc<str>>>;

#[derive(Debug, Error, Diagnostic)]
pub enum DataError {
    #[error("cannot read `{path}`: {message}")]
    #[diagnostic(code(mgp::data::io))]
    Io { path: String, message: String },

    #[error("`{path}` holds no impedance data")]
    #[diagnostic(
        code(mgp::data::empty),
        help(
            "expected rows of frequency, Z' and Z'' (CSV, with or without a header) or an EC-Lab .mpt export"
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

    #[error("{path}:{line}: frequency {value} Hz appears twice in spectrum {spectrum}")]
    #[diagnostic(
        code(mgp::data::duplicate_frequency),
        help("several sweeps in one file need a `spectrum` or `cycle` column to tell them apart")
    )]
    DuplicateFrequency {
        path: String,
        line: usize,
        value: f64,
        spectrum: String,
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
