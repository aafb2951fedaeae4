//! A dry-run of cells the model only partly covers says so everywhere a user looks: the run
//! summary, the manifest, analysis.json, the report's banner, and every figure says it shows
//! simulated data.

use mgp::model::analysis::AnalysisResult;
use mgp::run::folder::RunFolder;
use std::process::Command;

const PROTOCOL: &str = r#"title "Mg in a chloride-free glyme electrolyte with additives"

solution tfsi_dme {
    salt Mg(TFSI)2 0.5 M
    salt I2 10 mM
    salt AlCl3 5 mM
    salt LiNO3 20 mM
    salt H2O 1 mM
    solvent DME
}

separator gf_a {
    material "GF/A glass fibre"
    disc 13 mm
    thickness 260 um
}

electrode mg_disc {
    material Mg
    foil 100 um
    brush with P1200 in 8 directions
    disc 12 mm
}

cell lean: symmetric swagelok {
    working mg_disc
    counter mg_disc
    separator gf_a
    electrolyte tfsi_dme 80 uL
}

on lean {
    ocv: rest 1 h 10 min {
        eis every 30 min: 5 mV rms, 1 MHz to 20 mHz, 10 per decade
    }
}

analyze {
    fit arc: "Re-R(CPE)" on ocv, window high-frequency arc
    expect R of arc at 0 h above 1 kOhm cm2
}
"#;

#[test]
fn what_the_model_does_not_cover_is_named_in_summary_manifest_analysis_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("additives.mgp");
    std::fs::write(&file, PROTOCOL).unwrap();
    let out = dir.path().join("run");
    let output = Command::new(env!("CARGO_BIN_EXE_mgp"))
        .args(["run", "--out"])
        .arg(&out)
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    let expected = ["I2", "AlCl3", "LiNO3", "solvent DME", "without chloride"];
    for word in expected {
        assert!(
            stdout.contains("not modelled") && stdout.contains(word),
            "summary lacks {word}: {stdout}"
        );
    }
    // Water is modelled (it feeds the site-loss law), so it is not listed as ignored.
    assert!(!stdout.contains("solute H2O"), "{stdout}");

    let folder = RunFolder::new(&out);
    let manifest = folder.read_manifest().unwrap();
    for word in expected {
        assert!(
            manifest.not_modelled.iter().any(|n| n.contains(word)),
            "manifest lacks {word}: {:?}",
            manifest.not_modelled
        );
    }
    let ignored = &manifest.instrument.parameters["ignored_solutes"];
    assert_eq!(ignored, &serde_json::json!(["I2", "AlCl3"]), "{ignored}");

    let analysis: AnalysisResult =
        serde_json::from_str(&std::fs::read_to_string(folder.analysis()).unwrap()).unwrap();
    assert_eq!(analysis.not_modelled, manifest.not_modelled);

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Simulated data."), "no banner");
    for word in expected {
        assert!(html.contains(word), "report lacks {word}");
    }
    let mut svgs = 0;
    for entry in walk(&out) {
        if entry.extension().is_some_and(|e| e == "svg") {
            svgs += 1;
            let svg = std::fs::read_to_string(&entry).unwrap();
            assert!(
                svg.contains("SIMULATED"),
                "{} is not marked",
                entry.display()
            );
        }
    }
    assert!(svgs > 0, "no figures written");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
