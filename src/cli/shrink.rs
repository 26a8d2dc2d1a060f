//! `finsim shrink`: a failing scenario made smaller, still failing the same check.

use super::input;
use super::output::Output;
use crate::scenario;
use crate::text::{clip, escape};

pub fn shrink(out: &Output, file: &str, seed: u64, keep: &crate::shrink::Keep<'_>, output: Option<String>) -> u8 {
    let bytes = match input::read_scenario(file) {
        Ok(bytes) => bytes,
        Err(error) => return super::invalid(&error),
    };
    // Refused here as `check` refuses it: the shrunk file is text.
    let text = match scenario::utf8_text(file, &bytes) {
        Ok(text) => text,
        Err(error) => return super::invalid(&error),
    };
    let target = output.unwrap_or_else(|| {
        let path = std::path::Path::new(file);
        let stem = path.file_stem().map_or("scenario".into(), |s| s.to_string_lossy());
        path.with_file_name(format!("{stem}.min.yaml")).display().to_string()
    });
    let claim = match super::target::Target::claim(&target, "smaller file", &[file]) {
        Ok(claim) => claim,
        Err(error) => {
            eprintln!("error: {error}");
            return super::INVALID;
        }
    };
    let shrunk = match crate::shrink::shrink(file, text, seed, keep) {
        Ok(shrunk) => shrunk,
        Err(crate::shrink::NotShrunk::Passes) => {
            out.line(&format!("{} passes at seed {seed}: nothing to shrink", input::shown(file)));
            return super::FAILED;
        }
        Err(crate::shrink::NotShrunk::CheckHolds(name)) => {
            let name = escape(&clip(&name, 200)).into_owned();
            out.line(&format!("{} does not fail `{name}` at seed {seed}: nothing to shrink", input::shown(file)));
            return super::FAILED;
        }
        Err(crate::shrink::NotShrunk::Invalid(why)) => {
            eprint!("{why}");
            return super::INVALID;
        }
    };
    // The reproduce line names the file written (only the comment: the scenario is left as it is).
    let text = shrunk.text_for(&target);
    let written = text.len();
    if let Err(error) = claim.write_all(text.as_bytes()) {
        eprintln!("error: {error}");
        return super::INVALID;
    }
    let (before, after) = shrunk.parts;
    out.line(&format!(
        "{}: {before} parts, {} bytes → {}: {after} parts, {written} bytes ({} runs); it still fails `{}` at seed {seed}",
        input::shown(file),
        bytes.len(),
        input::shown(&target),
        shrunk.runs,
        escape(&shrunk.check)
    ));
    super::PASSED
}
