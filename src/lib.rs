//! mgp: electrochemistry experiments on metal anodes, written as code.
//!
//! The crate is a pipeline; each stage has one module and a named representation:
//!
//! | stage | module | takes | gives |
//! |---|---|---|---|
//! | parse | [`syntax`] | `.mgp` text | AST with spans |
//! | check | [`check`] | AST | [`plan::Plan`] (names, units, ranges, timing) |
//! | run | [`run`] | `Plan` + an [`instrument::Instrument`] | a run folder (journal, CSV) |
//! | fit / model | [`fit`], [`model`] | spectra and traces | parameters, the paper's quantities |
//! | report | [`report`] | run folder + analysis | tables, SVG plots, HTML |
//!
//! Data files (CSV, EC-Lab `.mpt`) are read by [`data`]. The CLI (`src/cli`) is a thin layer
//! over these functions and the only place that prints.

pub mod check;
pub mod cli;
pub mod data;
pub mod diagnostics;
pub mod export;
pub mod fit;
pub mod instrument;
pub mod model;
pub mod plan;
pub mod report;
pub mod run;
pub mod snapshot;
pub mod source;
pub mod syntax;
pub mod timeline;
pub mod units;
