//! `mgp fit FILE --circuit "R0-p(R1,CPE1)"`: fits every spectrum of an impedance file and
//! prints a table (or `--json`): parameters with standard errors, χ², the effective
//! capacitance (Eq. 1), the peak frequency and the Lin-KK verdict. Exit 2 on a bad file,
//! circuit or option; 1 when a fit fails on valid input, or leaves a parameter undetermined
//! (ran to the solver's limit, or a standard error above its value).

use super::exit;
use crate::data::{ImpedanceFile, ReadOptions, read_file};
use crate::fit::{
    Circuit, FitError, FitOptions, FitResult, LinKk, LinKkOptions, SpectrumRef, Undetermined,
    Weighting, check_options, fit_batch, lin_kk,
};
use crate::plan::FitWindow;
use crate::units::{Dimension, Quantity, format_si};
use rayon::prelude::*;
use serde_json::{Map, Value, json};
use std::path::PathBuf;

/// Arguments of `mgp fit`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Impedance file: CSV with a header, headerless frequency,Z',Z'' CSV, or EC-Lab .mpt.
    pub file: PathBuf,
    /// Equivalent circuit: impedance.py (`R0-p(R1,CPE1)`), the paper's `Re-R(CPE)`, or
    /// Boukamp CDC (`R(RQ)`).
    #[arg(long, short, default_value = "R0-p(R1,CPE1)")]
    pub circuit: String,
    /// Print JSON (one object per spectrum) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Lowest frequency fitted (Hz, or with a unit: `100mHz`).
    #[arg(long, value_parser = frequency)]
    pub fmin: Option<f64>,
    /// Highest frequency fitted (Hz, or with a unit: `10kHz`).
    #[arg(long, value_parser = frequency)]
    pub fmax: Option<f64>,
    /// Fit only the high-frequency part of the first arc (as the paper did in ZView).
    #[arg(long, conflicts_with_all = ["fmin", "fmax"])]
    pub arc_window: bool,
    /// Residual weighting.
    #[arg(long, default_value = "modulus", value_parser = weighting)]
    pub weight: Weighting,
    /// Drop points with Z'' > 0 (inductive) before fitting.
    #[arg(long)]
    pub drop_inductive: bool,
    /// Hold a parameter at a value: `--fix R0=12.5` (repeatable).
    #[arg(long, value_parser = name_value)]
    pub fix: Vec<(String, f64)>,
    /// Keep a parameter within bounds: `--bound CPE1_P=0.5:1` (repeatable).
    #[arg(long, value_parser = name_range)]
    pub bound: Vec<(String, f64, f64)>,
    /// Start a parameter from a value instead of the automatic guess: `--guess R1=1e5`.
    #[arg(long, value_parser = name_value)]
    pub guess: Vec<(String, f64)>,
}

fn frequency(s: &str) -> Result<f64, String> {
    let t = s.trim();
    // The longest leading number (so `1e-2`, `2.5E3kHz` keep their exponent), then a unit.
    let split = (1..=t.len())
        .rev()
        .filter(|&i| t.is_char_boundary(i))
        .find(|&i| {
            let head = &t[..i];
            // `inf`/`nan` parse as floats but are not frequencies; `1e` is not a number.
            head.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '-' || c == '+')
                && head.parse::<f64>().is_ok()
        })
        .ok_or_else(|| format!("`{s}` is not a frequency (write e.g. 0.02, 20mHz, 1e-2)"))?;
    let (num, unit) = t.split_at(split);
    let v: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a frequency"))?;
    let hz = if unit.trim().is_empty() {
        v
    } else {
        match Quantity::from_unit(v, unit.trim()) {
            Some(q) if q.dimension == Dimension::Frequency => q.value,
            _ => {
                return Err(format!(
                    "`{}` is not a frequency unit (use Hz, mHz, kHz, MHz)",
                    unit.trim()
                ));
            }
        }
    };
    if hz > 0.0 && hz.is_finite() {
        Ok(hz)
    } else {
        Err(format!("`{s}` is not a positive frequency"))
    }
}

