//! A simulated cell: its electrodes' states, its electrolyte and its topology.
//!
//! Takes a plan's [`Cell`] (materials, wetted areas, pretreatments, composition, volume per
//! area, separator or gap, reference-tip distance) and gives a [`SimCell`] that ages, answers
//! impedance for a connection (symmetric: Re + Z₁ + Z₂; three-electrode: WE vs RE with the
//! uncompensated resistance to the bridge tip), and solves electrode overpotentials under DC.
//! Per-area electrode quantities become absolute through each electrode's wetted area.

use super::dc::brent;
use super::electrolyte::{Electrolyte, Refs, site_loss_rate};
use super::gc;
use super::impedance::{FARADAY, f_over_rt, finite_warburg};
use super::li::LiState;
use super::mg::{MgEnv, MgSpread, MgState, Solved};
use super::noise::Spread;
use super::params::Params;
use crate::instrument::NOT_MODELLED;
use crate::plan::{
    Cell, CellElectrode, CellKind, Connection, Material, Pretreatment, Separator, Solution,
};
use num_complex::Complex64;

/// The state of one electrode, by material.
#[derive(Debug, Clone, PartialEq)]
pub enum State {
    Mg(MgState),
    Li(LiState),
    Gc,
}

/// An electrode in a cell.
#[derive(Debug, Clone, PartialEq)]
pub struct SimElectrode {
    pub material: Material,
    pub wetted_area_cm2: f64,
    pub state: State,
}

/// The DC operating point of a biased impedance sweep.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BiasPoint {
    pub eta_we: f64,
    pub eta_ce: f64,
    /// The DC current that flows (WE anodic positive), A.
    pub current_a: f64,
}

/// Which electrode of the cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Working,
    Counter,
}

/// One simulated cell.
#[derive(Debug, Clone, PartialEq)]
pub struct SimCell {
    pub name: String,
    pub kind: CellKind,
    pub we: SimElectrode,
    pub ce: Option<SimElectrode>,
    pub re: Option<Material>,
    pub electrolyte: Electrolyte,
    /// Effective electrolyte length between WE and CE (separator L·N_M, or the gap), cm.
    pub path_cm: f64,
    /// WE to reference-bridge tip, cm.
    pub tip_cm: f64,
    /// Cell-to-cell multiplier of the site-loss rate (1 without spread).
    pub k_mult: f64,
    /// The cell's own clock (it lags the instrument's until synchronised).
    pub t_s: f64,
    /// When the electrolyte was added (the start of the cell's first step); `None` before:
    /// the cell does not exist yet, so it neither ages nor answers probes.
    pub assembled_s: Option<f64>,
    /// Reference-electrode drift, V, and when it was last advanced.
    pub drift_v: f64,
    pub drift_t_s: f64,
    pub mg_env: MgEnv,
    /// Polysulfide conductance of an unblocked surface, S/cm².
    pub g_ps: f64,
    pub f_t: f64,
    /// What the model did not capture about the electrodes' pretreatments.
    pub pretreatment_notes: Vec<String>,
}

fn positive(x: f64, what: &str, cell: &str) -> Result<f64, String> {
    if x.is_finite() && x > 0.0 {
        Ok(x)
    } else {
        Err(format!("cell `{cell}`: {what} must be positive, found {x}"))
    }
}

/// The MacMullin number of a separator from its material name.
fn macmullin(material: &str, params: &Params) -> f64 {
    let m = material.to_lowercase();
    if m.contains("glass") || m.contains("gf") {
        params.cell.nm_glass_fibre
    } else if m.contains("celgard") || m.contains("polyprop") || m.contains("polyeth") {
        params.cell.nm_celgard
    } else {
        params.cell.nm_other
    }
}

