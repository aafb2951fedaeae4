//! The complex nonlinear least-squares problem handed to the LM solver: weighted real and
//! imaginary residuals of a circuit against data, in transformed parameters (logarithms for
//! positive ones, so the solver's steps are relative and positivity holds by construction).

use super::circuit::{Circuit, Omega, ParamKind, Workspace};
use super::lm::Problem;
use super::options::Weighting;
use num_complex::Complex64;

/// Weights (real, imaginary) per point.
pub fn weights(z: &[Complex64], weighting: Weighting) -> (Vec<f64>, Vec<f64>) {
    match weighting {
        Weighting::Modulus => {
            // norm_sqr().sqrt() rather than norm(): hypot's overflow care is not needed here and
            // costs a noticeable share of a fit.
            let w: Vec<f64> = z.iter().map(|z| 1.0 / z.norm_sqr().sqrt()).collect();
            (w.clone(), w)
        }
        Weighting::Proportional => z
            .iter()
            .map(|z| {
                let floor = 0.01 * z.norm_sqr().sqrt();
                (1.0 / z.re.abs().max(floor), 1.0 / z.im.abs().max(floor))
            })
            .unzip(),
        Weighting::Unit => (vec![1.0; z.len()], vec![1.0; z.len()]),
    }
}

/// One spectrum, one circuit, a set of free parameters.
pub struct Cnls<'a> {
    circuit: &'a Circuit,
    omega: &'a Omega,
    z: &'a [Complex64],
    w_re: &'a [f64],
    w_im: &'a [f64],
    /// Full natural parameter vector; free entries are overwritten from x.
    params: Vec<f64>,
    /// Indices of the free parameters, in x order.
    free: &'a [usize],
    ws: Workspace,
}

impl<'a> Cnls<'a> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        circuit: &'a Circuit,
        omega: &'a Omega,
        z: &'a [Complex64],
        w_re: &'a [f64],
        w_im: &'a [f64],
        params: Vec<f64>,
        free: &'a [usize],
    ) -> Cnls<'a> {
        let ws = Workspace::new(circuit, omega.len());
        Cnls {
            circuit,
            omega,
            z,
            w_re,
            w_im,
            params,
            free,
            ws,
        }
    }

    /// Natural value of free parameter `i` from its transformed value.
    pub fn natural(&self, i: usize, x: f64) -> f64 {
        match self.circuit.params()[self.free[i]].kind {
            ParamKind::Positive => x.exp(),
            ParamKind::Exponent => x,
        }
    }

    /// Transformed value of a natural parameter value.
    pub fn transformed(circuit: &Circuit, index: usize, value: f64) -> f64 {
        match circuit.params()[index].kind {
            ParamKind::Positive => value.ln(),
            ParamKind::Exponent => value,
        }
    }

    fn load(&mut self, x: &[f64]) {
        for (i, &xi) in x.iter().enumerate() {
            let v = self.natural(i, xi);
            self.params[self.free[i]] = v;
        }
    }

    /// The full natural parameter vector for `x`.
    pub fn params_at(&mut self, x: &[f64]) -> Vec<f64> {
        self.load(x);
        self.params.clone()
    }

    fn write_residuals(&self, r: &mut [f64]) -> bool {
        let n = self.z.len();
        let zm = self.ws.z();
        let (r_re, r_im) = r.split_at_mut(n);
        let mut finite = true;
        for k in 0..n {
            r_re[k] = self.w_re[k] * (zm[k].re - self.z[k].re);
            r_im[k] = self.w_im[k] * (zm[k].im - self.z[k].im);
            finite &= r_re[k].is_finite() && r_im[k].is_finite();
        }
        finite
    }
}

impl Problem for Cnls<'_> {
    fn residual_count(&self) -> usize {
        2 * self.z.len()
    }

    fn param_count(&self) -> usize {
        self.free.len()
    }

    fn jacobian(&mut self, x: &[f64], r: &mut [f64], j: &mut [f64]) -> bool {
        self.load(x);
        self.circuit
            .evaluate(&self.params, self.omega, &mut self.ws, true);
        if !self.write_residuals(r) {
            return false;
        }
        let n = self.z.len();
        let mut finite = true;
        for (col, &p) in self.free.iter().enumerate() {
            // Chain rule for the log transform: ∂/∂ln θ = θ ∂/∂θ.
            let s = match self.circuit.params()[p].kind {
                ParamKind::Positive => self.params[p],
                ParamKind::Exponent => 1.0,
            };
            let dz = self.ws.dz(p);
            let (c_re, c_im) = j[col * 2 * n..(col + 1) * 2 * n].split_at_mut(n);
            for k in 0..n {
                c_re[k] = self.w_re[k] * dz[k].re * s;
                c_im[k] = self.w_im[k] * dz[k].im * s;
                finite &= c_re[k].is_finite() && c_im[k].is_finite();
            }
        }
        finite
    }
}
