//! PalmSens MethodSCRIPT devices over a serial port (see issue: real potentiostat).
//!
//! The host sends each plan step as a text script and parses the streamed data packets back
//! into the same [`crate::instrument::Reading`]s the simulator produces:
//!
//! | module | takes | gives |
//! |---|---|---|
//! | [`value`], [`vartype`] | wire numbers, variable ids | `f64` values, quantities |
//! | [`packet`] | one line from the device | a classified [`packet::DeviceLine`] |
//! | [`script`] | a plan step | MethodSCRIPT text ([`script::Script`]) |
//! | [`capabilities`] | a device type, a plan | its limits; diagnostics on the plan |
//! | [`link`], [`device`] | a byte stream | lines; identify, abort, resync |
//! | [`decode`], `execute` | script output | readings, warnings, how the step ended |
//! | [`ports`] | a port | an identified device, or what answers on it |
//! | [`instrument`] | a device | [`MethodScriptInstrument`], the [`crate::instrument::Instrument`] |
//! | [`operator`] | a step for a person | a prompt, a journalled answer |
//! | [`emulator`] | a plan | a simulated device on a pseudo-terminal |
//!
//! The wire protocol is summarised in `shared/reference/methodscript.md`; behaviour that the
//! public sources leave open is configurable ([`options::MethodScriptOptions`]) rather than
//! fixed.

pub mod capabilities;
pub mod decode;
pub mod device;
pub mod emit;
pub mod emulator;
mod execute;
pub mod fixture;
pub mod header;
pub mod instrument;
pub mod link;
pub mod operator;
pub mod options;
pub mod packet;
pub mod ports;
pub mod script;
pub mod script_potential;
pub mod tracker;
pub mod value;
pub mod vartype;

pub use execute::device_error_text;
pub use instrument::{MethodScriptInstrument, scripts_for_device};
pub use options::MethodScriptOptions;
pub use ports::{PortProbe, connect, probe_port};
pub use script::{EmittedScript, render, scripts_for_plan, scripts_for_plan_with};
