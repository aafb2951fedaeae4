//! The colour bar beside a figure: the elapsed-time colour map as a vertical gradient, round
//! tick values to its right and the rotated label at the far right. Drawn from plotters'
//! primitives (not a chart) so the labels sit exactly beside the bar.

use super::ColourBar;
use super::render::{AXIS_LABEL_PX, Area, TICK_PX, colour, font};
use super::style::{self, linear_tick};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A vertical gradient of the elapsed-time colour map spanning the plotting areas, ticks and
/// labels to its right, and the rotated axis label at the far right. Drawn from plotters'
/// primitives rather than a chart so the labels sit exactly beside the bar.
pub(super) fn draw_colour_bar(
    area: &Area,
    bar: &ColourBar,
    top: i32,
    bottom: i32,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<std::io::Error>| e.to_string();
    let (min, max) = if bar.max > bar.min {
        (bar.min, bar.max)
    } else {
        (bar.min, bar.min + 1.0)
    };
    let (w, _) = area.dim_in_pixel();
    let (x0, x1) = (12, 26);
    let height = f64::from((bottom - top).max(1));
    let y_of = |v: f64| bottom - ((v - min) / (max - min) * height).round() as i32;
    const STEPS: usize = 48;
    for i in 0..STEPS {
        let a = top + (height * i as f64 / STEPS as f64).round() as i32;
        let b = top + (height * (i + 1) as f64 / STEPS as f64).round() as i32;
        let c = colour(style::time_colour(1.0 - (i as f64 + 0.5) / STEPS as f64));
        area.draw(&Rectangle::new([(x0, a), (x1, b)], c.filled()))
            .map_err(err)?;
    }
    area.draw(&Rectangle::new(
        [(x0, top), (x1, bottom)],
        BLACK.stroke_width(1),
    ))
    .map_err(err)?;
    let span = max - min;
    for v in style::nice_ticks(min, max, 6) {
        let y = y_of(v);
        area.draw(&PathElement::new(
            vec![(x1, y), (x1 + 4, y)],
            BLACK.stroke_width(1),
        ))
        .map_err(err)?;
        area.draw(&Text::new(
            linear_tick(v, span),
            (x1 + 7, y),
            font(TICK_PX).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(err)?;
    }
    area.draw(&Text::new(
        bar.label.clone(),
        (w as i32 - 14, (top + bottom) / 2),
        font(AXIS_LABEL_PX)
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))
    .map_err(err)?;
    Ok(())
}
