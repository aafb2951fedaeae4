//! Definitions: solutions, electrodes (geometry → area, ordered pretreatments), separators and
//! spacers. Each name is unique in its kind across the protocol and its imports.

use super::ctx::{Ctx, quantity_text};
use super::error::ErrorKind;
use crate::diagnostics::did_you_mean;
use crate::plan::{
    Electrode, Geometry, Material, Pretreatment, Separator, Solute, Solution, SolventPart,
};
use crate::source::Span;
use crate::syntax::{self as ast, ElectrodeStmt, PartStmt, SolutionStmt, Spanned};
use crate::units::Dimension;
use std::collections::BTreeMap;
use std::f64::consts::PI;

/// Names of one kind, with where each was first defined.
#[derive(Default)]
pub(crate) struct Names {
    seen: BTreeMap<String, String>,
}

impl Names {
    /// Records a definition; reports a duplicate and returns false if the name is taken.
    pub fn define(&mut self, ctx: &mut Ctx, what: &'static str, name: &ast::Ident) -> bool {
        if let Some(first) = self.seen.get(&name.node) {
            ctx.error(
                name.span,
                ErrorKind::Duplicate {
                    what,
                    name: name.node.clone(),
                    first: first.clone(),
                },
            );
            return false;
        }
        self.seen.insert(name.node.clone(), ctx.location(name.span));
        true
    }
}

/// Reports an undefined name with the nearest defined one.
pub(crate) fn undefined<'a>(
    ctx: &mut Ctx,
    what: &'static str,
    name: &ast::Ident,
    known: impl IntoIterator<Item = &'a str>,
) {
    if ctx.broken.contains(&(what, name.node.clone())) {
        return;
    }
    let known: Vec<&str> = known.into_iter().collect();
    let suggestion = did_you_mean(&name.node, known.iter().copied());
    let listed = if known.len() <= 6 {
        known.iter().map(|k| format!("`{k}`")).collect()
    } else {
        Vec::new()
    };
    ctx.error(
        name.span,
        ErrorKind::Undefined {
            what,
            name: name.node.clone(),
            suggestion,
            known: listed,
        },
    );
}

/// Reports a statement given twice in one definition.
fn once(ctx: &mut Ctx, seen: &mut Vec<&'static str>, field: &'static str, span: Span) -> bool {
    if seen.contains(&field) {
        ctx.error(span, ErrorKind::DuplicateField { field });
        false
    } else {
        seen.push(field);
        true
    }
}

pub(crate) fn solution(ctx: &mut Ctx, def: &Spanned<ast::SolutionDef>) -> Option<Solution> {
    let d = &def.node;
    let mut solutes: Vec<Solute> = Vec::new();
    let mut solvents = None;
    let mut ratio_basis = "volume".to_string();
    let mut water = None;
    let mut seen = Vec::new();
    let mut ok = true;
    for st in &d.statements {
        match &st.node {
            SolutionStmt::Salt {
                species,
                concentration,
                nominal,
            } => {
                if solutes.iter().any(|s| s.species == species.node) {
                    ctx.error(
                        species.span,
                        ErrorKind::Duplicate {
                            what: "salt",
                            name: species.node.clone(),
                            first: format!("solution `{}`", d.name.node),
                        },
                    );
                    ok = false;
                    continue;
                }
                match ctx.positive(concentration, Dimension::Concentration, "a concentration") {
                    Some(c) => solutes.push(Solute {
                        species: species.node.clone(),
                        concentration_m: c,
                        nominal: *nominal,
                    }),
                    None => ok = false,
                }
            }
            SolutionStmt::Solvent { names, ratio } => {
                if !once(ctx, &mut seen, "solvent", st.span) {
                    ok = false;
                    continue;
                }
                let parts: Vec<f64> = match ratio {
                    Some((numbers, basis)) => {
                        ratio_basis = match basis {
                            ast::RatioBasis::Volume => "volume".into(),
                            ast::RatioBasis::Mass => "mass".into(),
                        };
                        if numbers.len() != names.len() {
                            ctx.error(
                                st.span,
                                ErrorKind::RatioMismatch {
                                    solvents: names.len(),
                                    parts: numbers.len(),
                                },
                            );
                            ok = false;
                            continue;
                        }
                        let mut parts = Vec::new();
                        for n in numbers {
                            if n.value.is_finite() && n.value > 0.0 {
                                parts.push(n.value);
                            } else {
                                ctx.not_positive(n.span, "a part of a solvent ratio", &n.text);
                                ok = false;
                            }
                        }
                        parts
                    }
                    None if names.len() > 1 => {
                        ctx.error(
                            st.span,
                            ErrorKind::RatioMismatch {
                                solvents: names.len(),
                                parts: 0,
                            },
                        );
                        ok = false;
                        continue;
                    }
                    None => vec![1.0],
                };
                solvents = Some(
                    names
                        .iter()
                        .zip(parts)
                        .map(|(n, parts)| SolventPart {
                            name: n.node.clone(),
                            parts,
                        })
                        .collect::<Vec<_>>(),
                );
            }
            SolutionStmt::Water { limit } => {
                if !once(ctx, &mut seen, "water", st.span) {
                    ok = false;
                    continue;
                }
                match ctx.positive(limit, Dimension::MassFraction, "a water limit") {
                    Some(v) => water = Some(v),
                    None => ok = false,
                }
            }
        }
    }
    let _ = ok;
    let Some(solvents) = solvents else {
        if seen.contains(&"solvent") {
            return None;
        }
        ctx.error(
            d.close,
            ErrorKind::MissingField {
                owner: format!("solution `{}`", d.name.node),
                field: "solvent",
                example: "solvent TEGDME:DOL 1:1 by volume",
            },
        );
        return None;
    };
    // Errors in single salts or the water limit are reported; the solution still exists so
    // that its uses are checked too.
    Some(Solution {
        name: d.name.node.clone(),
        solutes,
        solvents,
        ratio_basis,
        water_max_ppm: water,
        span: def.span,
    })
}

