//! Settings of the MethodSCRIPT driver, and the `--instrument methodscript:…` spelling of them.
//!
//! Takes a spec such as `/dev/ttyACM0,baud=921600,timeout=3,amplitude=peak` and gives the port
//! and a [`MethodScriptOptions`]. Everything the public protocol sources leave open (amplitude
//! convention, EIS frequency spacing, sign of Z″, literal style) is a setting here, with the
//! reading of the sources as default.

use super::capabilities::{Capabilities, DeviceType};
use super::operator::OperatorMode;
use super::script::{Amplitude, EisFrequencies, ScriptOptions};
use super::value::LiteralStyle;

/// How the driver talks to a device.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodScriptOptions {
    /// Serial speed; `None`: 230400 first (EmStat Pico), then 921600 (EmStat4, Nexus).
    pub baud: Option<u32>,
    /// Longest silence allowed beyond what the plan predicts, s.
    pub timeout_s: f64,
    /// A package may take `timeout_slack` times its planned interval before the silence
    /// counts (`timeout_s` is added on top).
    pub timeout_slack: f64,
    /// Instrument seconds per wall-clock second. `None`: 1 for a device, the advertised
    /// speed for the mgp emulator.
    pub clock_scale: Option<f64>,
    /// Use this device type instead of the identified one.
    pub device_type: Option<DeviceType>,
    /// Use these capabilities instead of the nominal ones of the device type.
    pub capabilities: Option<Capabilities>,
    pub literal_style: LiteralStyle,
    pub eis_frequencies: EisFrequencies,
    pub amplitude: Amplitude,
    pub ocp_before_eis_s: f64,
    /// Also end galvanostatic loops on the device at a limit.
    pub device_limits: bool,
    pub max_line_chars: usize,
    /// The device reports −Z″ in `cd` (the host negates it to keep Z″ signed).
    pub z_imag_negated: bool,
    /// After this many unparseable lines in a row the link is considered broken.
    pub max_consecutive_corrupt: usize,
    /// Abort a script that is running when connecting (otherwise connecting fails).
    pub take_over_busy: bool,
    pub operator: OperatorMode,
}

impl Default for MethodScriptOptions {
    fn default() -> Self {
        MethodScriptOptions {
            baud: None,
            timeout_s: 5.0,
            timeout_slack: 2.0,
            clock_scale: None,
            device_type: None,
            capabilities: None,
            literal_style: LiteralStyle::Integer,
            eis_frequencies: EisFrequencies::Sweep,
            amplitude: Amplitude::Rms,
            ocp_before_eis_s: 0.1,
            device_limits: true,
            max_line_chars: 128,
            z_imag_negated: false,
            max_consecutive_corrupt: 10,
            take_over_busy: false,
            operator: OperatorMode::Interactive,
        }
    }
}

impl MethodScriptOptions {
    /// Script options for a device with these capabilities.
    pub fn script_options(&self, capabilities: Capabilities) -> ScriptOptions {
        ScriptOptions {
            capabilities,
            literal_style: self.literal_style,
            eis_frequencies: self.eis_frequencies,
            amplitude: self.amplitude,
            ocp_before_eis_s: self.ocp_before_eis_s,
            device_limits: self.device_limits,
            max_line_chars: self.max_line_chars,
        }
    }

