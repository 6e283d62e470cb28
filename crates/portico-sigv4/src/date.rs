//! The two timestamp forms SigV4 meets, ISO-8601 basic (`20150830T123600Z`, the `X-Amz-Date`
//! form) and RFC 1123 (`Sun, 30 Aug 2015 12:36:00 GMT`, the `Date` header form), converted to and
//! from Unix epoch seconds with Howard Hinnant's civil-date algorithms, so no clock or calendar
//! crate is needed.

const SECONDS_PER_DAY: i64 = 86_400;
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Parses `YYYYMMDDTHHMMSSZ` into epoch seconds; `None` unless the text is exactly that shape
/// and names a real instant.
pub(crate) fn parse_amz_date(value: &str) -> Option<i64> {
    let bytes: &[u8; 16] = value.as_bytes().try_into().ok()?;
    if bytes[8] != b'T' || bytes[15] != b'Z' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| digit_bytes(&bytes[range]);
    to_epoch(
        number(0..4)?,
        number(4..6)?,
        number(6..8)?,
        number(9..11)?,
        number(11..13)?,
        number(13..15)?,
    )
}

/// Formats epoch seconds as `YYYYMMDDTHHMMSSZ`.
pub(crate) fn format_amz_date(epoch: i64) -> String {
    let days = epoch.div_euclid(SECONDS_PER_DAY);
    let seconds = epoch.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

/// Parses an RFC 1123 date (`Tue, 15 Nov 1994 08:12:31 GMT`) into epoch seconds. The weekday
/// must be a weekday name but is not cross-checked against the date, as HTTP servers commonly do.
pub(crate) fn parse_http_date(value: &str) -> Option<i64> {
    let (weekday, rest) = value.trim().split_once(", ")?;
    if !WEEKDAYS.contains(&weekday) {
        return None;
    }
    let mut fields = rest.split(' ');
    let day = fields
        .next()
        .filter(|day| day.len() == 2)
        .and_then(digits)?;
    let month = fields.next()?;
    let month = MONTHS.iter().position(|name| *name == month)? as i64 + 1;
    let year = fields
        .next()
        .filter(|year| year.len() == 4)
        .and_then(digits)?;
    let time = fields.next()?;
    if fields.next() != Some("GMT") || fields.next().is_some() {
        return None;
    }
    let mut clock = time.split(':');
    let mut clock_field = || {
        clock
            .next()
            .filter(|field| field.len() == 2)
            .and_then(digits)
    };
    let (hour, minute, second) = (clock_field()?, clock_field()?, clock_field()?);
    if clock.next().is_some() {
        return None;
    }
    to_epoch(year, month, day, hour, minute, second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn to_epoch(year: i64, month: i64, day: i64, hour: i64, minute: i64, second: i64) -> Option<i64> {
    let valid = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60;
    valid.then(|| {
        days_from_civil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second
    })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses ASCII digits only (no sign, no whitespace); callers pass at most four.
fn digits(text: &str) -> Option<i64> {
    digit_bytes(text.as_bytes())
}

/// [`digits`] over bytes: a byte that is not an ASCII digit (a UTF-8 sequence included)
/// refuses the whole number.
fn digit_bytes(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() {
        return None;
    }
    bytes.iter().try_fold(0, |number, &byte| {
        byte.is_ascii_digit()
            .then(|| number * 10 + i64::from(byte - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_dates_round_trip_through_epoch_seconds() {
        for (text, epoch) in [
            ("19700101T000000Z", 0),
            ("20150830T123600Z", 1_440_938_160),
            ("20000229T235959Z", 951_868_799),
            ("19691231T235959Z", -1),
            ("20260314T150926Z", 1_773_500_966),
        ] {
            assert_eq!(parse_amz_date(text), Some(epoch), "{text}");
            assert_eq!(format_amz_date(epoch), text);
        }
    }

    #[test]
    fn malformed_amz_dates_are_rejected() {
        for text in [
            "",
            "20150830",
            "20150830T123600",
            "20150830t123600Z",
            "2015-08-30T12:36:00Z",
            "20151330T123600Z",
            "20150230T123600Z",
            "20190229T000000Z",
            "20150830T243600Z",
            "20150830T126000Z",
            "20150830T123660Z",
            "2015083+T123600Z",
            "20150830T12360 Z",
            "2015083\u{e9}T12360Z",
        ] {
            assert_eq!(parse_amz_date(text), None, "{text}");
        }
    }

    #[test]
    fn http_dates_parse_as_rfc_1123() {
        assert_eq!(
            parse_http_date("Tue, 15 Nov 1994 08:12:31 GMT"),
            Some(784_887_151)
        );
        assert_eq!(
            parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT"),
            Some(1_440_938_160)
        );
        for text in [
            "Tue, 15 Nov 1994 08:12:31 UTC",
            "Tuesday, 15-Nov-94 08:12:31 GMT",
            "Tue Nov 15 08:12:31 1994",
            "Tue, 15 Nov 1994 08:12 GMT",
            "Tue, 31 Nov 1994 08:12:31 GMT",
            "Tue, 15 Nov 1994 08:12:31 GMT extra",
        ] {
            assert_eq!(parse_http_date(text), None, "{text}");
        }
    }

    #[test]
    fn civil_days_round_trip_over_four_centuries() {
        for days in (-146_097..146_097).step_by(7) {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year, month, day), days);
        }
    }
}
