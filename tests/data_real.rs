//! The readers on the real files of `../shared/realdata/` (public repositories' test data,
//! listed in its SOURCES.md): each impedance file is read with its format, point counts,
//! and first and last points as the file writes them; every other file gets a one-line
//! "not impedance data"/"unsupported" diagnostic that quotes at most one line of it.

use mgp::data::{Format, ImpedanceFile, ReadOptions, read_file};
use std::path::{Path, PathBuf};

/// `shared/realdata` beside the clone (CI), or beside a folder above it (a worktree).
fn realdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .skip(1)
        .map(|dir| dir.join("shared/realdata"))
        .find(|dir| dir.is_dir())
        .expect("shared/realdata beside the clone (CI copies shared/ there)")
}

struct Case {
    file: &'static str,
    format: Format,
    /// Points of each spectrum.
    points: &'static [usize],
    /// Frequency (Hz), Z' and Z'' (Ω) of the first point of the first spectrum.
    first: [f64; 3],
    /// … and of the last point of the last spectrum.
    last: [f64; 3],
    /// Time, DC potential, DC current known per point.
    extras: [bool; 3],
}

/// Values as the files write them (Z'' < 0 capacitive; `-Z''` and `ZIm` columns negated).
const CASES: &[Case] = &[
    Case {
        file: "eistoolbox/data01.DTA",
        format: Format::GamryDta,
        points: &[71],
        first: [1.00002e6, 3.213834e2, -8.864056e3],
        last: [1.001603e-1, 3.69816e5, -3.716213e4],
        extras: [true, true, true],
    },
    Case {
        file: "eistoolbox/data01.csv",
        format: Format::CsvHeaderless,
        points: &[71],
        first: [1e6, 3.2138e2, -8.8641e3],
        last: [1.0016e-1, 3.6982e5, -3.7162e4],
        extras: [false, false, false],
    },
    Case {
        file: "eistoolbox/data09.DTA",
        format: Format::GamryDta,
        points: &[71],
        first: [1.00002e6, 1.548945e3, -2.049857e2],
        last: [1.001603e-1, 1.266896e4, -5.403183e3],
        extras: [true, true, true],
    },
    Case {
        file: "eistoolbox/data09.csv",
        format: Format::CsvHeaderless,
        points: &[71],
        first: [1e6, 1.5489e3, -2.0499e2],
        last: [1.0016e-1, 1.2669e4, -5.4032e3],
        extras: [false, false, false],
    },
    Case {
        file: "gamryparser/eispot_data.dta",
        format: Format::GamryDta,
        points: &[10],
        first: [1e4, 2.246075e2, -3.767681e0],
        last: [5e-1, 2.26885e2, -7.053867e0],
        extras: [true, true, true],
    },
    Case {
        file: "gamryparser/eispot_data_curveaborted.dta",
        format: Format::GamryDta,
        points: &[5],
        first: [1e4, 2.246075e2, -3.767681e0],
        last: [1e2, 2.262954e2, -6.136346e0],
        extras: [true, true, true],
    },
    Case {
        file: "houlbergg/240313-CVEIS_Activation-0p5H2SO4-Ag_AgCl_BLF8-Au_RDE-80cycles_02_PEIS_C15.mpt",
        format: Format::EcLabMpt,
        points: &[31],
        first: [1.0000371e5, 7.646822e0, -1.2938246e0],
        last: [9.9968163e1, 7.9962074e1, -2.2068768e2],
        extras: [true, true, true],
    },
    Case {
        file: "houlbergg/240313-CVEIS_PostActivation-Fe2Fe3_5mM-HCl1M-0225RPM-Ag_AgCl_BLF8-Au_RDE_02_PEIS_C15.mpt",
        format: Format::EcLabMpt,
        points: &[67],
        first: [3.9999628e5, 3.2233777e0, -1.3847185e0],
        last: [9.9951774e-2, 3.1725806e2, -7.7604332e1],
        extras: [true, true, true],
    },
    Case {
        file: "houlbergg/240405-EIS-50mM_FeCl2FeCl3-1M_HCl-30mLmin-LowFreq_6ppd_C15.mpt",
        format: Format::EcLabMpt,
        points: &[46, 46, 46],
        first: [9.2000075e5, -1.2126648e-1, 2.8668523e-1],
        last: [2.5009438e-2, 2.4962258e-1, -1.462344e-3],
        extras: [true, true, true],
    },
    Case {
        file: "houlbergg/240416-EIS-0p5M_FeCl2FeCl3-1M_HCl-05mLmin_Dampened-25mHz_10ppd_C15.mpt",
        format: Format::EcLabMpt,
        points: &[77],
        first: [9.2000075e5, -9.7623095e-2, 2.2025351e-1],
        last: [2.5009438e-2, 1.7983069e-1, -3.5074528e-2],
        extras: [true, true, true],
    },
    Case {
        file: "impedancepy/Circuit1_EIS_1.z",
        format: Format::ZPlot,
        points: &[48],
        first: [5e4, 2.9036e1, 6.3662e-1],
        last: [1e0, 7.5803e1, -1.6244e-1],
        extras: [true, true, false],
    },
    Case {
        file: "impedancepy/Circuit1_EIS_2.z",
        format: Format::ZPlot,
        points: &[48],
        first: [5e4, 2.9001e1, 5.992e-1],
        last: [1e0, 7.582e1, -1.7374e-1],
        extras: [true, true, false],
    },
    Case {
        file: "impedancepy/Circuit2_EIS_1.z",
        format: Format::ZPlot,
        points: &[56],
        first: [3e5, 1.4777e2, -1.1335e1],
        last: [1e0, 6.5419e2, 6.4271e-1],
        extras: [true, true, false],
    },
    Case {
        file: "impedancepy/Circuit2_EIS_2.z",
        format: Format::ZPlot,
        points: &[56],
        first: [3e5, 1.4768e2, -1.1662e1],
        last: [1e0, 6.5244e2, -2.118e0],
        extras: [true, true, false],
    },
    Case {
        file: "impedancepy/Circuit3_EIS_1.z",
        format: Format::ZPlot,
        points: &[53],
        first: [1.5e5, 1.4937e3, 1.0377e1],
        last: [1e0, 6.1375e3, 1.789e1],
        extras: [true, true, false],
    },
    Case {
        file: "impedancepy/Circuit3_EIS_2.z",
        format: Format::ZPlot,
        points: &[53],
        first: [1.5e5, 1.492e3, 1.1789e1],
        last: [1e0, 6.1382e3, -1.0151e1],
        extras: [true, true, false],
    },
    Case {
        file: "impedancepy/exampleData.csv",
        format: Format::CsvHeaderless,
        points: &[66],
        first: [3.1623e-3, 4.94998977640506e-2, -2.0438698544418925e-2],
        last: [1e4, 1.5771482660485933e-2, 1.0157474564938236e-2],
        extras: [false, false, false],
    },
    Case {
        file: "impedancepy/exampleDataAutolab.txt",
        format: Format::ZPlot,
        points: &[41],
        first: [1e4, 1.3785863964281e-2, 7.191946305823e-3],
        last: [1e-1, 3.45697771923854e-2, -3.90292888845954e-3],
        extras: [true, true, false],
    },
    Case {
        file: "impedancepy/exampleDataBioLogic.mpt",
        format: Format::EcLabMpt,
        points: &[43],
        first: [1.0003201e3, 6.5470886e1, -3.8998979e-1],
        last: [1.689554e-2, 1.1097003e2, -2.3458567e0],
        extras: [true, true, true],
    },
    Case {
        file: "impedancepy/exampleDataCHInstruments.txt",
        format: Format::ChInstruments,
        points: &[73],
        first: [9.961e4, 9.891e1, -2.748e0],
        last: [1e-1, 5.685e3, -1.586e4],
        extras: [false, false, false],
    },
    Case {
        file: "impedancepy/exampleDataGamry.DTA",
        format: Format::GamryDta,
        points: &[72],
        first: [2.000156e5, 8.258584e2, -1.367239e3],
        last: [1.58898e-2, 1.700749e4, -6.635557e3],
        extras: [true, true, true],
    },
    Case {
        file: "impedancepy/exampleDataGamryABORT.DTA",
        format: Format::GamryDta,
        points: &[72],
        first: [2.000156e5, 8.258584e2, -1.367239e3],
        last: [1.58898e-2, 1.700749e4, -6.635557e3],
        extras: [true, true, true],
    },
    Case {
        file: "impedancepy/exampleDataParstat.txt",
        format: Format::Parstat,
        points: &[31],
        first: [1e4, -4.9816280376104e-4, 1.75143479976367e-2],
        last: [1e1, 2.70946491457229e-2, -3.99791080333837e-3],
        extras: [true, true, true],
    },
    Case {
        file: "impedancepy/exampleDataPowersuite.txt",
        format: Format::CsvWithHeader,
        points: &[30],
        first: [1e-1, 4.2392946e5, -4.9014063e4],
        last: [2e6, -4.7054113e2, -1.3977358e3],
        extras: [false, false, false],
    },
    Case {
        file: "impedancepy/exampleDataVersaStudio.par",
        format: Format::VersaStudioPar,
        points: &[61],
        first: [1e5, 5.531571e1, 4.575431e0],
        last: [2.154435e-2, 1.516313e3, -1.228279e2],
        extras: [true, true, true],
    },
    Case {
        file: "impedancepy/exampleDataZPlot.z",
        format: Format::ZPlot,
        points: &[21],
        first: [3e5, 1.4777e2, -1.1335e1],
        last: [3e3, 6.1368e2, -1.3713e2],
        extras: [true, true, false],
    },
    Case {
        file: "impedancepy/exampleDataZPlot_noComments.z",
        format: Format::ZPlot,
        points: &[31],
        first: [3e5, 6.4262e2, -8.5821e1],
        last: [3e2, 1.3053e3, -1.9501e2],
        extras: [true, true, false],
    },
    Case {
        file: "impfitter/impedance1V_10.csv",
        format: Format::CsvWithHeader,
        points: &[640],
        first: [1e1, 7.617577821490984e2, -1.0857452270734163e3],
        last: [2.455e7, 4.8744498201517715e1, -8.110493146186922e0],
        extras: [false, false, false],
    },
    Case {
        file: "palmsens/eis_3ch_4scan_5freq.pssession",
        format: Format::PalmSensSession,
        points: &[5, 5, 5, 5],
        first: [2e5, 5.63351e2, -4.8135632e1],
        last: [1.9999998e1, 1.0567941e4, -3.76368e2],
        extras: [true, true, true],
    },
    Case {
        file: "palmsens/eis_5freq.pssession",
        format: Format::PalmSensSession,
        points: &[5],
        first: [2e5, 5.69666e2, -3.2340022e1],
        last: [1.9999998e1, 1.0603932e4, -4.05591e2],
        extras: [true, true, true],
    },
    Case {
        file: "pyeis/ex1.mpt",
        format: Format::EcLabMpt,
        points: &[59, 59],
        first: [2.0001948e5, 4.2890558e2, -3.7231183e2],
        last: [1.0005763e-2, 6.680232e4, -3.3712059e4],
        extras: [true, true, true],
    },
    Case {
        file: "pyeis/ex2.mpt",
        format: Format::EcLabMpt,
        points: &[59, 59],
        first: [2.0001948e5, 4.2492365e2, -3.7577924e2],
        last: [1.0005763e-2, 6.2483348e4, -3.1125246e4],
        extras: [true, true, true],
    },
    Case {
        file: "pyimpspec/case-fragment.csv",
        format: Format::CsvWithHeader,
        points: &[6],
        first: [
            7.196856730011521e3,
            1.1205775995468218e2,
            -3.516622560165986e1,
        ],
        last: [
            1.3894954943731375e3,
            1.866369160728213e2,
            -1.1220462986265139e2,
        ],
        extras: [false, false, false],
    },
    Case {
        file: "pyimpspec/case-multiple-spectra-reverse.csv",
        format: Format::CsvWithHeader,
        points: &[29, 29],
        first: [1e0, 6.454787001504939e2, -9.061812830738303e1],
        last: [1e4, 1.0900918219439028e2, -2.655567987651522e1],
        extras: [false, false, false],
    },
    Case {
        file: "pyimpspec/case-multiple-spectra.csv",
        format: Format::CsvWithHeader,
        points: &[29, 29, 29, 29],
        first: [1e4, 1.0900918219439028e2, -2.655567987651522e1],
        last: [1e0, 6.454787001504939e2, -9.061812830738303e1],
        extras: [false, false, false],
    },
    Case {
        file: "pyimpspec/case-multiple-spectra.mpt",
        format: Format::EcLabMpt,
        points: &[29, 29, 29],
        first: [1e4, 1.0900918e2, -2.655568e1],
        last: [1e0, 6.454787e2, -9.0618128e1],
        extras: [true, true, true],
    },
    Case {
        file: "pyimpspec/case-negative-real-imaginary.csv",
        format: Format::CsvWithHeader,
        points: &[29],
        first: [1e4, 1.0900918219439028e2, -2.655567987651522e1],
        last: [1e0, 6.454787001504939e2, -9.061812830738303e1],
        extras: [false, false, false],
    },
    Case {
        file: "pyimpspec/data-comma-decimal-separator.csv",
        format: Format::CsvWithHeader,
        points: &[29],
        first: [1e4, 1.0900918219439028e2, -2.655567987651522e1],
        last: [1e0, 6.454787001504939e2, -9.061812830738303e1],
        extras: [false, false, false],
    },
    Case {
        file: "pyimpspec/data-comma.csv",
        format: Format::CsvWithHeader,
        points: &[29],
        first: [1e4, 1.0900918219439028e2, -2.655567987651522e1],
        last: [1e0, 6.454787001504939e2, -9.061812830738303e1],
        extras: [false, false, false],
    },
    Case {
        file: "pyimpspec/data-header-variant-1.csv",
        format: Format::CsvWithHeader,
        points: &[29],
        first: [1e4, 1.0900918219439028e2, -2.655567987651522e1],
        last: [1e0, 6.454787001504939e2, -9.061812830738303e1],
        extras: [false, false, false],
    },
    Case {
        file: "pyimpspec/data-header-variant-2.csv",
        format: Format::CsvWithHeader,
        points: &[29],
        first: [1e4, 1.0900918219439e2, -2.65556798765152e1],
        last: [1e0, 6.45478700150494e2, -9.0618128307383e1],
        extras: [false, false, false],
    },
    Case {
        file: "pyimpspec/data-header-variant-3.csv",
        format: Format::CsvWithHeader,
        points: &[29],
        first: [1e4, 1.0900918219439028e2, -2.655567987651522e1],
        last: [1e0, 6.454787001504939e2, -9.061812830738303e1],
        extras: [false, false, false],
    },
    Case {
        file: "pyimpspec/data-header-variant-4.csv",
        format: Format::CsvWithHeader,
        points: &[29],
        first: [1e4, 1.0900918219438982e2, -2.655567987651514e1],
        last: [1e0, 6.454787001504944e2, -9.061812830738299e1],
        extras: [false, false, false],
    },
    Case {
        file: "pyimpspec/data-semicolon.csv",
        format: Format::CsvWithHeader,
        points: &[29],
        first: [1e4, 1.0900918219439028e2, -2.655567987651522e1],
        last: [1e0, 6.454787001504939e2, -9.061812830738303e1],
        extras: [false, false, false],
    },
    Case {
        file: "pyimpspec/data-space.csv",
        format: Format::CsvWithHeader,
        points: &[29],
        first: [1e4, 1.0900918219439028e2, -2.655567987651522e1],
        last: [1e0, 6.454787001504939e2, -9.061812830738303e1],
        extras: [false, false, false],
    },
    Case {
        file: "pyimpspec/data-tab.csv",
        format: Format::CsvWithHeader,
        points: &[29],
        first: [1e4, 1.0900918219439028e2, -2.655567987651522e1],
        last: [1e0, 6.454787001504939e2, -9.061812830738303e1],
        extras: [false, false, false],
    },
    Case {
        file: "pyimpspec/data.P00",
        format: Format::CsvWithHeader,
        points: &[29],
        first: [1e4, 1.09e2, -2.6556e1],
        last: [1e0, 6.455e2, -9.0618e1],
        extras: [true, true, true],
    },
    Case {
        file: "pyimpspec/data.dfr",
        format: Format::AutolabDfr,
        points: &[29],
        first: [1e4, 1.0900918219439028e2, -2.655567987651522e1],
        last: [1e0, 6.454787001504939e2, -9.061812830738303e1],
        extras: [false, false, false],
    },
    Case {
        file: "pyimpspec/data.dta",
        format: Format::GamryDta,
        points: &[29],
        first: [1e4, 1.0900918219439e2, -2.65556798765152e1],
        last: [1e0, 6.45478700150494e2, -9.0618128307383e1],
        extras: [true, true, true],
    },
    Case {
        file: "pyimpspec/data.i2b",
        format: Format::CsvHeaderless,
        points: &[29],
        first: [1e4, 1.0900918219439028e2, -2.655567987651522e1],
        last: [1e0, 6.454787001504939e2, -9.061812830738303e1],
        extras: [false, false, false],
    },
    Case {
        file: "pyimpspec/data.idf",
        format: Format::Ivium,
        points: &[29],
        first: [1e4, 1.09009e2, -2.65557e1],
        last: [1e0, 6.45479e2, -9.06181e1],
        extras: [false, false, false],
    },
    Case {
        file: "pyimpspec/data.ids",
        format: Format::Ivium,
        points: &[29, 29],
        first: [1e4, 1.09009e2, -2.65557e1],
        last: [1e0, 6.45479e2, -9.06181e1],
        extras: [false, false, false],
    },
    Case {
        file: "pyimpspec/data.json",
        format: Format::Json,
        points: &[29],
        first: [1e4, 1.090091821944e2, -2.65556798765e1],
        last: [1e0, 6.454787001505e2, -9.06181283074e1],
        extras: [false, false, false],
    },
    Case {
        file: "pyimpspec/data.mpt",
        format: Format::EcLabMpt,
        points: &[29],
        first: [1e4, 1.0900918e2, -2.655568e1],
        last: [1e0, 6.454787e2, -9.0618128e1],
        extras: [true, true, true],
    },
    Case {
        file: "pyimpspec/data.pssession",
        format: Format::PalmSensSession,
        points: &[29],
        first: [1e4, 1.0900918219439e2, -2.65556798765152e1],
        last: [1e0, 6.45478700150494e2, -9.0618128307383e1],
        extras: [false, false, false],
    },
    Case {
        file: "pyimpspec/data.z",
        format: Format::ZPlot,
        points: &[29],
        first: [1e4, 1.090092e2, -2.655568e1],
        last: [1e0, 6.454787e2, -9.061813e1],
        extras: [true, true, false],
    },
    Case {
        file: "pyimpspec/drift-corrected-data.dta",
        format: Format::GamryDta,
        points: &[55],
        first: [1.000781e5, 6.916887e2, -1.489397e2],
        last: [1.001603e-1, 1.634432e5, -2.078979e5],
        extras: [true, true, true],
    },
];

