//! A simulated cell: its electrodes' states, its electrolyte and its topology.
//!
//! Takes a plan's [`Cell`] (materials, wetted areas, pretreatments, composition, volume per
//! area, separator or gap, reference-tip distance) and gives a [`SimCell`] that ages, answers
//! impedance for a connection (symmetric: Re + Z₁ + Z₂; three-electrode: WE vs RE with the
//! uncompensated resistance to the bridge tip), and solves electrode overpotentials under DC.
//! Per-area electrode quantities become absolute through each electrode's wetted area.

use super::electrolyte::{Electrolyte, Refs};
use super::gc;
use super::impedance::{FARADAY, f_over_rt, finite_warburg};
use super::li::LiState;
use super::mg::{MgEnv, MgSpread, MgState, Solved};
use super::noise::Spread;
use super::params::Params;
use crate::plan::{Cell, CellElectrode, CellKind, Connection, Material, Pretreatment, Separator};
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
        params: &Params,
        spread: &mut Spread,
    ) -> Result<SimCell, String> {
        let f_t = f_over_rt(params.cell.temperature);
        if !(f_t.is_finite() && f_t > 0.0) {
            return Err("the cell temperature must be above absolute zero".into());
        }
        let k_mult = spread.multiplier(params.mg.sigma_k);
        let we = build_electrode(&cell.working, &cell.name, params, spread)?;
        let ce = match &cell.counter {
            Some(e) => Some(build_electrode(e, &cell.name, params, spread)?),
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

    /// What the model does not capture about this cell, said once when it is assembled.
    pub fn model_limits(&self) -> Vec<String> {
        let e = &self.electrolyte;
        let has_li = std::iter::once(&self.we)
            .chain(self.ce.as_ref())
            .any(|x| x.material == Material::Li);
        let mut notes = Vec::new();
        if has_li && (e.c_li_salt <= 0.0 || e.c_mg > 0.0) {
            notes.push(format!(
                "cell `{}`: Li is modelled with its LP40 parameters (SEI growth, resistance, \
                 capacitance); how Li behaves in this electrolyte is not modelled",
                self.name
            ));
        }
        notes
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

    /// Impedance of one electrode per wetted area, Ω cm².
    fn electrode_impedance(&self, e: &SimElectrode, params: &Params, omega: f64) -> Complex64 {
        match &e.state {
            State::Mg(s) => {
                Complex64::new(1.0, 0.0) / s.admittance(&params.mg, &self.mg_env, omega)
            }
            State::Li(s) => s.impedance(&params.li, omega),
            State::Gc => gc::impedance(&params.ps, self.g_ps, omega),
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

    /// The measured impedance for `connection`, Ω (absolute).
    pub fn impedance(
        &self,
        params: &Params,
        connection: Connection,
        omega: f64,
    ) -> Result<Complex64, String> {
        let we = self.electrode_impedance(&self.we, params, omega) / self.we.wetted_area_cm2;
        match connection {
            Connection::TwoElectrode => {
                let ce = self.ce.as_ref().ok_or_else(|| self.no_counter())?;
                let mut z = we
                    + self.electrode_impedance(ce, params, omega) / ce.wetted_area_cm2
                    + self.path_resistance_ohm();
                if self.electrolyte.c_li_salt > 0.0 {
                    // Salt diffusion across the separator between two non-blocking electrodes.
                    z += finite_warburg(params.li.r_d, params.li.tau_w, omega)
                        / self.we.wetted_area_cm2;
                }
                Ok(z)
            }
            Connection::ThreeElectrode => {
                self.re.ok_or_else(|| self.no_reference())?;
                Ok(we + self.ru_ohm_cm2() / self.we.wetted_area_cm2)
            }
        }
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
    /// seconds: each GC electrode consumes Li2S8 at |I|/2F (S8²⁻ + 2e⁻ → 2 S4²⁻ on one side,
    /// S8²⁻ → S8 + 2e⁻ on the other) from the cell's electrolyte, whose polysulfide
    /// conductance falls with it; once it is used up only the leakage is left and the
    /// potential climbs to the compliance. (Mg electrodes carry their current by Mg²⁺/Mg.)
    pub fn consume_polysulfide(&mut self, params: &Params, current_a: f64, dt: f64) {
        let gc_electrodes = std::iter::once(&self.we)
            .chain(self.ce.as_ref())
            .filter(|e| e.material == Material::GlassyCarbon)
            .count();
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
        ul_per_cm2: f64,
        wetted_we_cm2: f64,
    ) {
        self.electrolyte = Electrolyte::new(composition, ul_per_cm2, &refs(params));
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
    params: &Params,
    spread: &mut Spread,
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
            pretreat_mg(&mut s, e, params);
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
/// the vial's volume per area, corrosion); a wash after a soak leaves residue blocking θ_b of
/// the surface; drying changes nothing the model tracks.
fn pretreat_mg(s: &mut MgState, e: &CellElectrode, params: &Params) {
    for step in &e.pretreatments {
        match step {
            Pretreatment::Brush { .. } => *s = MgState::fresh(s.spread),
            Pretreatment::Soak { duration_s, .. } => {
                // Both faces of the electrode are wetted in the vial.
                let area = 2.0 * e.nominal_area_cm2.max(1e-6);
                let ul_per_cm2 = params.mg.soak_volume * 1e3 / area;
                let k = params.mg.k_max * ul_per_cm2 / (ul_per_cm2 + params.mg.v_half);
                let env = MgEnv::new(&params.mg, k, params.mg.c_mg_ref, 0.0, 1.0);
                s.rest(&params.mg, &env, duration_s.max(0.0));
                s.wetted = true;
            }
            Pretreatment::Wash { .. } if s.wetted => s.block = params.mg.theta_b,
            Pretreatment::Wash { .. } | Pretreatment::Dry { .. } => {}
        }
    }
}
