//! Parsing the three notations, exact impedances, whole-circuit derivatives, diagnostics.

use super::*;
use crate::diagnostics::render_plain;

fn names(c: &Circuit) -> Vec<&str> {
    c.params().iter().map(|p| p.name.as_str()).collect()
}

#[test]
fn impedance_py_notation() {
    let c = Circuit::parse("R0-p(R1,CPE1)").unwrap();
    assert_eq!(names(&c), ["R0", "R1", "CPE1_T", "CPE1_P"]);
    assert_eq!(c.arcs().len(), 1);
    assert_eq!(c.series_resistance(), Some(0));
    assert_eq!(c.param_index("CPE1_1"), Some(3));
    assert_eq!(c.param_index("cpe1_t"), Some(2));
}

#[test]
fn paper_notation_is_r_parallel_cpe() {
    let c = Circuit::parse("Re-R(CPE)").unwrap();
    assert_eq!(names(&c), ["Re", "R", "CPE_T", "CPE_P"]);
    let d = Circuit::parse("Re-p(R,CPE)").unwrap();
    let p = [10.0, 1e3, 2e-5, 0.9];
    let f = [1e5, 10.0, 0.1];
    assert_eq!(c.impedance(&p, &f), d.impedance(&p, &f));
}

#[test]
fn boukamp_cdc() {
    let c = Circuit::parse("R(RQ)").unwrap();
    // An arc's R and Q share their number.
    assert_eq!(names(&c), ["R0", "R1", "Q1_T", "Q1_P"]);
    let two = Circuit::parse("R(RQ)(RC)").unwrap();
    assert_eq!(names(&two), ["R0", "R1", "Q1_T", "Q1_P", "R2", "C2"]);
    // Elements outside an arc take the lowest free number of their letter.
    let series_q = Circuit::parse("RQ(RQ)").unwrap();
    assert_eq!(
        names(&series_q),
        ["R0", "Q0_T", "Q0_P", "R1", "Q1_T", "Q1_P"]
    );
    assert_eq!(
        c.root(),
        &Node::Series(vec![
            Node::Element(0),
            Node::Parallel(vec![Node::Element(1), Node::Element(2)])
        ])
    );
    // R(C(R(RQ))): R0 − [C0 ∥ (R1 − (R2 ∥ Q2))]
    let nested = Circuit::parse("R(C(R(RQ)))").unwrap();
    let dash = Circuit::parse("R0-p(C0,R1-p(R2,Q2))").unwrap();
    assert_eq!(names(&nested), names(&dash));
    let p = [5.0, 1e-6, 100.0, 1e4, 3e-5, 0.8];
    let f = [1e6, 1e3, 1.0, 1e-2];
    let (a, b) = (nested.impedance(&p, &f), dash.impedance(&p, &f));
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).norm() < 1e-9 * y.norm());
    }
    // A one-element group after an element is parallel with it.
    let rc = Circuit::parse("R(C)").unwrap();
    assert_eq!(rc.arcs().len(), 1);
}

#[test]
fn r_parallel_c_has_the_textbook_impedance() {
    // R0 = 10, R1 = 100, C1 = 1e-3 at ω = 10 rad/s: ωRC = 1,
    // Z = 10 + 100/(1 + j) = 10 + 50 − 50j = 60 − 50j.
    let c = Circuit::parse("R0-p(R1,C1)").unwrap();
    let f = 10.0 / (2.0 * std::f64::consts::PI);
    let z = c.impedance(&[10.0, 100.0, 1e-3], &[f])[0];
    assert!((z - Complex64::new(60.0, -50.0)).norm() < 1e-9, "{z}");
}

#[test]
fn circuit_derivatives_match_finite_differences() {
    let cases: &[(&str, &[f64])] = &[
        ("R0-p(R1,CPE1)", &[12.0, 3e4, 2e-5, 0.9]),
        (
            "R0-p(R1,CPE1)-p(R2,CPE2)-Wo1",
            &[5.0, 100.0, 1e-6, 0.95, 2e3, 1e-4, 0.8, 50.0, 2.0],
        ),
        (
            "L0-R0-p(R1-Ws1,C1,CPE1)",
            &[1e-7, 3.0, 40.0, 20.0, 0.5, 2e-6, 1e-5, 0.7],
        ),
        ("R(C(R(RQ)))", &[5.0, 1e-6, 100.0, 1e4, 3e-5, 0.8]),
    ];
    let freqs = crate::plan::log_frequencies(1e6, 1e-2, 3.0);
    let omega = Omega::from_hz(&freqs);
    for &(text, p) in cases {
        let c = Circuit::parse(text).unwrap();
        let mut ws = Workspace::new(&c, freqs.len());
        c.evaluate(p, &omega, &mut ws, true);
        let z0 = ws.z().to_vec();
        let analytic: Vec<Vec<Complex64>> = (0..p.len()).map(|k| ws.dz(k).to_vec()).collect();
        for k in 0..p.len() {
            let mut q = p.to_vec();
            let h = q[k] * 1e-7;
            q[k] += h;
            let z1 = c.impedance(&q, &freqs);
            for i in 0..freqs.len() {
                let fd = (z1[i] - z0[i]) / h;
                // Rounding in the difference is about ε|Z|/h; below 1e-3 |Z|/θ the check is noise.
                let scale = analytic[k][i].norm().max(1e-3 * z0[i].norm() / p[k]);
                assert!(
                    (fd - analytic[k][i]).norm() <= 1e-4 * scale,
                    "{text} param {k} at {} Hz: fd {fd} vs {}",
                    freqs[i],
                    analytic[k][i]
                );
            }
        }
    }
}

fn error(text: &str) -> String {
    render_plain(&Circuit::parse(text).unwrap_err())
}

#[test]
fn bad_circuits_get_spanned_diagnostics() {
    insta::assert_snapshot!("unknown_element", error("R0-p(R1,CP1)"));
    insta::assert_snapshot!("unclosed", error("R0-p(R1,CPE1"));
    insta::assert_snapshot!("trailing_dash", error("R0-"));
    insta::assert_snapshot!("duplicate", error("R1-p(R1,C1)"));
    insta::assert_snapshot!("empty", error("  "));
    insta::assert_snapshot!("cdc_in_dash", error("R0-RQ"));
}
