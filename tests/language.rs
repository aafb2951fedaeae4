//! The language corpus: every `tests/bad/*.mgp` file fails with its rendered diagnostic
//! snapshotted, and every `protocols/*.mgp` file checks clean with its `mgp plan` table
//! snapshotted. Plus the numbers the plan must get right, checked directly.

use mgp::check::{self, Checked, MemoryLoader, check_path, check_source};
use mgp::diagnostics::render_plain;
use mgp::plan::{Action, Connection, Metric, Role, StopCondition};
use mgp::source::SourceFile;
use std::path::{Path, PathBuf};

/// `tests/bad/x.mgp` as a path relative to the crate root, so rendered paths are stable.
fn relative(path: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

fn checked(path: &str) -> Checked {
    match check_path(Path::new(path)) {
        Ok(c) => c,
        Err(failure) => panic!("{path} does not check:\n{}", render_plain(&failure)),
    }
}

#[test]
fn bad_files_fail_with_their_diagnostic() {
    // Tests run from the crate root; paths in diagnostics are relative to it.
    insta::glob!("bad/*.mgp", |path| {
        let rel = relative(path);
        let failure = check_path(&rel).expect_err("a bad file must not check");
        let text = std::fs::read_to_string(path).unwrap();
        let several = text.starts_with("# mistakes:");
        if !several {
            assert_eq!(
                failure.problems.len(),
                1,
                "{} has one mistake but reports:\n{}",
                rel.display(),
                render_plain(&failure)
            );
        } else {
            assert!(failure.problems.len() > 1);
        }
        insta::assert_snapshot!(render_plain(&failure));
    });
}

#[test]
fn protocols_check_clean_and_plan() {
    insta::glob!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/protocols"),
        "*.mgp",
        |path| {
            let rel = relative(path);
            let c = checked(&rel.to_string_lossy());
            assert!(
                c.warnings.is_empty(),
                "{} has warnings: {:?}",
                rel.display(),
                c.warnings
            );
            insta::assert_snapshot!(mgp::cli::plan::render(&c.plan));
        }
    );
}

#[test]
fn operando_plan_as_json() {
    let c = checked("protocols/mg-operando-li2s8.mgp");
    let json = mgp::cli::plan::to_json(&c.plan).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(value["total_duration_s"].as_f64().unwrap() > 0.0);
    for step in value["steps"].as_array().unwrap() {
        for key in ["kind", "start_s", "duration_s", "line", "cell"] {
            assert!(step.get(key).is_some(), "step lacks {key}: {step}");
        }
    }
    insta::assert_snapshot!(json);
}

fn check_text(text: &str) -> Result<Checked, check::CheckFailure> {
    check_source(SourceFile::new("mem.mgp", text), &MemoryLoader::new())
}

const DEFS: &str = r#"
solution mg { salt MgCl2 0.4 M; salt Mg(TFSI)2 0.4 M; solvent TEGDME:DOL 1:1 by volume }
solution ps_stock { salt Li2S8 0.5 M nominal; solvent TEGDME:DOL 1:1 by volume }
electrode strip { material Mg; foil 100 um; strip 1 cm x 4 cm }
electrode disc12 { material Mg; disc 12 mm }
cell flooded: three_electrode {
    working strip, immersed 9 mm
    counter strip, immersed 9 mm
    reference strip
    electrolyte mg 0.7 mL
    compartment 1.5 mL
    reference tip 2 mm
    connection two_electrode
}
"#;

#[test]
fn addition_to_reach_a_concentration_computes_volume_and_composition() {
    let c = check_text(&format!(
        "{DEFS}\non flooded {{ add ps_stock to reach Li2S8 0.1 M }}"
    ))
    .unwrap();
    let Action::Addition(a) = &c.plan.steps[0].action else {
        panic!("not an addition")
    };
    assert!((a.volume_ml - 0.175).abs() < 1e-12, "{}", a.volume_ml);
    assert!((a.volume_after_ml - 0.875).abs() < 1e-12);
    let conc = |s: &str| {
        a.composition_after
            .iter()
            .find(|x| x.species == s)
            .unwrap()
            .concentration_m
    };
    assert!((conc("Li2S8") - 0.1).abs() < 1e-12);
    assert!((conc("MgCl2") - 0.32).abs() < 1e-12);
    assert!(
        a.composition_after
            .iter()
            .find(|x| x.species == "Li2S8")
            .unwrap()
            .nominal
    );
    // The level rises 1.25-fold: 9 mm → 11.25 mm of a 1 cm wide strip.
    assert!((a.wetted_area_after_cm2 - 1.125).abs() < 1e-12);
    assert!((a.electrolyte_ul_per_cm2_after - 875.0 / 2.25).abs() < 1e-9);
}

#[test]
fn wetted_area_is_kept_apart_from_the_nominal_area() {
    let c = check_text(DEFS).unwrap();
    let cell = &c.plan.cells[0];
    assert!((cell.working.nominal_area_cm2 - 4.0).abs() < 1e-12);
    assert!((cell.working.wetted_area_cm2 - 0.9).abs() < 1e-12);
    assert!((cell.normalising_area_cm2 - 4.0).abs() < 1e-12);
    assert!((cell.electrolyte_ul_per_cm2 - 700.0 / 1.8).abs() < 1e-9);
    assert_eq!(cell.default_connection, Connection::TwoElectrode);
    assert_eq!(cell.reference_tip_m, Some(0.002));
}

