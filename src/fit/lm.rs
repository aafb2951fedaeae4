//! Levenberg–Marquardt for small parameter counts (a handful to a few dozen), with box
//! bounds by projection.
//!
//! Takes a [`Problem`] (residuals and Jacobian), a start and bounds; gives the minimiser of
//! ½‖r‖². The normal equations (JᵀJ + μ·diag JᵀJ) h = −Jᵀr are formed and solved by
//! Cholesky: for 4 parameters and 150 residuals this is far cheaper than a QR of J, and the
//! Marquardt diagonal scaling makes the damping independent of parameter units. The damping
//! follows Nielsen's rule (smooth decrease on good steps, doubling growth on bad ones).
//! Parameters sitting on a bound with the gradient pushing outward are frozen for that
//! iteration, so the remaining ones still move (a plain clamp would stall).

use super::linalg::{cholesky, cholesky_solve};

/// A least-squares problem r(x) ∈ ℝᵐ, x ∈ ℝⁿ.
pub trait Problem {
    fn residual_count(&self) -> usize;
    fn param_count(&self) -> usize;
    /// Writes r(x) and J(x) column-major (`j[col·m + row]`); false if non-finite.
    fn jacobian(&mut self, x: &[f64], r: &mut [f64], j: &mut [f64]) -> bool;
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub max_iterations: usize,
    /// Stop when an accepted step lowers the cost by less than this fraction.
    pub ftol: f64,
    /// Stop when the step is below this fraction of the parameter vector's size.
    pub xtol: f64,
    /// Stop when the largest gradient component (scaled) is below this.
    pub gtol: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_iterations: 200,
            ftol: 1e-10,
            xtol: 1e-9,
            gtol: 1e-12,
        }
    }
}

/// What the solver found.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub x: Vec<f64>,
    /// JᵀJ at `x` (n×n, transformed parameters), for the covariance.
    pub jtj: Vec<f64>,
    /// ‖r‖² at `x`.
    pub chi2: f64,
    pub iterations: usize,
    pub converged: bool,
}

/// Minimises ½‖r(x)‖² from `x0` within [lower, upper] (per parameter, may be infinite).
/// Returns `None` if the model cannot be evaluated at the (clamped) start.
pub fn minimize<P: Problem>(
    problem: &mut P,
    x0: &[f64],
    lower: &[f64],
    upper: &[f64],
    options: &Options,
) -> Option<Outcome> {
    let m = problem.residual_count();
    let n = problem.param_count();
    let mut x: Vec<f64> = (0..n).map(|i| x0[i].clamp(lower[i], upper[i])).collect();
    let mut r = vec![0.0; m];
    let mut j = vec![0.0; m * n];
    let mut r_new = vec![0.0; m];
    let mut j_new = vec![0.0; m * n];
    let mut x_new = vec![0.0; n];
    let mut a = vec![0.0; n * n];
    let mut g = vec![0.0; n];
    let mut chol = vec![0.0; n * n];
    let mut h = vec![0.0; n];
    let mut free = vec![true; n];

    if !problem.jacobian(&x, &mut r, &mut j) {
        return None;
    }
    let mut cost = dot(&r, &r);
    normal_equations(&j, &r, m, n, &mut a, &mut g);
    let max_diag = (0..n).map(|i| a[i * n + i]).fold(0.0, f64::max);
    let mut mu = 1e-3;
    let mut nu = 2.0;
    let mut converged = false;
    let mut iterations = 0;
    if max_diag == 0.0 || n == 0 {
        return Some(Outcome {
            x,
            jtj: a,
            chi2: cost,
            iterations,
            converged: true,
        });
    }

    while iterations < options.max_iterations {
        iterations += 1;
        // Freeze parameters held at a bound by a gradient pointing outside it.
        for i in 0..n {
            free[i] = !((x[i] <= lower[i] && g[i] > 0.0) || (x[i] >= upper[i] && g[i] < 0.0));
        }
        let gmax = (0..n)
            .filter(|&i| free[i])
            .map(|i| g[i].abs() / a[i * n + i].sqrt().max(1e-300))
            .fold(0.0, f64::max);
        if gmax <= options.gtol * cost.sqrt().max(1e-300) {
            converged = true;
            break;
        }
        // Solve the damped system; on a non-positive-definite matrix raise μ and retry.
        let mut solved = false;
        for _ in 0..8 {
            for row in 0..n {
                for col in 0..n {
                    chol[row * n + col] = if free[row] && free[col] {
                        a[row * n + col]
                    } else if row == col {
                        1.0
                    } else {
                        0.0
                    };
                }
                if free[row] {
                    // Floor the diagonal so a parameter with no influence still gets damped.
                    chol[row * n + row] += mu * a[row * n + row].max(1e-12 * max_diag);
                    h[row] = -g[row];
                } else {
                    h[row] = 0.0;
                }
            }
            if cholesky(&mut chol, n) {
                cholesky_solve(&chol, n, &mut h);
                solved = true;
                break;
            }
            mu *= 10.0;
        }
        if !solved {
            break;
        }
        for i in 0..n {
            x_new[i] = (x[i] + h[i]).clamp(lower[i], upper[i]);
            h[i] = x_new[i] - x[i];
        }
        let step = norm(&h);
        if step <= options.xtol * (norm(&x) + options.xtol) {
            converged = true;
            break;
        }
        // Predicted decrease of ‖r‖² for the (projected) step: −2gᵀh − hᵀAh.
        let mut predicted = 0.0;
        for i in 0..n {
            let mut ah = 0.0;
            for k in 0..n {
                ah += a[i * n + k] * h[k];
            }
            predicted -= 2.0 * g[i] * h[i] + h[i] * ah;
        }
        // Most steps are accepted, so the trial point is evaluated with its Jacobian: on
        // acceptance nothing has to be recomputed.
        let new_cost = if problem.jacobian(&x_new, &mut r_new, &mut j_new) {
            dot(&r_new, &r_new)
        } else {
            f64::INFINITY
        };
        let rho = if predicted > 0.0 {
            (cost - new_cost) / predicted
        } else {
            -1.0
        };
        if rho > 0.0 && new_cost.is_finite() {
            let decrease = (cost - new_cost) / cost.max(1e-300);
            std::mem::swap(&mut x, &mut x_new);
            std::mem::swap(&mut r, &mut r_new);
            std::mem::swap(&mut j, &mut j_new);
            cost = new_cost;
            normal_equations(&j, &r, m, n, &mut a, &mut g);
            mu *= (1.0f64 / 3.0).max(1.0 - (2.0 * rho - 1.0).powi(3));
            nu = 2.0;
            if decrease <= options.ftol {
                converged = true;
                break;
            }
        } else {
            mu *= nu;
            nu *= 2.0;
            if mu > 1e20 {
                // No step along any direction lowers the cost: a (possibly constrained) minimum.
                converged = true;
                break;
            }
        }
    }
    Some(Outcome {
        x,
        jtj: a,
        chi2: cost,
        iterations,
        converged,
    })
}

