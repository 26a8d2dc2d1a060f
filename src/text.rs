//! Text that reaches a terminal. Scenario files are written by other people, so no byte
//! they control may reach a terminal as a control sequence: ids and names that carry a
//! control character are refused at load, and every scenario-controlled string printed
//! (error messages quoting a bad value, snippets of a bad file, descriptions) goes through
//! `escape` or `visible` first.

use std::borrow::Cow;

/// Whether a character must not reach a terminal as it is: the C0 and C1 control characters,
/// DEL, and the Unicode formatting characters that reorder or hide text (bidirectional
/// overrides and isolates, zero-width joiners, the byte-order mark).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// The text with each unsafe character written as a Rust escape (`\u{1b}`), so that a reader
/// sees what the file holds and a terminal interprets none of it. Line breaks are escaped
/// too: one line in, one line out.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The text with each unsafe character replaced by one visible character, so that columns
/// still line up under it (for snippets of a file): a tab by a space, another C0 control by
/// its Unicode control picture (ESC as `␛`), anything else by `�`.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                '\t' => ' ',
                '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'),
                '\u{7f}' => '\u{2421}',
                c if is_unsafe(c) => '\u{FFFD}',
                c => c,
            })
            .collect(),
    )
}

/// The first unsafe character of a text, if any, as the error messages name it.
pub fn first_unsafe(text: &str) -> Option<String> {
    text.chars().find(|c| is_unsafe(*c)).map(|c| format!("U+{:04X}", c as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_sequences_are_escaped_and_plain_text_is_borrowed() {
        assert_eq!(escape("org_1"), Cow::Borrowed("org_1"));
        assert_eq!(escape("a\u{1b}]0;pwned\u{7}b"), "a\\u{1b}]0;pwned\\u{7}b");
        assert_eq!(escape("x\nok PASSED"), "x\\u{a}ok PASSED");
        assert_eq!(escape("\u{202e}abc"), "\\u{202e}abc");
        assert_eq!(escape("\u{9b}31m"), "\\u{9b}31m", "a C1 control (CSI)");
    }

    #[test]
    fn visible_keeps_one_character_per_character() {
        let line = "name: \"a\u{1b}[2Jb\tc\u{85}\"";
        let shown = visible(line);
        assert_eq!(shown.chars().count(), line.chars().count());
        assert!(!shown.chars().any(is_unsafe));
        assert_eq!(shown, "name: \"a␛[2Jb c\u{FFFD}\"");
    }

    #[test]
    fn the_first_unsafe_character_is_named() {
        assert_eq!(first_unsafe("ab\u{7}"), Some("U+0007".to_owned()));
        assert_eq!(first_unsafe("plain é"), None);
    }
}