impl SimCell {
    /// Builds a cell, its electrodes pretreated, not yet assembled (see [`SimCell::assemble`]).
    pub fn build(
        cell: &Cell,
        separators: &[Separator],
        solutions: &[Solution],
        params: &Params,
        spread: &mut Spread,
    ) -> Result<SimCell, String> {
        let f_t = f_over_rt(params.cell.temperature);
        if !(f_t.is_finite() && f_t > 0.0) {
            return Err("the cell temperature must be above absolute zero".into());
        }
        let k_mult = spread.multiplier(params.mg.sigma_k);
        let mut soak_notes = Vec::new();
        let mut build = |e: &CellElectrode| {
            build_electrode(e, &cell.name, solutions, params, spread, &mut soak_notes)
        };
        let we = build(&cell.working)?;
        let ce = match &cell.counter {
            Some(e) => Some(build(e)?),
            None => None,
        };
        let separator = cell
            .separator
            .as_ref()
            .and_then(|name| separators.iter().find(|s| &s.name == name));
        let path_cm = match (separator, cell.electrode_gap_m) {
            (Some(s), _) => {
                positive(s.thickness_m, "the separator thickness", &cell.name)?
                    * 100.0
                    * macmullin(&s.material, params)
            }
            (None, Some(gap)) => positive(gap, "the electrode gap", &cell.name)? * 100.0,
            (None, None) => params.cell.default_gap * 100.0,
        };
        let tip_cm = match (cell.reference_tip_m, cell.electrode_gap_m) {
            (Some(tip), _) => positive(tip, "the reference tip distance", &cell.name)? * 100.0,
            (None, Some(gap)) => gap.abs() * 50.0,
            (None, None) => params.cell.default_tip * 100.0,
        };
        let electrolyte = Electrolyte::new(
            &cell.composition,
            &cell.solvents,
            cell.electrolyte_ul_per_cm2,
            &refs(params),
        );
        let mut sim = SimCell {
            name: cell.name.clone(),
            kind: cell.kind,
            we,
            ce,
            re: cell.reference.as_ref().map(|r| r.material),
            electrolyte,
            path_cm,
            tip_cm,
            k_mult,
            t_s: 0.0,
            assembled_s: None,
            drift_v: 0.0,
            drift_t_s: 0.0,
            mg_env: MgEnv::new(&params.mg, 0.0, 0.0, 0.0, f_t),
            g_ps: 0.0,
            f_t,
            pretreatment_notes: soak_notes,
        };
        sim.refresh(params);
        Ok(sim)
    }

    /// Adds the electrolyte at instrument time `t_s`: the interphase starts growing now.
    pub fn assemble(&mut self, t_s: f64) {
        self.assembled_s = Some(t_s);
        self.t_s = t_s;
        self.drift_t_s = t_s;
    }

    /// What the model does not capture about this cell, said once when it is assembled (each
    /// note starts with [`NOT_MODELLED`] and names the cell).
    pub fn model_limits(&self) -> Vec<String> {
        let e = &self.electrolyte;
        let has_li = std::iter::once(&self.we)
            .chain(self.ce.as_ref())
            .any(|x| x.material == Material::Li);
        let mut notes = Vec::new();
        if has_li && (e.c_li_salt <= 0.0 || e.c_mg > 0.0) {
            notes.push(
                "Li is modelled with its LP40 parameters (SEI growth, resistance, \
                 capacitance); how Li behaves in this electrolyte is not modelled"
                    .to_string(),
            );
        }
        notes.extend(e.notes());
        notes.extend(self.pretreatment_notes.iter().cloned());
        notes
            .into_iter()
            .map(|n| format!("{NOT_MODELLED}cell `{}`: {n}", self.name))
            .collect()
    }

    /// Recomputes what the electrolyte imposes (after assembly and after each addition).
    pub fn refresh(&mut self, params: &Params) {
        let e = &self.electrolyte;
        self.g_ps = gc::ps_conductance(&params.ps, e.c_ps, e.ionic_strength);
        let k = e.site_loss_rate(&params.mg) * self.k_mult;
        self.mg_env = MgEnv::new(&params.mg, k, e.c_mg, self.g_ps, self.f_t);
    }

