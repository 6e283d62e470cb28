//! Identifiers Lambda hands to functions: request ids, trace headers, log stream names.

use std::time::{SystemTime, UNIX_EPOCH};

use rand::RngCore;

/// A random UUID v4, the form of Lambda request ids.
pub(crate) fn request_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// An X-Ray trace header (`Root=1-{epoch seconds}-{96 random bits};Parent=…;Sampled=0`).
pub(crate) fn trace_id() -> String {
    let mut root = [0u8; 12];
    let mut parent = [0u8; 8];
    rand::rng().fill_bytes(&mut root);
    rand::rng().fill_bytes(&mut parent);
    format!(
        "Root=1-{:08x}-{};Parent={};Sampled=0",
        epoch_seconds(),
        hex::encode(root),
        hex::encode(parent)
    )
}

/// The log stream name of one worker, as Lambda forms it: `2024/05/01/[$LATEST]{32 hex}`.
pub(crate) fn log_stream_name(version: &str) -> String {
    let (year, month, day) = civil_date(epoch_seconds() / 86_400);
    format!(
        "{year:04}/{month:02}/{day:02}/[{version}]{}",
        short_random()
    )
}

/// 32 random hex digits, for temporary names.
pub(crate) fn short_random() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Milliseconds since the Unix epoch.
pub(crate) fn epoch_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

fn epoch_seconds() -> u64 {
    epoch_millis() / 1000
}

/// Gregorian (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_date(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
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
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_uuid_v4_and_distinct() {
        let id = request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(id, request_id());
    }

    #[test]
    fn civil_date_matches_known_days() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(19_723), (2024, 1, 1));
        assert_eq!(civil_date(19_782), (2024, 2, 29));
    }

    #[test]
    fn log_stream_names_carry_the_version() {
        let name = log_stream_name("$LATEST");
        assert!(name.contains("/[$LATEST]"), "{name}");
        assert_eq!(name.len(), "2024/05/01/[$LATEST]".len() + 32);
    }
}
