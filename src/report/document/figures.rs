//! The figure sections of the report: impedance (Nyquist per cell and addition segment),
//! fitted parameters (R, C, f_peak series and residuals), Bode before and after additions,
//! galvanostatic traces and open-circuit potentials.

use super::{Builder, slug};
use crate::plan::Action;
use crate::report::analysis::ImpedancePoint;
use crate::report::html::para;
use crate::report::plots::residuals::SweepResiduals;
use crate::report::plots::style::number;
use crate::report::plots::{
    ColourBy, PlotError, SpectraSpec, Spectrum, bode, galvano, nyquist, residuals, series,
    share_ranges,
};
use crate::report::tables;
use crate::report::view::EisGroup;

impl<'a> Builder<'a> {
    /// Areal units when the protocol's analysis reports areal values.
    fn areal(&self) -> bool {
        self.plan().is_some_and(|p| {
            !p.analysis.fits.is_empty()
                || p.analysis.quantities.iter().any(|q| q.dimension.is_areal())
                || p.analysis.expects.iter().any(|e| e.dimension.is_areal())
        })
    }

    fn area_of(&self, cell: &str) -> Option<f64> {
        if !self.areal() {
            return None;
        }
        self.plan()
            .and_then(|p| p.cell(cell))
            .map(|c| c.normalising_area_cm2)
            .filter(|a| a.is_finite() && *a > 0.0)
    }

    fn spectra(&self, group: &EisGroup) -> Vec<Spectrum> {
        group
            .sweeps
            .iter()
            .map(|&i| {
                let s = &self.view.sweeps[i];
                let point = |&(_, f, re, im): &(f64, f64, f64, f64)| ImpedancePoint {
                    frequency_hz: f,
                    z_real_ohm: re,
                    z_imag_ohm: im,
                };
                Spectrum {
                    elapsed_s: s.start_s - group.t0_s,
                    points: s.points.iter().map(point).collect(),
                    fit: self
                        .fits
                        .get(&(s.step, s.sweep))
                        .map_or(Vec::new(), |f| f.curve.clone()),
                }
            })
            .collect()
    }

