//! `mgp test [PATHS]`: snapshot-tests protocols. Each `.mgp` file is dry-run with a fixed seed
//! and compared with `NAME.mgp.snap` beside it (see [`crate::snapshot`] for the format).

use super::exit;
use crate::snapshot::protocol::{Outcome, TEST_SEED, snapshot_protocol};
use crate::snapshot::{DEFAULT_TOLERANCE, Snapshot, render_differences};
use std::path::{Path, PathBuf};

/// Arguments of `mgp test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Protocol files or folders of them (default: protocols/).
    pub paths: Vec<PathBuf>,
    /// Write new snapshots and accept changed ones.
    #[arg(long)]
    pub update: bool,
    /// Seed of the dry-runs.
    #[arg(long, default_value_t = TEST_SEED)]
    pub seed: u64,
}

fn protocol_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let roots = if paths.is_empty() {
        vec![PathBuf::from("protocols")]
    } else {
        paths.to_vec()
    };
    let mut files = Vec::new();
    for root in roots {
        if root.is_dir() {
            let entries =
                std::fs::read_dir(&root).map_err(|e| format!("{}: {e}", root.display()))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "mgp"))
                .collect();
            found.sort();
            files.extend(found);
        } else if root.is_file() {
            files.push(root);
        } else {
            return Err(format!("{}: no such file or folder", root.display()));
        }
    }
    Ok(files)
}

fn snap_path(protocol: &Path) -> PathBuf {
    let mut name = protocol.as_os_str().to_owned();
    name.push(".snap");
    PathBuf::from(name)
}

pub fn run(args: Args) -> u8 {
    let files = match protocol_files(&args.paths) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::INVALID;
        }
    };
    let (mut passed, mut failed, mut new, mut updated, mut invalid) = (0, 0, 0, 0, 0);
    for file in &files {
        let shown = file.display();
        let actual = match snapshot_protocol(file, args.seed, DEFAULT_TOLERANCE) {
            Ok(Outcome::NothingToRun) => {
                println!("skip {shown}: no steps to run");
                continue;
            }
            Ok(Outcome::Ran { snapshot, .. }) => snapshot,
            Err(error) => {
                super::eprint_diagnostic(&error);
                invalid += 1;
                continue;
            }
        };
        let path = snap_path(file);
        let expected = match std::fs::read_to_string(&path) {
            Ok(text) => match Snapshot::parse(&text) {
                Ok(snapshot) => Some(snapshot),
                Err(line) => {
                    eprintln!("error: {}:{line}: not `key = value`", path.display());
                    invalid += 1;
                    continue;
                }
            },
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => {
                eprintln!("error: {}: {error}", path.display());
                invalid += 1;
                continue;
            }
        };
        let differences = expected.as_ref().map(|e| {
            // Keep the tolerance the snapshot states.
            let mut actual = actual.clone();
            actual.tolerance = e.tolerance;
            e.compare(&actual)
        });
        match (differences, args.update) {
            (Some(d), _) if d.is_empty() => {
                println!("ok   {shown}");
                passed += 1;
            }
            (None, false) => {
                println!(
                    "new  {shown}: no snapshot yet (run `mgp test --update` to write {})",
                    path.display()
                );
                new += 1;
            }
            (diff, true) => {
                let tolerance = expected.as_ref().map_or(DEFAULT_TOLERANCE, |e| e.tolerance);
                let mut actual = actual;
                actual.tolerance = tolerance;
                if let Err(error) = std::fs::write(&path, actual.render()) {
                    eprintln!("error: {}: {error}", path.display());
                    invalid += 1;
                    continue;
                }
                if diff.is_some() {
                    println!("upd  {shown}");
                    updated += 1;
                } else {
                    println!("new  {shown}");
                    new += 1;
                }
            }
            (Some(d), false) => {
                println!(
                    "FAIL {shown}: differs from {}\n{}",
                    path.display(),
                    render_differences(&d)
                );
                failed += 1;
            }
        }
    }
    let updated_text = if args.update {
        format!(", {updated} updated")
    } else {
        String::new()
    };
    println!(
        "protocols: {passed} passed, {} failed, {new} new{updated_text}",
        failed + invalid
    );
    if invalid > 0 {
        exit::INVALID
    } else if failed > 0 || (new > 0 && !args.update) {
        exit::RUNTIME
    } else {
        exit::OK
    }
}
