use mgp::fit::synthetic::{cpe_t_for_capacitance, spectrum};
use mgp::fit::{Circuit, FitOptions, fit};
use mgp::plan::log_frequencies;
use rand::{Rng, SeedableRng};
fn main() {
    let f = log_frequencies(1e6, 0.1, 10.0);
    let circuit = Circuit::parse("Re-R(CPE)").unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut its = 0;
    for _ in 0..200 {
        let r = 10f64.powf(rng.random_range(2.0..6.0));
        let c = rng.random_range(15e-6..19e-6);
        let p = rng.random_range(0.85..0.95);
        let params = [rng.random_range(5.0..50.0), r, cpe_t_for_capacitance(r, c, p), p];
        let z = spectrum(&circuit, &params, &f, 0.005, &mut rng);
        let res = fit(&circuit, &f, &z, &FitOptions::default()).unwrap();
        its += res.iterations;
    }
    println!("mean iterations {}", its as f64 / 200.0);
}
