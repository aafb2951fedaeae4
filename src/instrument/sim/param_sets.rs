//! The typed parameter sets the model reads, one struct per documented JSON file.
//!
//! Field names are the JSON keys; every field holds the value in the internal unit of its
//! [`Kind`] (SI, except areal quantities per cm², concentrations in M, volumes in mL, volume
//! per area in µL/cm²). Meanings and sources live in the JSON files next to the values.

use super::error::SimError;
use super::params::{Bound, Kind, ParamKey, ParamSet};

macro_rules! param_set {
    (
        $(#[$meta:meta])*
        $name:ident = $set:literal {
            $( $(#[$fmeta:meta])* $field:ident : $kind:ident, $bound:ident; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: f64, )*
        }

        impl $name {
            /// The set's name (its JSON file is `params/NAME.json`).
            pub const SET: &'static str = $set;
            /// Every key with its kind and admissible range.
            pub const KEYS: &'static [ParamKey] = &[
                $( ParamKey { key: stringify!($field), kind: Kind::$kind, bound: Bound::$bound }, )*
            ];

            /// Reads every field from a validated set.
            pub fn from_set(set: &ParamSet) -> Result<Self, SimError> {
                Ok($name { $( $field: set.get(stringify!($field))?, )* })
            }
        }
    };
}

param_set! {
    /// Mg metal in 0.4 M MgCl2 + 0.4 M Mg(TFSI)2 in TEGDME:DOL: film, sites, kinetics.
    MgParams = "mg_chloride_glyme" {
        /// Compact inner film thickness, m.
        d_c: Length, Positive;
        /// Compact film relative permittivity.
        eps_c: Dimensionless, Positive;
        /// Zero-bias electronic (tunnelling) resistance of the film, Ω cm².
        r_el0: ArealResistance, NonNegative;
        /// Simmons cubic voltage scale, V.
        v_s: Potential, Positive;
        /// Field-activated ionic conduction: voltage scale, V.
        v0_ion: Potential, Positive;
        /// Field-activated ionic conduction: prefactor, A/cm².
        i0_ion: CurrentDensity, Positive;
        /// Open-circuit corrosion current density, A/cm².
        i_corr: CurrentDensity, NonNegative;
        /// Porosity of the outer corrosion layer.
        porosity: Dimensionless, Fraction;
        /// Molar volume of MgO, cm³/mol.
        v_mgo: MolarVolume, Positive;
        /// Site charge-transfer resistance at θ = 1 and c_mg_ref, Ω cm².
        r_site0: ArealResistance, Positive;
        /// Mg²⁺ concentration at which r_site0 holds, M.
        c_mg_ref: Concentration, Positive;
        /// Turnover limit of the reactive sites at θ = 1, A/cm².
        j_sat: CurrentDensity, Positive;
        /// Site-loss rate constant at saturating electrolyte supply, 1/s.
        k_max: Rate, NonNegative;
        /// Electrolyte volume per area at which the site-loss rate is half of k_max, µL/cm².
        v_half: VolumePerArea, Positive;
        /// Interfacial CPE: effective capacitance at cpe_r_ref, F/cm².
        cpe_c_ref: ArealCapacitance, Positive;
        /// Interfacial CPE: the resistance at which cpe_c_ref holds, Ω cm².
        cpe_r_ref: ArealResistance, Positive;
        /// Interfacial CPE exponent.
        cpe_p: Dimensionless, Exponent;
        /// Maximum relative gain of interfacial area by the corroded zone.
        a_rho: Dimensionless, NonNegative;
        /// JMAK time constant of the corroded zone (q_X = i_corr·tau_x), s.
        tau_x: Time, Positive;
        /// JMAK (Avrami) exponent.
        n_x: Dimensionless, Positive;
        /// Exchange current density on bare Mg, A/cm².
        j0_bare: CurrentDensity, Positive;
        /// Local current density at which the film stops opening, A/cm².
        j_crit: CurrentDensity, Positive;
        /// Largest deposition current density into bare (opened) patches, A/cm² of bare area.
        j_bare_dep: CurrentDensity, Positive;
        /// Opening time after rupture, s.
        tau_open: Time, Positive;
        /// Damage clock time constant at v_ref, s.
        tau_d: Time, Positive;
        /// Damage clock reference film voltage, V.
        v_ref: Potential, Any;
        /// Damage clock field-acceleration voltage scale, V.
        v_d: Potential, Positive;
        /// Film voltage below which no damage accumulates, V.
        v_th: Potential, NonNegative;
        /// Repassivation time of activated area at rest, s.
        tau_rep: Time, Positive;
        /// Exponent of the film-age factor (1/θ)^m_age of the damage clock.
        m_age: Dimensionless, NonNegative;
        /// Activated fraction below which the last opened pits close (film no longer broken).
        a_seal: Dimensionless, Fraction;
        /// Plating threshold overpotential of the multistep reaction, V.
        eta_th: Potential, NonNegative;
        /// Plating Tafel-like slope above the threshold, V.
        b_pl: Potential, Positive;
        /// Plating current scale above the threshold, A/cm².
        i_s: CurrentDensity, Positive;
        /// Plating limiting current density (mass transport), A/cm².
        i_l: CurrentDensity, Positive;
        /// Zero-bias electronic resistance of a soaked film dried ex situ, per 1/θ, Ω cm².
        r_el_dry: ArealResistance, NonNegative;
        /// Water content of the reference electrolyte, M (trace water supplies site loss).
        c_water_ref: Concentration, Positive;
        /// Conductivity of the electrolyte at c_mg_ref, S/cm.
        kappa: Conductivity, Positive;
        /// Electrolyte volume of a pre-passivation soak (vial), mL.
        soak_volume: Volume, Positive;
        /// Equilibrium potential of Mg²⁺/Mg vs Li⁺/Li, V.
        e_eq: Potential, Any;
        /// Lognormal σ of r_site0 between cells (with spread).
        sigma_r_site: Dimensionless, NonNegative;
        /// Lognormal σ of the site-loss rate between cells (with spread).
        sigma_k: Dimensionless, NonNegative;
        /// Lognormal σ of tau_d between electrodes (with spread).
        sigma_tau_d: Dimensionless, NonNegative;
        /// Lognormal σ of j_crit between electrodes (with spread).
        sigma_j_crit: Dimensionless, NonNegative;
    }
}

param_set! {
    /// Li metal in 1 M LiPF6 in EC:DEC (LP40): SEI ageing and transport.
    LiParams = "li_lp40" {
        /// SEI resistance at assembly, Ω cm².
        r_sei0: ArealResistance, Positive;
        /// Relative SEI defect density reached at long times.
        theta_inf: Dimensionless, Positive;
        /// SEI ordering rate constant, 1/s.
        k_l: Rate, NonNegative;
        /// SEI CPE: effective capacitance at cpe_r_ref, F/cm².
        cpe_c_ref: ArealCapacitance, Positive;
        /// SEI CPE: the resistance at which cpe_c_ref holds, Ω cm².
        cpe_r_ref: ArealResistance, Positive;
        /// SEI CPE exponent.
        cpe_p: Dimensionless, Exponent;
        /// Finite-Warburg resistance of salt diffusion in the separator, Ω cm².
        r_d: ArealResistance, NonNegative;
        /// Finite-Warburg diffusion time, s.
        tau_w: Time, Positive;
        /// Conductivity of LP40 at c_ref, S/cm.
        kappa: Conductivity, Positive;
        /// LiPF6 concentration at which kappa holds, M.
        c_ref: Concentration, Positive;
        /// Equilibrium potential of Li⁺/Li vs Li⁺/Li, V.
        e_eq: Potential, Any;
        /// Lognormal σ of r_sei0 between electrodes (with spread).
        sigma_r_sei: Dimensionless, NonNegative;
    }
}

param_set! {
    /// Li2S8 (polysulfide) redox on glassy carbon and on the Mg film's electronic path.
    PsParams = "li2s8_gc" {
        /// Polysulfide charge-transfer resistance at c_ps_ref and ionic strength i_ref, Ω cm².
        r_ps_ref: ArealResistance, Positive;
        /// Polysulfide concentration at which r_ps_ref holds, M.
        c_ps_ref: Concentration, Positive;
        /// Ionic strength at which r_ps_ref holds, M.
        i_ref: Concentration, Positive;
        /// Ionic strength at which the supporting-electrolyte factor is one half, M.
        i_half: Concentration, Positive;
        /// Glassy-carbon double layer: effective capacitance at cpe_r_ref, F/cm².
        cpe_c_ref: ArealCapacitance, Positive;
        /// The resistance at which cpe_c_ref holds, Ω cm².
        cpe_r_ref: ArealResistance, Positive;
        /// Glassy-carbon CPE exponent.
        cpe_p: Dimensionless, Exponent;
        /// Conductivity contributed by polysulfide at c_ps_ref, S/cm.
        kappa: Conductivity, Positive;
        /// Background faradaic leakage resistance of glassy carbon, Ω cm².
        r_leak: ArealResistance, Positive;
        /// Polysulfide redox potential vs Li⁺/Li, V.
        e_eq_ps: Potential, Any;
        /// Rest potential of glassy carbon without polysulfide vs Li⁺/Li, V.
        e_eq_gc: Potential, Any;
    }
}

param_set! {
    /// Cell construction, temperature, instrument noise and numerical settings.
    CellParams = "cell" {
        /// Cell temperature, °C.
        temperature: Temperature, Any;
        /// MacMullin number of glass-fibre separators.
        nm_glass_fibre: Dimensionless, Positive;
        /// MacMullin number of Celgard separators.
        nm_celgard: Dimensionless, Positive;
        /// MacMullin number of other separators.
        nm_other: Dimensionless, Positive;
        /// Electrolyte path between the electrodes when neither separator nor gap is stated, m.
        default_gap: Length, Positive;
        /// WE to reference-tip distance when neither tip nor gap is stated, m.
        default_tip: Length, Positive;
        /// Conductivity floor of a solution without known salts, S/cm.
        kappa_min: Conductivity, Positive;
        /// Open-circuit potential noise (rms, with noise on), V.
        ocv_noise: Potential, NonNegative;
        /// Galvanostatic potential noise (rms, with noise on), V.
        dc_noise: Potential, NonNegative;
        /// Stationary rms of the reference-electrode drift (with noise on), V.
        re_drift: Potential, NonNegative;
        /// Correlation time of the reference-electrode drift, s.
        re_drift_time: Time, Positive;
        /// Compliance of the simulated potentiostat, V.
        compliance: Potential, Positive;
        /// Galvanostatic time step before rupture and while the film opens, s.
        dt_transient: Time, Positive;
        /// Galvanostatic time step in steady operation, s.
        dt_steady: Time, Positive;
    }
}
