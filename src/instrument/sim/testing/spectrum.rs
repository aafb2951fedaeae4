//! Raw-data readings of one impedance spectrum, without an equivalent-circuit fit: the apex of
//! −Z'' and the low-frequency admittance of an R–CPE arc.

use crate::instrument::Reading;
use num_complex::Complex64;
use std::f64::consts::PI;

/// One impedance spectrum as measured (absolute Ω), high to low frequency.
#[derive(Debug, Clone, PartialEq)]
pub struct Spectrum {
    /// Start of the sweep relative to the series' start, s.
    pub t_s: f64,
    pub f_hz: Vec<f64>,
    pub z: Vec<Complex64>,
}

/// An arc read off raw data: resistance (absolute Ω), peak frequency and the effective
/// capacitance 1/(2π f_peak R), which equals Eq. 1 for an R–CPE arc.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arc {
    pub r_ohm: f64,
    pub f_peak_hz: f64,
    pub c_farad: f64,
}

impl Spectrum {
    pub fn from_readings(t_s: f64, readings: &[Reading]) -> Spectrum {
        let mut s = Spectrum {
            t_s,
            f_hz: vec![],
            z: vec![],
        };
        for r in readings {
            if let Reading::EisPoint {
                frequency_hz,
                z_real_ohm,
                z_imag_ohm,
                ..
            } = r
            {
                s.f_hz.push(*frequency_hz);
                s.z.push(Complex64::new(*z_real_ohm, *z_imag_ohm));
            }
        }
        s
    }

    /// Z' at the highest frequency: the series resistance.
    pub fn re_ohm(&self) -> f64 {
        self.z.first().map_or(f64::NAN, |z| z.re)
    }

    /// The apex of −Z'' (parabolic in log f through the maximum and its neighbours) and
    /// R = 2(Z'_apex − Re). `None` when the maximum is the first or last point.
    pub fn apex_arc(&self) -> Option<Arc> {
        let n = self.z.len();
        let m = (0..n).max_by(|&a, &b| (-self.z[a].im).total_cmp(&-self.z[b].im))?;
        if m == 0 || m + 1 >= n {
            return None;
        }
        let x: Vec<f64> = (m - 1..=m + 1).map(|i| self.f_hz[i].log10()).collect();
        let y: Vec<f64> = (m - 1..=m + 1).map(|i| -self.z[i].im).collect();
        let re: Vec<f64> = (m - 1..=m + 1).map(|i| self.z[i].re).collect();
        let x_apex = parabola_vertex(&x, &y);
        let z_real = parabola_at(&x, &re, x_apex);
        let f_peak_hz = 10f64.powf(x_apex);
        let r_ohm = 2.0 * (z_real - self.re_ohm());
        Some(Arc {
            r_ohm,
            f_peak_hz,
            c_farad: 1.0 / (2.0 * PI * f_peak_hz * r_ohm),
        })
    }

    /// The arc from the two lowest frequencies, assuming Re + (R ∥ CPE) there:
    /// Y = 1/(Z − Re) = 1/R + T ω^P (cos πP/2 + j sin πP/2); the imaginary parts of two
    /// points give P and T, the real part of the lowest then 1/R. Works when the apex lies
    /// below the sweep.
    pub fn low_frequency_arc(&self) -> Option<Arc> {
        let n = self.z.len();
        if n < 2 {
            return None;
        }
        let re = self.re_ohm();
        let y1 = 1.0 / (self.z[n - 1] - re);
        let y2 = 1.0 / (self.z[n - 2] - re);
        let (w1, w2) = (2.0 * PI * self.f_hz[n - 1], 2.0 * PI * self.f_hz[n - 2]);
        let p = (y1.im / y2.im).ln() / (w1 / w2).ln();
        let t = y1.im / (w1.powf(p) * (p * PI / 2.0).sin());
        let g = y1.re - t * w1.powf(p) * (p * PI / 2.0).cos();
        let r_ohm = 1.0 / g;
        let f_peak_hz = 1.0 / (2.0 * PI * (r_ohm * t).powf(1.0 / p));
        let c_farad = (r_ohm.powf(1.0 - p) * t).powf(1.0 / p);
        (r_ohm.is_finite() && r_ohm > 0.0).then_some(Arc {
            r_ohm,
            f_peak_hz,
            c_farad,
        })
    }
}

fn parabola_vertex(x: &[f64], y: &[f64]) -> f64 {
    let (x0, x1, x2) = (x[0], x[1], x[2]);
    let (y0, y1, y2) = (y[0], y[1], y[2]);
    let denom = (x0 - x1) * (x0 - x2) * (x1 - x2);
    let a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / denom;
    let b = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2)) / denom;
    if a == 0.0 { x1 } else { -b / (2.0 * a) }
}

fn parabola_at(x: &[f64], y: &[f64], at: f64) -> f64 {
    // Lagrange form through three points.
    let l =
        |i: usize, j: usize, k: usize| (at - x[j]) * (at - x[k]) / ((x[i] - x[j]) * (x[i] - x[k]));
    y[0] * l(0, 1, 2) + y[1] * l(1, 0, 2) + y[2] * l(2, 0, 1)
}
