//! The galvanostatic hold: a time integrator over the electrodes' DC state.
//!
//! Each step solves both electrodes' overpotentials for the imposed current (one scalar root
//! each), then advances their state over the step with those overpotentials: the stripping Mg
//! electrode runs its damage clock until rupture (located exactly inside the step), then opens
//! towards a = i/j_crit; a plating electrode never accumulates damage. Steps are at most
//! `dt_transient` (15 s) before rupture and while the film opens, `dt_steady` (120 s) otherwise,
//! and always end on sample times, so samples are exact and the result does not depend on the
//! sampling interval beyond the step size. The measured potential is WE vs RE including the
//! uncompensated resistance to the bridge tip (three-electrode), or the cell voltage including
//! the electrolyte between WE and CE (two-electrode).

use super::cell::{State, Which};
use super::{SimInstrument, capability, deliver, finite_nonnegative};
use crate::instrument::{GalvanoRequest, HoldEnd, InstrumentError, Reading, Sink};
use crate::plan::{Connection, Role};

impl SimInstrument {
    pub(super) async fn run_galvanostatic(
        &mut self,
        request: GalvanoRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        let idx = self.cell_index(request.cell)?;
        self.sync_all();
        let step = request.step;
        let duration = finite_nonnegative(request.duration_s, "the galvanostatic duration")?;
        let magnitude = finite_nonnegative(step.current_a.abs(), "the current")?;
        // Positive when the working electrode strips (is oxidised).
        let current = match step.stripping {
            Role::Working => magnitude,
            Role::Counter => -magnitude,
        };
        let (i_we, i_ce) = {
            let cell = &self.cells[idx];
            let ce = cell.ce.as_ref().ok_or_else(|| {
                capability(format!(
                    "cell `{}` has no counter electrode to pass current through",
                    cell.name
                ))
            })?;
            if step.connection == Connection::ThreeElectrode && cell.re.is_none() {
                return Err(capability(format!(
                    "cell `{}` has no reference electrode: use the two-electrode connection",
                    cell.name
                )));
            }
            (
                current / cell.we.wetted_area_cm2,
                -current / ce.wetted_area_cm2,
            )
        };
        let interval = Some(step.sample_interval_s)
            .filter(|x| x.is_finite() && *x > 0.0)
            .unwrap_or(self.params.cell.dt_steady);
        let start = self.clock_s;
        let end = start + duration;
        let mut k = 0u64;
        let mut warned = false;
        loop {
            let t = self.clock_s;
            let (we, ce) = {
                let cell = &self.cells[idx];
                (
                    cell.solve(&self.params, Which::Working, i_we),
                    cell.solve(&self.params, Which::Counter, i_ce),
                )
            };
            let sample_t = start + k as f64 * interval;
            if sample_t <= t + 1e-9 && sample_t <= end + 1e-9 {
                k += 1;
                self.pacer.wait(t, &*sink).await?;
                if (we.clipped || ce.clipped) && !warned {
                    warned = true;
                    let message = format!(
                        "compliance reached: the cell cannot carry {current} A within ±{} V",
                        self.params.cell.compliance
                    );
                    if deliver(sink, Reading::Warning { t_s: t, message })? {
                        self.sync_all();
                        return Ok(HoldEnd::Stopped);
                    }
                }
                let potential_v = self.measured(idx, step.connection, current, we.eta, ce.eta)?;
                let reading = Reading::Galvano {
                    t_s: t,
                    potential_v,
                    current_a: current,
                };
                if deliver(sink, reading)? {
                    self.sync_all();
                    return Ok(HoldEnd::Stopped);
                }
            }
            if t >= end - 1e-9 {
                break;
            }
            let cell = &self.cells[idx];
            let p = &self.params;
            let transient = transient(cell, p, Which::Working, i_we, we.eta)
                || transient(cell, p, Which::Counter, i_ce, ce.eta);
            let dt_max = if transient {
                p.cell.dt_transient
            } else {
                p.cell.dt_steady
            };
            let next_sample = start + k as f64 * interval;
            let mut t_next = (t + dt_max)
                .min(next_sample)
                .min(end)
                .min(t + self.pacer.max_chunk_s());
            // Rupture inside the step: end the step exactly there.
            let mut rupture = None;
            for (which, i, eta) in [
                (Which::Working, i_we, we.eta),
                (Which::Counter, i_ce, ce.eta),
            ] {
                if let Some(r) = time_to_rupture(cell, p, which, i, eta) {
                    if t + r < t_next {
                        t_next = t + r;
                        rupture = Some(which);
                    }
                }
            }
            let dt = t_next - t;
            let cell = &mut self.cells[idx];
            cell.hold(p, Which::Working, dt, i_we, we.eta);
            cell.hold(p, Which::Counter, dt, i_ce, ce.eta);
            if let Some(which) = rupture {
                force_rupture(cell, which);
            }
            cell.t_s = t_next;
            self.clock_s = t_next;
            self.pacer.wait(self.clock_s, &*sink).await?;
        }
        self.sync_all();
        Ok(HoldEnd::Completed)
    }

    /// The potential an instrument reads for `connection`, V.
    fn measured(
        &mut self,
        idx: usize,
        connection: Connection,
        current: f64,
        eta_we: f64,
        eta_ce: f64,
    ) -> Result<f64, InstrumentError> {
        let cell = &self.cells[idx];
        let ocv = cell.ocv(&self.params, connection).map_err(capability)?;
        let noise = self.noise.gaussian(self.params.cell.dc_noise);
        Ok(match connection {
            Connection::ThreeElectrode => {
                let i_we = current / cell.we.wetted_area_cm2;
                let ohmic = cell.ru_ohm_cm2() * i_we;
                ocv + eta_we + ohmic + self.drift(idx) + noise
            }
            Connection::TwoElectrode => {
                ocv + eta_we - eta_ce + current * cell.path_resistance_ohm() + noise
            }
        })
    }
}

fn mg_state(cell: &super::cell::SimCell, which: Which) -> Option<&super::mg::MgState> {
    match &cell.electrode(which)?.state {
        State::Mg(s) => Some(s),
        _ => None,
    }
}

/// Before rupture under anodic field, and while the film opens, the state moves fast.
fn transient(
    cell: &super::cell::SimCell,
    p: &super::Params,
    which: Which,
    i: f64,
    eta: f64,
) -> bool {
    mg_state(cell, which).is_some_and(|s| {
        i > 0.0 && ((!s.ruptured && s.damage_rate(&p.mg, eta) > 0.0) || s.opening(&p.mg, i))
    })
}

fn time_to_rupture(
    cell: &super::cell::SimCell,
    p: &super::Params,
    which: Which,
    i: f64,
    eta: f64,
) -> Option<f64> {
    if i <= 0.0 {
        return None;
    }
    mg_state(cell, which)?.time_to_rupture(&p.mg, eta)
}

fn force_rupture(cell: &mut super::cell::SimCell, which: Which) {
    let e = match which {
        Which::Working => Some(&mut cell.we),
        Which::Counter => cell.ce.as_mut(),
    };
    if let Some(super::cell::SimElectrode {
        state: State::Mg(s),
        ..
    }) = e
    {
        s.damage = 1.0;
        s.ruptured = true;
    }
}
