//! Every protocol in `protocols/` as MethodSCRIPT: the scripts a run sends (each distinct
//! script once, then the order they are sent in), and which device types can run it.

use mgp::instrument::methodscript::capabilities::{DeviceType, check_plan};
use mgp::instrument::methodscript::script::{EmittedScript, scripts_for_plan};
use std::fmt::Write as _;

/// Distinct scripts (header line left out) and the sequence that refers to them.
pub(crate) fn digest(scripts: &[EmittedScript]) -> String {
    let mut distinct: Vec<String> = Vec::new();
    let mut sequence: Vec<String> = Vec::new();
    for entry in scripts {
        sequence.push(match &entry.script {
            Some(script) => {
                let body = script.lines[1..].join("\n");
                let id = distinct.iter().position(|d| *d == body).unwrap_or_else(|| {
                    distinct.push(body);
                    distinct.len() - 1
                });
                format!("{}  -> script {}", script.lines[0], id + 1)
            }
            None => format!(
                "# step {} (cell {}): operator: {}",
                entry.step,
                entry.cell,
                entry.operator.as_deref().unwrap_or("")
            ),
        });
    }
    let mut out = String::from("sequence (as sent):\n");
    for (block, times) in compress(&sequence) {
        if times == 1 {
            let _ = writeln!(out, "  {}", block[0]);
        } else {
            let _ = writeln!(out, "  {times} times:");
            for line in block {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
    for (i, body) in distinct.iter().enumerate() {
        let _ = write!(out, "\nscript {}:\n{body}\n", i + 1);
    }
    out
}

/// Runs of a repeated block of up to 3 lines (a soak's rest/sweep pairs) become one block
/// with a count.
fn compress(lines: &[String]) -> Vec<(Vec<String>, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (mut best_len, mut best_times) = (1, 1);
        for len in 1..=3.min(lines.len() - i) {
            let block = &lines[i..i + len];
            let mut times = 1;
            while i + (times + 1) * len <= lines.len()
                && lines[i + times * len..i + (times + 1) * len] == *block
            {
                times += 1;
            }
            if times > 1 && times * len > best_len * best_times {
                (best_len, best_times) = (len, times);
            }
        }
        out.push((lines[i..i + best_len].to_vec(), best_times));
        i += best_len * best_times;
    }
    out
}

pub(crate) fn devices(plan: &mgp::plan::Plan) -> String {
    let mut out = String::from("devices:\n");
    for device in [
        DeviceType::EmStatPico,
        DeviceType::EmStat4Lr,
        DeviceType::EmStat4Hr,
        DeviceType::MultiEmStat4Hr,
        DeviceType::Nexus,
    ] {
        let verdict = match check_plan(plan, &device.capabilities()) {
            Ok(()) => "ok".to_string(),
            Err(report) => report.summary(),
        };
        let _ = writeln!(out, "  {}: {verdict}", device.code());
    }
    out
}

#[test]
fn protocols_as_methodscript() {
    insta::glob!("../protocols", "*.mgp", |path| {
        let checked = mgp::check::check_path(path).unwrap();
        if checked.plan.steps.is_empty() {
            return; // a library of definitions (materials.mgp)
        }
        let scripts = scripts_for_plan(&checked.plan).unwrap();
        insta::assert_snapshot!(format!("{}\n{}", devices(&checked.plan), digest(&scripts)));
    });
}
