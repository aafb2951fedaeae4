//! Automatic starting values, so that no user guess is needed for ordinary arcs.
//!
//! Two sources, tried in order by the solver:
//! * For a single arc with an optional series resistance (`R0-p(R1,CPE1)`, `Re-R(CPE)`,
//!   `R(RC)`), the admittance of the arc, Y = 1/(Z − Re) = 1/R + T (jω)^P, is *linear* in
//!   1/R and T for a fixed P. A weighted linear fit for each P on a coarse grid, keeping the
//!   best, gives R, T and P directly — also for an arc whose apex lies below the lowest
//!   frequency, where reading R off the plot fails.
//! * For any circuit, a heuristic from features of the spectrum: Re from Z' at the highest
//!   frequency, one arc per peak of −Z'' (R from its height, T from its frequency), and
//!   values of the right order for the other elements.

use super::circuit::{Circuit, ElementKind, Node, Omega};
use num_complex::Complex64;
use std::f64::consts::{FRAC_PI_2, PI};

/// Exponents tried by the linearised single-arc guess (the LM refines P afterwards).
const P_GRID: [f64; 6] = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
/// Exponent assumed for CPEs by the heuristic.
const P_DEFAULT: f64 = 0.9;

/// Starting vectors (natural parameters), best first, computed only when the previous ones
/// did not give a good fit (the solver stops pulling once one does).
pub fn candidates<'a>(
    circuit: &'a Circuit,
    f: &'a [f64],
    omega: &'a Omega,
    z: &'a [Complex64],
) -> impl Iterator<Item = Vec<f64>> + 'a {
    let features = std::rc::Rc::new(Features::of(f, z));
    let first = features.clone();
    std::iter::once_with(move || single_arc(circuit, omega, z, &first))
        .flatten()
        .chain(std::iter::once_with(move || heuristic_variants(circuit, &features)).flatten())
}

fn heuristic_variants(circuit: &Circuit, features: &Features) -> Vec<Vec<f64>> {
    let mut out = Vec::new();
    let base = heuristic(circuit, features);
    // The arcs' resistances are the least certain part: also try them larger and smaller.
    for scale in [1.0, 5.0, 0.2] {
        let mut p = base.clone();
        for arc in circuit.arcs() {
            p[arc.r] *= scale;
            // Keep the arc's peak frequency: (R T)^(1/P) fixed → T / scale.
            p[arc.t] /= scale;
        }
        out.push(p);
        if circuit.arcs().is_empty() {
            break;
        }
    }
    out
}

/// Summary numbers of a spectrum, from high to low frequency.
struct Features {
    f_max: f64,
    f_min: f64,
    /// Z' at the highest frequency: the series resistance.
    re: f64,
    /// Real-axis extent of the spectrum.
    span: f64,
    /// −Z'' peaks (frequency, height), highest first.
    peaks: Vec<(f64, f64)>,
    /// Z'' at the highest and lowest frequencies.
    im_hf: f64,
    im_lf: f64,
}

impl Features {
    fn of(f: &[f64], z: &[Complex64]) -> Features {
        let mut order: Vec<usize> = (0..f.len()).collect();
        order.sort_by(|&a, &b| f[b].total_cmp(&f[a]));
        let first = order.first().copied().unwrap_or(0);
        let last = order.last().copied().unwrap_or(0);
        let max_mod = z.iter().map(|z| z.norm()).fold(0.0, f64::max).max(1e-12);
        let re = if z[first].re > 0.0 {
            z[first].re
        } else {
            1e-3 * max_mod
        };
        let max_re = z.iter().map(|z| z.re).fold(f64::NEG_INFINITY, f64::max);
        let max_neg_im = z.iter().map(|z| -z.im).fold(0.0, f64::max);
        let span = (max_re - re).max(2.0 * max_neg_im).max(1e-3 * max_mod);
        // Local maxima of −Z'' along frequency; an end point counts if its neighbour is lower.
        let h: Vec<f64> = order.iter().map(|&i| -z[i].im).collect();
        let mut peaks: Vec<(f64, f64)> = (0..h.len())
            .filter(|&k| {
                h[k] > 0.0 && (k == 0 || h[k - 1] < h[k]) && (k + 1 == h.len() || h[k + 1] <= h[k])
            })
            .map(|k| (f[order[k]], h[k]))
            .collect();
        peaks.sort_by(|a, b| b.1.total_cmp(&a.1));
        Features {
            f_max: f[first],
            f_min: f[last],
            re,
            span,
            peaks,
            im_hf: z[first].im,
            im_lf: z[last].im,
        }
    }
}

