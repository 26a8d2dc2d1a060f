//! Writing an evidence pack: the directory is checked before the run (it must not exist, or
//! be empty) and the files are written after it.

use finsim::text::escape;
use std::collections::BTreeMap;
use std::path::Path;

/// Creates the pack's directory; refuses an existing non-empty one, or a path that is a file.
pub fn prepare(dir: &str) -> Result<(), String> {
    let shown = escape(dir);
    let path = Path::new(dir);
    if path.exists() {
        let mut entries =
            std::fs::read_dir(path).map_err(|e| format!("{shown}: not a directory to write into: {e}"))?;
        if entries.next().is_some() {
            return Err(format!("{shown}: the directory is not empty: name a new one for the evidence pack"));
        }
        return Ok(());
    }
    std::fs::create_dir_all(path).map_err(|e| format!("{shown}: cannot create the evidence directory: {e}"))
}

/// Writes the pack's files under `dir`.
pub fn write(dir: &str, files: &BTreeMap<String, Vec<u8>>) -> Result<(), String> {
    for (name, bytes) in files {
        let path = Path::new(dir).join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", escape(&parent.display().to_string())))?;
        }
        std::fs::write(&path, bytes)
            .map_err(|e| format!("{}: cannot write: {e}", escape(&path.display().to_string())))?;
    }
    Ok(())
}

/// A file of a pack, if it is there (a pack's files are small: each is read whole, at most
/// 256 MiB, and only regular files inside the pack are read).
pub fn read(dir: &str, name: &str) -> Option<Vec<u8>> {
    if name.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
        return None;
    }
    let path = Path::new(dir).join(name);
    let metadata = std::fs::symlink_metadata(&path).ok()?;
    if !metadata.is_file() || metadata.len() > 256 << 20 {
        return None;
    }
    std::fs::read(path).ok()
}
