//! The Mg electrode: its state, how it ages at open circuit and under current, its
//! small-signal admittance and its DC current–overpotential relation (simulator-model.md §1–3).
//!
//! State per wetted area: reactive-site fraction θ (lost by bimolecular annihilation, so the
//! site resistance grows linearly in time), corrosion charge q (grows the porous outer layer and,
//! by JMAK kinetics, the interfacial area ρ), film damage D under anodic field (rupture at
//! D = 1, healed on the repassivation time scale), activated bare fraction a, and the film's
//! zero-bias electronic resistance (in situ, or grown by a soak and fixed by drying). Anodic
//! current crosses the compact film by field-activated ion conduction until it ruptures;
//! every surface reaction on top of the film (sites, polysulfide, plating) takes its electrons
//! through the film by tunnelling (Simmons: i = (V/R_el)(1 + V²/V_s²)), so a DC bias lowers the
//! film's differential resistance roughly with the square of its voltage.

use super::dc::{brent, exp_capped, simmons_voltage, sinh_capped};
use super::impedance::{FARADAY, cpe_admittance, cpe_t_from_capacitance, large_signal_factor};
use super::param_sets::MgParams;
use num_complex::Complex64;

/// Vacuum permittivity, F/cm.
const EPS0_F_PER_CM: f64 = 8.854_187_8e-14;

/// Cell-to-cell multipliers of kinetic parameters (all 1 without spread).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MgSpread {
    pub r_site: f64,
    pub tau_d: f64,
    pub j_crit: f64,
}

impl Default for MgSpread {
    fn default() -> Self {
        MgSpread {
            r_site: 1.0,
            tau_d: 1.0,
            j_crit: 1.0,
        }
    }
}

/// What the electrolyte and temperature impose on a Mg electrode (recomputed on additions).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MgEnv {
    /// Site-loss rate constant, 1/s (cell spread included).
    pub k: f64,
    /// √(c_Mg / c_ref): the site exchange current follows the Mg²⁺ concentration (α = ½).
    pub site_factor: f64,
    /// c_Mg / c_ref, which scales the plating limiting current.
    pub c_rel: f64,
    /// Polysulfide conductance of an unblocked surface, S/cm².
    pub g_ps: f64,
    /// F/RT, 1/V.
    pub f_t: f64,
    /// CPE magnitude per unit of true area, F s^(P−1)/cm².
    pub t_cpe: f64,
}

impl MgEnv {
    pub fn new(p: &MgParams, k: f64, c_mg: f64, g_ps: f64, f_t: f64) -> Self {
        let c_rel = c_mg / p.c_mg_ref;
        MgEnv {
            k,
            site_factor: c_rel.max(0.0).sqrt(),
            c_rel,
            g_ps,
            f_t,
            t_cpe: cpe_t_from_capacitance(p.cpe_c_ref, p.cpe_r_ref, p.cpe_p),
        }
    }
}

/// The overpotential that carries a requested current, and whether it hit the compliance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Solved {
    pub eta: f64,
    pub clipped: bool,
}

/// The state of one Mg electrode, per wetted area.
#[derive(Debug, Clone, PartialEq)]
pub struct MgState {
    /// Fraction of reactive Mg²⁺/Mg exchange sites left.
    pub theta: f64,
    /// Corrosion charge, C/cm².
    pub q: f64,
    /// Film damage (rupture at 1).
    pub damage: f64,
    /// Activated (bare-Mg) area fraction.
    pub active: f64,
    /// The film has ruptured during the present anodic hold.
    pub ruptured: bool,
    /// Zero-bias electronic resistance a dried ex-situ film adds to the in-situ one, Ω cm².
    pub r_el_dry: f64,
    /// Film age before stripping: the site fraction when the film last started to be
    /// damaged from intact (its thickness then sets the damage clock).
    pub theta_intact: f64,
    /// Has been in contact with electrolyte (a wash then leaves residue).
    pub wetted: bool,
    pub spread: MgSpread,
}

