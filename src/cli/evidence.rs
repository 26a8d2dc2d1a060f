//! Evidence packs on disk: writing one (the directory is checked before the run: it must not
//! exist, or be empty; the files are written after it), and reading one back for
//! `verify-evidence` and `diff`.
//!
//! A pack comes from someone else, so it is read as a closed tree: walked once without following
//! any symbolic link (a link is reported, never read through, so nothing outside the pack is
//! hashed and a link loop costs nothing), bounded in its count of files and its total bytes
//! (hard links to one large file count once per name), and only the regular files the walk
//! found are ever opened.

use super::input::{self, shown, InputError, Kind, Lines};
use super::output::Output;
use crate::evidence::{Divergence, Side};
use crate::text::{clip, escape};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The most bytes a pack's files may have in all.
pub const MAX_PACK_BYTES: u64 = 512 << 20;

/// The most files and directories a pack may hold.
pub const MAX_PACK_ENTRIES: usize = 100_000;

/// The deepest a pack's directories nest (a pack written by finsim has two levels).
pub const MAX_PACK_DEPTH: usize = 8;

/// Creates the directory of `what` (an evidence pack, CSV tables); refuses an existing non-empty
/// one, or a path that is a file.
pub fn prepare(dir: &str, what: &str) -> Result<(), String> {
    let path = Path::new(dir);
    if path.exists() {
        let mut entries = std::fs::read_dir(path)
            .map_err(|e| format!("{}: not a directory to write into: {}", shown(dir), input::io_words(&e)))?;
        if entries.next().is_some() {
            return Err(format!("{}: the directory is not empty: name a new one for {what}", shown(dir)));
        }
        return Ok(());
    }
    std::fs::create_dir_all(path)
        .map_err(|e| format!("{}: cannot create the directory for {what}: {}", shown(dir), input::io_words(&e)))
}

/// Writes the pack's files under `dir`.
pub fn write(dir: &str, files: &BTreeMap<String, Vec<u8>>) -> Result<(), String> {
    for (name, bytes) in files {
        let path = Path::new(dir).join(name);
        let shown_path = || shown(&path.display().to_string());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {}", shown_path(), input::io_words(&e)))?;
        }
        std::fs::write(&path, bytes).map_err(|e| format!("{}: cannot write: {}", shown_path(), input::io_words(&e)))?;
    }
    Ok(())
}

/// A pack read from disk: the regular files its walk found, by path relative to the pack (with
/// `/`), and what else it holds (links, devices, names that are not UTF-8), which is never read.
#[derive(Debug)]
pub struct Pack {
    dir: PathBuf,
    files: BTreeMap<String, u64>,
    strays: Vec<(String, &'static str)>,
}

impl Pack {
    /// Walks `dir`: an error when it is not a directory or is over a budget.
    pub fn open(dir: &str) -> Result<Pack, String> {
        let root = PathBuf::from(dir);
        let metadata = std::fs::metadata(&root).map_err(|e| input::io_words(&e))?;
        if !metadata.is_dir() {
            return Err("not a directory".to_owned());
        }
        let mut pack = Pack { dir: root.clone(), files: BTreeMap::new(), strays: Vec::new() };
        let (mut entries, mut bytes) = (0usize, 0u64);
        let mut pending = vec![(root, String::new(), 0usize)];
        while let Some((path, prefix, depth)) = pending.pop() {
            let listing = std::fs::read_dir(&path).map_err(|e| {
                let place = if prefix.is_empty() { "the pack".to_owned() } else { shown(&prefix) };
                format!("{place}: cannot list the directory: {}", input::io_words(&e))
            })?;
            for entry in listing {
                let entry = entry.map_err(|e| format!("cannot list the pack: {}", input::io_words(&e)))?;
                entries += 1;
                if entries > MAX_PACK_ENTRIES {
                    return Err(format!("more than {MAX_PACK_ENTRIES} files and directories, more than a pack holds"));
                }
                let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                    let lossy = entry.file_name().to_string_lossy().into_owned();
                    pack.strays.push((format!("{prefix}{lossy}"), "a name that is not UTF-8"));
                    continue;
                };
                let relative = format!("{prefix}{name}");
                // The entry's own type: a symbolic link is a link here, never what it points to.
                let kind = entry.file_type().map_err(|e| format!("{}: {}", shown(&relative), input::io_words(&e)))?;
                if kind.is_symlink() {
                    pack.strays.push((relative, "a symbolic link (not followed)"));
                } else if kind.is_dir() && depth + 1 < MAX_PACK_DEPTH {
                    pending.push((entry.path(), format!("{relative}/"), depth + 1));
                } else if kind.is_dir() {
                    pack.strays.push((relative, "a directory nested deeper than a pack's"));
                } else if kind.is_file() {
                    let size =
                        entry.metadata().map_err(|e| format!("{}: {}", shown(&relative), input::io_words(&e)))?.len();
                    bytes = bytes.saturating_add(size);
                    if bytes > MAX_PACK_BYTES {
                        return Err(format!(
                            "its files hold more than {}, more than a pack may",
                            input::size_words(MAX_PACK_BYTES)
                        ));
                    }
                    pack.files.insert(relative, size);
                } else {
                    pack.strays.push((relative, "not a regular file (a device, FIFO or socket)"));
                }
            }
        }
        Ok(pack)
    }

