//! Cycling as a result: per-cycle metrics of the galvanostatic steps inside `repeat` blocks.
//!
//! A cycle is one value of [`crate::plan::Step::cycle_number`]; its half-cycles are named by
//! what happens at the working electrode (plate or strip). [`CycleBuilder`] takes samples one
//! at a time and keeps only running sums per half-cycle, so memory does not grow with the
//! number of samples (a 500-cycle run at 1 s has millions).

use crate::plan::{Action, HalfCycle, Plan, Role, StopCondition};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One half-cycle: every galvanostatic step of a cycle that plates (or strips) the working
/// electrode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HalfCycleMetrics {
    pub steps: Vec<usize>,
    pub samples: usize,
    /// From the start of its steps to their last sample, s.
    pub duration_s: f64,
    /// Charge passed, C (∑ |I|·Δt over the samples).
    pub charge_c: f64,
    /// Charge per the cell's normalising area, C/cm².
    pub areal_charge_c_per_cm2: f64,
    /// Time-weighted mean potential (signed), V.
    pub mean_potential_v: f64,
    /// Time-weighted mean |potential|, V.
    pub mean_overpotential_v: f64,
    /// |potential| of the last sample, V.
    pub end_overpotential_v: f64,
    /// A potential cut-off ended a step before its planned maximum duration.
    pub cut_off: bool,
}

/// The metrics of one cycle (`analysis.json` → `cycles`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CycleMetrics {
    pub cycle: usize,
    pub plate: Option<HalfCycleMetrics>,
    pub strip: Option<HalfCycleMetrics>,
    /// Strip charge / plate charge.
    pub coulombic_efficiency: Option<f64>,
    /// |mean potential of the strip − mean potential of the plate|, V.
    pub hysteresis_v: Option<f64>,
}

/// Which half-cycle a step is, with what the sums need.
#[derive(Debug, Clone, Copy)]
struct StepInfo {
    cycle: usize,
    half: HalfCycle,
    start_s: f64,
    area_cm2: f64,
    /// A potential-limited step's planned maximum duration and sampling interval.
    cut_off_by: Option<(f64, f64)>,
}

#[derive(Debug, Default, Clone)]
struct Sums {
    steps: Vec<usize>,
    samples: usize,
    duration_s: f64,
    charge_c: f64,
    areal_charge: f64,
    v_dt: f64,
    abs_v_dt: f64,
    dt: f64,
    last_abs_v: f64,
    cut_off: bool,
}

/// Per-step running state: the time of the previous sample.
#[derive(Debug, Clone, Copy)]
struct Open {
    step: usize,
    prev_t: f64,
}

/// Accumulates samples into per-cycle metrics.
#[derive(Debug)]
pub struct CycleBuilder {
    steps: Vec<Option<StepInfo>>,
    sums: BTreeMap<(usize, HalfCycle), Sums>,
    open: Option<Open>,
}

impl CycleBuilder {
    /// `plan`'s step start times are the ones the samples are measured from (the analysis
    /// sets them from the journal).
    pub fn new(plan: &Plan) -> Self {
        let steps = plan
            .steps
            .iter()
            .map(|step| {
                let Action::Galvanostatic(g) = &step.action else {
                    return None;
                };
                let cycle = step.cycle_number()?;
                let half = if g.plating == Role::Working {
                    HalfCycle::Plate
                } else {
                    HalfCycle::Strip
                };
                let cut_off_by = match g.stop {
                    StopCondition::Potential { max_duration_s, .. } => {
                        Some((max_duration_s, g.sample_interval_s))
                    }
                    _ => None,
                };
                Some(StepInfo {
                    cycle,
                    half,
                    start_s: step.start_s,
                    area_cm2: g.area_cm2,
                    cut_off_by,
                })
            })
            .collect();
        CycleBuilder {
            steps,
            sums: BTreeMap::new(),
            open: None,
        }
    }

    /// True when samples of `step` count towards a cycle.
    pub fn wants(&self, step: usize) -> bool {
        self.steps.get(step).is_some_and(Option::is_some)
    }

    /// One sample of `step` (run time s, potential V, current A), in time order within a step.
    pub fn push(&mut self, step: usize, t_s: f64, potential_v: f64, current_a: f64) {
        let Some(Some(info)) = self.steps.get(step).copied() else {
            return;
        };
        if !(t_s.is_finite() && potential_v.is_finite() && current_a.is_finite()) {
            return;
        }
        let prev_t = match self.open {
            Some(open) if open.step == step => open.prev_t,
            _ => info.start_s.min(t_s),
        };
        self.open = Some(Open { step, prev_t: t_s });
        let dt = (t_s - prev_t).max(0.0);
        let sums = self.sums.entry((info.cycle, info.half)).or_default();
        if sums.steps.last() != Some(&step) {
            sums.steps.push(step);
        }
        sums.samples += 1;
        let charge = current_a.abs() * dt;
        sums.charge_c += charge;
        sums.areal_charge += charge / info.area_cm2;
        sums.v_dt += potential_v * dt;
        sums.abs_v_dt += potential_v.abs() * dt;
        sums.dt += dt;
        sums.last_abs_v = potential_v.abs();
        sums.duration_s += dt;
        if let Some((max_s, interval_s)) = info.cut_off_by {
            sums.cut_off = t_s - info.start_s < max_s - 1.5 * interval_s;
        }
    }