impl MgState {
    /// A freshly brushed electrode.
    pub fn fresh(spread: MgSpread) -> Self {
        MgState {
            theta: 1.0,
            q: 0.0,
            damage: 0.0,
            active: 0.0,
            ruptured: false,
            r_el_dry: 0.0,
            theta_intact: 1.0,
            wetted: false,
            spread,
        }
    }

    /// Interfacial area per geometric area (JMAK growth of the corroded zone, driven by q).
    pub fn rho(&self, p: &MgParams) -> f64 {
        let q_x = p.i_corr * p.tau_x;
        if q_x <= 0.0 {
            return 1.0;
        }
        1.0 + p.a_rho * (1.0 - (-(self.q / q_x).powf(p.n_x)).exp())
    }

    /// Thickness of the porous outer layer, m: q·V_MgO / (2F(1 − φ)).
    pub fn porous_thickness_m(&self, p: &MgParams) -> f64 {
        self.q / (2.0 * FARADAY) * p.v_mgo / (1.0 - p.porosity) * 1e-2
    }

    /// Site conductance (1/R_site), S/cm².
    pub fn g_site(&self, p: &MgParams, env: &MgEnv) -> f64 {
        self.theta * env.site_factor / (p.r_site0 * self.spread.r_site)
    }

    /// Zero-bias electronic (tunnelling) resistance of the film, Ω cm².
    pub fn r_el(&self, p: &MgParams) -> f64 {
        p.r_el0 + self.r_el_dry
    }

    /// Charge-transfer conductance of the activated bare area, S/cm².
    pub fn g_bare(&self, p: &MgParams, env: &MgEnv) -> f64 {
        self.active * 2.0 * p.j0_bare * env.f_t
    }

    /// Small-signal admittance per wetted area at angular frequency `omega`, S/cm², at open
    /// circuit: interfacial CPE (scaled by ρ) ∥ film dielectric ∥ ionic conduction ∥ bare Mg ∥
    /// [tunnelling resistance in series with the reactions on the film].
    pub fn admittance(&self, p: &MgParams, env: &MgEnv, omega: f64) -> Complex64 {
        self.admittance_at(p, env, omega, 0.0, 0.0)
    }

    /// The admittance around DC overpotential `eta` (a biased sweep) with a peak AC amplitude
    /// `amp` across the electrode: every path at its differential conductance there, the
    /// film's tunnelling resistance at the film voltage its DC electron current needs, and
    /// each exponential path's conductance raised by its large-signal factor 2I₁(x)/x (the
    /// first harmonic an analyser reads; 1 for a small amplitude).
    pub fn admittance_at(
        &self,
        p: &MgParams,
        env: &MgEnv,
        omega: f64,
        eta: f64,
        amp: f64,
    ) -> Complex64 {
        let t = env.t_cpe * self.rho(p);
        let c_film = EPS0_F_PER_CM * p.eps_c / (p.d_c * 100.0);
        let f = env.f_t;
        let g_s = if eta == 0.0 {
            self.g_site(p, env) * large_signal_factor(f * amp)
                + env.g_ps * large_signal_factor(f * amp / 2.0)
        } else {
            let v_el = self.film_voltage(p, env, eta);
            let eta_s = eta - v_el;
            let h = 1e-4;
            (self.surface_current(p, env, eta_s + h) - self.surface_current(p, env, eta_s - h))
                / (2.0 * h)
                * large_signal_factor(f * amp)
        };
        let y_f = if g_s > 0.0 {
            let v_el = if eta == 0.0 {
                0.0
            } else {
                self.film_voltage(p, env, eta)
            };
            // First harmonic of the cubic law about v_el: 3a²/4 adds to 3v_el².
            let g_el =
                simmons_conductance((v_el * v_el + amp * amp / 4.0).sqrt(), self.r_el(p), p.v_s);
            if g_el.is_finite() {
                g_s * g_el / (g_s + g_el)
            } else {
                g_s
            }
        } else {
            0.0
        };
        let g_bare = self.g_bare(p, env)
            * (f * eta).clamp(-700.0, 700.0).cosh()
            * large_signal_factor(f * amp);
        let g_ion =
            p.i0_ion / p.v0_ion * exp_capped(eta / p.v0_ion) * large_signal_factor(amp / p.v0_ion);
        cpe_admittance(t, p.cpe_p, omega) + Complex64::new(g_ion + g_bare + y_f, omega * c_film)
    }

