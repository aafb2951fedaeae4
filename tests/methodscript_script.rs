//! MethodSCRIPT generation from hand-made plans: snapshots of what goes over the wire, the
//! script header, and the capability check's diagnostics.

use mgp::diagnostics::render_plain;
use mgp::instrument::methodscript::capabilities::{DeviceType, check_plan};
use mgp::instrument::methodscript::fixture;
use mgp::instrument::methodscript::script::{
    Amplitude, EisFrequencies, Header, ScriptKind, ScriptOptions, render, scripts_for_plan,
    scripts_for_plan_with,
};
use mgp::plan::{Action, Bias, Connection, EisTiming};
use mgp::source::SourceFile;

#[test]
fn demo_plan_scripts() {
    let plan = fixture::demo_plan();
    let scripts = scripts_for_plan(&plan).unwrap();
    let kinds: Vec<_> = scripts.iter().map(|s| (s.step, s.kind.name())).collect();
    assert_eq!(
        kinds,
        vec![
            (0, "ocp"),
            (1, "eis"),
            (2, "galvanostatic"),
            (3, "operator"),
            (4, "eis"),
            (4, "rest"),
            (4, "eis"),
            (4, "rest"),
        ]
    );
    insta::assert_snapshot!(render(&scripts));
}

#[test]
fn per_frequency_peak_amplitude_on_a_pico() {
    let timing = EisTiming::default();
    let mut sweep = fixture::sweep(1e3, 10.0, 1.0, &timing);
    sweep.bias = Bias::VsOpenCircuit { potential_v: 0.05 };
    let plan = fixture::plan_of(vec![(sweep.duration_s, Action::Eis(sweep))]);
    let options = ScriptOptions {
        eis_frequencies: EisFrequencies::PerFrequency,
        amplitude: Amplitude::Peak,
        ..ScriptOptions::for_device(DeviceType::EmStatPico)
    };
    let scripts = scripts_for_plan_with(&plan, &options).unwrap();
    insta::assert_snapshot!(render(&scripts));
}

#[test]
fn absolute_bias_skips_the_ocp_measurement() {
    let timing = EisTiming::default();
    let mut sweep = fixture::sweep(1e3, 100.0, 2.0, &timing);
    sweep.bias = Bias::Absolute { potential_v: -0.2 };
    let plan = fixture::plan_of(vec![(sweep.duration_s, Action::Eis(sweep))]);
    let text = render(&scripts_for_plan(&plan).unwrap());
    assert!(!text.contains("meas_loop_ocp"), "{text}");
    assert!(text.contains("store_var e_dc -200m ja"), "{text}");
}

#[test]
fn every_script_line_fits_the_device_and_starts_with_a_header() {
    let plan = fixture::demo_plan();
    for entry in scripts_for_plan(&plan).unwrap() {
        let Some(script) = entry.script else { continue };
        assert!(script.lines.iter().all(|l| l.len() <= 128));
        let header = Header::parse(&script.lines[0]).unwrap();
        assert_eq!(header.step, Some(entry.step));
        assert_eq!(header.cell.as_deref(), Some("sym"));
        assert_eq!(header.kind, entry.kind);
    }
}

#[test]
fn headers_round_trip_with_awkward_cell_names() {
    let header = Header {
        step: Some(12),
        cell: Some("cell \"A\" = 1".into()),
        kind: ScriptKind::Galvanostatic,
        connection: Some(Connection::ThreeElectrode),
    };
    assert_eq!(Header::parse(&header.line()), Some(header));
    assert_eq!(Header::parse("# a comment"), None);
    assert_eq!(Header::parse("# mgp step=x kind=eis"), None);
}

#[test]
fn capability_check_points_at_the_step() {
    let timing = EisTiming::default();
    let sweep = fixture::sweep(1e6, 0.01, 10.0, &timing);
    let mut plan = fixture::plan_of(vec![
        (sweep.duration_s, Action::Eis(sweep)),
        (
            60.0,
            Action::Galvanostatic(fixture::galvanostatic(10e-3, 60.0, 1.0, 3.0)),
        ),
    ]);
    let text = "cell sym ...\neis from 1 MHz to 10 mHz\ngalvanostatic 10 mA for 1 min\n";
    plan.steps[0].span = mgp::source::Span::locate(text, 13, 37);
    plan.steps[1].span = mgp::source::Span::locate(text, 38, 67);
    let caps = DeviceType::EmStatPico.capabilities();
    let report = check_plan(&plan, &caps)
        .unwrap_err()
        .with_source(&SourceFile::new("demo.mgp", text));
    assert!(report.has_errors());
    insta::assert_snapshot!(render_plain(&report));
    assert!(check_plan(&fixture::demo_plan(), &DeviceType::Nexus.capabilities()).is_ok());
}
