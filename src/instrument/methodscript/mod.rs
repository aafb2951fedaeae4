//! PalmSens MethodSCRIPT devices over a serial port (see issue: real potentiostat).
//!
//! The host sends each plan step as a text script and parses the streamed data packets back
//! into the same [`crate::instrument::Reading`]s the simulator produces:
//!
//! | module | takes | gives |
//! |---|---|---|
//! | [`value`], [`vartype`] | wire numbers, variable ids | `f64` values, quantities |
//! | [`packet`] | one line from the device | a classified [`packet::DeviceLine`] |
//! | [`script`] | a plan step | MethodSCRIPT text ([`script::EmittedScript`]) |
//!
//! The wire protocol is summarised in `shared/reference/methodscript.md`; behaviour that the
//! public sources leave open is configurable rather than fixed.

pub mod capabilities;
pub mod fixture;
pub mod packet;
pub mod script;
pub mod value;
pub mod vartype;