/// Files that hold no impedance spectrum mgp can read, and the diagnostic each gets.
const OTHERS: &[(&str, &str)] = &[
    ("gamryparser/vfp600_data.dta", "mgp::data::not_impedance"),
    (
        "houlbergg/240219-CV-EIS-Fe2Fe3_5mM-HCl1M-0RPM-Ag_AgCl_BLF8-GC-RDE_02_PEIS_C15.mpt",
        "mgp::data::empty",
    ),
    (
        "impedancepy/exampleDataBioLogic_MissingFreq.mpt",
        "mgp::data::missing_column",
    ),
    (
        "impfitter/MokuGo_47R_100R_shunt.csv",
        "mgp::data::not_impedance",
    ),
    (
        "impfitter/RohdeSchwarz_47R_100R_shunt.csv",
        "mgp::data::not_impedance",
    ),
    ("pyimpspec/data.fods", "mgp::data::unsupported"),
    ("pyimpspec/data.ods", "mgp::data::unsupported"),
    ("pyimpspec/data.xlsx", "mgp::data::unsupported"),
];

fn read(file: &str) -> Result<ImpedanceFile, String> {
    read_file(&realdata().join(file), &ReadOptions::default())
        .map_err(|e| mgp::diagnostics::render_plain(&e))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-300)
}

