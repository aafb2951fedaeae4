//! Model: the paper's derived quantities, one documented function per relation, and the
//! analysis engine that runs a protocol's `analyze` block on in-memory data.

pub mod analysis;
pub mod capacitance;
pub mod corrosion;
pub mod film;
pub mod resistance;
pub mod trend;
pub use analysis::{AnalysisResult, SweepData, TraceData, analyze, fits_csv};
