//! Which plan step a request belongs to, for the `step=N` of script headers.
//!
//! The [`crate::instrument::Instrument`] requests do not carry step indices, so the driver
//! follows the plan: a request belongs to the first step at or after the current one that acts
//! on the same cell and does the same thing (same sweep, same hold, same addition). A rest
//! step stays current while its requests fit in its duration on the instrument clock (the
//! interpreter fills a rest with open-circuit stretches and sweeps up to its planned end). A
//! caller that knows better (a resumed run) says so with [`StepTracker::begin`].

use crate::plan::{Action, Addition, EisSweep, Galvanostatic, Plan, Potentiostatic, Voltammetry};

/// What a request does, for matching against steps.
#[derive(Debug, Clone, Copy)]
pub enum Request<'a> {
    Rest { duration_s: f64 },
    Eis(&'a EisSweep),
    Galvanostatic(&'a Galvanostatic),
    Voltammetry(&'a Voltammetry),
    Potentiostatic(&'a Potentiostatic),
    Addition(&'a Addition),
    Prompt(&'a str),
}

#[derive(Debug, Clone, Default)]
pub struct StepTracker {
    cursor: Option<usize>,
    /// Instrument time of the current step's first request; `None`: not begun.
    began_s: Option<f64>,
}

impl StepTracker {
    /// The next request starts with step `index`.
    pub fn begin(&mut self, index: usize) {
        self.cursor = Some(index);
        self.began_s = None;
    }

    /// Finds the step of a request on `cell` made at instrument time `now_s`; `None` when no
    /// step matches. `slack_s` absorbs clock jitter when deciding whether a request still
    /// fits in the current rest.
    pub fn locate(
        &mut self,
        plan: &Plan,
        cell: &str,
        request: Request<'_>,
        now_s: f64,
        slack_s: f64,
    ) -> Option<usize> {
        let duration = match request {
            Request::Rest { duration_s } => duration_s,
            Request::Eis(sweep) => sweep.duration_s,
            _ => 0.0,
        };
        if let Some(current) = self.cursor.and_then(|i| plan.steps.get(i)) {
            let fits = |began: f64| {
                now_s - began + duration <= current.duration_s * (1.0 + 1e-3) + slack_s
            };
            let fresh = self.began_s.is_none();
            let continues =
                matches!(current.action, Action::Rest(_)) && self.began_s.is_some_and(fits);
            if current.cell == cell && (fresh || continues) && matches(&current.action, request) {
                self.began_s.get_or_insert(now_s);
                return Some(current.index);
            }
        }
        let start = match self.cursor {
            Some(i) if self.began_s.is_none() => i,
            Some(i) => i + 1,
            None => 0,
        };
        let start = start.min(plan.steps.len());
        let found = plan.steps[start..]
            .iter()
            .chain(plan.steps[..start].iter())
            .find(|s| s.cell == cell && matches(&s.action, request))?;
        self.cursor = Some(found.index);
        self.began_s = Some(now_s);
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
        (Action::Voltammetry(a), Request::Voltammetry(b)) => a == b,
        (Action::Potentiostatic(a), Request::Potentiostatic(b)) => a == b,
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
        let mut locate = |request, now: f64| tracker.locate(&plan, "sym", request, now, 0.1);
        assert_eq!(locate(Request::Rest { duration_s: 60.0 }, 0.0), Some(0));
        assert_eq!(locate(Request::Eis(sweep), 60.0), Some(1));
        let after_eis = 60.0 + sweep.duration_s;
        assert_eq!(locate(Request::Galvanostatic(g), after_eis), Some(2));
        let wash = Request::Prompt("wash the electrode with DOL");
        assert_eq!(locate(wash, after_eis + 120.0), Some(3));
        let mut now = after_eis + 120.0;
        for segment in rest_segments(plan.steps[4].duration_s, rest4) {
            let (request, took) = match segment {
                RestSegment::OpenCircuit { duration_s } => {
                    (Request::Rest { duration_s }, duration_s)
                }
                RestSegment::Sweep => (Request::Eis(sweep), sweep.duration_s),
            };
            assert_eq!(locate(request, now), Some(4));
            now += took;
        }
        // A rest after the step's end is not part of it: no later step matches, so the
        // search wraps to the first rest.
        assert_eq!(locate(Request::Rest { duration_s: 10.0 }, now), Some(0));
        // A sweep that is in no step.
        assert_eq!(
            tracker.locate(&plan, "other", Request::Eis(sweep), now, 0.1),
            None
        );
    }

    #[test]
    fn begin_overrides_for_a_resumed_run() {
        let plan = fixture::demo_plan();
        let Action::Eis(sweep) = &plan.steps[1].action else {
            panic!()
        };
        let mut tracker = StepTracker::default();
        tracker.begin(4);
        assert_eq!(
            tracker.locate(&plan, "sym", Request::Eis(sweep), 0.0, 0.1),
            Some(4)
        );
    }
}
