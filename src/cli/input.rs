//! The one way in: every file any command reads (a scenario, a schedule, a shard's JSON, a
//! trace, a file of an evidence pack, a corpus entry) is read here, and nowhere else.
//!
//! Files come from other people, so reading one must cost no more than it is worth and show
//! nothing it should not: a path that is not a regular file (a directory, a FIFO that would
//! block, `/dev/zero` that never ends) is refused before it is opened, and opened without
//! blocking in case it was swapped; each kind of file has a size budget, enforced while reading
//! whatever the file claims; a file whose contents outrun its size (`/proc/self/environ`, which
//! says it has none) is refused; text must be UTF-8 (the error names the line and column of the
//! first bad byte). An error speaks finsim's words and never quotes the file.

use crate::scenario::{self, LoadError, Scenario};
use crate::text::{clip, escape};
use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

/// What a file is to the command reading it: its size budget and its name in errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A scenario file (`scenario::MAX_FILE_BYTES`).
    Scenario,
    /// A schedule written by `finsim explore`.
    Schedule,
    /// The `--json` output of `finsim test`, for `finsim merge`.
    Shard,
    /// A canonical trace (JSON lines), read a line at a time.
    Trace,
    /// One file of an evidence pack (the pack's total is bounded too: `evidence::MAX_PACK_BYTES`).
    PackFile,
    /// One recorded case of a `--corpus` directory.
    CorpusEntry,
}

impl Kind {
    /// The most bytes a file of this kind may have.
    pub fn max_bytes(self) -> u64 {
        match self {
            Kind::Scenario => scenario::MAX_FILE_BYTES,
            Kind::Schedule => 64 << 20,
            Kind::Shard => MAX_SHARD_BYTES,
            Kind::Trace => 1 << 30,
            Kind::PackFile => super::evidence::MAX_PACK_BYTES,
            Kind::CorpusEntry => 64 << 10,
        }
    }

    /// What the file is, in errors.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Scenario => "scenario file",
            Kind::Schedule => "schedule",
            Kind::Shard => "`finsim test --json` result",
            Kind::Trace => "trace file",
            Kind::PackFile => "file of an evidence pack",
            Kind::CorpusEntry => "corpus entry",
        }
    }
}

/// The most bytes one shard's JSON may have (a shard of a million cases with 120-character paths
/// is 241 MiB).
pub const MAX_SHARD_BYTES: u64 = 256 << 20;

/// The longest line of a trace: an event is at most a few kilobytes.
pub const MAX_TRACE_LINE_BYTES: usize = 1 << 20;

/// Why a file could not be read: the file as given (escaped when shown), the place (line and
/// column from 1, or none), and what is wrong, in finsim's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The path as given.
    pub file: String,
    /// Line and column, when the problem has a place.
    pub place: Option<(u64, u64)>,
    /// What is wrong, a lowercase fragment.
    pub what: String,
}

impl InputError {
    /// An error about the whole file.
    pub fn new(file: &str, what: impl Into<String>) -> Self {
        Self { file: file.to_owned(), place: None, what: what.into() }
    }

    /// An error at a line and column.
    pub fn at(file: &str, line: u64, column: u64, what: impl Into<String>) -> Self {
        Self { file: file.to_owned(), place: Some((line, column)), what: what.into() }
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let file = shown(&self.file);
        match self.place {
            Some((line, column)) => write!(f, "{file}:{line}:{column}: {}", self.what),
            None => write!(f, "{file}: {}", self.what),
        }
    }
}

impl std::error::Error for InputError {}

/// A path as messages show it: escaped, and cut when absurdly long.
pub fn shown(path: &str) -> String {
    escape(&clip(path, 300)).into_owned()
}

/// Reads and validates a scenario file.
pub fn load(file: &str) -> Result<Scenario, LoadError> {
    let bytes = read_scenario(file)?;
    scenario::parse_bytes(file, &bytes)
}

/// The bytes of a scenario file (UTF-8 is checked by the scenario's parser, with its place).
pub fn read_scenario(file: &str) -> Result<Vec<u8>, LoadError> {
    read(file, Kind::Scenario).map_err(|e| LoadError::Io { file: file.to_owned(), reason: e.what })
}

/// Opens a file of `kind` for reading: a regular file no larger than its budget, opened without
/// blocking and checked again once open (it may have been swapped for a FIFO meanwhile).
pub fn open(file: &str, kind: Kind) -> Result<(File, Metadata), InputError> {
    let error = |what: String| InputError::new(file, what);
    let before = std::fs::metadata(file).map_err(|e| error(io_words(&e)))?;
    refuse_if_not_readable(&before, kind).map_err(error)?;
    let handle = open_nonblocking(Path::new(file), Links::Follow).map_err(|e| error(io_words(&e)))?;
    let after = handle.metadata().map_err(|e| error(io_words(&e)))?;
    refuse_if_not_readable(&after, kind).map_err(error)?;
    Ok((handle, after))
}

