//! Impedance sweeps on an evolving cell: each point's dwell (the plan's EIS timing rule) is
//! split in two, Z is evaluated at mid-dwell, so the state moves during a sweep as it does in
//! a real one (low frequencies take minutes while the film keeps ageing).

use super::{SimInstrument, capability, deliver, finite_nonnegative};
use crate::instrument::{EisRequest, HoldEnd, InstrumentError, Reading, Sink};
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
        let biased = match sweep.bias {
            Bias::OpenCircuit => false,
            Bias::VsOpenCircuit { potential_v } => potential_v != 0.0,
            Bias::Absolute { .. } => true,
        };
        if biased {
            let message = "the simulator evaluates impedance at open circuit; the DC bias of \
                           this sweep is not modelled"
                .to_string();
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
            let z = self.cells[idx]
                .impedance(&self.params, sweep.connection, 2.0 * PI * f)
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
