//! Plots: figures described as data, drawn to SVG by one renderer.
//!
//! Each figure module (`nyquist`, `bode`, `series`, `galvano`, `residuals`) takes measured or
//! fitted values and gives a [`Figure`]: panels with axes (quantity and unit in the label,
//! linear or log scale) and series in display units. [`render::render_svg`] is the only code
//! that talks to plotters, so every plot shares one look: fonts, axes, legends and the
//! elapsed-time colour bar (see [`style`]). Keeping figures as plain data also lets tests check
//! a report's structure (series per plot, axis labels) without comparing pixels.

pub mod bode;
mod colour_bar;
pub mod decimate;
pub mod galvano;
pub mod legend;
pub mod nyquist;
mod range;
pub mod render;
pub mod residuals;
pub mod series;
mod strip;
pub mod style;

pub use range::share_ranges;
pub use render::{PlotError, render_svg};
pub use style::Rgb;

use crate::report::analysis::ImpedancePoint;

/// One measured spectrum with its fitted curve, as Nyquist and Bode plots take it.
#[derive(Debug, Clone, PartialEq)]
pub struct Spectrum {
    /// Time since the start of its series (the colour scale), s.
    pub elapsed_s: f64,
    /// Measured points, absolute Ω.
    pub points: Vec<ImpedancePoint>,
    /// The fitted curve, absolute Ω; empty when not fitted.
    pub fit: Vec<ImpedancePoint>,
}

/// Names and units of a spectra figure (Nyquist or Bode).
#[derive(Debug, Clone, Copy)]
pub struct SpectraSpec<'a> {
    pub name: &'a str,
    pub title: &'a str,
    /// Multiply by this area (cm²) to show areal values; `None` shows absolute Ω.
    pub area_cm2: Option<f64>,
    /// The fitted circuit, for the caption.
    pub circuit: Option<&'a str>,
    pub colour_by: ColourBy,
}

impl SpectraSpec<'_> {
    /// The caption of a spectra figure: `what` of N sweeps, how many are shown, what colour
    /// means, a `note` on the axes, and the fitted circuit when curves are drawn.
    pub fn caption(
        &self,
        what: &str,
        total: usize,
        shown: usize,
        coloured: bool,
        note: Option<&str>,
        fitted: bool,
    ) -> String {
        let mut caption = format!(
            "{what} of {total} sweep{}",
            if total == 1 { "" } else { "s" }
        );
        if shown < total {
            caption.push_str(&format!(" ({shown} evenly spaced in time shown)"));
        }
        if coloured {
            caption.push_str(", ");
            caption.push_str(self.colour_by.caption());
        }
        if let Some(note) = note {
            caption.push_str("; ");
            caption.push_str(note);
        }
        if fitted {
            caption.push_str(&format!(
                "; lines: fitted {}",
                self.circuit.unwrap_or("circuit")
            ));
        }
        caption.push('.');
        caption
    }
}

/// What the colour of a spectrum says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColourBy {
    /// Time since the series started (a run's repeated sweeps).
    ElapsedTime,
    /// Position in the file (spectra of a data file, which carry no time).
    Position,
}

impl ColourBy {
    /// How a caption says it.
    pub fn caption(self) -> &'static str {
        match self {
            ColourBy::ElapsedTime => "coloured by elapsed time",
            ColourBy::Position => "coloured by position in the file",
        }
    }
}

/// Colours (and the bar explaining them) for the spectra at `shown` out of `spectra`.
pub fn spectrum_colours(
    by: ColourBy,
    shown: &[usize],
    spectra: &[Spectrum],
) -> (Vec<Rgb>, Option<ColourBar>) {
    match by {
        ColourBy::ElapsedTime => {
            let times: Vec<f64> = shown.iter().map(|&i| spectra[i].elapsed_s).collect();
            time_colours(&times)
        }
        // A few spectra: one distinct colour each, named in the legend (see
        // [`spectrum_labels`]); a continuous bar would suggest values between them.
        ColourBy::Position if spectra.len() > 1 && spectra.len() <= style::CATEGORIES => {
            (shown.iter().map(|&i| style::category(i)).collect(), None)
        }
        ColourBy::Position if spectra.len() > 1 => {
            let last = spectra.len() as f64;
            let colours = shown
                .iter()
                .map(|&i| style::time_colour_in(i as f64 + 1.0, 1.0, last))
                .collect();
            let bar = ColourBar {
                label: "spectrum".into(),
                min: 1.0,
                max: last,
            };
            (colours, Some(bar))
        }
        ColourBy::Position => (vec![style::category(0); shown.len()], None),
    }
}

/// Legend entries of the spectra at `shown`: "spectrum N" (position in the file) when they
/// are coloured one by one rather than by a colour bar.
pub fn spectrum_labels(
    by: ColourBy,
    shown: &[usize],
    total: usize,
    bar: Option<&ColourBar>,
) -> Vec<Option<String>> {
    let named = by == ColourBy::Position && bar.is_none() && total > 1;
    shown
        .iter()
        .map(|&i| named.then(|| format!("spectrum {}", i + 1)))
        .collect()
}

/// Width of every report figure, in pixels.
pub const WIDTH_PX: u32 = 680;

/// At most this many spectra are drawn in one figure: more only hide each other and bloat the
/// page. The first and last are always kept.
pub const MAX_SPECTRA: usize = 12;