/// Parses a material name: `Mg`, `Li`, `glassy carbon` (also `GC`), and the substrates `Cu`,
/// `stainless_steel` (also `SS`), `Pt`, `Al`, `Au`.
pub(crate) fn material(ctx: &mut Ctx, m: &Spanned<ast::MaterialName>) -> Option<Material> {
    let text = m.node.text.trim();
    let found = match text.to_lowercase().replace('_', " ").as_str() {
        "mg" | "magnesium" => Some(Material::Mg),
        "li" | "lithium" => Some(Material::Li),
        "glassy carbon" | "gc" => Some(Material::GlassyCarbon),
        "cu" | "copper" => Some(Material::Cu),
        "stainless steel" | "ss" | "steel" => Some(Material::StainlessSteel),
        "pt" | "platinum" => Some(Material::Pt),
        "al" | "aluminium" | "aluminum" => Some(Material::Al),
        "au" | "gold" => Some(Material::Au),
        _ => None,
    };
    if found.is_none() {
        ctx.error(
            m.span,
            ErrorKind::UnknownMaterial {
                name: text.to_string(),
                suggestion: did_you_mean(
                    text,
                    [
                        "Mg",
                        "Li",
                        "glassy carbon",
                        "GC",
                        "Cu",
                        "stainless_steel",
                        "SS",
                        "Pt",
                        "Al",
                        "Au",
                    ],
                ),
            },
        );
    }
    found
}

