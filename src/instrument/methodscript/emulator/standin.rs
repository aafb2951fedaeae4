//! A small deterministic instrument for testing the emulator and the serial driver without the
//! mechanistic simulator: every cell is the same Randles circuit.
//!
//! Per cm² of the cell's normalising area: series resistance 20 Ω·cm², charge-transfer
//! resistance 200 Ω·cm², double-layer capacitance 20 µF/cm²; open-circuit potential
//! 1 mV·sin(t / 600 s). A galvanostatic hold charges the double layer through the
//! charge-transfer resistance: E = I·(Rs + Rct·(1 − e^(−t/τ))), τ = Rct·Cdl. EIS points take
//! the plan's `EisTiming`. Under potential control the current is the circuit's:
//! I = (E − E_ocv)/(Rs + Rct) plus the double-layer charging current Cdl·dE/dt in a sweep, and
//! the step response I = ΔE/(Rs+Rct) + (ΔE/Rs − ΔE/(Rs+Rct))·e^(−t/τ'), τ' = Cdl·Rs‖Rct, in a
//! hold. Its clock is virtual and only moves when a request runs. It is a
//! test double, not a model of an interphase: the real emulator measures with the simulator.

use crate::instrument::{
    EisRequest, Flow, GalvanoRequest, HoldEnd, Instrument, InstrumentError, InstrumentInfo,
    PotentiostaticRequest, Reading, RestRequest, Sink, VoltammetryRequest,
};
use crate::plan::{Addition, Cell, EisTiming, Plan};
use num_complex::Complex64;

const RS_OHM_CM2: f64 = 20.0;
const RCT_OHM_CM2: f64 = 200.0;
const CDL_F_PER_CM2: f64 = 20e-6;

/// The stand-in instrument.
#[derive(Debug, Clone, Default)]
pub struct StandIn {
    clock_s: f64,
    timing: EisTiming,
}

impl StandIn {
    pub fn new() -> Self {
        StandIn::default()
    }

    fn ocv(t_s: f64) -> f64 {
        1e-3 * (t_s / 600.0).sin()
    }

    /// The cell's impedance at `frequency_hz`.
    pub fn impedance(cell: &Cell, frequency_hz: f64) -> Complex64 {
        let area = cell.normalising_area_cm2.max(1e-9);
        let (rs, rct, cdl) = (RS_OHM_CM2 / area, RCT_OHM_CM2 / area, CDL_F_PER_CM2 * area);
        let omega = 2.0 * std::f64::consts::PI * frequency_hz;
        Complex64::new(rs, 0.0) + Complex64::new(rct, 0.0) / Complex64::new(1.0, omega * rct * cdl)
    }

    /// Delivers and turns the sink's answer into "stop now".
    fn send(sink: &mut dyn Sink, reading: Reading) -> Result<bool, InstrumentError> {
        if sink.interrupted() {
            return Err(InstrumentError::Interrupted);
        }
        Ok(sink.reading(reading)? == Flow::StopStep)
    }
}

impl Instrument for StandIn {
    fn info(&self) -> InstrumentInfo {
        InstrumentInfo {
            kind: "standin".into(),
            description: "Randles-circuit stand-in for tests".into(),
            parameters: serde_json::json!({
                "rs_ohm_cm2": RS_OHM_CM2, "rct_ohm_cm2": RCT_OHM_CM2, "cdl_f_per_cm2": CDL_F_PER_CM2
            }),
        }
    }

    fn now_s(&self) -> f64 {
        self.clock_s
    }

    async fn prepare(&mut self, plan: &Plan) -> Result<(), InstrumentError> {
        self.clock_s = 0.0;
        self.timing = plan.eis_timing;
        Ok(())
    }

    async fn rest(
        &mut self,
        request: RestRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        let start = self.clock_s;
        let end = start + request.duration_s;
        if let Some(interval) = request.sample_interval_s.filter(|i| *i > 0.0) {
            let n = (request.duration_s / interval + 1e-9).floor() as usize;
            for k in 1..=n {
                self.clock_s = start + k as f64 * interval;
                let reading = Reading::Ocv {
                    t_s: self.clock_s,
                    potential_v: Self::ocv(self.clock_s),
                };
                if Self::send(sink, reading)? {
                    return Ok(HoldEnd::Stopped);
                }
            }
        }
        self.clock_s = end;
        Ok(HoldEnd::Completed)
    }

