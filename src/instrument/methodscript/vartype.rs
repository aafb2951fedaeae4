//! The two-letter variable types that label every value in a data package (`da`, `ba`, `cc`…).
//!
//! Takes the id as sent by a device and gives what it measures and in which unit, so that the
//! instrument can turn a package into a [`crate::instrument::Reading`] and name the variable in
//! warnings. Unknown ids are kept (a newer firmware may send them); they are never an error.

/// What a variable holds, as far as the host needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// A potential in V (or Vrms for AC amplitudes).
    Potential,
    /// A current in A.
    Current,
    /// An impedance component in Ω.
    Impedance,
    /// A frequency in Hz.
    Frequency,
    /// A phase in degrees.
    Phase,
    /// A time in s.
    Time,
    /// Anything else (counters, channels, temperatures, generic values).
    Other,
}

/// One row of the variable-type table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VarInfo {
    pub id: &'static str,
    pub name: &'static str,
    pub quantity: Quantity,
}

const fn row(id: &'static str, name: &'static str, quantity: Quantity) -> VarInfo {
    VarInfo { id, name, quantity }
}

use Quantity::*;

/// The ids the host interprets (from PalmSens' published host library).
pub const TABLE: &[VarInfo] = &[
    row("aa", "unknown", Other),
    row("ab", "WE vs RE potential", Potential),
    row("ac", "CE vs GND potential", Potential),
    row("ad", "SE vs GND potential", Potential),
    row("ae", "RE vs GND potential", Potential),
    row("af", "WE vs GND potential", Potential),
    row("ag", "WE vs CE potential", Potential),
    row("ah", "S2 vs RE potential", Potential),
    row("ai", "SE vs S2 potential", Potential),
    row("ba", "WE current", Current),
    row("bb", "WE2 current", Current),
    row("ca", "phase", Phase),
    row("cb", "|Z|", Impedance),
    row("cc", "Z real", Impedance),
    row("cd", "Z imaginary", Impedance),
    row("ce", "EIS E TDD", Potential),
    row("cf", "EIS I TDD", Current),
    row("cg", "EIS sampling frequency", Frequency),
    row("ch", "EIS E AC", Potential),
    row("ci", "EIS E DC", Potential),
    row("cj", "EIS I AC", Current),
    row("ck", "EIS I DC", Current),
    row("da", "applied potential", Potential),
    row("db", "applied current", Current),
    row("dc", "applied frequency", Frequency),
    row("dd", "applied AC amplitude", Potential),
    row("ea", "channel", Other),
    row("eb", "time", Time),
    row("ec", "pin mask", Other),
    row("ed", "temperature", Other),
    row("ee", "count", Other),
    row("ef", "board temperature", Other),
    row("eg", "time vs potential derivative", Other),
];

/// Looks up an id; `None` for ids outside the table (analog inputs, bipot channels, generic
/// values and anything newer), which the host keeps but does not interpret.
pub fn info(id: &str) -> Option<&'static VarInfo> {
    TABLE.iter().find(|row| row.id == id)
}

/// A human name for warnings: the table's name, or the id itself.
pub fn describe(id: &str) -> String {
    match info(id) {
        Some(row) => format!("{} ({})", row.id, row.name),
        None => id.to_string(),
    }
}

/// What an id measures (`Other` for unknown ids).
pub fn quantity(id: &str) -> Quantity {
    info(id).map_or(Quantity::Other, |row| row.quantity)
}
