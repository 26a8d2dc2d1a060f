//! The failing-seed corpus (`finsim test --corpus DIR`): each failing case is recorded in DIR as
//! one small JSON file; the next run with the same DIR runs the recorded cases first, and a
//! recorded case that passes is reported as fixed and its file removed. A recorded case names its
//! scenario file by path, so the corpus is meant to live beside the suite (in CI, a cached
//! directory), not to travel without it.

use super::CaseResult;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// A recorded failing case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// The scenario file's path, as the run that recorded it found it.
    pub file: String,
    /// The seed.
    pub seed: u64,
    /// The checks that failed then.
    pub failed: Vec<String>,
}

/// The file a case is recorded in: readable, and unique for its (path, seed).
pub fn entry(dir: &Path, file: &str, seed: u64) -> PathBuf {
    let readable: String =
        file.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).take(80).collect();
    let tag = const_hex::encode(&Sha256::digest(format!("{file}\n{seed}").as_bytes())[..4]);
    dir.join(format!("{readable}-seed-{seed}-{tag}.json"))
}

/// Every case recorded in `dir` (none when it does not exist yet), in (path, seed) order, with
/// the file each is recorded in; an entry that cannot be read is an error naming it. `read` reads
/// one entry's text (the CLI's bounded reader, which refuses a FIFO or a device); an entry that
/// is a symbolic link is an error, never followed.
pub fn load(dir: &Path, read: impl Fn(&Path) -> Result<String, String>) -> Result<Vec<(PathBuf, Recorded)>, String> {
    let mut recorded = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(recorded),
        Err(error) => return Err(format!("{}: cannot read the corpus: {error}", dir.display())),
    };
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: cannot read the corpus: {e}", dir.display()))?;
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        if entry.file_type().is_ok_and(|t| t.is_symlink()) {
            return Err(format!("{}: a symbolic link in the corpus: not followed", path.display()));
        }
        let text = read(&path)?;
        let case: Recorded = serde_json::from_str(&text).map_err(|e| {
            let place = format!("{}:{}:{}", path.display(), e.line(), e.column());
            format!("{place}: not a recorded case ({{\"file\", \"seed\", \"failed\"}})")
        })?;
        recorded.push((path, case));
    }
    recorded.sort_by(|a, b| (&a.1.file, a.1.seed).cmp(&(&b.1.file, b.1.seed)));
    Ok(recorded)
}

/// Records a failing case in `dir` (created when needed); returns the file written.
pub fn record(dir: &Path, result: &CaseResult) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = entry(dir, &result.file, result.seed);
    let case = Recorded { file: result.file.clone(), seed: result.seed, failed: result.failed.clone() };
    std::fs::write(&path, format!("{}\n", serde_json::to_string_pretty(&case).unwrap_or_default()))?;
    Ok(path)
}
