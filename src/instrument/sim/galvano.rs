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
//!
//! Compliance: the voltage between CE and WE never exceeds ±compliance. When the requested
//! current would need more, the potentiostat sits at the rail and the cell carries less: the
//! readings record the current actually carried, the electrodes evolve with it, and a warning
//! says so once per step. No reading exceeds the compliance.

use super::cell::{SimCell, State, Which};
use super::mg::Solved;
use super::{Params, SimInstrument, capability, deliver, finite_nonnegative};
use crate::instrument::{GalvanoRequest, HoldEnd, InstrumentError, Reading, Sink};
use crate::plan::{Connection, Role};

impl SimInstrument {
    pub(super) async fn run_galvanostatic(
        &mut self,
        request: GalvanoRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        let idx = self.cell_index(request.cell)?;
        if self.announce(sink)? {
            self.sync_all();
            return Ok(HoldEnd::Stopped);
        }
        self.sync_all();
        let step = request.step;
        let duration = finite_nonnegative(request.duration_s, "the galvanostatic duration")?;
        let magnitude = finite_nonnegative(step.current_a.abs(), "the current")?;
        // Positive when the working electrode strips (is oxidised).
        let current = match step.stripping {
            Role::Working => magnitude,
            Role::Counter => -magnitude,
        };
        {
            let cell = &self.cells[idx];
            if cell.ce.is_none() {
                return Err(capability(format!(
                    "cell `{}` has no counter electrode to pass current through",
                    cell.name
                )));
            }
            if step.connection == Connection::ThreeElectrode && cell.re.is_none() {
                return Err(capability(format!(
                    "cell `{}` has no reference electrode: use the two-electrode connection",
                    cell.name
                )));
            }
        }
        let interval = Some(step.sample_interval_s)
            .filter(|x| x.is_finite() && *x > 0.0)
            .unwrap_or(self.params.cell.dt_steady);
        let start = self.clock_s;
        let end = start + duration;
        let mut k = 0u64;
        let mut warned = false;
        loop {
            let t = self.clock_s;
            let op = operating_point(&self.cells[idx], &self.params, current)?;
            let sample_t = start + k as f64 * interval;
            if sample_t <= t + 1e-9 && sample_t <= end + 1e-9 {
                k += 1;
                self.pacer.wait(t, &*sink).await?;
                if op.limited && !warned {
                    warned = true;
                    let message = format!(
                        "compliance reached: the cell cannot carry {current} A within ±{} V; \
                         the voltage is held at compliance and the current falls to {:.4e} A",
                        self.params.cell.compliance, op.current
                    );
                    if deliver(sink, Reading::Warning { t_s: t, message })? {
                        self.sync_all();
                        return Ok(HoldEnd::Stopped);
                    }
                }
                let potential_v =
                    self.measured(idx, step.connection, op.current, op.we.eta, op.ce.eta)?;
                let reading = Reading::Galvano {
                    t_s: t,
                    potential_v,
                    current_a: op.current,
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
            let (i_we, i_ce) = (op.i_we, op.i_ce);
            let (we, ce) = (op.we, op.ce);
            let transient = transient(cell, p, Which::Working, i_we, we.eta)
                || transient(cell, p, Which::Counter, i_ce, ce.eta)
                || op.limited;
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
            cell.consume_polysulfide(p, op.current, dt);
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
        let compliance = self.params.cell.compliance;
        let v = match connection {
            Connection::ThreeElectrode => {
                let i_we = current / cell.we.wetted_area_cm2;
                let ohmic = cell.ru_ohm_cm2() * i_we;
                ocv + eta_we + ohmic + self.drift(idx) + noise
            }
            Connection::TwoElectrode => {
                ocv + eta_we - eta_ce + current * cell.path_resistance_ohm() + noise
            }
        };
        // The instrument cannot read beyond its own compliance (noise at the rail included).
        Ok(v.clamp(-compliance, compliance))
    }
}

/// What the cell carries at one instant: the requested current, or less when the potentiostat
/// is at compliance.
struct Operating {
    /// Current actually carried, A (signed like the request).
    current: f64,
    /// Local current densities of WE and CE, A/cm².
    i_we: f64,
    i_ce: f64,
    we: Solved,
    ce: Solved,
    /// The voltage between WE and CE sits at the compliance and the current is below the
    /// request.
    limited: bool,
}

/// The operating point for a requested current. A potentiostat drives the current through the
/// counter electrode with at most ±compliance between CE and WE; when the cell needs more, the
/// voltage stays at the rail and the current falls to what the cell carries there (the cell
/// voltage is monotone in the current, so one bracketed root finds it).
fn operating_point(cell: &SimCell, p: &Params, current: f64) -> Result<Operating, InstrumentError> {
    let ce_area = cell
        .ce
        .as_ref()
        .map(|ce| ce.wetted_area_cm2)
        .ok_or_else(|| capability(format!("cell `{}` has no counter electrode", cell.name)))?;
    let ocv = cell.ocv(p, Connection::TwoElectrode).map_err(capability)?;
    let r_path = cell.path_resistance_ohm();
    let limit = p.cell.compliance;
    let at = |scale: f64| {
        let c = scale * current;
        let (i_we, i_ce) = (c / cell.we.wetted_area_cm2, -c / ce_area);
        let we = cell.solve(p, Which::Working, i_we);
        let ce = cell.solve(p, Which::Counter, i_ce);
        let v = ocv + we.eta - ce.eta + c * r_path;
        let op = Operating {
            current: c,
            i_we,
            i_ce,
            we,
            ce,
            limited: false,
        };
        (op, v)
    };
    // Above zero past the rail; an electrode clipped at the rail is past it whatever the sum.
    let excess = |(op, v): &(Operating, f64)| {
        if op.we.clipped || op.ce.clipped {
            1.0
        } else {
            v.abs() - limit
        }
    };
    let full = at(1.0);
    if excess(&full) <= 0.0 {
        return Ok(full.0);
    }
    // Bisection keeps a carried current (`lo`) and one past the rail (`hi`): an electrode's
    // overpotential can jump to the rail at a limiting current, where no root exists.
    let (mut lo, mut hi) = (0.0, 1.0);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if excess(&at(mid)) <= 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let (mut op, v) = at(lo);
    let (past, v_past) = at(hi);
    // At a limiting current the electrode that jumped takes the rest of the rail voltage.
    let missing = limit - v.abs();
    if missing > 0.0 {
        let towards = v_past.signum();
        if past.we.clipped {
            op.we.eta += towards * missing;
        } else if past.ce.clipped {
            op.ce.eta -= towards * missing;
        }
    }
    op.limited = true;
    Ok(op)
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
