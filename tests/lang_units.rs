//! Units as protocols write them: rates (`slope … in kOhm cm2/h`), products spelt with `*` or
//! `·`, and the plan's charge units.

use mgp::check::{self, Checked, MemoryLoader, check_source};
use mgp::plan::Action;
use mgp::source::SourceFile;
use mgp::units::Dimension;

fn check_text(text: &str) -> Result<Checked, check::CheckFailure> {
    check_source(SourceFile::new("mem.mgp", text), &MemoryLoader::new())
}

fn codes(text: &str) -> Vec<&'static str> {
    match check_text(text) {
        Ok(_) => vec![],
        Err(f) => f.problems.iter().map(|p| p.code()).collect(),
    }
}

const DEFS: &str = r#"
solution mg { salt MgCl2 0.4 M; solvent TEGDME:DOL 1:1 by volume }
electrode disc12 { material Mg; disc 12 mm }
cell lean: symmetric swagelok { working disc12; counter disc12; electrolyte mg 80 uL }
"#;

fn analysis(body: &str) -> String {
    format!(
        "{DEFS}\non lean {{ ocv: rest 4 h 10 min {{ eis every 30 min: 5 mV rms, 1 MHz to 20 mHz, 10 per decade }} }}\nanalyze {{\n    fit arc: \"Re-R(CPE)\" on ocv\n{body}\n}}\n"
    )
}

#[test]
fn a_slope_has_its_parameter_per_time() {
    let c = check_text(&analysis(
        "    quantity dR = slope R of arc in kOhm cm2/h\n    quantity dC = slope C of arc\n    quantity dP = slope P of arc in %/h\n    quantity dF = slope f_peak of arc in mHz/d",
    ))
    .unwrap();
    let q = &c.plan.analysis.quantities;
    assert_eq!(q[0].dimension, Dimension::ArealResistanceRate);
    assert_eq!(q[0].unit, "kOhm cm2/h");
    // No unit given: a rate reads per hour, not per second.
    assert_eq!(q[1].dimension, Dimension::ArealCapacitanceRate);
    assert_eq!(q[1].unit, "F/cm2/h");
    assert_eq!(q[2].dimension, Dimension::Rate);
    assert_eq!(q[3].dimension, Dimension::FrequencyRate);
}

#[test]
fn a_slope_compares_with_a_rate_and_nothing_else() {
    let ok = check_text(&analysis(
        "    expect slope R of arc above 0 kΩ·cm²/h\n    expect slope R of arc between 1 and 20 kOhm*cm2/d",
    ))
    .unwrap();
    let e = &ok.plan.analysis.expects;
    assert_eq!(e[0].unit, "kΩ·cm²/h");
    let mgp::plan::Check::Between { low, high } = e[1].check else {
        panic!("{:?}", e[1].check)
    };
    // Stored per second: 1 kOhm cm2 per day.
    assert!((low - 1e3 / 86400.0).abs() < 1e-12, "{low}");
    assert!((high - 20e3 / 86400.0).abs() < 1e-12, "{high}");

    assert_eq!(
        codes(&analysis("    expect slope R of arc above 0 kOhm cm2")),
        vec!["mgp::check::wrong_dimension"]
    );
    assert_eq!(
        codes(&analysis("    expect slope R of arc above 0")),
        vec!["mgp::check::wrong_dimension"]
    );
}

#[test]
fn products_of_units_may_be_spelt_with_a_star_or_a_dot() {
    for spelling in [
        "Ohm*cm2",
        "Ohm * cm2",
        "Ohm·cm2",
        "Ohm · cm2",
        "Ω⋅cm²",
        "kOhm cm2",
    ] {
        let text = analysis(&format!("    expect mean R of arc above 1 {spelling}"));
        assert_eq!(codes(&text), Vec::<&str>::new(), "{spelling}");
    }
}

#[test]
fn charges_in_the_plan_read_in_mah() {
    let text = format!(
        "{DEFS}\non lean {{ galvanostatic strip working at 1 mA for 1 mAh; galvanostatic strip working at 1 uA for 30 min }}"
    );
    let c = check_text(&text).unwrap();
    let rendered = mgp::cli::plan::render(&c.plan);
    let galv: Vec<&str> = rendered.lines().filter(|l| l.contains("passes")).collect();
    assert_eq!(galv.len(), 2, "{rendered}");
    // 1 mAh through 1.131 cm2 is 0.8842 mAh/cm2; 1 uA for 30 min is 0.5 uAh = 500 nAh.
    assert!(galv[0].contains("0.8842 mAh/cm2"), "{}", galv[0]);
    assert!(!galv[0].contains("C/cm2"), "{}", galv[0]);
    assert!(galv[1].contains("500 nAh"), "{}", galv[1]);
    assert!(!galv[1].contains("mC"), "{}", galv[1]);
    assert!(
        c.plan
            .steps
            .iter()
            .any(|s| matches!(s.action, Action::Galvanostatic(_)))
    );
}
