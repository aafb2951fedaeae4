//! Small dense linear algebra for the solvers: Cholesky for the LM normal equations and
//! the covariance, Householder QR for the Lin-KK linear least squares. Matrices are
//! row-major `&[f64]` of n×n (or rows×cols); sizes here are a few to a few dozen.

/// In-place Cholesky factorisation A = L Lᵀ of a symmetric positive-definite n×n matrix
/// (lower triangle overwritten by L). False if A is not positive definite.
pub fn cholesky(a: &mut [f64], n: usize) -> bool {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if d <= 0.0 || !d.is_finite() {
            return false;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
    }
    true
}

/// Solves L Lᵀ x = b in place (L from [`cholesky`]).
pub fn cholesky_solve(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * n + k] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= l[k * n + i] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
}

/// The inverse of a symmetric positive-definite matrix, scaled to unit diagonal first so
/// that badly scaled parameters (R ~ 1e6 next to P ~ 1) do not lose precision.
pub fn spd_inverse(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let scale: Vec<f64> = (0..n)
        .map(|i| {
            let d = a[i * n + i];
            if d > 0.0 { 1.0 / d.sqrt() } else { 1.0 }
        })
        .collect();
    let mut l: Vec<f64> = (0..n * n)
        .map(|k| a[k] * scale[k / n] * scale[k % n])
        .collect();
    if !cholesky(&mut l, n) {
        return None;
    }
    let mut inv = vec![0.0; n * n];
    let mut col = vec![0.0; n];
    for j in 0..n {
        col.fill(0.0);
        col[j] = 1.0;
        cholesky_solve(&l, n, &mut col);
        for i in 0..n {
            inv[i * n + j] = col[i] * scale[i] * scale[j];
        }
    }
    inv.iter().all(|v| v.is_finite()).then_some(inv)
}

/// Least squares min ‖A x − b‖ for column-major A (rows×cols, rows ≥ cols): by the normal
/// equations on unit-norm columns when they are well enough conditioned (four times fewer
/// operations), else by Householder QR.
pub fn least_squares(a: &[f64], rows: usize, cols: usize, b: &[f64]) -> Option<Vec<f64>> {
    if rows < cols || a.len() != rows * cols || b.len() != rows {
        return None;
    }
    normal_least_squares(a, rows, cols, b).or_else(|| qr_least_squares(a, rows, cols, b))
}

