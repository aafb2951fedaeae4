//! Properties of the language front end: no input makes `parse`, `check` or `format` panic, and
//! `format` is idempotent and meaning-preserving (same tree up to spans, same check outcome)
//! over generated protocols with random layout and comments.

use mgp::check::{MemoryLoader, check_source};
use mgp::source::SourceFile;
use mgp::syntax::{format, parse};
use proptest::prelude::*;
use serde_json::Value;

/// Removes every `span`/`close` field, so trees compare by what they say.
fn without_spans(mut v: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                map.remove("span");
                map.remove("close");
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

fn outcome(text: &str) -> Result<Value, Vec<&'static str>> {
    let loader = MemoryLoader::new().with(
        "lib.mgp",
        "solution lib_s { salt LiPF6 1 M; solvent EC:DEC 1:1 by volume }",
    );
    match check_source(SourceFile::new("p.mgp", text), &loader) {
        Ok(c) => Ok(without_spans(serde_json::to_value(&c.plan).unwrap())),
        Err(f) => Err(f.problems.iter().map(|p| p.code()).collect()),
    }
}

/// Everything a front end can be handed must come back as a value or a diagnostic.
fn never_panics(text: &str) {
    let source = SourceFile::new("p.mgp", text);
    let _ = parse(&source);
    let _ = format(&source);
    let _ = outcome(text);
}

const TOKENS: &[&str] = &[
    "solution",
    "electrode",
    "cell",
    "on",
    "rest",
    "eis",
    "every",
    "galvanostatic",
    "strip",
    "plate",
    "working",
    "counter",
    "reference",
    "at",
    "for",
    "each",
    "until",
    "within",
    "limit",
    "abort",
    "add",
    "to",
    "reach",
    "prompt",
    "repeat",
    "series",
    "cells",
    "analyze",
    "fit",
    "expect",
    "quantity",
    "of",
    "R",
    "C",
    "mean",
    "between",
    "and",
    "above",
    "below",
    "import",
    "title",
    "salt",
    "solvent",
    "water",
    "material",
    "disc",
    "area",
    "symmetric",
    "three_electrode",
    "soak_vial",
    "electrolyte",
    "immersed",
    "sample",
    "rms",
    "per",
    "decade",
    "by",
    "volume",
    "{",
    "}",
    ";",
    ":",
    ",",
    "/",
    "-",
    "(",
    ")",
    "[",
    "]",
    "=",
    "+-",
    "\"x\"",
    "\"",
    "#c\n",
    "\n",
    "0",
    "1",
    "-1",
    "0.5",
    "1e999",
    "80 uL",
    "5 mV",
    "1 MHz",
    "20 mHz",
    "10 mA/cm2",
    "1 mAh/cm2",
    "20 h",
    "30 min",
    "0.4 M",
    "12 mm",
    "2 cm2",
    "40 kOhm cm2",
    "15 %",
    "1 µF/cm²",
    "9 kΩ·cm²",
    "Mg",
    "Li",
    "glassy carbon",
    "s",
    "c",
    "lean",
    "TEGDME:DOL",
    "1:1",
    "MgCl2",
    "Li2S8",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..60).prop_map(|t| t.join(" "))
}

// ---------------------------------------------------------------------------------------------
// Generated protocols: valid grammar, random numbers, layout and comments.

fn num() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..200).prop_map(|n| n.to_string()),
        (0u32..50, 1u32..99).prop_map(|(a, b)| format!("{a}.{b}")),
    ]
}

fn comment() -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(0.3, "[a-z ]{0,12}".prop_map(|t| format!("# {t}")))
}

fn eis() -> impl Strategy<Value = String> {
    (num(), num(), num(), 1u32..12, any::<bool>()).prop_map(|(a, f1, f2, n, vs)| {
        let vs = if vs { ", vs counter" } else { "" };
        format!("{a} mV rms, {f1} kHz to {f2} mHz, {n} per decade{vs}")
    })
}