/// `--fmin` above `--fmax`: no point could be fitted.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("--fmin {} is above --fmax {}", crate::fit::hz(*.fmin), crate::fit::hz(*.fmax))]
#[diagnostic(
    code(mgp::fit::window_order),
    help("--fmin is the lowest frequency fitted and --fmax the highest: swap them")
)]
struct WindowOrder {
    fmin: f64,
    fmax: f64,
}

fn weighting(s: &str) -> Result<Weighting, String> {
    s.parse()
}

fn name_value(s: &str) -> Result<(String, f64), String> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: write NAME=VALUE, e.g. R0=12.5"))?;
    let value: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("`{value}` is not a number"))?;
    Ok((name.trim().to_string(), value))
}

fn name_range(s: &str) -> Result<(String, f64, f64), String> {
    let (name, range) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: write NAME=LOW:HIGH, e.g. CPE1_P=0.5:1"))?;
    let (lo, hi) = range
        .split_once(':')
        .ok_or_else(|| format!("`{range}`: write LOW:HIGH"))?;
    let num = |v: &str| {
        v.trim()
            .parse::<f64>()
            .map_err(|_| format!("`{v}` is not a number"))
    };
    Ok((name.trim().to_string(), num(lo)?, num(hi)?))
}

pub fn run(args: Args) -> u8 {
    let circuit = match Circuit::parse(&args.circuit) {
        Ok(c) => c,
        Err(e) => {
            super::eprint_diagnostic(&e);
            return exit::INVALID;
        }
    };
    let file = match read_file(
        &args.file,
        &ReadOptions {
            drop_inductive: args.drop_inductive,
        },
    ) {
        Ok(f) => f,
        Err(e) => {
            super::eprint_diagnostic(&e);
            return exit::INVALID;
        }
    };
    for note in &file.notes {
        eprintln!("note: {note}");
    }
    if let (Some(fmin), Some(fmax)) = (args.fmin, args.fmax)
        && fmin > fmax
    {
        super::eprint_diagnostic(&WindowOrder { fmin, fmax });
        return exit::INVALID;
    }
    let window = if args.arc_window {
        FitWindow::HighFrequencyArc
    } else if args.fmin.is_some() || args.fmax.is_some() {
        FitWindow::Range {
            min_hz: args.fmin.unwrap_or(0.0),
            max_hz: args.fmax.unwrap_or(f64::INFINITY),
        }
    } else {
        FitWindow::All
    };
    let options = FitOptions {
        weighting: args.weight,
        window,
        fixed: args.fix.clone(),
        bounds: args.bound.clone(),
        initial: args.guess.clone(),
        ..FitOptions::default()
    };
    if let Err(e) = check_options(&circuit, &options) {
        super::eprint_diagnostic(&e);
        return exit::INVALID;
    }
    let refs: Vec<SpectrumRef> = file
        .spectra
        .iter()
        .map(|s| SpectrumRef {
            frequencies_hz: &s.frequencies_hz,
            z: &s.z_ohm,
        })
        .collect();
    let fits = fit_batch(&circuit, &refs, &options);
    let kk: Vec<Option<LinKk>> = file
        .spectra
        .par_iter()
        .map(|s| lin_kk(&s.frequencies_hz, &s.z_ohm, &LinKkOptions::default()).ok())
        .collect();
    let mut code = exit::OK;
    for (spectrum, fit) in file.spectra.iter().zip(&fits) {
        // A parameter that ran away is a failed fit, even though the solver stopped cleanly;
        // one held on the user's own bound is the user's choice.
        if let Ok(r) = fit
            && r.params.iter().any(|p| {
                p.undetermined
                    .is_some_and(|w| !matches!(w, Undetermined::Bound { .. }))
            })
        {
            eprintln!(
                "error: spectrum {} of {}: the data do not determine {}",
                spectrum.label,
                file.path,
                r.undetermined().join(", ")
            );
            code = code.max(exit::RUNTIME);
        }
        if let Err(e) = fit {
            eprintln!("error: spectrum {} of {}:", spectrum.label, file.path);
            super::eprint_diagnostic(e);
            code = code.max(match e {
                FitError::Failed => exit::RUNTIME,
                _ => exit::INVALID,
            });
        }
    }
    if args.json {
        let all: Vec<Value> = file
            .spectra
            .iter()
            .zip(fits.iter().zip(&kk))
            .map(|(s, (f, k))| spectrum_json(&s.label, f, k.as_ref()))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&Value::Array(all)).unwrap_or_default()
        );
    } else {
        print!("{}", table(&file, &circuit, &options, &fits, &kk));
    }
    code
}

