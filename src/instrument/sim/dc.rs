//! Scalar numerics of the DC model: a bracketing root finder (Brent) and the Simmons-like
//! cubic tunnelling law solved in closed form (Cardano).
//!
//! Every galvanostatic balance in the model is monotone in one unknown, so a bracketed root
//! always exists once the bracket's ends have opposite signs; callers widen the bracket up to
//! the potentiostat's compliance and report a clipped potential when even that is not enough.

/// Brent's method on `[a, b]` where `f(a)` and `f(b)` have opposite signs (or one is zero).
/// Returns the root to within `tol` in x. Falls back to the better end if the signs agree.
pub fn brent(mut f: impl FnMut(f64) -> f64, a: f64, b: f64, tol: f64) -> f64 {
    let (mut a, mut b) = (a, b);
    let (mut fa, mut fb) = (f(a), f(b));
    if fa == 0.0 {
        return a;
    }
    if fb == 0.0 {
        return b;
    }
    if fa.signum() == fb.signum() {
        return if fa.abs() < fb.abs() { a } else { b };
    }
    if fa.abs() < fb.abs() {
        std::mem::swap(&mut a, &mut b);
        std::mem::swap(&mut fa, &mut fb);
    }
    let (mut c, mut fc) = (a, fa);
    let mut d = b - a;
    let mut bisected = true;
    for _ in 0..200 {
        // Stop at the requested tolerance or at the resolution of f64 near b.
        let tol_here = 2.0 * f64::EPSILON * b.abs() + tol / 2.0;
        if fb == 0.0 || (b - a).abs() <= 2.0 * tol_here {
            return b;
        }
        let mut s = if fa != fc && fb != fc {
            // Inverse quadratic interpolation.
            a * fb * fc / ((fa - fb) * (fa - fc))
                + b * fa * fc / ((fb - fa) * (fb - fc))
                + c * fa * fb / ((fc - fa) * (fc - fb))
        } else {
            b - fb * (b - a) / (fb - fa)
        };
        let lo = (3.0 * a + b) / 4.0;
        let outside = !((s > lo.min(b)) && (s < lo.max(b)));
        let slow = if bisected {
            (s - b).abs() >= (b - c).abs() / 2.0 || (b - c).abs() < tol_here
        } else {
            (s - b).abs() >= (c - d).abs() / 2.0 || (c - d).abs() < tol_here
        };
        bisected = outside || slow;
        if bisected {
            s = (a + b) / 2.0;
        }
        let fs = f(s);
        d = c;
        c = b;
        fc = fb;
        if fa.signum() != fs.signum() {
            b = s;
            fb = fs;
        } else {
            a = s;
            fa = fs;
        }
        if fa.abs() < fb.abs() {
            std::mem::swap(&mut a, &mut b);
            std::mem::swap(&mut fa, &mut fb);
        }
    }
    b
}

/// The film voltage V of the Simmons-like law i = (V/R0)(1 + V²/Vs²), for i ≥ 0 (odd in i).
///
/// The depressed cubic V³ + Vs²V − Vs²R0·i = 0 has one real root; it is written in a form
/// without cancellation at small i, V = −q/(u² + p/3 + (p/3u)²), u = ∛(−q/2 + √(q²/4 + p³/27)).
pub fn simmons_voltage(i: f64, r0: f64, vs: f64) -> f64 {
    if i == 0.0 || r0 == 0.0 {
        return 0.0;
    }
    let sign = i.signum();
    let p = vs * vs;
    let q = -p * r0 * i.abs();
    let s = (q * q / 4.0 + p * p * p / 27.0).sqrt();
    let u = (-q / 2.0 + s).cbrt();
    let w = p / (3.0 * u);
    sign * (-q) / (u * u + u * w + w * w)
}

/// exp(x) with the argument capped so that huge overpotentials give huge, finite currents.
pub fn exp_capped(x: f64) -> f64 {
    x.min(700.0).exp()
}

/// sinh(x) with the same cap.
pub fn sinh_capped(x: f64) -> f64 {
    x.clamp(-700.0, 700.0).sinh()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brent_finds_roots_of_monotone_functions() {
        let r = brent(|x| x * x * x - 2.0, 0.0, 2.0, 1e-14);
        assert!((r - 2f64.cbrt()).abs() < 1e-12);
        let r = brent(|x| (x / 0.045).exp() - 1e5, 0.0, 3.0, 1e-12);
        assert!((r - 0.045 * 1e5f64.ln()).abs() < 1e-10);
    }

    #[test]
    fn simmons_is_ohmic_at_small_bias_and_cubic_at_large() {
        let (r0, vs) = (5.0, 0.05);
        let v = simmons_voltage(1e-6, r0, vs);
        assert!((v - 5e-6).abs() < 1e-12);
        for i in [1e-4, 3e-3, 1e-2, 1.0] {
            let v = simmons_voltage(i, r0, vs);
            let back = v / r0 * (1.0 + v * v / (vs * vs));
            assert!((back - i).abs() < 1e-12 * i.max(1.0), "{i} {v} {back}");
        }
        assert_eq!(
            simmons_voltage(-1e-2, r0, vs),
            -simmons_voltage(1e-2, r0, vs)
        );
    }
}
