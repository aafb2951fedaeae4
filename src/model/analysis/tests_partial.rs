//! Runs that stopped early: an incomplete last sweep, expects at times never reached, and
//! values the data do not determine.

use super::tests::{plan, sweeps};
use super::*;
use crate::plan::{Metric, SeriesParam};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const HOUR: f64 = 3600.0;

/// The synthetic 20 h cell killed at 2 h, in the middle of its third sweep (stopped at
/// 250 Hz of 1 MHz → 20 mHz).
fn killed_at_2h() -> Vec<SweepData> {
    let mut all = sweeps(&mut ChaCha8Rng::seed_from_u64(3));
    all.truncate(3);
    let last = &mut all[2];
    let keep = last.frequencies_hz.iter().filter(|&&f| f >= 250.0).count();
    last.frequencies_hz.truncate(keep);
    last.z_ohm.truncate(keep);
    all
}

#[test]
fn an_incomplete_sweep_is_marked_and_left_out_of_statistics() {
    let result = analyze(&plan(), &killed_at_2h(), &[]);
    let series = result.series("rest").unwrap();
    let flags: Vec<bool> = series.sweeps.iter().map(|s| s.incomplete).collect();
    assert_eq!(flags, [false, false, true]);
    assert_eq!(series.sweeps[2].planned_points, Some(78));
    assert_eq!(series.sweeps[2].points, 37);
    let warning = result
        .warnings
        .iter()
        .find(|w| w.contains("incomplete"))
        .expect("a warning names the incomplete sweep");
    assert!(warning.contains("sweep 2 of step 0"), "{warning}");
    // The mean of C uses the two complete sweeps only: 17 µF/cm² (the cut sweep, fitted on
    // high frequencies alone, would pull it anywhere).
    let c = result.quantity("d_mg").unwrap();
    assert!(c.value.is_some(), "{c:?}");
    let r: Vec<f64> = series.sweeps[..2]
        .iter()
        .map(|s| s.r_ohm_cm2.unwrap())
        .collect();
    let stat =
        metric::statistic(crate::plan::SeriesStat::Mean, &[(0.0, r[0]), (HOUR, r[1])]).unwrap();
    let context = metric::Context {
        plan: &plan(),
        fits: &result.fits,
        traces: &[],
        cycles: &[],
    };
    let mean = metric::evaluate(
        &Metric::SeriesStat {
            fit: "rest".into(),
            param: SeriesParam::R,
            stat: crate::plan::SeriesStat::Mean,
            from_s: None,
            to_s: None,
        },
        &context,
        &[],
    )
    .unwrap();
    assert_eq!(mean, stat);
}

#[test]
fn an_expect_at_a_time_never_reached_is_not_measured() {
    let result = analyze(&plan(), &killed_at_2h(), &[]);
    let at_0 = result
        .expects
        .iter()
        .find(|e| e.text == "R at 0 h")
        .unwrap();
    assert!(at_0.pass, "{at_0:?}");
    let at_20 = result
        .expects
        .iter()
        .find(|e| e.text == "R at 20 h")
        .unwrap();
    assert!(at_20.not_measured && !at_20.pass, "{at_20:?}");
    assert_eq!(at_20.display, "not measured");
    assert!(
        at_20
            .reason
            .as_deref()
            .unwrap()
            .contains("within 30 min of 20 h"),
        "{at_20:?}"
    );
    // A failure elsewhere still fails; not-measured expects alone do not.
    let others_fail = result.expects.iter().any(|e| !e.pass && !e.not_measured);
    assert_eq!(result.all_passed(), !others_fail);
    // On the full run the same expect is measured.
    let full = analyze(&plan(), &sweeps(&mut ChaCha8Rng::seed_from_u64(3)), &[]);
    let at_20 = full.expects.iter().find(|e| e.text == "R at 20 h").unwrap();
    assert!(at_20.pass && !at_20.not_measured, "{at_20:?}");
}

#[test]
fn undetermined_values_are_flagged_and_kept_out() {
    // Five points of junk cannot determine R(CPE): the sweep is fitted but gives no R or C.
    let mut all = sweeps(&mut ChaCha8Rng::seed_from_u64(3));
    all.truncate(1);
    let junk = [
        (1e3, 5.0, -1.0),
        (1e2, 3.0, -7.0),
        (10.0, 8.0, -2.0),
        (1.0, 4.0, -9.0),
        (0.1, 6.0, -3.0),
    ];
    all[0].frequencies_hz = junk.iter().map(|p| p.0).collect();
    all[0].z_ohm = junk.iter().map(|p| Complex64::new(p.1, p.2)).collect();
    let result = analyze(&plan(), &all, &[]);
    let s = &result.series("rest").unwrap().sweeps[0];
    assert!(s.undetermined.contains(&"R".to_string()), "{s:?}");
    assert_eq!(s.r_ohm_cm2, None);
    assert_eq!(s.c_f_per_cm2, None);
    assert_eq!(s.f_peak_hz, None);
    let csv = fits_csv(&result);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "undetermined").unwrap();
    assert!(row[col].split(' ').any(|n| n == "R"), "{csv}");
}
