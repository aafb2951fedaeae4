//! The Li electrode in LP40: an SEI whose defects anneal towards a floor, so its resistance
//! grows and levels out, with a constant capacitance (the SEI keeps its thickness).
//!
//! State: relative defect density θ_L (1 at assembly), dθ_L/dt = −k_L(θ_L − θ_∞), stepped
//! exactly. R_SEI = R_SEI0/θ_L. DC: high-field ion hopping through the SEI,
//! i = (2/(R_SEI·f))·sinh(f·η/2), whose small-signal resistance is R_SEI.

use super::impedance::{cpe_admittance, cpe_t_from_capacitance, invert, large_signal_factor};
use super::param_sets::LiParams;
use num_complex::Complex64;

#[derive(Debug, Clone, PartialEq)]
pub struct LiState {
    pub theta: f64,
    /// Cell-to-cell multiplier of R_SEI0 (1 without spread).
    pub r_mult: f64,
}

impl LiState {
    pub fn fresh(r_mult: f64) -> Self {
        LiState { theta: 1.0, r_mult }
    }

    /// SEI resistance, Ω cm².
    pub fn r_sei(&self, p: &LiParams) -> f64 {
        p.r_sei0 * self.r_mult / self.theta
    }

    /// Ageing for `dt` seconds, whether at rest or under current.
    pub fn age(&mut self, p: &LiParams, dt: f64) {
        self.theta = p.theta_inf + (self.theta - p.theta_inf) * (-p.k_l * dt).exp();
    }

    /// Impedance per wetted area, Ω cm²: R_SEI ∥ CPE, around DC overpotential `eta` with a
    /// peak AC amplitude `amp` across the electrode (ion hopping is sinh-type in f·η/2).
    pub fn impedance(&self, p: &LiParams, f_t: f64, omega: f64, eta: f64, amp: f64) -> Complex64 {
        let t = cpe_t_from_capacitance(p.cpe_c_ref, p.cpe_r_ref, p.cpe_p);
        let g = (f_t * eta / 2.0).clamp(-700.0, 700.0).cosh() / self.r_sei(p)
            * large_signal_factor(f_t * amp / 2.0);
        invert(cpe_admittance(t, p.cpe_p, omega) + g)
    }

    /// Overpotential for local current density `i` (closed form), V.
    pub fn eta(&self, p: &LiParams, f_t: f64, i: f64) -> f64 {
        (2.0 / f_t) * (i * self.r_sei(p) * f_t / 2.0).asinh()
    }
}
