//! Cells: which electrodes in which roles, the electrolyte and its volume, the nominal
//! (normalising) and wetted areas, µL/cm², stack pressure, gap and reference placement.
//!
//! Normalising area: areal values (current densities, Ω·cm², F/cm²) are per the working
//! electrode's nominal area, or per its wetted area where the cell says
//! `normalise by wetted area`.
//!
//! Wetted area: an electrode is fully wetted unless its cell line says otherwise —
//! `immersed 9 mm` (a strip hanging with its length vertical, wetted to that depth: width ×
//! depth), `immersed 25 %` (that fraction of the nominal area) or `wetted 0.9 cm2`. When an
//! addition raises the level, the compartment is taken to have a constant cross-section, so
//! the depth (or fraction, or area) grows with the volume, up to the whole electrode.

use super::ctx::{Ctx, quantity_text};
use super::defs::{Names, undefined};
use super::error::{ErrorKind, WarningKind};
use crate::plan::{
    Casing, Cell, CellElectrode, CellKind, CoinCell, Connection, Electrode, Geometry, Separator,
    Solution,
};
use crate::syntax::{
    self as ast, CasingWord, CellKindWord, CellStmt, ConnectionWord, RoleWord, Spanned, WettingWord,
};
use crate::units::{Dimension, format_si};

/// How an electrode meets the electrolyte, kept so additions can raise the level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Wet {
    Full,
    Depth {
        width_m: f64,
        length_m: f64,
        depth_m: f64,
    },
    Fraction(f64),
    Area(f64),
}

impl Wet {
    pub fn area_cm2(&self, nominal_cm2: f64) -> f64 {
        match *self {
            Wet::Full => nominal_cm2,
            Wet::Depth {
                width_m,
                length_m,
                depth_m,
            } => width_m * depth_m.min(length_m) * 1e4,
            Wet::Fraction(f) => f.min(1.0) * nominal_cm2,
            Wet::Area(a) => a,
        }
    }

    /// After the liquid level rises by `ratio` (new volume / old volume).
    pub fn raised(&self, ratio: f64, nominal_cm2: f64) -> Wet {
        match *self {
            Wet::Full => Wet::Full,
            Wet::Depth {
                width_m,
                length_m,
                depth_m,
            } => Wet::Depth {
                width_m,
                length_m,
                depth_m: (depth_m * ratio).min(length_m),
            },
            Wet::Fraction(f) => Wet::Fraction((f * ratio).min(1.0)),
            Wet::Area(a) => Wet::Area((a * ratio).min(a.max(nominal_cm2))),
        }
    }
}

/// A checked cell and what later steps need to update it.
#[derive(Debug, Clone)]
pub(crate) struct CellInfo {
    pub cell: Cell,
    pub working_wet: Wet,
    pub counter_wet: Option<Wet>,
    /// Largest volume the WE/CE compartment holds, in mL.
    pub compartment_ml: Option<f64>,
    /// Foil thickness of the working and counter electrodes, where stated (metal inventory).
    pub working_thickness_m: Option<f64>,
    pub counter_thickness_m: Option<f64>,
}

pub(crate) struct Known<'a> {
    pub solutions: &'a [Solution],
    pub electrodes: &'a [Electrode],
    pub separators: &'a [Separator],
    pub spacers: &'a [(String, String)],
}

fn kind_name(k: CellKindWord) -> &'static str {
    match k {
        CellKindWord::Symmetric => "symmetric",
        CellKindWord::Asymmetric => "asymmetric",
        CellKindWord::ThreeElectrode => "three_electrode",
        CellKindWord::SoakVial => "soak_vial",
    }
}

/// Outer diameter and height of a coin-cell format `CRddhh` (dd: diameter in mm, hh: height in
/// tenths of a mm): CR2032 is 20 mm × 3.2 mm.
fn coin_size_m(format: &str) -> Option<(f64, f64)> {
    let digits = format.get(2..)?;
    let d: f64 = digits.get(..2)?.parse().ok()?;
    let h: f64 = digits.get(2..)?.parse().ok()?;
    (d > 0.0 && h > 0.0).then_some((d * 1e-3, h * 1e-4))
}

pub(crate) fn cells(
    ctx: &mut Ctx,
    def: &Spanned<ast::CellDef>,
    known: &Known<'_>,
    names: &mut Names,
) -> Vec<CellInfo> {
    let d = &def.node;
    let mut defined = Vec::new();
    for name in &d.names {
        if names.define(ctx, "cell", name) {
            defined.push(name.node.clone());
        }
    }
    let Some(info) = cell(ctx, def, known) else {
        for name in &d.names {
            ctx.broken.insert(("cell", name.node.clone()));
        }
        return Vec::new();
    };
    defined
        .into_iter()
        .map(|name| {
            let mut info = info.clone();
            info.cell.name = name;
            info
        })
        .collect()
}

