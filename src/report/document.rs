//! Assembles the report: which figures a run gets and in which section, and the HTML page.
//!
//! Takes [`RunData`] (manifest, plan, journal, optional analysis); gives a [`Report`] (the
//! HTML text, every figure with its SVG, the list of headings). Pure: writes nothing.

use super::analysis::{ImpedancePoint, ReportAnalysis, SweepFit};
use super::html::{self, Page, escape, facts, para};
use super::load::RunData;
use super::plots::residuals::SweepResiduals;
use super::plots::style::number;
use super::plots::{
    self, ColourBy, Figure, PlotError, SpectraSpec, Spectrum, bode, galvano, nyquist, residuals,
    series,
};
use super::tables;
use super::view::{EisGroup, RunView, status_name};
use crate::plan::{Action, Plan};
use crate::run::journal::RunStatus;
use crate::units::format_duration;
use std::collections::HashMap;

/// A rendered figure.
#[derive(Debug, Clone)]
pub struct RenderedFigure {
    pub figure: Figure,
    pub svg: String,
}

/// The report, ready to write.
#[derive(Debug, Clone)]
pub struct Report {
    pub html: String,
    pub figures: Vec<RenderedFigure>,
    /// `<h2>` headings in order, `<h3>` ones indented by two spaces.
    pub headings: Vec<String>,
    pub status: Option<RunStatus>,
    /// Impedance sweeps found in the journal.
    pub sweeps: usize,
}

struct Builder<'a> {
    data: &'a RunData,
    view: RunView,
    page: Page,
    figures: Vec<RenderedFigure>,
    fits: HashMap<(usize, usize), &'a SweepFit>,
    fit_circuit: HashMap<(usize, usize), &'a str>,
}

/// Builds the report of a run.
pub fn build(data: &RunData) -> Result<Report, PlotError> {
    let mut fits = HashMap::new();
    let mut fit_circuit = HashMap::new();
    for fit in data.analysis.iter().flat_map(|a| a.fits.iter()) {
        for sweep in &fit.sweeps {
            fits.insert((sweep.step, sweep.sweep), sweep);
            fit_circuit.insert((sweep.step, sweep.sweep), fit.circuit.as_str());
        }
    }
    let mut b = Builder {
        data,
        view: RunView::build(data),
        page: Page::default(),
        figures: Vec::new(),
        fits,
        fit_circuit,
    };
    b.run_section();
    b.protocol_section();
    b.materials_section();
    b.impedance_section()?;
    b.fits_section()?;
    b.additions_section()?;
    b.galvano_section()?;
    b.ocv_section()?;
    b.results_section();
    b.notices_section();
    let status = b.status();
    let header = b.header();
    let title = b.title();
    let headings = b.page.headings().to_vec();
    let sweeps = b.view.sweeps.len();
    Ok(Report {
        sweeps,
        html: b.page.finish(&title, &header),
        figures: b.figures,
        headings,
        status,
    })
}

/// A file-name-safe slug: lowercase letters, digits and single dashes.
pub fn slug(text: &str) -> String {
    // Typeset units keep their meaning in ASCII (cm⁻² → cm2, µ → u, Ω → ohm).
    let text = text
        .replace("⁻²", "2")
        .replace('²', "2")
        .replace('µ', "u")
        .replace('Ω', "ohm");
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    // Short enough for any file system, whatever a cell is called.
    let out: String = out.trim_matches('-').chars().take(48).collect();
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "x".into() } else { out }
}