fn spectrum_json(label: &str, fit: &Result<FitResult, FitError>, kk: Option<&LinKk>) -> Value {
    let mut out = Map::new();
    out.insert("spectrum".into(), json!(label));
    match fit {
        Ok(r) => {
            let params: Map<String, Value> = r
                .params
                .iter()
                .map(|p| (p.name.clone(), json!({"value": p.value, "stderr": p.stderr, "unit": p.unit, "fixed": p.fixed, "undetermined": p.undetermined.is_some()})))
                .collect();
            out.insert("params".into(), Value::Object(params));
            out.insert("chi2".into(), json!(r.chi2));
            out.insert("reduced_chi2".into(), json!(r.reduced_chi2));
            // An undetermined arc gives no C or f_peak (null), only its flagged entry in `arcs`.
            let arc = r.main_arc().filter(|a| !a.undetermined);
            out.insert("undetermined".into(), json!(r.undetermined()));
            out.insert("c_eff_f".into(), json!(arc.map(|a| a.c_eff_f)));
            out.insert(
                "c_eff_stderr_f".into(),
                json!(arc.and_then(|a| a.c_eff_stderr)),
            );
            out.insert("f_peak_hz".into(), json!(arc.map(|a| a.f_peak_hz)));
            out.insert(
                "f_peak_stderr_hz".into(),
                json!(arc.and_then(|a| a.f_peak_stderr)),
            );
            out.insert("arcs".into(), json!(r.arcs));
            out.insert("points".into(), json!(r.points));
            out.insert(
                "window_hz".into(),
                json!([r.window_min_hz, r.window_max_hz]),
            );
            out.insert("converged".into(), json!(r.converged));
            out.insert(
                "warnings".into(),
                json!(
                    r.warnings
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                ),
            );
        }
        Err(e) => {
            out.insert("error".into(), json!(e.to_string()));
        }
    }
    out.insert("kk_ok".into(), json!(kk.map(|k| k.ok)));
    out.insert("kk_rms".into(), json!(kk.map(|k| k.rms)));
    Value::Object(out)
}

/// A value with its unit (SI prefixes where they fit).
fn show(value: f64, unit: &str) -> String {
    crate::fit::show_value(value, unit)
}

/// A percentage to two significant figures (`0.057`, `1.5`, `23`).
fn percent(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let decimals = (1 - x.abs().log10().floor() as i32).clamp(0, 8) as usize;
    format!("{x:.decimals$}")
}

/// The std. error column of an undetermined parameter: where the fit left it, in words.
fn undetermined_text(p: &crate::fit::FittedParam, why: Undetermined) -> String {
    match why {
        Undetermined::Bound { bound } => format!("on its bound {}", show(bound, &p.unit)),
        Undetermined::Limit => "ran off to the solver's limit".to_string(),
        Undetermined::Error { .. } => "std. error larger than the value".to_string(),
        Undetermined::Insensitive => "no effect on the fit".to_string(),
    }
}

fn stderr_text(value: f64, stderr: Option<f64>, unit: &str) -> String {
    match stderr {
        Some(e) if value != 0.0 => format!(
            "± {} ({} %)",
            show(e, unit),
            percent(100.0 * e / value.abs())
        ),
        Some(e) => format!("± {}", show(e, unit)),
        None => "—".to_string(),
    }
}

