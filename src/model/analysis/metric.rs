//! Evaluating the analyze block's metrics (series values and statistics, trace readings,
//! and the model relations applied to them), and showing values in the unit written.

use super::{FitSeries, SweepFit, TraceData, trace};
use crate::model::{corrosion, film, trend};
use crate::plan::{Check, Metric, Plan, SeriesParam, SeriesStat};
use crate::units::{Dimension, Quantity, lookup, trim_number};

pub struct Context<'a> {
    pub plan: &'a Plan,
    pub fits: &'a [FitSeries],
    pub traces: &'a [TraceData],
    pub cycles: &'a [super::CycleMetrics],
}

type Named = [(String, Result<f64, NoValue>)];

/// Why a metric has no value.
#[derive(Debug, Clone, PartialEq)]
pub enum NoValue {
    /// Nothing was measured where the metric looks (a run stopped before 20 h): an expect on
    /// it is not evaluated rather than failed.
    NotMeasured(String),
    /// The data were there but gave no value (failed fits, bad input, no such fit).
    Failed(String),
}

impl NoValue {
    pub fn not_measured(&self) -> bool {
        matches!(self, NoValue::NotMeasured(_))
    }

    /// The same kind, with more context.
    fn map(self, f: impl FnOnce(String) -> String) -> NoValue {
        match self {
            NoValue::NotMeasured(m) => NoValue::NotMeasured(f(m)),
            NoValue::Failed(m) => NoValue::Failed(f(m)),
        }
    }
}

impl From<String> for NoValue {
    fn from(message: String) -> Self {
        NoValue::Failed(message)
    }
}

impl std::fmt::Display for NoValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoValue::NotMeasured(m) => write!(f, "not measured: {m}"),
            NoValue::Failed(m) => f.write_str(m),
        }
    }
}

/// The value of a metric in canonical units, or why there is none.
pub fn evaluate(metric: &Metric, cx: &Context, named: &Named) -> Result<f64, NoValue> {
    match metric {
        Metric::SeriesAt { fit, param, at_s } => {
            let points = series_points(cx, fit, *param)?;
            let nearest = points
                .iter()
                .min_by(|a, b| (a.0 - at_s).abs().total_cmp(&(b.0 - at_s).abs()))
                .ok_or_else(|| format!("no sweep of `{fit}` was fitted"))?;
            // A sweep hours away is not "at" the time asked (a run killed at 2 h has no 20 h
            // value); the slack absorbs start delays up to half the repeat interval.
            let tolerance = cx
                .fits
                .iter()
                .find(|f| f.name == *fit)
                .map_or(0.0, |f| f.at_tolerance_s);
            if (nearest.0 - at_s).abs() > tolerance * (1.0 + 1e-9) + 1.0 {
                return Err(NoValue::NotMeasured(format!(
                    "`{fit}` has no complete sweep within {} of {} (nearest at {})",
                    crate::units::format_duration(tolerance),
                    crate::units::format_duration(*at_s),
                    crate::units::format_duration(nearest.0)
                )));
            }
            Ok(nearest.1)
        }
        Metric::SeriesStat {
            fit,
            param,
            stat,
            from_s,
            to_s,
        } => {
            let points: Vec<(f64, f64)> = series_points(cx, fit, *param)?
                .into_iter()
                .filter(|p| from_s.is_none_or(|a| p.0 >= a) && to_s.is_none_or(|b| p.0 <= b))
                .collect();
            statistic(*stat, &points).map_err(|e| -> NoValue {
                let window = match (from_s, to_s) {
                    (None, None) => String::new(),
                    _ => format!(
                        " between {} and {}",
                        crate::units::format_duration(from_s.unwrap_or(0.0)),
                        to_s.map_or("the end".to_string(), crate::units::format_duration)
                    ),
                };
                format!("`{fit}`{window}: {e}").into()
            })
        }
        Metric::Trace { step, metric } => Ok(trace::metric(cx.plan, cx.traces, *step, *metric)?),
        Metric::Cycle {
            quantity,
            half,
            stat,
            from_cycle,
            to_cycle,
        } => {
            let word = quantity.keyword();
            let points: Vec<(f64, f64)> = cx
                .cycles
                .iter()
                .filter(|c| {
                    from_cycle.is_none_or(|a| c.cycle >= a) && to_cycle.is_none_or(|b| c.cycle <= b)
                })
                .filter_map(|c| c.value(*quantity, *half).map(|v| (c.cycle as f64, v)))
                .filter(|p| p.1.is_finite())
                .collect();
            match stat {
                None => {
                    let at = from_cycle.unwrap_or(1);
                    points.first().map(|p| p.1).ok_or_else(|| {
                        NoValue::NotMeasured(format!(
                            "cycle {at} has no `{word}` (not run, or one half missing)"
                        ))
                    })
                }
                Some(stat) => {
                    let range = match (from_cycle, to_cycle) {
                        (Some(a), Some(b)) => format!("cycles {a} to {b}"),
                        _ => "the cycles".to_string(),
                    };
                    if points.is_empty() {
                        return Err(NoValue::NotMeasured(format!("{range} have no `{word}`")));
                    }
                    // A range only partly run is not judged on the cycles that exist.
                    if let (Some(a), Some(b)) = (from_cycle, to_cycle)
                        && points.len() < b + 1 - a
                    {
                        return Err(NoValue::NotMeasured(format!(
                            "only {} of {range} have a `{word}`",
                            points.len()
                        )));
                    }
                    statistic(*stat, &points)
                        .map_err(|e| NoValue::Failed(format!("`{word}` over {range}: {e}")))
                }
            }
        }
        Metric::Thickness { capacitance, eps_r } => {
            let c = positive(evaluate(capacitance, cx, named)?, "capacitance")?;
            Ok(film::thickness_from_capacitance(c, *eps_r))
        }
        Metric::Permittivity {
            capacitance,
            thickness_m,
        } => {
            let c = evaluate(capacitance, cx, named)?;
            Ok(film::permittivity_from_thickness(c, *thickness_m))
        }
        Metric::CorrosionCurrent {
            thickness_m,
            porosity,
            duration_s,
        } => {
            positive(*duration_s, "duration")?;
            Ok(corrosion::corrosion_current_density(
                *thickness_m,
                *porosity,
                *duration_s,
            ))
        }
        Metric::Ratio {
            numerator,
            denominator,
        } => {
            let a = evaluate(numerator, cx, named)?;
            let b = evaluate(denominator, cx, named)?;
            if b == 0.0 {
                return Err("the denominator is zero".to_string().into());
            }
            Ok(trend::ratio(a, b))
        }
        Metric::Difference {
            minuend,
            subtrahend,
        } => Ok(evaluate(minuend, cx, named)? - evaluate(subtrahend, cx, named)?),
        Metric::Named { name } => match named.iter().rev().find(|(n, _)| n == name) {
            Some((_, Ok(v))) => Ok(*v),
            Some((_, Err(e))) => Err(e.clone().map(|m| format!("`{name}` is not available: {m}"))),
            None => Err(format!("no quantity `{name}` is defined before this point").into()),
        },
    }
}

