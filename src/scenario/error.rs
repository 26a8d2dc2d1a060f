//! Errors in a scenario file: each names the file, the line and column, the
//! offending snippet and what was expected. They are rendered with miette.

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan};
use serde_saphyr::Location;
use std::fmt;
use std::sync::Arc;

/// One thing wrong at one place of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line (0 when the place is unknown).
    pub line: u64,
    /// 1-based column (0 when the place is unknown).
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
    /// The file could not be read.
    #[error("{file}: cannot read the file: {reason}")]
    Io {
        /// The path as given.
        file: String,
        /// The OS error.
        reason: String,
    },
    /// The file is not a valid scenario.
    #[error("{}", render_plain(file, problems))]
    Invalid {
        /// The path as given.
        file: String,
        /// The file's text.
        source_text: Arc<str>,
        /// Everything wrong with it, in file order.
        problems: Vec<Problem>,
    },
}

fn render_plain(file: &str, problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("{file}:{}:{}: {}", p.line, p.column, p.message)).collect::<Vec<_>>().join("\n")
}

impl LoadError {
    /// The problems, if the file was read.
    pub fn problems(&self) -> &[Problem] {
        match self {
            LoadError::Io { .. } => &[],
            LoadError::Invalid { problems, .. } => problems,
        }
    }

    /// The full human rendering: one `file:line:column: message` line per problem,
    /// followed by the snippet and what was expected.
    pub fn render(&self) -> String {
        let LoadError::Invalid { file, source_text, problems } = self else {
            return format!("error: {self}\n");
        };
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
        let mut out = String::new();
        for problem in problems {
            out.push_str(&format!("error: {file}:{}:{}: {}\n", problem.line, problem.column, problem.message));
            let diagnostic = SnippetDiagnostic {
                message: problem.message.clone(),
                help: problem.help.clone(),
                source: NamedSource::new(file, source_text.clone()),
                span: span_of(source_text, problem.line, problem.column),
            };
            let mut snippet = String::new();
            if handler.render_report(&mut snippet, &diagnostic).is_ok() {
                out.push_str(&snippet);
            }
            out.push('\n');
        }
        out
    }
}

/// The byte span of the token at a 1-based line and (character) column.
fn span_of(text: &str, line: u64, column: u64) -> SourceSpan {
    if line == 0 {
        return SourceSpan::from((0, 0));
    }
    let mut offset = 0;
    for (index, content) in text.split_inclusive('\n').enumerate() {
        if index as u64 + 1 == line {
            let start = offset
                + content
                    .char_indices()
                    .nth(column.saturating_sub(1) as usize)
                    .map_or(content.trim_end().len(), |(i, _)| i);
            let rest = &text[start..];
            let len = rest.find(['\n', ',', '}', ']', '#']).unwrap_or(rest.len());
            let len = rest[..len].trim_end().len().max(usize::from(!rest.is_empty()));
            return SourceSpan::from((start, len));
        }
        offset += content.len();
    }
    SourceSpan::from((text.len(), 0))
}

#[derive(Debug)]
struct SnippetDiagnostic {
    message: String,
    help: Option<String>,
    source: NamedSource<Arc<str>>,
    span: SourceSpan,
}

impl fmt::Display for SnippetDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SnippetDiagnostic {}

impl Diagnostic for SnippetDiagnostic {
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(miette::LabeledSpan::new_with_span(Some("here".to_owned()), self.span))))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
}
