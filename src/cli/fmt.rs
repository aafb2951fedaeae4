//! `mgp fmt FILES…`: rewrites protocols in canonical layout (`--check`: exit 1 if any file would
//! change; `--stdout`: print instead of writing).

use super::{eprint_diagnostic, exit};
use crate::source::SourceFile;
use std::path::PathBuf;

/// Arguments of `mgp fmt`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Protocol files to format.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Change nothing; exit 1 if a file is not in canonical layout.
    #[arg(long, conflicts_with = "stdout")]
    pub check: bool,
    /// Print the formatted text instead of rewriting the file.
    #[arg(long)]
    pub stdout: bool,
}

pub fn run(args: Args) -> u8 {
    let mut code = exit::OK;
    for path in &args.files {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", path.display());
                code = code.max(exit::INVALID);
                continue;
            }
        };
        let source = SourceFile::new(path.to_string_lossy(), text);
        let formatted = match crate::syntax::format(&source) {
            Ok(f) => f,
            Err(e) => {
                eprint_diagnostic(&e);
                code = code.max(exit::INVALID);
                continue;
            }
        };
        if args.stdout {
            print!("{formatted}");
        } else if formatted == source.text {
            continue;
        } else if args.check {
            println!("would reformat {}", path.display());
            code = code.max(exit::RUNTIME);
        } else if let Err(e) = std::fs::write(path, &formatted) {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            code = code.max(exit::RUNTIME);
        } else {
            println!("formatted {}", path.display());
        }
    }
    code
}
