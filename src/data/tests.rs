//! The readers on good files of each format.

use super::*;

fn read(name: &str, text: &[u8]) -> ImpedanceFile {
    match parse(name, text, &ReadOptions::default()) {
        Ok(f) => f,
        Err(e) => panic!("{}", crate::diagnostics::render_plain(&e)),
    }
}

#[test]
fn header_csv_with_minus_z_imag() {
    let f = read(
        "a.csv",
        b"freq/Hz,Re(Z)/Ohm,-Im(Z)/Ohm\n1000,10,0.5\n100,12,3\n10,20,5\n",
    );
    assert_eq!(f.format, Format::CsvWithHeader);
    let s = &f.spectra[0];
    assert_eq!(s.frequencies_hz, [1000.0, 100.0, 10.0]);
    assert_eq!(s.z_ohm[1], Complex64::new(12.0, -3.0));
    assert_eq!(s.lines, [2, 3, 4]);
    assert!(f.notes.is_empty());
}

#[test]
fn positive_z_imag_column_is_detected_as_minus_z_imag() {
    let f = read(
        "a.csv",
        b"Frequency (Hz);Z' (kOhm);Z'' (kOhm)\n1000;0,01;0,0005\n100;0,012;0,003\n",
    );
    let s = &f.spectra[0];
    assert_eq!(s.z_ohm[0], Complex64::new(10.0, -0.5));
    assert_eq!(f.notes.len(), 1, "{:?}", f.notes);
}

#[test]
fn headerless_three_columns_like_impedance_py() {
    let f = read("b.csv", b"1e3, 10, -0.5\n1e2, 12, -3\n1e1, 20, -5\n");
    assert_eq!(f.format, Format::CsvHeaderless);
    assert_eq!(f.spectra[0].z_ohm[2], Complex64::new(20.0, -5.0));
}

#[test]
fn spectrum_column_splits_and_inductive_points_can_be_dropped() {
    let text = b"spectrum\tf\tzreal\tzimag\n1\t1e5\t10\t0.2\n1\t1e3\t11\t-1\n1\t10\t15\t-2\n2\t1e5\t10\t0.3\n2\t1e3\t13\t-1\n2\t10\t20\t-4\n";
    let f = read("c.txt", text);
    assert_eq!(f.spectra.len(), 2);
    assert_eq!(f.spectra[1].label, "2");
    let dropped = parse(
        "c.txt",
        text,
        &ReadOptions {
            drop_inductive: true,
        },
    )
    .unwrap();
    assert_eq!(dropped.spectra[0].frequencies_hz, [1e3, 10.0]);
    assert_eq!(dropped.notes.len(), 2);
}

#[test]
fn concatenated_sweeps_without_a_column_are_split_where_the_sweep_restarts() {
    let f = read(
        "d.csv",
        b"f,z',z''\n100,1,-1\n10,2,-2\n100,1,-1.1\n10,2,-2.1\n",
    );
    assert_eq!(f.spectra.len(), 2);
    assert_eq!(f.spectra[1].lines, [4, 5]);
}

/// An EC-Lab export as it comes off the instrument: CRLF, Windows-1252 µ, decimal commas,
/// a trailing tab, two cycles.
pub fn ec_lab_bytes() -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    out.extend_from_slice(b"EC-Lab ASCII FILE\r\nNb header lines : 6\r\n\r\nPotentio Electrochemical Impedance Spectroscopy\r\n");
    out.extend_from_slice(b"Electrode surface area : 1,131 cm\xb2\r\n");
    out.extend_from_slice(b"freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\t|Z|/Ohm\tCs/\xb5F\tcycle number\t\r\n");
    for (cycle, r) in [(1, 100.0f64), (2, 150.0)] {
        for (f, frac) in [(1e5, 0.01f64), (1e2, 0.5), (1.0, 0.9)] {
            let re = 10.0 + r * frac;
            let im = r * 0.4 * frac.sqrt();
            let line =
                format!("{f:.7E}\t{re:.7E}\t{im:.7E}\t0\t0\t{cycle:.6E}\t\r\n").replace('.', ",");
            out.extend_from_slice(line.as_bytes());
        }
    }
    out
}

#[test]
fn ec_lab_mpt_in_the_windows_code_page_with_decimal_commas() {
    let f = read("e.mpt", &ec_lab_bytes());
    assert_eq!(f.format, Format::EcLabMpt);
    assert_eq!(f.spectra.len(), 2);
    assert_eq!(f.spectra[0].label, "1");
    let s = &f.spectra[1];
    assert_eq!(s.frequencies_hz, [1e5, 1e2, 1.0]);
    assert!((s.z_ohm[1].re - 85.0).abs() < 1e-9);
    assert!(s.z_ohm[1].im < 0.0);
    assert_eq!(s.lines[0], 10);
}