#[test]
fn capacity_limited_steps_last_capacity_over_density() {
    let c = check_text(&format!(
        "{DEFS}\non flooded {{ series at 10, 0.3 mA/cm2 for 20 mAh/cm2 each {{ galvanostatic strip working, vs reference }} }}"
    ))
    .unwrap();
    assert_eq!(c.plan.steps.len(), 2);
    let Action::Galvanostatic(g) = &c.plan.steps[0].action else {
        panic!()
    };
    assert!((c.plan.steps[0].duration_s - 7200.0).abs() < 1e-6);
    assert!(
        (g.current_a - 0.040).abs() < 1e-12,
        "current through the nominal 4 cm2"
    );
    assert!((g.charge_c - 288.0).abs() < 1e-9);
    assert_eq!(g.stripping, Role::Working);
    assert_eq!(g.connection, Connection::ThreeElectrode);
    assert!(matches!(g.stop, StopCondition::Capacity { .. }));
    assert!((c.plan.steps[1].duration_s - 240_000.0).abs() < 1e-3);
    assert!((c.plan.steps[1].start_s - 7200.0).abs() < 1e-6);
}

#[test]
fn absolute_current_converts_to_density_through_the_area() {
    let c = check_text(&format!(
        "{DEFS}\non flooded {{ galvanostatic plate working at 2 mA for 1 h, limit 2 V end step }}"
    ))
    .unwrap();
    let Action::Galvanostatic(g) = &c.plan.steps[0].action else {
        panic!()
    };
    assert!((g.current_density_a_per_cm2 - 0.0005).abs() < 1e-15);
    assert_eq!(g.plating, Role::Working);
    assert_eq!(g.limits[0].max_abs_v, 2.0);
}

#[test]
fn eis_repeats_start_where_a_whole_sweep_fits() {
    let c = checked("protocols/mg-symmetric-ocv.mgp");
    let Action::Rest(r) = &c.plan.steps[0].action else {
        panic!()
    };
    let e = r.eis.as_ref().unwrap();
    assert_eq!(e.sweep.frequencies_hz.len(), 78);
    assert_eq!(e.sweep_offsets_s.len(), 41);
    assert_eq!(*e.sweep_offsets_s.last().unwrap(), 20.0 * 3600.0);
    assert!(e.sweep_offsets_s.last().unwrap() + e.sweep.duration_s <= c.plan.steps[0].duration_s);
    assert_eq!(c.plan.eis_timing, mgp::plan::EisTiming::default());
}

#[test]
fn analysis_maps_onto_plan_metrics() {
    let c = checked("protocols/mg-symmetric-ocv-72h.mgp");
    let a = &c.plan.analysis;
    assert_eq!(a.fits[0].steps, vec![0]);
    let ratio = &a.expects[1];
    assert_eq!(ratio.observation.as_deref(), Some("O7"));
    assert!(matches!(ratio.metric, Metric::Ratio { .. }));
    let Metric::SeriesAt { at_s, .. } = &a.quantities[1].metric else {
        panic!()
    };
    assert_eq!(*at_s, 72.0 * 3600.0);
    assert_eq!(a.quantities[1].unit, "uF/cm2");
}

#[test]
fn imports_are_resolved_relative_to_the_importing_file() {
    let loader = MemoryLoader::new()
        .with(
            "lab/shared/materials.mgp",
            "import \"solutions.mgp\"\nelectrode d { material Li; disc 16 mm }",
        )
        .with(
            "lab/shared/solutions.mgp",
            "solution lp40 { salt LiPF6 1 M; solvent EC:DEC 1:1 by volume }",
        );
    let main = SourceFile::new(
        "lab/p.mgp",
        "import \"shared/materials.mgp\"\ncell c: symmetric pouch { working d; counter d; electrolyte lp40 20 uL }\nrest 1 h { sample every 1 min }",
    );
    let c = check_source(main, &loader).unwrap();
    assert_eq!(
        c.plan.meta.files,
        vec![
            "lab/p.mgp",
            "lab/shared/materials.mgp",
            "lab/shared/solutions.mgp"
        ]
    );
    assert_eq!(c.sources.len(), 3);
}

#[test]
fn warnings_do_not_fail_a_protocol() {
    let c = check_text(&format!(
        "{DEFS}\non flooded {{ rest 1 h; eis 50 mV rms, 20 mHz to 1 MHz, 10 per decade }}"
    ))
    .unwrap();
    let codes: Vec<&str> = c.warnings.iter().map(|w| w.kind().code()).collect();
    assert_eq!(
        codes,
        vec![
            "mgp::check::rest_without_measurement",
            "mgp::check::high_amplitude",
            "mgp::check::sweep_low_to_high"
        ]
    );
}

#[test]
fn every_error_in_a_file_is_reported_at_once() {
    let failure = check_text(
        "solution a { salt X 1 parsec; solvent DOL }\nelectrode e { material Zn; disc 1 mm }\nelectrode f { material Mg; disc -1 mm }",
    )
    .unwrap_err();
    let codes: Vec<&str> = failure.problems.iter().map(|p| p.code()).collect();
    assert_eq!(
        codes,
        vec![
            "mgp::check::unknown_unit",
            "mgp::check::unknown_material",
            "mgp::check::not_positive"
        ]
    );
}
