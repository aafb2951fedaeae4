//! Report: tables, SVG plots and the self-contained HTML report of a run.

pub mod plots;
