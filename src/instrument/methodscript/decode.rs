//! Turning data packages into readings, per script kind.
//!
//! Takes a [`Package`] and the kind of script that produced it and gives a
//! [`Reading`], or says why it cannot (a variable missing, as in a truncated line, or `nan`).
//! Timed loops (OCP, galvanostatic) are stamped on the device's own schedule, `loop start +
//! (k+1) × interval`, since the device keeps that timing (and flags it when it cannot); EIS
//! points are stamped when they arrive. Status flags are turned into warnings when they change
//! ([`StatusWatch`]), so a long overload gives one warning at its start and one at its end
//! rather than one per point.

use super::packet::{
    Package, STATUS_OVERLOAD, STATUS_OVERLOAD_WARNING, STATUS_TIMING_ERROR, STATUS_UNDERLOAD, Var,
    status_text,
};
use super::script::ScriptKind;
use super::vartype::{Quantity, describe, quantity};
use crate::instrument::Reading;
use std::collections::HashMap;

/// Decoding state of one script's output.
#[derive(Debug, Clone)]
pub struct Decoder {
    pub kind: ScriptKind,
    /// Sampling interval of timed loops.
    pub interval_s: Option<f64>,
    /// Applied current, used when a galvanostatic package carries no current.
    pub planned_current_a: Option<f64>,
    /// The device sends −Z″ in `cd`.
    pub z_imag_negated: bool,
    /// Samples per scan of a cyclic voltammogram (for the scan index of each sample).
    pub samples_per_scan: Option<usize>,
    loop_start_s: f64,
    samples: usize,
}

impl Decoder {
    pub fn new(kind: ScriptKind, interval_s: Option<f64>, start_s: f64) -> Self {
        Decoder {
            kind,
            interval_s,
            planned_current_a: None,
            z_imag_negated: false,
            samples_per_scan: None,
            loop_start_s: start_s,
            samples: 0,
        }
    }

    /// A measurement loop started (`M…`) at `now_s`: timed samples count from here.
    pub fn loop_started(&mut self, now_s: f64) {
        self.loop_start_s = now_s;
        self.samples = 0;
    }

    /// The reading of one package, or why there is none.
    pub fn decode(&mut self, package: &Package, now_s: f64) -> Result<Reading, String> {
        let reading = match self.kind {
            ScriptKind::Ocp | ScriptKind::Rest => Reading::Ocv {
                t_s: self.sample_time(now_s),
                potential_v: value(pick(package, "ab", Quantity::Potential)?)?,
            },
            ScriptKind::Galvanostatic => {
                let potential_v = value(pick(package, "ab", Quantity::Potential)?)?;
                let current_a = match pick(package, "ba", Quantity::Current) {
                    Ok(var) => value(var)?,
                    Err(missing) => self.planned_current_a.ok_or(missing)?,
                };
                Reading::Galvano {
                    t_s: self.sample_time(now_s),
                    potential_v,
                    current_a,
                }
            }
            ScriptKind::Eis => {
                // Both components are impedances: no fallback by quantity here.
                let z_imag = value(package.get("cd").ok_or("no Z imaginary (cd)")?)?;
                Reading::EisPoint {
                    t_s: now_s,
                    frequency_hz: value(pick(package, "dc", Quantity::Frequency)?)?,
                    z_real_ohm: value(package.get("cc").ok_or("no Z real (cc)")?)?,
                    z_imag_ohm: if self.z_imag_negated { -z_imag } else { z_imag },
                }
            }
            ScriptKind::Cv | ScriptKind::Lsv | ScriptKind::Ca => {
                let potential_v = value(pick(package, "ab", Quantity::Potential)?)?;
                let current_a = value(pick(package, "ba", Quantity::Current)?)?;
                Reading::Potentiostatic {
                    t_s: self.sample_time(now_s),
                    potential_v,
                    current_a,
                    scan: self.scan(),
                }
            }
            ScriptKind::CellOff | ScriptKind::Operator => {
                return Err("a data package from a script that measures nothing".into());
            }
        };
        Ok(reading)
    }

    /// The 1-based scan of a cyclic voltammogram the current sample is in.
    fn scan(&self) -> Option<usize> {
        match (self.kind, self.samples_per_scan) {
            (ScriptKind::Cv, Some(n)) if n > 0 => Some((self.samples.saturating_sub(1)) / n + 1),
            (ScriptKind::Cv | ScriptKind::Lsv, _) => Some(1),
            _ => None,
        }
    }

