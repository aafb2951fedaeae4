//! Whole runs through the interpreter on the MethodSCRIPT driver against the emulator (which
//! measures with the simulator): the run completes, takes the planned time on the emulated
//! clock, and records the same data as a dry-run on the simulator.

mod methodscript_common;

use methodscript_common::{Emulator, GUARD};
use mgp::instrument::Instrument;
use mgp::instrument::methodscript::operator::OperatorMode;
use mgp::instrument::methodscript::{MethodScriptOptions, connect, fixture};
use mgp::instrument::sim::{SimInstrument, SimOptions};
use mgp::plan::Plan;
use mgp::run::folder::collect_data;
use mgp::run::interpreter::{Silent, StopFlag};
use mgp::run::journal::{RunStatus, read_journal};
use mgp::run::session::{Finished, NewRun, create_folder, start};

async fn run<I: Instrument>(plan: &Plan, instrument: &mut I, dir: &std::path::Path) -> Finished {
    let new = NewRun {
        protocol_path: "fixture".into(),
        protocol_text: String::new(),
        plan: plan.clone(),
        out_dir: dir.to_path_buf(),
        seed: Some(1),
        parameter_set: None,
    };
    let folder = create_folder(&new).unwrap();
    tokio::time::timeout(
        GUARD,
        start(&new, folder, instrument, &StopFlag::new(), &mut Silent),
    )
    .await
    .expect("run hung")
    .unwrap()
}

#[tokio::test]
async fn the_demo_plan_runs_on_the_emulator_like_a_dry_run() {
    let plan = fixture::demo_plan();
    let speed = 200.0;
    let emulator = Emulator::start(
        &plan,
        &[
            "--source",
            "sim",
            "--noise",
            "0",
            "--seed",
            "1",
            "--speed",
            &speed.to_string(),
        ],
    );
    let options = MethodScriptOptions {
        operator: OperatorMode::ConfirmAll,
        ..MethodScriptOptions::default()
    };
    let mut device = connect(&emulator.path, options).await.unwrap();
    assert_eq!(device.info().parameters["clock_scale"], speed);
    let dir = tempfile::tempdir().unwrap();
    let real = run(&plan, &mut device, &dir.path().join("device")).await;
    assert_eq!(
        real.manifest.status,
        RunStatus::Completed,
        "{:?}",
        real.manifest.reason
    );

    // The emulated clock agrees with the plan within 1 %.
    let elapsed = real.manifest.elapsed_s.unwrap();
    assert!(
        (elapsed / plan.total_duration_s - 1.0).abs() < 0.01,
        "{elapsed} s vs {} s planned",
        plan.total_duration_s
    );

    let mut sim = SimInstrument::new(SimOptions {
        seed: 1,
        noise: 0.0,
        ..SimOptions::default()
    })
    .unwrap();
    let dry = run(&plan, &mut sim, &dir.path().join("dry")).await;
    assert_eq!(dry.manifest.status, RunStatus::Completed);

    let records = |f: &Finished| read_journal(&f.folder.journal()).unwrap().records;
    let (real_sweeps, real_traces) = collect_data(&records(&real));
    let (dry_sweeps, dry_traces) = collect_data(&records(&dry));
    assert_eq!(real_sweeps.len(), dry_sweeps.len());
    assert_eq!(real_traces.len(), dry_traces.len());
    // Spectra: the same points, within the 28-bit wire resolution (and the short OCP
    // measurement the device makes before each sweep).
    let mut worst_z = 0.0f64;
    for (a, b) in real_sweeps.iter().zip(&dry_sweeps) {
        assert_eq!(
            (a.step, a.sweep, a.points.len()),
            (b.step, b.sweep, b.points.len())
        );
        for (p, q) in a.points.iter().zip(&b.points) {
            assert!(
                ((p.1 - q.1) / q.1).abs() < 5e-6,
                "frequency {} vs {}",
                p.1,
                q.1
            );
            let z = (q.2 * q.2 + q.3 * q.3).sqrt();
            worst_z = worst_z.max(((p.2 - q.2).powi(2) + (p.3 - q.3).powi(2)).sqrt() / z);
        }
    }
    assert!(worst_z < 1e-4, "spectra differ by {worst_z:e} of |Z|");
    // Traces: a device samples at interval, 2·interval…; the simulator also at the start.
    let mut worst_v = 0.0f64;
    for (a, b) in real_traces.iter().zip(&dry_traces) {
        let dry = if b.samples.len() == a.samples.len() + 1 {
            &b.samples[1..]
        } else {
            &b.samples[..]
        };
        assert_eq!(
            (a.step, a.samples.len()),
            (b.step, dry.len()),
            "step {}",
            a.step
        );
        for (p, q) in a.samples.iter().zip(dry) {
            assert!(
                ((p.0 - a.samples[0].0) - (q.0 - dry[0].0)).abs() < 1e-6,
                "sample times"
            );
            assert!((p.2 - q.2).abs() < 1e-9, "current {} vs {}", p.2, q.2);
            worst_v = worst_v.max((p.1 - q.1).abs());
        }
    }
    assert!(worst_v < 1e-4, "potentials differ by up to {worst_v} V");
}
