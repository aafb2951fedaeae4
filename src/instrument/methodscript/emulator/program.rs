//! Reading a received MethodSCRIPT into a program the emulator can run.
//!
//! Takes the script lines (between `e` and the empty line) and gives a [`Program`]: the main
//! statements and the `on_finished:` block, with measurement loops and `if` blocks nested.
//! The emulator understands the subset that mgp's generator writes plus the common `set_*`
//! commands; anything else is refused at load time with an error code and line, as a device
//! would (codes follow the unofficial emulator listed in the protocol notes).

use crate::instrument::methodscript::value::prefix_exponent;
use std::collections::HashSet;

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    Var(String),
    StoreVar {
        name: String,
        value: f64,
    },
    AddVar {
        target: String,
        source: String,
    },
    /// `set_*` and other settings: `(command, args)`.
    Set {
        command: String,
        args: Vec<String>,
    },
    CellOn,
    CellOff,
    Loop(MeasLoop),
    PckStart,
    PckAdd(String),
    PckEnd,
    If {
        lhs: String,
        op: Cmp,
        rhs: String,
        body: Vec<Stmt>,
    },
    BreakLoop,
}

/// The measurement loops the emulator runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopKind {
    /// `meas_loop_ocp E t_interval t_run`
    Ocp,
    /// `meas_loop_eis f z_re z_im amplitude f_start f_end n_points e_dc`
    Eis,
    /// `meas_loop_cp E I i_dc t_interval t_run`
    Cp,
    /// `meas_loop_cv E I e_begin e_vtx1 e_vtx2 e_step scan_rate [nscans(N)]` (the scan count
    /// is kept as an eighth argument, `1i` when absent)
    Cv,
    /// `meas_loop_lsv E I e_begin e_end e_step scan_rate`
    Lsv,
    /// `meas_loop_ca E I e_dc t_interval t_run`
    Ca,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MeasLoop {
    pub kind: LoopKind,
    pub args: Vec<String>,
    pub body: Vec<Stmt>,
    /// 1-based script line (for runtime errors).
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Cmp {
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
        }
    }
}

/// A loaded script.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Program {
    pub main: Vec<Stmt>,
    pub on_finished: Vec<Stmt>,
}

/// A load error: code and 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub code: &'static str,
    pub line: usize,
}

