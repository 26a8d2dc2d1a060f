//! One clock for every moment a run shows: virtual time counts microseconds from 0, and a
//! scenario's `start` (RFC 3339, UTC; by default 2026-01-01T00:00:00Z) is the real-world moment of
//! virtual time 0. A proof's `hash_received`, the FinP2P nonce's time bytes, the report and the
//! evidence pack all read moments through it; the trace keeps virtual microseconds.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The default start, 2026-01-01T00:00:00Z, in microseconds since the Unix epoch.
#[doc(inline)]
pub use crate::crypto::chainpoint::DEFAULT_START_US;

pub use crate::crypto::chainpoint::LATEST_UNIX_SECONDS;

/// The real-world moment of virtual time 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Clock {
    /// Microseconds since the Unix epoch.
    pub start_us: u64,
}

impl Default for Clock {
    fn default() -> Self {
        Self { start_us: DEFAULT_START_US }
    }
}

/// Why a `start` is not a moment finsim takes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// Not RFC 3339 in UTC (`2026-01-01T00:00:00Z`).
    #[error("not an RFC 3339 moment in UTC, such as 2026-01-01T00:00:00Z")]
    NotRfc3339,
    /// Before 1970-01-01T00:00:00Z.
    #[error("before 1970-01-01T00:00:00Z")]
    BeforeUnixEpoch,
}

impl Clock {
    /// The clock whose virtual time 0 is `text`, an RFC 3339 moment in UTC (`Z`).
    pub fn parse(text: &str) -> Result<Self, StartError> {
        let moment = humantime::parse_rfc3339(text).map_err(|_| StartError::NotRfc3339)?;
        let since = moment.duration_since(UNIX_EPOCH).map_err(|_| StartError::BeforeUnixEpoch)?;
        let start_us = u64::try_from(since.as_micros()).map_err(|_| StartError::NotRfc3339)?;
        Ok(Self { start_us })
    }

    /// Virtual time `t_us` as microseconds since the Unix epoch (saturating).
    pub fn unix_us(self, t_us: u64) -> u64 {
        self.start_us.saturating_add(t_us)
    }

    /// Virtual time `t_us` as whole seconds since the Unix epoch, at most `LATEST_UNIX_SECONDS`.
    pub fn unix_seconds(self, t_us: u64) -> u64 {
        (self.unix_us(t_us) / 1_000_000).min(LATEST_UNIX_SECONDS)
    }

    fn moment(self, t_us: u64) -> SystemTime {
        let us = self.unix_us(t_us).min(LATEST_UNIX_SECONDS * 1_000_000 + 999_999);
        UNIX_EPOCH + Duration::from_micros(us)
    }

    /// Virtual time `t_us` in RFC 3339, UTC, to the microsecond: `2026-01-01T00:00:00.522705Z`.
    pub fn iso_us(self, t_us: u64) -> String {
        humantime::format_rfc3339_micros(self.moment(t_us)).to_string()
    }

    /// Virtual time `t_us` in RFC 3339, UTC, to the millisecond: `2026-01-01T00:00:00.522Z`.
    pub fn iso_ms(self, t_us: u64) -> String {
        humantime::format_rfc3339_millis(self.moment(t_us)).to_string()
    }

    /// Virtual time `t_us` in RFC 3339, UTC, to the second: `2026-01-01T00:00:00Z`.
    pub fn iso_seconds(self, t_us: u64) -> String {
        humantime::format_rfc3339_seconds(self.moment(t_us)).to_string()
    }

    /// The start itself, as a scenario writes it (to the second when it is whole seconds).
    pub fn start_text(self) -> String {
        match self.start_us % 1_000_000 {
            0 => self.iso_seconds(0),
            _ => self.iso_us(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_start_is_the_first_second_of_2026() {
        let clock = Clock::default();
        assert_eq!(clock.start_text(), "2026-01-01T00:00:00Z");
        assert_eq!(Clock::parse("2026-01-01T00:00:00Z"), Ok(clock));
        assert_eq!(clock.iso_us(522_705), "2026-01-01T00:00:00.522705Z");
        assert_eq!(clock.iso_ms(1_522_705), "2026-01-01T00:00:01.522Z");
        assert_eq!(clock.unix_seconds(2_500_000), 1_767_225_602);
    }

    #[test]
    fn a_start_is_rfc_3339_in_utc_from_1970_on() {
        let clock = Clock::parse("2030-06-15T09:30:00.25Z").unwrap();
        assert_eq!(clock.iso_ms(0), "2030-06-15T09:30:00.250Z");
        assert_eq!(clock.start_text(), "2030-06-15T09:30:00.250000Z");
        assert_eq!(Clock::parse("1970-01-01T00:00:00Z"), Ok(Clock { start_us: 0 }));
        assert_eq!(Clock::parse("2026-01-01T01:00:00+01:00"), Err(StartError::NotRfc3339));
        assert_eq!(Clock::parse("2026-01-01"), Err(StartError::NotRfc3339));
        assert_eq!(Clock::parse("yesterday"), Err(StartError::NotRfc3339));
    }

    #[test]
    fn a_moment_past_what_rfc_3339_writes_is_stated_as_its_latest() {
        let late = Clock::parse("9999-12-31T23:59:59Z").unwrap();
        assert_eq!(late.iso_seconds(u64::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(late.unix_seconds(10_000_000), LATEST_UNIX_SECONDS);
    }
}
