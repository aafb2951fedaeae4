//! Operando additions: the volume (given, or solved for a target concentration), the mixed
//! composition, the risen level and wetted area, checked against the compartment.

use super::*;

/// The largest addition, as a multiple of the electrolyte already in the cell, accepted when
/// the cell declares no `compartment` volume.
const MAX_UNCHECKED_ADDITION_RATIO: f64 = 10.0;

impl Procedure<'_> {
    pub(super) fn addition(
        &mut self,
        step: &ast::Step,
        label: Option<&str>,
        cell: usize,
        stock: &ast::Ident,
        amount: &AdditionAmount,
    ) {
        let info = &self.cells[cell];
        if matches!(info.cell.kind, CellKind::Symmetric | CellKind::Asymmetric) {
            self.ctx.error(
                step.span,
                ErrorKind::AdditionIntoSealedCell {
                    cell: info.cell.name.clone(),
                },
            );
            return;
        }
        let Some(stock_solution) = self.solutions.iter().find(|s| s.name == stock.node) else {
            undefined(
                self.ctx,
                "solution",
                stock,
                self.solutions.iter().map(|s| s.name.as_str()),
            );
            return;
        };
        let state = self.states[cell].clone();
        let v0 = state.volume_ml;
        let (volume_ml, target) = match amount {
            AdditionAmount::Volume(q) => {
                match self.ctx.positive(q, Dimension::Volume, "an added volume") {
                    Some(v) => (v * 1e3, None),
                    None => return,
                }
            }
            AdditionAmount::Reach {
                species,
                concentration,
            } => {
                let Some(ct) = self.ctx.positive(
                    concentration,
                    Dimension::Concentration,
                    "a target concentration",
                ) else {
                    return;
                };
                let target_text = quantity_text(concentration);
                let unreachable = |ctx: &mut Ctx, reason: String| {
                    ctx.error(
                        step.span,
                        ErrorKind::UnreachableConcentration {
                            species: species.node.clone(),
                            target: target_text.clone(),
                            reason,
                        },
                    );
                };
                let Some(cs) = stock_solution
                    .solutes
                    .iter()
                    .find(|s| s.species == species.node)
                    .map(|s| s.concentration_m)
                else {
                    unreachable(
                        self.ctx,
                        format!("`{}` contains no {}", stock.node, species.node),
                    );
                    return;
                };
                let c0 = concentration_of(&state.composition, &species.node);
                let between = (c0 < ct && ct < cs) || (cs < ct && ct < c0);
                if !between {
                    unreachable(
                        self.ctx,
                        format!(
                            "mixing the cell ({} now) with `{}` ({}) only reaches concentrations between the two",
                            format_si(c0, Dimension::Concentration),
                            stock.node,
                            format_si(cs, Dimension::Concentration)
                        ),
                    );
                    return;
                }
                let v = v0 * (ct - c0) / (cs - ct);
                (
                    v,
                    Some(Solute {
                        species: species.node.clone(),
                        concentration_m: ct,
                        nominal: stock_solution
                            .solutes
                            .iter()
                            .any(|s| s.species == species.node && s.nominal),
                    }),
                )
            }
        };
        let v1 = v0 + volume_ml;
        match info.compartment_ml {
            Some(cap) if v1 > cap * (1.0 + 1e-9) => {
                self.ctx.error(
                    step.span,
                    ErrorKind::AdditionBeyondCompartment {
                        after: format_si(v1 / 1e3, Dimension::Volume),
                        capacity: format_si(cap / 1e3, Dimension::Volume),
                    },
                );
                return;
            }
            Some(_) => {}
            // With no compartment to check against, an aliquot ten times the electrolyte
            // already in the cell is taken as a unit slip (mL for uL): no operando addition
            // floods a cell tenfold, and a compartment sized for it would have been declared.
            None if volume_ml > MAX_UNCHECKED_ADDITION_RATIO * v0 => {
                self.ctx.error(
                    step.span,
                    ErrorKind::AdditionDwarfsElectrolyte {
                        added: format_si(volume_ml / 1e3, Dimension::Volume),
                        before: format_si(v0 / 1e3, Dimension::Volume),
                        cell: info.cell.name.clone(),
                    },
                );
                return;
            }
            None => self.ctx.warn(
                step.span,
                WarningKind::UncheckedAddition {
                    cell: info.cell.name.clone(),
                },
            ),
        }
        let composition_after = mix(&state.composition, v0, &stock_solution.solutes, volume_ml);
        let solvents_after = mix_solvents(&state.solvents, v0, &stock_solution.solvents, volume_ml);
        let ratio = v1 / v0;
        let we_nominal = info.cell.working.nominal_area_cm2;
        let working_wet = state.working_wet.raised(ratio, we_nominal);
        let counter_wet = state.counter_wet.map(|w| {
            let nominal = info
                .cell
                .counter
                .as_ref()
                .map_or(we_nominal, |c| c.nominal_area_cm2);
            w.raised(ratio, nominal)
        });
        let we_after = working_wet.area_cm2(we_nominal);
        let ce_after = match (&counter_wet, &info.cell.counter) {
            (Some(w), Some(c)) => w.area_cm2(c.nominal_area_cm2),
            _ => 0.0,
        };
        self.states[cell] = CellState {
            volume_ml: v1,
            composition: composition_after.clone(),
            solvents: solvents_after.clone(),
            working_wet,
            counter_wet,
            temperature_c: self.states[cell].temperature_c,
        };
        self.push(
            cell,
            label,
            step.span,
            0.0,
            Action::Addition(Addition {
                stock: stock.node.clone(),
                volume_ml,
                target,
                volume_before_ml: v0,
                volume_after_ml: v1,
                composition_after,
                solvents_after,
                wetted_area_after_cm2: we_after,
                electrolyte_ul_per_cm2_after: v1 * 1e3 / (we_after + ce_after),
            }),
        );
    }
}

