//! A raw query string in one pass: its `key=value` pairs split, checked for the canonical
//! encoding, the presigned `X-Amz-*` parameters found among them, and — when every pair is
//! already encoded the canonical way, as SDKs send them — the canonical query string as a few
//! pieces of the raw query, ready to be written.
//!
//! Parsing a presigned request scans its query once ([`QueryScan::new`]); the pieces it keeps
//! ([`CanonicalQuery`]) let verification write the canonical query without a second pass.

use crate::canonical::{self, is_canonical_escape};
use crate::{
    SignatureLocation, X_AMZ_ALGORITHM, X_AMZ_CREDENTIAL, X_AMZ_DATE_PARAM, X_AMZ_EXPIRES,
    X_AMZ_SECURITY_TOKEN_PARAM, X_AMZ_SIGNATURE, X_AMZ_SIGNED_HEADERS,
};

/// Query pairs a scan keeps on the stack; longer queries take the general paths.
const MAX_STACK_PAIRS: usize = 32;

/// Pieces a [`CanonicalQuery`] holds: SDKs send their parameters sorted, so a canonical query
/// is one or two runs of the raw query (the `X-Amz-*` parameters, then the caller's own).
const MAX_RUNS: usize = 6;

/// The pairs of a raw query, found in one pass over its bytes.
pub(crate) struct QueryScan<'a> {
    raw: &'a str,
    pairs: [RawPair; MAX_STACK_PAIRS],
    count: usize,
    /// More pairs than fit in `pairs`: only the first ones are there.
    overflowed: bool,
    /// Every key and value is encoded the canonical way (SigV4's unreserved characters and
    /// uppercase escapes of everything else), so the canonical pairs are the raw ones.
    canonical: bool,
    /// The `X-Amz-Signature` pair is left out of the canonical query (presigned requests).
    location: SignatureLocation,
}

/// The canonical query string of a request as pieces of its raw query, joined with `&`.
#[derive(Clone, Copy)]
pub(crate) struct CanonicalQuery<'a> {
    /// The raw query the pieces are taken from: they describe only that query.
    raw: &'a str,
    runs: [&'a str; MAX_RUNS],
    count: usize,
}

/// The first value of each presigned parameter, still percent-encoded. Names are
/// case-sensitive and compared decoded (`X-Amz-%44ate` is `X-Amz-Date`).
#[derive(Default)]
pub(crate) struct PresignedParams<'a> {
    pub(crate) algorithm: Option<&'a str>,
    pub(crate) credential: Option<&'a str>,
    pub(crate) signature: Option<&'a str>,
    pub(crate) signed_headers: Option<&'a str>,
    pub(crate) amz_date: Option<&'a str>,
    pub(crate) expires: Option<&'a str>,
    pub(crate) security_token: Option<&'a str>,
}

/// A `key=value` pair of a raw query by byte offsets: the key is `start..key_end`, and
/// `key_end` is the `=` before the value, or `end` when the pair has no `=`.
#[derive(Clone, Copy, Default)]
struct RawPair {
    start: u32,
    key_end: u32,
    end: u32,
    /// The key holds a `%` escape: it is compared decoded.
    key_escaped: bool,
}

// === impl QueryScan ===

