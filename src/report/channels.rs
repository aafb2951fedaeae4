//! The report's channels view of a multi-channel run: every channel side by side (a column
//! each: cells, instrument, status, time, steps, data) and one timeline lane per channel with
//! each step drawn where it actually ran, so a channel that stopped early shows it.

use super::html::escape;
use super::load::RunData;
use crate::run::channels::{ChannelsFile, read_channels};
use crate::run::journal::{Event, RunStatus, StepStatus};
use crate::units::format_duration;
use std::fmt::Write as _;

/// One step as it ran on its channel.
struct Ran {
    step: usize,
    kind: String,
    start_s: f64,
    end_s: f64,
    status: Option<StepStatus>,
}

fn ran(data: &RunData, channel: &str) -> Vec<Ran> {
    let mut out: Vec<Ran> = Vec::new();
    for r in data
        .records
        .iter()
        .filter(|r| r.channel.as_deref() == Some(channel))
    {
        let Some(step) = r.step else { continue };
        match &r.event {
            Event::StepStarted { kind, .. } => {
                // A step started again after a resume: the last attempt is drawn.
                out.retain(|s| s.step != step);
                out.push(Ran {
                    step,
                    kind: kind.clone(),
                    start_s: r.t_s,
                    end_s: r.t_s,
                    status: None,
                });
            }
            Event::StepEnded { status } => {
                if let Some(s) = out.iter_mut().rev().find(|s| s.step == step) {
                    s.end_s = r.t_s;
                    s.status = Some(*status);
                }
            }
            _ => {
                if let Some(s) = out.iter_mut().rev().find(|s| s.step == step) {
                    s.end_s = s.end_s.max(r.t_s);
                }
            }
        }
    }
    out
}

fn colour(kind: &str) -> &'static str {
    match kind {
        "rest" => "#7fa7c9",
        "eis" => "#b48ac9",
        "galvanostatic" => "#d9894a",
        "addition" | "prompt" => "#333333",
        _ => "#999999",
    }
}

fn status_word(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Completed => "completed",
        RunStatus::Failed => "failed",
        RunStatus::Interrupted => "interrupted",
        RunStatus::Running => "running (or killed)",
    }
}

/// The lanes: one per channel, steps as bars on a shared time axis.
fn gantt(file: &ChannelsFile, lanes: &[Vec<Ran>]) -> String {
    let end = lanes
        .iter()
        .flatten()
        .map(|s| s.end_s)
        .fold(file.wall_s, f64::max)
        .max(1.0);
    let (label_w, plot_w, lane_h) = (140.0, 600.0, 24.0);
    let height = lane_h * lanes.len() as f64 + 30.0;
    let x = |t: f64| label_w + plot_w * t / end;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" \
         role=\"img\" aria-label=\"channel timeline\" font-family=\"sans-serif\" font-size=\"12\">\n",
        label_w + plot_w + 20.0
    );
    for (n, (entry, steps)) in file.channels.iter().zip(lanes).enumerate() {
        let y = n as f64 * lane_h + 4.0;
        let _ = writeln!(
            svg,
            "<text x=\"4\" y=\"{}\">{}</text>",
            y + 14.0,
            escape(&entry.name)
        );
        for s in steps {
            let width = (x(s.end_s) - x(s.start_s)).max(2.0);
            let stroke = match s.status {
                Some(StepStatus::Failed) => " stroke=\"#c00\" stroke-width=\"2\"",
                Some(StepStatus::Interrupted) | None => " stroke=\"#c00\" stroke-dasharray=\"3,2\"",
                _ => "",
            };
            let _ = writeln!(
                svg,
                "<rect x=\"{:.1}\" y=\"{y}\" width=\"{width:.1}\" height=\"{}\" fill=\"{}\"{stroke}>\
                 <title>step {} {} {}–{}</title></rect>",
                x(s.start_s),
                lane_h - 6.0,
                colour(&s.kind),
                s.step,
                escape(&s.kind),
                format_duration(s.start_s),
                format_duration(s.end_s)
            );
        }
    }
    let axis_y = lanes.len() as f64 * lane_h + 20.0;
    let _ = writeln!(
        svg,
        "<text x=\"{label_w}\" y=\"{axis_y}\">0</text>\
         <text x=\"{}\" y=\"{axis_y}\" text-anchor=\"end\">{}</text></svg>",
        label_w + plot_w,
        format_duration(end)
    );
    svg
}

