//! Open-circuit rests: the clock advances, every electrode ages, and the potential is sampled
//! when asked (WE vs RE in a three-electrode cell, the cell voltage otherwise).

use super::{SimInstrument, deliver, finite_nonnegative};
use crate::instrument::{HoldEnd, InstrumentError, Reading, RestRequest, Sink};

impl SimInstrument {
    pub(super) async fn run_rest(
        &mut self,
        request: RestRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        let idx = self.cell_index(request.cell)?;
        if self.announce(sink)? {
            self.sync_all();
            return Ok(HoldEnd::Stopped);
        }
        let duration = finite_nonnegative(request.duration_s, "the rest duration")?;
        let start = self.clock_s;
        let end = start + duration;
        let connection = Self::rest_connection(request.cell);
        let interval = request
            .sample_interval_s
            .filter(|x| x.is_finite() && *x > 0.0);
        let chunk = self.pacer.max_chunk_s();
        let mut k = 0u64;
        loop {
            let next_sample = interval
                .map(|dt| start + k as f64 * dt)
                .filter(|&t| t <= end + 1e-9);
            let target = next_sample.unwrap_or(end);
            // Paced runs advance in short chunks so the sink is polled often.
            while self.clock_s < target {
                let t = (self.clock_s + chunk).min(target);
                self.advance_to(idx, t);
                self.pacer.wait(self.clock_s, &*sink).await?;
            }
            if next_sample.is_none() {
                break;
            }
            k += 1;
            self.pacer.wait(self.clock_s, &*sink).await?;
            let potential_v = self.ocv_reading(idx, connection)?;
            let t_s = self.clock_s;
            if deliver(sink, Reading::Ocv { t_s, potential_v })? {
                self.sync_all();
                return Ok(HoldEnd::Stopped);
            }
        }
        self.sync_all();
        Ok(HoldEnd::Completed)
    }
}
