//! Cells and materials: the solutions, electrodes and cells a run used (a protocol imports a
//! library of materials; only what its cells touch is listed).

use super::{length, si};
use crate::plan::{Action, Cell, CellElectrode, Geometry, Plan, Pretreatment, Solute};
use crate::report::html::{Mark, Table, num, text};
use crate::report::plots::style::number;
use crate::units::{Dimension, format_duration};

fn material(m: crate::plan::Material) -> &'static str {
    m.display_name()
}

fn solutes(list: &[Solute]) -> String {
    list.iter()
        .map(|s| {
            format!(
                "{}{} {}",
                if s.nominal { "nominal " } else { "" },
                si(s.concentration_m, Dimension::Concentration),
                s.species
            )
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

fn solvents(list: &[crate::plan::SolventPart]) -> String {
    let names: Vec<&str> = list.iter().map(|s| s.name.as_str()).collect();
    let parts: Vec<String> = list.iter().map(|s| number(s.parts)).collect();
    if list.len() > 1 {
        format!("{} {}", names.join(":"), parts.join(":"))
    } else {
        names.join("")
    }
}

/// The names a plan's cells and steps actually use: a protocol imports a library of
/// materials, and the report lists only what this run touched.
#[derive(Debug, Default)]
pub struct Used {
    pub solutions: Vec<String>,
    pub electrodes: Vec<String>,
    pub separators: Vec<String>,
}

impl Used {
    pub fn of(plan: &Plan) -> Used {
        let mut used = Used::default();
        let add = |list: &mut Vec<String>, name: &str| {
            if !list.iter().any(|n| n == name) {
                list.push(name.to_string());
            }
        };
        for cell in &plan.cells {
            add(&mut used.solutions, &cell.electrolyte);
            for e in [
                Some(&cell.working),
                cell.counter.as_ref(),
                cell.reference.as_ref(),
            ]
            .into_iter()
            .flatten()
            {
                add(&mut used.electrodes, &e.electrode);
                for p in &e.pretreatments {
                    if let Pretreatment::Soak { solution, .. } = p {
                        add(&mut used.solutions, solution);
                    }
                }
            }
            if let Some(separator) = &cell.separator {
                add(&mut used.separators, separator);
            }
        }
        for step in &plan.steps {
            if let Action::Addition(a) = &step.action {
                add(&mut used.solutions, &a.stock);
            }
        }
        used
    }
}

pub fn solutions(plan: &Plan) -> Table {
    let used = Used::of(plan);
    let mut t = Table::new(&["solution", "solutes", "solvents", "ratio by", "water"]);
    for s in plan
        .solutions
        .iter()
        .filter(|s| used.solutions.contains(&s.name))
    {
        t.row(vec![
            text(s.name.clone()),
            text(solutes(&s.solutes)),
            text(solvents(&s.solvents)),
            text(s.ratio_basis.clone()),
            text(
                s.water_max_ppm
                    .map_or("–".into(), |w| format!("< {} ppm", number(w))),
            ),
        ]);
    }
    t
}

fn pretreatments(list: &[Pretreatment]) -> String {
    if list.is_empty() {
        return "none".into();
    }
    list.iter()
        .map(|p| match p {
            Pretreatment::Brush { grit, directions } => {
                format!("brushed {grit}, {directions} directions")
            }
            Pretreatment::Dry {
                temperature_c,
                duration_s,
            } => format!(
                "dried {} °C, {}",
                number(*temperature_c),
                format_duration(*duration_s)
            ),
            Pretreatment::Soak {
                solution,
                duration_s,
            } => format!("soaked in {solution}, {}", format_duration(*duration_s)),
            Pretreatment::Wash { solvent } => format!("washed with {solvent}"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn electrodes(plan: &Plan) -> Table {
    let used = Used::of(plan);
    let mut t = Table::new(&[
        "electrode",
        "material",
        "geometry",
        "thickness",
        "area",
        "pretreatment",
    ]);
    for e in plan
        .electrodes
        .iter()
        .filter(|e| used.electrodes.contains(&e.name))
    {
        let geometry = match e.geometry {
            Geometry::Disc { diameter_m } => format!("disc ⌀ {}", length(diameter_m)),
            Geometry::Strip { width_m, length_m } => {
                format!("strip {} × {}", length(width_m), length(length_m))
            }
            Geometry::RodFace { diameter_m } => format!("rod face ⌀ {}", length(diameter_m)),
            Geometry::Area => "area given".into(),
        };
        t.row(vec![
            text(e.name.clone()),
            text(material(e.material)),
            text(geometry),
            text(e.thickness_m.map_or("–".into(), length)),
            num(format!("{} cm²", number(e.area_cm2))),
            text(pretreatments(&e.pretreatments)),
        ]);
    }
    t
}

fn electrode(e: &CellElectrode) -> String {
    let wetted = if (e.wetted_area_cm2 - e.nominal_area_cm2).abs() > 1e-12 {
        format!(", {} cm² wetted", number(e.wetted_area_cm2))
    } else {
        String::new()
    };
    format!(
        "{} ({} cm²{wetted})",
        e.electrode,
        number(e.nominal_area_cm2)
    )
}

pub fn cells(plan: &Plan) -> Table {
    let mut t = Table::new(&[
        "cell",
        "kind",
        "working",
        "counter",
        "reference",
        "electrolyte",
        "volume",
        "µL/cm²",
        "separator",
        "areal values per",
    ]);
    for c in &plan.cells {
        t.row(cell_row(c));
    }
    t
}

fn cell_row(c: &Cell) -> Vec<(String, Mark)> {
    let kind = match c.kind {
        crate::plan::CellKind::Symmetric => "symmetric",
        crate::plan::CellKind::ThreeElectrode => "three-electrode",
        crate::plan::CellKind::SoakVial => "soak vial",
        crate::plan::CellKind::Asymmetric => "asymmetric",
    };
    // A soak vial's casing is a vial by definition: don't say it twice.
    let casing = c.casing.map_or("", |k| match k {
        crate::plan::Casing::Vial if c.kind == crate::plan::CellKind::SoakVial => "",
        crate::plan::Casing::Swagelok => ", Swagelok",
        crate::plan::Casing::Pouch => ", pouch",
        crate::plan::Casing::Glass => ", glass",
        crate::plan::Casing::Vial => ", vial",
        crate::plan::Casing::Coin => ", coin cell",
    });
    let kind = format!("{kind}{casing}");
    vec![
        text(c.name.clone()),
        text(kind),
        text(electrode(&c.working)),
        text(c.counter.as_ref().map_or("–".into(), electrode)),
        text(c.reference.as_ref().map_or("–".into(), electrode)),
        text(format!(
            "{}: {} in {}",
            c.electrolyte,
            solutes(&c.composition),
            solvents(&c.solvents)
        )),
        num(si(c.volume_ml * 1e-3, Dimension::Volume)),
        num(number(c.electrolyte_ul_per_cm2)),
        text(c.separator.clone().unwrap_or_else(|| "–".into())),
        num(format!("{} cm²", number(c.normalising_area_cm2))),
    ]
}
