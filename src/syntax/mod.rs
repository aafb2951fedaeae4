//! Parse: `.mgp` text → [`Ast`] with spans, and the canonical printer behind `mgp fmt`.
//!
//! Takes a [`SourceFile`]; gives an [`Ast`] (every node with its [`crate::source::Span`]) or
//! [`SyntaxErrors`]: every syntax error in the file, each a miette diagnostic with code
//! `mgp::syntax::*`, a labelled span and help, with "did you mean" for a misspelt keyword. The grammar is `grammar/mgp.pest`; no pest type
//! leaves this module. Names, units and numbers are not judged here: that is `check`'s job.
//!
//! [`format`] prints a file in canonical layout (one statement per line, four-space indent,
//! single spaces, comments kept); printing then parsing gives the same tree up to spans.

mod ast;
mod comments;
mod error;
mod fmt;
mod lines;
mod parser;
mod recover;

pub use ast::*;
pub use error::{SyntaxError, SyntaxErrorKind, SyntaxErrors};

use crate::source::SourceFile;

/// Parses one file into its syntax tree.
pub fn parse(source: &SourceFile) -> Result<Ast, SyntaxErrors> {
    parser::parse_file(source)
}

/// The canonical layout of a file (what `mgp fmt` writes).
pub fn format(source: &SourceFile) -> Result<String, SyntaxErrors> {
    let ast = parse(source)?;
    Ok(fmt::print(&ast, &source.text))
}
