//! Recognising the columns of a header: the common spellings of frequency, Z', Z'' (and
//! −Z''), and of a spectrum/cycle column, with the unit written in the header applied
//! (`freq/Hz`, `Z' (kOhm)`, `-Im(Z)/Ohm`, `Frequency [Hz]`).

use crate::units::{self, Dimension};

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Frequency,
    Real,
    Imag,
    /// The header says the column holds −Z'' (`-Im(Z)`, `-Z''`).
    NegImag,
    Spectrum,
}

/// A recognised column: its index, role and the factor to Hz or Ω.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    pub index: usize,
    pub role: Role,
    pub factor: f64,
    /// The unit was per cm² (Ω·cm²): values are areal.
    pub areal: bool,
}

const FREQUENCY: &[&str] = &["freq", "frequency", "f", "freq.", "frequencies"];
const REAL: &[&str] = &[
    "z'", "z′", "zreal", "z_real", "z.real", "re(z)", "rez", "re_z", "zre", "z_re", "real", "zr",
    "z_r", "re", "realz", "real(z)", "zprime", "z1",
];
const IMAG: &[&str] = &[
    "z''",
    "z\"",
    "z′′",
    "z″",
    "zimag",
    "z_imag",
    "z.imag",
    "im(z)",
    "imz",
    "im_z",
    "zim",
    "z_im",
    "imag",
    "zi",
    "z_i",
    "im",
    "imagz",
    "imag(z)",
    "zdoubleprime",
    "z2",
];
/// Preferred first: an explicit spectrum column, then EC-Lab's `z cycle`, then `cycle number`.
const SPECTRUM: &[&str] = &[
    "spectrum",
    "zcycle",
    "cyclenumber",
    "cycle",
    "sweep",
    "loop",
];

/// Unit suffixes of snake_case column names, longest first.
const SNAKE_UNITS: &[(&str, &str)] = &[
    ("_kohm_cm2", "kOhm cm2"),
    ("_ohm_cm2", "Ohm cm2"),
    ("_kohm", "kOhm"),
    ("_ohm", "Ohm"),
    ("_khz", "kHz"),
    ("_mhz", "mHz"),
    ("_hz", "Hz"),
];

/// Splits a header cell into a normalised name and the unit it states, if any.
fn name_and_unit(cell: &str) -> (String, Option<String>) {
    let cell = cell.trim();
    let (mut name, mut unit) = (cell.to_string(), None);
    if let Some(open) = cell.rfind(['[', '(']) {
        let close = if cell[open..].starts_with('[') {
            ']'
        } else {
            ')'
        };
        if cell.ends_with(close) && open > 0 {
            let inside = &cell[open + 1..cell.len() - 1];
            // `Re(Z)` is a name, `Z' (Ohm)` a unit: only known units are taken off.
            if units::lookup(inside).is_some() || inside.eq_ignore_ascii_case("ohm") {
                unit = Some(inside.to_string());
                name = cell[..open].to_string();
            }
        }
    }
    if unit.is_none() {
        if let Some((n, u)) = cell.rsplit_once('/') {
            unit = Some(u.to_string());
            name = n.to_string();
        }
    }
    if unit.is_none() {
        // snake_case with the unit last, as mgp's own run folders write (`freq_hz`,
        // `z_real_ohm`, `z_imag_ohm_cm2`). `_mohm` is left alone: milli or mega?
        let lower = cell.to_ascii_lowercase();
        for (suffix, spelled) in SNAKE_UNITS {
            if let Some(n) = lower.strip_suffix(suffix) {
                unit = Some(spelled.to_string());
                name = n.to_string();
                break;
            }
        }
    }
    let name: String = name
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    (name, unit)
}

