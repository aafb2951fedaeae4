//! The line layer: `\n`-framed ASCII lines over any async byte stream (a serial port, a PTY,
//! an in-memory pipe in tests).
//!
//! Takes a stream and gives lines with deadlines. A closed port (end of file, or `EIO`, which
//! is how a PTY or a USB serial port reports that the other end went away) becomes
//! [`InstrumentError::Disconnected`]; no line before the deadline becomes
//! [`InstrumentError::Timeout`]. Partial lines survive a timeout, so callers can read in short
//! slices (to poll for Ctrl-C) without losing bytes. Flow-control bytes (XON/XOFF, which an
//! EmStat Pico may send on connect) are dropped; an over-long line is cut and returned so that
//! garbage without newlines cannot grow the buffer forever.

use crate::instrument::InstrumentError;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

/// Longest line kept whole; longer input is returned in pieces of this size.
pub const MAX_LINE: usize = 4096;

const XON: u8 = 0x11;
const XOFF: u8 = 0x13;

/// A line-oriented view of a byte stream.
pub struct Link<S> {
    stream: S,
    buffer: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Link<S> {
    pub fn new(stream: S) -> Self {
        Link {
            stream,
            buffer: Vec::new(),
        }
    }

    /// Writes text as is (the caller supplies the `\n`s) and flushes it.
    pub async fn send(&mut self, text: &str) -> Result<(), InstrumentError> {
        let result = async {
            self.stream.write_all(text.as_bytes()).await?;
            self.stream.flush().await
        }
        .await;
        result.map_err(classify)
    }

    /// The next line (without `\n`), waiting at most until `deadline`.
    pub async fn read_line_until(&mut self, deadline: Instant) -> Result<Vec<u8>, InstrumentError> {
        loop {
            if let Some(line) = self.take_line() {
                return Ok(line);
            }
            let mut chunk = [0u8; 1024];
            let read = tokio::time::timeout_at(deadline, self.stream.read(&mut chunk)).await;
            match read {
                Err(_) => return Err(InstrumentError::Timeout(0.0)),
                Ok(Ok(0)) => {
                    return Err(InstrumentError::Disconnected("the port was closed".into()));
                }
                Ok(Ok(n)) => self
                    .buffer
                    .extend(chunk[..n].iter().filter(|&&b| b != XON && b != XOFF)),
                Ok(Err(error)) => return Err(classify(error)),
            }
        }
    }

    /// The next line, waiting at most `timeout`.
    pub async fn read_line(&mut self, timeout: Duration) -> Result<Vec<u8>, InstrumentError> {
        self.read_line_until(Instant::now() + timeout)
            .await
            .map_err(|e| match e {
                InstrumentError::Timeout(_) => InstrumentError::Timeout(timeout.as_secs_f64()),
                other => other,
            })
    }

    /// Reads and returns every line that arrives until the link has been quiet for `quiet`
    /// (or `limit` has passed). Used to clear stale output before talking to a device.
    pub async fn drain(
        &mut self,
        quiet: Duration,
        limit: Duration,
    ) -> Result<Vec<Vec<u8>>, InstrumentError> {
        let end = Instant::now() + limit;
        let mut lines = Vec::new();
        loop {
            let deadline = (Instant::now() + quiet).min(end);
            match self.read_line_until(deadline).await {
                Ok(line) => lines.push(line),
                Err(InstrumentError::Timeout(_)) => {
                    // A partial line left at the end is stale too.
                    if !self.buffer.is_empty() {
                        lines.push(std::mem::take(&mut self.buffer));
                    }
                    return Ok(lines);
                }
                Err(other) => return Err(other),
            }
        }
    }

    fn take_line(&mut self) -> Option<Vec<u8>> {
        if let Some(pos) = self.buffer.iter().position(|&b| b == b'\n') {
            let mut line: Vec<u8> = self.buffer.drain(..=pos).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Some(line);
        }
        if self.buffer.len() >= MAX_LINE {
            return Some(self.buffer.drain(..MAX_LINE).collect());
        }
        None
    }
}

/// EIO, EOF-like and broken-pipe errors mean the other end is gone.
fn classify(error: std::io::Error) -> InstrumentError {
    use std::io::ErrorKind::*;
    let eio = error.raw_os_error() == Some(nix::errno::Errno::EIO as i32)
        || error.raw_os_error() == Some(nix::errno::Errno::ENXIO as i32)
        || error.raw_os_error() == Some(nix::errno::Errno::ENODEV as i32);
    if eio
        || matches!(
            error.kind(),
            BrokenPipe | UnexpectedEof | ConnectionReset | NotConnected
        )
    {
        InstrumentError::Disconnected(error.to_string())
    } else {
        InstrumentError::Io(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_timeouts_and_disconnects() {
        let (host, mut device) = tokio::io::duplex(64);
        let mut link = Link::new(host);
        device.write_all(b"\x11e\r\nM00").await.unwrap();
        let t = Duration::from_millis(200);
        assert_eq!(link.read_line(t).await.unwrap(), b"e");
        // The partial line survives a timeout.
        assert!(matches!(
            link.read_line(Duration::from_millis(20)).await,
            Err(InstrumentError::Timeout(_))
        ));
        device.write_all(b"00\n").await.unwrap();
        assert_eq!(link.read_line(t).await.unwrap(), b"M0000");
        drop(device);
        assert!(matches!(
            link.read_line(t).await,
            Err(InstrumentError::Disconnected(_))
        ));
    }

    #[tokio::test]
    async fn over_long_garbage_comes_back_in_pieces() {
        let (host, mut device) = tokio::io::duplex(MAX_LINE * 3);
        let mut link = Link::new(host);
        device.write_all(&vec![b'x'; MAX_LINE + 10]).await.unwrap();
        let line = link.read_line(Duration::from_secs(1)).await.unwrap();
        assert_eq!(line.len(), MAX_LINE);
    }
}