    /// The circuit fitted to any sweep of the group, if any was.
    fn circuit_of(&self, group: &EisGroup) -> Option<&'a str> {
        group.sweeps.iter().find_map(|&i| {
            let s = &self.view.sweeps[i];
            self.fit_circuit.get(&(s.step, s.sweep)).copied()
        })
    }

    fn group_title(&self, group: &EisGroup) -> String {
        let steps: Vec<String> = group.steps.iter().map(usize::to_string).collect();
        let after = if group.segment > 0 {
            format!(", after addition {}", group.segment)
        } else {
            String::new()
        };
        format!(
            "Cell {}{after} (step{} {})",
            group.cell,
            if steps.len() == 1 { "" } else { "s" },
            steps.join(", ")
        )
    }

    pub(super) fn impedance_section(&mut self) -> Result<(), PlotError> {
        if self.view.groups.is_empty() {
            return Ok(());
        }
        self.page.section("impedance", "Impedance");
        if self.analysis().is_none() {
            self.page.push(&para(
                "note",
                "No analysis.json in this run folder: measured spectra are shown without fits. \
                 Run `mgp analyze RUN_DIR` for fitted curves, R/C/peak-frequency series and \
                 residuals.",
            ));
        }
        for group in self.view.groups.clone() {
            let title = self.group_title(&group);
            self.page.subheading(&title);
            let spectra = self.spectra(&group);
            let circuit = self.circuit_of(&group);
            let name = format!("nyquist-{}-{}", slug(&group.cell), group.segment);
            let spec = SpectraSpec {
                name: &name,
                title: &format!("Nyquist — {title}"),
                area_cm2: self.area_of(&group.cell),
                circuit,
                colour_by: ColourBy::ElapsedTime,
            };
            self.add_figure(nyquist::figure(spec, &spectra))?;
        }
        Ok(())
    }

    pub(super) fn fits_section(&mut self) -> Result<(), PlotError> {
        let Some(analysis) = self.analysis() else {
            return Ok(());
        };
        if analysis.fits.is_empty() {
            return Ok(());
        }
        self.page.section("fits", "Fitted parameters");
        for fit in &analysis.fits {
            let heading = format!("Fit {} — {} on cell {}", fit.name, fit.circuit, fit.cell);
            self.page.subheading(&heading);
            let base = slug(&fit.name);
            self.add_figure(series::figure(
                &format!("series-{base}"),
                &format!("R, C and peak frequency — fit {}", fit.name),
                fit,
            ))?;
            let rows: Vec<SweepResiduals<'_>> = fit
                .sweeps
                .iter()
                .filter(|s| !s.residuals.is_empty())
                .map(|s| SweepResiduals {
                    elapsed_s: s.t_s,
                    points: &s.residuals,
                })
                .collect();
            if !rows.is_empty() {
                self.add_figure(residuals::figure(
                    &format!("residuals-fit-{base}"),
                    &format!("Fit residuals — fit {}", fit.name),
                    "Circuit-fit",
                    &rows,
                ))?;
            }
            let rows: Vec<SweepResiduals<'_>> = fit
                .sweeps
                .iter()
                .filter(|s| !s.linkk_residuals.is_empty())
                .map(|s| SweepResiduals {
                    elapsed_s: s.t_s,
                    points: &s.linkk_residuals,
                })
                .collect();
            if !rows.is_empty() {
                self.add_figure(residuals::figure(
                    &format!("residuals-linkk-{base}"),
                    &format!("Lin-KK residuals — fit {}", fit.name),
                    "Lin-KK",
                    &rows,
                ))?;
            }
            self.page.push(&format!(
                "<details><summary>Every fitted sweep ({})</summary>\n{}</details>\n",
                fit.sweeps.len(),
                tables::sweep_fits(fit).to_html()
            ));
        }
        Ok(())
    }

    pub(super) fn additions_section(&mut self) -> Result<(), PlotError> {
        let groups = self.view.groups.clone();
        let pairs: Vec<(&EisGroup, &EisGroup)> = groups
            .iter()
            .filter(|g| g.segment > 0)
            .filter_map(|after| {
                groups
                    .iter()
                    .find(|b| b.cell == after.cell && b.segment + 1 == after.segment)
                    .map(|before| (before, after))
            })
            .collect();
        if pairs.is_empty() {
            return Ok(());
        }
        self.page.section("additions", "Before and after additions");
        for (before, after) in pairs {
            let what = self.addition_text(after);
            self.page
                .subheading(&format!("Cell {}: {what}", after.cell));
            let area = self.area_of(&after.cell);
            let mut figures = Vec::new();
            let before_spectra = self.spectra(before);
            if let Some(last) = before_spectra.last() {
                let name = format!("bode-{}-addition-{}", slug(&after.cell), after.segment);
                let title = format!("Bode — cell {} before and after {what}", after.cell);
                let spec = SpectraSpec {
                    name: &name,
                    title: &title,
                    area_cm2: area,
                    circuit: self.circuit_of(after).or(self.circuit_of(before)),
                    colour_by: ColourBy::ElapsedTime,
                };
                figures.push(bode::before_after(spec, last, &self.spectra(after)));
            }
            for (group, when) in [(before, "before"), (after, "after")] {
                let name = format!("bode-{}-{when}-{}", slug(&group.cell), after.segment);
                let title = format!("Bode — cell {} {when} {what}", group.cell);
                let spectra = self.spectra(group);
                let spec = SpectraSpec {
                    name: &name,
                    title: &title,
                    area_cm2: area,
                    circuit: self.circuit_of(group),
                    colour_by: ColourBy::ElapsedTime,
                };
                figures.push(bode::figure(spec, &spectra));
            }
            // The separate evolutions read on the overlay's scale too.
            share_ranges(&mut figures);
            for figure in figures {
                self.add_figure(figure)?;
            }
        }
        Ok(())
    }

    /// "addition of 0.2 mL stock" for the addition that starts `group`.
    fn addition_text(&self, group: &EisGroup) -> String {
        let first = group.steps.first().copied().unwrap_or(0);
        let addition = self.plan().and_then(|p| {
            p.steps[..first.min(p.steps.len())]
                .iter()
                .rev()
                .find_map(|s| match &s.action {
                    Action::Addition(a) if s.cell == group.cell => Some(a),
                    _ => None,
                })
        });
        match addition {
            Some(a) => format!("the addition of {} mL {}", number(a.volume_ml), a.stock),
            None => format!("addition {}", group.segment),
        }
    }

    pub(super) fn galvano_section(&mut self) -> Result<(), PlotError> {
        if self.view.galvano.is_empty() {
            return Ok(());
        }
        self.page.section("galvanostatic", "Galvanostatic steps");
        let traces = self.view.galvano.clone();
        let labels: Vec<String> = traces
            .iter()
            .map(|t| {
                let role = if t.stripping { "stripping" } else { "plating" };
                match &t.label {
                    Some(l) => format!("{role}, step {} “{l}”", t.step),
                    None => format!("{role}, step {}", t.step),
                }
            })
            .collect();
        let all: Vec<galvano::Trace<'_>> = traces
            .iter()
            .zip(&labels)
            .map(|(t, label)| galvano::Trace {
                label,
                stripping: t.stripping,
                current_a: t.current_a,
                density_a_per_cm2: t.density_a_per_cm2,
                samples: &t.samples,
            })
            .collect();
        let mut currents: Vec<String> = Vec::new();
        for t in &all {
            let key = galvano::current_label(t.current_a, t.density_a_per_cm2);
            if !currents.contains(&key) {
                currents.push(key);
            }
        }
        for current in &currents {
            let these: Vec<galvano::Trace<'_>> = all
                .iter()
                .filter(|t| &galvano::current_label(t.current_a, t.density_a_per_cm2) == current)
                .copied()
                .collect();
            self.page.subheading(&format!("At {current}"));
            self.add_figure(galvano::at_current(
                &format!("galvano-{}", slug(current)),
                &format!("Overpotential at {current}"),
                &these,
            ))?;
        }
        self.page.subheading("Against charge passed");
        self.add_figure(galvano::against_capacity(
            "galvano-capacity",
            "Overpotential against charge passed",
            &all,
        ))?;
        Ok(())
    }

    pub(super) fn ocv_section(&mut self) -> Result<(), PlotError> {
        if self.view.ocv.iter().all(|t| t.samples.is_empty()) {
            return Ok(());
        }
        self.page.section("open-circuit", "Open-circuit potential");
        // One figure for all rests: a protocol with a cell per condition would otherwise get
        // a page of near-empty plots.
        let traces: Vec<(String, Vec<(f64, f64)>)> = self
            .view
            .ocv
            .iter()
            .filter(|t| !t.samples.is_empty())
            .map(|t| {
                (
                    format!("cell {}, step {}", t.cell, t.step),
                    t.samples.clone(),
                )
            })
            .collect();
        self.add_figure(galvano::open_circuit(
            "ocv",
            "Open-circuit potential",
            &traces,
        ))?;
        Ok(())
    }
}
