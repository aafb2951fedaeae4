//! Galvanostatic traces (as Fig. 4a/4b of the source paper): overpotential against time with
//! stripping and plating at one current in one figure, and overpotential against the charge
//! passed for every current; plus open-circuit potential against time.
//!
//! Takes traces as (time since the step started in s, potential in V). The potential is the
//! measured one, signed (positive while the working electrode strips).

use super::style::number;
use super::style::{self, DisplayUnit, category};
use super::{Axis, Figure, LegendPosition, Panel, Series, SeriesStyle, WIDTH_PX};

/// One galvanostatic step's trace.
#[derive(Debug, Clone, Copy)]
pub struct Trace<'a> {
    pub label: &'a str,
    /// The working electrode strips (else it plates).
    pub stripping: bool,
    /// |current| in A.
    pub current_a: f64,
    /// |current density| in A/cm² when the area is known: capacities are then areal.
    pub density_a_per_cm2: Option<f64>,
    pub samples: &'a [(f64, f64)],
}

/// Stripping in vermillion, plating in blue, in every figure.
fn role_colour(stripping: bool) -> style::Rgb {
    if stripping { category(1) } else { category(0) }
}

fn potential_unit<'a>(traces: impl Iterator<Item = &'a Trace<'a>>) -> DisplayUnit {
    style::prefixed(
        style::max_abs(traces.flat_map(|t| t.samples.iter().map(|s| s.1))),
        "V",
    )
}

/// A current (density) as written in a legend: "10 mA cm⁻²" or "1.13 mA".
pub fn current_label(current_a: f64, density_a_per_cm2: Option<f64>) -> String {
    match density_a_per_cm2 {
        Some(j) => {
            let unit = style::prefixed(j, "A");
            format!("{} {} cm⁻²", number(unit.scale(j)), unit.symbol)
        }
        None => {
            let unit = style::prefixed(current_a, "A");
            format!("{} {}", number(unit.scale(current_a)), unit.symbol)
        }
    }
}

