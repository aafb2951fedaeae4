//! Check: AST → timed `Plan` (names, units, ranges, timing), collecting every error.