fn concentration_of(composition: &[Solute], species: &str) -> f64 {
    composition
        .iter()
        .find(|s| s.species == species)
        .map_or(0.0, |s| s.concentration_m)
}

/// Concentrations after mixing `v0` of `a` with `v1` of `b` (volumes additive); species keep
/// the order they first appear in, and stay nominal if either side was.
pub(crate) fn mix(a: &[Solute], v0: f64, b: &[Solute], v1: f64) -> Vec<Solute> {
    let total = v0 + v1;
    let mut out: Vec<Solute> = Vec::new();
    for s in a.iter().chain(b) {
        if out.iter().any(|o| o.species == s.species) {
            continue;
        }
        let ca = concentration_of(a, &s.species);
        let cb = concentration_of(b, &s.species);
        let nominal = a
            .iter()
            .chain(b)
            .any(|x| x.species == s.species && x.nominal);
        out.push(Solute {
            species: s.species.clone(),
            concentration_m: (ca * v0 + cb * v1) / total,
            nominal,
        });
    }
    out
}

/// Solvent parts after mixing; identical mixtures keep their parts as written.
fn mix_solvents(a: &[SolventPart], v0: f64, b: &[SolventPart], v1: f64) -> Vec<SolventPart> {
    let fraction = |list: &[SolventPart], name: &str| {
        let total: f64 = list.iter().map(|p| p.parts).sum();
        list.iter()
            .find(|p| p.name == name)
            .map_or(0.0, |p| p.parts / total)
    };
    let same = a.len() == b.len()
        && a.iter()
            .all(|p| (fraction(a, &p.name) - fraction(b, &p.name)).abs() < 1e-12);
    if same {
        return a.to_vec();
    }
    let mut out: Vec<SolventPart> = Vec::new();
    for p in a.iter().chain(b) {
        if out.iter().any(|o| o.name == p.name) {
            continue;
        }
        out.push(SolventPart {
            name: p.name.clone(),
            parts: (fraction(a, &p.name) * v0 + fraction(b, &p.name) * v1) / (v0 + v1),
        });
    }
    out
}
