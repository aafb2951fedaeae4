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
