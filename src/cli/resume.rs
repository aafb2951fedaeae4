//! Which instrument `mgp run --resume RUN_DIR` continues on.
//!
//! A resumed run continues on the instrument recorded in its manifest: the simulator with its
//! recorded seed, noise and spread (so the replayed history is the same), or the MethodSCRIPT
//! device on its recorded port with its recorded settings. An explicit `--instrument` of the
//! same kind replaces it (a device that came back on another port); one of another kind is
//! refused unless `--switch-instrument` is given, since data from a simulator and a device in
//! one run folder is almost always a mistake.

use super::run::InstrumentSpec;
use crate::instrument::InstrumentInfo;
use crate::instrument::methodscript::MethodScriptOptions;

/// The instrument a resumed run cannot use, or cannot find in its manifest.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ResumeError {
    #[error(
        "the run in `{dir}` was measured on {recorded}; resuming it on {requested} would mix \
         two kinds of instrument in one run"
    )]
    #[diagnostic(
        code(mgp::run::resume_instrument),
        help(
            "leave out --instrument to continue on {recorded}, or add --switch-instrument if \
             mixing them is really intended"
        )
    )]
    KindMismatch {
        dir: String,
        recorded: String,
        requested: String,
    },
    #[error("the manifest of `{dir}` records an instrument mgp cannot reopen: {problem}")]
    #[diagnostic(
        code(mgp::run::resume_manifest),
        help("name the instrument with --instrument methodscript:PORT (or sim)")
    )]
    Unreadable { dir: String, problem: String },
}

/// The short name of an instrument kind, for messages.
fn kind_name(kind: &str) -> String {
    match kind {
        "sim" => "the simulator".into(),
        "methodscript" => "a MethodSCRIPT device".into(),
        other => format!("instrument `{other}`"),
    }
}

fn spec_kind(spec: &InstrumentSpec) -> &'static str {
    match spec {
        InstrumentSpec::Sim => "sim",
        InstrumentSpec::MethodScript(..) => "methodscript",
    }
}

/// Rebuilds the instrument spec recorded in a manifest.
pub fn recorded_spec(info: &InstrumentInfo, dir: &str) -> Result<InstrumentSpec, ResumeError> {
    let unreadable = |problem: String| ResumeError::Unreadable {
        dir: dir.to_string(),
        problem,
    };
    match info.kind.as_str() {
        "sim" => Ok(InstrumentSpec::Sim),
        "methodscript" => {
            let parameters = &info.parameters;
            let port = parameters["port"]
                .as_str()
                .filter(|p| !p.is_empty())
                .ok_or_else(|| unreadable("no serial port".into()))?;
            // Runs since `settings` was recorded give it; older ones only their baud rate.
            let settings = match parameters["settings"].as_str() {
                Some(settings) => settings.to_string(),
                None => parameters["baud"]
                    .as_u64()
                    .map_or(String::new(), |baud| format!("baud={baud}")),
            };
            let spec = if settings.is_empty() {
                port.to_string()
            } else {
                format!("{port},{settings}")
            };
            let (port, options) =
                MethodScriptOptions::parse_spec(&spec).map_err(|e| unreadable(e.to_string()))?;
            Ok(InstrumentSpec::MethodScript(port, Box::new(options)))
        }
        other => Err(unreadable(format!("unknown kind `{other}`"))),
    }
}

/// The instrument to resume on: the recorded one unless `requested` names one; a request of
/// another kind only with `switch`.
pub fn choose(
    recorded: &InstrumentInfo,
    requested: Option<&InstrumentSpec>,
    switch: bool,
    dir: &str,
) -> Result<InstrumentSpec, ResumeError> {
    match requested {
        None => recorded_spec(recorded, dir),
        Some(spec) if spec_kind(spec) == recorded.kind || switch => Ok(spec.clone()),
        Some(spec) => Err(ResumeError::KindMismatch {
            dir: dir.to_string(),
            recorded: kind_name(&recorded.kind),
            requested: kind_name(spec_kind(spec)),
        }),
    }
}

/// The simulator settings a resumed dry-run replays with, where the command line leaves them
/// open: the recorded seed, noise, spread and parameter file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SimRecord {
    pub seed: Option<u64>,
    pub noise: Option<f64>,
    pub spread: bool,
    pub params: Option<std::path::PathBuf>,
}

pub fn sim_record(info: &InstrumentInfo) -> SimRecord {
    if info.kind != "sim" {
        return SimRecord::default();
    }
    SimRecord {
        seed: info.parameters["seed"].as_u64(),
        noise: info.parameters["noise"].as_f64(),
        spread: info.parameters["spread"].as_bool().unwrap_or(false),
        params: info.parameters["params_file"]
            .as_str()
            .map(std::path::PathBuf::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device_info(parameters: serde_json::Value) -> InstrumentInfo {
        InstrumentInfo {
            kind: "methodscript".into(),
            description: "EmStat4 HR".into(),
            parameters,
        }
    }

    #[test]
    fn a_device_run_resumes_on_its_recorded_port_and_settings() {
        let info = device_info(serde_json::json!({
            "port": "/dev/ttyACM3",
            "baud": 921600,
            "settings": "baud=921600,amplitude=peak",
        }));
        let InstrumentSpec::MethodScript(port, options) = choose(&info, None, false, "r").unwrap()
        else {
            panic!("not a device");
        };
        assert_eq!(port, "/dev/ttyACM3");
        assert_eq!(options.baud, Some(921600));
        assert_eq!(
            options.amplitude,
            crate::instrument::methodscript::script::Amplitude::Peak
        );
        // An older manifest without `settings` still gives its port and baud rate.
        let old = device_info(serde_json::json!({"port": "/dev/ttyACM3", "baud": 230400}));
        let InstrumentSpec::MethodScript(_, options) = recorded_spec(&old, "r").unwrap() else {
            panic!("not a device");
        };
        assert_eq!(options.baud, Some(230400));
    }

    #[test]
    fn another_kind_of_instrument_needs_switch_instrument() {
        let info = device_info(serde_json::json!({"port": "/dev/ttyACM3"}));
        let error = choose(&info, Some(&InstrumentSpec::Sim), false, "r").unwrap_err();
        assert!(matches!(error, ResumeError::KindMismatch { .. }), "{error}");
        assert_eq!(
            choose(&info, Some(&InstrumentSpec::Sim), true, "r").unwrap(),
            InstrumentSpec::Sim
        );
        // The same kind on another port is a device that came back elsewhere: accepted.
        let other = InstrumentSpec::MethodScript("/dev/ttyACM4".into(), Box::default());
        assert_eq!(choose(&info, Some(&other), false, "r").unwrap(), other);
        let sim = InstrumentInfo {
            kind: "sim".into(),
            description: String::new(),
            parameters: serde_json::json!({
                "seed": 7, "noise": 0.0, "spread": true, "params_file": "p.json"
            }),
        };
        assert_eq!(
            sim_record(&sim),
            SimRecord {
                seed: Some(7),
                noise: Some(0.0),
                spread: true,
                params: Some("p.json".into()),
            }
        );
        let missing = device_info(serde_json::json!({}));
        assert!(matches!(
            choose(&missing, None, false, "r"),
            Err(ResumeError::Unreadable { .. })
        ));
    }
}