    fn electrodes_mut(&mut self) -> impl Iterator<Item = &mut SimElectrode> {
        std::iter::once(&mut self.we).chain(self.ce.as_mut())
    }

    /// Open circuit for `dt` seconds.
    pub fn rest(&mut self, params: &Params, dt: f64) {
        if dt <= 0.0 {
            return;
        }
        let env = self.mg_env;
        for e in self.electrodes_mut() {
            match &mut e.state {
                State::Mg(s) => s.rest(&params.mg, &env, dt),
                State::Li(s) => s.age(&params.li, dt),
                State::Gc => {}
            }
        }
        self.t_s += dt;
    }

    pub fn electrode(&self, which: Which) -> Option<&SimElectrode> {
        match which {
            Which::Working => Some(&self.we),
            Which::Counter => self.ce.as_ref(),
        }
    }

    fn electrode_mut(&mut self, which: Which) -> Option<&mut SimElectrode> {
        match which {
            Which::Working => Some(&mut self.we),
            Which::Counter => self.ce.as_mut(),
        }
    }

    /// Impedance of one electrode per wetted area, Ω cm², around DC overpotential `eta` with
    /// peak AC amplitude `amp` across it.
    fn electrode_impedance(
        &self,
        e: &SimElectrode,
        params: &Params,
        omega: f64,
        eta: f64,
        amp: f64,
    ) -> Complex64 {
        match &e.state {
            State::Mg(s) => {
                Complex64::new(1.0, 0.0)
                    / s.admittance_at(&params.mg, &self.mg_env, omega, eta, amp)
            }
            State::Li(s) => s.impedance(&params.li, self.f_t, omega, eta, amp),
            State::Gc => gc::impedance(&params.ps, self.g_ps, self.f_t, omega, eta, amp),
        }
    }

    /// Electrolyte resistance between WE and CE, Ω (absolute, through the WE's wetted area).
    pub fn path_resistance_ohm(&self) -> f64 {
        self.path_cm / self.electrolyte.kappa_s_per_cm / self.we.wetted_area_cm2
    }

    /// Uncompensated resistance between WE and the reference tip, Ω cm² (per WE area).
    pub fn ru_ohm_cm2(&self) -> f64 {
        self.tip_cm / self.electrolyte.kappa_s_per_cm
    }

    /// The impedance an analyser reads for `connection` at the DC operating point `bias`
    /// with `amplitude_v_rms` of AC signal across the connection, Ω (absolute). The
    /// amplitude divides between the electrodes as their small-signal impedances do.
    pub fn impedance_driven(
        &self,
        params: &Params,
        connection: Connection,
        omega: f64,
        bias: &BiasPoint,
        amplitude_v_rms: f64,
    ) -> Result<Complex64, String> {
        let peak = amplitude_v_rms.max(0.0) * std::f64::consts::SQRT_2;
        let we_at = |amp: f64| {
            self.electrode_impedance(&self.we, params, omega, bias.eta_we, amp)
                / self.we.wetted_area_cm2
        };
        match connection {
            Connection::TwoElectrode => {
                let ce = self.ce.as_ref().ok_or_else(|| self.no_counter())?;
                let ce_at = |amp: f64| {
                    self.electrode_impedance(ce, params, omega, bias.eta_ce, amp)
                        / ce.wetted_area_cm2
                };
                let mut series = Complex64::new(self.path_resistance_ohm(), 0.0);
                if self.electrolyte.c_li_salt > 0.0 {
                    // Salt diffusion across the separator between two non-blocking electrodes.
                    series += finite_warburg(params.li.r_d, params.li.tau_w, omega)
                        / self.we.wetted_area_cm2;
                }
                let (we0, ce0) = (we_at(0.0), ce_at(0.0));
                if peak == 0.0 {
                    return Ok(we0 + ce0 + series);
                }
                let total = (we0 + ce0 + series).norm();
                let share = |z: Complex64| peak * z.norm() / total;
                Ok(we_at(share(we0)) + ce_at(share(ce0)) + series)
            }
            Connection::ThreeElectrode => {
                self.re.ok_or_else(|| self.no_reference())?;
                let ru = self.ru_ohm_cm2() / self.we.wetted_area_cm2;
                let we0 = we_at(0.0);
                if peak == 0.0 {
                    return Ok(we0 + ru);
                }
                let share = peak * we0.norm() / (we0 + ru).norm();
                Ok(we_at(share) + ru)
            }
        }
    }

