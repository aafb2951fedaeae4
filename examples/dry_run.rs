//! Embedding mgp: check a protocol, dry-run it on the simulator, read the records back and
//! analyse them, all through the library API.
//!
//! ```sh
//! cargo run --example dry_run -- protocols/li-symmetric-lp40.mgp
//! ```

use mgp::instrument::Reading;
use mgp::instrument::sim::{SimInstrument, SimOptions};
use mgp::run::interpreter::{Silent, StopFlag};
use mgp::run::journal::{Event, read_journal};
use mgp::run::session::{self, NewRun};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "protocols/li-symmetric-lp40.mgp".into()),
    );
    // Check: text → Plan (diagnostics render with miette).
    let checked = match mgp::check::check_path(&path) {
        Ok(checked) => checked,
        Err(failure) => {
            eprint!("{}", mgp::diagnostics::render_plain(&failure));
            std::process::exit(2);
        }
    };
    println!(
        "{}: {} steps, {} planned",
        path.display(),
        checked.plan.steps.len(),
        mgp::units::format_duration(checked.plan.total_duration_s)
    );

    // Run on the simulator into a scratch folder.
    let scratch = tempfile::tempdir()?;
    let run = NewRun {
        protocol_path: path.display().to_string(),
        protocol_text: std::fs::read_to_string(&path)?,
        plan: checked.plan,
        out_dir: scratch.path().join("run"),
        seed: Some(42),
        parameter_set: None,
    };
    let mut sim = SimInstrument::new(SimOptions {
        seed: 42,
        ..SimOptions::default()
    })?;
    let folder = session::create_folder(&run)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let finished = runtime.block_on(session::start(
        &run,
        folder,
        &mut sim,
        &StopFlag::new(),
        &mut Silent,
    ))?;
    println!(
        "status: {:?}, elapsed {:.0} s",
        finished.manifest.status, finished.outcome.elapsed_s
    );

    // Read the journal back: the first sweep's lowest-frequency point.
    let records = read_journal(&finished.folder.journal())?.records;
    let first_sweep: Vec<(f64, f64, f64)> = records
        .iter()
        .filter(|r| r.step == Some(0))
        .filter_map(|r| match &r.event {
            Event::Reading {
                reading:
                    Reading::EisPoint {
                        frequency_hz,
                        z_real_ohm,
                        z_imag_ohm,
                        ..
                    },
            } => Some((*frequency_hz, *z_real_ohm, *z_imag_ohm)),
            _ => None,
        })
        .take(200)
        .collect();
    if let Some((f, re, im)) = first_sweep.iter().min_by(|a, b| a.0.total_cmp(&b.0)) {
        println!("lowest frequency of step 0: {f:.3} Hz, Z = {re:.2} {im:+.2}j Ohm");
    }

    // Analyse: fits and the protocol's expects.
    let analysis = mgp::run::analyze::analyze_run(&finished.folder.dir)?;
    for expect in &analysis.expects {
        println!(
            "{} {}: {}",
            if expect.pass { "ok  " } else { "FAIL" },
            expect.text,
            expect.display
        );
    }
    Ok(())
}
