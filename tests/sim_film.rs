//! The film as a state, not a constant: what a soak grows and drying fixes, what water feeds,
//! how the film conducts under a DC bias (tunnelling) and what a large AC amplitude reads, and
//! what the model says about electrolytes it only stands in for.

use mgp::instrument::sim::testing::*;
use mgp::instrument::sim::{SimInstrument, SimOptions};
use mgp::instrument::{EisRequest, Instrument, Reading, RestRequest};
use mgp::plan::{Bias, Cell, Connection, Material, Pretreatment, Solution, SolventPart};
use mgp::source::Span;

const H: f64 = 3600.0;

async fn started(cells: &[Cell], solutions: Vec<Solution>) -> SimInstrument {
    let mut sim = SimInstrument::new(SimOptions {
        noise: 0.0,
        ..SimOptions::default()
    })
    .unwrap();
    let mut plan = plan(cells.to_vec());
    plan.solutions = solutions;
    sim.prepare(&plan).await.unwrap();
    sim
}

/// A rest of `duration_s` (the cell's first step assembles it); its warnings.
async fn rest(sim: &mut SimInstrument, cell: &Cell, duration_s: f64) -> Vec<String> {
    let mut sink = CollectSink::default();
    let request = RestRequest {
        cell,
        duration_s,
        sample_interval_s: None,
    };
    sim.rest(request, &mut sink).await.unwrap();
    warnings(&sink)
}

fn warnings(sink: &CollectSink) -> Vec<String> {
    sink.readings
        .iter()
        .filter_map(|r| match r {
            Reading::Warning { message, .. } => Some(message.clone()),
            _ => None,
        })
        .collect()
}

/// Low-frequency arc resistance of one sweep, Ω (absolute), and the sweep's warnings.
async fn arc(
    sim: &mut SimInstrument,
    cell: &Cell,
    bias_v: f64,
    amplitude_v_rms: f64,
) -> (f64, Vec<String>) {
    let mut sweep = sweep(0.1, Connection::TwoElectrode);
    sweep.bias = Bias::VsOpenCircuit {
        potential_v: bias_v,
    };
    sweep.amplitude_v_rms = amplitude_v_rms;
    let mut sink = CollectSink::default();
    sim.eis(
        EisRequest {
            cell,
            sweep: &sweep,
        },
        &mut sink,
    )
    .await
    .unwrap();
    let r = Spectrum::from_readings(0.0, &sink.readings)
        .low_frequency_arc()
        .unwrap()
        .r_ohm;
    (r, warnings(&sink))
}

fn solution(name: &str, solutes: Vec<mgp::plan::Solute>, solvents: &[&str]) -> Solution {
    Solution {
        name: name.into(),
        solutes,
        solvents: solvents
            .iter()
            .map(|s| SolventPart {
                name: s.to_string(),
                parts: 1.0,
            })
            .collect(),
        ratio_basis: "volume".into(),
        water_max_ppm: None,
        span: Span::default(),
    }
}

fn soaked_cell(name: &str, soak_s: f64, soak_in: &str, c_ps: f64) -> Cell {
    let mut c = prepassivated_mg_ps_cell(name);
    c.composition = vec![solute("Li2S8", c_ps)];
    for e in std::iter::once(&mut c.working).chain(c.counter.as_mut()) {
        for p in &mut e.pretreatments {
            if let Pretreatment::Soak {
                solution,
                duration_s,
            } = p
            {
                *solution = soak_in.into();
                *duration_s = soak_s;
            }
        }
    }
    c
}

fn paper_solutions() -> Vec<Solution> {
    vec![
        solution("mg_electrolyte", mg_electrolyte(), &["TEGDME", "DOL"]),
        solution("lp40", lp40(), &["EC", "DEC"]),
    ]
}

#[tokio::test]
async fn the_dried_film_follows_its_soak_and_not_the_polysulfide() {
    let cells: Vec<Cell> = [(60.0, 0.1), (H, 0.1), (72.0 * H, 0.1), (H, 0.05)]
        .iter()
        .enumerate()
        .map(|(i, &(soak, c))| soaked_cell(&format!("mg{i}"), soak, "mg_electrolyte", c))
        .chain([gc_like("gc0", 0.1), gc_like("gc1", 0.05)])
        .collect();
    let mut sim = started(&cells, paper_solutions()).await;
    let mut r = vec![];
    for c in &cells {
        assert!(rest(&mut sim, c, 60.0).await.is_empty(), "{}", c.name);
        r.push(sim.probe(&c.name).unwrap()[0].clone());
    }
    let el: Vec<f64> = r.iter().map(|p| p.r_electronic_ohm_cm2).collect();
    // A longer soak grows a film that dries to a higher electronic resistance.
    assert!(el[0] < el[1] && el[1] < el[2], "{el:?}");
    assert!(el[2] > 20.0 * el[1], "{el:?}");
    // After the paper's 1 h soak: about 2 kΩ cm² per electrode (O13's 4 kΩ cm² per cell).
    assert!((1.5e3..2.5e3).contains(&el[1]), "{el:?}");
    // The excess over glassy carbon is the film's: the same at half the polysulfide.
    let excess_01 = r[1].r_interface_ohm_cm2 - r[4].r_interface_ohm_cm2;
    let excess_005 = r[3].r_interface_ohm_cm2 - r[5].r_interface_ohm_cm2;
    assert!(
        (excess_005 / excess_01 - 1.0).abs() < 0.05,
        "{excess_01} vs {excess_005}"
    );
}