    /// The DC operating point when `bias_v` is held across `connection` (V from its open
    /// circuit): the current that flows and each electrode's overpotential.
    pub fn bias_point(
        &self,
        params: &Params,
        connection: Connection,
        bias_v: f64,
    ) -> Result<BiasPoint, String> {
        if bias_v == 0.0 || !bias_v.is_finite() {
            return Ok(BiasPoint::default());
        }
        let a_we = self.we.wetted_area_cm2;
        let a_ce = self.ce.as_ref().map_or(a_we, |e| e.wetted_area_cm2);
        let at = |i: f64| -> (f64, f64, f64) {
            let we = self.solve(params, Which::Working, i).eta;
            match connection {
                Connection::ThreeElectrode => (we, 0.0, we + self.ru_ohm_cm2() * i),
                Connection::TwoElectrode => {
                    let i_ce = -i * a_we / a_ce;
                    let ce = self.solve(params, Which::Counter, i_ce).eta;
                    (we, ce, we - ce + i * a_we * self.path_resistance_ohm())
                }
            }
        };
        match connection {
            Connection::ThreeElectrode => {
                self.re.ok_or_else(|| self.no_reference())?;
            }
            Connection::TwoElectrode => {
                self.ce.as_ref().ok_or_else(|| self.no_counter())?;
            }
        }
        // The voltage rises with the current: widen the bracket until it holds the bias.
        let sign = bias_v.signum();
        let mut hi = 1e-9;
        while sign * at(sign * hi).2 < bias_v.abs() && hi < 10.0 {
            hi *= 4.0;
        }
        let i = brent(|i| at(i).2 - bias_v, 0.0, sign * hi, 1e-15);
        let (eta_we, eta_ce, _) = at(i);
        Ok(BiasPoint {
            eta_we,
            eta_ce,
            current_a: i * a_we,
        })
    }

    fn no_counter(&self) -> String {
        format!("cell `{}` has no counter electrode", self.name)
    }

    fn no_reference(&self) -> String {
        format!(
            "cell `{}` has no reference electrode: measure it in two-electrode connection",
            self.name
        )
    }

    /// Rest potential of a material vs Li⁺/Li in this electrolyte, V.
    fn rest_potential(&self, material: Material, params: &Params) -> f64 {
        match material {
            Material::Mg => params.mg.e_eq,
            Material::Li => params.li.e_eq,
            Material::GlassyCarbon if self.electrolyte.c_ps > 0.0 => params.ps.e_eq_ps,
            Material::GlassyCarbon => params.ps.e_eq_gc,
            // Substrates are refused when the cell is built (`build_electrode`).
            _ => f64::NAN,
        }
    }

    /// The open-circuit potential of `connection` without noise or drift, V.
    pub fn ocv(&self, params: &Params, connection: Connection) -> Result<f64, String> {
        let we = self.rest_potential(self.we.material, params);
        match connection {
            Connection::TwoElectrode => {
                let ce = self.ce.as_ref().ok_or_else(|| self.no_counter())?;
                Ok(we - self.rest_potential(ce.material, params))
            }
            Connection::ThreeElectrode => {
                let re = self.re.ok_or_else(|| self.no_reference())?;
                Ok(we - self.rest_potential(re, params))
            }
        }
    }

