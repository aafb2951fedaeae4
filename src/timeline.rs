//! Channels and the timeline: which cells run at the same time, computed from the [`Plan`].
//!
//! A lab runs cells in parallel, one per potentiostat channel. By default every cell that has
//! steps gets its own channel and starts at t = 0; cells put on the same channel (the same
//! instrument) run one after another, in the plan's order. The plan itself stays the
//! one-by-one schedule (its `start_s`); this layer lays each channel's steps end to end from
//! t = 0, gives the wall time, and finds operator steps (additions, prompts) that fall at the
//! same time on different channels: one operator cannot do both.

use crate::plan::{Action, Analysis, Plan, Step};
use serde::{Deserialize, Serialize};

/// Two operator steps closer than this on different channels collide: an addition takes the
/// operator about a minute.
pub const OPERATOR_WINDOW_S: f64 = 60.0;

/// One channel: a name and the cells it measures, in plan order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    pub name: String,
    pub cells: Vec<String>,
}

/// The cells that have steps, in the order of their first step.
pub fn measured_cells(steps: &[Step]) -> Vec<String> {
    let mut cells: Vec<String> = Vec::new();
    for step in steps {
        if !cells.contains(&step.cell) {
            cells.push(step.cell.clone());
        }
    }
    cells
}

/// Every measured cell on its own channel, named after the cell (the default).
pub fn one_channel_per_cell(steps: &[Step]) -> Vec<Channel> {
    measured_cells(steps)
        .into_iter()
        .map(|cell| Channel {
            name: cell.clone(),
            cells: vec![cell],
        })
        .collect()
}

/// Groups cells by a key (an instrument's port): cells with the same key share a channel.
/// Cells are in the order of their first step; a channel of several cells is named by its
/// cells joined with `+`.
pub fn group_cells(steps: &[Step], key_of: impl Fn(&str) -> String) -> Vec<Channel> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for cell in measured_cells(steps) {
        let key = key_of(&cell);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, cells)) => cells.push(cell),
            None => groups.push((key, vec![cell])),
        }
    }
    groups
        .into_iter()
        .map(|(_, cells)| Channel {
            name: cells.join("+"),
            cells,
        })
        .collect()
}

/// A step placed on its channel's time axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Slot {
    /// Index of the step in `Plan::steps`.
    pub step: usize,
    pub cell: String,
    pub kind: String,
    pub label: Option<String>,
    pub start_s: f64,
    pub duration_s: f64,
    /// An operator performs it (addition, prompt).
    pub operator: bool,
    pub line: usize,
}

impl Slot {
    pub fn end_s(&self) -> f64 {
        self.start_s + self.duration_s
    }
}

/// One channel's steps, end to end from t = 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelTimeline {
    pub name: String,
    pub cells: Vec<String>,
    pub slots: Vec<Slot>,
    pub duration_s: f64,
}

/// Two operator steps at the same time on different channels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Collision {
    pub first: CollidingStep,
    pub second: CollidingStep,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollidingStep {
    pub channel: String,
    pub step: usize,
    pub kind: String,
    pub start_s: f64,
    pub line: usize,
}

/// The whole schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    pub channels: Vec<ChannelTimeline>,
    /// From the first start to the last end over all channels.
    pub wall_s: f64,
    /// The same steps one after another (the plan's `total_duration_s`).
    pub one_by_one_s: f64,
    pub collisions: Vec<Collision>,
}

fn is_operator(action: &Action) -> bool {
    matches!(action, Action::Addition(_) | Action::Prompt { .. })
}

/// Lays out `steps` on `channels`. A step whose cell is on no channel is left out (callers
/// build the channels from the same steps).
pub fn schedule(steps: &[Step], channels: &[Channel]) -> Timeline {
    let mut lanes: Vec<ChannelTimeline> = channels
        .iter()
        .map(|c| ChannelTimeline {
            name: c.name.clone(),
            cells: c.cells.clone(),
            slots: Vec::new(),
            duration_s: 0.0,
        })
        .collect();
    for step in steps {
        let Some(lane) = lanes.iter_mut().find(|l| l.cells.contains(&step.cell)) else {
            continue;
        };
        lane.slots.push(Slot {
            step: step.index,
            cell: step.cell.clone(),
            kind: step.action.kind().to_string(),
            label: step.label.clone(),
            start_s: lane.duration_s,
            duration_s: step.duration_s,
            operator: is_operator(&step.action),
            line: step.span.line,
        });
        lane.duration_s += step.duration_s;
    }
    let wall_s = lanes.iter().map(|l| l.duration_s).fold(0.0, f64::max);
    let one_by_one_s = steps.iter().map(|s| s.duration_s).sum();
    let collisions = collisions(&lanes);
    Timeline {
        channels: lanes,
        wall_s,
        one_by_one_s,
        collisions,
    }
}

/// The plan on its default channels (one per cell).
pub fn default_timeline(plan: &Plan) -> Timeline {
    schedule(&plan.steps, &one_channel_per_cell(&plan.steps))
}

