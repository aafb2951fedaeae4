//! Fault injection: what the emulator does wrong, on purpose, to test the host.
//!
//! Takes the [`Faults`] chosen on the command line and, packet by packet, decides what goes
//! out: status flags (overload, underload) set from a packet on, a packet corrupted (a hex
//! digit replaced, so it cannot parse) or truncated, and after a given packet a disconnect, a
//! mute device, or a device error. Packets are counted from 1 over the emulator's lifetime.
//! Random choices (which byte to damage) come from a seeded generator: the same seed damages
//! the same bytes.

use crate::instrument::methodscript::packet::{STATUS_OVERLOAD, STATUS_UNDERLOAD};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

/// The faults to inject.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Close the port after this many packets.
    pub disconnect_after: Option<u64>,
    /// Send nothing more (to anything) after this many packets.
    pub silence_after: Option<u64>,
    /// Damage these packets (1-based numbers) so that they cannot be parsed.
    pub corrupt: Vec<u64>,
    /// Cut these packets short.
    pub truncate: Vec<u64>,
    /// After this many packets, report this device error (`!XXXX`) and end the script.
    pub error_after: Option<(u64, String)>,
    /// Flag currents and impedances as overloaded from the packet after this many.
    pub overload_after: Option<u64>,
    /// Flag them as underloaded from the packet after this many.
    pub underload_after: Option<u64>,
    /// Wait this long before answering each command (`t`, `v`, `i`, `e`).
    pub reply_delay: Duration,
}

/// What happens after a packet was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterPacket {
    Continue,
    Disconnect,
    Silence,
    DeviceError(String),
}

/// Counts packets and applies [`Faults`].
#[derive(Debug, Clone)]
pub struct FaultState {
    pub faults: Faults,
    sent: u64,
    rng: ChaCha8Rng,
}

impl FaultState {
    pub fn new(faults: Faults, seed: u64) -> Self {
        FaultState {
            faults,
            sent: 0,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x6d67_7066_6175_6c74),
        }
    }

    /// Packets written so far.
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Status bits for the next packet's currents and impedances.
    pub fn status_bits(&self) -> u8 {
        let next = self.sent + 1;
        let mut bits = 0;
        if self.faults.overload_after.is_some_and(|n| next > n) {
            bits |= STATUS_OVERLOAD;
        }
        if self.faults.underload_after.is_some_and(|n| next > n) {
            bits |= STATUS_UNDERLOAD;
        }
        bits
    }

    /// The bytes to send for the next packet (without `\n`).
    pub fn mangle(&mut self, line: String) -> Vec<u8> {
        let next = self.sent + 1;
        let mut bytes = line.into_bytes();
        // The first variable's value starts after `P` and its two-letter type.
        let value_start = 3.min(bytes.len());
        let value_end = (value_start + 7).min(bytes.len());
        if self.faults.corrupt.contains(&next) && value_end > value_start {
            let at = self.rng.random_range(value_start..value_end);
            bytes[at] = b'x';
            let noise = self.rng.random_range(0..bytes.len());
            if noise != 0 && !(value_start..value_end).contains(&noise) {
                bytes[noise] = self.rng.random_range(b'!'..=b'~');
            }
        }
        if self.faults.truncate.contains(&next) && value_end > value_start + 1 {
            let cut = self.rng.random_range(value_start + 1..value_end);
            bytes.truncate(cut);
        }
        bytes
    }

    /// Counts a written packet and says what follows it.
    pub fn after_packet(&mut self) -> AfterPacket {
        self.sent += 1;
        let n = self.sent;
        if self.faults.disconnect_after == Some(n) {
            return AfterPacket::Disconnect;
        }
        if let Some((after, code)) = &self.faults.error_after {
            if *after == n {
                return AfterPacket::DeviceError(code.clone());
            }
        }
        if self.faults.silence_after == Some(n) {
            return AfterPacket::Silence;
        }
        AfterPacket::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::methodscript::packet::{DeviceLine, parse_line};

    #[test]
    fn damaged_packets_do_not_parse_and_faults_fire_in_order() {
        let faults = Faults {
            corrupt: vec![1],
            truncate: vec![2],
            overload_after: Some(2),
            error_after: Some((3, "4004".into())),
            ..Faults::default()
        };
        let mut state = FaultState::new(faults, 7);
        let line = || "Pab8000001m;ba8000002u,10,287".to_string();
        assert_eq!(state.status_bits(), 0);
        let first = state.mangle(line());
        assert!(
            matches!(parse_line(&first), DeviceLine::Unparsed(_)),
            "{first:?}"
        );
        assert_eq!(state.after_packet(), AfterPacket::Continue);
        let second = state.mangle(line());
        assert!(
            matches!(parse_line(&second), DeviceLine::Unparsed(_)),
            "{second:?}"
        );
        assert_eq!(state.after_packet(), AfterPacket::Continue);
        assert_eq!(state.status_bits(), STATUS_OVERLOAD);
        assert_eq!(state.mangle(line()), line().into_bytes());
        assert_eq!(
            state.after_packet(),
            AfterPacket::DeviceError("4004".into())
        );
    }

    #[test]
    fn same_seed_same_damage() {
        let faults = Faults {
            corrupt: vec![1],
            ..Faults::default()
        };
        let a = FaultState::new(faults.clone(), 3).mangle("Pab8000001m;ba8000002u".into());
        let b = FaultState::new(faults, 3).mangle("Pab8000001m;ba8000002u".into());
        assert_eq!(a, b);
    }
}
