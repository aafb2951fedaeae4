//! Protocol snapshots for `mgp test`: a readable text file beside each protocol
//! (`NAME.mgp.snap`) holding what a fixed-seed dry-run produced, compared number by number with
//! a relative tolerance stated in the file itself.
//!
//! Format (one entry per line; `#` lines are comments):
//! ```text
//! # mgp protocol snapshot: written by `mgp test --update`; review changes before committing
//! tolerance = 0.000001
//! seed = 1
//! run.status = completed
//! plan.total_duration_s = 72600
//! step.0 = rest lean planned 72600 s, actual 72600 s, 41 sweeps, 3198 points, 0 samples, completed
//! fit.arc = 41 of 41 sweeps fitted
//! quantity.C_mean = 1.707185411082285e-5 F/cm2
//! expect.0 = O1 pass 4.017305707568224e4 Ohm cm2 [R of arc at 0 h within 15 % of 40 kOhm cm2]
//! ```
//! An expect's verdict is `pass`, `FAIL` or `not-measured` (nothing measured where it looks).
//! The key is everything before the first ` = `. Values are compared token by token: tokens
//! that parse as numbers must agree within the relative tolerance (or 1e-12 absolute near
//! zero); every other token must match exactly.

pub mod protocol;

use std::fmt::Write as _;

/// Relative tolerance used when a snapshot does not state one.
pub const DEFAULT_TOLERANCE: f64 = 1e-6;

/// A parsed snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub tolerance: f64,
    pub entries: Vec<(String, String)>,
}

/// One difference between an expected and an actual snapshot.
#[derive(Debug, Clone, PartialEq)]
pub enum Difference {
    Changed {
        key: String,
        expected: String,
        actual: String,
    },
    Missing {
        key: String,
        expected: String,
    },
    Added {
        key: String,
        actual: String,
    },
}

impl Snapshot {
    pub fn new(tolerance: f64) -> Self {
        Snapshot {
            tolerance,
            entries: Vec::new(),
        }
    }

    pub fn push(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.entries.push((key.into(), value.into()));
    }

    /// Renders the file text.
    pub fn render(&self) -> String {
        let mut out = String::from(
            "# mgp protocol snapshot: written by `mgp test --update`; review changes before committing\n",
        );
        let _ = writeln!(out, "tolerance = {}", self.tolerance);
        for (key, value) in &self.entries {
            let _ = writeln!(out, "{key} = {value}");
        }
        out
    }

    /// Parses a snapshot file; malformed lines are reported by 1-based number.
    pub fn parse(text: &str) -> Result<Snapshot, usize> {
        let mut snapshot = Snapshot::new(DEFAULT_TOLERANCE);
        for (number, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let Some((key, value)) = line.split_once(" = ") else {
                return Err(number + 1);
            };
            if key == "tolerance" {
                snapshot.tolerance = value.trim().parse().map_err(|_| number + 1)?;
            } else {
                snapshot.push(key, value);
            }
        }
        Ok(snapshot)
    }

    /// Compares `actual` against this (expected) snapshot with this snapshot's tolerance.
    pub fn compare(&self, actual: &Snapshot) -> Vec<Difference> {
        let mut differences = Vec::new();
        for (key, expected) in &self.entries {
            match actual.entries.iter().find(|(k, _)| k == key) {
                None => differences.push(Difference::Missing {
                    key: key.clone(),
                    expected: expected.clone(),
                }),
                Some((_, value)) if !values_agree(expected, value, self.tolerance) => differences
                    .push(Difference::Changed {
                        key: key.clone(),
                        expected: expected.clone(),
                        actual: value.clone(),
                    }),
                Some(_) => {}
            }
        }
        for (key, value) in &actual.entries {
            if !self.entries.iter().any(|(k, _)| k == key) {
                differences.push(Difference::Added {
                    key: key.clone(),
                    actual: value.clone(),
                });
            }
        }
        differences
    }
}

fn values_agree(expected: &str, actual: &str, tolerance: f64) -> bool {
    let a: Vec<&str> = expected.split_whitespace().collect();
    let b: Vec<&str> = actual.split_whitespace().collect();
    a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| {
            let strip = |s: &str| s.trim_end_matches([',', ';']).to_string();
            match (strip(x).parse::<f64>(), strip(y).parse::<f64>()) {
                (Ok(x), Ok(y)) => {
                    (x - y).abs() <= tolerance * x.abs().max(y.abs()) || (x - y).abs() <= 1e-12
                }
                _ => x == y,
            }
        })
}

/// Renders differences as a readable diff (`-` expected, `+` actual).
pub fn render_differences(differences: &[Difference]) -> String {
    let mut out = String::new();
    for difference in differences {
        match difference {
            Difference::Changed {
                key,
                expected,
                actual,
            } => {
                let _ = writeln!(out, "  - {key} = {expected}\n  + {key} = {actual}");
            }
            Difference::Missing { key, expected } => {
                let _ = writeln!(out, "  - {key} = {expected}");
            }
            Difference::Added { key, actual } => {
                let _ = writeln!(out, "  + {key} = {actual}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_agree_within_the_stated_tolerance_and_text_exactly() {
        let mut expected = Snapshot::new(1e-3);
        expected.push("quantity.R0", "40000 Ohm cm2");
        expected.push("step.0", "rest lean, 41 sweeps, completed");
        let text = expected.render();
        let parsed = Snapshot::parse(&text).unwrap();
        assert_eq!(parsed, expected);

        let mut actual = Snapshot::new(1e-3);
        actual.push("quantity.R0", "40030 Ohm cm2");
        actual.push("step.0", "rest lean, 41 sweeps, completed");
        assert!(parsed.compare(&actual).is_empty());

        actual.entries[0].1 = "40100 Ohm cm2".into();
        actual.entries[1].1 = "rest lean, 41 sweeps, failed".into();
        actual.push("quantity.new", "1");
        let differences = parsed.compare(&actual);
        assert_eq!(differences.len(), 3);
        let diff = render_differences(&differences);
        assert!(diff.contains("- quantity.R0 = 40000 Ohm cm2"));
        assert!(diff.contains("+ quantity.new = 1"));
    }

    #[test]
    fn malformed_lines_are_reported_by_number() {
        assert_eq!(Snapshot::parse("tolerance = 1e-6\nnonsense\n"), Err(2));
        assert_eq!(Snapshot::parse("tolerance = x\n"), Err(1));
    }
}
