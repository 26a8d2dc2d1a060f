//! The one way out: every file a command writes (a report, a trace, a schedule, a shrunk
//! scenario, JUnit XML) is claimed here before any work starts, and written through the claim.
//!
//! A claim refuses a path that names a file the same call reads (through a symbolic link or a
//! hard link too: files are compared by device and inode), and opens the path for writing without
//! truncating it, so that a path that cannot be written is an error at once, not after a long
//! run, and nothing is lost when it is. A file the claim created and the command never wrote is
//! removed again. A name made from a file's content (the report's default name) is confined to
//! the current directory and made of safe characters (`confined_name`).

use super::input::{io_words, shown};
use std::fs::File;
use std::io::Write;
use std::path::Path;

/// A file the command will write.
#[derive(Debug)]
pub struct Target {
    path: String,
    noun: &'static str,
    file: Option<File>,
    created: bool,
}

/// What identifies an existing file whatever path leads to it: its device and inode (elsewhere
/// than on Unix, its canonical path).
#[derive(Debug, PartialEq, Eq)]
struct FileId(#[cfg(unix)] (u64, u64), #[cfg(not(unix))] std::path::PathBuf);

impl FileId {
    fn of(path: &Path) -> Option<FileId> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(path).ok().map(|m| FileId((m.dev(), m.ino())))
        }
        #[cfg(not(unix))]
        {
            std::fs::canonicalize(path).ok().map(FileId)
        }
    }
}

impl Target {
    /// Claims `path` for the `noun` (`"report"`, `"trace"`) a command writes; `inputs` are the files
    /// the same call reads.
    pub fn claim(path: &str, noun: &'static str, inputs: &[&str]) -> Result<Target, String> {
        let here = Path::new(path);
        if path.is_empty() {
            return Err(format!("an empty path for the {noun}: name a file"));
        }
        let id = FileId::of(here);
        if let Some(input) = inputs.iter().find(|input| id.is_some() && FileId::of(Path::new(input)) == id) {
            return Err(format!(
                "{}: the {noun} would overwrite {}, which this command reads: name another file",
                shown(path),
                shown(input)
            ));
        }
        let existed = std::fs::symlink_metadata(here).is_ok();
        if std::fs::metadata(here).is_ok_and(|m| m.is_dir()) {
            return Err(format!("{}: a directory: name a file for the {noun}", shown(path)));
        }
        let file = open_for_writing(here)
            .map_err(|e| format!("{}: cannot write the {noun}: {}", shown(path), io_words(&e)))?;
        Ok(Target { path: path.to_owned(), noun, file: Some(file), created: !existed })
    }

    /// A writer of the file's new contents (what it held before is dropped now).
    pub fn writer(&mut self) -> Result<std::io::BufWriter<File>, String> {
        let file = self.file.take().ok_or_else(|| format!("{}: already written", shown(&self.path)))?;
        truncate(&file).map_err(|e| self.error(&e))?;
        self.created = false;
        Ok(std::io::BufWriter::new(file))
    }

    /// Writes the file's contents whole.
    pub fn write_all(mut self, bytes: &[u8]) -> Result<(), String> {
        let mut writer = self.writer()?;
        writer.write_all(bytes).and_then(|()| writer.flush()).map_err(|e| self.error(&e))
    }

    /// The error of a failed write, in words.
    pub fn error(&self, error: &std::io::Error) -> String {
        format!("{}: cannot write the {}: {}", shown(&self.path), self.noun, io_words(error))
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        // A file this claim created and nobody wrote: the command failed before its output.
        if self.created && self.file.is_some() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Opens for writing without truncating. A FIFO named as an output (`--junit >(cat)`) is opened
/// only when something reads it: a FIFO with no reader is an error, not a wait without end.
fn open_for_writing(path: &Path) -> std::io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
        if std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo()) {
            // Opening a FIFO without blocking fails at once (ENXIO) when nothing reads it.
            let probe = std::fs::OpenOptions::new().write(true).custom_flags(libc::O_NONBLOCK).open(path);
            let probe = probe.map_err(|error| match error.raw_os_error() {
                Some(libc::ENXIO) => std::io::Error::other("a FIFO that nothing reads"),
                _ => error,
            })?;
            // Held open until the real handle is: the reader never sees its last writer leave.
            let file = std::fs::OpenOptions::new().write(true).open(path);
            drop(probe);
            return file;
        }
    }
    std::fs::OpenOptions::new().write(true).create(true).truncate(false).open(path)
}

/// Empties a regular file before it is written (a device or a pipe has nothing to empty).
fn truncate(file: &File) -> std::io::Result<()> {
    if file.metadata()?.is_file() {
        file.set_len(0)?;
    }
    Ok(())
}

/// A file name made from text a file controls (a scenario's name), for a file in the current
/// directory: letters, digits, `-`, `_` and `.` kept (other characters become `_`), no leading
/// dot, at most 100 characters, never empty; then `extension`.
pub fn confined_name(text: &str, fallback: &str, extension: &str) -> String {
    let safe: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .take(100)
        .collect();
    let safe = safe.trim_start_matches('.');
    let stem = if safe.is_empty() || safe.chars().all(|c| c == '_') { fallback } else { safe };
    format!("{stem}.{extension}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_from_a_file_stays_in_this_directory() {
        assert_eq!(confined_name("advertise-then-transfer", "report", "html"), "advertise-then-transfer.html");
        assert_eq!(confined_name("/etc/passwd", "report", "html"), "_etc_passwd.html");
        assert_eq!(confined_name("../../x", "report", "html"), "_.._x.html");
        assert_eq!(confined_name("", "report", "html"), "report.html");
        assert_eq!(confined_name("...", "report", "html"), "report.html");
        assert_eq!(confined_name("é\u{202e}", "report", "html"), "report.html");
        assert_eq!(confined_name(&"a".repeat(500), "report", "html").len(), 105);
    }
}
