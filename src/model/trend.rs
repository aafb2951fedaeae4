//! Trends over time: straight-line fits, constancy of a product, ratios and changes.

use serde::{Deserialize, Serialize};

/// y = intercept + slope·x fitted by ordinary least squares.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LinearFit {
    pub slope: f64,
    pub intercept: f64,
    /// Coefficient of determination, 1 − SS_res/SS_tot (1 for a perfect line; NaN when y is
    /// constant or there are fewer than 2 points).
    pub r2: f64,
}

/// Least-squares straight line through (x, y).
pub fn linear_fit(x: &[f64], y: &[f64]) -> LinearFit {
    let n = x.len().min(y.len()) as f64;
    if n < 2.0 {
        return LinearFit {
            slope: f64::NAN,
            intercept: f64::NAN,
            r2: f64::NAN,
        };
    }
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let sxx: f64 = x.iter().map(|v| (v - mx).powi(2)).sum();
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let syy: f64 = y.iter().map(|v| (v - my).powi(2)).sum();
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let ss_res: f64 = x
        .iter()
        .zip(y)
        .map(|(a, b)| (b - intercept - slope * a).powi(2))
        .sum();
    LinearFit {
        slope,
        intercept,
        r2: 1.0 - ss_res / syy,
    }
}

/// How constant a product a·b stays: (max − min)/mean of the products (0 when constant).
/// For an arc whose capacitance is fixed while R grows, f_peak·R = 1/(2πC) is constant.
pub fn product_spread(a: &[f64], b: &[f64]) -> f64 {
    let p: Vec<f64> = a.iter().zip(b).map(|(x, y)| x * y).collect();
    spread(&p)
}

/// (max − min) / mean.
pub fn spread(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    (max - min) / mean
}

/// later / earlier.
pub fn ratio(later: f64, earlier: f64) -> f64 {
    later / earlier
}

/// |last − first| / first.
pub fn drift(first: f64, last: f64) -> f64 {
    (last - first).abs() / first.abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_fit_by_hand() {
        // x = 0,1,2,3; y = 1,3,4,8: x̄ = 1.5, ȳ = 4; Sxx = 5; Sxy = (−1.5)(−3)+(−0.5)(−1)
        // +(0.5)(0)+(1.5)(4) = 4.5+0.5+0+6 = 11 → slope 2.2, intercept 4 − 3.3 = 0.7.
        // Fitted 0.7, 2.9, 5.1, 7.3 → SS_res = 0.09+0.01+1.21+0.49 = 1.8; SS_tot = 9+1+0+16 = 26
        // → R² = 1 − 1.8/26 = 0.930769.
        let f = linear_fit(&[0.0, 1.0, 2.0, 3.0], &[1.0, 3.0, 4.0, 8.0]);
        assert!((f.slope - 2.2).abs() < 1e-12);
        assert!((f.intercept - 0.7).abs() < 1e-12);
        assert!((f.r2 - 0.930769).abs() < 1e-6);
        assert!(linear_fit(&[1.0], &[2.0]).slope.is_nan());
    }

    #[test]
    fn product_constancy_by_hand() {
        // f·R = 10·4, 5·8, 4·10 = 40, 40, 40 → spread 0; 40, 44, 36 → (44−36)/40 = 0.2.
        assert_eq!(product_spread(&[10.0, 5.0, 4.0], &[4.0, 8.0, 10.0]), 0.0);
        assert!((product_spread(&[10.0, 11.0, 9.0], &[4.0, 4.0, 4.0]) - 0.2).abs() < 1e-12);
        assert!((drift(100.0, 93.0) - 0.07).abs() < 1e-12);
        assert_eq!(ratio(25.0, 1.0), 25.0);
    }
}
