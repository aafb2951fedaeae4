//! `mgp emulate`: a MethodSCRIPT device on a pseudo-terminal.
//!
//! Prints the device path (`/dev/pts/N`) as the first line of stdout, then serves until it is
//! stopped (or a `--disconnect-after` fault closes the port, which ends the process). Status
//! messages go to stderr. The protocol gives the cells the scripts name; measurements come
//! from the measurement source (`--source`).

use super::exit;
use crate::instrument::methodscript::capabilities::DeviceType;
use crate::instrument::methodscript::emulator::faults::Faults;
use crate::instrument::methodscript::emulator::pty::open_pty;
use crate::instrument::methodscript::emulator::standin::StandIn;
use crate::instrument::methodscript::emulator::{EmulatorConfig, EmulatorEnd, serve};
use crate::instrument::methodscript::script::Amplitude;
use crate::instrument::sim::{SimInstrument, SimOptions};
use crate::plan::Plan;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// Arguments of `mgp emulate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The protocol whose cells the emulated device is connected to (`.mgp`, or a plan as
    /// JSON from `mgp plan --json`).
    #[arg(long, value_name = "FILE")]
    pub protocol: PathBuf,
    /// Emulated seconds per wall-clock second (`inf`: as fast as possible; `mgp run` then keeps
    /// the plan's times on a virtual clock).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Seed of the measurement source and of fault damage.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The device type to claim (espico, es4_lr, es4_hr, mes4lr, mes4hr, nexus1).
    #[arg(long, default_value = "nexus1")]
    pub device: String,
    /// Where measurements come from.
    #[arg(long, value_enum, default_value_t = SourceKind::Sim)]
    pub source: SourceKind,
    /// Relative EIS noise of the simulator (0: exact model output).
    #[arg(long, default_value_t = SimOptions::default().noise)]
    pub noise: f64,
    /// A simulator parameter override file.
    #[arg(long, value_name = "FILE")]
    pub params: Option<PathBuf>,
    /// How to read the EIS amplitude argument (must match the host's `amplitude=`).
    #[arg(long, value_enum, default_value_t = AmplitudeArg::Rms)]
    pub amplitude: AmplitudeArg,
    /// Faults to inject.
    #[command(flatten)]
    pub faults: Box<FaultArgs>,
}

