//! Times as people read them. Pages are rendered in UTC, because the browser's time zone is
//! unknown while the server renders the page and both renderings must agree; `LocalTime`
//! (components) then shows the reader's own time once the page runs in the browser.

/// `2026-11-26 03:15 UTC` for Unix milliseconds.
pub fn utc_minute(ms: i64) -> String {
    let (y, mo, d, h, m) = parts(ms);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{m:02} UTC")
}

/// `2026-11-26T03:15Z`, for `<time datetime>`.
pub fn iso_minute(ms: i64) -> String {
    let (y, mo, d, h, m) = parts(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}Z")
}

/// `20261126-0315`, for file names.
pub fn compact_utc_minute(ms: i64) -> String {
    let (y, mo, d, h, m) = parts(ms);
    format!("{y:04}{mo:02}{d:02}-{h:02}{m:02}")
}

fn parts(ms: i64) -> (i64, i64, i64, i64, i64) {
    let secs = ms.div_euclid(1000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    (y, mo, d, secs.rem_euclid(86_400) / 3600, secs.rem_euclid(3600) / 60)
}

/// Days since 1970-01-01 to a calendar date (Howard Hinnant's algorithm), proleptic Gregorian.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_formatted_in_utc() {
        assert_eq!(super::utc_minute(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::utc_minute(1_764_115_200_000), "2025-11-26 00:00 UTC");
        assert_eq!(super::utc_minute(951_782_400_000 + 61_000), "2000-02-29 00:01 UTC");
        assert_eq!(super::compact_utc_minute(951_782_400_000 + 61_000), "20000229-0001");
        assert_eq!(super::iso_minute(951_782_400_000 + 61_000), "2000-02-29T00:01Z");
    }
}
