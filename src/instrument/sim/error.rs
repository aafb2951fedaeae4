//! Errors of the simulator: a bad parameter file or a bad option.
//!
//! Every parameter problem names the file and the key (and, where the text is at hand, points
//! at the key in the file), so a user overriding `--params FILE` sees exactly what to fix.

use miette::{NamedSource, SourceSpan};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// Where in the parameter files a problem is: the file, and the set and key when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At {
    pub file: String,
    pub set: Option<String>,
    pub key: Option<String>,
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.file)?;
        match (&self.set, &self.key) {
            (Some(set), Some(key)) => write!(f, ", parameter `{set}.{key}`"),
            (Some(set), None) => write!(f, ", set `{set}`"),
            _ => Ok(()),
        }
    }
}

/// The text of a parameter file, shared by the errors that point into it.
pub type Text = Arc<NamedSource<String>>;

/// Something is wrong with the simulator's options or a parameter file.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SimError {
    #[error("cannot read the parameter file `{path}`: {source}")]
    #[diagnostic(
        code(mgp::sim::params_read),
        help("check the path given with `--params`")
    )]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{at} is not valid JSON: {message}")]
    #[diagnostic(
        code(mgp::sim::params_json),
        help(
            "a parameter file maps set names to keys: {{\"mg_chloride_glyme\": {{\"k_max\": {{\"value\": 1.0, \"unit\": \"1/h\"}}}}}}"
        )
    )]
    Json {
        at: Box<At>,
        message: String,
        #[source_code]
        text: Text,
        #[label("here")]
        span: Option<SourceSpan>,
    },

    #[error("{at}: {what}")]
    #[diagnostic(code(mgp::sim::params_shape), help("{help}"))]
    Shape {
        at: Box<At>,
        what: String,
        help: String,
        #[source_code]
        text: Text,
        #[label("here")]
        span: Option<SourceSpan>,
    },

    #[error("{at}: unknown parameter set")]
    #[diagnostic(code(mgp::sim::unknown_set), help("{help}"))]
    UnknownSet {
        at: Box<At>,
        help: String,
        #[source_code]
        text: Text,
        #[label("not a parameter set")]
        span: Option<SourceSpan>,
    },

    #[error("{at}: unknown parameter")]
    #[diagnostic(code(mgp::sim::unknown_parameter), help("{help}"))]
    UnknownKey {
        at: Box<At>,
        help: String,
        #[source_code]
        text: Text,
        #[label("not a parameter of this set")]
        span: Option<SourceSpan>,
    },

    #[error("{at} has unit `{unit}`, expected {expected}")]
    #[diagnostic(code(mgp::sim::wrong_unit), help("write the value as {expected}"))]
    WrongUnit {
        at: Box<At>,
        unit: String,
        expected: String,
        #[source_code]
        text: Text,
        #[label("wrong unit")]
        span: Option<SourceSpan>,
    },

    #[error("{at} = {value} is out of range: {why}")]
    #[diagnostic(code(mgp::sim::bad_value))]
    BadValue {
        at: Box<At>,
        value: f64,
        why: &'static str,
        #[source_code]
        text: Text,
        #[label("out of range")]
        span: Option<SourceSpan>,
    },

    #[error("{at} is missing")]
    #[diagnostic(
        code(mgp::sim::missing_parameter),
        help("every parameter of a built-in set must be present in its default file")
    )]
    Missing { at: Box<At> },

    #[error("simulator option `{option}` = {value} is invalid: {why}")]
    #[diagnostic(code(mgp::sim::bad_option))]
    BadOption {
        option: &'static str,
        value: f64,
        why: &'static str,
    },
}
