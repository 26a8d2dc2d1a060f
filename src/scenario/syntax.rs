//! The YAML library's errors in our own words.
//!
//! Each error is mapped from its type, not by cutting its text: a scenario author reads
//! "missing key `flow`", never a hint about the library's API. A variant this module
//! does not know falls back to the library's user-facing wording, escaped.

use super::error::Problem;
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{Error, MessageFormatter, UserMessageFormatter};

/// What every help line that has nothing better to say points at.
pub const FORMAT_HELP: &str = "see docs/scenario-format.md for every key and its type";

/// The problem a YAML error describes, at its place.
pub fn problem(error: &Error) -> Problem {
    let (line, column) = error.location().map_or((0, 0), |l| (l.line(), l.column()));
    let (message, help) = words(error);
    Problem { line, column, message, help: Some(help) }
}

fn words(error: &Error) -> (String, String) {
    let help = |h: &str| h.to_owned();
    match error.without_snippet() {
        Error::AliasError { error, .. } => words(error),
        Error::Message { msg, .. } => (msg.clone(), help(FORMAT_HELP)),
        Error::Eof { .. } => ("the file ends in the middle of a value".into(), help("close every `[` and `{`")),
        Error::MultipleDocuments { .. } => (
            "the file holds more than one YAML document".into(),
            help("a scenario is one document: remove the second `---` and what follows it"),
        ),
        Error::Unexpected { expected, .. } => (format!("expected {}", thing(expected)), help(FORMAT_HELP)),
        Error::NullIntoString { .. } => {
            ("expected text, found nothing".into(), help("write a value after the key, or remove the key"))
        }
        Error::ExpectedStringKeyForExternallyTaggedEnum { .. }
        | Error::ExternallyTaggedEnumExpectedScalarOrMapping { .. }
        | Error::ExpectedMappingEndAfterEnumVariantValue { .. } => (
            "expected one key naming the kind, with its fields as the value".into(),
            help("e.g. `- transfer: { request_id: 1, ... }` or `latency: { constant: { ms: 10 } }`"),
        ),
        Error::SerdeInvalidType { unexpected, expected, .. }
        | Error::SerdeInvalidValue { unexpected, expected, .. } => {
            let quoted_number = unexpected.starts_with("string") && expected.contains("number");
            let h = if quoted_number { "write the number without quotes" } else { FORMAT_HELP };
            (format!("expected {}, found {unexpected}", thing(expected)), help(h))
        }
        Error::SerdeInvalidLength { len, expected, .. } => {
            (format!("expected {}, found {len} element(s)", thing(expected)), help(FORMAT_HELP))
        }
        Error::SerdeUnknownVariant { variant, expected, .. } => {
            (format!("unknown kind `{variant}`"), format!("expected one of: {}", expected.join(", ")))
        }
        Error::SerdeUnknownField { field, expected, .. } => {
            (format!("unknown key `{field}`"), format!("expected one of: {}", expected.join(", ")))
        }
        Error::SerdeMissingField { field, .. } => {
            (format!("missing key `{field}`"), format!("this block needs `{field}`; {FORMAT_HELP}"))
        }
        Error::DuplicateMappingKey { key, .. } => {
            let key = key.as_deref().map_or_else(|| "a key".to_owned(), |k| format!("the key `{k}`"));
            (format!("{key} appears twice in one mapping"), help("each key may appear once in a mapping"))
        }
        Error::InvalidScalar { ty, .. } => (format!("expected {}", thing(ty)), help(FORMAT_HELP)),
        Error::InvalidBooleanStrict { .. } => ("expected true or false".into(), help(FORMAT_HELP)),
        Error::NonFiniteFloat { value, .. } => {
            (format!("`{value}` is not a finite number"), help("expected a number such as 0.05"))
        }
        Error::UnknownAnchor { .. } => (
            "an alias (`*name`) names no anchor (`&name`) defined before it".into(),
            help("define the anchor before its first alias"),
        ),
        Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. }
        | Error::AliasReplayCounterOverflow { .. } => (
            "aliases (`*name`) expand to more than a scenario may hold".into(),
            help("an alias bomb is refused: write the values out, or use fewer aliases"),
        ),
        Error::Budget { breach, .. } => budget(breach),
        Error::InvalidUtf8Input => ("the file is not UTF-8 text".into(), help("save the file as UTF-8")),
        other => (UserMessageFormatter.format_message(other).into_owned(), help(FORMAT_HELP)),
    }
}