    /// The metrics of every cycle that has samples, in cycle order.
    pub fn finish(self) -> Vec<CycleMetrics> {
        let mut cycles: BTreeMap<usize, CycleMetrics> = BTreeMap::new();
        for ((cycle, half), s) in self.sums {
            let entry = cycles.entry(cycle).or_insert_with(|| CycleMetrics {
                cycle,
                plate: None,
                strip: None,
                coulombic_efficiency: None,
                hysteresis_v: None,
            });
            // A single sample has no duration to weight by: its value is the mean.
            let mean = |sum: f64| if s.dt > 0.0 { sum / s.dt } else { f64::NAN };
            let metrics = HalfCycleMetrics {
                steps: s.steps,
                samples: s.samples,
                duration_s: s.duration_s,
                charge_c: s.charge_c,
                areal_charge_c_per_cm2: s.areal_charge,
                mean_potential_v: if s.dt > 0.0 { mean(s.v_dt) } else { 0.0 },
                mean_overpotential_v: if s.dt > 0.0 {
                    mean(s.abs_v_dt)
                } else {
                    s.last_abs_v
                },
                end_overpotential_v: s.last_abs_v,
                cut_off: s.cut_off,
            };
            match half {
                HalfCycle::Plate => entry.plate = Some(metrics),
                HalfCycle::Strip => entry.strip = Some(metrics),
            }
        }
        cycles
            .into_values()
            .map(|mut c| {
                if let (Some(p), Some(s)) = (&c.plate, &c.strip) {
                    if p.charge_c > 0.0 {
                        c.coulombic_efficiency = Some(s.charge_c / p.charge_c);
                    }
                    c.hysteresis_v = Some((s.mean_potential_v - p.mean_potential_v).abs());
                }
                c
            })
            .collect()
    }
}

impl CycleMetrics {
    /// The value of a per-cycle quantity, canonical units.
    pub fn value(
        &self,
        quantity: crate::plan::CycleQuantity,
        half: Option<HalfCycle>,
    ) -> Option<f64> {
        use crate::plan::CycleQuantity as Q;
        let h = match half {
            Some(HalfCycle::Plate) => self.plate.as_ref(),
            Some(HalfCycle::Strip) => self.strip.as_ref(),
            None => None,
        };
        match quantity {
            Q::CoulombicEfficiency => self.coulombic_efficiency,
            Q::Hysteresis => self.hysteresis_v,
            Q::Capacity => h.map(|h| h.areal_charge_c_per_cm2),
            Q::Overpotential => h.map(|h| h.mean_overpotential_v),
            Q::EndOverpotential => h.map(|h| h.end_overpotential_v),
            Q::Duration => h.map(|h| h.duration_s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check_path;

    #[test]
    fn charges_efficiency_and_hysteresis_from_samples() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/li-li-cycling.mgp");
        let plan = check_path(&path).expect("the example checks").plan;
        let mut b = CycleBuilder::new(&plan);
        let area = std::f64::consts::PI * 0.8 * 0.8;
        let i = 1e-3 * area;
        for step in plan.steps.iter().filter(|s| s.cycle_number().is_some()) {
            let cycle = step.cycle_number().unwrap();
            let plating = step.label.as_deref() == Some("plate");
            // The third strip reaches its cut-off after 30 min.
            let samples = if !plating && cycle == 3 { 30 } else { 60 };
            for k in 1..=samples {
                let t = step.start_s + 60.0 * k as f64;
                let v = if plating { -0.05 } else { 0.07 };
                b.push(step.index, t, v, if plating { -i } else { i });
            }
        }
        let cycles = b.finish();
        assert_eq!(cycles.len(), 20);
        let first = &cycles[0];
        let plate = first.plate.as_ref().unwrap();
        assert!((plate.charge_c - i * 3600.0).abs() < 1e-9);
        assert!((plate.areal_charge_c_per_cm2 - 3.6).abs() < 1e-9);
        assert!((first.coulombic_efficiency.unwrap() - 1.0).abs() < 1e-12);
        assert!((first.hysteresis_v.unwrap() - 0.12).abs() < 1e-12);
        assert!(!first.strip.as_ref().unwrap().cut_off);
        let last = &cycles[2];
        assert_eq!(last.cycle, 3);
        assert!((last.coulombic_efficiency.unwrap() - 0.5).abs() < 1e-12);
        let strip = last.strip.as_ref().unwrap();
        assert!(strip.cut_off);
        assert!((strip.duration_s - 1800.0).abs() < 1e-9);
        assert!((strip.end_overpotential_v - 0.07).abs() < 1e-12);
    }
}
