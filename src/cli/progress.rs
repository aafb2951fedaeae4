//! The progress bar of `mgp run`: the step, the run clock against the planned total, an ETA
//! when the clock is paced. Drawn only on a terminal, and not with --quiet.

use crate::plan::Step;
use crate::run::interpreter::Observer;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Draws the progress bar: step, simulated clock against the planned total, ETA when paced.
pub struct Progress {
    bar: ProgressBar,
    total_s: f64,
    /// An ETA means something only when the clock is paced against the wall clock.
    paced: bool,
}

impl Progress {
    pub fn new(quiet: bool, paced: bool) -> Self {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        if !quiet && std::io::stderr().is_terminal() {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        Progress {
            bar,
            total_s: 0.0,
            paced,
        }
    }

    pub fn start(&mut self, plan: &crate::plan::Plan) {
        self.total_s = plan.total_duration_s;
        self.bar.set_length(plan.total_duration_s.ceil() as u64);
        self.bar.set_style(
            ProgressStyle::with_template(if self.paced {
                "{msg:32} [{bar:30}] {prefix} eta {eta}"
            } else {
                "{msg:32} [{bar:30}] {prefix}"
            })
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for Progress {
    fn step_started(&mut self, step: &Step) {
        self.bar.set_message(format!(
            "step {} {} ({})",
            step.index,
            step.action.kind(),
            step.cell
        ));
    }

    fn clock(&mut self, t_s: f64) {
        self.bar.set_position(t_s.max(0.0) as u64);
        self.bar.set_prefix(format!(
            "{} / {}",
            crate::units::format_duration(t_s),
            crate::units::format_duration(self.total_s)
        ));
    }

    fn warning(&mut self, message: &str) {
        self.bar.suspend(|| eprintln!("warning: {message}"));
    }
}
