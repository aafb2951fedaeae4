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
