//! The channels of a plan as text: one ASCII Gantt lane per channel, the wall time against the
//! one-by-one time, and operator steps that collide (used by `mgp plan` and `mgp run`).

use crate::timeline::{Slot, Timeline};
use crate::units::format_duration;
use std::fmt::Write as _;

/// Columns of a lane.
const WIDTH: usize = 60;

fn glyph(slot: &Slot) -> char {
    match slot.kind.as_str() {
        "rest" => '=',
        "eis" => 'e',
        "galvanostatic" => '#',
        _ if slot.operator => '!',
        _ => '~',
    }
}

/// The channels section: nothing for a plan on one channel.
pub fn render(timeline: &Timeline) -> String {
    let mut out = String::new();
    if timeline.channels.len() < 2 || timeline.wall_s <= 0.0 {
        return out;
    }
    let _ = writeln!(
        out,
        "\nchannels: {} at the same time, wall time {} (one by one {})",
        timeline.channels.len(),
        format_duration(timeline.wall_s),
        format_duration(timeline.one_by_one_s)
    );
    let name_width = timeline
        .channels
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0);
    let column_s = timeline.wall_s / WIDTH as f64;
    for lane in &timeline.channels {
        let mut row: Vec<char> = (0..WIDTH)
            .map(|c| {
                let mid = (c as f64 + 0.5) * column_s;
                lane.slots
                    .iter()
                    .find(|s| s.start_s <= mid && mid < s.end_s())
                    .map_or(' ', glyph)
            })
            .collect();
        // Operator steps take no time but must show: they mark their column.
        for slot in lane.slots.iter().filter(|s| s.operator) {
            let c = ((slot.start_s / column_s) as usize).min(WIDTH - 1);
            row[c] = '!';
        }
        let row: String = row.into_iter().collect();
        let _ = writeln!(
            out,
            "  {:name_width$}  |{row}| {}",
            lane.name,
            format_duration(lane.duration_s)
        );
    }
    let middle = format_duration(timeline.wall_s / 2.0);
    let end = format_duration(timeline.wall_s);
    let mut axis = format!("  {:name_width$}   0", "");
    let half = name_width + 5 + WIDTH / 2;
    while axis.chars().count() + middle.chars().count() / 2 < half {
        axis.push(' ');
    }
    axis.push_str(&middle);
    let right = name_width + 5 + WIDTH;
    while axis.chars().count() + end.chars().count() < right {
        axis.push(' ');
    }
    axis.push(' ');
    axis.push_str(&end);
    let _ = writeln!(out, "{axis}");
    let _ = writeln!(
        out,
        "  {:name_width$}  = rest  e eis  # galvanostatic  ~ other  ! operator step",
        ""
    );
    for c in &timeline.collisions {
        let _ = writeln!(
            out,
            "  warning: {} (step {}, line {}) on {} at {} and {} (step {}, line {}) on {} at {}: one operator cannot do both",
            c.first.kind,
            c.first.step,
            c.first.line,
            c.first.channel,
            format_duration(c.first.start_s),
            c.second.kind,
            c.second.step,
            c.second.line,
            c.second.channel,
            format_duration(c.second.start_s),
        );
    }
    out
}