fn budget(breach: &BudgetBreach) -> (String, String) {
    let limit = "a scenario file this large or this deeply nested is refused, so that reading it stays bounded";
    let what = match breach {
        BudgetBreach::Nodes { nodes } => format!("the file holds more than {} values", nodes.saturating_sub(1)),
        BudgetBreach::Events { events } => format!("the file holds more than {} YAML events", events.saturating_sub(1)),
        BudgetBreach::Depth { depth } => format!("the file is nested {depth} levels deep"),
        BudgetBreach::Aliases { .. } | BudgetBreach::AliasAnchorRatio { .. } => {
            "the file uses more aliases (`*name`) than a scenario may".to_owned()
        }
        BudgetBreach::Anchors { .. } => "the file defines more anchors (`&name`) than a scenario may".to_owned(),
        BudgetBreach::Documents { .. } => "the file holds more than one YAML document".to_owned(),
        BudgetBreach::ScalarBytes { .. } => "the file's values hold more text than a scenario may".to_owned(),
        _ => "the file is too large or too complex to read".to_owned(),
    };
    (what, limit.to_owned())
}

/// The library's name of a type, in a scenario author's words.
fn thing(expected: &str) -> String {
    match expected {
        "u64" | "u32" | "u16" | "u8" | "usize" => "a non-negative whole number".to_owned(),
        "i64" | "i32" => "a whole number".to_owned(),
        "f64" | "f32" | "floating point" => "a number".to_owned(),
        "string scalar" | "a string" | "string" => "text".to_owned(),
        "bool" | "a boolean" => "true or false".to_owned(),
        "a sequence" | "sequence" => "a list".to_owned(),
        "struct" | "a map" | "map" => "a mapping".to_owned(),
        other => other.to_owned(),
    }
}

/// Every plain value spelt as a YAML number in another base or with `_` separators
/// (`0x64`, `0o17`, `0b101`, `1_000`): scenario numbers are written in decimal, and text
/// that looks like such a number is quoted. A file YAML cannot read is left to the reader.
pub fn non_decimal_numbers(text: &str) -> Vec<Problem> {
    use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};
    let mut problems = Vec::new();
    for item in Parser::new_from_str(text) {
        if let Ok((Event::Scalar(value, style, _, Some(tag)), span)) = &item {
            let number = ["int", "float"].iter().any(|t| tag.is_yaml_core_schema_tag(t));
            if number && *style != ScalarStyle::Plain {
                let marker = span.start;
                problems.push(Problem {
                    line: marker.line() as u64,
                    column: marker.col() as u64 + 1,
                    message: format!("`{value}` is a quoted number with a tag that makes it a number"),
                    help: Some("write the number without quotes and without a tag".to_owned()),
                });
                continue;
            }
        }
        let Ok((Event::Scalar(value, ScalarStyle::Plain, _, None), span)) = item else {
            if item.is_err() {
                break;
            }
            continue;
        };
        if let Some(decimal) = non_decimal(&value) {
            let marker = span.start;
            problems.push(Problem {
                line: marker.line() as u64,
                column: marker.col() as u64 + 1,
                message: format!("`{value}` is a number written in another base or with `_`"),
                help: Some(match decimal {
                    Some(n) => format!("write numbers in decimal ({n}), or quote the value if it is text"),
                    None => "write numbers in decimal, or quote the value if it is text".to_owned(),
                }),
            });
        }
    }
    problems
}

/// For a plain scalar that YAML reads as a non-decimal integer: `Some(its value)`, or
/// `Some(None)` when the value does not fit in 64 bits.
fn non_decimal(value: &str) -> Option<Option<u64>> {
    let unsigned = value.strip_prefix(['+', '-']).unwrap_or(value);
    let (radix, digits) = match unsigned.get(..2) {
        Some("0x" | "0X") => (16, &unsigned[2..]),
        Some("0o" | "0O") => (8, &unsigned[2..]),
        Some("0b" | "0B") => (2, &unsigned[2..]),
        _ if unsigned.contains('_') && unsigned.starts_with(|c: char| c.is_ascii_digit()) => (10, unsigned),
        _ => return None,
    };
    let digits = digits.replace('_', "");
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    Some(u64::from_str_radix(&digits, radix).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_other_bases_are_found_with_their_place() {
        let problems = non_decimal_numbers("a: 0x64\nb: \"0x64\"\nc: 1_000\nd: org_1\ne: 0xZZ\nf: 100\n");
        let places: Vec<(u64, u64)> = problems.iter().map(|p| (p.line, p.column)).collect();
        assert_eq!(places, vec![(1, 4), (3, 4)]);
        assert!(problems[0].help.as_deref().unwrap().contains("(100)"));
    }

    #[test]
    fn a_quoted_number_tagged_as_a_number_is_found() {
        let problems = non_decimal_numbers("a: !!int \"100\"\nb: !!float '1.5'\nc: !!str \"100\"\nd: 100\n");
        let places: Vec<(u64, u64)> = problems.iter().map(|p| (p.line, p.column)).collect();
        assert_eq!(places, vec![(1, 10), (2, 12)]);
    }
}
