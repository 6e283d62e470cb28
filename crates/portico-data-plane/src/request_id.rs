//! Per-request identifiers: `x-amzn-RequestId` (a UUID v4) and `x-amz-apigw-id`.
//!
//! A fast thread-local generator (wyrand, seeded once per thread from the OS) keeps id
//! generation off any lock and out of syscalls on the hot path. Ids must be unique, not secret.

use std::cell::Cell;

thread_local! {
    static STATE: Cell<u64> = Cell::new(rand::random::<u64>() | 1);
}

const HEX: &[u8; 16] = b"0123456789abcdef";
const ALPHANUMERIC: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// The two ids of one request, kept inline (no allocation).
#[derive(Debug, Clone, Copy)]
pub struct RequestIds {
    request_id: [u8; 36],
    extended_request_id: [u8; 16],
}

fn next_u64() -> u64 {
    STATE.with(|state| {
        let next = state.get().wrapping_add(0xa076_1d64_78bd_642f);
        state.set(next);
        let product = u128::from(next) * u128::from(next ^ 0xe703_7ed1_a0b4_28db);
        ((product >> 64) as u64) ^ (product as u64)
    })
}

// === impl RequestIds ===

impl RequestIds {
    /// Fresh ids.
    pub fn generate() -> RequestIds {
        RequestIds {
            request_id: uuid_v4(),
            extended_request_id: apigw_id(),
        }
    }

    /// `x-amzn-RequestId` / `$context.requestId`.
    pub fn request_id_str(&self) -> &str {
        std::str::from_utf8(&self.request_id).unwrap_or_default()
    }

    /// `x-amz-apigw-id` / `$context.extendedRequestId`.
    pub fn extended_request_id_str(&self) -> &str {
        std::str::from_utf8(&self.extended_request_id).unwrap_or_default()
    }
}

/// A random UUID v4 such as `c0a4e9b2-5b1f-4e8e-9d3c-2f6a7b8c9d0e`.
fn uuid_v4() -> [u8; 36] {
    let high = next_u64();
    let low = next_u64();
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&high.to_le_bytes());
    bytes[8..].copy_from_slice(&low.to_le_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut text = [0u8; 36];
    let mut out = 0;
    for (index, byte) in bytes.iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            text[out] = b'-';
            out += 1;
        }
        text[out] = HEX[usize::from(byte >> 4)];
        text[out + 1] = HEX[usize::from(byte & 0x0f)];
        out += 2;
    }
    text
}

/// An id in the shape of AWS's `x-amz-apigw-id` (15 characters and `=`).
fn apigw_id() -> [u8; 16] {
    let mut text = [b'='; 16];
    let mut random = next_u64();
    for (index, slot) in text.iter_mut().take(15).enumerate() {
        if index == 10 {
            random = next_u64();
        }
        *slot = ALPHANUMERIC[(random % 62) as usize];
        random /= 62;
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_uuid_v4_and_distinct() {
        let a = RequestIds::generate();
        let b = RequestIds::generate();
        assert_ne!(a.request_id_str(), b.request_id_str());
        let text = a.request_id_str();
        assert_eq!(text.len(), 36);
        assert_eq!(text.as_bytes()[14], b'4');
        assert!(matches!(text.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
        assert_eq!(a.extended_request_id_str().len(), 16);
    }
}