/// A = JᵀJ, g = Jᵀr for column-major J (each entry a contiguous dot product).
fn normal_equations(j: &[f64], r: &[f64], m: usize, n: usize, a: &mut [f64], g: &mut [f64]) {
    for p in 0..n {
        let jp = &j[p * m..(p + 1) * m];
        g[p] = dot(jp, r);
        for q in 0..=p {
            let v = dot(jp, &j[q * m..(q + 1) * m]);
            a[p * n + q] = v;
            a[q * n + p] = v;
        }
    }
}

/// Dot product in four independent lanes (no bounds checks in the loop), which the
/// compiler vectorises.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        acc[0] += x[0] * y[0];
        acc[1] += x[1] * y[1];
        acc[2] += x[2] * y[2];
        acc[3] += x[3] * y[3];
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

fn norm(v: &[f64]) -> f64 {
    dot(v, v).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rosenbrock as least squares: r = (10(x1 − x0²), 1 − x0); minimum at (1, 1).
    struct Rosenbrock;
    impl Problem for Rosenbrock {
        fn residual_count(&self) -> usize {
            2
        }
        fn param_count(&self) -> usize {
            2
        }
        fn jacobian(&mut self, x: &[f64], r: &mut [f64], j: &mut [f64]) -> bool {
            r[0] = 10.0 * (x[1] - x[0] * x[0]);
            r[1] = 1.0 - x[0];
            j[0] = -20.0 * x[0];
            j[1] = -1.0;
            j[2] = 10.0;
            j[3] = 0.0;
            true
        }
    }

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let inf = f64::INFINITY;
        let out = minimize(
            &mut Rosenbrock,
            &[-1.2, 1.0],
            &[-inf; 2],
            &[inf; 2],
            &Options::default(),
        )
        .unwrap();
        assert!(out.converged);
        assert!(
            (out.x[0] - 1.0).abs() < 1e-6 && (out.x[1] - 1.0).abs() < 1e-6,
            "{:?}",
            out.x
        );
    }

    #[test]
    fn respects_bounds() {
        // With x0 ≤ 0.5 the constrained minimum of Rosenbrock lies on the bound x0 = 0.5.
        let inf = f64::INFINITY;
        let out = minimize(
            &mut Rosenbrock,
            &[-1.2, 1.0],
            &[-inf, -inf],
            &[0.5, inf],
            &Options::default(),
        )
        .unwrap();
        assert!((out.x[0] - 0.5).abs() < 1e-12, "{:?}", out.x);
        assert!((out.x[1] - 0.25).abs() < 1e-6, "{:?}", out.x);
    }
}
