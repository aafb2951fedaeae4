//! Rendering diagnostics: plain text for files and snapshots, colour for terminals.
//!
//! Error data lives with each stage (typed enums deriving `miette::Diagnostic`); this module
//! only turns them into text, so rendering choices stay in one place.

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};

/// Width of rendered diagnostics; fixed so snapshots are stable.
pub const RENDER_WIDTH: usize = 100;

/// Renders a diagnostic without colour at a fixed width (for snapshots and non-terminals).
pub fn render_plain(diagnostic: &dyn Diagnostic) -> String {
    let mut out = String::new();
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(RENDER_WIDTH)
        .with_links(false);
    if handler.render_report(&mut out, diagnostic).is_err() {
        out = diagnostic.to_string();
    }
    out
}

/// Renders for a terminal (colour when `color` is true).
pub fn render(diagnostic: &dyn Diagnostic, color: bool) -> String {
    if !color {
        return render_plain(diagnostic);
    }
    let mut out = String::new();
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode())
        .with_width(RENDER_WIDTH)
        .with_links(false);
    if handler.render_report(&mut out, diagnostic).is_err() {
        out = diagnostic.to_string();
    }
    out
}

/// The candidate closest to `word` by edit distance, when it is close enough to be a likely
/// typo ("did you mean `solvent`?"). Case is ignored when comparing.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| {
            *d <= 2.max(c.chars().count() / 3) && *d < c.chars().count().max(word.chars().count())
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}
