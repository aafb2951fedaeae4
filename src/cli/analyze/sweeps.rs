//! The per-sweep tracking table of `mgp analyze`: time, R, C and f_peak of each sweep of a
//! fit (areal, per the cell's normalising area), with why a value is missing.

use crate::model::analysis::{FitSeries, SweepFit};
use crate::units::{Dimension, format_duration, format_si};
use std::fmt::Write as _;

/// One row per sweep, columns aligned.
pub fn render(series: &FitSeries) -> String {
    let header = [
        "time".to_string(),
        "R".to_string(),
        "C".to_string(),
        "f_peak".to_string(),
        "note".to_string(),
    ];
    let rows: Vec<[String; 5]> = series.sweeps.iter().map(row).collect();
    let mut widths = [0usize; 4];
    for r in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for r in std::iter::once(&header).chain(&rows) {
        let mut line = String::from("  ");
        for (w, cell) in widths.iter().zip(r.iter()) {
            let _ = write!(line, "{cell:<w$}  ");
        }
        line.push_str(&r[4]);
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

fn row(s: &SweepFit) -> [String; 5] {
    let value = |v: Option<f64>, d: Dimension| v.map_or("-".to_string(), |v| format_si(v, d));
    let mut notes: Vec<String> = Vec::new();
    if let Some(e) = &s.error {
        notes.push(format!("not fitted: {e}"));
    }
    if s.incomplete {
        notes.push(format!(
            "incomplete ({} of {} points), not in statistics",
            s.points,
            s.planned_points.unwrap_or(0)
        ));
    }
    if !s.undetermined.is_empty() {
        notes.push(format!("undetermined: {}", s.undetermined.join(", ")));
    }
    if s.warnings.iter().any(|w| w.contains("extrapolated")) {
        notes.push("R extrapolated".to_string());
    }
    if s.kk_ok == Some(false) {
        notes.push("fails Lin-KK".to_string());
    }
    [
        format_duration(s.t_s),
        value(s.r_ohm_cm2, Dimension::ArealResistance),
        value(s.c_f_per_cm2, Dimension::ArealCapacitance),
        value(s.f_peak_hz, Dimension::Frequency),
        notes.join("; "),
    ]
}
