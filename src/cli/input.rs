//! Reading scenario files, refusing what is not one before it costs anything: a path that
//! is not a regular file (a directory, a FIFO that would block, `/dev/zero` that never
//! ends) is refused without being opened, and no more than `scenario::MAX_FILE_BYTES` is
//! read, whatever the file claims its size is.

use finsim::scenario::{self, LoadError, Scenario};
use std::io::Read;

/// Reads and validates a scenario file.
pub fn load(file: &str) -> Result<Scenario, LoadError> {
    let bytes = read(file)?;
    scenario::parse_bytes(file, &bytes)
}

/// The bytes of a scenario file, at most `scenario::MAX_FILE_BYTES` of them.
pub fn read(file: &str) -> Result<Vec<u8>, LoadError> {
    let io = |reason: String| LoadError::Io { file: file.to_owned(), reason };
    let metadata = std::fs::metadata(file).map_err(|e| io(e.to_string()))?;
    if !metadata.is_file() {
        let what = if metadata.is_dir() { "a directory" } else { "not a regular file (a device, FIFO or socket)" };
        return Err(io(format!("{what}: finsim reads scenario files only")));
    }
    let limit = scenario::MAX_FILE_BYTES;
    let too_large = || io(format!("the file is larger than {} MiB, the most a scenario file may have", limit >> 20));
    if metadata.len() > limit {
        return Err(too_large());
    }
    let handle = std::fs::File::open(file).map_err(|e| io(e.to_string()))?;
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    // The size was checked, but a file may grow while it is read: never read past the limit.
    handle.take(limit + 1).read_to_end(&mut bytes).map_err(|e| io(e.to_string()))?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Creates an output file (the trace), refusing a path that names the scenario being run.
pub fn create_output(path: &str, input: Option<&str>) -> Result<std::io::BufWriter<std::fs::File>, String> {
    let shown = finsim::text::escape(path);
    if let Some(input) = input {
        let same = match (std::fs::canonicalize(path), std::fs::canonicalize(input)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if same {
            return Err(format!("{shown}: the trace would overwrite the scenario file: name another file"));
        }
    }
    std::fs::File::create(path)
        .map(std::io::BufWriter::new)
        .map_err(|e| format!("{shown}: cannot create the trace file: {e}"))
}
