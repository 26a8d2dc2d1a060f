//! Seed ranges: `A..B` or `A..=B`, both ends included (a scenario's `seeds`, `--seeds`).

use std::ops::RangeInclusive;

/// Why a text is not a seed range.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SeedRangeError {
    /// No `..` between two seeds.
    #[error("`{0}` is not a seed range: expected A..B, e.g. 0..199")]
    NotARange(String),
    /// An end that is not a non-negative whole number.
    #[error("`{0}` is not a seed (a non-negative whole number)")]
    NotASeed(String),
    /// The first seed exceeds the last.
    #[error("the range {first}..{last} is empty: the first seed must not exceed the last")]
    Empty {
        /// The first seed.
        first: u64,
        /// The last seed.
        last: u64,
    },
}

/// Parses `A..B` (both ends included; `A..=B` means the same).
pub fn parse_seeds(text: &str) -> Result<RangeInclusive<u64>, SeedRangeError> {
    let (a, b) = text.split_once("..").ok_or_else(|| SeedRangeError::NotARange(text.to_owned()))?;
    let b = b.strip_prefix('=').unwrap_or(b);
    let parse = |s: &str| s.trim().parse::<u64>().map_err(|_| SeedRangeError::NotASeed(s.to_owned()));
    let (first, last) = (parse(a)?, parse(b)?);
    if first > last {
        return Err(SeedRangeError::Empty { first, last });
    }
    Ok(first..=last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ranges_include_both_ends() {
        assert_eq!(parse_seeds("0..199"), Ok(0..=199));
        assert_eq!(parse_seeds("5..=5"), Ok(5..=5));
        assert_eq!(parse_seeds("9..1"), Err(SeedRangeError::Empty { first: 9, last: 1 }));
        assert_eq!(parse_seeds("a..1"), Err(SeedRangeError::NotASeed("a".into())));
        assert_eq!(parse_seeds("7"), Err(SeedRangeError::NotARange("7".into())));
    }
}