    /// The overpotential of electrode `which` carrying local current density `i` (A/cm²,
    /// anodic positive).
    pub fn solve(&self, params: &Params, which: Which, i: f64) -> Solved {
        let compliance = params.cell.compliance;
        let Some(e) = self.electrode(which) else {
            return Solved {
                eta: 0.0,
                clipped: false,
            };
        };
        match &e.state {
            State::Mg(s) => s.solve(&params.mg, &self.mg_env, i, compliance),
            State::Li(s) => {
                let eta = s.eta(&params.li, self.f_t, i);
                Solved {
                    eta: eta.clamp(-compliance, compliance),
                    clipped: eta.abs() > compliance,
                }
            }
            State::Gc => gc::solve(&params.ps, self.g_ps, self.f_t, i, compliance),
        }
    }

    /// Electrode `which` carries `i` at overpotential `eta` for `dt` seconds.
    pub fn hold(&mut self, params: &Params, which: Which, dt: f64, i: f64, eta: f64) {
        let env = self.mg_env;
        if let Some(e) = self.electrode_mut(which) {
            match &mut e.state {
                State::Mg(s) => s.hold(&params.mg, &env, dt, i, eta),
                State::Li(s) => s.age(&params.li, dt),
                State::Gc => {}
            }
        }
    }

    /// Glassy carbon turns polysulfide over while it carries `current_a` (absolute) for `dt`
    /// seconds. Against an electrode of another material (Mg carries its current by Mg²⁺/Mg,
    /// Li by Li⁺/Li) a GC electrode consumes Li2S8 at |I|/2F (S8²⁻ + 2e⁻ → 2 S4²⁻, or
    /// S8²⁻ → S8 + 2e⁻) from the cell's electrolyte, whose polysulfide conductance falls with
    /// it; once it is used up only the leakage is left and the potential climbs to the
    /// compliance. In a GC/GC cell the two products regenerate S8²⁻.
    pub fn consume_polysulfide(&mut self, params: &Params, current_a: f64, dt: f64) {
        let mut gc_electrodes = std::iter::once(&self.we)
            .chain(self.ce.as_ref())
            .filter(|e| e.material == Material::GlassyCarbon)
            .count();
        if gc_electrodes == 2 {
            // GC/GC: the S8 made at one electrode and the S4²⁻ made at the other
            // comproportionate back to S8²⁻ in the shared electrolyte (S8 + 2 S4²⁻ → 2 S8²⁻):
            // the cell turns polysulfide over without using it up.
            gc_electrodes = 0;
        }
        let total_area =
            self.we.wetted_area_cm2 + self.ce.as_ref().map_or(0.0, |e| e.wetted_area_cm2);
        let volume_l = self.electrolyte.ul_per_cm2 * total_area * 1e-6;
        if gc_electrodes == 0 || self.electrolyte.c_ps <= 0.0 || volume_l <= 0.0 || dt <= 0.0 {
            return;
        }
        let mol = gc_electrodes as f64 * current_a.abs() * dt / (2.0 * FARADAY);
        self.electrolyte.c_ps = (self.electrolyte.c_ps - mol / volume_l).max(0.0);
        self.refresh(params);
    }

    /// After an addition: the new electrolyte and, in a flooded cell, the new wetted area.
    /// The newly wetted strip is given the state of the immersed part (one state per
    /// electrode); after a polysulfide addition the polysulfide path dominates either way.
    pub fn add(
        &mut self,
        params: &Params,
        composition: &[crate::plan::Solute],
        solvents: &[crate::plan::SolventPart],
        ul_per_cm2: f64,
        wetted_we_cm2: f64,
    ) {
        self.electrolyte = Electrolyte::new(composition, solvents, ul_per_cm2, &refs(params));
        if wetted_we_cm2.is_finite() && wetted_we_cm2 > 0.0 {
            let ratio = wetted_we_cm2 / self.we.wetted_area_cm2;
            self.we.wetted_area_cm2 = wetted_we_cm2;
            if let Some(ce) = self.ce.as_mut() {
                ce.wetted_area_cm2 *= ratio;
            }
        }
        self.refresh(params);
    }
}