pub(crate) fn electrode(
    ctx: &mut Ctx,
    def: &Spanned<ast::ElectrodeDef>,
    known: &[Electrode],
    solutions: &[&str],
) -> Option<Electrode> {
    let d = &def.node;
    let mut ok = true;
    let base = match &d.base {
        Some(b) => match known.iter().find(|e| e.name == b.node) {
            Some(e) => Some(e.clone()),
            None => {
                undefined(ctx, "electrode", b, known.iter().map(|e| e.name.as_str()));
                ok = false;
                None
            }
        },
        None => None,
    };
    let mut material_value = base.as_ref().map(|b| b.material);
    let mut geometry = base.as_ref().map(|b| b.geometry.clone());
    let mut thickness = base.as_ref().and_then(|b| b.thickness_m);
    let mut explicit_area = base
        .as_ref()
        .filter(|b| matches!(b.geometry, Geometry::Area))
        .map(|b| b.area_cm2);
    let mut pretreatments = base.map(|b| b.pretreatments).unwrap_or_default();
    let mut seen = Vec::new();
    for st in &d.statements {
        match &st.node {
            ElectrodeStmt::Material(m) => {
                if once(ctx, &mut seen, "material", st.span) {
                    material_value = material(ctx, m);
                    ok &= material_value.is_some();
                }
            }
            ElectrodeStmt::Sheet { thickness: q, .. } | ElectrodeStmt::Thickness(q) => {
                if once(ctx, &mut seen, "foil/ribbon/thickness", st.span) {
                    thickness = ctx.positive(q, Dimension::Length, "a thickness");
                    ok &= thickness.is_some();
                }
            }
            ElectrodeStmt::Disc(q) => {
                if once(ctx, &mut seen, "disc/strip/rod", st.span) {
                    let dia = ctx.positive(q, Dimension::Length, "a diameter");
                    ok &= dia.is_some();
                    geometry = dia.map(|diameter_m| Geometry::Disc { diameter_m });
                }
            }
            ElectrodeStmt::Strip { width, length } => {
                if once(ctx, &mut seen, "disc/strip/rod", st.span) {
                    let w = ctx.positive(width, Dimension::Length, "a strip width");
                    let l = ctx.positive(length, Dimension::Length, "a strip length");
                    match (w, l) {
                        (Some(width_m), Some(length_m)) => {
                            geometry = Some(Geometry::Strip { width_m, length_m })
                        }
                        _ => ok = false,
                    }
                }
            }
            ElectrodeStmt::Rod(q) => {
                if once(ctx, &mut seen, "disc/strip/rod", st.span) {
                    let dia = ctx.positive(q, Dimension::Length, "a rod diameter");
                    ok &= dia.is_some();
                    geometry = dia.map(|diameter_m| Geometry::RodFace { diameter_m });
                }
            }
            ElectrodeStmt::Area(q) => {
                if once(ctx, &mut seen, "area", st.span) {
                    explicit_area = ctx.positive(q, Dimension::Area, "an area");
                    ok &= explicit_area.is_some();
                }
            }
            ElectrodeStmt::Brush { grit, directions } => {
                let n = match directions {
                    Some(n) if n.value >= 1.0 && n.value <= 1e6 => n.value as u32,
                    Some(n) => {
                        ctx.not_positive(n.span, "the number of directions", &n.text);
                        ok = false;
                        continue;
                    }
                    None => 1,
                };
                pretreatments.push(Pretreatment::Brush {
                    grit: grit.node.clone(),
                    directions: n,
                });
            }
            ElectrodeStmt::Dry {
                temperature,
                duration,
            } => {
                let t = ctx.value(temperature, Dimension::Temperature);
                if let Some(t) = t
                    && t < -273.15
                {
                    ctx.error(
                        temperature.span,
                        ErrorKind::OutOfRange {
                            what: "a temperature".into(),
                            text: quantity_text(temperature),
                            range: "above absolute zero".into(),
                        },
                    );
                    ok = false;
                    continue;
                }
                let dur = ctx.duration(duration, "a drying time");
                match (t, dur) {
                    (Some(temperature_c), Some(duration_s)) => {
                        pretreatments.push(Pretreatment::Dry {
                            temperature_c,
                            duration_s,
                        })
                    }
                    _ => ok = false,
                }
            }
            ElectrodeStmt::Soak { solution, duration } => {
                if !solutions.contains(&solution.node.as_str()) {
                    undefined(ctx, "solution", solution, solutions.iter().copied());
                    ok = false;
                }
                match ctx.duration(duration, "a soaking time") {
                    Some(duration_s) => pretreatments.push(Pretreatment::Soak {
                        solution: solution.node.clone(),
                        duration_s,
                    }),
                    None => ok = false,
                }
            }
            ElectrodeStmt::Wash { solvent } => pretreatments.push(Pretreatment::Wash {
                solvent: solvent.node.clone(),
            }),
        }
    }
    let owner = format!("electrode `{}`", d.name.node);
    let Some(material_value) = material_value else {
        if ok {
            ctx.error(
                d.close,
                ErrorKind::MissingField {
                    owner,
                    field: "material",
                    example: "material Mg",
                },
            );
        }
        return None;
    };
    let (geometry, area) = match (geometry, explicit_area) {
        (Some(g), Some(a)) => (g, a),
        (Some(g), None) => {
            let a = geometric_area_cm2(&g);
            (g, a)
        }
        (None, Some(a)) => (Geometry::Area, a),
        (None, None) => {
            if ok {
                ctx.error(
                    d.close,
                    ErrorKind::MissingField {
                        owner,
                        field: "disc",
                        example: "disc 12 mm (or strip 1 cm x 4 cm, rod 1.6 mm cut face, area 2 cm2)",
                    },
                );
            }
            return None;
        }
    };
    // Errors in pretreatments are reported; the electrode still exists for its cells.
    let _ = ok;
    Some(Electrode {
        name: d.name.node.clone(),
        material: material_value,
        geometry,
        thickness_m: thickness,
        area_cm2: area,
        pretreatments,
        span: def.span,
    })
}