/// Overpotential against time for the steps at one current (stripping and plating together).
pub fn at_current(name: &str, title: &str, traces: &[Trace<'_>]) -> Figure {
    let span = style::max_abs(traces.iter().flat_map(|t| t.samples.iter().map(|s| s.0)));
    let t = style::time_unit(span);
    let v = potential_unit(traces.iter());
    let series = traces
        .iter()
        .map(|trace| {
            Series::new(
                SeriesStyle::Line,
                role_colour(trace.stripping),
                trace
                    .samples
                    .iter()
                    .map(|s| (t.scale(s.0), v.scale(s.1)))
                    .collect(),
            )
            .labelled(trace.label)
        })
        .collect();
    Figure {
        name: name.into(),
        title: title.into(),
        caption: "Measured potential of the working electrode against time since each step \
                  started; positive while it strips, negative while it plates."
            .into(),
        panels: vec![Panel {
            x: Axis::linear(t.label("time")).from_zero(),
            y: Axis::linear(v.label("overpotential")).from_zero(),
            series,
            equal_scale: false,
            legend: Some(LegendPosition::UpperRight),
            height_px: 260,
        }],
        share_x: false,
        colour_bar: None,
        width_px: WIDTH_PX,
    }
}

/// Overpotential against charge passed, one line per current: stripping above, plating below.
pub fn against_capacity(name: &str, title: &str, traces: &[Trace<'_>]) -> Figure {
    let areal = traces.iter().all(|t| t.density_a_per_cm2.is_some());
    // mAh (per cm² when areal): the unit electrochemists compare capacities in.
    let q_label = if areal {
        "charge passed / mAh cm⁻²"
    } else {
        "charge passed / mAh"
    };
    let rate = |t: &Trace<'_>| {
        if areal {
            t.density_a_per_cm2.unwrap_or(t.current_a)
        } else {
            t.current_a
        }
    };
    let mut currents: Vec<f64> = traces.iter().map(rate).collect();
    currents.sort_by(|a, b| b.total_cmp(a));
    currents.dedup_by(|a, b| (*a - *b).abs() <= 1e-9 * b.abs());
    let colour_of = |r: f64| {
        let i = currents
            .iter()
            .position(|c| (c - r).abs() <= 1e-9 * c.abs())
            .unwrap_or(0);
        // Skip the two colours that mean stripping/plating in the per-current figures.
        category(i + 2)
    };
    let v = potential_unit(traces.iter());
    let mut panels = Vec::new();
    for stripping in [true, false] {
        let series: Vec<Series> = traces
            .iter()
            .filter(|t| t.stripping == stripping)
            .map(|trace| {
                let r = rate(trace);
                Series::new(
                    SeriesStyle::Line,
                    colour_of(r),
                    trace
                        .samples
                        .iter()
                        .map(|s| (r * s.0 / 3.6, v.scale(s.1)))
                        .collect(),
                )
                .labelled(current_label(trace.current_a, trace.density_a_per_cm2))
            })
            .collect();
        if series.is_empty() {
            continue;
        }
        let role = if stripping { "stripping" } else { "plating" };
        panels.push(Panel {
            x: Axis::linear(q_label).from_zero(),
            y: Axis::linear(v.label(&format!("η {role}"))).from_zero(),
            series,
            equal_scale: false,
            legend: Some(if stripping {
                LegendPosition::UpperRight
            } else {
                LegendPosition::LowerRight
            }),
            height_px: 220,
        });
    }
    Figure {
        name: name.into(),
        title: title.into(),
        caption: "Overpotential against the charge passed, one line per current: stripping \
                  and plating of the working electrode."
            .into(),
        panels,
        share_x: true,
        colour_bar: None,
        width_px: WIDTH_PX,
    }
}

/// Open-circuit potential against time since each rest started, one line per rest.
pub fn open_circuit(name: &str, title: &str, traces: &[(String, Vec<(f64, f64)>)]) -> Figure {
    let span = style::max_abs(traces.iter().flat_map(|t| t.1.iter().map(|s| s.0)));
    let t = style::time_unit(span);
    let v = style::prefixed(
        style::max_abs(traces.iter().flat_map(|t| t.1.iter().map(|s| s.1))),
        "V",
    );
    // Distinct colours while the palette lasts, then an ordered map (colours would repeat).
    let colour = |i: usize| {
        if traces.len() <= style::CATEGORIES {
            category(i)
        } else {
            style::time_colour_in(i as f64, 0.0, (traces.len() - 1) as f64)
        }
    };
    let series = traces
        .iter()
        .enumerate()
        .map(|(i, (label, samples))| {
            Series::new(
                SeriesStyle::Line,
                colour(i),
                samples
                    .iter()
                    .map(|s| (t.scale(s.0), v.scale(s.1)))
                    .collect(),
            )
            .labelled(label.clone())
        })
        .collect();
    Figure {
        name: name.into(),
        title: title.into(),
        caption: "Open-circuit potential against time since each rest started.".into(),
        panels: vec![Panel {
            x: Axis::linear(t.label("time")).from_zero(),
            y: Axis::linear(v.label("open-circuit potential")),
            series,
            equal_scale: false,
            legend: Some(LegendPosition::UpperRight),
            height_px: 220,
        }],
        share_x: false,
        colour_bar: None,
        width_px: WIDTH_PX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_is_areal_in_mah_per_cm2_and_panels_split_by_role() {
        let strip = [(0.0, 0.5), (3600.0, 0.04)];
        let plate = [(0.0, -0.55), (3600.0, -0.55)];
        let traces = [
            Trace {
                label: "stripping",
                stripping: true,
                current_a: 1.13e-2,
                density_a_per_cm2: Some(1e-2),
                samples: &strip,
            },
            Trace {
                label: "plating",
                stripping: false,
                current_a: 1.13e-2,
                density_a_per_cm2: Some(1e-2),
                samples: &plate,
            },
        ];
        let fig = against_capacity("c", "t", &traces);
        assert_eq!(fig.panels.len(), 2);
        assert_eq!(fig.panels[0].y.label, "η stripping / mV");
        assert_eq!(fig.panels[0].x.label, "charge passed / mAh cm⁻²");
        // 10 mA/cm² for 1 h is 10 mAh/cm².
        assert!((fig.panels[0].series[0].points[1].0 - 10.0).abs() < 1e-9);
        assert_eq!(fig.panels[1].series[0].label.as_deref(), Some("10 mA cm⁻²"));
        let per = at_current("p", "t", &traces);
        assert_eq!(per.panels[0].x.label, "time / min");
        assert_ne!(
            per.panels[0].series[0].colour,
            per.panels[0].series[1].colour
        );
    }
}