/// Reads a literal such as `10m`, `-500m`, `78i`, `19.95262m`, `1`.
pub fn literal(text: &str) -> Option<f64> {
    if let Some(int) = text.strip_suffix('i') {
        return int.parse::<i64>().ok().map(|v| v as f64);
    }
    let last = text.chars().last()?;
    if last.is_ascii_alphabetic() {
        let exponent = prefix_exponent(last).filter(|_| last != 'i')?;
        let mantissa: f64 = text[..text.len() - 1].parse().ok()?;
        return Some(mantissa * 10f64.powi(exponent)).filter(|v| v.is_finite());
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A frame of the block stack while loading.
enum Frame {
    Loop(MeasLoop),
    If {
        lhs: String,
        op: Cmp,
        rhs: String,
        body: Vec<Stmt>,
    },
}

/// Parses a script. Lines are the ones received, without their `\n`.
pub fn load(lines: &[String]) -> Result<Program, LoadError> {
    let mut program = Program::default();
    let mut in_finished = false;
    let mut stack: Vec<Frame> = Vec::new();
    let mut declared: HashSet<String> = HashSet::new();
    for (index, raw) in lines.iter().enumerate() {
        let line_no = index + 1;
        let err = |code| LoadError {
            code,
            line: line_no,
        };
        let text = raw.split('#').next().unwrap_or("").trim();
        if text.is_empty() {
            continue;
        }
        let words: Vec<&str> = text.split_whitespace().collect();
        let mut args: Vec<String> = words[1..].iter().map(|s| s.to_string()).collect();
        if words[0] == "meas_loop_cv" {
            // `nscans(N)` is an option, not a variable: keep N as the last argument.
            let scans = match args.last().and_then(|a| a.strip_prefix("nscans(")) {
                Some(rest) => {
                    let n = rest.strip_suffix(')').ok_or(err("4004"))?.to_string();
                    args.pop();
                    n
                }
                None => "1i".to_string(),
            };
            args.push(scans);
        }
        let need = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(err("4004"))
            }
        };
        let known = |name: &str| declared.contains(name) || literal(name).is_some();
        let stmt = match words[0] {
            "on_finished:" => {
                if !stack.is_empty() || in_finished {
                    return Err(err("400C"));
                }
                in_finished = true;
                continue;
            }
            "var" => {
                need(1)?;
                if !declared.insert(args[0].clone()) {
                    return Err(err("4026"));
                }
                Stmt::Var(args[0].clone())
            }
            "store_var" => {
                if args.len() != 3 {
                    return Err(err("4004"));
                }
                let value = literal(&args[1]).ok_or(err("4004"))?;
                declared.insert(args[0].clone());
                Stmt::StoreVar {
                    name: args[0].clone(),
                    value,
                }
            }
            "add_var" => {
                need(2)?;
                if !declared.contains(&args[0]) || !known(&args[1]) {
                    return Err(err("420B"));
                }
                Stmt::AddVar {
                    target: args[0].clone(),
                    source: args[1].clone(),
                }
            }
            "cell_on" => Stmt::CellOn,
            "cell_off" => Stmt::CellOff,
            "pck_start" => Stmt::PckStart,
            "pck_end" => Stmt::PckEnd,
            "pck_add" => {
                need(1)?;
                if !declared.contains(&args[0]) {
                    return Err(err("420B"));
                }
                Stmt::PckAdd(args[0].clone())
            }
            "breakloop" => {
                if !stack.iter().any(|f| matches!(f, Frame::Loop(_))) {
                    return Err(err("400C"));
                }
                Stmt::BreakLoop
            }
            command if command.starts_with("set_") => Stmt::Set {
                command: command.to_string(),
                args,
            },
            "meas_loop_ocp" | "meas_loop_eis" | "meas_loop_cp" | "meas_loop_cv"
            | "meas_loop_lsv" | "meas_loop_ca" => {
                let (kind, n) = match words[0] {
                    "meas_loop_ocp" => (LoopKind::Ocp, 3),
                    "meas_loop_eis" => (LoopKind::Eis, 8),
                    "meas_loop_cv" => (LoopKind::Cv, 8),
                    "meas_loop_lsv" => (LoopKind::Lsv, 6),
                    "meas_loop_ca" => (LoopKind::Ca, 5),
                    _ => (LoopKind::Cp, 5),
                };
                need(n)?;
                if stack.iter().any(|f| matches!(f, Frame::Loop(_))) {
                    return Err(err("400B"));
                }
                if args.iter().any(|a| !known(a)) {
                    return Err(err("420B"));
                }
                stack.push(Frame::Loop(MeasLoop {
                    kind,
                    args,
                    body: Vec::new(),
                    line: line_no,
                }));
                continue;
            }
            "if" => {
                need(3)?;
                let op = match args[1].as_str() {
                    "<" => Cmp::Lt,
                    "<=" => Cmp::Le,
                    ">" => Cmp::Gt,
                    ">=" => Cmp::Ge,
                    "==" => Cmp::Eq,
                    "!=" => Cmp::Ne,
                    _ => return Err(err("4004")),
                };
                if !known(&args[0]) || !known(&args[2]) {
                    return Err(err("420B"));
                }
                stack.push(Frame::If {
                    lhs: args[0].clone(),
                    op,
                    rhs: args[2].clone(),
                    body: Vec::new(),
                });
                continue;
            }
            "endloop" => match stack.pop() {
                Some(Frame::Loop(meas)) => Stmt::Loop(meas),
                _ => return Err(err("400E")),
            },
            "endif" => match stack.pop() {
                Some(Frame::If { lhs, op, rhs, body }) => Stmt::If { lhs, op, rhs, body },
                _ => return Err(err("400E")),
            },
            _ => return Err(err("4001")),
        };
        match stack.last_mut() {
            Some(Frame::Loop(meas)) => meas.body.push(stmt),
            Some(Frame::If { body, .. }) => body.push(stmt),
            None if in_finished => program.on_finished.push(stmt),
            None => program.main.push(stmt),
        }
    }
    if !stack.is_empty() {
        return Err(LoadError {
            code: "4018",
            line: lines.len(),
        });
    }
    Ok(program)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::methodscript::fixture;
    use crate::instrument::methodscript::script::scripts_for_plan;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn literals() {
        assert_eq!(literal("10m"), Some(0.01));
        assert_eq!(literal("78i"), Some(78.0));
        assert_eq!(literal("-500m"), Some(-0.5));
        assert_eq!(literal("1M"), Some(1e6));
        assert_eq!(
            literal("19952620n").map(|v| (v * 1e9).round()),
            Some(19952620.0)
        );
        assert_eq!(literal("2.5k"), Some(2500.0));
        assert_eq!(literal("abc"), None);
        assert_eq!(literal("1x"), None);
    }

    #[test]
    fn loads_every_generated_script() {
        for entry in scripts_for_plan(&fixture::demo_plan()).unwrap() {
            let Some(script) = entry.script else { continue };
            let program = load(&script.lines).unwrap();
            assert!(!program.main.is_empty());
            assert_eq!(program.on_finished, vec![Stmt::CellOff]);
        }
    }

    #[test]
    fn refuses_what_a_device_would() {
        let e = |text: &str| load(&lines(text)).unwrap_err();
        assert_eq!(
            e("var p\nfrobnicate 3"),
            LoadError {
                code: "4001",
                line: 2
            }
        );
        assert_eq!(e("var p\nvar p").code, "4026");
        assert_eq!(e("meas_loop_ocp p 1 10\nendloop").code, "420B");
        assert_eq!(e("var p\nmeas_loop_ocp p 1 10").code, "4018");
        assert_eq!(e("endloop").code, "400E");
        assert_eq!(
            e("var p\nmeas_loop_ocp p 1 10\nmeas_loop_ocp p 1 10\nendloop\nendloop").code,
            "400B"
        );
        assert_eq!(e("breakloop").code, "400C");
        assert_eq!(e("store_var x 1q ja").code, "4004");
    }
}