fn positive(v: f64, what: &str) -> Result<f64, String> {
    if v > 0.0 && v.is_finite() {
        Ok(v)
    } else {
        Err(format!("the {what} is {v}, not positive"))
    }
}

/// (t_s, value) of every successfully fitted sweep of a series, in time order.
fn series_points(cx: &Context, fit: &str, param: SeriesParam) -> Result<Vec<(f64, f64)>, String> {
    let series = cx
        .fits
        .iter()
        .find(|f| f.name == fit)
        .ok_or_else(|| format!("no fit named `{fit}`"))?;
    if series.sweeps.is_empty() {
        return Err(format!("fit `{fit}` has no sweeps"));
    }
    let value = |s: &SweepFit| match param {
        SeriesParam::R => s.r_ohm_cm2,
        SeriesParam::C => s.c_f_per_cm2,
        SeriesParam::FPeak => s.f_peak_hz,
        SeriesParam::FPeakTimesR => s.f_peak_r_hz_ohm_cm2,
        SeriesParam::Re => s.re_ohm_cm2,
        SeriesParam::P => s.p,
    };
    // Incomplete sweeps (the run stopped mid-sweep) are left out: their fit sees only the
    // high frequencies.
    let points: Vec<(f64, f64)> = series
        .sweeps
        .iter()
        .filter(|s| s.ok && !s.incomplete)
        .filter_map(|s| value(s).map(|v| (s.t_s, v)))
        .collect();
    if points.is_empty() {
        let complete = || series.sweeps.iter().filter(|s| s.ok && !s.incomplete);
        let reason = if let Some(e) = series.sweeps.iter().find_map(|s| s.error.clone()) {
            e
        } else if complete().next().is_none() {
            "every fitted sweep is incomplete".to_string()
        } else if complete().any(|s| !s.undetermined.is_empty()) {
            "the data do not determine it".to_string()
        } else {
            "the circuit has no such value".to_string()
        };
        return Err(format!("no sweep of `{fit}` gave a value ({reason})"));
    }
    Ok(points)
}