struct RoleLine<'a> {
    electrode: &'a ast::Ident,
    wetting: &'a Option<(WettingWord, ast::Quantity)>,
}

fn cell(ctx: &mut Ctx, def: &Spanned<ast::CellDef>, known: &Known<'_>) -> Option<CellInfo> {
    let d = &def.node;
    let kind_word = d.kind.node;
    let kind = match kind_word {
        CellKindWord::Symmetric => CellKind::Symmetric,
        CellKindWord::Asymmetric => CellKind::Asymmetric,
        CellKindWord::ThreeElectrode => CellKind::ThreeElectrode,
        CellKindWord::SoakVial => CellKind::SoakVial,
    };
    let kind_text = kind_name(kind_word);
    let mut ok = true;
    let casing = d.casing.as_ref().map(|c| {
        let two_electrode = [CellKindWord::Symmetric, CellKindWord::Asymmetric];
        let (casing, allowed): (Casing, &[CellKindWord]) = match c.node {
            CasingWord::Swagelok => (Casing::Swagelok, &two_electrode),
            CasingWord::Pouch => (Casing::Pouch, &two_electrode),
            CasingWord::Coin => (Casing::Coin, &two_electrode),
            CasingWord::Glass => (Casing::Glass, &[CellKindWord::ThreeElectrode]),
            CasingWord::Vial => (Casing::Vial, &[CellKindWord::SoakVial]),
        };
        if !allowed.contains(&kind_word) {
            ctx.error(
                c.span,
                ErrorKind::NotForCellKind {
                    what: "this casing",
                    kind: kind_text,
                    allowed: match allowed[0] {
                        CellKindWord::Symmetric | CellKindWord::Asymmetric => {
                            "symmetric and asymmetric cells (swagelok, pouch, coin)"
                        }
                        CellKindWord::ThreeElectrode => "three_electrode cells (glass)",
                        CellKindWord::SoakVial => "soak_vial cells (vial)",
                    },
                },
            );
            ok = false;
        }
        casing
    });

    let mut working = None;
    let mut counter = None;
    let mut reference = None;
    let mut electrolyte = None;
    let mut reference_electrolyte = None;
    let mut separator = None;
    let mut spacers = Vec::new();
    let mut pressure = None;
    let mut gap = None;
    let mut tip = None;
    let mut connection = None;
    let mut compartment = None;
    let mut by_wetted = false;
    let mut temperature_c = None;
    let mut spring = None;
    let mut seen: Vec<&'static str> = Vec::new();
    let mut once = |ctx: &mut Ctx, field: &'static str, span| {
        if seen.contains(&field) {
            ctx.error(span, ErrorKind::DuplicateField { field });
            false
        } else {
            seen.push(field);
            true
        }
    };
    let not_for = |ctx: &mut Ctx, span, what: &'static str, allowed: &'static str| {
        ctx.error(
            span,
            ErrorKind::NotForCellKind {
                what,
                kind: kind_text,
                allowed,
            },
        );
    };

    for st in &d.statements {
        let span = st.span;
        match &st.node {
            CellStmt::Electrode {
                role,
                electrode,
                wetting,
            } => {
                let line = RoleLine { electrode, wetting };
                match role {
                    RoleWord::Working => {
                        if once(ctx, "working", span) {
                            working = Some(line);
                        }
                    }
                    RoleWord::Counter => {
                        if kind == CellKind::SoakVial {
                            not_for(
                                ctx,
                                span,
                                "a counter electrode",
                                "symmetric and three_electrode cells",
                            );
                            ok = false;
                        } else if once(ctx, "counter", span) {
                            counter = Some(line);
                        }
                    }
                    RoleWord::Reference => {
                        if kind != CellKind::ThreeElectrode {
                            not_for(ctx, span, "a reference electrode", "three_electrode cells");
                            ok = false;
                        } else if once(ctx, "reference", span) {
                            reference = Some(line);
                        }
                    }
                }
            }
            CellStmt::Electrolyte {
                reference: false,
                solution,
                volume,
            } => {
                if once(ctx, "electrolyte", span) {
                    electrolyte = Some((solution, volume, span));
                }
            }
            CellStmt::Electrolyte {
                reference: true,
                solution,
                volume,
            } => {
                if kind != CellKind::ThreeElectrode {
                    not_for(
                        ctx,
                        span,
                        "a reference compartment",
                        "three_electrode cells",
                    );
                    ok = false;
                } else if once(ctx, "reference electrolyte", span) {
                    reference_electrolyte = Some((solution, volume));
                }
            }
            CellStmt::Tip(q) => {
                if kind != CellKind::ThreeElectrode {
                    not_for(ctx, span, "a reference tip", "three_electrode cells");
                    ok = false;
                } else if once(ctx, "reference tip", span) {
                    tip = ctx.positive(q, Dimension::Length, "the reference tip distance");
                    ok &= tip.is_some();
                }
            }
            CellStmt::Separator(name) => {
                if once(ctx, "separator", span) {
                    if known.separators.iter().any(|s| s.name == name.node) {
                        separator = Some(name.node.clone());
                    } else {
                        undefined(
                            ctx,
                            "separator",
                            name,
                            known.separators.iter().map(|s| s.name.as_str()),
                        );
                        ok = false;
                    }
                }
            }
            CellStmt::Spacers(list) => {
                for name in list {
                    match known.spacers.iter().find(|(n, _)| *n == name.node) {
                        Some((_, text)) => spacers.push(text.clone()),
                        None => {
                            undefined(
                                ctx,
                                "spacer",
                                name,
                                known.spacers.iter().map(|(n, _)| n.as_str()),
                            );
                            ok = false;
                        }
                    }
                }
            }
            CellStmt::Pressure(q) => {
                if once(ctx, "stack pressure", span) {
                    pressure = ctx.positive(q, Dimension::Pressure, "a stack pressure");
                    ok &= pressure.is_some();
                }
            }
            CellStmt::Gap(q) => {
                if kind == CellKind::SoakVial {
                    not_for(ctx, span, "an electrode gap", "cells with two electrodes");
                    ok = false;
                } else if once(ctx, "gap", span) {
                    gap = ctx
                        .positive(q, Dimension::Length, "an electrode gap")
                        .filter(|&m| {
                            ctx.plausible_length(q.span, "an electrode gap", &quantity_text(q), m)
                        });
                    ok &= gap.is_some();
                }
            }
            CellStmt::Connection(c) => {
                if once(ctx, "connection", span) {
                    match (c, kind) {
                        (ConnectionWord::ThreeElectrode, CellKind::ThreeElectrode) => {
                            connection = Some(Connection::ThreeElectrode)
                        }
                        (ConnectionWord::ThreeElectrode, _) => {
                            ctx.error(
                                span,
                                ErrorKind::ReferenceOnTwoElectrodeCell {
                                    cell: first_name(d),
                                },
                            );
                            ok = false;
                        }
                        (ConnectionWord::TwoElectrode, CellKind::SoakVial) => {
                            ctx.error(
                                span,
                                ErrorKind::NothingToMeasure {
                                    cell: first_name(d),
                                    what: "a connection",
                                },
                            );
                            ok = false;
                        }
                        (ConnectionWord::TwoElectrode, _) => {
                            connection = Some(Connection::TwoElectrode)
                        }
                    }
                }
            }
            CellStmt::NormaliseByWetted => {
                if once(ctx, "normalise by wetted area", span) {
                    by_wetted = true;
                }
            }
            CellStmt::Temperature(q) => {
                if once(ctx, "temperature", span) {
                    temperature_c = ctx.temperature(q);
                    ok &= temperature_c.is_some();
                }
            }
            CellStmt::Spring(s) => {
                if casing != Some(Casing::Coin) {
                    not_for(ctx, span, "a spring", "coin cells (`coin CR2032`)");
                    ok = false;
                } else if once(ctx, "spring", span) {
                    spring = Some(s.node.clone());
                }
            }
            CellStmt::Compartment(q) => {
                if matches!(kind, CellKind::Symmetric | CellKind::Asymmetric) {
                    not_for(
                        ctx,
                        span,
                        "a compartment volume",
                        "three_electrode cells and soak vials",
                    );
                    ok = false;
                } else if once(ctx, "compartment", span) {
                    compartment = ctx.positive(q, Dimension::Volume, "a compartment volume");
                    ok &= compartment.is_some();
                }
            }
        }
    }

    let owner = format!("cell `{}`", first_name(d));
    let missing = |ctx: &mut Ctx, field: &'static str, example: &'static str| {
        ctx.error(
            d.close,
            ErrorKind::MissingField {
                owner: owner.clone(),
                field,
                example,
            },
        );
    };
    if working.is_none() {
        missing(ctx, "working", "working mg_disc");
        ok = false;
    }
    if counter.is_none() && kind != CellKind::SoakVial {
        missing(ctx, "counter", "counter mg_disc");
        ok = false;
    }
    if reference.is_none() && kind == CellKind::ThreeElectrode {
        missing(ctx, "reference", "reference mg_ref");
        ok = false;
    }
    if electrolyte.is_none() {
        missing(ctx, "electrolyte", "electrolyte mg_electrolyte 80 uL");
        ok = false;
    }
    if kind == CellKind::ThreeElectrode && tip.is_none() && !seen_tip(d) {
        ctx.warn(
            d.kind.span,
            WarningKind::MissingReferenceTip {
                cell: first_name(d),
            },
        );
    }

    let place = |ctx: &mut Ctx, line: Option<RoleLine<'_>>| -> Option<(CellElectrode, Wet)> {
        let line = line?;
        let Some(e) = known
            .electrodes
            .iter()
            .find(|e| e.name == line.electrode.node)
        else {
            undefined(
                ctx,
                "electrode",
                line.electrode,
                known.electrodes.iter().map(|e| e.name.as_str()),
            );
            return None;
        };
        let wet = match line.wetting {
            None => Wet::Full,
            Some((WettingWord::Wetted, q)) => {
                let a = ctx.positive(q, Dimension::Area, "a wetted area")?;
                // Both faces of a foil wet at most twice its nominal (one-face) area; between
                // one and two faces is possible for a hanging strip, so only worth a warning.
                if a > 2.0 * e.area_cm2 * (1.0 + 1e-9) {
                    ctx.error(
                        q.span,
                        ErrorKind::WettingBeyondElectrode {
                            text: format!("wetted {}", quantity_text(q)),
                            electrode: e.name.clone(),
                            has: format!(
                                "{} nominal, {} on both faces",
                                format_si(e.area_cm2, Dimension::Area),
                                format_si(2.0 * e.area_cm2, Dimension::Area)
                            ),
                            help: "give the wetted area of this electrode, or correct its size"
                                .into(),
                        },
                    );
                    return None;
                }
                if a > e.area_cm2 * (1.0 + 1e-9) {
                    ctx.warn(
                        q.span,
                        WarningKind::WettedAboveNominal {
                            electrode: e.name.clone(),
                            wetted: quantity_text(q),
                            nominal: format_si(e.area_cm2, Dimension::Area),
                        },
                    );
                }
                Wet::Area(a)
            }
            Some((WettingWord::Immersed, q)) => match ctx.resolve(q)? {
                r if r.dimension == Dimension::Length => {
                    let Geometry::Strip { width_m, length_m } = e.geometry else {
                        ctx.error(
                            q.span,
                            ErrorKind::ImmersionNeedsStrip {
                                electrode: e.name.clone(),
                            },
                        );
                        return None;
                    };
                    if r.value <= 0.0 {
                        ctx.not_positive(q.span, "an immersion depth", &quantity_text(q));
                        return None;
                    }
                    // Deeper than the strip is long would drown its contact: a slip, not a cell.
                    if r.value > length_m * (1.0 + 1e-9) {
                        ctx.error(
                            q.span,
                            ErrorKind::WettingBeyondElectrode {
                                text: format!("immersed {}", quantity_text(q)),
                                electrode: e.name.clone(),
                                has: format!(
                                    "a strip {} long",
                                    format_si(length_m, Dimension::Length)
                                ),
                                help: format!(
                                    "immerse it at most {} (its length), leaving the contact dry",
                                    format_si(length_m, Dimension::Length)
                                ),
                            },
                        );
                        return None;
                    }
                    Wet::Depth {
                        width_m,
                        length_m,
                        depth_m: r.value,
                    }
                }
                r if r.dimension == Dimension::Dimensionless => {
                    if !(r.value > 0.0 && r.value <= 1.0) {
                        ctx.error(
                            q.span,
                            ErrorKind::OutOfRange {
                                what: "an immersed fraction".into(),
                                text: quantity_text(q),
                                range: "above 0 % and at most 100 %".into(),
                            },
                        );
                        return None;
                    }
                    Wet::Fraction(r.value)
                }
                r => {
                    ctx.wrong_dimension(
                        q.span,
                        Dimension::Length,
                        r.dimension,
                        &quantity_text(q),
                        Some("give the immersion depth (`immersed 9 mm`) or fraction (`immersed 25 %`)"),
                    );
                    return None;
                }
            },
        };
        Some((
            CellElectrode {
                electrode: e.name.clone(),
                material: e.material,
                nominal_area_cm2: e.area_cm2,
                wetted_area_cm2: wet.area_cm2(e.area_cm2),
                pretreatments: e.pretreatments.clone(),
            },
            wet,
        ))
    };
    let has_working = working.is_some();
    let has_counter = counter.is_some();
    let has_reference = reference.is_some();
    let working = place(ctx, working);
    let counter = place(ctx, counter);
    let reference = place(ctx, reference).map(|(e, _)| e);
    ok &= working.is_some() == has_working
        && counter.is_some() == has_counter
        && reference.is_some() == has_reference;

    let fill =
        |ctx: &mut Ctx, solution: &ast::Ident, volume: &ast::Quantity| -> Option<(Solution, f64)> {
            let s = known
                .solutions
                .iter()
                .find(|s| s.name == solution.node)
                .cloned();
            if s.is_none() {
                undefined(
                    ctx,
                    "solution",
                    solution,
                    known.solutions.iter().map(|s| s.name.as_str()),
                );
            }
            let v = ctx.positive(volume, Dimension::Volume, "an electrolyte volume");
            Some((s?, v? * 1e3))
        };
    let main = electrolyte.and_then(|(s, v, _)| fill(ctx, s, v));
    let reference_fill = match reference_electrolyte {
        Some((s, v)) => {
            let r = fill(ctx, s, v);
            ok &= r.is_some();
            r
        }
        None => None,
    };
    let (Some((working, working_wet)), Some((solution, volume_ml)), true) = (working, main, ok)
    else {
        return None;
    };
    if let Some(cap) = compartment
        && cap * 1e3 < volume_ml
    {
        ctx.error(
            d.close,
            ErrorKind::AdditionBeyondCompartment {
                after: crate::units::format_si(volume_ml / 1e3, Dimension::Volume),
                capacity: crate::units::format_si(cap, Dimension::Volume),
            },
        );
        return None;
    }
    let thickness = |e: Option<&CellElectrode>| {
        let e = e?;
        known
            .electrodes
            .iter()
            .find(|d| d.name == e.electrode)
            .and_then(|d| d.thickness_m)
    };
    let working_thickness_m = thickness(Some(&working));
    let counter_thickness_m = thickness(counter.as_ref().map(|(c, _)| c));
    let (counter, counter_wet) = match counter {
        Some((c, w)) => (Some(c), Some(w)),
        None => (None, None),
    };
    let wetted_total =
        working.wetted_area_cm2 + counter.as_ref().map_or(0.0, |c| c.wetted_area_cm2);
    let coin = match (casing, &d.coin_format) {
        (Some(Casing::Coin), format) => {
            let format = format
                .as_ref()
                .map_or("CR2032".to_string(), |f| f.node.to_uppercase());
            match coin_size_m(&format) {
                Some(size) => Some((format, size)),
                None => {
                    let span = d.coin_format.as_ref().map_or(d.kind.span, |f| f.span);
                    ctx.error(
                        span,
                        ErrorKind::OutOfRange {
                            what: "a coin-cell format".into(),
                            text: format.clone(),
                            range: "CRddhh with a diameter dd (mm) and height hh (0.1 mm)".into(),
                        },
                    );
                    return None;
                }
            }
        }
        _ => None,
    };
    let default_connection = connection.unwrap_or(match kind {
        CellKind::ThreeElectrode => Connection::ThreeElectrode,
        _ => Connection::TwoElectrode,
    });
    Some(CellInfo {
        cell: Cell {
            name: first_name(d),
            kind,
            casing,
            normalising_area_cm2: if by_wetted {
                working.wetted_area_cm2
            } else {
                working.nominal_area_cm2
            },
            working,
            counter,
            reference,
            electrolyte: solution.name.clone(),
            composition: solution.solutes.clone(),
            solvents: solution.solvents.clone(),
            volume_ml,
            reference_volume_ml: reference_fill.map(|(_, v)| v),
            electrolyte_ul_per_cm2: volume_ml * 1e3 / wetted_total,
            separator,
            spacers,
            stack_pressure_pa: pressure,
            electrode_gap_m: gap,
            reference_tip_m: tip,
            default_connection,
            coin: coin.map(|(format, (diameter_m, height_m))| CoinCell {
                format,
                diameter_m,
                height_m,
                spring,
            }),
            temperature_c,
            span: def.span,
        },
        working_wet,
        counter_wet,
        compartment_ml: compartment.map(|c| c * 1e3),
        working_thickness_m,
        counter_thickness_m,
    })
}

fn first_name(d: &ast::CellDef) -> String {
    d.names.first().map(|n| n.node.clone()).unwrap_or_default()
}

fn seen_tip(d: &ast::CellDef) -> bool {
    d.statements
        .iter()
        .any(|s| matches!(s.node, CellStmt::Tip(_)))
}