#[test]
fn every_impedance_file_is_read_with_its_points() {
    let mut failures = Vec::new();
    for c in CASES {
        let f = match read(c.file) {
            Ok(f) => f,
            Err(e) => {
                failures.push(format!("{}: {e}", c.file));
                continue;
            }
        };
        let counts: Vec<usize> = f.spectra.iter().map(|s| s.frequencies_hz.len()).collect();
        let s0 = &f.spectra[0];
        let sl = f.spectra.last().unwrap();
        let point =
            |s: &mgp::data::Spectrum, i: usize| [s.frequencies_hz[i], s.z_ohm[i].re, s.z_ohm[i].im];
        let first = point(s0, 0);
        let last = point(sl, sl.frequencies_hz.len() - 1);
        let extras = [
            s0.time_s.is_some(),
            s0.dc_potential_v.is_some(),
            s0.dc_current_a.is_some(),
        ];
        if f.format != c.format
            || counts != c.points
            || !first.iter().zip(c.first).all(|(a, b)| close(*a, b))
            || !last.iter().zip(c.last).all(|(a, b)| close(*a, b))
            || extras != c.extras
        {
            failures.push(format!(
                "{}: read {:?} {counts:?} first {first:?} last {last:?} extras {extras:?}",
                c.file, f.format
            ));
        }
        for s in &f.spectra {
            let n = s.frequencies_hz.len();
            assert_eq!(s.z_ohm.len(), n);
            assert_eq!(s.lines.len(), n);
            for v in [&s.time_s, &s.dc_potential_v, &s.dc_current_a]
                .into_iter()
                .flatten()
            {
                assert_eq!(v.len(), n, "{}", c.file);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_folder_holds_no_file_without_a_verdict() {
    let mut seen = Vec::new();
    for dir in std::fs::read_dir(realdata()).expect("../shared/realdata is beside the clone") {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            let rel = path
                .strip_prefix(realdata())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            seen.push(rel);
        }
    }
    seen.sort();
    let mut known: Vec<String> = CASES
        .iter()
        .map(|c| c.file.to_string())
        .chain(OTHERS.iter().map(|(f, _)| f.to_string()))
        .collect();
    known.sort();
    assert_eq!(
        seen, known,
        "every real file is either read or given a diagnostic"
    );
}

#[test]
fn other_files_get_one_short_diagnostic() {
    for (file, code) in OTHERS {
        let e = read(file).expect_err(file);
        assert!(e.starts_with(code), "{file}: {e}");
        // At most one line of the file, at most 200 characters of it.
        let quoted: Vec<&str> = e
            .lines()
            .filter(|l| {
                let t = l.trim_start();
                t.split_once(" │ ")
                    .is_some_and(|(n, _)| n.trim().parse::<usize>().is_ok())
            })
            .collect();
        assert!(quoted.len() <= 1, "{file}: {e}");
        // Tabs are widened on screen: count what the file gave, not the white space.
        let shown = |l: &&str| l.chars().filter(|c| !c.is_whitespace()).count();
        assert!(quoted.iter().all(|l| shown(l) <= 210), "{file}: {e}");
        assert!(e.len() < 2000, "{file}: {e}");
    }
}

#[test]
fn vendor_files_keep_their_metadata() {
    let gamry = read("impedancepy/exampleDataGamry.DTA").unwrap();
    assert_eq!(gamry.metadata.instrument.as_deref(), Some("REF3000-34128"));
    assert_eq!(gamry.metadata.area_cm2, Some(1.0));
    let drift = read("pyimpspec/drift-corrected-data.dta").unwrap();
    assert_eq!(drift.metadata.area_cm2, Some(0.02));
    let t = drift.spectra[0].time_s.as_ref().unwrap();
    assert_eq!((t[0], t[t.len() - 1]), (2.0, 339.0));
    let v = drift.spectra[0].dc_potential_v.as_ref().unwrap();
    assert!(close(v[0], 0.3692144));
    let mpt = read(
        "houlbergg/240313-CVEIS_Activation-0p5H2SO4-Ag_AgCl_BLF8-Au_RDE-80cycles_02_PEIS_C15.mpt",
    )
    .unwrap();
    assert_eq!(
        mpt.metadata.instrument.as_deref(),
        Some("VMP-300 (SN 0826)")
    );
    assert_eq!(mpt.metadata.area_cm2, Some(0.001));
    let ps = read("palmsens/eis_3ch_4scan_5freq.pssession").unwrap();
    assert_eq!(ps.metadata.started.as_deref(), Some("2025-07-31T15:54:28Z"));
    let labels: Vec<&str> = ps.spectra.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["1", "2", "3", "4"]);
    let par = read("impedancepy/exampleDataVersaStudio.par").unwrap();
    assert_eq!(par.metadata.instrument.as_deref(), Some("VersaSTAT4"));
    let chi = read("impedancepy/exampleDataCHInstruments.txt").unwrap();
    assert_eq!(chi.metadata.instrument.as_deref(), Some("CHI660E"));
    let aborted = read("gamryparser/eispot_data_curveaborted.dta").unwrap();
    assert!(aborted.notes.iter().any(|n| n.contains("aborted")));
}
