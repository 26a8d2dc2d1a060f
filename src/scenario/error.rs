//! Errors in a scenario file: each names the file, the line and column, what is wrong and
//! what was expected, with a snippet of the file around the place.
//!
//! The rendering is finsim's own, in the shape rustc made familiar: one `error:` line with
//! `file:line:column`, then the snippet with a marker under the offending token, then the
//! help. Scenario files come from other people, so the snippet shows control characters
//! as visible pictures, messages quote values escaped, and a long line is cut to a window
//! around the column (a 50 MB line prints as about 120 characters).

use crate::text::{escape, visible};
use serde_saphyr::Location;

/// How many characters of a line a snippet shows around the column.
pub const SNIPPET_WIDTH: usize = 120;

/// One thing wrong at one place of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line (0 when the place is unknown).
    pub line: u64,
    /// 1-based column, in characters (0 when the place is unknown).
    pub column: u64,
    /// What is wrong, a lowercase fragment.
    pub message: String,
    /// What was expected, when there is more to say.
    pub help: Option<String>,
}

impl Problem {
    /// A problem at a location from the YAML parser.
    pub fn at(location: Location, message: impl Into<String>) -> Self {
        Self { line: location.line(), column: location.column(), message: message.into(), help: None }
    }

    /// Adds a line saying what was expected.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Why a scenario could not be loaded. Exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read, or is not a file finsim reads.
    #[error("{}: cannot read the file: {}", escape(file), escape(reason))]
    Io {
        /// The path as given.
        file: String,
        /// Why, in plain words.
        reason: String,
    },
    /// The file is not a valid scenario.
    #[error("{}", render_plain(file, problems))]
    Invalid {
        /// The path as given.
        file: String,
        /// The file's text (invalid UTF-8 replaced).
        source_text: std::sync::Arc<str>,
        /// Everything wrong with it, in file order.
        problems: Vec<Problem>,
    },
}

fn render_plain(file: &str, problems: &[Problem]) -> String {
    let lines: Vec<String> =
        problems.iter().map(|p| format!("{}:{}:{}: {}", escape(file), p.line, p.column, escape(&p.message))).collect();
    lines.join("\n")
}

impl LoadError {
    /// The problems, if the file was read.
    pub fn problems(&self) -> &[Problem] {
        match self {
            LoadError::Io { .. } => &[],
            LoadError::Invalid { problems, .. } => problems,
        }
    }

    /// The first problem on one line, without the file's snippet: `line L, column C: what`
    /// (for a message about a file inside another, such as a pack's `scenario.yaml`).
    pub fn first_problem(&self) -> String {
        match self.problems().first() {
            Some(p) => format!("line {}, column {}: {}", p.line, p.column, crate::text::clip(&p.message, 300)),
            None => match self {
                LoadError::Io { reason, .. } => reason.clone(),
                LoadError::Invalid { .. } => "invalid".to_owned(),
            },
        }
    }

    /// The full human rendering: per problem, one `error: file:line:column: message` line,
    /// the snippet, and what was expected. Safe to print on a terminal.
    pub fn render(&self) -> String {
        let LoadError::Invalid { file, source_text, problems } = self else {
            return format!("error: {self}\n");
        };
        let mut out = String::new();
        for problem in problems {
            let place = format!("{}:{}:{}", escape(file), problem.line, problem.column);
            out.push_str(&format!("error: {place}: {}\n", escape(&problem.message)));
            let gutter = if problem.line == 0 { 1 } else { (problem.line + 1).to_string().len() };
            out.push_str(&snippet(source_text, problem.line, problem.column));
            if let Some(help) = &problem.help {
                out.push_str(&format!("{:gutter$} = help: {}\n", "", escape(help)));
            }
            out.push('\n');
        }
        out
    }
}

/// The lines around `line` with a marker under the token at `column`, each cut to the same
/// window of `SNIPPET_WIDTH` characters around the column.
fn snippet(text: &str, line: u64, column: u64) -> String {
    if line == 0 {
        return String::new();
    }
    let first = line.saturating_sub(1).max(1);
    let lines: Vec<(u64, &str)> = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l.strip_suffix('\r').unwrap_or(l)))
        .skip(first as usize - 1)
        .take_while(|(n, _)| *n <= line + 1)
        .collect();
    let Some((_, target)) = lines.iter().find(|(n, _)| *n == line) else { return String::new() };
    let length = target.chars().count();
    let at = (column.max(1) as usize - 1).min(length);
    let start = if length <= SNIPPET_WIDTH { 0 } else { at.saturating_sub(SNIPPET_WIDTH / 2) };
    let gutter = (line + 1).to_string().len();
    let cut = |content: &str| {
        let shown: String = content.chars().skip(start).take(SNIPPET_WIDTH).collect();
        let before = if start > 0 && !content.is_empty() { "…" } else { "" };
        let after = if content.chars().count() > start + SNIPPET_WIDTH { "…" } else { "" };
        format!("{before}{}{after}", visible(&shown))
    };
    let mut out = format!("{:gutter$} |\n", "");
    for (number, content) in &lines {
        out.push_str(format!("{number:>gutter$} | {}", cut(content)).trim_end());
        out.push('\n');
        if *number == line {
            let token = token_length(target, at).min(SNIPPET_WIDTH - (at - start)).max(1);
            let indent = at - start + usize::from(start > 0);
            out.push_str(&format!("{:gutter$} | {:indent$}{}\n", "", "", "^".repeat(token)));
        }
    }
    out
}

/// The length in characters of the token starting at character `at` of a line: up to the
/// next separator of flow YAML or a comment.
fn token_length(line: &str, at: usize) -> usize {
    let rest: String = line.chars().skip(at).collect();
    let end = rest.find([',', '}', ']', '#']).unwrap_or(rest.len());
    rest[..end].trim_end().chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_cut_around_the_column() {
        let line = format!("name: {}BAD{}", "x".repeat(5000), "y".repeat(5000));
        let shown = snippet(&line, 1, 5007);
        assert!(shown.len() < 3 * SNIPPET_WIDTH * 2, "{shown}");
        let lines: Vec<&str> = shown.lines().collect();
        let caret = lines[2].chars().position(|c| c == '^').unwrap();
        let above: String = lines[1].chars().skip(caret).take(3).collect();
        assert_eq!(above, "BAD", "the marker sits under the token:\n{shown}");
    }

    #[test]
    fn control_characters_in_a_snippet_are_shown_as_pictures() {
        let shown = snippet("name: \"\u{1b}]0;title\u{7}\"\nseed: x\n", 1, 7);
        assert!(shown.lines().all(|l| !l.chars().any(crate::text::is_unsafe)), "{shown:?}");
        assert!(shown.contains('␛'));
    }
}