/// The area of one face in cm² (lengths in metres).
pub(crate) fn geometric_area_cm2(g: &Geometry) -> f64 {
    match *g {
        Geometry::Disc { diameter_m } | Geometry::RodFace { diameter_m } => {
            let d_cm = diameter_m * 100.0;
            PI * d_cm * d_cm / 4.0
        }
        Geometry::Strip { width_m, length_m } => width_m * 100.0 * length_m * 100.0,
        Geometry::Area => 0.0,
    }
}

/// A separator (needs a material and a thickness) or a spacer (any of material, disc,
/// thickness), checked alike.
pub(crate) struct Part {
    pub material: Option<String>,
    /// The disc and thickness as written, for descriptions.
    pub written: Vec<String>,
    pub diameter_m: Option<f64>,
    pub thickness_m: Option<f64>,
    pub ok: bool,
}

pub(crate) fn part(ctx: &mut Ctx, def: &ast::PartDef) -> Part {
    let mut out = Part {
        material: None,
        written: Vec::new(),
        diameter_m: None,
        thickness_m: None,
        ok: true,
    };
    let mut seen = Vec::new();
    for st in &def.statements {
        match &st.node {
            PartStmt::Material(m) => {
                if once(ctx, &mut seen, "material", st.span) {
                    out.material = Some(m.node.text.clone());
                }
            }
            PartStmt::Disc(q) => {
                if once(ctx, &mut seen, "disc", st.span) {
                    out.written.push(format!("disc {}", quantity_text(q)));
                    out.diameter_m = ctx.positive(q, Dimension::Length, "a diameter");
                    out.ok &= out.diameter_m.is_some();
                }
            }
            PartStmt::Thickness(q) => {
                if once(ctx, &mut seen, "thickness", st.span) {
                    out.written.push(format!("{} thick", quantity_text(q)));
                    out.thickness_m = ctx.positive(q, Dimension::Length, "a thickness");
                    out.ok &= out.thickness_m.is_some();
                }
            }
        }
    }
    out
}

pub(crate) fn separator(ctx: &mut Ctx, def: &Spanned<ast::PartDef>) -> Option<Separator> {
    let d = &def.node;
    let p = part(ctx, d);
    let owner = format!("separator `{}`", d.name.node);
    let Some(material) = p.material else {
        ctx.error(
            d.close,
            ErrorKind::MissingField {
                owner,
                field: "material",
                example: "material \"GF-A glass fibre\"",
            },
        );
        return None;
    };
    let Some(thickness_m) = p.thickness_m else {
        if p.ok {
            ctx.error(
                d.close,
                ErrorKind::MissingField {
                    owner,
                    field: "thickness",
                    example: "thickness 260 um",
                },
            );
        }
        return None;
    };
    Some(Separator {
        name: d.name.node.clone(),
        material,
        diameter_m: p.diameter_m,
        thickness_m,
        span: def.span,
    })
}

/// A spacer as the plan describes it: "graphite_disc: graphite, disc 10 mm".
pub(crate) fn spacer(ctx: &mut Ctx, def: &Spanned<ast::PartDef>) -> Option<String> {
    let d = &def.node;
    let p = part(ctx, d);
    let mut text = d.name.node.clone();
    let mut details = Vec::new();
    if let Some(m) = &p.material {
        details.push(m.clone());
    }
    if let Some(dia) = p.diameter_m {
        details.push(format!(
            "disc {}",
            crate::units::format_si(dia, Dimension::Length)
        ));
    }
    if let Some(t) = p.thickness_m {
        details.push(format!(
            "{} thick",
            crate::units::format_si(t, Dimension::Length)
        ));
    }
    if !details.is_empty() {
        text.push_str(": ");
        text.push_str(&details.join(", "));
    }
    Some(text)
}