    /// The DC resistance of the interface at open circuit, Ω cm² (the arc's diameter).
    pub fn dc_resistance(&self, p: &MgParams, env: &MgEnv) -> f64 {
        1.0 / self.admittance(p, env, 0.0).re
    }

    /// DC current density at overpotential `eta` (anodic positive) through every path except
    /// plating by tunnelling: ionic conduction, bare Mg, and the reactions on the film (sites,
    /// polysulfide) behind the film's tunnelling voltage. Increasing in eta.
    pub fn current_other(&self, p: &MgParams, env: &MgEnv, eta: f64) -> f64 {
        let f = env.f_t;
        let ionic = p.i0_ion * (exp_capped(eta / p.v0_ion) - 1.0);
        let mut bare = self.active * 2.0 * p.j0_bare * sinh_capped(f * eta);
        if bare < 0.0 {
            // Deposition into the opened pits is transport limited: the bare patches take at
            // most j_bare_dep per bare area, so a few per cent of leftover pits cannot carry
            // plating at low overpotential once the film has largely repassivated.
            bare /= 1.0 + bare.abs() / (self.active * p.j_bare_dep);
        }
        let v_el = self.film_voltage(p, env, eta);
        ionic + bare + self.surface_current(p, env, eta - v_el)
    }

    /// Current density of the reactions on top of the film at surface overpotential `eta_s`:
    /// sites (Butler–Volmer, α = ½, n = 2, exchange current g/(2f), saturating at the sites'
    /// turnover limit) and polysulfide redox (n = 1, α = ½).
    fn surface_current(&self, p: &MgParams, env: &MgEnv, eta_s: f64) -> f64 {
        let f = env.f_t;
        let g_site = self.g_site(p, env);
        let sites = if g_site > 0.0 {
            let bv = g_site / f * sinh_capped(f * eta_s);
            bv / (1.0 + bv.abs() / (self.theta * p.j_sat))
        } else {
            0.0
        };
        sites + 2.0 * env.g_ps / f * sinh_capped(f * eta_s / 2.0)
    }

    /// The film voltage (signed like `eta`) that carries the surface reactions' electrons when
    /// the electrode sits at `eta`: the tunnelling current at V equals the surface current at
    /// eta − V.
    pub fn film_voltage(&self, p: &MgParams, env: &MgEnv, eta: f64) -> f64 {
        let r = self.r_el(p);
        if eta == 0.0 || r <= 0.0 {
            return 0.0;
        }
        let s = eta.signum();
        let tunnel = |v: f64| (v / r) * (1.0 + v * v / (p.v_s * p.v_s));
        let mismatch = |v: f64| tunnel(v) - s * self.surface_current(p, env, eta - s * v);
        if mismatch(0.0) >= 0.0 {
            return 0.0;
        }
        s * brent(mismatch, 0.0, eta.abs(), 1e-12)
    }

    fn plating_scales(&self, p: &MgParams, env: &MgEnv) -> (f64, f64) {
        // The limiting current follows the bulk Mg²⁺ concentration; the current scale above
        // threshold follows it as an exchange current does (√c).
        let i_l = p.i_l * env.c_rel.max(0.0);
        let i_s = p.i_s * env.site_factor;
        (i_s, i_l)
    }

