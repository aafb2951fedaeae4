//! A read-only view of the model state, for tests, debugging and the model stage's
//! cross-checks. No reading depends on it.

use super::SimInstrument;
use super::cell::{SimElectrode, State};
use serde::Serialize;

/// A snapshot of one electrode's model state (for tests, debugging and the model stage's
/// cross-checks; the readings never depend on it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElectrodeProbe {
    pub material: crate::plan::Material,
    pub wetted_area_cm2: f64,
    /// Interface resistance at open circuit (the arc's diameter), Ω cm² per wetted area.
    pub r_interface_ohm_cm2: f64,
    /// Mg: reactive-site fraction; Li: relative SEI defect density; GC: 1.
    pub theta: f64,
    /// Mg: porous outer-layer thickness, m.
    pub porous_thickness_m: f64,
    /// Mg: interfacial area factor ρ.
    pub area_factor: f64,
    /// Mg: activated fraction, damage, rupture.
    pub active_fraction: f64,
    pub damage: f64,
    pub ruptured: bool,
    /// Mg: zero-bias electronic (tunnelling) resistance of the film, Ω cm².
    pub r_electronic_ohm_cm2: f64,
}

impl SimInstrument {
    /// The model state of every electrode of a cell (WE first, then CE), at the cell's clock;
    /// `None` for a cell not assembled yet (no step has used it).
    pub fn probe(&self, cell: &str) -> Option<Vec<ElectrodeProbe>> {
        let c = self
            .cells
            .iter()
            .find(|c| c.name == cell && c.assembled_s.is_some())?;
        let p = &self.params;
        let probe = |e: &SimElectrode| match &e.state {
            State::Mg(s) => ElectrodeProbe {
                material: e.material,
                wetted_area_cm2: e.wetted_area_cm2,
                r_interface_ohm_cm2: s.dc_resistance(&p.mg, &c.mg_env),
                theta: s.theta,
                porous_thickness_m: s.porous_thickness_m(&p.mg),
                area_factor: s.rho(&p.mg),
                active_fraction: s.active,
                damage: s.damage,
                ruptured: s.ruptured,
                r_electronic_ohm_cm2: s.r_el(&p.mg),
            },
            State::Li(s) => ElectrodeProbe {
                material: e.material,
                wetted_area_cm2: e.wetted_area_cm2,
                r_interface_ohm_cm2: s.r_sei(&p.li),
                theta: s.theta,
                porous_thickness_m: 0.0,
                area_factor: 1.0,
                active_fraction: 0.0,
                damage: 0.0,
                ruptured: false,
                r_electronic_ohm_cm2: 0.0,
            },
            State::Gc => ElectrodeProbe {
                material: e.material,
                wetted_area_cm2: e.wetted_area_cm2,
                r_interface_ohm_cm2: 1.0 / (c.g_ps + 1.0 / p.ps.r_leak),
                theta: 1.0,
                porous_thickness_m: 0.0,
                area_factor: 1.0,
                active_fraction: 0.0,
                damage: 0.0,
                ruptured: false,
                r_electronic_ohm_cm2: 0.0,
            },
        };
        Some(
            std::iter::once(&c.we)
                .chain(c.ce.as_ref())
                .map(probe)
                .collect(),
        )
    }
}