/// Indices of at most `max` items out of `n`, evenly spaced, keeping the first and last.
pub fn thin_indices(n: usize, max: usize) -> Vec<usize> {
    match max {
        _ if n <= max => return (0..n).collect(),
        0 => return Vec::new(),
        1 => return vec![n - 1],
        _ => {}
    }
    let mut out: Vec<usize> = (0..max)
        .map(|k| (k as f64 * (n - 1) as f64 / (max - 1) as f64).round() as usize)
        .collect();
    out.dedup();
    out
}

/// Colours for items at the given elapsed times (s), and the colour bar that explains them;
/// a single time (or none) gets the first categorical colour and no bar.
pub fn time_colours(elapsed_s: &[f64]) -> (Vec<Rgb>, Option<ColourBar>) {
    let finite = || elapsed_s.iter().copied().filter(|t| t.is_finite());
    let max = finite().fold(f64::NEG_INFINITY, f64::max);
    // The scale starts at the series' start (0) unless times run before it.
    let min = finite().fold(0.0, f64::min);
    // NaNs are filtered out above, so this is the whole "no spread" case.
    if max <= min {
        return (vec![style::category(0); elapsed_s.len()], None);
    }
    let unit = style::time_unit(max - min);
    let colours = elapsed_s
        .iter()
        .map(|&t| style::time_colour_in(t, min, max))
        .collect();
    let bar = ColourBar {
        label: unit.label("elapsed time"),
        min: unit.scale(min),
        max: unit.scale(max),
    };
    (colours, Some(bar))
}

/// One figure: panels stacked top to bottom, optionally sharing the x axis, with an optional
/// colour bar for elapsed time on the right.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// File stem under `plots/` (`nyquist-cell-a-1`); also the HTML anchor.
    pub name: String,
    pub title: String,
    /// One sentence saying what is shown (plain text; the HTML escapes it).
    pub caption: String,
    pub panels: Vec<Panel>,
    /// Stacked panels share one x range; only the bottom one carries tick labels and the label.
    pub share_x: bool,
    pub colour_bar: Option<ColourBar>,
    pub width_px: u32,
}

/// One set of axes.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub x: Axis,
    pub y: Axis,
    pub series: Vec<Series>,
    /// Same data units per pixel on both axes (Nyquist plots, so arcs look like arcs).
    pub equal_scale: bool,
    pub legend: Option<LegendPosition>,
    /// Height of the plotting area in pixels (without tick labels).
    pub height_px: u32,
}

/// An axis: its label carries quantity and unit ("Z' / kΩ cm²").
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub label: String,
    pub scale: Scale,
    /// Forced range; `None` derives it from the data.
    pub range: Option<(f64, f64)>,
    /// Extend a derived linear range to include zero.
    pub include_zero: bool,
}

impl Axis {
    pub fn linear(label: impl Into<String>) -> Self {
        Axis {
            label: label.into(),
            scale: Scale::Linear,
            range: None,
            include_zero: false,
        }
    }

    pub fn log(label: impl Into<String>) -> Self {
        Axis {
            scale: Scale::Log,
            ..Axis::linear(label)
        }
    }

    pub fn from_zero(mut self) -> Self {
        self.include_zero = true;
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Linear,
    Log,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegendPosition {
    UpperLeft,
    UpperRight,
    LowerLeft,
    LowerRight,
}

/// A data series in display units.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend entry; `None` keeps the series out of the legend.
    pub label: Option<String>,
    pub colour: Rgb,
    pub style: SeriesStyle,
    pub points: Vec<(f64, f64)>,
}

impl Series {
    pub fn new(style: SeriesStyle, colour: Rgb, points: Vec<(f64, f64)>) -> Self {
        Series {
            label: None,
            colour,
            style,
            points,
        }
    }

    pub fn labelled(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// A legend-only entry (no points), e.g. "measured" / "fit" in neutral grey when the
    /// real series are coloured by time.
    pub fn legend_only(style: SeriesStyle, label: impl Into<String>) -> Self {
        Series::new(style, style::NEUTRAL, Vec::new()).labelled(label)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesStyle {
    Line,
    Dashed,
    Markers,
    LineMarkers,
}

/// Colour scale for elapsed time, drawn as a vertical bar beside the panels.
#[derive(Debug, Clone, PartialEq)]
pub struct ColourBar {
    pub label: String,
    pub min: f64,
    pub max: f64,
}

impl Figure {
    /// Number of series that carry data (legend-only entries excluded), per panel.
    pub fn data_series_counts(&self) -> Vec<usize> {
        self.panels
            .iter()
            .map(|p| p.series.iter().filter(|s| !s.points.is_empty()).count())
            .collect()
    }
}

/// The non-empty text contents of an SVG document, in drawing order (titles, axis labels,
/// ticks, legend entries), unescaped. Used to summarise and test figures.
pub fn svg_texts(svg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find("<text") {
        rest = &rest[start..];
        let Some(open_end) = rest.find('>') else {
            break;
        };
        let Some(close) = rest.find("</text>") else {
            break;
        };
        if close > open_end {
            let text = rest[open_end + 1..close].trim();
            if !text.is_empty() {
                out.push(unescape_xml(text));
            }
        }
        rest = &rest[close.max(open_end) + 1..];
    }
    out
}

fn unescape_xml(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
