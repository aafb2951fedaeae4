//! Glassy carbon: an inert, electronically conducting surface. Its only faradaic path is the
//! polysulfide couple when Li2S8 is present (plus a tiny background leakage); its
//! capacitance is the double layer, a CPE. It has no state of its own; under current it uses
//! up the cell's polysulfide ([`super::cell::SimCell::consume_polysulfide`]).

use super::dc::sinh_capped;
use super::impedance::{cpe_admittance, cpe_t_from_capacitance, invert, large_signal_factor};
use super::mg::{Solved, solve_monotone};
use super::param_sets::PsParams;
use num_complex::Complex64;

/// Impedance per wetted area, Ω cm²: (polysulfide ∥ leakage) ∥ CPE, around DC overpotential
/// `eta` with a peak AC amplitude `amp` across the electrode.
pub fn impedance(p: &PsParams, g_ps: f64, f_t: f64, omega: f64, eta: f64, amp: f64) -> Complex64 {
    let t = cpe_t_from_capacitance(p.cpe_c_ref, p.cpe_r_ref, p.cpe_p);
    let g =
        g_ps * (f_t * eta / 2.0).clamp(-700.0, 700.0).cosh() * large_signal_factor(f_t * amp / 2.0);
    invert(cpe_admittance(t, p.cpe_p, omega) + g + 1.0 / p.r_leak)
}

/// DC current density at overpotential `eta`: polysulfide redox (n = 1, α = ½) and leakage.
pub fn current(p: &PsParams, g_ps: f64, f_t: f64, eta: f64) -> f64 {
    2.0 * g_ps / f_t * sinh_capped(f_t * eta / 2.0) + eta / p.r_leak
}

/// Overpotential for local current density `i`, clipped at the compliance.
pub fn solve(p: &PsParams, g_ps: f64, f_t: f64, i: f64, compliance: f64) -> Solved {
    solve_monotone(|eta| current(p, g_ps, f_t, eta), i, compliance)
}

/// Polysulfide charge-transfer conductance of an unblocked surface, S/cm²:
/// 1/R_PS = (c_PS/c_ref)·[k(I)/k(I_ref)]/R_PS,ref with k(I) = I/(I + I_half), a Frumkin-type
/// supporting-electrolyte factor (the double-layer potential drop available to the reaction).
pub fn ps_conductance(p: &PsParams, c_ps: f64, ionic_strength: f64) -> f64 {
    if c_ps <= 0.0 {
        return 0.0;
    }
    let k = |i: f64| i / (i + p.i_half);
    (c_ps / p.c_ps_ref) * (k(ionic_strength) / k(p.i_ref)) / p.r_ps_ref
}