fn step() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (num(), prop::option::of((num(), eis())), prop::option::of(num())).prop_map(|(d, e, s)| {
            let mut body = Vec::new();
            if let Some((every, settings)) = e {
                body.push(format!("eis every {every} min: {settings}"));
            }
            if let Some(s) = s {
                body.push(format!("sample every {s} s"));
            }
            if body.is_empty() {
                format!("ocv: rest {d} h")
            } else {
                format!("ocv: rest {d} h 10 min {{ {} }}", body.join("; "))
            }
        }),
        eis().prop_map(|s| format!("eis {s}")),
        (any::<bool>(), num(), num(), prop::option::of(num())).prop_map(|(strip, j, t, lim)| {
            let d = if strip { "strip" } else { "plate" };
            let lim = lim.map(|l| format!(", limit {l} V then end step")).unwrap_or_default();
            format!("run: galvanostatic {d} working at {j} mA/cm2 for {t} mAh/cm2{lim}, sample every 10 s")
        }),
        "[a-z ]{0,10}".prop_map(|m| format!("prompt \"{m}\"")),
    ];
    leaf.prop_recursive(2, 6, 3, |inner| {
        (1u32..4, prop::collection::vec(inner, 1..3))
            .prop_map(|(n, steps)| format!("repeat {n} times {{\n{}\n}}", steps.join("\n")))
    })
}

fn protocol() -> impl Strategy<Value = String> {
    (
        prop::option::of("[A-Za-z ]{0,20}"),
        num(),
        any::<bool>(),
        prop_oneof![Just("Mg"), Just("Li"), Just("glassy carbon")],
        num(),
        num(),
        prop::collection::vec((step(), comment()), 0..5),
        prop::collection::vec(comment(), 8),
        prop::sample::select(vec!["\n", "\n\n", ";", "; ", "\n  \t", "\n\n\n"]),
        any::<bool>(),
    )
        .prop_map(|(title, c, nominal, material, dia, vol, steps, comments, sep, analyze)| {
            let nominal = if nominal { " nominal" } else { "" };
            let mut lines: Vec<String> = Vec::new();
            let mut push = |line: String, i: usize| {
                if let Some(Some(c)) = comments.get(i % comments.len()) {
                    if i % 2 == 0 {
                        lines.push(format!("{c}\n{line}"));
                    } else {
                        lines.push(format!("{line}  {c}\n"));
                    }
                } else {
                    lines.push(line);
                }
            };
            if let Some(t) = title {
                push(format!("title \"{t}\""), 0);
            }
            push("import \"lib.mgp\"".into(), 1);
            push(
                format!("solution s {{ salt MgCl2 {c} M{nominal}{sep}solvent TEGDME:DOL 1:1 by volume{sep}water below 1 ppm }}"),
                2,
            );
            push(format!("electrode e {{ material {material}{sep}disc {dia} mm }}"), 3);
            push(
                format!("cell c: symmetric pouch {{ working e{sep}counter e{sep}electrolyte s {vol} uL }}"),
                4,
            );
            let mut body = Vec::new();
            for (i, (s, c)) in steps.iter().enumerate() {
                match c {
                    Some(c) if i % 2 == 0 => body.push(format!("{c}\n{s}")),
                    Some(c) => body.push(format!("{s}  {c}")),
                    None => body.push(s.clone()),
                }
            }
            push(format!("on c {{\n{}\n}}", body.join("\n")), 5);
            if analyze {
                push(
                    "analyze { fit arc: \"Re-R(CPE)\" on ocv\nexpect O1: R of arc at 0 h within 15 % of 40 kOhm cm2\nexpect (mean C of arc - min C of arc) / max C of arc between 0.1 and 2 }".into(),
                    6,
                );
            }
            lines.join(sep)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        never_panics(&text);
    }

    #[test]
    fn token_soup_never_panics(text in soup()) {
        never_panics(&text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

    #[test]
    fn generated_protocols_parse(text in protocol()) {
        let parsed = parse(&SourceFile::new("p.mgp", text.as_str()));
        prop_assert!(parsed.is_ok(), "{:?}\n{}", parsed.err(), text);
    }

    #[test]
    fn fmt_is_idempotent_and_keeps_the_meaning(text in protocol()) {
        let source = SourceFile::new("p.mgp", text.as_str());
        let original = parse(&source).unwrap();
        let once = format(&source).unwrap();
        let reparsed = parse(&SourceFile::new("p.mgp", once.as_str()));
        prop_assert!(reparsed.is_ok(), "formatted text does not parse:\n{}", once);
        let reparsed = reparsed.unwrap();
        prop_assert_eq!(
            without_spans(serde_json::to_value(&original).unwrap()),
            without_spans(serde_json::to_value(&reparsed).unwrap()),
            "\n--- before\n{}\n--- after\n{}", text, once
        );
        let twice = format(&SourceFile::new("p.mgp", once.as_str())).unwrap();
        prop_assert_eq!(&once, &twice);
        prop_assert_eq!(outcome(&text), outcome(&once));
    }
}
