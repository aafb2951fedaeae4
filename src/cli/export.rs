//! `mgp export --event-model RUN_DIR`: a run as Bluesky event-model documents, one JSON
//! document per line (see [`crate::export`]).

use super::{eprint_diagnostic, exit};
use std::path::PathBuf;

/// Arguments of `mgp export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The run folder to export.
    #[arg(value_name = "RUN_DIR")]
    pub run_dir: PathBuf,
    /// Bluesky event-model documents (start, descriptor, event, stop), each line
    /// `["NAME", {…}]` (the only format, for now).
    #[arg(long, required = true)]
    pub event_model: bool,
    /// Write to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args) -> u8 {
    let docs = match crate::export::event_model(&args.run_dir) {
        Ok(docs) => docs,
        Err(error) => {
            eprint_diagnostic(&error);
            return exit::INVALID;
        }
    };
    let written = match &args.out {
        Some(path) => std::fs::File::create(path)
            .and_then(|file| crate::export::write_jsonl(&docs, &mut std::io::BufWriter::new(file))),
        None => crate::export::write_jsonl(&docs, &mut std::io::stdout().lock()),
    };
    match written {
        Ok(()) => exit::OK,
        Err(error) => {
            eprintln!("error: cannot write the documents: {error}");
            exit::RUNTIME
        }
    }
}