fn refuse_if_not_readable(metadata: &Metadata, kind: Kind) -> Result<(), String> {
    if metadata.is_dir() {
        return Err(format!("a directory: finsim reads a {} only from a regular file", kind.noun()));
    }
    if !metadata.is_file() {
        return Err(format!(
            "not a regular file (a device, FIFO or socket): finsim reads a {} only from a regular file",
            kind.noun()
        ));
    }
    if metadata.len() > kind.max_bytes() {
        return Err(too_large(kind));
    }
    Ok(())
}

fn too_large(kind: Kind) -> String {
    format!("larger than {}, the most a {} may have", size_words(kind.max_bytes()), kind.noun())
}

/// A size in the words errors use: `64 MiB`, `1 GiB`.
pub fn size_words(bytes: u64) -> String {
    if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) {
        format!("{} GiB", bytes >> 30)
    } else if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes >> 10)
    }
}

/// Whether opening a path follows a symbolic link at its last component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Links {
    /// A path the user named: a link leads where it points.
    Follow,
    /// A path found in a tree that is read closed (a pack): a link is an error.
    Refuse,
}

/// Opens for reading without blocking on a FIFO and without becoming a terminal's controller.
pub fn open_nonblocking(path: &Path, links: Links) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let no_follow = if links == Links::Refuse { libc::O_NOFOLLOW } else { 0 };
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | no_follow);
    }
    options.open(path)
}

/// An I/O error in plain words, without the `(os error N)` tail.
pub fn io_words(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => "no such file or directory".to_owned(),
        ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => {
            let text = error.to_string();
            let text = text.find(" (os error").map_or(text.as_str(), |end| &text[..end]);
            // A lowercase fragment, as every message is; the rest as it is (`FIFO`).
            let mut chars = text.chars();
            chars.next().map_or_else(String::new, |first| first.to_lowercase().chain(chars).collect())
        }
    }
}

/// The bytes of a file of `kind`, at most its budget, whatever the file claims its size is.
pub fn read(file: &str, kind: Kind) -> Result<Vec<u8>, InputError> {
    let (handle, metadata) = open(file, kind)?;
    read_open(file, handle, &metadata, kind)
}

/// The bytes of an opened file: no more than the size its metadata gave (a file that yields more,
/// as `/proc` files do, or that grew while read, is refused), and never more than its budget.
pub fn read_open(file: &str, handle: File, metadata: &Metadata, kind: Kind) -> Result<Vec<u8>, InputError> {
    let size = metadata.len();
    let mut bytes = Vec::with_capacity(size.min(kind.max_bytes()) as usize);
    handle
        .take(size.saturating_add(1).min(kind.max_bytes() + 1))
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::new(file, io_words(&e)))?;
    if bytes.len() as u64 > kind.max_bytes() {
        return Err(InputError::new(file, too_large(kind)));
    }
    if bytes.len() as u64 != size {
        return Err(InputError::new(
            file,
            "its contents are not the size the file system gives (a /proc or /sys file, or one being written): \
             not read",
        ));
    }
    Ok(bytes)
}

/// The text of a file of `kind`: its bytes, which must be UTF-8.
pub fn read_text(file: &str, kind: Kind) -> Result<String, InputError> {
    let bytes = read(file, kind)?;
    utf8(file, bytes, kind)
}

/// The bytes as text, or an error at the line and column of the first byte that is not UTF-8.
pub fn utf8(file: &str, bytes: Vec<u8>, kind: Kind) -> Result<String, InputError> {
    String::from_utf8(bytes).map_err(|error| {
        let valid = std::str::from_utf8(&error.as_bytes()[..error.utf8_error().valid_up_to()]).unwrap_or_default();
        let (line, column) = crate::text::place_after(valid);
        InputError::at(file, line, column, format!("not UTF-8 text: a {} is UTF-8", kind.noun()))
    })
}

/// A serde_json error in finsim's words: its place once, what was expected, and no value quoted
/// from the file (a string it found is not repeated: it may be anything).
pub fn json_error(file: &str, error: &serde_json::Error, kind: Kind) -> InputError {
    use serde_json::error::Category;
    let what = match error.classify() {
        Category::Io => "cannot be read".to_owned(),
        Category::Syntax => "not valid JSON".to_owned(),
        Category::Eof => "ends before the JSON does".to_owned(),
        Category::Data => data_words(&error.to_string()),
    };
    let what = format!("{what}: not a {} ", kind.noun());
    let what = what.trim_end().to_owned();
    if error.line() == 0 {
        InputError::new(file, what)
    } else {
        InputError::at(file, error.line() as u64, error.column() as u64, what)
    }
}