#[test]
fn quoted_decimal_comma_fields_in_a_comma_separated_file() {
    // What a spreadsheet in a decimal-comma locale exports as "CSV (comma)".
    let f = read(
        "q.csv",
        b"\"freq_hz\",\"z_real_ohm\",\"z_imag_ohm\"\n\"1000000,0\",\"10,05\",\"-0,5\"\n\"1000,0\",\"12,5\",\"-3,25\"\n\"10\",\"20\",\"-5\"\n",
    );
    let s = &f.spectra[0];
    assert_eq!(s.frequencies_hz, [1e6, 1e3, 10.0]);
    assert_eq!(s.z_ohm[0], Complex64::new(10.05, -0.5));
    assert_eq!(s.z_ohm[1], Complex64::new(12.5, -3.25));
    let headerless = read(
        "h.csv",
        b"\"100,0\",\"1,5\",\"-0,25\"\n\"10\",\"2\",\"-1\"\n1,3,-2\n",
    );
    assert_eq!(headerless.spectra[0].frequencies_hz, [100.0, 10.0, 1.0]);
    assert_eq!(headerless.spectra[0].z_ohm[0], Complex64::new(1.5, -0.25));
}

#[test]
fn vendor_header_spellings() {
    let f = read(
        "p.txt",
        b"Frequency\tZre (ohms)\tZimg\n100\t10\t-1\n10\t12\t-3\n",
    );
    assert_eq!(f.spectra[0].z_ohm[1], Complex64::new(12.0, -3.0));
    let f = read("r.csv", b"frequency,real,imaginary\n100,10,-1\n10,12,-3\n");
    assert_eq!(f.spectra[0].z_ohm[0], Complex64::new(10.0, -1.0));
    // `-Z'` holds −Z'.
    let f = read("n.csv", b"f,-Z',-Z''\n100,-10,1\n10,-12,3\n");
    assert_eq!(f.spectra[0].z_ohm[1], Complex64::new(12.0, -3.0));
    // Polar: |Z| and −phase in degrees.
    let f = read("m.csv", b"frequency,|Z|,-phase\n100,2,90\n10,2,45\n");
    let z = f.spectra[0].z_ohm[0];
    assert!(z.re.abs() < 1e-12 && (z.im + 2.0).abs() < 1e-12, "{z}");
    let z = f.spectra[0].z_ohm[1];
    assert!((z.re - 2f64.sqrt()).abs() < 1e-12 && (z.im + 2f64.sqrt()).abs() < 1e-12);
}

#[test]
fn a_double_quote_inside_a_header_name_is_not_a_quoted_field() {
    // CH Instruments: `Z"/ohm` after a preamble.
    let f = read(
        "chi.txt",
        b"Feb. 20, 2020   15:55:08\nA.C. Impedance\nInstrument Model:  CHI660E\n\nFreq/Hz, Z'/ohm, Z\"/ohm, Z/ohm, Phase/deg\n\n1e3, 10, -1, 10.05, -5.7\n1e2, 12, -3, 12.4, -14\n",
    );
    assert_eq!(f.format, Format::ChInstruments);
    assert_eq!(f.spectra[0].z_ohm[1], Complex64::new(12.0, -3.0));
    assert_eq!(f.metadata.instrument.as_deref(), Some("CHI660E"));
}

#[test]
fn bt_lab_mpt_with_cycle_number_zero_splits_where_the_sweep_restarts() {
    let mut text = b"BT-Lab ASCII FILE\r\nNb header lines : 5\r\n\r\nPotentio Electrochemical Impedance Spectroscopy\r\n".to_vec();
    text.extend_from_slice(
        b"freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\ttime/s\t<Ewe>/V\t<I>/mA\tcycle number\r\n",
    );
    for (k, t0) in [(0, 0.0), (1, 100.0)] {
        for (j, f) in [1e4, 1e2, 1.0].iter().enumerate() {
            let line = format!(
                "{f:E}\t{}\t{}\t{}\t0.5\t2\t0\r\n",
                10 + k,
                1 + j,
                t0 + j as f64
            );
            text.extend_from_slice(line.as_bytes());
        }
    }
    let f = read("bt.mpt", &text);
    assert_eq!(f.format, Format::EcLabMpt);
    assert_eq!(f.metadata.software.as_deref(), Some("BT-Lab"));
    assert_eq!(f.spectra.len(), 2);
    let s = &f.spectra[1];
    assert_eq!(s.label, "2");
    assert_eq!(s.z_ohm[2], Complex64::new(11.0, -3.0));
    assert_eq!(s.time_s.as_deref(), Some(&[100.0, 101.0, 102.0][..]));
    assert_eq!(s.dc_current_a.as_deref(), Some(&[2e-3, 2e-3, 2e-3][..]));
    assert_eq!(s.dc_potential_v.as_deref(), Some(&[0.5, 0.5, 0.5][..]));
}