fn collisions(lanes: &[ChannelTimeline]) -> Vec<Collision> {
    let mut operator: Vec<(&ChannelTimeline, &Slot)> = lanes
        .iter()
        .flat_map(|l| l.slots.iter().filter(|s| s.operator).map(move |s| (l, s)))
        .collect();
    operator.sort_by(|(_, a), (_, b)| a.start_s.total_cmp(&b.start_s).then(a.step.cmp(&b.step)));
    let mut found = Vec::new();
    for (i, (lane_a, a)) in operator.iter().enumerate() {
        for (lane_b, b) in &operator[i + 1..] {
            if lane_a.name == lane_b.name {
                continue;
            }
            let (end_a, end_b) = (
                a.start_s + a.duration_s.max(OPERATOR_WINDOW_S),
                b.start_s + b.duration_s.max(OPERATOR_WINDOW_S),
            );
            if a.start_s < end_b && b.start_s < end_a {
                let side = |lane: &ChannelTimeline, s: &Slot| CollidingStep {
                    channel: lane.name.clone(),
                    step: s.step,
                    kind: s.kind.clone(),
                    start_s: s.start_s,
                    line: s.line,
                };
                found.push(Collision {
                    first: side(lane_a, a),
                    second: side(lane_b, b),
                });
            }
        }
    }
    found
}

/// The plan one channel executes: its cells and steps, renumbered from 0 and timed from
/// t = 0, without the analysis (the run as a whole is analysed). `steps` of the timeline
/// maps the channel's step n back to the plan's step index.
pub fn channel_plan(plan: &Plan, lane: &ChannelTimeline) -> Plan {
    let steps: Vec<Step> = lane
        .slots
        .iter()
        .enumerate()
        .filter_map(|(n, slot)| {
            let mut step = plan.steps.get(slot.step)?.clone();
            step.index = n;
            step.start_s = slot.start_s;
            Some(step)
        })
        .collect();
    let mut sub = plan.clone();
    sub.cells.retain(|c| lane.cells.contains(&c.name));
    sub.steps = steps;
    sub.analysis = Analysis::default();
    sub.total_duration_s = lane.duration_s;
    if let Some(title) = &plan.meta.title {
        sub.meta.title = Some(format!("{title} — channel {}", lane.name));
    }
    sub
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Rest, Step};
    use crate::source::Span;

    fn step(index: usize, cell: &str, duration_s: f64, action: Action) -> Step {
        Step {
            index,
            cell: cell.into(),
            start_s: 0.0,
            duration_s,
            label: None,
            cycles: Vec::new(),
            temperature_c: None,
            span: Span::default(),
            action,
        }
    }

    fn rest() -> Action {
        Action::Rest(Rest {
            sample_interval_s: Some(10.0),
            eis: None,
        })
    }

    fn prompt() -> Action {
        Action::Prompt {
            message: "add".into(),
        }
    }

    #[test]
    fn cells_start_together_and_shared_channels_run_in_order() {
        let steps = vec![
            step(0, "a", 100.0, rest()),
            step(1, "b", 50.0, rest()),
            step(2, "a", 20.0, rest()),
            step(3, "c", 10.0, rest()),
        ];
        let t = schedule(&steps, &one_channel_per_cell(&steps));
        assert_eq!(t.channels.len(), 3);
        assert_eq!(t.wall_s, 120.0);
        assert_eq!(t.one_by_one_s, 180.0);
        assert_eq!(t.channels[0].slots[1].start_s, 100.0);
        assert_eq!(t.channels[1].slots[0].start_s, 0.0);

        let shared = group_cells(&steps, |c| if c == "c" { "x".into() } else { "p".into() });
        assert_eq!(shared[0].name, "a+b");
        let t = schedule(&steps, &shared);
        assert_eq!(t.wall_s, 170.0);
        assert_eq!(t.channels[0].slots[2].start_s, 150.0);
    }

    #[test]
    fn operator_steps_at_the_same_minute_collide_across_channels_only() {
        let steps = vec![
            step(0, "a", 100.0, rest()),
            step(1, "a", 0.0, prompt()),
            step(2, "b", 130.0, rest()),
            step(3, "b", 0.0, prompt()),
            step(4, "c", 100.0, rest()),
            step(5, "c", 0.0, prompt()),
            step(6, "a", 30.0, rest()),
            step(7, "a", 0.0, prompt()),
        ];
        let t = schedule(&steps, &one_channel_per_cell(&steps));
        // In time order a@100, c@100, b@130, a@130: all within a minute, but the two on `a`
        // share a channel.
        let pairs: Vec<(usize, usize)> = t
            .collisions
            .iter()
            .map(|c| (c.first.step, c.second.step))
            .collect();
        assert_eq!(pairs, [(1, 5), (1, 3), (5, 3), (5, 7), (3, 7)]);
        let far = vec![
            step(0, "a", 0.0, prompt()),
            step(1, "b", 61.0, rest()),
            step(2, "b", 0.0, prompt()),
        ];
        assert!(
            schedule(&far, &one_channel_per_cell(&far))
                .collisions
                .is_empty()
        );
    }
}