/// The role of one header cell, if it is one we know.
pub fn classify(index: usize, cell: &str) -> Option<Column> {
    let (name, unit) = name_and_unit(cell);
    let (negated, bare) = match name.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, name.clone()),
    };
    let role = if FREQUENCY.contains(&bare.as_str()) && !negated {
        Role::Frequency
    } else if REAL.contains(&bare.as_str()) && !negated {
        Role::Real
    } else if IMAG.contains(&bare.as_str()) {
        if negated { Role::NegImag } else { Role::Imag }
    } else if SPECTRUM.contains(&bare.as_str()) && !negated {
        Role::Spectrum
    } else {
        return None;
    };
    let (factor, areal) = match (role, unit.as_deref().and_then(units::lookup)) {
        (Role::Frequency, Some(u)) if u.dimension == Dimension::Frequency => (u.factor, false),
        (Role::Real | Role::Imag | Role::NegImag, Some(u))
            if u.dimension == Dimension::Resistance =>
        {
            (u.factor, false)
        }
        (Role::Real | Role::Imag | Role::NegImag, Some(u))
            if u.dimension == Dimension::ArealResistance =>
        {
            (u.factor, true)
        }
        _ => (1.0, false),
    };
    Some(Column {
        index,
        role,
        factor,
        areal,
    })
}

/// The columns of a header: the first of each role, the spectrum column by preference.
pub fn recognise(cells: &[&str]) -> Vec<Column> {
    let all: Vec<Column> = cells
        .iter()
        .enumerate()
        .filter_map(|(i, c)| classify(i, c))
        .collect();
    let mut out: Vec<Column> = Vec::new();
    for role in [Role::Frequency, Role::Real] {
        if let Some(c) = all.iter().find(|c| c.role == role) {
            out.push(*c);
        }
    }
    if let Some(c) = all
        .iter()
        .find(|c| matches!(c.role, Role::Imag | Role::NegImag))
    {
        out.push(*c);
    }
    let spectrum = SPECTRUM.iter().find_map(|want| {
        all.iter()
            .find(|c| c.role == Role::Spectrum && name_and_unit(cells[c.index]).0 == *want)
    });
    if let Some(c) = spectrum {
        out.push(*c);
    }
    out
}

/// The header cell names that were not recognised, for "did you mean" help.
pub fn spellings_help(what: Role) -> String {
    let list: &[&str] = match what {
        Role::Frequency => FREQUENCY,
        Role::Real => REAL,
        Role::Imag | Role::NegImag => IMAG,
        Role::Spectrum => SPECTRUM,
    };
    let shown: Vec<String> = list.iter().take(6).map(|s| format!("`{s}`")).collect();
    format!(
        "name it one of {} (any case, with a unit such as `/Hz` or `(Ohm)`)",
        shown.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_spellings() {
        let ec_lab = [
            "freq/Hz",
            "Re(Z)/Ohm",
            "-Im(Z)/Ohm",
            "|Z|/Ohm",
            "cycle number",
            "z cycle",
        ];
        let cols = recognise(&ec_lab);
        let roles: Vec<(usize, Role)> = cols.iter().map(|c| (c.index, c.role)).collect();
        assert_eq!(
            roles,
            [
                (0, Role::Frequency),
                (1, Role::Real),
                (2, Role::NegImag),
                (5, Role::Spectrum)
            ]
        );
        let plain = ["Frequency (Hz)", "Z' (kOhm)", "Z'' (kOhm)"];
        let cols = recognise(&plain);
        assert_eq!(cols[1].factor, 1e3);
        assert_eq!(cols[2].role, Role::Imag);
        let run = recognise(&["freq_hz", "z_real_ohm", "z_imag_ohm", "time_s"]);
        assert_eq!(
            run.iter().map(|c| (c.index, c.role)).collect::<Vec<_>>(),
            [(0, Role::Frequency), (1, Role::Real), (2, Role::Imag)]
        );
        let areal = recognise(&["f [mHz]", "zreal [Ohm cm2]", "-zimag [Ohm cm2]"]);
        assert_eq!(areal[0].factor, 1e-3);
        assert!(areal[1].areal && areal[2].role == Role::NegImag);
    }
}
