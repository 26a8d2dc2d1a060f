//! Text that reaches a terminal or a report: one policy for both. Files are written by other
//! people, so no character they control may reach a reader as something other than what it
//! is: a control sequence, a character that reorders text (bidirectional controls), or one that
//! shows nothing (default-ignorable code points, variation selectors, tags, unassigned code
//! points). Ids and names that carry one are refused at load, so two ids never differ only by
//! what a reader cannot see; every other file-controlled string that is printed (error messages
//! quoting a value, snippets of a file, descriptions) goes through `escape` or `visible` first.
//!
//! Which characters those are comes from the Unicode Character Database, through ICU4X's
//! `icu_properties` tables, not from a hand-kept list.

use icu_properties::props::{
    BidiClass, BidiControl, BinaryProperty, DefaultIgnorableCodePoint, EnumeratedProperty, GeneralCategory,
    VariationSelector,
};
use std::borrow::Cow;

/// Whether a character must not reach a reader as it is: a control (C0, C1, DEL), a format
/// character (general category Cf: soft hyphen, zero-width joiners, the byte-order mark, tag
/// characters), a line or paragraph separator, a private-use, surrogate or unassigned code
/// point, a default-ignorable code point (which renders as nothing: U+3164 HANGUL FILLER), a
/// bidirectional control (U+061C, U+200E, U+202A–U+202E, U+2066–U+2069) or a variation
/// selector (U+FE0E); and U+2800 BRAILLE PATTERN BLANK, a letter-like character that shows
/// nothing.
pub fn is_unsafe(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    if DefaultIgnorableCodePoint::for_char(c) || BidiControl::for_char(c) || VariationSelector::for_char(c) {
        return true;
    }
    c == '\u{2800}'
        || matches!(
            GeneralCategory::for_char(c),
            GeneralCategory::Control
                | GeneralCategory::Format
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
                | GeneralCategory::PrivateUse
                | GeneralCategory::Surrogate
                | GeneralCategory::Unassigned
        )
}

/// Whether a character is written right to left (bidirectional class R, AL or AN). A resource
/// id's NAME may not hold one: `o1:100:\u{5d0}1` and `o1:100:1\u{5d0}` are different ids that a
/// terminal shows alike, because the ids' Latin prefix and the Hebrew letter are laid out in
/// opposite directions.
pub fn is_right_to_left(c: char) -> bool {
    !c.is_ascii()
        && matches!(BidiClass::for_char(c), BidiClass::RightToLeft | BidiClass::ArabicLetter | BidiClass::ArabicNumber)
}

/// The line and column (from 1, the column in characters) just after `text`: where the first
/// byte that is not UTF-8 stands when `text` is the valid part before it.
pub fn place_after(text: &str) -> (u64, u64) {
    let line = text.matches('\n').count() as u64 + 1;
    let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, column)
}

/// A text cut to at most `max` characters for quoting in a message, with how much was left out:
/// a 60 MiB name is quoted as its first characters, not whole.
pub fn clip(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((end, _)) => {
            let left = text[end..].chars().count();
            Cow::Owned(format!("{}… ({left} more characters)", &text[..end]))
        }
    }
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
    fn invisible_and_reordering_characters_are_unsafe_and_letters_of_every_script_are_not() {
        for c in ['\u{ad}', '\u{61c}', '\u{3164}', '\u{fe0e}', '\u{e0041}', '\u{200b}', '\u{2066}', '\u{115f}'] {
            assert!(is_unsafe(c), "U+{:04X}", c as u32);
        }
        for c in ['\u{e000}', '\u{2029}', '\u{2800}', '\u{0378}', '\u{feff}'] {
            assert!(is_unsafe(c), "U+{:04X}", c as u32);
        }
        for c in ['a', 'é', 'ß', 'Ж', 'א', 'ع', '中', '한', ' ', '€', '\u{a0}'] {
            assert!(!is_unsafe(c), "U+{:04X}", c as u32);
        }
        assert_eq!(escape("alice\u{ad}"), "alice\\u{ad}");
    }

    #[test]
    fn right_to_left_letters_are_told_apart() {
        assert!(is_right_to_left('א') && is_right_to_left('ع') && is_right_to_left('\u{661}'));
        assert!(!is_right_to_left('a') && !is_right_to_left('1') && !is_right_to_left('中'));
    }

    #[test]
    fn clip_keeps_short_texts_and_says_how_much_it_left_out() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("abcdef", 3), "abc… (3 more characters)");
    }
}