/// The linearised guess for `[Rs -] R ∥ (CPE|C)`; None for other shapes.
fn single_arc(
    circuit: &Circuit,
    omega: &Omega,
    z: &[Complex64],
    features: &Features,
) -> Option<Vec<f64>> {
    let [arc] = circuit.arcs() else { return None };
    let series = circuit.series_resistance();
    let expected = 2 + arc.p.is_some() as usize + series.is_some() as usize;
    if circuit.param_count() != expected || !arc.top_level {
        return None;
    }
    let re = if series.is_some() { features.re } else { 0.0 };
    let grid: &[f64] = if arc.p.is_some() { &P_GRID } else { &[1.0] };
    let mut best: Option<(f64, f64, f64, f64)> = None; // (cost, G, T, P)
    for &p in grid {
        let (cos, sin) = ((p * FRAC_PI_2).cos(), (p * FRAC_PI_2).sin());
        // Weighted normal equations for Y = G + T (jω)^P, weights w = |Z − Re|²/|Z| so the
        // admittance residual approximates the modulus-weighted impedance residual.
        let (mut s11, mut s12, mut s22, mut b1, mut b2) = (0.0, 0.0, 0.0, 0.0, 0.0);
        let mut rows = Vec::with_capacity(z.len());
        for (lw, zk) in omega.ln_omega.iter().zip(z) {
            let zc = *zk - re;
            let y = zc.inv();
            let w = zc.norm_sqr() / zk.norm_sqr().sqrt();
            let wp = (p * lw).exp();
            let (a_re, a_im) = (wp * cos, wp * sin);
            let w2 = w * w;
            s11 += w2;
            s12 += w2 * a_re;
            s22 += w2 * (a_re * a_re + a_im * a_im);
            b1 += w2 * y.re;
            b2 += w2 * (a_re * y.re + a_im * y.im);
            rows.push((w, y, a_re, a_im));
        }
        let det = s11 * s22 - s12 * s12;
        if det.abs() <= f64::MIN_POSITIVE {
            continue;
        }
        let mut g = (s22 * b1 - s12 * b2) / det;
        let mut t = (s11 * b2 - s12 * b1) / det;
        if t <= 0.0 || !t.is_finite() {
            // Fit T alone with G = 0 (a capacitive line).
            g = 0.0;
            t = b2 / s22;
            if t <= 0.0 || !t.is_finite() {
                continue;
            }
        }
        // An open arc can give G ≤ 0: take R well beyond the visible span instead.
        let g = if g > 0.0 {
            g
        } else {
            1.0 / (10.0 * features.span)
        };
        let cost: f64 = rows
            .iter()
            .map(|(w, y, a_re, a_im)| {
                let d = Complex64::new(g + t * a_re, t * a_im) - *y;
                w * w * d.norm_sqr()
            })
            .sum();
        if best.is_none_or(|b| cost < b.0) {
            best = Some((cost, g, t, p));
        }
    }
    let (_, g, t, p) = best?;
    let mut params = vec![0.0; circuit.param_count()];
    if let Some(s) = series {
        params[s] = features.re;
    }
    params[arc.r] = 1.0 / g;
    params[arc.t] = t;
    if let Some(pi) = arc.p {
        params[pi] = p.min(0.999);
    }
    Some(params)
}

