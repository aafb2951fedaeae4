//! Robustness of the MethodSCRIPT packet parser: arbitrary bytes never panic, every line is
//! classified (nothing is dropped), and encoded packages parse back to their values.

use mgp::instrument::methodscript::packet::{DeviceLine, Package, Var, parse_line};
use mgp::instrument::methodscript::value;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let line = parse_line(&bytes);
        // A non-empty line is never classified as the end of output.
        if !bytes.is_empty() && bytes != b"\r" {
            prop_assert_ne!(line, DeviceLine::End);
        }
    }

    #[test]
    fn package_like_text_never_panics(text in "P([a-z]{2}[0-9A-F ]{0,8}[afpnumkMGTPEi ]?(,[0-9][0-9A-F]{0,3})*;?){0,5}") {
        let _ = parse_line(text.as_bytes());
    }

    #[test]
    fn damaged_packages_are_unparsed_not_misread(
        values in proptest::collection::vec(-1e6f64..1e6, 1..5),
        cut in 1usize..40,
    ) {
        let line = encode(&values);
        let cut = cut.min(line.len() - 1);
        let truncated = &line.as_bytes()[..cut];
        match parse_line(truncated) {
            // A cut at a variable or metadata boundary is still a well-formed package: the
            // instrument catches those by the variables it expects.
            DeviceLine::Package(p) => {
                prop_assert!(p.vars.len() <= values.len());
                prop_assert!(matches!(line.as_bytes()[cut], b',' | b';'));
            }
            DeviceLine::Unparsed(text) => prop_assert_eq!(text.as_bytes(), truncated),
            other => prop_assert!(false, "truncated package read as {:?}", other),
        }
    }

    #[test]
    fn encoded_packages_parse_back(values in proptest::collection::vec(-1e9f64..1e9, 1..8)) {
        let line = encode(&values);
        let DeviceLine::Package(p) = parse_line(line.as_bytes()) else {
            return Err(TestCaseError::fail(format!("{line} did not parse")));
        };
        prop_assert_eq!(p.vars.len(), values.len());
        for (var, expected) in p.vars.iter().zip(&values) {
            let got = var.value.unwrap_or(f64::NAN);
            // 28-bit integer at the finest prefix that fits: at worst ~1e5 counts, so the
            // rounding error stays below 4e-6 relative.
            prop_assert!((got - expected).abs() <= 4e-6 * expected.abs() + 1e-18, "{} vs {}", got, expected);
            prop_assert_eq!(var.status, Some(2));
        }
    }

    #[test]
    fn value_encoding_round_trips(v in -1e20f64..1e20) {
        let text = value::encode(v).unwrap();
        let (hex, prefix) = text.split_at(7);
        let back = value::decode(hex, prefix.chars().next().unwrap()).unwrap();
        prop_assert!((back - v).abs() <= 4e-6 * v.abs() + 1e-18);
    }

    #[test]
    fn literals_round_trip(v in -1e15f64..1e15, decimal in any::<bool>()) {
        let style = if decimal { value::LiteralStyle::Decimal } else { value::LiteralStyle::Integer };
        let text = value::literal(v, style).unwrap();
        prop_assert!((parse_literal(&text) - v).abs() <= 1e-6 * v.abs() + 1e-18, "{} -> {}", v, text);
    }
}

fn encode(values: &[f64]) -> String {
    let ids = ["ab", "ba", "cc", "cd", "dc", "da", "db", "eb"];
    Package {
        vars: values
            .iter()
            .enumerate()
            .map(|(i, v)| Var {
                id: ids[i % ids.len()].to_string(),
                value: Some(*v),
                integer: false,
                status: Some(2),
                range: Some(0x87),
                other_meta: vec![],
            })
            .collect(),
    }
    .encode()
    .unwrap()
}

/// Reads a script literal back (test helper: mantissa then optional SI suffix).
fn parse_literal(text: &str) -> f64 {
    let last = text.chars().last().unwrap();
    match value::prefix_exponent(last).filter(|_| !last.is_ascii_digit()) {
        Some(e) => text[..text.len() - 1].parse::<f64>().unwrap() * 10f64.powi(e),
        None => text.parse().unwrap(),
    }
}
