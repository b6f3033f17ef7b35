//! Unix seconds rendered as the UTC date-time string of EVE's `notbefore` / `notafter`.

use crate::timestamp::civil_from_days;

const SECS_PER_DAY: i64 = 86_400;

/// `"2023-01-01T00:00:00"` (UTC, no zone suffix, as Suricata writes certificate dates).
pub fn eve_time(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(SECS_PER_DAY);
    let secs = unix_secs.rem_euclid(SECS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::eve_time;

    #[test]
    fn known_dates() {
        assert_eq!(eve_time(0), "1970-01-01T00:00:00");
        assert_eq!(eve_time(1_672_531_200), "2023-01-01T00:00:00");
        assert_eq!(eve_time(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(eve_time(1_795_438_481), "2026-11-23T12:54:41");
        assert_eq!(eve_time(2_524_607_999), "2049-12-31T23:59:59");
        assert_eq!(eve_time(-1), "1969-12-31T23:59:59");
        assert_eq!(eve_time(-631_152_000), "1950-01-01T00:00:00");
        assert_eq!(eve_time(253_402_300_799), "9999-12-31T23:59:59");
    }

    #[test]
    fn every_day_is_one_after_the_other() {
        let mut prev = eve_time(-800 * 86_400);
        for d in -799..20_000i64 {
            let cur = eve_time(d * 86_400);
            assert!(cur > prev, "{prev} then {cur}");
            prev = cur;
        }
    }
}
