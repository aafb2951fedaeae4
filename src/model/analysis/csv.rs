//! `fits.csv`: one row per fitted sweep, areal summary columns and then every parameter
//! (absolute, as fitted) with its standard error. `incomplete` marks a sweep cut short (left
//! out of statistics), `undetermined` names the parameters the data do not determine (their
//! values, and the areal columns resting on them, are then empty).

use super::AnalysisResult;
use std::fmt::Write as _;

const FIXED: &[&str] = &[
    "fit",
    "step",
    "sweep",
    "t_s",
    "t_h",
    "ok",
    "incomplete",
    "undetermined",
    "r_ohm_cm2",
    "r_stderr_ohm_cm2",
    "c_f_per_cm2",
    "c_stderr_f_per_cm2",
    "f_peak_hz",
    "f_peak_stderr_hz",
    "f_peak_r_hz_ohm_cm2",
    "re_ohm_cm2",
    "p",
    "chi2",
    "reduced_chi2",
    "kk_ok",
    "kk_rms",
    "window_min_hz",
    "window_max_hz",
    "area_cm2",
];

/// The CSV text: header plus one row per sweep; absent values are empty fields.
pub fn fits_csv(result: &AnalysisResult) -> String {
    // Parameter columns: the union over all fits, in order of first appearance.
    let mut names: Vec<String> = Vec::new();
    for s in result.fits.iter().flat_map(|f| &f.sweeps) {
        for p in &s.params {
            if !names.contains(&p.name) {
                names.push(p.name.clone());
            }
        }
    }
    let mut out = String::new();
    let mut header: Vec<String> = FIXED.iter().map(|s| s.to_string()).collect();
    for n in &names {
        header.push(n.clone());
        header.push(format!("{n}_stderr"));
    }
    header.push("error".into());
    line(&mut out, &header);
    let num = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v}"));
    for f in &result.fits {
        for s in &f.sweeps {
            let mut row = vec![
                f.name.clone(),
                s.step.to_string(),
                s.sweep.to_string(),
                format!("{}", s.t_s),
                format!("{}", s.t_s / 3600.0),
                s.ok.to_string(),
                s.incomplete.to_string(),
                // Space-separated names: a plain field in any CSV reader.
                s.undetermined.join(" "),
                num(s.r_ohm_cm2),
                num(s.r_stderr_ohm_cm2),
                num(s.c_f_per_cm2),
                num(s.c_stderr_f_per_cm2),
                num(s.f_peak_hz),
                num(s.f_peak_stderr_hz),
                num(s.f_peak_r_hz_ohm_cm2),
                num(s.re_ohm_cm2),
                num(s.p),
                num(s.chi2),
                num(s.reduced_chi2),
                s.kk_ok.map_or(String::new(), |k| k.to_string()),
                num(s.kk_rms),
                num(s.window_min_hz),
                num(s.window_max_hz),
                format!("{}", s.area_cm2),
            ];
            for n in &names {
                let p = s.params.iter().find(|p| &p.name == n);
                row.push(num(p.map(|p| p.value)));
                row.push(num(p.and_then(|p| p.stderr)));
            }
            row.push(s.error.clone().unwrap_or_default());
            line(&mut out, &row);
        }
    }
    out
}

/// One CSV line, quoting fields that need it (RFC 4180).
fn line(out: &mut String, fields: &[String]) {
    let quoted: Vec<String> = fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.clone()
            }
        })
        .collect();
    let _ = writeln!(out, "{}", quoted.join(","));
}
