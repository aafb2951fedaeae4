//! Serial ports: opening one and identifying the device on it ([`connect`]), or only looking
//! at what answers without disturbing it ([`probe_port`]). A port another program holds is
//! reported in use, not as a disconnection.

use super::device::{self, Probe, ProbeTimings};
use super::instrument::MethodScriptInstrument;
use super::link::Link;
use super::options::MethodScriptOptions;
use crate::instrument::InstrumentError;
use std::time::Duration;
use tokio_serial::SerialPortBuilderExt;

/// Opens `port` and identifies the device on it. Without a baud rate in `options`, 230400
/// (EmStat Pico) is tried first, then 921600 (EmStat4, Nexus).
pub async fn connect(
    port: &str,
    options: MethodScriptOptions,
) -> Result<MethodScriptInstrument, InstrumentError> {
    let bauds = match options.baud {
        Some(baud) => vec![baud],
        None => vec![230_400, 921_600],
    };
    let mut last_error = None;
    for baud in bauds {
        let stream = tokio_serial::new(port, baud)
            .timeout(Duration::from_millis(100))
            .open_native_async()
            .map_err(|e| open_error(port, e))?;
        match MethodScriptInstrument::over(stream, port, baud, options.clone()).await {
            Ok(instrument) => return Ok(instrument),
            // Silence or garbage may be a wrong speed: try the next one.
            Err(error @ (InstrumentError::Timeout(_) | InstrumentError::Protocol(_))) => {
                last_error = Some(error)
            }
            Err(error) => return Err(error),
        }
    }
    Err(last_error.unwrap_or_else(|| InstrumentError::Protocol("no baud rate to try".into())))
}

fn open_error(port: &str, error: tokio_serial::Error) -> InstrumentError {
    match error.kind() {
        // serialport's kind for a port locked by another program (TIOCEXCL, flock).
        tokio_serial::ErrorKind::NoDevice => InstrumentError::InUse(port.to_string()),
        _ => InstrumentError::CannotOpen {
            port: port.to_string(),
            message: error.to_string(),
        },
    }
}

/// What answered on a port, and at which speed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PortProbe {
    pub baud: u32,
    pub probe: Probe,
}

/// Looks at the device on `port` without disturbing it ([`device::probe`]): tries `baud`, or
/// 230400 then 921600.
pub async fn probe_port(
    port: &str,
    baud: Option<u32>,
    timings: ProbeTimings,
) -> Result<PortProbe, InstrumentError> {
    let bauds = baud.map_or(vec![230_400, 921_600], |b| vec![b]);
    let mut last_error = None;
    for baud in bauds {
        let stream = tokio_serial::new(port, baud)
            .timeout(Duration::from_millis(100))
            .open_native_async()
            .map_err(|e| open_error(port, e))?;
        let mut link = Link::new(stream);
        match device::probe(&mut link, timings).await {
            Ok(probe) => return Ok(PortProbe { baud, probe }),
            Err(error @ InstrumentError::Timeout(_)) => last_error = Some(error),
            Err(error) => return Err(error),
        }
    }
    Err(last_error.unwrap_or(InstrumentError::Timeout(timings.reply.as_secs_f64())))
}