    /// The settings that differ from the defaults, in the `key=value,…` form
    /// [`Self::parse_spec`] reads (recorded in the manifest, so a resumed run reconnects alike).
    /// Capabilities given as data and the operator mode are not spec settings.
    pub fn settings(&self) -> String {
        let d = MethodScriptOptions::default();
        let mut out: Vec<String> = Vec::new();
        let on_off = |b: bool| if b { "on" } else { "off" };
        if let Some(baud) = self.baud {
            out.push(format!("baud={baud}"));
        }
        if self.timeout_s != d.timeout_s {
            out.push(format!("timeout={}", self.timeout_s));
        }
        if self.timeout_slack != d.timeout_slack {
            out.push(format!("slack={}", self.timeout_slack));
        }
        if let Some(speed) = self.clock_scale {
            out.push(format!("speed={speed}"));
        }
        if let Some(device) = self.device_type {
            out.push(format!("device={}", device.code()));
        }
        if self.amplitude != d.amplitude {
            out.push("amplitude=peak".into());
        }
        if self.eis_frequencies != d.eis_frequencies {
            out.push("eis=per_frequency".into());
        }
        if self.literal_style != d.literal_style {
            out.push("literals=decimal".into());
        }
        if self.device_limits != d.device_limits {
            out.push(format!("device_limits={}", on_off(self.device_limits)));
        }
        if self.z_imag_negated != d.z_imag_negated {
            out.push("zimag=negated".into());
        }
        if self.max_consecutive_corrupt != d.max_consecutive_corrupt {
            out.push(format!("max_corrupt={}", self.max_consecutive_corrupt));
        }
        if self.take_over_busy != d.take_over_busy {
            out.push(format!("take_over={}", on_off(self.take_over_busy)));
        }
        out.join(",")
    }

    /// Parses `PORT[,key=value…]` (the part after `methodscript:`). Keys: `baud`, `timeout`
    /// (s), `slack`, `speed` (clock scale), `device` (`espico`, `es4_hr`, `nexus`…),
    /// `amplitude` (`rms`|`peak`), `eis` (`sweep`|`per_frequency`), `literals`
    /// (`integer`|`decimal`), `device_limits` (`on`|`off`), `zimag` (`as_sent`|`negated`),
    /// `max_corrupt`, `take_over` (`yes`|`no`).
    pub fn parse_spec(spec: &str) -> Result<(String, MethodScriptOptions), SpecError> {
        let mut parts = spec.split(',');
        let port = parts.next().unwrap_or("").trim().to_string();
        if port.is_empty() {
            return Err(SpecError::new(
                spec,
                "the serial port is missing",
                "methodscript:/dev/ttyACM0",
            ));
        }
        let mut options = MethodScriptOptions::default();
        for part in parts {
            let Some((key, value)) = part.split_once('=') else {
                return Err(SpecError::new(
                    spec,
                    &format!("`{part}` is not key=value"),
                    "baud=921600",
                ));
            };
            let (key, value) = (key.trim(), value.trim());
            let bad = |expected: &str| {
                SpecError::new(spec, &format!("`{value}` is not a valid {key}"), expected)
            };
            let number = || {
                value
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v > 0.0)
            };
            match key {
                "baud" => options.baud = Some(value.parse().map_err(|_| bad("baud=921600"))?),
                "timeout" => options.timeout_s = number().ok_or_else(|| bad("timeout=5"))?,
                "slack" => options.timeout_slack = number().ok_or_else(|| bad("slack=2"))?,
                "speed" => options.clock_scale = Some(number().ok_or_else(|| bad("speed=100"))?),
                "device" => {
                    options.device_type =
                        Some(DeviceType::parse(value).ok_or_else(|| bad("device=es4_hr"))?)
                }
                "amplitude" => {
                    options.amplitude = match value {
                        "rms" => Amplitude::Rms,
                        "peak" => Amplitude::Peak,
                        _ => return Err(bad("amplitude=rms or amplitude=peak")),
                    }
                }
                "eis" => {
                    options.eis_frequencies = match value {
                        "sweep" => EisFrequencies::Sweep,
                        "per_frequency" => EisFrequencies::PerFrequency,
                        _ => return Err(bad("eis=sweep or eis=per_frequency")),
                    }
                }
                "literals" => {
                    options.literal_style = match value {
                        "integer" => LiteralStyle::Integer,
                        "decimal" => LiteralStyle::Decimal,
                        _ => return Err(bad("literals=integer or literals=decimal")),
                    }
                }
                "device_limits" => {
                    options.device_limits = switch(value).ok_or_else(|| bad("device_limits=on"))?
                }
                "zimag" => {
                    options.z_imag_negated = match value {
                        "as_sent" => false,
                        "negated" => true,
                        _ => return Err(bad("zimag=as_sent or zimag=negated")),
                    }
                }
                "max_corrupt" => {
                    options.max_consecutive_corrupt =
                        value.parse().map_err(|_| bad("max_corrupt=10"))?
                }
                "take_over" => {
                    options.take_over_busy = switch(value).ok_or_else(|| bad("take_over=yes"))?
                }
                _ => {
                    let known = [
                        "baud",
                        "timeout",
                        "slack",
                        "speed",
                        "device",
                        "amplitude",
                        "eis",
                        "literals",
                        "device_limits",
                        "zimag",
                        "max_corrupt",
                        "take_over",
                    ];
                    let suggestion = known
                        .iter()
                        .max_by(|a, b| {
                            strsim::jaro_winkler(a, key).total_cmp(&strsim::jaro_winkler(b, key))
                        })
                        .filter(|k| strsim::jaro_winkler(k, key) > 0.8)
                        .map(|k| format!("did you mean `{k}`?"))
                        .unwrap_or_else(|| format!("known keys: {}", known.join(", ")));
                    return Err(SpecError {
                        spec: spec.to_string(),
                        problem: format!("unknown setting `{key}`"),
                        help: suggestion,
                    });
                }
            }
        }
        Ok((port, options))
    }
}