fn table(
    file: &ImpedanceFile,
    circuit: &Circuit,
    options: &FitOptions,
    fits: &[Result<FitResult, FitError>],
    kk: &[Option<LinKk>],
) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: circuit {}, {} weighting",
        file.path, circuit, options.weighting
    );
    if file.areal {
        let _ = writeln!(out, "values are per cm², as in the file");
    }
    for ((s, fit), kk) in file.spectra.iter().zip(fits).zip(kk) {
        let (lo, hi) = s
            .frequencies_hz
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(a, b), &f| (a.min(f), b.max(f)));
        let _ = writeln!(
            out,
            "\nspectrum {} ({} points, {} to {})",
            s.label,
            s.frequencies_hz.len(),
            format_si(hi, Dimension::Frequency),
            format_si(lo, Dimension::Frequency)
        );
        let Ok(r) = fit else {
            let _ = writeln!(out, "  fit failed (see the error above)");
            continue;
        };
        if r.points != s.frequencies_hz.len() {
            let _ = writeln!(
                out,
                "  fitted {} points, {} to {}",
                r.points,
                format_si(r.window_max_hz, Dimension::Frequency),
                format_si(r.window_min_hz, Dimension::Frequency)
            );
        }
        let rows: Vec<(String, String, String)> = r
            .params
            .iter()
            .map(|p| {
                if p.fixed {
                    (p.name.clone(), show(p.value, &p.unit), "fixed".to_string())
                } else if let Some(why) = p.undetermined {
                    (
                        p.name.clone(),
                        "undetermined".to_string(),
                        undetermined_text(p, why),
                    )
                } else {
                    let err = stderr_text(p.value, p.stderr, &p.unit);
                    (p.name.clone(), show(p.value, &p.unit), err)
                }
            })
            .collect();
        let w0 = rows
            .iter()
            .map(|r| r.0.chars().count())
            .max()
            .unwrap_or(0)
            .max(9);
        let w1 = rows
            .iter()
            .map(|r| r.1.chars().count())
            .max()
            .unwrap_or(0)
            .max(5);
        let _ = writeln!(out, "  {:w0$}  {:w1$}  std. error", "parameter", "value");
        for (name, value, err) in rows {
            let _ = writeln!(out, "  {name:w0$}  {value:w1$}  {err}");
        }
        let _ = writeln!(
            out,
            "  chi2 {:.4e} (reduced {:.4e}), {} iterations",
            r.chi2, r.reduced_chi2, r.iterations
        );
        for a in &r.arcs {
            if a.undetermined {
                let _ = writeln!(
                    out,
                    "  arc {}: C_eff and f_peak undetermined (they rest on an undetermined parameter)",
                    a.r_name
                );
                continue;
            }
            let _ = writeln!(
                out,
                "  arc {}: C_eff (Eq. 1) {} {}, f_peak {} {}",
                a.r_name,
                show(a.c_eff_f, "F"),
                stderr_text(a.c_eff_f, a.c_eff_stderr, "F"),
                show(a.f_peak_hz, "Hz"),
                stderr_text(a.f_peak_hz, a.f_peak_stderr, "Hz"),
            );
        }
        match kk {
            Some(k) => {
                let verdict = if k.ok {
                    "ok"
                } else {
                    "FAILED (drift or nonlinearity: residuals above 1 %)"
                };
                let _ = writeln!(
                    out,
                    "  Lin-KK: {verdict}, residual rms {} % (M = {})",
                    percent(100.0 * k.rms),
                    k.m
                );
            }
            None => {
                let _ = writeln!(out, "  Lin-KK: not possible (too few points)");
            }
        }
        for w in &r.warnings {
            let _ = writeln!(out, "  warning: {w}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::frequency;

    #[test]
    fn frequencies_in_plain_scientific_and_unit_forms() {
        assert_eq!(frequency("0.02"), Ok(0.02));
        assert_eq!(frequency("1e-2"), Ok(0.01));
        assert_eq!(frequency("2.5E3"), Ok(2500.0));
        assert_eq!(frequency("1e3 Hz"), Ok(1000.0));
        assert!((frequency("20mHz").unwrap() - 0.02).abs() < 1e-15);
        assert_eq!(frequency("10kHz"), Ok(1e4));
        assert!(
            frequency("1e-2 V")
                .unwrap_err()
                .contains("`V` is not a frequency unit")
        );
        assert!(frequency("inf").is_err());
        assert!(
            frequency("-5")
                .unwrap_err()
                .contains("not a positive frequency")
        );
        assert!(frequency("Hz").is_err());
    }
}
