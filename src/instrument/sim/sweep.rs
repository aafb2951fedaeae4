//! Impedance sweeps on an evolving cell: each point's dwell (the plan's EIS timing rule) is
//! split in two, Z is evaluated at mid-dwell, so the state moves during a sweep as it does in
//! a real one (low frequencies take minutes while the film keeps ageing).
//!
//! A DC bias is applied: the cell settles at the current the bias drives, and each point is
//! the impedance around that operating point (the film's tunnelling resistance falls with its
//! voltage, Simmons). The AC amplitude is applied too: exponential paths read larger
//! conductances at large amplitudes (first harmonic). What a biased sweep's DC current does to
//! the electrodes' state during the sweep is not modelled, and said so.

use super::{SimInstrument, capability, deliver, finite_nonnegative};
use crate::instrument::{EisRequest, HoldEnd, InstrumentError, NOT_MODELLED, Reading, Sink};
use crate::plan::Bias;
use std::f64::consts::PI;

impl SimInstrument {
    pub(super) async fn run_eis(
        &mut self,
        request: EisRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        let idx = self.cell_index(request.cell)?;
        if self.announce(sink)? {
            self.sync_all();
            return Ok(HoldEnd::Stopped);
        }
        self.pacer.wait(self.clock_s, &*sink).await?;
        let sweep = request.sweep;
        let bias_v = match sweep.bias {
            Bias::OpenCircuit => 0.0,
            Bias::VsOpenCircuit { potential_v } => potential_v,
            Bias::Absolute { potential_v } => {
                potential_v
                    - self.cells[idx]
                        .ocv(&self.params, sweep.connection)
                        .map_err(capability)?
            }
        };
        let amplitude = finite_nonnegative(sweep.amplitude_v_rms, "the EIS amplitude")?;
        if !bias_v.is_finite() {
            return Err(capability(format!("cannot hold a DC bias of {bias_v} V")));
        }
        if bias_v != 0.0 {
            let point = self.cells[idx]
                .bias_point(&self.params, sweep.connection, bias_v)
                .map_err(capability)?;
            let message = format!(
                "{NOT_MODELLED}cell `{}`: a sweep at {:+.3} V DC bias draws {:.3e} A; the \
                 impedance is taken around that operating point, but what the DC current does \
                 to the electrodes during the sweep (stripping, plating, film damage) is not",
                self.cells[idx].name, bias_v, point.current_a
            );
            let t_s = self.clock_s;
            if deliver(sink, Reading::Warning { t_s, message })? {
                return Ok(HoldEnd::Stopped);
            }
        }
        let settle = finite_nonnegative(self.timing.settle_s, "the EIS settling time")?;
        self.rest_cell(idx, settle);
        for &f in &sweep.frequencies_hz {
            if !(f.is_finite() && f > 0.0) {
                return Err(capability(format!("cannot measure at frequency {f} Hz")));
            }
            let half = self.timing.point_duration_s(f) / 2.0;
            self.rest_cell(idx, half);
            let cell = &self.cells[idx];
            let point = cell
                .bias_point(&self.params, sweep.connection, bias_v)
                .map_err(capability)?;
            let z = cell
                .impedance_driven(
                    &self.params,
                    sweep.connection,
                    2.0 * PI * f,
                    &point,
                    amplitude,
                )
                .map_err(capability)?;
            let z = self.noise.eis(z);
            self.pacer.wait(self.clock_s, &*sink).await?;
            let reading = Reading::EisPoint {
                t_s: self.clock_s,
                frequency_hz: f,
                z_real_ohm: z.re,
                z_imag_ohm: z.im,
            };
            if deliver(sink, reading)? {
                self.sync_all();
                return Ok(HoldEnd::Stopped);
            }
            self.rest_cell(idx, half);
        }
        self.pacer.wait(self.clock_s, &*sink).await?;
        self.sync_all();
        Ok(HoldEnd::Completed)
    }
}