/// Fault injection options of `mgp emulate` (boxed: they make the arguments large).
#[derive(Debug, clap::Args)]
pub struct FaultArgs {
    /// Close the port after N packets.
    #[arg(long, value_name = "N")]
    pub disconnect_after: Option<u64>,
    /// Go mute (send nothing more) after N packets.
    #[arg(long, value_name = "N")]
    pub silence_after: Option<u64>,
    /// Corrupt packet number N (from 1; repeatable).
    #[arg(long = "corrupt", value_name = "N")]
    pub corrupt: Vec<u64>,
    /// Truncate packet number N (from 1; repeatable).
    #[arg(long = "truncate", value_name = "N")]
    pub truncate: Vec<u64>,
    /// Report a device error after N packets.
    #[arg(long, value_name = "N")]
    pub error_after: Option<u64>,
    /// The error code reported by --error-after (4 hex digits).
    #[arg(long, default_value = "0032", value_name = "XXXX")]
    pub error_code: String,
    /// Flag currents and impedances as overloaded after N packets.
    #[arg(long, value_name = "N")]
    pub overload_after: Option<u64>,
    /// Flag currents and impedances as underloaded after N packets.
    #[arg(long, value_name = "N")]
    pub underload_after: Option<u64>,
    /// Wait this long before answering each command.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub reply_delay_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SourceKind {
    /// The built-in mechanistic simulator.
    Sim,
    /// A Randles-circuit stand-in (tests of the serial path).
    Standin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AmplitudeArg {
    Rms,
    Peak,
}

pub fn run(args: Args) -> u8 {
    let config = match config(&args) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::INVALID;
        }
    };
    let plan = match load_plan(&args.protocol) {
        Ok(plan) => plan,
        Err(code) => return code,
    };
    let pty = match open_pty() {
        Ok(pty) => pty,
        Err(error) => {
            eprintln!("error: cannot open a pseudo-terminal: {error}");
            return exit::RUNTIME;
        }
    };
    // The first line of stdout is the device path; callers wait for it.
    let mut stdout = std::io::stdout();
    if writeln!(stdout, "{}", pty.path.display())
        .and_then(|_| stdout.flush())
        .is_err()
    {
        return exit::RUNTIME;
    }
    eprintln!(
        "emulating a {} on {} at {}x; stop with Ctrl-C",
        config.device.name(),
        pty.path.display(),
        config.speed
    );
    let result = match args.source {
        SourceKind::Sim => {
            // Unpaced: the emulator paces its output itself.
            let options = SimOptions {
                seed: args.seed,
                noise: args.noise,
                params: args.params.clone(),
                pace: None,
                ..SimOptions::default()
            };
            match SimInstrument::new(options) {
                Ok(mut sim) => serve(&pty, &plan, &mut sim, &config),
                Err(error) => {
                    super::eprint_diagnostic(&error);
                    return exit::INVALID;
                }
            }
        }
        SourceKind::Standin => serve(&pty, &plan, &mut StandIn::new(), &config),
    };
    // Closing the port (master and the emulator's own slave) is the disconnect the host sees.
    drop(pty);
    match result {
        Ok(EmulatorEnd::Disconnected) => {
            eprintln!("disconnected (fault injected)");
            exit::OK
        }
        Ok(EmulatorEnd::InputClosed) => exit::OK,
        Err(error) => {
            super::eprint_diagnostic(&error);
            exit::RUNTIME
        }
    }
}

fn config(args: &Args) -> Result<EmulatorConfig, String> {
    let device = DeviceType::parse(&args.device).ok_or_else(|| {
        format!(
            "unknown device type `{}` (espico, es4_lr, es4_hr, mes4lr, mes4hr, nexus1)",
            args.device
        )
    })?;
    if args.speed.is_nan() || args.speed <= 0.0 {
        return Err(format!("--speed must be positive, not {}", args.speed));
    }
    let f = &args.faults;
    let code = f.error_code.to_ascii_uppercase();
    if code.len() != 4 || !code.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "--error-code must be 4 hex digits, not `{}`",
            f.error_code
        ));
    }
    Ok(EmulatorConfig {
        device,
        speed: args.speed,
        seed: args.seed,
        amplitude: match args.amplitude {
            AmplitudeArg::Rms => Amplitude::Rms,
            AmplitudeArg::Peak => Amplitude::Peak,
        },
        faults: Faults {
            disconnect_after: f.disconnect_after,
            silence_after: f.silence_after,
            corrupt: f.corrupt.clone(),
            truncate: f.truncate.clone(),
            error_after: f.error_after.map(|n| (n, code)),
            overload_after: f.overload_after,
            underload_after: f.underload_after,
            reply_delay: Duration::from_millis(f.reply_delay_ms),
        },
    })
}

/// Reads the plan: JSON as written by `mgp plan --json`, else a protocol to check.
fn load_plan(path: &PathBuf) -> Result<Plan, u8> {
    if path.extension().is_some_and(|e| e == "json") {
        let text = std::fs::read_to_string(path).map_err(|error| {
            eprintln!("error: cannot read {}: {error}", path.display());
            exit::INVALID
        })?;
        return serde_json::from_str(&text).map_err(|error| {
            eprintln!("error: {} is not a plan: {error}", path.display());
            exit::INVALID
        });
    }
    match crate::check::check_path(path) {
        Ok(checked) => Ok(checked.plan),
        Err(failure) => {
            super::eprint_diagnostic(&failure);
            Err(exit::INVALID)
        }
    }
}
