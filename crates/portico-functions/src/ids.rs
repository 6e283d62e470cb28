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
    let days = i64::try_from(epoch_seconds() / 86_400).unwrap_or(0);
    let (year, month, day) = portico_limits::quota::civil_from_days(days);
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
    fn log_stream_names_carry_the_version() {
        let name = log_stream_name("$LATEST");
        assert!(name.contains("/[$LATEST]"), "{name}");
        assert_eq!(name.len(), "2024/05/01/[$LATEST]".len() + 32);
    }
}
