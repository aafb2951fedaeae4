//! Run: the interpreter that walks a `Plan` on an `Instrument`, the journal and the run folder.
