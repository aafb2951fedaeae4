//! Pacing: optionally keeps the simulated clock in step with the wall clock.
//!
//! Without a pace the simulator never sleeps. With `pace = x` the simulated clock runs x times
//! faster than the wall clock: before a reading at simulated time t is delivered, the pacer
//! sleeps (tokio) until the wall clock has advanced (t − t₀)/x since the run started, waking at
//! least every 100 ms to poll the sink for an interruption.

use crate::instrument::{InstrumentError, Sink};
use std::time::Duration;
use tokio::time::Instant;

/// Longest sleep between two polls of [`Sink::interrupted`].
const POLL: Duration = Duration::from_millis(100);

#[derive(Debug, Clone)]
pub struct Pacer {
    speed: Option<f64>,
    /// Wall instant and simulated time at which pacing started.
    origin: Option<(Instant, f64)>,
}

impl Pacer {
    pub fn new(speed: Option<f64>) -> Self {
        Pacer {
            speed,
            origin: None,
        }
    }

    /// Starts pacing now at simulated time `sim_t` (at `prepare`: the run starts).
    pub fn start(&mut self, sim_t: f64) {
        self.origin = Some((Instant::now(), sim_t));
    }

    /// The longest stretch of simulated time between two waits, so that the wall time between
    /// polls stays near 100 ms.
    pub fn max_chunk_s(&self) -> f64 {
        self.speed.map_or(f64::INFINITY, |x| x * POLL.as_secs_f64())
    }

    /// Waits until the wall clock has caught up with simulated time `sim_t`; fails at once
    /// when the run has been interrupted.
    pub async fn wait(&mut self, sim_t: f64, sink: &dyn Sink) -> Result<(), InstrumentError> {
        if sink.interrupted() {
            return Err(InstrumentError::Interrupted);
        }
        let Some(speed) = self.speed else {
            return Ok(());
        };
        let (wall0, sim0) = *self.origin.get_or_insert((Instant::now(), sim_t));
        // Capped so that absurd clocks cannot overflow the instant arithmetic (about 30 years).
        let wait_s = (sim_t - sim0) / speed;
        let wait_s = if wait_s.is_finite() {
            wait_s.clamp(0.0, 1e9)
        } else {
            0.0
        };
        let target = wall0 + Duration::from_secs_f64(wait_s);
        loop {
            let now = Instant::now();
            if now >= target {
                return Ok(());
            }
            tokio::time::sleep((target - now).min(POLL)).await;
            if sink.interrupted() {
                return Err(InstrumentError::Interrupted);
            }
        }
    }
}