impl<'a> QueryScan<'a> {
    /// Splits `raw` (without `?`) into its pairs; empty pairs (`a=1&&b=2`) are skipped.
    pub(crate) fn new(raw: &'a str, location: SignatureLocation) -> QueryScan<'a> {
        let bytes = raw.as_bytes();
        let mut scan = QueryScan {
            raw,
            pairs: [RawPair::default(); MAX_STACK_PAIRS],
            count: 0,
            overflowed: false,
            canonical: true,
            location,
        };
        // Offsets are kept as `u32`: a longer query (no HTTP head is that long) takes the
        // general paths, and every offset below fits.
        let Ok(_) = u32::try_from(bytes.len()) else {
            scan.overflowed = true;
            return scan;
        };
        // Two passes that each take many bytes per step: one check that every byte may stand
        // in a canonical query (it compiles to wide comparisons), one search for the
        // separators and escapes, which are few.
        scan.canonical = bytes
            .iter()
            .fold(true, |all, &byte| all & is_canonical_query_byte(byte));
        let mut start = 0;
        let mut key_end = None;
        let mut key_escaped = false;
        for index in separators(bytes) {
            match bytes[index] {
                b'&' => {
                    scan.push_pair(start, key_end.unwrap_or(index), index, key_escaped);
                    start = index + 1;
                    key_end = None;
                    key_escaped = false;
                }
                b'=' if key_end.is_none() => key_end = Some(index),
                // A second `=` changes when the pair is decoded and encoded again.
                b'=' => scan.canonical = false,
                _ => {
                    let is_canonical = matches!(
                        bytes.get(index + 1..index + 3),
                        Some(&[high, low]) if is_canonical_escape(high, low)
                    );
                    scan.canonical &= is_canonical;
                    key_escaped |= key_end.is_none();
                }
            }
        }
        let end = bytes.len();
        scan.push_pair(start, key_end.unwrap_or(end), end, key_escaped);
        scan
    }

    /// Finds the presigned parameters.
    pub(crate) fn presigned_params(&self) -> PresignedParams<'a> {
        let mut params = PresignedParams::default();
        if self.overflowed {
            // The stack could not hold every pair: go through all of them the slow way.
            for (key, value) in canonical::raw_pairs(self.raw) {
                params.offer(&canonical::decode_text(key), value);
            }
            return params;
        }
        for pair in self.pairs() {
            let key = pair.key(self.raw);
            if pair.key_escaped {
                params.offer(&canonical::decode_text(key), pair.value(self.raw));
            } else {
                params.offer(key, pair.value(self.raw));
            }
        }
        params
    }

    /// The canonical query string as pieces of the raw query, when the raw pairs are the
    /// canonical ones and fall into a few runs once sorted.
    pub(crate) fn into_canonical_query(mut self) -> Option<CanonicalQuery<'a>> {
        let raw = self.raw;
        let sorted = self.sort_canonical()?;
        let mut query = CanonicalQuery {
            raw,
            runs: [""; MAX_RUNS],
            count: 0,
        };
        // The raw bytes of the run being extended: `key=value&key=value`.
        let mut run: Option<(usize, usize)> = None;
        for pair in sorted {
            // A key without `=` is written `key=`: it cannot be copied as it is.
            if pair.key_end == pair.end {
                return None;
            }
            let (start, end) = (pair.start as usize, pair.end as usize);
            run = match run {
                Some((run_start, run_end)) if start == run_end + 1 => Some((run_start, end)),
                Some((run_start, run_end)) => {
                    query.push(&raw[run_start..run_end])?;
                    Some((start, end))
                }
                None => Some((start, end)),
            };
        }
        if let Some((run_start, run_end)) = run {
            query.push(&raw[run_start..run_end])?;
        }
        Some(query)
    }

    /// Writes the canonical query string: the raw pairs sorted when they are canonical, else
    /// decoded, encoded again and sorted.
    pub(crate) fn write_canonical(mut self, out: &mut String) {
        let raw = self.raw;
        let location = self.location;
        match self.sort_canonical() {
            Some(sorted) => canonical::write_pairs(
                out,
                sorted.iter().map(|pair| (pair.key(raw), pair.value(raw))),
            ),
            None => canonical::write_query_decoded(out, raw, location),
        }
    }

    /// Leaves only the pairs of the canonical query, sorted; `None` when the raw pairs are
    /// not the canonical ones.
    fn sort_canonical(&mut self) -> Option<&[RawPair]> {
        if !self.canonical || self.overflowed {
            return None;
        }
        let raw = self.raw;
        let mut kept = 0;
        for index in 0..self.count {
            let pair = self.pairs[index];
            // A canonically encoded key is `X-Amz-Signature` exactly when it decodes to it.
            if !self.is_left_out(pair.key(raw)) {
                self.pairs[kept] = pair;
                kept += 1;
            }
        }
        let sorted = &mut self.pairs[..kept];
        // Text sorts as its bytes do; bytes need no character-boundary checks.
        let bytes = raw.as_bytes();
        sorted.sort_unstable_by(|a, b| a.sort_key(bytes).cmp(&b.sort_key(bytes)));
        Some(sorted)
    }

    fn pairs(&self) -> &[RawPair] {
        &self.pairs[..self.count]
    }

    /// Keeps a pair by its offsets, which fit in `u32` (see [`QueryScan::new`]); empty
    /// pairs are skipped.
    fn push_pair(&mut self, start: usize, key_end: usize, end: usize, key_escaped: bool) {
        if end == start {
            return;
        }
        let pair = RawPair {
            start: start as u32,
            key_end: key_end as u32,
            end: end as u32,
            key_escaped,
        };
        match self.pairs.get_mut(self.count) {
            Some(slot) => {
                *slot = pair;
                self.count += 1;
            }
            None => self.overflowed = true,
        }
    }

    /// Whether a pair with this raw key stays out of the canonical query.
    fn is_left_out(&self, raw_key: &str) -> bool {
        self.location == SignatureLocation::Query && raw_key == X_AMZ_SIGNATURE
    }
}

