//! The emulator's side of the serial line: one writer shared by two threads, and the reader.
//!
//! The reader thread frames incoming lines and answers what a device answers at once
//! (`t`, `v`, `i`, `Z`, unknown commands); scripts (`e` … empty line) go to the device thread
//! over a channel. Both threads write through [`Wire`], whose lock makes every line atomic and
//! keeps the `busy` flag consistent with what was written: `Z` is acknowledged (`Z`) only
//! while a script runs, else refused (`Z!0006`). An abort wakes the device thread from its
//! pacing wait through a condition variable.

use super::faults::Faults;
use std::fs::File;
use std::io::{Read, Write};
use std::sync::mpsc::Sender;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Instant;

struct State {
    file: File,
    busy: bool,
    mute: bool,
    abort: bool,
}

/// The shared writer and the run state it guards.
pub struct Wire {
    state: Mutex<State>,
    wake: Condvar,
}

impl Wire {
    pub fn new(file: File) -> Self {
        Wire {
            state: Mutex::new(State {
                file,
                busy: false,
                mute: false,
                abort: false,
            }),
            wake: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking writer cannot leave the file in a worse state than a cut line.
        self.state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Writes one line (adds `\n`), unless the device is mute.
    pub fn line(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut state = self.lock();
        write_line(&mut state, bytes)
    }

    /// A script starts: clears any old abort request.
    pub fn start_script(&self) {
        let mut state = self.lock();
        state.busy = true;
        state.abort = false;
    }

    /// Writes the final empty line and marks the device idle, atomically.
    pub fn end_script(&self) -> std::io::Result<()> {
        let mut state = self.lock();
        state.busy = false;
        state.abort = false;
        write_line(&mut state, b"")
    }

    /// From now on nothing is written.
    pub fn mute(&self) {
        self.lock().mute = true;
    }

    pub fn aborted(&self) -> bool {
        self.lock().abort
    }

    /// Waits until `deadline` or an abort; true when aborted.
    pub fn wait_until(&self, deadline: Instant) -> bool {
        let mut state = self.lock();
        loop {
            if state.abort {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = match self.wake.wait_timeout(state, deadline - now) {
                Ok((guard, _)) => guard,
                Err(poison) => poison.into_inner().0,
            };
        }
    }

    /// `Z` from the host: acknowledged and flagged while a script runs, refused otherwise.
    fn abort_request(&self) -> std::io::Result<()> {
        let mut state = self.lock();
        if state.busy {
            state.abort = true;
            self.wake.notify_all();
            write_line(&mut state, b"Z")
        } else {
            write_line(&mut state, b"Z!0006")
        }
    }

    fn busy(&self) -> bool {
        self.lock().busy
    }
}

fn write_line(state: &mut State, bytes: &[u8]) -> std::io::Result<()> {
    if state.mute {
        return Ok(());
    }
    let mut out = Vec::with_capacity(bytes.len() + 1);
    out.extend_from_slice(bytes);
    out.push(b'\n');
    state.file.write_all(&out)?;
    state.file.flush()
}

/// What the device answers to `t`, `v` and `i`.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Lines of the `t` reply (the first starts with `t`, the last ends with `*`).
    pub firmware: Vec<String>,
    pub version: String,
    pub serial: String,
}

/// Reads the host's lines until the port fails; sends each script to `scripts`.
pub fn reader(
    mut input: File,
    wire: &Wire,
    identity: &Identity,
    faults: &Faults,
    scripts: Sender<Vec<String>>,
) {
    let mut buffer: Vec<u8> = Vec::new();
    let mut loading: Option<Vec<String>> = None;
    let mut chunk = [0u8; 1024];
    loop {
        let n = match input.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buffer.extend_from_slice(&chunk[..n]);
        while let Some(pos) = buffer.iter().position(|&b| b == b'\n') {
            let raw: Vec<u8> = buffer.drain(..=pos).collect();
            let line = String::from_utf8_lossy(&raw[..raw.len() - 1])
                .trim_end_matches('\r')
                .to_string();
            if let Some(lines) = loading.as_mut() {
                if line.is_empty() {
                    if scripts.send(loading.take().unwrap_or_default()).is_err() {
                        return;
                    }
                } else {
                    lines.push(line);
                }
                continue;
            }
            if answer(&line, wire, identity, faults, &mut loading).is_err() {
                return;
            }
        }
    }
}

/// Answers one command line outside a script load.
fn answer(
    line: &str,
    wire: &Wire,
    identity: &Identity,
    faults: &Faults,
    loading: &mut Option<Vec<String>>,
) -> std::io::Result<()> {
    let delay = |wire: &Wire| {
        // Slow replies: the delay is the fault being injected, not a synchronisation.
        if !faults.reply_delay.is_zero() {
            wire.wait_until(Instant::now() + faults.reply_delay);
        }
    };
    match line {
        "" => Ok(()),
        "e" => {
            *loading = Some(Vec::new());
            Ok(())
        }
        "Z" => wire.abort_request(),
        "t" | "v" | "i" if wire.busy() => wire.line(format!("{line}!0006").as_bytes()),
        "t" => {
            delay(wire);
            for reply in &identity.firmware {
                wire.line(reply.as_bytes())?;
            }
            Ok(())
        }
        "v" => {
            delay(wire);
            wire.line(format!("v{}", identity.version).as_bytes())
        }
        "i" => {
            delay(wire);
            wire.line(format!("i{}", identity.serial).as_bytes())
        }
        other => {
            let first: String = other.chars().take(1).collect();
            wire.line(format!("{first}!0003").as_bytes())
        }
    }
}
