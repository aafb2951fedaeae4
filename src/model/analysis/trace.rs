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
    /// The highest sustained |η| (block medians): the level before any drop.
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
        // The level before the drop is the highest sustained level: the largest median over
        // blocks of up to 31 samples, so a brief overshoot at the start does not count. It
        // must not depend on the step's length (a 66 h step ruptures at about 1 h too).
        let block = (samples.len() / 20).clamp(5, 31);
        let initial_level = samples
            .chunks(block)
            .filter(|c| c.len() * 2 >= block)
            .map(|c| median(c.iter().map(|s| s.1).collect()))
            .fold(f64::NEG_INFINITY, f64::max);
        // A running median of 5 keeps single noisy samples from faking a crossing.
        let smooth: Vec<f64> = (0..samples.len())
            .map(|i| {
                let lo = i.saturating_sub(2);
                let hi = (i + 3).min(samples.len());
                median(samples[lo..hi].iter().map(|s| s.1).collect())
            })
            .collect();
        let mut activation = None;
        if initial_level >= MIN_DROP_RATIO * final_level {
            // The geometric midpoint: a drop is a ratio, and an overshoot above the plateau
            // moves it less than the arithmetic one.
            let mid = (initial_level * final_level).sqrt();
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

#[cfg(test)]
mod tests {
    use super::*;

    /// |η| of a stripping step: a start overshoot, a plateau, a drop at `t_act_s`.
    fn stripping(duration_s: f64, t_act_s: f64) -> Vec<(f64, f64)> {
        (0..=(duration_s / 10.0) as usize)
            .map(|k| {
                let t = k as f64 * 10.0;
                let overshoot = 0.4 * (-t / 30.0).exp();
                let eta = if t < t_act_s {
                    0.5
                } else {
                    0.09 + 0.41 * (-(t - t_act_s) / 60.0).exp()
                };
                // ±1 mV of deterministic "noise".
                (
                    1000.0 + t,
                    eta + overshoot + 1e-3 * ((k * 7919) % 13) as f64 / 6.0 - 1e-3,
                )
            })
            .collect()
    }

    #[test]
    fn activation_in_a_long_step_is_found_at_the_drop() {
        // A 66 h step at 0.3 mA/cm² ruptures at 0.86 h: the first tenth of the step (6.6 h)
        // is mostly after the drop, which must not hide it.
        let shape = Shape::of(&stripping(66.0 * 3600.0, 0.86 * 3600.0));
        let t = shape.activation.unwrap() - shape.t0;
        // The geometric midpoint √(0.5·0.09) = 0.212 V is crossed 60 s·ln(0.41/0.122) = 73 s
        // after the rupture.
        assert!((t - (0.86 * 3600.0 + 73.0)).abs() < 20.0, "{t}");
        assert!((shape.initial_level - 0.5).abs() < 0.01);
        assert!((shape.final_level - 0.09).abs() < 0.002);
    }

    #[test]
    fn a_flat_trace_has_no_activation() {
        let flat: Vec<(f64, f64)> = (0..1000).map(|k| (k as f64 * 10.0, 0.55)).collect();
        let shape = Shape::of(&flat);
        assert!(shape.activation.is_none());
        assert!(shape.no_drop().contains("550 mV"));
    }
}
