//! Checks `mgp run` makes on a device run before anything is measured, so that a run that
//! cannot finish fails in its first second rather than hours in.

use crate::plan::{Action, Plan};
use crate::source::SourceFile;

/// A `--non-interactive` run whose plan needs an operator.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{what} needs an operator, but the run is --non-interactive")]
#[diagnostic(
    code(mgp::run::operator_needed),
    help(
        "run without --non-interactive and stay at the instrument, or add --confirm-all if \
         these steps are done by other means (an automated addition, a multi-channel setup)"
    )
)]
pub struct OperatorNeeded {
    pub what: String,
    #[source_code]
    pub source_code: Option<miette::NamedSource<String>>,
    #[label("needs an operator")]
    pub at: Option<miette::SourceSpan>,
}

/// The first of `plan`'s steps from `from_step` on that needs a person (an addition or a
/// prompt), as a diagnostic pointing at it.
pub fn operator_steps(
    plan: &Plan,
    from_step: usize,
    source: Option<&SourceFile>,
) -> Result<(), OperatorNeeded> {
    let needy: Vec<_> = plan
        .steps
        .iter()
        .skip(from_step)
        .filter(|s| matches!(s.action, Action::Addition(_) | Action::Prompt { .. }))
        .collect();
    let Some(first) = needy.first() else {
        return Ok(());
    };
    let more = match needy.len() {
        1 => String::new(),
        n => format!(" (and {} more step(s))", n - 1),
    };
    let (source_code, at) = match source {
        Some(source) if first.span.end <= source.text.len() && first.span.end > 0 => {
            (Some(source.named_source()), Some(first.span.into()))
        }
        _ => (None, None),
    };
    Err(OperatorNeeded {
        what: format!(
            "step {} ({} on cell {}, line {}){more}",
            first.index,
            first.action.kind(),
            first.cell,
            first.span.line
        ),
        source_code,
        at,
    })
}

/// A `--non-interactive` run on a device with fewer channels than the plan has cells: the
/// operator must reconnect cells between steps.
pub fn reconnects_needed(cells: usize, channels: u32, device: &str) -> OperatorNeeded {
    OperatorNeeded {
        what: format!(
            "reconnecting {cells} cells to the {device}'s {channels} channel(s) between steps"
        ),
        source_code: None,
        at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_with_an_addition_needs_an_operator_from_its_step_on() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("protocols/mg-operando-li2s8.mgp");
        let checked = crate::check::check_path(&path).unwrap();
        let plan = &checked.plan;
        let addition = plan
            .steps
            .iter()
            .position(|s| matches!(s.action, Action::Addition(_)))
            .expect("the protocol has an addition");
        let error = operator_steps(plan, 0, checked.sources.first()).unwrap_err();
        assert!(error.what.contains("addition"), "{}", error.what);
        assert!(error.at.is_some());
        // A resumed run past the addition needs nobody.
        assert!(operator_steps(plan, addition + 1, None).is_ok());
    }
}