    /// A file of the pack, if the walk found it as a regular file and it still is one: read
    /// without following a symbolic link, at most the size the walk saw.
    pub fn read(&self, name: &str) -> Option<Vec<u8>> {
        let size = *self.files.get(name)?;
        let path = self.dir.join(name);
        let shown_name = path.display().to_string();
        let handle = input::open_nonblocking(&path, input::Links::Refuse).ok()?;
        let metadata = handle.metadata().ok()?;
        if !metadata.is_file() || metadata.len() != size {
            return None;
        }
        input::read_open(&shown_name, handle, &metadata, Kind::PackFile).ok()
    }

    /// What the pack holds that is not a regular file: each with why it is not read.
    pub fn strays(&self) -> &[(String, &'static str)] {
        &self.strays
    }
}

impl crate::evidence::PackFiles for Pack {
    fn read(&self, name: &str) -> Option<Vec<u8>> {
        Pack::read(self, name)
    }

    fn names(&self) -> Vec<String> {
        self.files.keys().cloned().collect()
    }
}

/// `finsim verify-evidence DIR`: 0 everything holds, 1 something does not, 2 DIR is no pack.
pub fn verify(out: &Output, dir: &str) -> u8 {
    let pack = match Pack::open(dir) {
        Ok(pack) => pack,
        Err(why) => {
            eprintln!("error: {}: not an evidence pack: {why}", shown(dir));
            return super::INVALID;
        }
    };
    let mut verdict = match crate::evidence::verify(&pack) {
        Ok(verdict) => verdict,
        Err(crate::evidence::NotAPack(why)) => {
            eprintln!("error: {}: not an evidence pack: {}", shown(dir), escape(&why));
            return super::INVALID;
        }
    };
    for (name, why) in pack.strays() {
        let what = format!("{why}: a pack holds regular files only");
        verdict.push(crate::evidence::Problem { file: name.clone(), line: None, what });
    }
    for problem in &verdict.problems {
        out.line(&format!("FAIL  {}", escape(&clip(&problem.to_string(), 500))));
    }
    for (file, n) in &verdict.omitted {
        out.line(&format!("FAIL  {}: {n} more problem(s), not listed", escape(&clip(file, 300))));
    }
    for file in &verdict.stopped {
        let most = crate::evidence::MAX_PROBLEMS_PER_FILE;
        out.line(&format!(
            "FAIL  {}: its lines were checked up to its first {most} problems",
            escape(&clip(file, 300))
        ));
    }
    let counts: Vec<String> = verdict.checked.iter().map(|(what, n)| format!("{n} {what}")).collect();
    out.line(&format!("checked: {}", counts.join(", ")));
    for (signer, n) in &verdict.expected_failures {
        out.line(&format!("expected: {n} signature(s) of {} fail (a forge_signature org)", escape(signer)));
    }
    if verdict.holds() {
        out.line("PASSED: every file, signature and proof holds, and a re-run gives every file again");
        super::PASSED
    } else {
        let omitted: u64 = verdict.omitted.values().sum();
        out.line(&format!("FAILED: {} problem(s)", verdict.problems.len() as u64 + omitted));
        super::FAILED
    }
}

/// One input of `finsim diff`: a pack (its summary, and where its trace is) or a trace file.
struct DiffInput {
    side: Side,
    trace: String,
}

fn diff_input(path: &str) -> Result<DiffInput, String> {
    let is_dir = std::fs::metadata(path).is_ok_and(|m| m.is_dir());
    if !is_dir {
        return Ok(DiffInput { side: Side::default(), trace: path.to_owned() });
    }
    let pack = Pack::open(path).map_err(|why| format!("{}: not an evidence pack: {why}", shown(path)))?;
    if let Some((name, why)) = pack.strays().first() {
        return Err(format!("{}: not an evidence pack: {}: {why}", shown(path), shown(name)));
    }
    if !pack.files.contains_key("trace.jsonl") {
        return Err(format!("{}: not an evidence pack: no trace.jsonl", shown(path)));
    }
    let side = Side::of_pack_without_trace(&pack)
        .map_err(|why| format!("{}: not an evidence pack: {}", shown(path), escape(&clip(&why.to_string(), 500))))?;
    let trace = Path::new(path).join("trace.jsonl").display().to_string();
    Ok(DiffInput { side, trace })
}

/// Reads two traces a line at a time, in step, checking each line is a trace event: where they
/// part, if they do. Memory is two lines, whatever the files' sizes.
fn trace_divergence(a: &str, b: &str) -> Result<Option<Divergence>, String> {
    let mut readers = [Lines::open(a, Kind::Trace), Lines::open(b, Kind::Trace)];
    let [Ok(ra), Ok(rb)] = &mut readers else {
        let [ea, eb] = readers;
        return Err(ea.err().or(eb.err()).map(|e| e.to_string()).unwrap_or_default());
    };
    let mut index = 0u64;
    loop {
        let la = checked_line(ra)?;
        let lb = checked_line(rb)?;
        if index == 0 {
            if la.is_none() {
                return Err(format!("{}: empty: a trace has at least one event", shown(a)));
            }
            if lb.is_none() {
                return Err(format!("{}: empty: a trace has at least one event", shown(b)));
            }
        }
        match (la, lb) {
            (None, None) => return Ok(None),
            (la, lb) if la != lb => return Ok(Some(Divergence { index, a: la, b: lb })),
            _ => index += 1,
        }
    }
}

fn checked_line(reader: &mut Lines) -> Result<Option<String>, String> {
    let line = reader.next_line().map_err(|e| e.to_string())?.map(str::to_owned);
    if let Some(line) = &line {
        if let Err(why) = crate::evidence::check_trace_line(line) {
            return Err(InputError::at(reader.file(), reader.number(), 1, why).to_string());
        }
    }
    Ok(line)
}

/// `finsim diff A B`: 0 identical, 1 they differ, 2 an input is neither a pack nor a trace.
pub fn diff(out: &Output, a: &str, b: &str) -> u8 {
    let compared = diff_input(a).and_then(|da| {
        let db = diff_input(b)?;
        let divergence = trace_divergence(&da.trace, &db.trace)?;
        Ok(crate::evidence::describe(divergence.as_ref(), &da.side, &db.side))
    });
    match compared {
        Err(error) => {
            eprintln!("error: {error}");
            super::INVALID
        }
        Ok(None) => {
            out.line("identical");
            super::PASSED
        }
        Ok(Some(lines)) => {
            for line in lines {
                out.line(&escape(&line));
            }
            super::FAILED
        }
    }
}
