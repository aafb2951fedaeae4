//! The electrolyte as the model sees it: Mg²⁺, polysulfide and Li-salt concentrations, ionic
//! strength, conductivity and volume per wetted area.
//!
//! Takes a plan's solute list (`MgCl2 0.4 M`, `Mg(TFSI)2 0.4 M`, `Li2S8 0.1 M`, `LiPF6 1 M`)
//! and gives an [`Electrolyte`]. Salts are recognised from a small table of the species the
//! paper uses plus close relatives; anything else is listed in `ignored` (it neither carries
//! current nor reacts in the model) so the run manifest can say so.

use super::param_sets::{LiParams, MgParams, PsParams};
use crate::plan::Solute;

/// What a recognised salt contributes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Family {
    /// A Mg²⁺ salt MgX2 (1 cation of charge 2, 2 anions of charge 1).
    Mg,
    /// A Li polysulfide Li2Sx (2 Li⁺, one Sx²⁻).
    Polysulfide,
    /// A Li salt LiX (1 Li⁺, 1 anion).
    Li,
}

/// Formulae, compared case-insensitively without spaces.
const SPECIES: &[(&str, Family)] = &[
    ("mgcl2", Family::Mg),
    ("mg(tfsi)2", Family::Mg),
    ("mg(clo4)2", Family::Mg),
    ("mg(hmds)2", Family::Mg),
    ("li2s8", Family::Polysulfide),
    ("li2s6", Family::Polysulfide),
    ("li2s4", Family::Polysulfide),
    ("lipf6", Family::Li),
    ("litfsi", Family::Li),
    ("liclo4", Family::Li),
    ("lino3", Family::Li),
];

fn family(species: &str) -> Option<Family> {
    let key: String = species
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    SPECIES.iter().find(|(s, _)| *s == key).map(|(_, f)| *f)
}

/// The electrolyte of one compartment.
#[derive(Debug, Clone, PartialEq)]
pub struct Electrolyte {
    /// Mg²⁺ concentration, M.
    pub c_mg: f64,
    /// Polysulfide concentration, M.
    pub c_ps: f64,
    /// Li-salt (LiX) concentration, M.
    pub c_li_salt: f64,
    /// Ionic strength ½Σcz², M (3c for MgX2 and Li2Sx, c for LiX).
    pub ionic_strength: f64,
    /// Ionic conductivity, S/cm.
    pub kappa_s_per_cm: f64,
    /// Electrolyte volume per total wetted electrode area, µL/cm².
    pub ul_per_cm2: f64,
    /// Solutes the model does not know (ignored).
    pub ignored: Vec<String>,
}

/// The parameters conductivity and kinetics depend on.
pub struct Refs<'a> {
    pub mg: &'a MgParams,
    pub li: &'a LiParams,
    pub ps: &'a PsParams,
    pub kappa_min: f64,
}

impl Electrolyte {
    pub fn new(solutes: &[Solute], ul_per_cm2: f64, refs: &Refs<'_>) -> Self {
        let (mut c_mg, mut c_ps, mut c_li_salt) = (0.0, 0.0, 0.0);
        let mut ignored = Vec::new();
        for solute in solutes {
            let c = solute.concentration_m.max(0.0);
            match family(&solute.species) {
                Some(Family::Mg) => c_mg += c,
                Some(Family::Polysulfide) => c_ps += c,
                Some(Family::Li) => c_li_salt += c,
                None => ignored.push(solute.species.clone()),
            }
        }
        // Conductivity: each family scaled linearly from its reference solution. Crude (no
        // Kohlrausch or ion-pairing terms) but only the small series resistance depends on it.
        let kappa = refs.mg.kappa * c_mg / refs.mg.c_mg_ref
            + refs.li.kappa * c_li_salt / refs.li.c_ref
            + refs.ps.kappa * c_ps / refs.ps.c_ps_ref;
        Electrolyte {
            c_mg,
            c_ps,
            c_li_salt,
            ionic_strength: 3.0 * c_mg + 3.0 * c_ps + c_li_salt,
            kappa_s_per_cm: kappa.max(refs.kappa_min),
            ul_per_cm2: ul_per_cm2.max(0.0),
            ignored,
        }
    }

    /// Site-loss rate constant k = k_max·v/(v + v_half), 1/s: the poisoning agent is supplied
    /// per area from the electrolyte, and the supply saturates at large volume per area.
    pub fn site_loss_rate(&self, mg: &MgParams) -> f64 {
        let v = self.ul_per_cm2;
        mg.k_max * v / (v + mg.v_half)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn species_are_recognised_whatever_the_spelling() {
        assert_eq!(family("MgCl2"), Some(Family::Mg));
        assert_eq!(family("Mg(TFSI)2"), Some(Family::Mg));
        assert_eq!(family("li2s8"), Some(Family::Polysulfide));
        assert_eq!(family("LiPF6"), Some(Family::Li));
        assert_eq!(family("NaCl"), None);
    }
}