/// The offsets of every `&`, `=` and `%` in `bytes`, in order. Eight bytes at a time: a
/// word's matching bytes are found with a few arithmetic operations (a search call per
/// separator would cost more than the short runs between them).
fn separators(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const LOW_BITS: u64 = u64::from_ne_bytes([0x7f; 8]);
    const HIGH_BITS: u64 = u64::from_ne_bytes([0x80; 8]);
    // The high bit of each byte of `word` that equals `byte`, exactly: adding 0x7f to the low
    // seven bits of a byte never carries into the next one.
    let matching = |word: u64, byte: u8| {
        let zeroed = word ^ (ONES * u64::from(byte));
        !(((zeroed & LOW_BITS) + LOW_BITS) | zeroed) & HIGH_BITS
    };
    let words = bytes.chunks_exact(8);
    let tail_start = bytes.len() - words.remainder().len();
    let in_words = words.enumerate().flat_map(move |(word_index, chunk)| {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let mut found = matching(word, b'&') | matching(word, b'=') | matching(word, b'%');
        std::iter::from_fn(move || {
            if found == 0 {
                return None;
            }
            // Little-endian: the lowest set bit is the earliest byte.
            let at = found.trailing_zeros() as usize / 8;
            found &= found - 1;
            Some(word_index * 8 + at)
        })
    });
    let in_tail = bytes[tail_start..]
        .iter()
        .enumerate()
        .filter(|(_, byte)| matches!(byte, b'&' | b'=' | b'%'))
        .map(move |(at, _)| tail_start + at);
    in_words.chain(in_tail)
}

/// Whether `byte` may stand in a canonically encoded query: SigV4's unreserved characters,
/// the separators `&` and `=`, and `%` of an escape. Written as comparisons rather than a
/// table lookup so that a pass over many bytes compiles to wide instructions.
fn is_canonical_query_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'&' | b'=' | b'%')
}

// === impl CanonicalQuery ===

impl<'a> CanonicalQuery<'a> {
    /// Writes the canonical query string, if these pieces were taken from `raw_query`;
    /// `false` (nothing written) for any other query.
    pub(crate) fn write_for(&self, raw_query: Option<&str>, out: &mut String) -> bool {
        if !raw_query.is_some_and(|query| std::ptr::eq(query, self.raw)) {
            return false;
        }
        for (index, run) in self.runs[..self.count].iter().enumerate() {
            if index > 0 {
                out.push('&');
            }
            out.push_str(run);
        }
        true
    }

    fn push(&mut self, run: &'a str) -> Option<()> {
        *self.runs.get_mut(self.count)? = run;
        self.count += 1;
        Some(())
    }
}

// === impl PresignedParams ===

impl<'a> PresignedParams<'a> {
    /// Keeps `value` if `key` (decoded) names a presigned parameter not yet seen.
    fn offer(&mut self, key: &str, value: &'a str) {
        let slot = match key {
            X_AMZ_ALGORITHM => &mut self.algorithm,
            X_AMZ_CREDENTIAL => &mut self.credential,
            X_AMZ_SIGNATURE => &mut self.signature,
            X_AMZ_SIGNED_HEADERS => &mut self.signed_headers,
            X_AMZ_DATE_PARAM => &mut self.amz_date,
            X_AMZ_EXPIRES => &mut self.expires,
            X_AMZ_SECURITY_TOKEN_PARAM => &mut self.security_token,
            _ => return,
        };
        slot.get_or_insert(value);
    }
}

// === impl RawPair ===

impl RawPair {
    fn key(self, raw_query: &str) -> &str {
        &raw_query[self.start as usize..self.key_end as usize]
    }

    /// The key and value, as bytes of `raw_query`.
    fn sort_key(self, raw_query: &[u8]) -> (&[u8], &[u8]) {
        let (start, key_end, end) = (
            self.start as usize,
            self.key_end as usize,
            self.end as usize,
        );
        (
            &raw_query[start..key_end],
            raw_query.get(key_end + 1..end).unwrap_or_default(),
        )
    }

    fn value(self, raw_query: &str) -> &str {
        raw_query
            .get(self.key_end as usize + 1..self.end as usize)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;