/// What serde says of a value of the wrong shape, without what it quotes of the file: serde's
/// messages are `invalid type: <found>, expected <E>`, `invalid value: <found>, expected <E>`,
/// `missing field `<F>`` (F is finsim's own), `unknown field `<found>`, expected <E>`, `unknown
/// variant …`, `invalid length N, expected <E>`, `duplicate field `<F>``.
fn data_words(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(end) => &message[..end],
        None => message,
    };
    let expected = message.rsplit_once(", expected ").map(|(_, e)| e);
    let head = |prefix: &str| message.starts_with(prefix);
    let what = if head("missing field") || head("duplicate field") {
        return message.to_owned();
    } else if head("unknown field") {
        "an unknown key"
    } else if head("unknown variant") {
        "an unknown name"
    } else if head("invalid length") {
        "a list of the wrong length"
    } else if head("invalid type") {
        "a value of the wrong type"
    } else {
        "a value out of range"
    };
    match expected {
        Some(expected) if !expected.contains('`') || head("unknown") => format!("{what} (expected {expected})"),
        _ => what.to_owned(),
    }
}

/// Lines of a file of `kind`, read one at a time (memory is one line, not the file): each must be
/// UTF-8 and at most `MAX_TRACE_LINE_BYTES` long; the file as a whole at most its budget.
pub struct Lines {
    file: String,
    kind: Kind,
    reader: std::io::BufReader<std::io::Take<File>>,
    number: u64,
    buffer: Vec<u8>,
}

impl Lines {
    /// Opens `file` to read it a line at a time.
    pub fn open(file: &str, kind: Kind) -> Result<Self, InputError> {
        let (handle, metadata) = open(file, kind)?;
        let reader = std::io::BufReader::new(handle.take(metadata.len().min(kind.max_bytes())));
        Ok(Self { file: file.to_owned(), kind, reader, number: 0, buffer: Vec::new() })
    }

    /// The next line (without its line break), `None` at the end.
    pub fn next_line(&mut self) -> Result<Option<&str>, InputError> {
        use std::io::BufRead;
        self.buffer.clear();
        let limit = MAX_TRACE_LINE_BYTES as u64 + 1;
        let read = (&mut self.reader)
            .take(limit)
            .read_until(b'\n', &mut self.buffer)
            .map_err(|e| InputError::new(&self.file, io_words(&e)))?;
        if read == 0 {
            return Ok(None);
        }
        self.number += 1;
        if self.buffer.last() == Some(&b'\n') {
            self.buffer.pop();
        } else if read as u64 == limit {
            let what = format!("a line longer than {}: not a {}", size_words(limit - 1), self.kind.noun());
            return Err(InputError::at(&self.file, self.number, 1, what));
        }
        match std::str::from_utf8(&self.buffer) {
            Ok(line) => Ok(Some(line)),
            Err(error) => {
                let valid = std::str::from_utf8(&self.buffer[..error.valid_up_to()]).unwrap_or_default();
                let (_, column) = crate::text::place_after(valid);
                let what = format!("not UTF-8 text: a {} is UTF-8", self.kind.noun());
                Err(InputError::at(&self.file, self.number, column, what))
            }
        }
    }

    /// The file as given.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The number of the line `next_line` gave last (from 1).
    pub fn number(&self) -> u64 {
        self.number
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_s_words_are_kept_without_what_the_file_said() {
        let error = serde_json::from_str::<u64>("\"secret\"").unwrap_err();
        let shown = json_error("x.json", &error, Kind::Schedule).to_string();
        assert_eq!(shown, "x.json:1:8: a value of the wrong type (expected u64): not a schedule");
        assert!(!shown.contains("secret"));
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[expect(dead_code, reason = "only its keys are read")]
        struct Two {
            seed: u64,
        }
        let error = serde_json::from_str::<Two>("{\"password\": 1}").unwrap_err();
        let shown = json_error("x.json", &error, Kind::Schedule).to_string();
        assert!(shown.contains("an unknown key (expected `seed`)"), "{shown}");
        assert!(!shown.contains("password"), "{shown}");
        let error = serde_json::from_str::<Two>("{}").unwrap_err();
        assert_eq!(json_error("x.json", &error, Kind::Shard).to_string().matches("line").count(), 0);
    }

    #[test]
    fn utf8_errors_name_the_place_of_the_first_bad_byte() {
        let error = utf8("f", b"ab\ncd\xffe".to_vec(), Kind::Trace).unwrap_err();
        assert_eq!(error.place, Some((2, 3)));
    }
}