    /// Magnitude of the cathodic overpotential at which plating through the film carries
    /// `i_f` ≥ 0: tunnelling voltage + threshold + activation above it + concentration term.
    pub fn plating_overpotential(&self, p: &MgParams, env: &MgEnv, i_f: f64) -> f64 {
        let (i_s, i_l) = self.plating_scales(p, env);
        let c_s = (1.0 - i_f / i_l).max(1e-300);
        simmons_voltage(i_f, self.r_el(p), p.v_s)
            + p.eta_th
            + p.b_pl * (1.0 + i_f / (i_s * c_s)).ln()
            + (1.0 / (2.0 * env.f_t)) * (1.0 / c_s).ln()
    }

    /// The overpotential that carries local current density `i` (anodic positive), clipped at
    /// ±`compliance`.
    pub fn solve(&self, p: &MgParams, env: &MgEnv, i: f64, compliance: f64) -> Solved {
        let other = |eta: f64| self.current_other(p, env, eta);
        if i == 0.0 {
            return Solved {
                eta: 0.0,
                clipped: false,
            };
        }
        if i > 0.0 {
            return solve_monotone(other, i, compliance);
        }
        let magnitude = -i;
        // Below the plating threshold only the other paths carry current.
        if -other(-p.eta_th) >= magnitude {
            let eta = brent(|e| other(e) + magnitude, -p.eta_th, 0.0, 1e-10);
            return Solved {
                eta,
                clipped: false,
            };
        }
        let (i_s, i_l) = self.plating_scales(p, env);
        if i_l <= 0.0 || i_s <= 0.0 {
            return solve_monotone(other, i, compliance);
        }
        let plating = |i_f: f64| self.plating_overpotential(p, env, i_f);
        let mut i_hi = magnitude.min(i_l * (1.0 - 1e-12));
        if plating(i_hi) > compliance {
            i_hi = brent(|x| plating(x) - compliance, 0.0, i_hi, 1e-16);
        }
        // Unknown: the plating current i_f; the overpotential follows in closed form.
        let deficit = |i_f: f64| i_f - other(-plating(i_f)) - magnitude;
        if deficit(i_hi) >= 0.0 {
            let i_f = brent(deficit, 0.0, i_hi, 1e-12 * magnitude);
            return Solved {
                eta: -plating(i_f),
                clipped: false,
            };
        }
        // Plating is at its limit (or at compliance): other paths must carry the rest.
        let eta_hi = plating(i_hi);
        let rest = |eta: f64| i_hi - other(eta) - magnitude;
        if eta_hi >= compliance || rest(-compliance) < 0.0 {
            return Solved {
                eta: -compliance,
                clipped: true,
            };
        }
        Solved {
            eta: brent(rest, -compliance, -eta_hi, 1e-10),
            clipped: false,
        }
    }

    /// Damage rate under anodic film voltage `eta`, 1/s (E-model of field-driven breakdown).
    /// An older film breaks more slowly: the clock's time constant grows as (1/θ)^m_age with
    /// the site fraction θ the film had when its damage started (site loss measures the film's
    /// reordering and growth; the paper sees a thicker film after 72 h than after 1 h).
    pub fn damage_rate(&self, p: &MgParams, eta: f64) -> f64 {
        if eta <= p.v_th {
            return 0.0;
        }
        // An intact film (no damage yet) is as old as it is now.
        let theta = if self.damage < 1e-6 {
            self.theta
        } else {
            self.theta_intact
        };
        let age = theta.max(1e-12).powf(-p.m_age);
        ((eta - p.v_ref) / p.v_d).exp() / (p.tau_d * self.spread.tau_d * age)
    }

    /// Ageing common to every condition: site loss (exact step of dθ/dt = −kθ²) and corrosion.
    fn age(&mut self, p: &MgParams, env: &MgEnv, dt: f64) {
        self.theta /= 1.0 + env.k * self.theta * dt;
        self.q += p.i_corr * dt;
    }