    fn sample_time(&mut self, now_s: f64) -> f64 {
        self.samples += 1;
        match self.interval_s {
            Some(interval) => self.loop_start_s + self.samples as f64 * interval,
            None => now_s,
        }
    }
}

/// The variable with `id`, else the first one measuring `quantity`.
fn pick<'a>(package: &'a Package, id: &str, wanted: Quantity) -> Result<&'a Var, String> {
    package
        .get(id)
        .or_else(|| package.vars.iter().find(|v| quantity(&v.id) == wanted))
        .ok_or_else(|| format!("no {} ({id})", describe(id)))
}

fn value(var: &Var) -> Result<f64, String> {
    var.value
        .ok_or_else(|| format!("the device sent nan for {}", describe(&var.id)))
}

/// Remembers each variable's status so that only changes become warnings.
#[derive(Debug, Clone, Default)]
pub struct StatusWatch {
    last: HashMap<String, u8>,
}

const FLAGS: u8 =
    STATUS_TIMING_ERROR | STATUS_OVERLOAD | STATUS_UNDERLOAD | STATUS_OVERLOAD_WARNING;

impl StatusWatch {
    /// Warning texts for the status changes in `package`.
    pub fn changes(&mut self, package: &Package) -> Vec<String> {
        let mut out = Vec::new();
        for var in &package.vars {
            let Some(status) = var.status else { continue };
            let status = status & FLAGS;
            let before = self.last.insert(var.id.clone(), status).unwrap_or(0);
            if status == before {
                continue;
            }
            let range = var
                .range
                .map(|r| format!(" (range index 0x{r:02X})"))
                .unwrap_or_default();
            out.push(if status == 0 {
                format!("{}: back to ok{range}", describe(&var.id))
            } else {
                format!("{}: {}{range}", describe(&var.id), status_text(status))
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::methodscript::packet::{DeviceLine, parse_line};

    fn pkg(line: &str) -> Package {
        match parse_line(line.as_bytes()) {
            DeviceLine::Package(p) => p,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn eis_points_and_sign_option() {
        let p = pkg("PdcDF5DFF4u;cc896D904m,10,287;cd82DB1A8u,10,287");
        let mut d = Decoder::new(ScriptKind::Eis, None, 0.0);
        let Reading::EisPoint {
            frequency_hz,
            z_imag_ohm,
            t_s,
            ..
        } = d.decode(&p, 7.0).unwrap()
        else {
            panic!()
        };
        assert!((frequency_hz - 100.0).abs() < 1e-3);
        assert!(z_imag_ohm > 0.0);
        assert_eq!(t_s, 7.0);
        d.z_imag_negated = true;
        let Reading::EisPoint { z_imag_ohm, .. } = d.decode(&p, 7.0).unwrap() else {
            panic!()
        };
        assert!(z_imag_ohm < 0.0);
        assert!(d.decode(&pkg("PdcDF5DFF4u;cc896D904m"), 1.0).is_err());
    }

    #[test]
    fn timed_samples_follow_the_device_schedule() {
        let mut d = Decoder::new(ScriptKind::Galvanostatic, Some(2.0), 0.0);
        d.planned_current_a = Some(1e-3);
        d.loop_started(10.0);
        let r1 = d.decode(&pkg("Pab8000001m"), 13.7).unwrap();
        let r2 = d.decode(&pkg("Pab8000002m;ba8000003u"), 13.9).unwrap();
        assert_eq!(
            r1,
            Reading::Galvano {
                t_s: 12.0,
                potential_v: 1e-3,
                current_a: 1e-3
            }
        );
        assert_eq!(
            r2,
            Reading::Galvano {
                t_s: 14.0,
                potential_v: 2e-3,
                current_a: 3e-6
            }
        );
        assert!(
            d.decode(&pkg("Pab     nan"), 1.0)
                .unwrap_err()
                .contains("nan")
        );
    }

    #[test]
    fn status_changes_only() {
        let mut watch = StatusWatch::default();
        assert!(watch.changes(&pkg("Pba8000000a,10,284")).is_empty());
        assert_eq!(
            watch.changes(&pkg("Pba8000000a,12,284")),
            vec!["ba (WE current): overload (range index 0x84)"]
        );
        assert!(watch.changes(&pkg("Pba8000000a,12,284")).is_empty());
        assert_eq!(
            watch.changes(&pkg("Pba8000000a,10,284")),
            vec!["ba (WE current): back to ok (range index 0x84)"]
        );
    }
}
