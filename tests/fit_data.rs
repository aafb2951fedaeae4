//! The data readers on bad files: each case gives a diagnostic naming the file and the line
//! (snapshots of the plain rendering), and no input whatsoever makes them panic.

use mgp::data::{ReadOptions, parse};
use mgp::diagnostics::render_plain;
use proptest::prelude::*;

fn error(name: &str, text: &str) -> String {
    match parse(name, text.as_bytes(), &ReadOptions::default()) {
        Ok(f) => panic!("{name} was accepted: {f:?}"),
        Err(e) => render_plain(&e),
    }
}

#[test]
fn empty_file() {
    insta::assert_snapshot!(error("empty.csv", ""));
}

#[test]
fn header_without_rows() {
    insta::assert_snapshot!(error("header_only.csv", "freq,zreal,zimag\n"));
}

#[test]
fn non_numeric_field() {
    insta::assert_snapshot!(error(
        "words.csv",
        "f,z',z''\n100,1,-1\n10,abc,-2\n1,3,-3\n"
    ));
}

#[test]
fn negative_frequency() {
    insta::assert_snapshot!(error(
        "negative.csv",
        "f,z',z''\n100,1,-1\n-10,2,-2\n1,3,-3\n"
    ));
}

#[test]
fn duplicate_frequency() {
    insta::assert_snapshot!(error(
        "duplicate.csv",
        "f,z',z''\n100,1,-1\n10,2,-2\n10,2.5,-2\n1,3,-3\n"
    ));
}

#[test]
fn nan_value() {
    insta::assert_snapshot!(error("nan.csv", "f,z',z''\n100,1,-1\n10,NaN,-2\n"));
}

#[test]
fn single_point() {
    insta::assert_snapshot!(error("single.csv", "1000,10,-5\n"));
}

#[test]
fn mismatched_columns() {
    insta::assert_snapshot!(error("ragged.csv", "f,z',z''\n100,1,-1\n10,2\n1,3,-3\n"));
}

#[test]
fn missing_column() {
    insta::assert_snapshot!(error(
        "columns.csv",
        "frequency,gain,offset\n100,1,-1\n10,2,-2\n"
    ));
}

#[test]
fn mpt_with_a_broken_header_count() {
    insta::assert_snapshot!(error(
        "broken.mpt",
        "EC-Lab ASCII FILE\nNb header lines : many\nfreq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\n"
    ));
}

#[test]
fn several_problems_are_reported_together() {
    insta::assert_snapshot!(error(
        "several.csv",
        "f;z';z''\n100;1;-1\n10;x;-2\n1;3;y\n0,1;4\n"
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400), mpt in any::<bool>(), drop in any::<bool>()) {
        let name = if mpt { "x.mpt" } else { "x.csv" };
        let _ = parse(name, &bytes, &ReadOptions { drop_inductive: drop });
    }

    /// Arbitrary text after a plausible start (headers, EC-Lab title) reaches deeper code.
    #[test]
    fn arbitrary_rows_after_a_valid_header_never_panic(
        prefix in prop_oneof![
            Just("f,zreal,zimag\n".to_string()),
            Just("EC-Lab ASCII FILE\nNb header lines : 3\nfreq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\tcycle number\n".to_string()),
            Just(String::new()),
        ],
        rows in proptest::collection::vec("[0-9eE,.;\t +-]{0,30}|[a-zA-Z]{0,5}|nan|inf", 0..12),
    ) {
        let text = format!("{prefix}{}", rows.join("\n"));
        if let Err(e) = parse("rows.csv", text.as_bytes(), &ReadOptions::default()) {
            // Every diagnostic renders, and names the file.
            prop_assert!(render_plain(&e).contains("rows.csv"));
        }
    }
}
