//! The built-in mechanistic simulator of the Mg/Li interphase (see issue: dry-run).
