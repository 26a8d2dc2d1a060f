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

/// Why the corpus cannot be loaded. Each kind names the directory or the entry at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CorpusError {
    /// The directory exists but cannot be listed.
    #[error("{}: cannot read the corpus: {source}", dir.display())]
    Unreadable {
        /// The corpus directory.
        dir: PathBuf,
        /// Why it cannot be listed.
        source: std::io::Error,
    },
    /// An entry is a symbolic link, which the corpus never follows.
    #[error("{}: a symbolic link in the corpus: not followed", path.display())]
    Link {
        /// The entry.
        path: PathBuf,
    },
    /// The reader refused an entry (too large, not a regular file, not UTF-8, …).
    #[error("{source}")]
    Entry {
        /// The entry.
        path: PathBuf,
        /// The reader's reason, which names the entry.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An entry is not a recorded case's JSON.
    #[error("{}:{line}:{column}: not a recorded case ({{\"file\", \"seed\", \"failed\"}})", path.display())]
    NotACase {
        /// The entry.
        path: PathBuf,
        /// The line where its JSON went wrong, from 1.
        line: usize,
        /// The column, from 1.
        column: usize,
    },
}

/// Every case recorded in `dir` (none when it does not exist yet), in (path, seed) order, with
/// the file each is recorded in; an entry that cannot be read is an error naming it. `read` reads
/// one entry's text (the CLI's bounded reader, which refuses a FIFO or a device); an entry that
/// is a symbolic link is an error, never followed.
pub fn load<E>(dir: &Path, read: impl Fn(&Path) -> Result<String, E>) -> Result<Vec<(PathBuf, Recorded)>, CorpusError>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let unreadable = |source| CorpusError::Unreadable { dir: dir.to_owned(), source };
    let mut recorded = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(recorded),
        Err(error) => return Err(unreadable(error)),
    };
    for entry in entries {
        let entry = entry.map_err(unreadable)?;
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        if entry.file_type().is_ok_and(|t| t.is_symlink()) {
            return Err(CorpusError::Link { path });
        }
        let text = match read(&path) {
            Ok(text) => text,
            Err(source) => return Err(CorpusError::Entry { path, source: Box::new(source) }),
        };
        let case: Recorded = match serde_json::from_str(&text) {
            Ok(case) => case,
            Err(e) => return Err(CorpusError::NotACase { path, line: e.line(), column: e.column() }),
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory of its own under the system's temporary directory.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("finsim-corpus-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn read(path: &Path) -> Result<String, std::io::Error> {
        std::fs::read_to_string(path)
    }

    #[test]
    fn a_corpus_not_made_yet_is_empty() {
        let dir = std::env::temp_dir().join(format!("finsim-corpus-{}-absent", std::process::id()));
        assert!(load(&dir, read).unwrap().is_empty());
    }

    #[test]
    fn recorded_cases_load_in_path_and_seed_order_and_other_files_are_skipped() {
        let dir = scratch("order");
        for (file, seed) in [("b.yaml", 1), ("a.yaml", 9), ("a.yaml", 2)] {
            let case = Recorded { file: file.to_owned(), seed, failed: vec!["liveness".to_owned()] };
            std::fs::write(entry(&dir, file, seed), serde_json::to_string(&case).unwrap()).unwrap();
        }
        std::fs::write(dir.join("README.txt"), "not a case").unwrap();
        let cases: Vec<_> = load(&dir, read).unwrap().into_iter().map(|(_, c)| (c.file, c.seed)).collect();
        assert_eq!(cases, [("a.yaml".to_owned(), 2), ("a.yaml".to_owned(), 9), ("b.yaml".to_owned(), 1)]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn each_kind_of_bad_entry_is_its_own_error_naming_the_entry() {
        let dir = scratch("bad");
        let bad = dir.join("bad.json");
        std::fs::write(&bad, "{\n  \"file\": 7\n}").unwrap();
        match load(&dir, read) {
            Err(CorpusError::NotACase { path, line: 2, column }) => {
                assert_eq!(path, bad);
                assert!(column > 0);
            }
            other => panic!("expected NotACase at line 2, got {other:?}"),
        }
        let refused = |_: &Path| Err(std::io::Error::other("too large"));
        let error = load(&dir, refused).unwrap_err();
        assert!(matches!(&error, CorpusError::Entry { path, .. } if *path == bad), "{error:?}");
        assert_eq!(error.to_string(), "too large");
        std::fs::remove_file(&bad).unwrap();
        #[cfg(unix)]
        {
            let link = dir.join("link.json");
            std::os::unix::fs::symlink("/etc/hostname", &link).unwrap();
            let error = load(&dir, read).unwrap_err();
            assert!(matches!(&error, CorpusError::Link { path } if *path == link), "{error:?}");
            assert!(error.to_string().ends_with("link.json: a symbolic link in the corpus: not followed"));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
