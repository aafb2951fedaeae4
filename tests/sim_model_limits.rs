//! What the model does not capture is said, not silently assumed.

use mgp::instrument::sim::testing::*;
use mgp::instrument::sim::{SimInstrument, SimOptions};
use mgp::instrument::{Instrument, Reading, RestRequest};
use mgp::plan::{Cell, Material};

/// The warnings a 1 h rest on `cell` (its first step) delivers, twice in a row.
async fn warnings_of_two_rests(cell: &Cell) -> (Vec<String>, Vec<String>) {
    let mut sim = SimInstrument::new(SimOptions {
        noise: 0.0,
        ..SimOptions::default()
    })
    .unwrap();
    sim.prepare(&plan(vec![cell.clone()])).await.unwrap();
    let mut out = vec![];
    for _ in 0..2 {
        let mut sink = CollectSink::default();
        let request = RestRequest {
            cell,
            duration_s: 3600.0,
            sample_interval_s: Some(600.0),
        };
        sim.rest(request, &mut sink).await.unwrap();
        out.push(
            sink.readings
                .into_iter()
                .filter_map(|r| match r {
                    Reading::Warning { message, .. } => Some(message),
                    _ => None,
                })
                .collect(),
        );
    }
    let second = out.pop().unwrap();
    (out.pop().unwrap(), second)
}

#[tokio::test]
async fn li_outside_a_li_salt_electrolyte_is_flagged_once_at_assembly() {
    let mut mixed = lean_mg_cell("mixed");
    mixed.counter = Some(electrode(Material::Li, 1.131, 1.131));
    let (first, second) = warnings_of_two_rests(&mixed).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(
        first[0].contains("`mixed`") && first[0].contains("LP40"),
        "{first:?}"
    );
    assert!(second.is_empty(), "{second:?}");

    let li_in_catholyte = symmetric("ps", Material::Li, 1.131, 80.0, ps_catholyte(), "gf_a");
    assert_eq!(warnings_of_two_rests(&li_in_catholyte).await.0.len(), 1);

    // Li in LP40, and Mg in its own electrolyte: nothing to say.
    for cell in [li_cell("li"), lean_mg_cell("mg")] {
        let (first, second) = warnings_of_two_rests(&cell).await;
        assert!(first.is_empty() && second.is_empty(), "{first:?}");
    }
}
