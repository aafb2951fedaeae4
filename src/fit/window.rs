//! Choosing the points a fit uses: all, an explicit frequency range, or automatically the
//! high-frequency part of the first visible arc (how the paper fitted with ZView).

use super::error::FitError;
use crate::plan::FitWindow;
use num_complex::Complex64;

/// The fraction of the apex height down to which the high-frequency side is kept.
pub const ARC_EDGE_FRACTION: f64 = 0.05;
/// Points kept on the low-frequency side of the apex.
pub const POINTS_BELOW_APEX: usize = 2;

/// Indices of the points inside `window`, in the data's order.
pub fn select(
    window: &FitWindow,
    frequencies_hz: &[f64],
    z: &[Complex64],
) -> Result<Vec<usize>, FitError> {
    match *window {
        FitWindow::All => Ok((0..frequencies_hz.len()).collect()),
        FitWindow::Range { min_hz, max_hz } => {
            let inside: Vec<usize> = (0..frequencies_hz.len())
                .filter(|&i| frequencies_hz[i] >= min_hz && frequencies_hz[i] <= max_hz)
                .collect();
            if inside.is_empty() {
                let (lo, hi) = span(frequencies_hz);
                return Err(FitError::EmptyWindow {
                    min_hz,
                    max_hz,
                    data_min_hz: lo,
                    data_max_hz: hi,
                    help: format!(
                        "the data span {} to {}",
                        super::error::hz(lo),
                        super::error::hz(hi)
                    ),
                });
            }
            Ok(inside)
        }
        FitWindow::HighFrequencyArc => Ok(high_frequency_arc(frequencies_hz, z)),
    }
}

fn span(f: &[f64]) -> (f64, f64) {
    f.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        })
}

/// The high-frequency part of the first visible arc: find the apex of −Z'' (its global
/// maximum, which may be the last point when the arc is open); keep the contiguous run of
/// higher-frequency points whose −Z'' is at least 5 % of the apex, and 2 points below the
/// apex. With no capacitive point at all, every point is kept.
pub fn high_frequency_arc(frequencies_hz: &[f64], z: &[Complex64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..frequencies_hz.len()).collect();
    // From high to low frequency, whatever order the file used.
    order.sort_by(|&a, &b| frequencies_hz[b].total_cmp(&frequencies_hz[a]));
    let neg_im = |i: usize| -z[i].im;
    let Some(apex) =
        (0..order.len()).max_by(|&a, &b| neg_im(order[a]).total_cmp(&neg_im(order[b])))
    else {
        return Vec::new();
    };
    let height = neg_im(order[apex]);
    if height <= 0.0 || !height.is_finite() {
        return (0..frequencies_hz.len()).collect();
    }
    let mut first = apex;
    while first > 0 && neg_im(order[first - 1]) >= ARC_EDGE_FRACTION * height {
        first -= 1;
    }
    let last = (apex + POINTS_BELOW_APEX).min(order.len() - 1);
    let mut chosen: Vec<usize> = order[first..=last].to_vec();
    chosen.sort_unstable();
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arc_window_runs_from_the_edge_to_two_points_past_the_apex() {
        // −Z'' by descending frequency: 0.01, 1, 4, 9, 10 (apex), 8, 5, 3 → the 0.01 point is
        // below 5 % of the apex, so the window is indices 1..=6.
        let f = [1e5, 1e4, 1e3, 1e2, 10.0, 1.0, 0.1, 0.01];
        let im = [0.01, 1.0, 4.0, 9.0, 10.0, 8.0, 5.0, 3.0];
        let z: Vec<Complex64> = im.iter().map(|&v| Complex64::new(1.0, -v)).collect();
        assert_eq!(high_frequency_arc(&f, &z), vec![1, 2, 3, 4, 5, 6]);
        // The same data listed from low to high frequency selects the same points.
        let fr: Vec<f64> = f.iter().rev().copied().collect();
        let zr: Vec<Complex64> = z.iter().rev().copied().collect();
        assert_eq!(high_frequency_arc(&fr, &zr), vec![1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn open_arc_apex_is_the_last_point() {
        let f = [1e3, 1e2, 10.0, 1.0];
        let z: Vec<Complex64> = [1.0, 2.0, 3.0, 4.0]
            .iter()
            .map(|&v| Complex64::new(1.0, -v))
            .collect();
        assert_eq!(high_frequency_arc(&f, &z), vec![0, 1, 2, 3]);
    }

    #[test]
    fn explicit_range_outside_the_data_is_an_error() {
        let f = [1e3, 1e2];
        let z = [Complex64::new(1.0, -1.0); 2];
        let window = FitWindow::Range {
            min_hz: 1e5,
            max_hz: 1e6,
        };
        assert!(matches!(
            select(&window, &f, &z),
            Err(FitError::EmptyWindow { .. })
        ));
    }
}
