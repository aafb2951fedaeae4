//! Benchmark of multi-channel runs: 16 simulated channels of the 72 h Mg protocol in one run
//! against one channel alone. Each case runs in its own process so that its peak memory
//! (VmHWM) is its own.
//!
//! ```sh
//! cargo run --release --example channels_bench
//! ```
//!
//! Pass: wall(16) ≤ 1.5 × wall(1) × 16 / cores, and peak RSS(16) ≤ 16 × peak RSS(1).

use mgp::instrument::Instrument;
use mgp::instrument::sim::{SimInstrument, SimOptions};
use mgp::run::channels::{self, MultiRun, OnFault};
use mgp::run::interpreter::{Silent, StopFlag};
use mgp::run::journal::RunStatus;
use mgp::timeline::{one_channel_per_cell, schedule};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The 72 h protocol on `n` cells (its analysis block names one cell: left out).
fn protocol(dir: &Path, n: usize) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("protocols");
    std::fs::copy(root.join("materials.mgp"), dir.join("materials.mgp")).unwrap();
    let text = std::fs::read_to_string(root.join("mg-symmetric-ocv-72h.mgp")).unwrap();
    let text = text.split("\nanalyze").next().unwrap();
    let names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
    let block = text
        .split("on lean {")
        .nth(1)
        .expect("the protocol's on block");
    let mut out = text
        .split("on lean {")
        .next()
        .unwrap()
        .replace("cell lean:", &format!("cell {}:", names.join(", ")));
    for name in &names {
        out.push_str(&format!("on {name} {{{block}\n"));
    }
    let path = dir.join(format!("bench-{n}.mgp"));
    std::fs::write(&path, out).unwrap();
    path
}

/// Peak resident memory of this process, in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Runs `n` cells on `n` channels (n = 1: the ordinary one-channel session); prints
/// `wall_s peak_kib`.
fn case(n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = protocol(dir.path(), n);
    let checked = mgp::check::check_path(&path).unwrap();
    let plan = checked.plan;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sim = |seed| {
        SimInstrument::new(SimOptions {
            seed,
            ..SimOptions::default()
        })
        .unwrap()
    };
    let started = Instant::now();
    if n == 1 {
        let new = mgp::run::session::NewRun {
            protocol_path: path.display().to_string(),
            protocol_text: checked.sources[0].text.clone(),
            plan,
            out_dir: dir.path().join("run"),
            seed: Some(1),
            parameter_set: None,
        };
        let folder = mgp::run::session::create_folder(&new).unwrap();
        let finished = runtime
            .block_on(mgp::run::session::start(
                &new,
                folder,
                &mut sim(1),
                &StopFlag::new(),
                &mut Silent,
            ))
            .unwrap();
        assert_eq!(finished.manifest.status, RunStatus::Completed);
    } else {
        let timeline = schedule(&plan.steps, &one_channel_per_cell(&plan.steps));
        let sims: Vec<SimInstrument> = timeline
            .channels
            .iter()
            .map(|l| sim(channels::channel_seed(1, &l.name)))
            .collect();
        let infos: Vec<_> = sims.iter().map(|s| s.info()).collect();
        let out_dir = dir.path().join("run");
        let run = MultiRun {
            protocol_path: path.display().to_string(),
            protocol_text: checked.sources[0].text.clone(),
            plan,
            timeline,
            out_dir: out_dir.clone(),
            seed: Some(1),
            parameter_set: None,
            on_fault: OnFault::Channel,
        };
        let prepared = channels::create(&run, &infos).unwrap();
        let stop = StopFlag::new();
        let jobs: Vec<(usize, channels::Job)> = sims
            .into_iter()
            .zip(prepared.channels)
            .enumerate()
            .map(|(i, (sim, (new, folder)))| {
                let job = channels::start_job(new, folder, sim, stop.clone(), Box::new(Silent));
                (i, job)
            })
            .collect();
        runtime.block_on(channels::execute(jobs, &stop, OnFault::Channel));
        let finished = channels::conclude(&out_dir, &[], started, false).unwrap();
        assert_eq!(finished.manifest.status, RunStatus::Completed);
    }
    println!("{} {}", started.elapsed().as_secs_f64(), peak_rss_kib());
}

fn measure(n: usize) -> (f64, u64) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .arg(n.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut parts = text.split_whitespace();
    (
        parts.next().unwrap().parse().unwrap(),
        parts.next().unwrap().parse().unwrap(),
    )
}

fn main() {
    if let Some(n) = std::env::args().nth(1) {
        case(n.parse().expect("a number of channels"));
        return;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // The best of three of each, against other load on a shared machine.
    let best = |n| {
        (0..3)
            .map(|_| measure(n))
            .fold((f64::INFINITY, u64::MAX), |a, b| {
                (a.0.min(b.0), a.1.min(b.1))
            })
    };
    let (one_s, one_kib) = best(1);
    let (many_s, many_kib) = best(16);
    let wall_limit = 1.5 * one_s * 16.0 / cores as f64;
    println!("one channel:  {one_s:.3} s, peak {one_kib} KiB");
    println!(
        "16 channels:  {many_s:.3} s (limit {wall_limit:.3} s on {cores} cores), peak {many_kib} KiB (limit {} KiB)",
        16 * one_kib
    );
    let pass = many_s <= wall_limit && many_kib <= 16 * one_kib;
    println!("{}", if pass { "pass" } else { "FAIL" });
    if !pass {
        std::process::exit(1);
    }
}
