//! Run: the interpreter that walks a `Plan` on an `Instrument`, the journal and the run folder.
//!
//! Takes a checked [`crate::plan::Plan`] and anything implementing
//! [`crate::instrument::Instrument`]; gives a run folder (see [`folder`]) whose journal holds
//! every reading as it arrived. The interpreter never asks which instrument it drives.

pub mod analyze;
pub mod channels;
pub mod folder;
pub mod interpreter;
pub mod journal;
pub mod model_limits;
pub mod session;
pub mod summary;