fn switch(value: &str) -> Option<bool> {
    match value {
        "on" | "yes" | "true" => Some(true),
        "off" | "no" | "false" => Some(false),
        _ => None,
    }
}

/// A `methodscript:` spec that cannot be read.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
#[error("invalid instrument `methodscript:{spec}`: {problem}")]
#[diagnostic(code(mgp::cli::instrument_spec))]
pub struct SpecError {
    pub spec: String,
    pub problem: String,
    #[help]
    pub help: String,
}

impl SpecError {
    fn new(spec: &str, problem: &str, example: &str) -> Self {
        SpecError {
            spec: spec.to_string(),
            problem: problem.to_string(),
            help: format!("for example `{example}`"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_spec() {
        let (port, o) = MethodScriptOptions::parse_spec(
            "/dev/pts/3,baud=921600,speed=100,amplitude=peak,device=es4_hr",
        )
        .unwrap();
        assert_eq!(port, "/dev/pts/3");
        assert_eq!(o.baud, Some(921600));
        assert_eq!(o.clock_scale, Some(100.0));
        assert_eq!(o.amplitude, Amplitude::Peak);
        assert_eq!(o.device_type, Some(DeviceType::EmStat4Hr));
    }

    #[test]
    fn settings_round_trip_through_a_spec() {
        let spec = "/dev/x,baud=921600,timeout=3,slack=4,speed=250,device=es4_hr,amplitude=peak,\
                    eis=per_frequency,literals=decimal,device_limits=off,zimag=negated,\
                    max_corrupt=3,take_over=yes";
        let (_, options) = MethodScriptOptions::parse_spec(spec).unwrap();
        let again = format!("/dev/x,{}", options.settings());
        assert_eq!(MethodScriptOptions::parse_spec(&again).unwrap().1, options);
        assert_eq!(MethodScriptOptions::default().settings(), "");
    }

    #[test]
    fn reports_bad_specs() {
        assert!(MethodScriptOptions::parse_spec("").is_err());
        let e = MethodScriptOptions::parse_spec("/dev/x,timout=3").unwrap_err();
        assert_eq!(e.help, "did you mean `timeout`?");
        let e = MethodScriptOptions::parse_spec("/dev/x,speed=-1").unwrap_err();
        assert!(e.problem.contains("-1"));
        assert!(MethodScriptOptions::parse_spec("/dev/x,baud").is_err());
    }
}