fn gc_like(name: &str, c_ps: f64) -> Cell {
    let mut c = prepassivated_mg_ps_cell(name);
    c.composition = vec![solute("Li2S8", c_ps)];
    let gc = electrode(Material::GlassyCarbon, disc_cm2(12.0), disc_cm2(12.0));
    c.working = gc.clone();
    c.counter = Some(gc);
    c
}

#[tokio::test]
async fn a_soak_in_a_solution_without_mg_salt_is_named() {
    let cell = soaked_cell("mg", H, "lp40", 0.1);
    let mut sim = started(std::slice::from_ref(&cell), paper_solutions()).await;
    let notes = rest(&mut sim, &cell, 60.0).await;
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("not modelled: ") && n.contains("`lp40`")),
        "{notes:?}"
    );
}

#[tokio::test]
async fn added_water_speeds_up_site_loss() {
    let dry = lean_mg_cell("dry");
    let mut wet = lean_mg_cell("wet");
    wet.composition.push(solute("H2O", 2e-3));
    let mut sim = started(&[dry.clone(), wet.clone()], vec![]).await;
    rest(&mut sim, &dry, 60.0).await;
    let notes = rest(&mut sim, &wet, 5.0 * H).await;
    assert!(notes.is_empty(), "water is modelled: {notes:?}");
    let (t_dry, t_wet) = (
        sim.probe("dry").unwrap()[0].theta,
        sim.probe("wet").unwrap()[0].theta,
    );
    assert!(t_wet < 0.7 * t_dry, "{t_wet} vs {t_dry}");
}

#[tokio::test]
async fn electrolytes_the_parameters_were_not_measured_in_are_named() {
    let mut mg = lean_mg_cell("mg");
    mg.composition = vec![solute("Mg(TFSI)2", 0.5), solute("I2", 0.01)];
    mg.solvents = vec![SolventPart {
        name: "DME".into(),
        parts: 1.0,
    }];
    let mut li = li_cell("li");
    li.composition = vec![solute("LiTFSI", 1.0)];
    let mut sim = started(&[mg.clone(), li.clone()], vec![]).await;
    let notes = rest(&mut sim, &mg, 60.0).await;
    for word in ["solvent DME", "chloride", "solute I2"] {
        assert!(notes.iter().any(|n| n.contains(word)), "{word}: {notes:?}");
    }
    assert!(
        notes
            .iter()
            .all(|n| n.starts_with("not modelled: cell `mg`"))
    );
    let notes = rest(&mut sim, &li, 60.0).await;
    assert!(
        notes
            .iter()
            .any(|n| n.contains("LiTFSI") && n.contains("li_lp40")),
        "{notes:?}"
    );
}

#[tokio::test]
async fn a_dc_bias_lowers_the_film_resistance_by_tunnelling() {
    let mg = soaked_cell("mg", H, "mg_electrolyte", 0.1);
    let gc = gc_like("gc", 0.1);
    let mut sim = started(&[mg.clone(), gc.clone()], paper_solutions()).await;
    let mut excess = vec![];
    for bias in [0.0, 0.05, 0.1, 0.2] {
        let (r_mg, notes) = arc(&mut sim, &mg, bias, 5e-3).await;
        let (r_gc, _) = arc(&mut sim, &gc, bias, 5e-3).await;
        if bias > 0.0 {
            assert!(
                notes.iter().any(|n| n.starts_with("not modelled: ")),
                "{notes:?}"
            );
        }
        excess.push(r_mg - r_gc);
    }
    assert!(
        excess.windows(2).all(|w| w[1] < w[0]),
        "the film's resistance falls with the bias: {excess:?}"
    );
    assert!(excess[3] < 0.6 * excess[0], "{excess:?}");
}

#[tokio::test]
async fn a_large_amplitude_reads_a_smaller_arc() {
    // Three identical cells, each measured once right after assembly.
    let cells = [lean_mg_cell("a"), lean_mg_cell("b"), lean_mg_cell("c")];
    let mut sim = started(&cells, vec![]).await;
    let (small, _) = arc(&mut sim, &cells[0], 0.0, 1e-3).await;
    let (usual, _) = arc(&mut sim, &cells[1], 0.0, 5e-3).await;
    let (large, _) = arc(&mut sim, &cells[2], 0.0, 100e-3).await;
    // 5 mV is inside the linear range; 100 mV rms is far outside it.
    assert!((usual / small - 1.0).abs() < 0.02, "{small} {usual}");
    assert!(large < 0.7 * usual, "{large} vs {usual}");
}
