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
    /// Time stamp of the point (s).
    Time,
    /// DC potential during the point (V).
    Potential,
    /// DC current during the point (A).
    Current,
    /// |Z| (Ω), with [`Role::Phase`] when the file is polar.
    Modulus,
    /// Phase of Z (radians after the factor).
    Phase,
    /// The header says the column holds −phase.
    NegPhase,
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

impl Column {
    /// A column at `index` with no unit factor.
    pub fn plain(index: usize, role: Role) -> Column {
        Column {
            index,
            role,
            factor: 1.0,
            areal: false,
        }
    }
}

const FREQUENCY: &[&str] = &["freq", "frequency", "f", "freq.", "frequencies"];
const REAL: &[&str] = &[
    "z'", "z′", "zreal", "z_real", "z.real", "re(z)", "rez", "re_z", "zre", "z_re", "real", "zr",
    "z_r", "re", "realz", "real(z)", "zprime", "z1", "z'(a)",
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
    "z''(b)",
    "zimg",
    "imaginary",
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

const TIME: &[&str] = &["time", "t", "elapsedtime", "time(sec)", "timestamp"];
const POTENTIAL: &[&str] = &[
    "edc",
    "vdc",
    "e",
    "ewe",
    "<ewe>",
    "potential",
    "bias",
    "dcpotential",
    "e_dc",
    "ecell",
];
const CURRENT: &[&str] = &["idc", "i", "<i>", "current", "dccurrent", "i_dc"];
const MODULUS: &[&str] = &[
    "|z|", "z", "mod(z)", "zmod", "modz", "modulus", "abs(z)", "|z|(ohm)",
];
const PHASE: &[&str] = &[
    "phase",
    "phase(z)",
    "zphz",
    "phz",
    "phi",
    "phaseangle",
    "theta",
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

/// Unit spellings of vendor headers that the units table does not know.
const EXTRA_UNITS: &[&str] = &[
    "ohm", "ohms", "deg", "deg.", "°", "degree", "degrees", "rad", "sec", "s",
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
            if units::lookup(inside).is_some()
                || EXTRA_UNITS.contains(&inside.to_ascii_lowercase().as_str())
            {
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
    let b = bare.as_str();
    let role = if FREQUENCY.contains(&b) && !negated {
        Role::Frequency
    } else if REAL.contains(&b) {
        // `-Z'` holds −Z': a real column with factor −1.
        Role::Real
    } else if IMAG.contains(&b) {
        if negated { Role::NegImag } else { Role::Imag }
    } else if SPECTRUM.contains(&b) && !negated {
        Role::Spectrum
    } else if TIME.contains(&b) && !negated {
        Role::Time
    } else if POTENTIAL.contains(&b) && !negated {
        Role::Potential
    } else if CURRENT.contains(&b) && !negated {
        Role::Current
    } else if MODULUS.contains(&b) && !negated {
        Role::Modulus
    } else if PHASE.contains(&b) {
        if negated { Role::NegPhase } else { Role::Phase }
    } else {
        return None;
    };
    let unit_word = unit.as_deref().map(|u| u.trim().to_ascii_lowercase());
    let sign = if negated && role == Role::Real {
        -1.0
    } else {
        1.0
    };
    let (factor, areal) = match (role, unit.as_deref().and_then(units::lookup)) {
        (Role::Phase | Role::NegPhase, _) => match unit_word.as_deref() {
            Some("rad") => (1.0, false),
            _ => (std::f64::consts::PI / 180.0, false),
        },
        (Role::Time, Some(u)) if u.dimension == Dimension::Time => (u.factor, false),
        (Role::Potential, Some(u)) if u.dimension == Dimension::Potential => (u.factor, false),
        (Role::Current, Some(u)) if u.dimension == Dimension::Current => (u.factor, false),
        (Role::Modulus, Some(u)) if u.dimension == Dimension::Resistance => (u.factor, false),
        (Role::Modulus, Some(u)) if u.dimension == Dimension::ArealResistance => (u.factor, true),
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
        factor: factor * sign,
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
    for role in [
        Role::Frequency,
        Role::Real,
        Role::Time,
        Role::Potential,
        Role::Current,
        Role::Modulus,
    ] {
        if let Some(c) = all.iter().find(|c| c.role == role) {
            out.push(*c);
        }
    }
    for roles in [[Role::Imag, Role::NegImag], [Role::Phase, Role::NegPhase]] {
        if let Some(c) = all.iter().find(|c| roles.contains(&c.role)) {
            out.push(*c);
        }
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
        Role::Time => TIME,
        Role::Potential => POTENTIAL,
        Role::Current => CURRENT,
        Role::Modulus => MODULUS,
        Role::Phase | Role::NegPhase => PHASE,
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
                (3, Role::Modulus),
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
