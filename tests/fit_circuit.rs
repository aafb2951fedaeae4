//! Circuit strings: any text either parses or gives a diagnostic (never a panic), and any
//! circuit built from the grammar parses and has a finite impedance with positive real part.

use mgp::diagnostics::render_plain;
use mgp::fit::Circuit;
use mgp::plan::log_frequencies;
use proptest::prelude::*;

/// A random circuit in impedance.py notation, with unique element names.
fn circuit_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("R"),
        Just("C"),
        Just("L"),
        Just("CPE"),
        Just("W"),
        Just("Wo"),
        Just("Ws")
    ]
    .prop_map(|k| k.to_string());
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 2..4).prop_map(|v| v.join("-")),
            proptest::collection::vec(inner, 2..4).prop_map(|v| format!("p({})", v.join(","))),
        ]
    })
    .prop_map(|s| {
        // Number the elements in order so that names are unique (`R` → `R1`, …).
        let mut out = String::new();
        let mut n = 0;
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            out.push(c);
            let ends_name = c.is_ascii_alphabetic()
                && c != 'p'
                && !chars.peek().is_some_and(|d| d.is_ascii_alphabetic());
            // `p(` is the parallel keyword, not an element.
            if ends_name && !(c == 'p' && chars.peek() == Some(&'(')) {
                n += 1;
                out.push_str(&n.to_string());
            }
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn any_text_parses_or_is_diagnosed(text in "[RCLQWOTPEpos0-9_(),\\[\\]\\- ]{0,24}|\\PC{0,16}") {
        if let Err(e) = Circuit::parse(&text) {
            let rendered = render_plain(&e);
            prop_assert!(rendered.contains("mgp::fit::"), "{rendered}");
        }
    }

    #[test]
    fn generated_circuits_evaluate_to_finite_passive_impedances(text in circuit_text(), scale in 0.1f64..10.0) {
        let circuit = Circuit::parse(&text).map_err(|e| TestCaseError::fail(render_plain(&e)))?;
        let params: Vec<f64> = circuit
            .params()
            .iter()
            .map(|p| if p.name.ends_with("_P") { 0.8 } else { scale * 1e-3 })
            .collect();
        let f = log_frequencies(1e5, 1e-2, 2.0);
        for z in circuit.impedance(&params, &f) {
            prop_assert!(z.re.is_finite() && z.im.is_finite(), "{text}: {z}");
            // A passive network dissipates: Re Z ≥ 0.
            prop_assert!(z.re >= -1e-9 * z.norm(), "{text}: {z}");
        }
    }
}