    /// Open circuit for `dt`: ageing and repassivation.
    pub fn rest(&mut self, p: &MgParams, env: &MgEnv, dt: f64) {
        self.age(p, env, dt);
        self.repassivate(p, dt);
    }

    /// Repassivation for `dt` without anodic current (at rest or plating): the opened pits
    /// close and the damaged film heals on the passivation time scale τ_rep. The film stays
    /// broken through while pits larger than `a_seal` are open (an anodic current then widens
    /// them again at once, without a new breakdown); once they have closed, the healed part of
    /// the damage must be built up again before the next rupture.
    fn repassivate(&mut self, p: &MgParams, dt: f64) {
        let decay = (-dt / p.tau_rep).exp();
        self.active *= decay;
        if self.ruptured && self.active < p.a_seal {
            self.active = 0.0;
            self.ruptured = false;
        }
        if !self.ruptured {
            self.damage *= decay;
        }
    }

    /// Under local current density `i` for `dt` at overpotential `eta` (from the start of the
    /// step; the caller splits steps at rupture). Only an anodic electrode accumulates damage
    /// and opens; a cathodic one repassivates.
    pub fn hold(&mut self, p: &MgParams, env: &MgEnv, dt: f64, i: f64, eta: f64) {
        self.age(p, env, dt);
        if i > 0.0 {
            if self.ruptured {
                let target = (i / (p.j_crit * self.spread.j_crit)).min(1.0);
                let tau = if target > self.active {
                    p.tau_open
                } else {
                    p.tau_rep
                };
                self.active = target + (self.active - target) * (-dt / tau).exp();
            } else {
                if self.damage < 1e-6 {
                    // Damage starts on an intact film of this age.
                    self.theta_intact = self.theta;
                }
                self.damage += self.damage_rate(p, eta) * dt;
                if self.damage >= 1.0 {
                    self.damage = 1.0;
                    self.ruptured = true;
                }
            }
        } else {
            self.repassivate(p, dt);
        }
    }

    /// Seconds until rupture at constant `eta`, if it happens at all.
    pub fn time_to_rupture(&self, p: &MgParams, eta: f64) -> Option<f64> {
        if self.ruptured {
            return None;
        }
        let rate = self.damage_rate(p, eta);
        (rate > 0.0).then(|| (1.0 - self.damage) / rate)
    }

    /// True while the film opens after rupture (fast transient).
    pub fn opening(&self, p: &MgParams, i: f64) -> bool {
        if !self.ruptured || i <= 0.0 {
            return false;
        }
        let target = (i / (p.j_crit * self.spread.j_crit)).min(1.0);
        (target - self.active).abs() > 1e-3 * target
    }
}

/// Differential conductance of the Simmons law i = (V/R)(1 + V²/V_s²) at film voltage `v`,
/// S/cm² (infinite for a film without tunnelling resistance).
pub fn simmons_conductance(v: f64, r: f64, v_s: f64) -> f64 {
    if r <= 0.0 {
        return f64::INFINITY;
    }
    (1.0 + 3.0 * v * v / (v_s * v_s)) / r
}

/// Solves `current(eta) = i` for a monotone increasing `current`, widening the bracket from
/// 50 mV up to the compliance.
pub fn solve_monotone(current: impl Fn(f64) -> f64, i: f64, compliance: f64) -> Solved {
    let sign = i.signum();
    let mut hi = 0.05f64.min(compliance);
    while sign * current(sign * hi) < sign * i {
        if hi >= compliance {
            return Solved {
                eta: sign * compliance,
                clipped: true,
            };
        }
        hi = (hi * 2.0).min(compliance);
    }
    let (a, b) = if sign > 0.0 { (0.0, hi) } else { (-hi, 0.0) };
    Solved {
        eta: brent(|e| current(e) - i, a, b, 1e-10),
        clipped: false,
    }
}