fn refs(params: &Params) -> Refs<'_> {
    Refs {
        mg: &params.mg,
        li: &params.li,
        ps: &params.ps,
        kappa_min: params.cell.kappa_min,
    }
}

/// An electrode as it enters the cell: its material's fresh state, then its pretreatments.
fn build_electrode(
    e: &CellElectrode,
    cell: &str,
    solutions: &[Solution],
    params: &Params,
    spread: &mut Spread,
    notes: &mut Vec<String>,
) -> Result<SimElectrode, String> {
    let area = positive(e.wetted_area_cm2, "the wetted electrode area", cell)?;
    let state = match e.material {
        Material::Mg => {
            let spread = MgSpread {
                r_site: spread.multiplier(params.mg.sigma_r_site),
                tau_d: spread.multiplier(params.mg.sigma_tau_d),
                j_crit: spread.multiplier(params.mg.sigma_j_crit),
            };
            let mut s = MgState::fresh(spread);
            pretreat_mg(&mut s, e, solutions, params, notes);
            State::Mg(s)
        }
        Material::Li => State::Li(LiState::fresh(spread.multiplier(params.li.sigma_r_sei))),
        Material::GlassyCarbon => State::Gc,
        other => {
            return Err(format!(
                "the simulator does not model a {} electrode yet (cell `{cell}`)",
                other.display_name()
            ));
        }
    };
    Ok(SimElectrode {
        material: e.material,
        wetted_area_cm2: area,
        state,
    })
}

/// Brushing exposes fresh metal; a soak passivates at open circuit in a vial (site loss at
/// the vial's volume per area and the soak solution's water, corrosion), for as long as it
/// lasts; a wash or drying after a soak fixes the film ex situ: its electronic resistance
/// becomes that of the dried film, r_el_dry/θ, growing with how far the soak aged it.
fn pretreat_mg(
    s: &mut MgState,
    e: &CellElectrode,
    solutions: &[Solution],
    params: &Params,
    notes: &mut Vec<String>,
) {
    let p = &params.mg;
    for step in &e.pretreatments {
        match step {
            Pretreatment::Brush { .. } => *s = MgState::fresh(s.spread),
            Pretreatment::Soak {
                solution,
                duration_s,
            } => {
                let found = solutions.iter().find(|x| &x.name == solution);
                let electrolyte = found.map(|x| {
                    Electrolyte::new(&x.solutes, &x.solvents, p.soak_volume, &refs(params))
                });
                let c_water = electrolyte.as_ref().map_or(0.0, |x| x.c_water);
                match &electrolyte {
                    Some(x) if x.c_mg > 0.0 => notes.extend(
                        x.notes()
                            .into_iter()
                            .map(|n| format!("soak of `{}` in `{solution}`: {n}", e.electrode)),
                    ),
                    _ => notes.push(format!(
                        "soak of `{}` in `{solution}`: the film a Mg electrode grows in a \
                         solution without Mg salt is not modelled; its growth in the Mg \
                         electrolyte (mg_chloride_glyme) stands in",
                        e.electrode
                    )),
                }
                // Both faces of the electrode are wetted in the vial.
                let area = 2.0 * e.nominal_area_cm2.max(1e-6);
                let ul_per_cm2 = p.soak_volume * 1e3 / area;
                let k = site_loss_rate(p, ul_per_cm2, c_water);
                let env = MgEnv::new(p, k, p.c_mg_ref, 0.0, 1.0);
                s.rest(p, &env, duration_s.max(0.0));
                s.wetted = true;
            }
            Pretreatment::Wash { .. } | Pretreatment::Dry { .. } if s.wetted => {
                s.r_el_dry = p.r_el_dry / s.theta.max(1e-12);
            }
            Pretreatment::Wash { .. } | Pretreatment::Dry { .. } => {}
        }
    }
}
