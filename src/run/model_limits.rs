//! What the simulator did not model in a run, gathered from the journal's warnings that start
//! with [`NOT_MODELLED`], in order, each once. The journal is the source because it is written
//! as the run goes: a run killed halfway still says what it had not modelled so far.

use super::journal::{Event, Record};
use crate::instrument::{NOT_MODELLED, Reading};

/// The distinct not-modelled notes of a run, in the order they were first recorded, without
/// the prefix.
pub fn not_modelled(records: &[Record]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for record in records {
        if let Event::Reading {
            reading: Reading::Warning { message, .. },
        } = &record.event
            && let Some(note) = message.strip_prefix(NOT_MODELLED)
            && !out.iter().any(|n| n == note)
        {
            out.push(note.to_string());
        }
    }
    out
}

/// The notes as a block of text for the run summary (empty when there are none).
pub fn render(notes: &[String]) -> String {
    if notes.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "not modelled (the simulator answered these with a stand-in or left them out):\n",
    );
    for note in notes {
        out.push_str("  - ");
        out.push_str(note);
        out.push('\n');
    }
    out
}
