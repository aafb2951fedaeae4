//! The electrolyte as the model sees it: Mg²⁺, polysulfide and Li-salt concentrations, ionic
//! strength, conductivity and volume per wetted area.
//!
//! Takes a plan's solute list (`MgCl2 0.4 M`, `Mg(TFSI)2 0.4 M`, `Li2S8 0.1 M`, `LiPF6 1 M`,
//! `H2O 1 mM`) and solvents, and gives an [`Electrolyte`]. Salts are recognised from a small
//! table: the paper's species are modelled; close relatives only through their ions
//! (concentration, ionic strength, conductivity), with the paper's parameter sets standing in
//! for their chemistry; water feeds the site-loss law; anything else is `ignored`. Every
//! stand-in and every ignored solute is listed in `stand_ins` / `ignored` so the run can say so.

use super::param_sets::{LiParams, MgParams, PsParams};
use crate::plan::{Solute, SolventPart};

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

/// The species the parameter sets were measured with (the paper's electrolytes).
const PAPER_SPECIES: &[&str] = &["mgcl2", "mg(tfsi)2", "li2s8", "lipf6"];

/// Solvents of the paper's electrolytes: TEGDME:DOL (Mg, polysulfide), EC:DEC (LP40).
const MG_SOLVENTS: &[&str] = &["tegdme", "dol"];
const LI_SOLVENTS: &[&str] = &["ec", "dec"];

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

fn key(species: &str) -> String {
    species
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
}

fn family(species: &str) -> Option<Family> {
    let key = key(species);
    SPECIES.iter().find(|(s, _)| *s == key).map(|(_, f)| *f)
}

fn is_water(species: &str) -> bool {
    matches!(key(species).as_str(), "h2o" | "water")
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
    /// Water, M (beyond what the reference electrolyte holds).
    pub c_water: f64,
    /// Solutes the model does not know (ignored).
    pub ignored: Vec<String>,
    /// What the model answers with the paper's parameter sets although it differs from them:
    /// salts known only through their ions, solvents other than the paper's.
    pub stand_ins: Vec<String>,
}

/// The parameters conductivity and kinetics depend on.
pub struct Refs<'a> {
    pub mg: &'a MgParams,
    pub li: &'a LiParams,
    pub ps: &'a PsParams,
    pub kappa_min: f64,
}

impl Electrolyte {
    pub fn new(
        solutes: &[Solute],
        solvents: &[SolventPart],
        ul_per_cm2: f64,
        refs: &Refs<'_>,
    ) -> Self {
        let (mut c_mg, mut c_ps, mut c_li_salt, mut c_water) = (0.0, 0.0, 0.0, 0.0);
        let mut ignored = Vec::new();
        let mut stand_ins = Vec::new();
        for solute in solutes {
            let c = solute.concentration_m.max(0.0);
            if is_water(&solute.species) {
                c_water += c;
                continue;
            }
            let family = family(&solute.species);
            match family {
                Some(Family::Mg) => c_mg += c,
                Some(Family::Polysulfide) => c_ps += c,
                Some(Family::Li) => c_li_salt += c,
                None => ignored.push(solute.species.clone()),
            }
            let set = match family {
                Some(Family::Mg) => Some("mg_chloride_glyme (MgCl2 + Mg(TFSI)2)"),
                Some(Family::Polysulfide) => Some("li2s8_gc (Li2S8)"),
                Some(Family::Li) => Some("li_lp40 (LiPF6)"),
                None => None,
            };
            if let Some(set) = set
                && !PAPER_SPECIES.contains(&key(&solute.species).as_str())
            {
                stand_ins.push(format!(
                    "{}: counted by its ions (concentration, ionic strength, conductivity); its \
                     chemistry (film, kinetics) is that of parameter set {set}",
                    solute.species
                ));
            }
        }
        let paper_solvents: &[&str] = if c_li_salt > 0.0 && c_mg <= 0.0 && c_ps <= 0.0 {
            LI_SOLVENTS
        } else {
            MG_SOLVENTS
        };
        for s in solvents {
            if !paper_solvents.contains(&key(&s.name).as_str()) {
                stand_ins.push(format!(
                    "solvent {}: the parameter sets were measured in {}; they stand in for it \
                     (no solvent dependence is modelled)",
                    s.name,
                    paper_solvents
                        .iter()
                        .map(|x| x.to_uppercase())
                        .collect::<Vec<_>>()
                        .join(":")
                ));
            }
        }
        // The paper's Mg electrolyte holds chloride; a chloride-free one is known to behave
        // differently, but the model has no parameters for it.
        let has_chloride = solutes.iter().any(|s| key(&s.species) == "mgcl2");
        if c_mg > 0.0 && !has_chloride {
            stand_ins.push(
                "a Mg electrolyte without chloride: the Mg film and kinetics are those of the \
                 chloride-containing parameter set mg_chloride_glyme"
                    .into(),
            );
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
            c_water,
            ignored,
            stand_ins,
        }
    }

    /// Site-loss rate constant k = k_max·v/(v + v_half), 1/s: the poisoning agent (trace
    /// water) is supplied per area from the electrolyte, and the supply saturates at large
    /// volume per area. Added water multiplies the supply: v → v·(1 + c_H2O/c_water_ref).
    pub fn site_loss_rate(&self, mg: &MgParams) -> f64 {
        site_loss_rate(mg, self.ul_per_cm2, self.c_water)
    }
}

/// The site-loss rate constant for `ul_per_cm2` of electrolyte holding `c_water` M of added
/// water, 1/s.
pub fn site_loss_rate(mg: &MgParams, ul_per_cm2: f64, c_water: f64) -> f64 {
    let v = ul_per_cm2.max(0.0) * (1.0 + c_water.max(0.0) / mg.c_water_ref);
    mg.k_max * v / (v + mg.v_half)
}

impl Electrolyte {
    /// Everything about this electrolyte the model answers with a stand-in or ignores.
    pub fn notes(&self) -> Vec<String> {
        let mut notes: Vec<String> = self
            .ignored
            .iter()
            .map(|s| {
                format!(
                    "solute {s}: unknown to the model, ignored (it neither carries current nor \
                     reacts)"
                )
            })
            .collect();
        notes.extend(self.stand_ins.iter().cloned());
        notes
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
        assert!(is_water("H2O") && is_water("water") && !is_water("H2O2"));
    }
}