    async fn eis(
        &mut self,
        request: EisRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        self.clock_s += self.timing.settle_s;
        for &f in &request.sweep.frequencies_hz {
            self.clock_s += self.timing.point_duration_s(f);
            let z = Self::impedance(request.cell, f);
            let reading = Reading::EisPoint {
                t_s: self.clock_s,
                frequency_hz: f,
                z_real_ohm: z.re,
                z_imag_ohm: z.im,
            };
            if Self::send(sink, reading)? {
                return Ok(HoldEnd::Stopped);
            }
        }
        Ok(HoldEnd::Completed)
    }

    async fn galvanostatic(
        &mut self,
        request: GalvanoRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        let area = request.cell.normalising_area_cm2.max(1e-9);
        let (rs, rct, tau) = (
            RS_OHM_CM2 / area,
            RCT_OHM_CM2 / area,
            RCT_OHM_CM2 * CDL_F_PER_CM2,
        );
        let current = super::super::script::signed_current(request.step);
        let interval = request.step.sample_interval_s.max(1e-6);
        let start = self.clock_s;
        let n = (request.duration_s / interval + 1e-9).floor() as usize;
        for k in 1..=n {
            let t = k as f64 * interval;
            self.clock_s = start + t;
            let potential_v = current * (rs + rct * (1.0 - (-t / tau).exp()));
            let reading = Reading::Galvano {
                t_s: self.clock_s,
                potential_v,
                current_a: current,
            };
            let over = request
                .limits
                .iter()
                .any(|l| potential_v.abs() >= l.max_abs_v);
            if Self::send(sink, reading)? || over {
                return Ok(HoldEnd::Stopped);
            }
        }
        self.clock_s = start + request.duration_s;
        Ok(HoldEnd::Completed)
    }

    async fn voltammetry(
        &mut self,
        request: VoltammetryRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        let area = request.cell.normalising_area_cm2.max(1e-9);
        let (rs, rct, cdl) = (RS_OHM_CM2 / area, RCT_OHM_CM2 / area, CDL_F_PER_CM2 * area);
        let step = request.step;
        let start = self.clock_s;
        let ocv = Self::ocv(start);
        let dt = step.sample_interval_s;
        let mut previous = step.start_v;
        for k in 1..=step.points {
            let t = k as f64 * dt;
            self.clock_s = start + t;
            let (potential_v, scan) = step.potential_at(t);
            let current_a = (potential_v - ocv) / (rs + rct) + cdl * (potential_v - previous) / dt;
            previous = potential_v;
            let reading = Reading::Potentiostatic {
                t_s: self.clock_s,
                potential_v,
                current_a,
                scan: Some(scan),
            };
            if Self::send(sink, reading)? {
                return Ok(HoldEnd::Stopped);
            }
        }
        Ok(HoldEnd::Completed)
    }

    async fn potentiostatic(
        &mut self,
        request: PotentiostaticRequest<'_>,
        sink: &mut dyn Sink,
    ) -> Result<HoldEnd, InstrumentError> {
        let area = request.cell.normalising_area_cm2.max(1e-9);
        let (rs, rct, cdl) = (RS_OHM_CM2 / area, RCT_OHM_CM2 / area, CDL_F_PER_CM2 * area);
        let tau = cdl * rs * rct / (rs + rct);
        let start = self.clock_s;
        let step = request.step;
        let delta = step.potential_v - Self::ocv(start);
        let interval = step.sample_interval_s.max(1e-6);
        let n = (request.duration_s / interval + 1e-9).floor() as usize;
        for k in 1..=n {
            let t = k as f64 * interval;
            self.clock_s = start + t;
            let steady = delta / (rs + rct);
            let current_a = steady + (delta / rs - steady) * (-t / tau).exp();
            let reading = Reading::Potentiostatic {
                t_s: self.clock_s,
                potential_v: step.potential_v,
                current_a,
                scan: None,
            };
            if Self::send(sink, reading)? {
                return Ok(HoldEnd::Stopped);
            }
        }
        self.clock_s = start + request.duration_s;
        Ok(HoldEnd::Completed)
    }

    async fn addition(
        &mut self,
        _cell: &Cell,
        _addition: &Addition,
        _sink: &mut dyn Sink,
    ) -> Result<(), InstrumentError> {
        Ok(())
    }

    async fn prompt(
        &mut self,
        _message: &str,
        _sink: &mut dyn Sink,
    ) -> Result<Option<String>, InstrumentError> {
        Ok(None)
    }

    async fn abort(&mut self) -> Result<(), InstrumentError> {
        Ok(())
    }
}