/// The section's HTML, for a run folder that holds several channels.
pub fn section(data: &RunData) -> Option<String> {
    let file = read_channels(&data.folder.dir).ok()?;
    let lanes: Vec<Vec<Ran>> = file.channels.iter().map(|c| ran(data, &c.name)).collect();
    let mut html = format!(
        "<p>{} channels ran at the same time; the plan's wall time is {} (one after another: {}).</p>\n",
        file.channels.len(),
        format_duration(file.wall_s),
        format_duration(
            data.plan
                .as_ref()
                .map_or(file.wall_s, |p| p.total_duration_s)
        )
    );
    html.push_str("<figure class=\"channels\">\n");
    html.push_str(&gantt(&file, &lanes));
    html.push_str(
        "<figcaption>Each channel's steps where they ran (rest blue, EIS violet, \
         galvanostatic orange, operator steps black; red outline: failed or not finished).</figcaption>\n</figure>\n",
    );
    let head: String = file
        .channels
        .iter()
        .map(|c| format!("<th>{}</th>", escape(&c.name)))
        .collect();
    let row = |name: &str, cells: Vec<String>| -> String {
        let cells: String = cells.into_iter().map(|c| format!("<td>{c}</td>")).collect();
        format!("<tr><th>{}</th>{cells}</tr>\n", escape(name))
    };
    let mut table = format!("<table class=\"channels\">\n<tr><th></th>{head}</tr>\n");
    table.push_str(&row(
        "cells",
        file.channels
            .iter()
            .map(|c| escape(&c.cells.join(", ")))
            .collect(),
    ));
    table.push_str(&row(
        "instrument",
        file.channels
            .iter()
            .map(|c| escape(&c.instrument.kind))
            .collect(),
    ));
    table.push_str(&row(
        "status",
        file.channels
            .iter()
            .map(|c| {
                let mut s = status_word(c.status).to_string();
                if let Some(reason) = &c.reason {
                    s.push_str(": ");
                    s.push_str(reason);
                }
                escape(&s)
            })
            .collect(),
    ));
    table.push_str(&row(
        "run time",
        file.channels
            .iter()
            .map(|c| {
                format!(
                    "{} of {}",
                    format_duration(c.elapsed_s.unwrap_or(0.0)),
                    format_duration(c.planned_duration_s)
                )
            })
            .collect(),
    ));
    table.push_str(&row(
        "steps",
        lanes
            .iter()
            .map(|steps| {
                steps
                    .iter()
                    .map(|s| {
                        escape(&format!(
                            "{} {} ({})",
                            s.step,
                            s.kind,
                            format_duration(s.end_s - s.start_s)
                        ))
                    })
                    .collect::<Vec<_>>()
                    .join("<br>")
            })
            .collect(),
    ));
    let count = |name: &str, kind: &str| -> usize {
        data.records
            .iter()
            .filter(|r| r.channel.as_deref() == Some(name))
            .filter(|r| {
                matches!(
                    (&r.event, kind),
                    (Event::SweepEnded { .. }, "sweeps") | (Event::Reading { .. }, "readings")
                )
            })
            .count()
    };
    for what in ["sweeps", "readings"] {
        table.push_str(&row(
            what,
            file.channels
                .iter()
                .map(|c| count(&c.name, what).to_string())
                .collect(),
        ));
    }
    table.push_str("</table>\n");
    html.push_str(&table);
    Some(html)
}
