//! Unix seconds rendered as the UTC date-time string of EVE's `notbefore` / `notafter`.

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

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01.
///
/// Works in 400-year eras starting on March 1st, so February is the era's last month and
/// leap days need no special case.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    const DAYS_PER_ERA: i64 = 146_097;
    // Day 0 of the computation is 0000-03-01.
    let z = days + 719_468;
    let era = z.div_euclid(DAYS_PER_ERA);
    let day_of_era = z.rem_euclid(DAYS_PER_ERA);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month as u32, day as u32)
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
