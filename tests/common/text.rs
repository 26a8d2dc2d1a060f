//! What a terminal must not be handed raw, judged apart from finsim's own text policy so that the
//! tests and the fuzz targets do not take finsim's word for it. Shared by the integration tests
//! and the fuzz targets, each including it.

/// Whether a terminal would act on a character or hide it: a control character, a bidirectional
/// control, a zero-width character or the byte-order mark, a line or paragraph separator.
pub fn shows_unsafely(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}')
}