/// Values of the right order for every element of any circuit.
fn heuristic(circuit: &Circuit, x: &Features) -> Vec<f64> {
    let mut params = vec![0.0; circuit.param_count()];
    let arcs = circuit.arcs();
    // Peak frequencies for the arcs: the highest −Z'' peaks, assigned from high to low
    // frequency in order of appearance; missing ones spread over the remaining decades.
    let mut peaks: Vec<(f64, f64)> = x.peaks.iter().take(arcs.len()).copied().collect();
    peaks.sort_by(|a, b| b.0.total_cmp(&a.0));
    let decades = (x.f_max / x.f_min).log10().max(1.0);
    while peaks.len() < arcs.len() {
        let k = peaks.len() as f64 + 1.0;
        let f = x.f_max / 10f64.powf(decades * k / (arcs.len() as f64 + 1.0));
        peaks.push((f, x.span / (2.0 * arcs.len() as f64)));
    }
    let tan = (P_DEFAULT * PI / 4.0).tan();
    let mut set = vec![false; circuit.param_count()];
    for (arc, &(fp, height)) in arcs.iter().zip(&peaks) {
        let r = (2.0 * height / tan).max(1e-6 * x.span);
        let omega = 2.0 * PI * fp;
        params[arc.r] = r;
        set[arc.r] = true;
        set[arc.t] = true;
        if let Some(p) = arc.p {
            params[arc.t] = 1.0 / (r * omega.powf(P_DEFAULT));
            params[p] = P_DEFAULT;
            set[p] = true;
        } else {
            params[arc.t] = 1.0 / (r * omega);
        }
    }
    if let Some(s) = circuit.series_resistance() {
        params[s] = x.re;
        set[s] = true;
    }
    let w_min = 2.0 * PI * x.f_min;
    let w_max = 2.0 * PI * x.f_max;
    let w_mid = (w_min * w_max).sqrt();
    let inside_parallel = inside_parallel(circuit);
    for (e, element) in circuit.elements().iter().enumerate() {
        let o = circuit.offset(e);
        if set[o] {
            continue;
        }
        match element.kind {
            ElementKind::R => params[o] = x.span / 2.0,
            ElementKind::C | ElementKind::Cpe => {
                // A blocking capacitor in series sets the low-frequency −Z''; one in
                // parallel gets the mid-range time constant.
                let scale = if !inside_parallel[e] && x.im_lf < 0.0 {
                    1.0 / (w_min * -x.im_lf)
                } else {
                    1.0 / (x.span * w_mid)
                };
                if element.kind == ElementKind::C {
                    params[o] = scale;
                } else {
                    let w = if inside_parallel[e] { w_mid } else { w_min };
                    params[o] = scale * w / w.powf(P_DEFAULT);
                    params[o + 1] = P_DEFAULT;
                }
            }
            ElementKind::L => {
                params[o] = if x.im_hf > 0.0 {
                    x.im_hf / w_max
                } else {
                    1e-3 * x.re.max(1e-9) / w_max
                };
            }
            ElementKind::W => params[o] = x.span * w_min.sqrt() / 4.0,
            ElementKind::Wo | ElementKind::Ws => {
                params[o] = x.span / 2.0;
                params[o + 1] = 1.0 / w_min;
            }
        }
    }
    params
}

/// For each element, whether it sits inside a parallel combination.
fn inside_parallel(circuit: &Circuit) -> Vec<bool> {
    fn walk(node: &Node, inside: bool, out: &mut Vec<bool>) {
        match node {
            Node::Element(e) => out[*e] = inside,
            Node::Series(items) => items.iter().for_each(|i| walk(i, inside, out)),
            Node::Parallel(items) => items.iter().for_each(|i| walk(i, true, out)),
        }
    }
    let mut out = vec![false; circuit.elements().len()];
    walk(circuit.root(), false, &mut out);
    out
}
