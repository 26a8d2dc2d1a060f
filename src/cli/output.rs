//! Standard output for the CLI, written so that no write error is lost and none panics.
//!
//! A reader that goes away (`finsim run --json | head -1`) closes the pipe: output then
//! ends quietly and the command keeps its verdict, as ripgrep does. Any other write
//! error (a full disk, `> /dev/full`) is remembered; the command reports it on stderr
//! and exits 2, because output the user asked for was lost.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

#[derive(Debug, Default)]
struct State {
    /// The reader closed the pipe: later writes are dropped.
    closed: bool,
    /// The first write error other than a closed pipe.
    error: Option<io::Error>,
}

/// Standard output shared by everything the command prints (the readable account goes through
/// `tracing`, whose writer is an `OutputWriter` of the same `Output`).
#[derive(Clone, Debug, Default)]
pub struct Output {
    state: Arc<Mutex<State>>,
}

impl Output {
    /// Writes one line.
    pub fn line(&self, text: &str) {
        let mut writer = self.writer();
        // Errors are kept in the shared state; `finish` reports them.
        let _ = writer.write_all(text.as_bytes()).and_then(|()| writer.write_all(b"\n"));
    }

    /// Whether output has ended: its reader closed the pipe, or a write failed.
    pub fn is_closed(&self) -> bool {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.closed || state.error.is_some()
    }

    /// A writer into this output (for `tracing_subscriber`'s `with_writer`).
    pub fn writer(&self) -> OutputWriter {
        OutputWriter { state: self.state.clone() }
    }

    /// Flushes, and returns the first write error other than a closed pipe, if any.
    pub fn finish(&self) -> Result<(), io::Error> {
        let _ = self.writer().flush();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match state.error.take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

/// One handle on an `Output`.
#[derive(Debug)]
pub struct OutputWriter {
    state: Arc<Mutex<State>>,
}

impl OutputWriter {
    /// Runs one operation on stdout unless output has already ended; records how it failed.
    /// Never fails itself: the first error is kept for `Output::finish`.
    fn guarded(&mut self, operation: impl FnOnce(&mut io::StdoutLock<'_>) -> io::Result<()>) -> io::Result<()> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.closed || state.error.is_some() {
            return Ok(());
        }
        match operation(&mut io::stdout().lock()) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
                state.closed = true;
                Ok(())
            }
            Err(error) => {
                // Kept for `finish`, which reports it once; the writer's caller (tracing) is not
                // told, so the error is not reported twice.
                state.error = Some(error);
                Ok(())
            }
        }
    }
}

impl Write for OutputWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.guarded(|stdout| stdout.write_all(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.guarded(|stdout| stdout.flush())
    }
}
