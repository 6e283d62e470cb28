//! Where the verifier reads request headers from: an `http::HeaderMap` (the control plane,
//! signing clients) or the header lines of a request head as received (the data plane, which
//! never builds a header map).

use http::{HeaderMap, HeaderValue};

/// A request's headers, as the verifier reads them.
///
/// Implemented for [`http::HeaderMap`] and for a slice of `(name, value)` header lines in the
/// order received (`&[(&str, &[u8])]`, or `&[(&[u8], &[u8])]` with names as bytes), whose
/// names may be in any case.
pub trait HeaderSource {
    /// Every value of the header named `lowercase_name`, in the order received. Names match
    /// ASCII case-insensitively; a name that no header can have (`not a header`) matches
    /// nothing.
    fn values<'s>(&'s self, lowercase_name: &str) -> impl Iterator<Item = &'s [u8]>;

    /// The first value of the header named `lowercase_name`.
    fn first<'s>(&'s self, lowercase_name: &str) -> Option<&'s [u8]> {
        self.values(lowercase_name).next()
    }
}

// === impl HeaderSource ===

impl HeaderSource for HeaderMap {
    fn values<'s>(&'s self, lowercase_name: &str) -> impl Iterator<Item = &'s [u8]> {
        self.get_all(lowercase_name)
            .into_iter()
            .map(HeaderValue::as_bytes)
    }
}

impl HeaderSource for [(&str, &[u8])] {
    fn values<'s>(&'s self, lowercase_name: &str) -> impl Iterator<Item = &'s [u8]> {
        self.iter()
            .filter(move |(name, _)| name.eq_ignore_ascii_case(lowercase_name))
            .map(|(_, value)| *value)
    }
}

impl HeaderSource for [(&[u8], &[u8])] {
    fn values<'s>(&'s self, lowercase_name: &str) -> impl Iterator<Item = &'s [u8]> {
        self.iter()
            .filter(move |(name, _)| name.eq_ignore_ascii_case(lowercase_name.as_bytes()))
            .map(|(_, value)| *value)
    }
}
