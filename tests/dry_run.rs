//! Every protocol in `protocols/` dry-run on the simulator with a fixed seed: the summary table
//! and the analysis are snapshot (insta), every expect must pass, and the paper's observations
//! O1–O14 are listed with the recovered values.

use mgp::snapshot::protocol::{Outcome, snapshot_protocol};
use std::collections::BTreeMap;

#[test]
fn every_protocol_dry_runs_to_completion_and_meets_its_expects() {
    let mut observations: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut failures = Vec::new();
    insta::glob!("../protocols", "*.mgp", |path| {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let outcome = snapshot_protocol(path, 1, 1e-6).unwrap_or_else(|e| panic!("{name}: {e}"));
        let Outcome::Ran {
            analysis,
            summary,
            snapshot,
        } = outcome
        else {
            return;
        };
        assert!(
            snapshot
                .entries
                .iter()
                .any(|(k, v)| k == "run.status" && v == "completed"),
            "{name} did not complete"
        );
        let table = mgp::cli::analyze::render_table(&analysis);
        insta::assert_snapshot!(format!("{summary}\n{table}"));
        for expect in &analysis.expects {
            let row = format!(
                "{:<4} {:<32} {:<24} found {:<16} {}",
                if expect.pass { "pass" } else { "FAIL" },
                std::path::Path::new(&name)
                    .file_stem()
                    .unwrap()
                    .to_string_lossy(),
                expect.expected,
                expect.reason.as_deref().unwrap_or(&expect.display),
                expect.text
            );
            if !expect.pass {
                failures.push(row.clone());
            }
            let key = expect
                .observation
                .clone()
                .unwrap_or_else(|| "untagged".into());
            observations.entry(key).or_default().push(row);
        }
    });
    let mut rows: Vec<(u32, String, Vec<String>)> = observations
        .into_iter()
        .map(|(k, v)| (k.trim_start_matches('O').parse().unwrap_or(99), k, v))
        .collect();
    rows.sort();
    let mut listing = String::new();
    for (_, observation, lines) in &rows {
        for line in lines {
            listing.push_str(&format!("{observation:<4} {line}\n"));
        }
    }
    println!("{listing}");
    let covered: Vec<&str> = rows.iter().map(|(_, k, _)| k.as_str()).collect();
    for n in 1..=14 {
        let id = format!("O{n}");
        assert!(
            covered.contains(&id.as_str()),
            "no protocol checks {id}:\n{listing}"
        );
    }
    assert!(
        failures.is_empty(),
        "expects failed:\n{}",
        failures.join("\n")
    );
}

/// The expects hold for any seed without `--spread`, not just for the snapshot's seed.
#[test]
fn expects_hold_for_other_seeds() {
    let mut failures = Vec::new();
    for seed in [2, 3] {
        insta::glob!("../protocols", "*.mgp", |path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let outcome =
                snapshot_protocol(path, seed, 1e-6).unwrap_or_else(|e| panic!("{name}: {e}"));
            if let Outcome::Ran { analysis, .. } = outcome {
                for e in analysis.expects.iter().filter(|e| !e.pass) {
                    failures.push(format!("seed {seed} {name}: {} = {}", e.text, e.display));
                }
            }
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