#[test]
fn pstrace_csv_in_utf16_after_a_preamble() {
    let csv = "Date and time measurement:,2024-05-01 10:00:00\r\nImpedance Spectroscopy\r\nfreq / Hz,Z' / Ohm,-Z'' / Ohm,Z / Ohm,-Phase / \u{b0}\r\n1000,10,1,10.05,5.7\r\n100,12,3,12.37,14.0\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(csv.encode_utf16().flat_map(u16::to_le_bytes));
    let f = read("ps.csv", &bytes);
    assert_eq!(f.spectra[0].frequencies_hz, [1000.0, 100.0]);
    assert_eq!(f.spectra[0].z_ohm[1], Complex64::new(12.0, -3.0));
}

#[test]
fn unknown_formats_say_what_they_look_like_in_one_line() {
    let mut binary = vec![0u8, 1, 2, 3, 200, 201];
    binary.extend(std::iter::repeat_n(7u8, 5000));
    let e = parse("x.bin", &binary, &ReadOptions::default()).unwrap_err();
    let shown = crate::diagnostics::render_plain(&e);
    assert!(
        shown.contains("unsupported format: looks like a binary file"),
        "{shown}"
    );
    assert!(shown.contains("export as"), "{shown}");
    // A huge one-line file: the diagnostic quotes at most 200 characters of it.
    let long = format!("{}\n", "x".repeat(100_000));
    let e = parse("long.txt", long.as_bytes(), &ReadOptions::default()).unwrap_err();
    let shown = crate::diagnostics::render_plain(&e);
    assert!(shown.matches('x').count() <= 220, "{shown}");
}

/// A BioLogic `.mpr` in the layout galvani documents: a settings module and a version-2
/// data module with flags, time (f8), frequency, Re(Z), −Im(Z), <Ewe>, <I> (f4) and
/// cycle number (f8); two sweeps of three points.
fn mpr_bytes(version: u32) -> Vec<u8> {
    fn module(name: &str, version: u32, data: &[u8]) -> Vec<u8> {
        let mut m = b"MODULE".to_vec();
        let mut short = name.as_bytes().to_vec();
        short.resize(10, b' ');
        m.extend(short);
        let mut long = b"long name".to_vec();
        long.resize(25, b' ');
        m.extend(long);
        m.extend((data.len() as u32).to_le_bytes());
        m.extend(version.to_le_bytes());
        m.extend(b"05/01/24");
        m.extend(data);
        m
    }
    let ids: [u16; 8] = [1, 4, 32, 37, 38, 77, 76, 24];
    let mut data = Vec::new();
    data.extend(6u32.to_le_bytes());
    data.push(ids.len() as u8);
    if version == 0 {
        data.extend(ids.iter().map(|&i| i as u8));
        data.resize(100, 0);
    } else {
        data.extend(ids.iter().flat_map(|i| i.to_le_bytes()));
        data.resize(if version == 3 { 406 } else { 405 }, 0);
    }
    for (k, f) in [
        (0u8, 1e4f32),
        (0, 1e2),
        (0, 1.0),
        (1, 1e4),
        (1, 1e2),
        (1, 1.0),
    ] {
        let j = data.len();
        data.push(3); // flags byte
        data.extend((k as f64 * 100.0 + j as f64 * 1e-3).to_le_bytes());
        data.extend(f.to_le_bytes());
        data.extend((10.0f32 + k as f32).to_le_bytes());
        data.extend((100.0f32 / f.sqrt()).to_le_bytes());
        data.extend(0.25f32.to_le_bytes());
        data.extend((-2.0f32).to_le_bytes());
        data.extend((k as f64).to_le_bytes());
    }
    let mut out = super::mpr::magic();
    out.extend(module("VMP Set", 0, &[0; 16]));
    out.extend(module("VMP data", version, &data));
    out
}

#[test]
fn biologic_mpr_in_the_documented_layout() {
    for version in [0, 2, 3] {
        let f = read("a.mpr", &mpr_bytes(version));
        assert_eq!(f.format, Format::BioLogicMpr);
        assert_eq!(f.spectra.len(), 2, "version {version}");
        let s = &f.spectra[1];
        assert_eq!(s.frequencies_hz, [1e4, 1e2, 1.0]);
        assert_eq!(s.z_ohm[1], Complex64::new(11.0, -10.0));
        assert_eq!(s.dc_current_a.as_deref(), Some(&[-2e-3, -2e-3, -2e-3][..]));
        assert_eq!(s.dc_potential_v.as_deref(), Some(&[0.25, 0.25, 0.25][..]));
        assert!(s.time_s.as_ref().unwrap()[0] >= 100.0);
        assert_eq!(f.metadata.started.as_deref(), Some("05/01/24"));
    }
    // Cut short: a diagnostic, no panic.
    let bytes = mpr_bytes(2);
    for cut in [60, 120, 300, bytes.len() - 5] {
        let e = parse("a.mpr", &bytes[..cut], &ReadOptions::default()).unwrap_err();
        assert!(matches!(e, DataError::Malformed { .. }), "{cut}: {e}");
    }
}
