//! Assembles the report: which figures a run gets and in which section, and the HTML page.
//!
//! Takes [`RunData`] (manifest, plan, journal, optional analysis); gives a [`Report`] (the
//! HTML text, every figure with its SVG, the list of headings). Pure: writes nothing.

use super::analysis::{ReportAnalysis, SweepFit};
use super::html::{self, Page, escape, facts, para};
use super::load::RunData;
use super::plots::style::number;
use super::plots::{self, Figure, PlotError};
use super::tables;
use super::view::{RunView, status_name};
use crate::plan::Plan;
use crate::run::journal::{Event, RunStatus};
use crate::run::model_limits::not_modelled;
use crate::units::format_duration;
use std::collections::HashMap;

/// The figure sections, split off to keep files short.
mod figures;

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
    if let Some(html) = super::channels::section(data) {
        b.page.section("channels", "Channels");
        b.page.push(&html);
    }
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
        if self.simulated() {
            out.push_str(&self.simulated_banner());
        }
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

    /// The data come from the built-in simulator, by the manifest or the journal.
    fn simulated(&self) -> bool {
        self.data.manifest.as_ref().map_or_else(
            || {
                self.data.records.iter().any(|r| {
                    matches!(&r.event, Event::RunStarted { instrument, .. } if instrument == "sim")
                })
            },
            |m| m.instrument.kind == "sim",
        )
    }

    /// Says the data are simulated, and lists what the model did not capture.
    fn simulated_banner(&self) -> String {
        let mut out = String::from(
            "<div class=\"simulated\"><strong>Simulated data.</strong> Every value and figure \
             in this report comes from mgp's built-in model of the interphase, not from a \
             measurement.",
        );
        let notes = not_modelled(&self.data.records);
        if notes.is_empty() {
            out.push_str(" The model covered everything the protocol asked for.");
        } else {
            out.push_str(" Not modelled (answered with a stand-in or left out):<ul>");
            for note in &notes {
                out.push_str(&format!("<li>{}</li>", escape(note)));
            }
            out.push_str("</ul>");
        }
        out.push_str("</div>\n");
        out
    }

    fn add_figure(&mut self, mut figure: Figure) -> Result<(), PlotError> {
        if self.simulated() {
            // Marked inside the SVG itself, so that a copied figure still says so.
            figure.title = format!("SIMULATED · {}", figure.title);
        }
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
                let unmeasured = a.expects.iter().filter(|e| e.not_measured).count();
                let total = expects.rows.len();
                let text = match unmeasured {
                    0 => format!("{passed} of {total} expectations passed."),
                    n => format!(
                        "{passed} of {total} expectations passed; {n} not measured (the run \
                         has no data for them)."
                    ),
                };
                self.page.push(&para(
                    if passed + unmeasured < total {
                        "fault"
                    } else {
                        "note"
                    },
                    &text,
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
