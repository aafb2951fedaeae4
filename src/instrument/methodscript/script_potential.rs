//! Scripts for steps under potential control: cyclic and linear sweeps (`meas_loop_cv`,
//! `meas_loop_lsv`) and potentiostatic holds (`meas_loop_ca`), in the potentiostatic mode with
//! current autoranging up to the protocol's current limit.

use super::header::ScriptKind;
use super::script::{Expect, Script, ScriptError, Target, Writer};
use crate::plan::{Crossing, HoldStop, Potentiostatic, SweepShape, Voltammetry};
use crate::units::{Dimension, format_duration, format_si};

/// Current range and autoranging: over the device's ranges up to `max_abs_current_a` (or the
/// largest range).
fn current_ranging(w: &mut Writer<'_>, max_abs_current_a: Option<f64>) -> Result<(), ScriptError> {
    let caps = &w.target.options.capabilities;
    let (Some(&low), Some(&largest)) =
        (caps.current_ranges_a.first(), caps.current_ranges_a.last())
    else {
        return Ok(());
    };
    let high = max_abs_current_a
        .and_then(|i| caps.range_for(i))
        .unwrap_or(largest);
    let (low, high) = (w.lit(low)?, w.lit(high)?);
    w.line(format!("set_range ba {high}"));
    w.line(format!("set_autoranging ba {low} {high}"));
    Ok(())
}

/// A cyclic (`meas_loop_cv`) or linear (`meas_loop_lsv`) potential sweep.
pub fn voltammetry_script(
    target: Target<'_>,
    step: &Voltammetry,
    max_abs_current_a: Option<f64>,
) -> Result<Script, ScriptError> {
    let mode = target.options.capabilities.potentiostatic_mode;
    let kind = match step.shape {
        SweepShape::Linear { .. } => ScriptKind::Lsv,
        SweepShape::Cyclic { .. } => ScriptKind::Cv,
    };
    let (mut w, header) = Writer::new(target, kind, Some(step.connection));
    let v = |x| format_si(x, Dimension::Potential);
    w.line(match step.shape {
        SweepShape::Linear { end_v } => format!(
            "# linear sweep {} -> {} at {}/s, step {}",
            v(step.start_v),
            v(end_v),
            v(step.scan_rate_v_per_s),
            v(step.step_v)
        ),
        SweepShape::Cyclic {
            vertex1_v,
            vertex2_v,
            cycles,
        } => format!(
            "# cyclic {} -> {} -> {} -> {} at {}/s, step {}, {cycles} scans",
            v(step.start_v),
            v(vertex1_v),
            v(vertex2_v),
            v(step.start_v),
            v(step.scan_rate_v_per_s),
            v(step.step_v)
        ),
    });
    w.line("var p");
    w.line("var c");
    let start = w.lit(step.start_v)?;
    w.line(format!("store_var e_begin {start} ja"));
    let e_step = w.lit(step.step_v)?;
    w.line(format!("store_var e_step {e_step} ja"));
    let rate = w.lit(step.scan_rate_v_per_s)?;
    w.line(format!("store_var scan_rate {rate} ja"));
    w.preamble(mode);
    let (lo, hi) = step.window_v();
    let (lo, hi) = (w.lit(lo)?, w.lit(hi)?);
    w.line(format!("set_range_minmax da {lo} {hi}"));
    current_ranging(&mut w, max_abs_current_a)?;
    w.line("set_e e_begin");
    w.line("cell_on");
    match step.shape {
        SweepShape::Linear { end_v } => {
            let end = w.lit(end_v)?;
            w.line(format!("store_var e_end {end} ja"));
            w.line("meas_loop_lsv p c e_begin e_end e_step scan_rate");
        }
        SweepShape::Cyclic {
            vertex1_v,
            vertex2_v,
            cycles,
        } => {
            let (v1, v2) = (w.lit(vertex1_v)?, w.lit(vertex2_v)?);
            w.line(format!("store_var e_v1 {v1} ja"));
            w.line(format!("store_var e_v2 {v2} ja"));
            w.line(format!(
                "meas_loop_cv p c e_begin e_v1 e_v2 e_step scan_rate nscans({cycles})"
            ));
        }
    }
    w.line("  pck_start");
    w.line("  pck_add p");
    w.line("  pck_add c");
    w.line("  pck_end");
    w.line("endloop");
    w.on_finished();
    let duration_s = step.points as f64 * step.sample_interval_s;
    w.finish(
        header,
        Expect::Samples {
            interval_s: step.sample_interval_s,
            duration_s,
        },
    )
}

/// A potentiostatic hold (`meas_loop_ca`) for at most `duration_s`. A current threshold ends
/// the loop on the device too; a charge is counted by the host.
pub fn potentiostatic_script(
    target: Target<'_>,
    step: &Potentiostatic,
    duration_s: f64,
    max_abs_current_a: Option<f64>,
) -> Result<Script, ScriptError> {
    let mode = target.options.capabilities.potentiostatic_mode;
    let device_limits = target.options.device_limits;
    let (mut w, header) = Writer::new(target, ScriptKind::Ca, Some(step.connection));
    let stop = match step.stop {
        HoldStop::Duration { .. } => String::new(),
        HoldStop::Charge { charge_c, .. } => format!(
            ", until {} have passed (counted by the host)",
            format_si(charge_c, Dimension::Charge)
        ),
        HoldStop::Current {
            current_a,
            direction,
            ..
        } => format!(
            ", until |I| {} {}",
            match direction {
                Crossing::Below => "falls below",
                Crossing::Above => "rises above",
            },
            format_si(current_a, Dimension::Current)
        ),
    };
    w.line(format!(
        "# hold at {} for at most {}{stop}",
        format_si(step.potential_v, Dimension::Potential),
        format_duration(duration_s)
    ));
    w.line("var p");
    w.line("var c");
    let e_dc = w.lit(step.potential_v)?;
    w.line(format!("store_var e_dc {e_dc} ja"));
    w.preamble(mode);
    w.line("set_range_minmax da e_dc e_dc");
    current_ranging(&mut w, max_abs_current_a)?;
    w.line("set_e e_dc");
    w.line("cell_on");
    let (interval, run) = (w.lit(step.sample_interval_s)?, w.lit(duration_s)?);
    w.line(format!("meas_loop_ca p c e_dc {interval} {run}"));
    w.line("  pck_start");
    w.line("  pck_add p");
    w.line("  pck_add c");
    w.line("  pck_end");
    if let (
        HoldStop::Current {
            current_a,
            direction,
            ..
        },
        true,
    ) = (step.stop, device_limits)
    {
        let (i, minus) = (w.lit(current_a)?, w.lit(-current_a)?);
        match direction {
            // |I| below the threshold: both bounds hold (no `and` in MethodSCRIPT: nested ifs).
            Crossing::Below => {
                w.line(format!("  if c < {i}"));
                w.line(format!("    if c > {minus}"));
                w.line("      breakloop");
                w.line("    endif");
                w.line("  endif");
            }
            Crossing::Above => {
                w.line(format!("  if c >= {i}"));
                w.line("    breakloop");
                w.line("  endif");
                w.line(format!("  if c <= {minus}"));
                w.line("    breakloop");
                w.line("  endif");
            }
        }
    }
    w.line("endloop");
    w.on_finished();
    w.finish(
        header,
        Expect::Samples {
            interval_s: step.sample_interval_s,
            duration_s,
        },
    )
}