/// A statistic of (t, v) points in time order.
pub fn statistic(stat: SeriesStat, points: &[(f64, f64)]) -> Result<f64, String> {
    let needed = match stat {
        SeriesStat::Min | SeriesStat::Max | SeriesStat::Mean => 1,
        _ => 2,
    };
    if points.len() < needed {
        return Err(format!(
            "{} sweep(s) in the window, {needed} needed",
            points.len()
        ));
    }
    let t: Vec<f64> = points.iter().map(|p| p.0).collect();
    let v: Vec<f64> = points.iter().map(|p| p.1).collect();
    let first = v[0];
    let last = v[v.len() - 1];
    Ok(match stat {
        SeriesStat::Min => v.iter().copied().fold(f64::INFINITY, f64::min),
        SeriesStat::Max => v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        SeriesStat::Mean => v.iter().sum::<f64>() / v.len() as f64,
        SeriesStat::Spread => trend::spread(&v),
        SeriesStat::LinearR2 => trend::linear_fit(&t, &v).r2,
        SeriesStat::Slope => trend::linear_fit(&t, &v).slope,
        SeriesStat::Drift => trend::drift(first, last),
        SeriesStat::LastThirdFraction => {
            let (t0, t1) = (t[0], t[t.len() - 1]);
            let total = last - first;
            if total == 0.0 {
                return Err("the value does not change over the window".to_string());
            }
            (last - interpolate(points, t0 + 2.0 / 3.0 * (t1 - t0))) / total
        }
    })
}

/// Linear interpolation of (t, v) points at time `at` (inside their range).
fn interpolate(points: &[(f64, f64)], at: f64) -> f64 {
    let k = points.partition_point(|p| p.0 < at);
    if k == 0 {
        return points[0].1;
    }
    if k >= points.len() {
        return points[points.len() - 1].1;
    }
    let (a, b) = (points[k - 1], points[k]);
    if b.0 == a.0 {
        b.1
    } else {
        a.1 + (b.1 - a.1) * (at - a.0) / (b.0 - a.0)
    }
}

/// A canonical value shown in the unit written in the protocol (`412.3 kOhm cm2`).
pub fn display(value: f64, dimension: Dimension, unit: &str) -> String {
    match Quantity::new(value, dimension).in_unit(unit) {
        Some(v) => format!("{} {unit}", trim_number(v)).trim().to_string(),
        None => match lookup(unit) {
            // A unit of another dimension (e.g. `%` for a plain ratio): use its factor.
            Some(u) if dimension == Dimension::Dimensionless => {
                format!("{} {unit}", trim_number(value / u.factor))
            }
            _ => format!("{} {}", trim_number(value), dimension.canonical_unit())
                .trim()
                .to_string(),
        },
    }
}

/// A check in words, in the protocol's unit.
pub fn check_text(check: &Check, dimension: Dimension, unit: &str) -> String {
    let d = |v: f64| display(v, dimension, unit);
    match *check {
        Check::Within { target, rel_tol } => {
            format!("within {} % of {}", trim_number(rel_tol * 100.0), d(target))
        }
        Check::PlusMinus { target, abs_tol } => format!("{} ± {}", d(target), d(abs_tol)),
        Check::Between { low, high } => format!("between {} and {}", d(low), d(high)),
        Check::Above { bound } => format!("above {}", d(bound)),
        Check::Below { bound } => format!("below {}", d(bound)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_by_hand() {
        let p = [(0.0, 10.0), (1.0, 20.0), (2.0, 25.0), (3.0, 26.0)];
        assert_eq!(statistic(SeriesStat::Min, &p), Ok(10.0));
        assert_eq!(statistic(SeriesStat::Mean, &p), Ok(20.25));
        // Spread (26 − 10)/20.25 = 0.790123.
        assert!((statistic(SeriesStat::Spread, &p).unwrap() - 0.790123).abs() < 1e-6);
        // Drift |26 − 10|/10 = 1.6.
        assert_eq!(statistic(SeriesStat::Drift, &p), Ok(1.6));
        // Last third: window 0–3 s, value at t = 2 is 25; (26 − 25)/(26 − 10) = 0.0625.
        assert_eq!(statistic(SeriesStat::LastThirdFraction, &p), Ok(0.0625));
        assert!(statistic(SeriesStat::Slope, &p[..1]).is_err());
    }

    #[test]
    fn display_in_the_written_unit() {
        assert_eq!(
            display(412_345.0, Dimension::ArealResistance, "kOhm cm2"),
            "412.3 kOhm cm2"
        );
        assert_eq!(
            display(17.2e-6, Dimension::ArealCapacitance, "uF/cm2"),
            "17.2 uF/cm2"
        );
        assert_eq!(display(0.25, Dimension::Dimensionless, "%"), "25 %");
        assert_eq!(display(0.97, Dimension::Dimensionless, ""), "0.97");
        let c = Check::Within {
            target: 400e3,
            rel_tol: 0.15,
        };
        assert_eq!(
            check_text(&c, Dimension::ArealResistance, "kOhm cm2"),
            "within 15 % of 400 kOhm cm2"
        );
    }
}
