//! Thinning long lines before drawing: a galvanostatic step sampled every second for 70 h has
//! 250 000 points, far more than the 500 pixel columns it is drawn into.
//!
//! Takes a line's points and their pixel columns; gives, per run of points in one column, the
//! first, lowest, highest and last point in their original order. The drawn line is the same
//! to the pixel (every extreme is kept), and the SVG stays small.

/// Lines with at most this many points per pixel column are drawn as they are.
const KEEP_PER_COLUMN: usize = 4;

/// Decimates `points` given `column`, the pixel column of a point.
pub fn decimate(
    points: &[(f64, f64)],
    width_px: u32,
    column: impl Fn(&(f64, f64)) -> i32,
) -> Vec<(f64, f64)> {
    if points.len() <= KEEP_PER_COLUMN * width_px.max(1) as usize {
        return points.to_vec();
    }
    let mut out = Vec::with_capacity(KEEP_PER_COLUMN * width_px as usize + 4);
    let mut start = 0;
    while start < points.len() {
        let col = column(&points[start]);
        let mut end = start + 1;
        while end < points.len() && column(&points[end]) == col {
            end += 1;
        }
        let run = &points[start..end];
        let (mut lo, mut hi) = (0, 0);
        for (i, p) in run.iter().enumerate() {
            if p.1 < run[lo].1 {
                lo = i;
            }
            if p.1 > run[hi].1 {
                hi = i;
            }
        }
        let mut keep = [0, lo, hi, run.len() - 1];
        keep.sort_unstable();
        let mut last = usize::MAX;
        for i in keep {
            if i != last {
                out.push(run[i]);
                last = i;
            }
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_extreme_and_the_order() {
        // 10 000 points of a noisy line drawn into 100 columns.
        let points: Vec<(f64, f64)> = (0..10_000)
            .map(|i| (i as f64, if i % 997 == 0 { 50.0 } else { (i % 7) as f64 }))
            .collect();
        let column = |p: &(f64, f64)| (p.0 / 100.0) as i32;
        let thin = decimate(&points, 100, column);
        assert!(thin.len() <= 400, "{}", thin.len());
        assert!(thin.windows(2).all(|w| w[0].0 < w[1].0), "order kept");
        let spikes = points.iter().filter(|p| p.1 == 50.0).count();
        assert_eq!(thin.iter().filter(|p| p.1 == 50.0).count(), spikes);
        assert_eq!(thin.first(), points.first());
        assert_eq!(thin.last(), points.last());
        // Short lines are untouched.
        assert_eq!(decimate(&points[..50], 100, column), points[..50].to_vec());
    }
}
