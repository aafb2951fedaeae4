//! Robustness: whatever a journal holds (events in any order, steps the plan does not have,
//! extreme or negative numbers, no plan or manifest), the report is written and is one
//! self-contained page with one SVG per plot.

use crate::report_support;

use mgp::instrument::Reading;
use mgp::plan::OnLimit;
use mgp::report::write_report;
use mgp::run::folder::RunFolder;
use mgp::run::journal::{Event, JournalWriter, RunStatus, StepStatus};
use proptest::prelude::*;

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -1e3..1e7f64,
        1 => Just(0.0),
        1 => Just(1e300),
        1 => Just(-1e300),
        1 => Just(1e-300),
    ]
}

fn event() -> impl Strategy<Value = Event> {
    let kind = prop::sample::select(vec!["rest", "eis", "galvanostatic", "addition", "prompt"]);
    let cell = prop::sample::select(vec!["lean", "flooded", "unknown"]);
    prop_oneof![
        1 => (kind, cell).prop_map(|(kind, cell)| Event::StepStarted {
            kind: kind.into(),
            cell: cell.into(),
            planned_start_s: 0.0,
            planned_duration_s: 1.0,
            line: 1,
            cycles: vec![],
            temperature_c: None,
        }),
        1 => (0..3usize).prop_map(|sweep| Event::SweepStarted { sweep }),
        1 => (0..3usize).prop_map(|sweep| Event::SweepEnded { sweep }),
        4 => (number(), number(), number(), number()).prop_map(|(t, f, re, im)| Event::Reading {
            reading: Reading::EisPoint {
                t_s: t,
                frequency_hz: f,
                z_real_ohm: re,
                z_imag_ohm: im,
            }
        }),
        2 => (number(), number(), number()).prop_map(|(t, v, i)| Event::Reading {
            reading: Reading::Galvano {
                t_s: t,
                potential_v: v,
                current_a: i,
            }
        }),
        1 => (number(), number()).prop_map(|(t, v)| Event::Reading {
            reading: Reading::Ocv {
                t_s: t,
                potential_v: v
            }
        }),
        1 => ".{0,20}".prop_map(|m| Event::Reading {
            reading: Reading::Warning {
                t_s: 0.0,
                message: m
            }
        }),
        1 => ".{0,20}".prop_map(|line| Event::Reading {
            reading: Reading::Raw { t_s: 0.0, line }
        }),
        1 => number().prop_map(|v| Event::LimitReached {
            potential_v: v,
            max_abs_v: 1.0,
            on_limit: OnLimit::EndStep,
        }),
        1 => "<.{0,20}>".prop_map(|message| Event::Error { message }),
        1 => prop::sample::select(vec![
            StepStatus::Completed,
            StepStatus::Limited,
            StepStatus::Failed,
            StepStatus::Interrupted
        ])
        .prop_map(|status| Event::StepEnded { status }),
        1 => prop::sample::select(vec![RunStatus::Completed, RunStatus::Failed])
            .prop_map(|status| Event::RunEnded {
                status,
                reason: Some("<b>why</b>".into())
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_journal_gives_a_report(
        events in prop::collection::vec((number(), prop::option::of(0..10usize), event()), 0..120),
        with_plan in any::<bool>(),
        with_analysis in any::<bool>(),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let folder = RunFolder::create(tmp.path()).unwrap();
        if with_plan {
            folder.write_json(&folder.plan(), &report_support::plan(with_analysis)).unwrap();
        }
        let mut journal = JournalWriter::create(&folder.journal()).unwrap();
        for (t, step, event) in events {
            journal.write(t, step, event).unwrap();
        }
        if with_plan && with_analysis {
            // Whatever the analysis makes of this journal, the report must show it.
            mgp::run::analyze::analyze_run(tmp.path()).unwrap();
        }
        let summary = write_report(tmp.path()).unwrap();
        let html = std::fs::read_to_string(&summary.report).unwrap();
        prop_assert_eq!(html.matches("<svg").count(), summary.plots.len());
        prop_assert!(!html.contains("<b>why</b>"), "journal text is escaped");
        prop_assert!(!html.contains("<script"));
        for plot in &summary.plots {
            let svg = std::fs::read_to_string(plot).unwrap();
            prop_assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        }
    }
}
