//! Plausibility limits and geometry contradictions, at their edges: the last plausible value
//! passes, the next one is an error (tests/bad/ shows each diagnostic rendered).

use mgp::check::{self, Checked, MemoryLoader, check_source};
use mgp::source::SourceFile;

fn check_text(text: &str) -> Result<Checked, check::CheckFailure> {
    check_source(SourceFile::new("mem.mgp", text), &MemoryLoader::new())
}

/// The error codes of `text`, or its warning codes when it checks.
fn outcome(text: &str) -> Result<Vec<&'static str>, Vec<&'static str>> {
    match check_text(text) {
        Ok(c) => Ok(c.warnings.iter().map(|w| w.kind().code()).collect()),
        Err(f) => Err(f.problems.iter().map(|p| p.code()).collect()),
    }
}

const LEAN: &str = r#"
solution mg { salt MgCl2 0.4 M; solvent TEGDME:DOL 1:1 by volume }
electrode disc12 { material Mg; disc 12 mm }
cell lean: symmetric swagelok { working disc12; counter disc12; electrolyte mg 80 uL }
"#;

fn on_lean(steps: &str) -> Result<Vec<&'static str>, Vec<&'static str>> {
    outcome(&format!("{LEAN}\non lean {{ {steps} }}"))
}

const IMPLAUSIBLE: &str = "mgp::check::implausible";

#[test]
fn a_step_lasts_at_most_a_year() {
    assert_eq!(on_lean("rest 365 d { sample every 1 min }"), Ok(vec![]));
    assert_eq!(
        on_lean("rest 366 d { sample every 1 min }"),
        Err(vec![IMPLAUSIBLE])
    );
    assert_eq!(
        on_lean("galvanostatic strip working at 1 mA for 400 d"),
        Err(vec![IMPLAUSIBLE])
    );
    // 1 uAh/cm2 at 1 nA/cm2 lasts 3.6e6 s = 41.7 d; 10 uAh/cm2 lasts 417 d.
    assert_eq!(
        on_lean("galvanostatic strip working at 1 nA/cm2 for 1 uAh/cm2"),
        Ok(vec![])
    );
    assert_eq!(
        on_lean("galvanostatic strip working at 1 nA/cm2 for 10 uAh/cm2"),
        Err(vec![IMPLAUSIBLE])
    );
}

#[test]
fn a_current_is_at_least_a_picoampere() {
    // 1 pA through 1.131 cm2 and just below it.
    assert_eq!(
        on_lean("galvanostatic strip working at 1 pA for 1 h"),
        Ok(vec![])
    );
    assert_eq!(
        on_lean("galvanostatic strip working at 0.9 pA for 1 h"),
        Err(vec![IMPLAUSIBLE])
    );
}

#[test]
fn a_step_records_at_most_ten_million_samples() {
    // 1 ms for 2 h is 7.2e6 samples; for 3 h, 1.08e7.
    assert_eq!(on_lean("rest 2 h { sample every 1 ms }"), Ok(vec![]));
    assert_eq!(
        on_lean("rest 3 h { sample every 1 ms }"),
        Err(vec![IMPLAUSIBLE])
    );
    assert_eq!(
        on_lean("galvanostatic strip working at 1 mA for 3 h, sample every 1 ms"),
        Err(vec![IMPLAUSIBLE])
    );
}

fn flooded(working: &str, compartment: &str, steps: &str) -> String {
    format!(
        r#"
solution mg {{ salt MgCl2 0.4 M; solvent TEGDME:DOL 1:1 by volume }}
electrode strip {{ material Mg; strip 1 cm x 4 cm }}
cell flooded: three_electrode {{
    working strip, {working}
    counter strip, immersed 9 mm
    reference strip
    electrolyte mg 0.7 mL
    {compartment}
    reference tip 2 mm
}}
on flooded {{ rest 1 h {{ sample every 10 s }}; {steps} }}
"#
    )
}

#[test]
fn an_electrode_is_wetted_at_most_all_over() {
    let wet = |w: &str| outcome(&flooded(w, "", ""));
    assert_eq!(wet("immersed 40 mm"), Ok(vec![]));
    assert_eq!(
        wet("immersed 41 mm"),
        Err(vec!["mgp::check::wetting_beyond_electrode"])
    );
    assert_eq!(wet("wetted 4 cm2"), Ok(vec![]));
    // Between one face and both: possible for a hanging strip, so a warning.
    assert_eq!(
        wet("wetted 6 cm2"),
        Ok(vec!["mgp::check::wetted_above_nominal"])
    );
    assert_eq!(
        wet("wetted 8.1 cm2"),
        Err(vec!["mgp::check::wetting_beyond_electrode"])
    );
}

#[test]
fn an_unchecked_addition_is_at_most_ten_times_the_electrolyte() {
    let stock = "solution ps { salt Li2S8 0.5 M; solvent TEGDME:DOL 1:1 by volume }";
    let add = |v: &str, compartment: &str| {
        outcome(&format!(
            "{stock}\n{}",
            flooded("immersed 9 mm", compartment, &format!("add ps {v}"))
        ))
    };
    assert_eq!(add("7 mL", ""), Ok(vec!["mgp::check::unchecked_addition"]));
    assert_eq!(
        add("7.1 mL", ""),
        Err(vec!["mgp::check::addition_dwarfs_electrolyte"])
    );
    // A declared compartment is the user's word: only it bounds the addition then.
    assert_eq!(add("20 mL", "compartment 25 mL"), Ok(vec![]));
}
