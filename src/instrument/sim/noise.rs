//! Seeded measurement noise and cell-to-cell spread.
//!
//! Two independent ChaCha8 streams from one seed: stream 0 for measurement noise, stream 1 for
//! the lognormal spread of kinetic parameters between cells. The model state never draws from
//! either, so with noise 0 the output is the exact model, and two seeds differ only by noise
//! (and, with spread on, by the cells' parameters). With noise 0 nothing is drawn at all.

use num_complex::Complex64;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Measurement noise of the simulated potentiostat.
#[derive(Debug, Clone)]
pub struct Noise {
    rng: ChaCha8Rng,
    /// Relative EIS noise (σ of each component, as a fraction of |Z|); 0 turns all noise off.
    relative: f64,
}

impl Noise {
    pub fn new(seed: u64, relative: f64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(0);
        Noise { rng, relative }
    }

    pub fn on(&self) -> bool {
        self.relative > 0.0
    }

    /// Z plus complex Gaussian noise with σ = relative·|Z| on each component.
    pub fn eis(&mut self, z: Complex64) -> Complex64 {
        if !self.on() {
            return z;
        }
        let sigma = self.relative * z.norm();
        let re: f64 = StandardNormal.sample(&mut self.rng);
        let im: f64 = StandardNormal.sample(&mut self.rng);
        z + Complex64::new(sigma * re, sigma * im)
    }

    /// A Gaussian sample with standard deviation `sigma` (0 when noise is off).
    pub fn gaussian(&mut self, sigma: f64) -> f64 {
        if !self.on() || sigma == 0.0 {
            return 0.0;
        }
        let n: f64 = StandardNormal.sample(&mut self.rng);
        sigma * n
    }
}

/// Lognormal multipliers of kinetic parameters, one draw per call; all 1 when spread is off.
#[derive(Debug, Clone)]
pub struct Spread {
    rng: Option<ChaCha8Rng>,
}

impl Spread {
    pub fn new(seed: u64, on: bool) -> Self {
        let rng = on.then(|| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(1);
            rng
        });
        Spread { rng }
    }

    /// exp(σ·N(0,1)): median 1, so the default cell is the typical cell.
    pub fn multiplier(&mut self, sigma: f64) -> f64 {
        match &mut self.rng {
            Some(rng) => {
                let n: f64 = StandardNormal.sample(rng);
                (sigma * n).exp()
            }
            None => 1.0,
        }
    }
}
