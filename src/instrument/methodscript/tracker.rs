//! Which plan step a request belongs to, for the `step=N` of script headers.
//!
//! The [`crate::instrument::Instrument`] requests do not carry step indices, so the driver
//! follows the plan: a request belongs to the first step at or after the current one that acts
//! on the same cell and does the same thing (same sweep, same hold, same addition). A rest
//! step stays current while its rest and EIS segments have not used up its duration. A caller
//! that knows better (a resumed run) says so with [`StepTracker::begin`].

use crate::plan::{Action, Addition, EisSweep, Galvanostatic, Plan};

/// What a request does, for matching against steps.
#[derive(Debug, Clone, Copy)]
pub enum Request<'a> {
    Rest { duration_s: f64 },
    Eis(&'a EisSweep),
    Galvanostatic(&'a Galvanostatic),
    Addition(&'a Addition),
    Prompt(&'a str),
}

#[derive(Debug, Clone, Default)]
pub struct StepTracker {
    cursor: Option<usize>,
    used_s: f64,
}

impl StepTracker {
    /// The next request starts with step `index`.
    pub fn begin(&mut self, index: usize) {
        self.cursor = Some(index);
        self.used_s = 0.0;
    }

    /// Finds the step of a request on `cell`; `None` when no step matches.
    pub fn locate(&mut self, plan: &Plan, cell: &str, request: Request<'_>) -> Option<usize> {
        let duration = match request {
            Request::Rest { duration_s } => duration_s,
            Request::Eis(sweep) => sweep.duration_s,
            _ => 0.0,
        };
        if let Some(current) = self.cursor.and_then(|i| plan.steps.get(i)) {
            let fresh = self.used_s == 0.0;
            let room = self.used_s + duration <= current.duration_s * (1.0 + 1e-6) + 1e-3;
            let continues = matches!(current.action, Action::Rest(_)) && room;
            if current.cell == cell && (fresh || continues) && matches(&current.action, request) {
                self.used_s += duration;
                return Some(current.index);
            }
        }
        let start = match self.cursor {
            Some(i) if self.used_s == 0.0 => i,
            Some(i) => i + 1,
            None => 0,
        };
        let found = plan.steps[start.min(plan.steps.len())..]
            .iter()
            .chain(plan.steps[..start.min(plan.steps.len())].iter())
            .find(|s| s.cell == cell && matches(&s.action, request))?;
        self.cursor = Some(found.index);
        self.used_s = duration;
        Some(found.index)
    }
}

fn matches(action: &Action, request: Request<'_>) -> bool {
    match (action, request) {
        (Action::Rest(_), Request::Rest { .. }) => true,
        (Action::Rest(rest), Request::Eis(sweep)) => {
            rest.eis.as_ref().is_some_and(|r| r.sweep == *sweep)
        }
        (Action::Eis(a), Request::Eis(b)) => a == b,
        (Action::Galvanostatic(a), Request::Galvanostatic(b)) => a == b,
        (Action::Addition(a), Request::Addition(b)) => a == b,
        (Action::Prompt { message }, Request::Prompt(m)) => message == m,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::methodscript::fixture;
    use crate::instrument::methodscript::script::{RestSegment, rest_segments};

    #[test]
    fn follows_the_demo_plan() {
        let plan = fixture::demo_plan();
        let mut tracker = StepTracker::default();
        let Action::Eis(sweep) = &plan.steps[1].action else {
            panic!()
        };
        let Action::Galvanostatic(g) = &plan.steps[2].action else {
            panic!()
        };
        let Action::Rest(rest4) = &plan.steps[4].action else {
            panic!()
        };
        assert_eq!(
            tracker.locate(&plan, "sym", Request::Rest { duration_s: 60.0 }),
            Some(0)
        );
        assert_eq!(tracker.locate(&plan, "sym", Request::Eis(sweep)), Some(1));
        assert_eq!(
            tracker.locate(&plan, "sym", Request::Galvanostatic(g)),
            Some(2)
        );
        assert_eq!(
            tracker.locate(&plan, "sym", Request::Prompt("wash the electrode with DOL")),
            Some(3)
        );
        for segment in rest_segments(plan.steps[4].duration_s, rest4) {
            let request = match segment {
                RestSegment::OpenCircuit { duration_s } => Request::Rest { duration_s },
                RestSegment::Sweep => Request::Eis(sweep),
            };
            assert_eq!(tracker.locate(&plan, "sym", request), Some(4));
        }
        // A sweep that is in no step.
        assert_eq!(tracker.locate(&plan, "other", Request::Eis(sweep)), None);
    }

    #[test]
    fn begin_overrides_for_a_resumed_run() {
        let plan = fixture::demo_plan();
        let Action::Eis(sweep) = &plan.steps[1].action else {
            panic!()
        };
        let mut tracker = StepTracker::default();
        tracker.begin(4);
        assert_eq!(tracker.locate(&plan, "sym", Request::Eis(sweep)), Some(4));
    }
}