impl<'a> Builder<'a> {
    fn plan(&self) -> Option<&'a Plan> {
        self.data.plan.as_ref()
    }

    fn analysis(&self) -> Option<&'a ReportAnalysis> {
        self.data.analysis.as_ref()
    }

    fn title(&self) -> String {
        self.plan()
            .and_then(|p| p.meta.title.clone())
            .or_else(|| self.data.manifest.as_ref().map(|m| m.protocol_path.clone()))
            .unwrap_or_else(|| self.data.folder.dir.display().to_string())
    }

    /// The manifest's status, unless the journal ended the run later than the manifest says.
    fn status(&self) -> Option<RunStatus> {
        match (&self.data.manifest, &self.view.ended) {
            (Some(m), Some((s, _))) if m.status == RunStatus::Running => Some(*s),
            (Some(m), _) => Some(m.status),
            (None, Some((s, _))) => Some(*s),
            (None, None) => None,
        }
    }

    fn reason(&self) -> Option<String> {
        self.data
            .manifest
            .as_ref()
            .and_then(|m| m.reason.clone())
            .or_else(|| self.view.ended.as_ref().and_then(|e| e.1.clone()))
    }

    fn header(&self) -> String {
        let status = self.status();
        let name = status.map_or("unknown", status_name);
        let mut out = format!(
            "<h1>{}<span class=\"badge {name}\">{name}</span></h1>\n",
            escape(&self.title())
        );
        if let Some(source) = self.plan().and_then(|p| p.meta.source.as_ref()) {
            out.push_str(&format!(
                "<p class=\"sub\">Reproduces {}</p>\n",
                escape(source)
            ));
        }
        match status {
            Some(RunStatus::Completed) | None => {}
            Some(RunStatus::Running) => out.push_str(&para(
                "fault",
                "The run has no recorded end: it is still running, or it was killed. \
                 Everything recorded up to the last journal line is shown.",
            )),
            Some(s) => out.push_str(&para(
                "fault",
                &format!(
                    "The run {}{}. Everything measured up to then is shown.",
                    status_name(s),
                    self.reason().map_or(String::new(), |r| format!(": {r}"))
                ),
            )),
        }
        out
    }

    fn add_figure(&mut self, mut figure: Figure) -> Result<(), PlotError> {
        // Distinct slugs can still collide once shortened: number the repeats.
        let base = figure.name.clone();
        let mut n = 1;
        while self.figures.iter().any(|f| f.figure.name == figure.name) {
            n += 1;
            figure.name = format!("{base}-{n}");
        }
        let svg = plots::render_svg(&figure)?;
        self.page
            .push(&html::figure(&figure.name, &svg, &figure.caption));
        self.figures.push(RenderedFigure { figure, svg });
        Ok(())
    }

    fn run_section(&mut self) {
        self.page.section("run", "Run");
        let mut pairs = Vec::new();
        let status = self.status();
        pairs.push((
            "status".into(),
            status.map_or("unknown", status_name).to_string(),
        ));
        if let Some(reason) = self.reason() {
            pairs.push(("why it stopped".into(), reason));
        }
        if let Some(m) = &self.data.manifest {
            if let Some(step) = m.stopped_at_step {
                pairs.push(("stopped at step".into(), step.to_string()));
            }
            pairs.push(("protocol".into(), m.protocol_path.clone()));
            pairs.push(("protocol SHA-256".into(), m.protocol_sha256.clone()));
            pairs.push((
                "instrument".into(),
                format!("{} — {}", m.instrument.kind, m.instrument.description),
            ));
            if let Some(set) = &m.parameter_set {
                pairs.push(("parameter set".into(), set.clone()));
            }
            if let Some(seed) = m.seed {
                pairs.push(("seed".into(), seed.to_string()));
            }
            pairs.push(("started".into(), m.started_at.clone()));
            pairs.push((
                "ended".into(),
                m.ended_at.clone().unwrap_or_else(|| "–".into()),
            ));
            pairs.push((
                "planned duration".into(),
                format_duration(m.planned_duration_s),
            ));
            let elapsed = m.elapsed_s.or(self.view.last_t_s);
            pairs.push((
                "actual duration (run clock)".into(),
                elapsed.map_or("–".into(), format_duration),
            ));
            if let Some(wall) = m.wall_duration_s {
                pairs.push(("wall-clock duration".into(), format_duration(wall)));
            }
            if m.resumes > 0 {
                pairs.push(("resumed".into(), format!("{} times", m.resumes)));
            }
            pairs.push(("mgp version".into(), m.mgp_version.clone()));
        } else if let Some(t) = self.view.last_t_s {
            pairs.push(("last record at (run clock)".into(), format_duration(t)));
        }
        pairs.push((
            "recorded".into(),
            format!(
                "{} journal records, {} impedance sweeps, {} potential traces",
                self.data.records.len(),
                self.view.sweeps.len(),
                self.view.galvano.len() + self.view.ocv.len()
            ),
        ));
        self.page.push(&facts(&pairs));
    }

    fn protocol_section(&mut self) {
        self.page.section("protocol", "Protocol");
        if let Some(plan) = self.plan() {
            let mut pairs = Vec::new();
            if let Some(a) = &plan.meta.author {
                pairs.push(("author".to_string(), a.clone()));
            }
            pairs.push((
                "planned total".into(),
                format_duration(plan.total_duration_s),
            ));
            pairs.push(("steps".into(), plan.steps.len().to_string()));
            self.page.push(&facts(&pairs));
            for note in &plan.meta.notes {
                self.page.push(&para("note", note));
            }
            self.page.subheading("Plan");
            self.page
                .push(&tables::plan_steps(plan, &self.view).to_html());
        } else {
            self.page.push(&para(
                "note",
                "plan.json is missing: the plan cannot be shown.",
            ));
        }
        if let Some(m) = &self.data.manifest {
            self.page.push(&format!(
                "<details><summary>Protocol text ({})</summary>\n<pre>{}</pre>\n</details>\n",
                escape(&m.protocol_path),
                escape(&m.protocol_text)
            ));
        }
    }

    fn materials_section(&mut self) {
        let Some(plan) = self.plan() else { return };
        self.page.section("materials", "Cells and materials");
        for (heading, table) in [
            ("Solutions", tables::solutions(plan)),
            ("Electrodes", tables::electrodes(plan)),
            ("Cells", tables::cells(plan)),
        ] {
            if !table.is_empty() {
                self.page.subheading(heading);
                self.page.push(&table.to_html());
            }
        }
        let used = tables::Used::of(plan);
        let separators: Vec<&crate::plan::Separator> = plan
            .separators
            .iter()
            .filter(|s| used.separators.contains(&s.name))
            .collect();
        if !separators.is_empty() {
            let list: Vec<String> = separators
                .iter()
                .map(|s| {
                    format!(
                        "{}: {}, {} µm thick",
                        s.name,
                        s.material,
                        number(s.thickness_m * 1e6)
                    )
                })
                .collect();
            self.page
                .push(&para("note", &format!("Separators — {}", list.join("; "))));
        }
    }

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

    fn impedance_section(&mut self) -> Result<(), PlotError> {
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

    fn fits_section(&mut self) -> Result<(), PlotError> {
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

    fn additions_section(&mut self) -> Result<(), PlotError> {
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
                self.add_figure(bode::figure(spec, &spectra))?;
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

    fn galvano_section(&mut self) -> Result<(), PlotError> {
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

    fn ocv_section(&mut self) -> Result<(), PlotError> {
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

    fn results_section(&mut self) {
        let plan = self.plan();
        let analysis = self.analysis();
        let quantities = tables::quantities(plan, analysis);
        let expects = tables::expects(plan, analysis);
        if quantities.is_empty() && expects.is_empty() {
            return;
        }
        self.page
            .section("results", "Derived quantities and expectations");
        if analysis.is_none() {
            self.page.push(&para(
                "note",
                "Not evaluated: this run folder has no analysis.json (run `mgp analyze RUN_DIR`).",
            ));
        }
        if !quantities.is_empty() {
            self.page.subheading("Derived quantities");
            self.page.push(&quantities.to_html());
        }
        if !expects.is_empty() {
            self.page.subheading("Expectations");
            if let Some(a) = analysis {
                let passed = a.expects.iter().filter(|e| e.passed).count();
                let total = expects.rows.len();
                self.page.push(&para(
                    if passed < total { "fault" } else { "note" },
                    &format!("{passed} of {total} expectations passed."),
                ));
            }
            self.page.push(&expects.to_html());
        }
    }

    fn notices_section(&mut self) {
        self.page.section("faults", "Warnings and faults");
        let table = tables::notices(&self.view);
        if table.is_empty() {
            self.page.push(&para(
                "note",
                "None: the journal records no errors, warnings or limits.",
            ));
        } else {
            self.page.push(&table.to_html());
        }
    }
}
