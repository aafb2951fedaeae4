//! The pseudo-terminal the emulator answers on.
//!
//! Opens a master/slave pair (`nix::pty::openpty`, a safe call), puts the slave in raw mode
//! (no echo, no newline translation: the host sees exactly the bytes written) and gives the
//! master as a `File` plus the slave's path (`/dev/pts/N`), which the host opens like any
//! serial port. The emulator keeps its own slave descriptor open so that the master never
//! reports a hang-up between two host connections (`mgp devices` then `mgp run`).

use nix::sys::termios::{SetArg, cfmakeraw, tcgetattr, tcsetattr};
use std::fs::File;
use std::os::fd::OwnedFd;
use std::path::PathBuf;

/// An open pseudo-terminal.
pub struct Pty {
    pub master: File,
    /// Held open for the emulator's lifetime (see the module doc).
    pub slave: OwnedFd,
    pub path: PathBuf,
}

/// Opens a raw pseudo-terminal.
pub fn open_pty() -> Result<Pty, std::io::Error> {
    let pair = nix::pty::openpty(None, None).map_err(std::io::Error::from)?;
    let mut termios = tcgetattr(&pair.slave).map_err(std::io::Error::from)?;
    cfmakeraw(&mut termios);
    tcsetattr(&pair.slave, SetArg::TCSANOW, &termios).map_err(std::io::Error::from)?;
    let path = nix::unistd::ttyname(&pair.slave).map_err(std::io::Error::from)?;
    Ok(Pty {
        master: File::from(pair.master),
        slave: pair.slave,
        path,
    })
}

/// True while the slave side holds output the host has not read yet.
pub fn unread_output(slave: &OwnedFd) -> bool {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use std::os::fd::AsFd;
    let mut fds = [PollFd::new(slave.as_fd(), PollFlags::POLLIN)];
    matches!(poll(&mut fds, PollTimeout::ZERO), Ok(n) if n > 0)
}

/// Waits (at most `limit`) until the host has read everything written so far. Closing the
/// master discards unread output, so a simulated disconnect waits for this first: the host
/// then has every packet sent before the fault, as on a cable pulled between two packets.
pub fn wait_until_read(slave: &OwnedFd, limit: std::time::Duration) {
    let end = std::time::Instant::now() + limit;
    // The kernel signals no event when a queue empties, so this polls.
    while unread_output(slave) && std::time::Instant::now() < end {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}
