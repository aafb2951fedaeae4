//! Reading a galvanostatic trace: the film-rupture (activation) time, the overpotential before
//! and after it, and the stripping resistance.
//!
//! The overpotential is |potential| against the reference (a Mg reference in the paper's
//! three-electrode cell sits at the Mg/Mg²⁺ equilibrium, so its reading is the overpotential
//! plus the uncompensated iR drop). The step's start is its first sample.

use super::TraceData;
use crate::model::resistance::stripping_resistance;
use crate::plan::{Action, Plan, TraceMetric};

/// The drop must divide |η| by at least this to count as an activation.
pub const MIN_DROP_RATIO: f64 = 1.5;

/// Longest stretch at the start of a step that sets the level before activation, s.
pub const INITIAL_WINDOW_S: f64 = 600.0;

/// The value of `metric` for step `step`, in canonical units.
pub fn metric(
    plan: &Plan,
    traces: &[TraceData],
    step: usize,
    metric: TraceMetric,
) -> Result<f64, String> {
    let plan_step = plan
        .steps
        .get(step)
        .ok_or_else(|| format!("step {step} is not in the plan"))?;
    let Action::Galvanostatic(g) = &plan_step.action else {
        return Err(format!(
            "step {step} is a {} step, not galvanostatic",
            plan_step.action.kind()
        ));
    };
    let trace = traces
        .iter()
        .find(|t| t.step == step)
        .ok_or_else(|| format!("no potential trace was recorded for step {step}"))?;
    let mut samples: Vec<(f64, f64)> = trace
        .samples
        .iter()
        .filter(|(t, v, _)| t.is_finite() && v.is_finite())
        .map(|(t, v, _)| (*t, v.abs()))
        .collect();
    samples.sort_by(|a, b| a.0.total_cmp(&b.0));
    if samples.len() < 10 {
        return Err(format!(
            "the trace of step {step} has only {} samples",
            samples.len()
        ));
    }
    let shape = Shape::of(&samples);
    match metric {
        TraceMetric::ActivationTime => shape
            .activation
            .map(|t| t - shape.t0)
            .ok_or_else(|| shape.no_drop()),
        TraceMetric::InitialOverpotential => Ok(shape.initial_mean(&samples)),
        TraceMetric::FinalOverpotential => Ok(shape.final_level),
        TraceMetric::StrippingResistance => {
            if g.current_density_a_per_cm2 == 0.0 {
                return Err(format!("step {step} passes no current"));
            }
            Ok(stripping_resistance(
                shape.final_level,
                g.current_density_a_per_cm2,
            ))
        }
    }
}

/// The features of one trace.
struct Shape {
    t0: f64,
    t_end: f64,
    /// Median |η| at the start (smoothed), before any drop.
    initial_level: f64,
    /// Mean |η| over the last fifth.
    final_level: f64,
    /// Run time of the drop (|η| crossing midway between the levels), if there is one.
    activation: Option<f64>,
}

impl Shape {
    fn of(samples: &[(f64, f64)]) -> Shape {
        let t0 = samples[0].0;
        let t_end = samples[samples.len() - 1].0;
        let last_fifth = t_end - 0.2 * (t_end - t0);
        let tail: Vec<f64> = samples
            .iter()
            .filter(|s| s.0 >= last_fifth)
            .map(|s| s.1)
            .collect();
        let final_level = tail.iter().sum::<f64>() / tail.len() as f64;
        // A running median of 5 keeps single noisy samples from faking a crossing.
        let smooth: Vec<f64> = (0..samples.len())
            .map(|i| {
                let lo = i.saturating_sub(2);
                let hi = (i + 3).min(samples.len());
                median(samples[lo..hi].iter().map(|s| s.1).collect())
            })
            .collect();
        // The level before any drop: the first tenth of the step, but never more than
        // INITIAL_WINDOW_S, because a long step at low current activates well inside its first
        // tenth (an hour into a 67 h step).
        let window = (0.1 * (t_end - t0)).min(INITIAL_WINDOW_S);
        let head = samples
            .iter()
            .take_while(|s| s.0 <= t0 + window)
            .count()
            .max(3)
            .min(samples.len());
        let initial_level = median(smooth[..head].to_vec());
        let mut activation = None;
        if initial_level >= MIN_DROP_RATIO * final_level {
            let mid = 0.5 * (initial_level + final_level);
            // The first fall through the midpoint after |η| has been above it.
            let above = smooth.iter().position(|&v| v >= mid);
            if let Some(start) = above {
                if let Some(k) = (start + 1..smooth.len()).find(|&k| smooth[k] < mid) {
                    let (ta, va) = (samples[k - 1].0, smooth[k - 1]);
                    let (tb, vb) = (samples[k].0, smooth[k]);
                    let frac = if va != vb {
                        (va - mid) / (va - vb)
                    } else {
                        0.0
                    };
                    activation = Some(ta + frac * (tb - ta));
                }
            }
        }
        Shape {
            t0,
            t_end,
            initial_level,
            final_level,
            activation,
        }
    }

    /// Mean |η| between 10 % and 90 % of the time to activation (or over the first fifth of
    /// the step when there is no activation).
    fn initial_mean(&self, samples: &[(f64, f64)]) -> f64 {
        let (a, b) = match self.activation {
            Some(t) => (self.t0 + 0.1 * (t - self.t0), self.t0 + 0.9 * (t - self.t0)),
            None => (self.t0, self.t0 + 0.2 * (self.t_end - self.t0)),
        };
        let inside: Vec<f64> = samples
            .iter()
            .filter(|s| s.0 >= a && s.0 <= b)
            .map(|s| s.1)
            .collect();
        if inside.is_empty() {
            self.initial_level
        } else {
            inside.iter().sum::<f64>() / inside.len() as f64
        }
    }

    fn no_drop(&self) -> String {
        format!(
            "no activation drop: |overpotential| goes from {:.0} mV to {:.0} mV (a drop needs a factor of {MIN_DROP_RATIO})",
            self.initial_level * 1e3,
            self.final_level * 1e3
        )
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}