/// The normal equations (ÂᵀÂ) y = Âᵀb with Â's columns scaled to unit norm, x = y / norms.
/// None when the Cholesky factor shows a condition number beyond ~1e10 (precision would
/// suffer from squaring it).
fn normal_least_squares(a: &[f64], rows: usize, cols: usize, b: &[f64]) -> Option<Vec<f64>> {
    let column = |j: usize| &a[j * rows..(j + 1) * rows];
    let inv_norm: Vec<f64> = (0..cols)
        .map(|j| {
            let n = super::lm::dot(column(j), column(j)).sqrt();
            if n > 0.0 { 1.0 / n } else { 0.0 }
        })
        .collect();
    if inv_norm.contains(&0.0) {
        return None;
    }
    let mut g = vec![0.0; cols * cols];
    let mut y = vec![0.0; cols];
    for p in 0..cols {
        y[p] = super::lm::dot(column(p), b) * inv_norm[p];
        for q in 0..=p {
            let v = super::lm::dot(column(p), column(q)) * inv_norm[p] * inv_norm[q];
            g[p * cols + q] = v;
            g[q * cols + p] = v;
        }
    }
    if !cholesky(&mut g, cols) {
        return None;
    }
    let diag: Vec<f64> = (0..cols).map(|i| g[i * cols + i]).collect();
    let (lo, hi) = diag.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &d| {
        (lo.min(d), hi.max(d))
    });
    if lo <= 1e-5 * hi {
        return None;
    }
    cholesky_solve(&g, cols, &mut y);
    let x: Vec<f64> = y.iter().zip(&inv_norm).map(|(v, s)| v * s).collect();
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Householder QR; columns that are numerically dependent get x = 0 rather than a huge value.
fn qr_least_squares(a: &[f64], rows: usize, cols: usize, b: &[f64]) -> Option<Vec<f64>> {
    // Each column scaled to unit norm so that the rank test treats R (Ω) and L (H) columns
    // alike.
    let mut q: Vec<Vec<f64>> = (0..cols)
        .map(|j| a[j * rows..(j + 1) * rows].to_vec())
        .collect();
    let col_scale: Vec<f64> = q
        .iter_mut()
        .map(|c| {
            let norm = c.iter().map(|v| v * v).sum::<f64>().sqrt();
            let s = if norm > 0.0 { 1.0 / norm } else { 1.0 };
            c.iter_mut().for_each(|v| *v *= s);
            s
        })
        .collect();
    let mut rhs = b.to_vec();
    let mut diag = vec![0.0; cols];
    let norm0 = q
        .iter()
        .map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt())
        .fold(0.0, f64::max);
    for j in 0..cols {
        let norm = q[j][j..].iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm <= 1e-14 * norm0 {
            diag[j] = 0.0;
            continue;
        }
        let alpha = if q[j][j] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = q[j][j..].to_vec();
        v[0] -= alpha;
        let vnorm2: f64 = v.iter().map(|x| x * x).sum();
        if vnorm2 == 0.0 {
            diag[j] = alpha;
            continue;
        }
        for col in q.iter_mut().skip(j) {
            let dot: f64 = v.iter().zip(&col[j..]).map(|(a, b)| a * b).sum();
            let f = 2.0 * dot / vnorm2;
            for (c, vi) in col[j..].iter_mut().zip(&v) {
                *c -= f * vi;
            }
        }
        let dot: f64 = v.iter().zip(&rhs[j..]).map(|(a, b)| a * b).sum();
        let f = 2.0 * dot / vnorm2;
        for (c, vi) in rhs[j..].iter_mut().zip(&v) {
            *c -= f * vi;
        }
        diag[j] = q[j][j];
    }
    let mut x = vec![0.0; cols];
    for j in (0..cols).rev() {
        if diag[j].abs() <= 1e-14 * norm0 {
            continue;
        }
        let mut s = rhs[j];
        for k in j + 1..cols {
            s -= q[k][j] * x[k];
        }
        x[j] = s / diag[j];
    }
    for (xj, s) in x.iter_mut().zip(&col_scale) {
        *xj *= s;
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_a_known_system() {
        // A = [[4,2],[2,3]], b = [2,1] → x = [0.5, 0]
        let mut a = vec![4.0, 2.0, 2.0, 3.0];
        assert!(cholesky(&mut a, 2));
        let mut b = vec![2.0, 1.0];
        cholesky_solve(&a, 2, &mut b);
        assert!((b[0] - 0.5).abs() < 1e-15 && b[1].abs() < 1e-15);
        let inv = spd_inverse(&[4.0, 2.0, 2.0, 3.0], 2).unwrap();
        // inverse = 1/8 [[3,-2],[-2,4]]
        for (x, y) in inv.iter().zip([0.375, -0.25, -0.25, 0.5]) {
            assert!((x - y).abs() < 1e-14);
        }
        assert!(!cholesky(&mut [1.0, 2.0, 2.0, 1.0], 2));
    }

    #[test]
    fn least_squares_fits_a_line() {
        // y = 1 + 2x at x = 0,1,2,3 exactly (columns: ones, x).
        let a = [1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 2.0, 3.0];
        for x in [
            least_squares(&a, 4, 2, &[1.0, 3.0, 5.0, 7.0]).unwrap(),
            qr_least_squares(&a, 4, 2, &[1.0, 3.0, 5.0, 7.0]).unwrap(),
        ] {
            assert!(
                (x[0] - 1.0).abs() < 1e-12 && (x[1] - 2.0).abs() < 1e-12,
                "{x:?}"
            );
        }
        // A duplicated column is dependent: the normal equations refuse, QR gives one copy
        // the weight and the other 0.
        let a = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
        assert!(normal_least_squares(&a, 3, 2, &[2.0, 2.0, 2.0]).is_none());
        let x = least_squares(&a, 3, 2, &[2.0, 2.0, 2.0]).unwrap();
        assert!((x[0] + x[1] - 2.0).abs() < 1e-12);
    }
}
