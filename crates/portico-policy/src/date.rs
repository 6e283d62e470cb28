//! Dates for the `Date...` operators: ISO 8601 (`2026-01-31`, `2026-01-31T12:00:00Z`,
//! fractions and `+hh:mm` offsets) or epoch seconds, as seconds since the epoch.

/// Parses a date as IAM accepts it, to seconds since 1970-01-01T00:00:00Z.
pub(crate) fn parse(text: &str) -> Option<f64> {
    let text = text.trim();
    if !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        && !text[1..].contains('-')
    {
        return text.parse::<f64>().ok().filter(|t| t.is_finite());
    }
    let bytes = text.as_bytes();
    let year = digits(bytes, 0, 4)?;
    if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let month = digits(bytes, 5, 2)?;
    let day = digits(bytes, 8, 2)?;
    if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let mut seconds = days_from_civil(year, month, day) as f64 * 86_400.0;
    let rest = &text[10..];
    if rest.is_empty() {
        return Some(seconds);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let bytes = rest.as_bytes();
    let hour = digits(bytes, 0, 2)?;
    if bytes.get(2) != Some(&b':') {
        return None;
    }
    let minute = digits(bytes, 3, 2)?;
    let mut index = 5;
    let mut second = 0.0;
    if bytes.get(5) == Some(&b':') {
        second = f64::from(digits(bytes, 6, 2)?);
        index = 8;
        if bytes.get(8) == Some(&b'.') {
            let end = rest[9..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or(rest.len(), |n| n + 9);
            if end == 9 {
                return None;
            }
            // Digit by digit, so evaluating a request's date never allocates.
            let mut scale = 0.1;
            for digit in rest[9..end].bytes() {
                second += f64::from(digit - b'0') * scale;
                scale /= 10.0;
            }
            index = end;
        }
    }
    if hour > 23 || minute > 59 || second >= 61.0 {
        return None;
    }
    seconds += f64::from(hour) * 3600.0 + f64::from(minute) * 60.0 + second;
    let zone = &rest[index..];
    let offset = match zone {
        "" | "Z" | "z" => 0.0,
        _ => {
            let sign = match zone.as_bytes()[0] {
                b'+' => 1.0,
                b'-' => -1.0,
                _ => return None,
            };
            let zone = &zone.as_bytes()[1..];
            let hours = digits(zone, 0, 2)?;
            let minutes = match zone.len() {
                2 => 0,
                4 => digits(zone, 2, 2)?,
                5 if zone[2] == b':' => digits(zone, 3, 2)?,
                _ => return None,
            };
            sign * (f64::from(hours) * 3600.0 + f64::from(minutes) * 60.0)
        }
    };
    Some(seconds - offset)
}

fn digits(bytes: &[u8], start: usize, count: usize) -> Option<u32> {
    let slice = bytes.get(start..start + count)?;
    slice.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: u32, month: u32, day: u32) -> i64 {
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn iso_dates_and_epochs_parse_to_the_same_instant() {
        assert_eq!(parse("1970-01-01"), Some(0.0));
        assert_eq!(parse("2020-01-01T00:00:00Z"), Some(1_577_836_800.0));
        assert_eq!(parse("1577836800"), Some(1_577_836_800.0));
        assert_eq!(parse("2020-01-01T01:00:00+01:00"), Some(1_577_836_800.0));
        assert_eq!(parse("2019-12-31T23:00:00-0100"), Some(1_577_836_800.0));
        assert_eq!(parse("2020-01-01T00:00:00.5Z"), Some(1_577_836_800.5));
        assert_eq!(parse("2024-02-29T12:30Z"), Some(1_709_209_800.0));
    }

    #[test]
    fn malformed_dates_are_rejected() {
        for text in [
            "",
            "x",
            "2023-02-29",
            "2020-13-01",
            "2020-01-01T25:00:00Z",
            "2020-01-01T00:00:00+1",
            "2020-01-01X",
            "2020-1-1",
            "2020-01-01T00:00:00.",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
