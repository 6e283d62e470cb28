//! A raw query string in one pass: its `key=value` pairs split, checked for the canonical
//! encoding, the presigned `X-Amz-*` parameters found among them, and — when every pair is
//! already encoded the canonical way, as SDKs send them — the canonical query string as a few
//! pieces of the raw query, ready to be written.
//!
//! Parsing a presigned request scans its query once ([`QueryScan::new`]); the pieces it keeps
//! ([`CanonicalQuery`]) let verification write the canonical query without a second pass.

use std::borrow::Cow;

use crate::canonical::{self, QUERY_BYTES, is_canonical_escape};
use crate::{
    SignatureLocation, X_AMZ_ALGORITHM, X_AMZ_CREDENTIAL, X_AMZ_DATE_PARAM, X_AMZ_EXPIRES,
    X_AMZ_SECURITY_TOKEN_PARAM, X_AMZ_SIGNATURE, X_AMZ_SIGNED_HEADERS,
};

/// Query pairs a scan keeps on the stack (a presigned request's seven parameters and the
/// caller's own); longer queries take the general paths. The scan is built, zeroed and
/// handed around on every signed request: it is kept small.
const MAX_STACK_PAIRS: usize = 24;

/// Pieces a [`CanonicalQuery`] holds: SDKs send their parameters sorted, so a canonical query
/// is one or two runs of the raw query (the `X-Amz-*` parameters, then the caller's own).
const MAX_RUNS: usize = 4;

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
    pub(crate) algorithm: Option<RawValue<'a>>,
    pub(crate) credential: Option<RawValue<'a>>,
    pub(crate) signature: Option<RawValue<'a>>,
    pub(crate) signed_headers: Option<RawValue<'a>>,
    pub(crate) amz_date: Option<RawValue<'a>>,
    pub(crate) expires: Option<RawValue<'a>>,
    pub(crate) security_token: Option<RawValue<'a>>,
}

/// A parameter's value as sent, still percent-encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RawValue<'a> {
    pub(crate) raw: &'a str,
    /// The value may hold a `%` escape (when `false`, it holds none).
    escaped: bool,
}

/// A `key=value` pair of a raw query by byte offsets: the key is `start..key_end`, and
/// `key_end` is the `=` before the value, or `end` when the pair has no `=`.
#[derive(Clone, Copy, Default)]
struct RawPair {
    start: u16,
    key_end: u16,
    end: u16,
    /// The key holds a `%` escape: it is compared decoded.
    key_escaped: bool,
    /// The value may hold a `%` escape.
    value_escaped: bool,
    /// The key's first eight bytes, big-endian, zero-padded: pairs whose keys differ there
    /// sort by this number alone (a canonical key holds no zero byte).
    key_prefix: u64,
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
        // Offsets are kept as `u16`: a longer query (longer than the data plane accepts a
        // request head) takes the general paths, and every offset below fits.
        let Ok(_) = u16::try_from(bytes.len()) else {
            scan.overflowed = true;
            return scan;
        };
        let mut start = 0;
        let mut key_end = None;
        let mut escaped = [false; 2];
        let mut index = 0;
        loop {
            // Runs of unreserved bytes, most of a query, cost one table lookup each.
            index += canonical::unreserved_run(&bytes[index..]);
            match bytes.get(index).map(|&byte| QUERY_BYTES[usize::from(byte)]) {
                None | Some(b'&') => {
                    scan.push_pair(start, key_end.unwrap_or(index), index, escaped);
                    if index == bytes.len() {
                        return scan;
                    }
                    index += 1;
                    start = index;
                    key_end = None;
                    escaped = [false; 2];
                }
                Some(b'=') if key_end.is_none() => {
                    key_end = Some(index);
                    index += 1;
                    if scan.is_left_out(&raw[start..index - 1]) {
                        // The signature's value is never part of the canonical query: skip it
                        // unread (an escape in it only needs noticing).
                        let value_len =
                            memchr::memchr(b'&', &bytes[index..]).unwrap_or(bytes.len() - index);
                        escaped[1] =
                            memchr::memchr(b'%', &bytes[index..index + value_len]).is_some();
                        index += value_len;
                    }
                }
                Some(b'%') => {
                    let is_canonical = matches!(
                        bytes.get(index + 1..index + 3),
                        Some(&[high, low]) if is_canonical_escape(high, low)
                    );
                    scan.canonical &= is_canonical;
                    escaped[usize::from(key_end.is_some())] = true;
                    index += 1;
                }
                // A second `=`, `+`, a space, a byte that is not ASCII: all change when the
                // pair is decoded and encoded again.
                Some(_) => {
                    scan.canonical = false;
                    index += 1;
                }
            }
        }
    }

    /// Finds the presigned parameters.
    pub(crate) fn presigned_params(&self) -> PresignedParams<'a> {
        let mut params = PresignedParams::default();
        if self.overflowed {
            // The stack could not hold every pair: go through all of them the slow way.
            for (key, value) in canonical::raw_pairs(self.raw) {
                let value = RawValue {
                    raw: value,
                    escaped: true,
                };
                params.offer(&canonical::decode_text(key), value);
            }
            return params;
        }
        for pair in self.pairs() {
            let key = pair.key(self.raw);
            let value = RawValue {
                raw: pair.value(self.raw),
                escaped: pair.value_escaped,
            };
            if pair.key_escaped {
                params.offer(&canonical::decode_text(key), value);
            } else {
                params.offer(key, value);
            }
        }
        params
    }

    /// The canonical query string as pieces of the raw query, when the raw pairs are the
    /// canonical ones and fall into a few runs once sorted. Leaves the scan's pairs sorted
    /// (by reference, not by value: the scan is too large to move around).
    pub(crate) fn canonical_query(&mut self) -> Option<CanonicalQuery<'a>> {
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
        let order = |a: &RawPair, b: &RawPair| {
            a.key_prefix
                .cmp(&b.key_prefix)
                .then_with(|| a.sort_key(bytes).cmp(&b.sort_key(bytes)))
        };
        // SDKs send the pairs sorted already: one pass tells.
        if !sorted.is_sorted_by(|a, b| order(a, b).is_le()) {
            sorted.sort_unstable_by(order);
        }
        Some(sorted)
    }

    fn pairs(&self) -> &[RawPair] {
        &self.pairs[..self.count]
    }

    /// Keeps a pair by its offsets, which fit in `u16` (see [`QueryScan::new`]); empty
    /// pairs are skipped.
    /// `escaped` says whether the key and the value hold a `%`.
    fn push_pair(&mut self, start: usize, key_end: usize, end: usize, escaped: [bool; 2]) {
        if end == start {
            return;
        }
        let mut prefix = [0; 8];
        let key = &self.raw.as_bytes()[start..key_end];
        let prefix_len = key.len().min(8);
        prefix[..prefix_len].copy_from_slice(&key[..prefix_len]);
        let pair = RawPair {
            start: start as u16,
            key_end: key_end as u16,
            end: end as u16,
            key_escaped: escaped[0],
            value_escaped: escaped[1],
            key_prefix: u64::from_be_bytes(prefix),
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
    fn offer(&mut self, key: &str, value: RawValue<'a>) {
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

// === impl RawValue ===

impl<'a> RawValue<'a> {
    /// The value percent-decoded; borrowed when it holds no escape.
    pub(crate) fn decoded(self) -> Cow<'a, str> {
        if self.escaped {
            canonical::decode_text(self.raw)
        } else {
            Cow::Borrowed(self.raw)
        }
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
