//! Header rules between clients and HTTP backends (AWS's "important notes" for REST APIs):
//! hop-by-hop headers never cross; some backend response headers are renamed to
//! `x-amzn-Remapped-{name}` so that they cannot clash with the gateway's own.

use http::header::{self, HeaderMap, HeaderName};

/// Hop-by-hop headers (RFC 9110 §7.6.1) plus ones AWS drops on the way to a backend.
const DROPPED_FROM_REQUEST: [HeaderName; 11] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::EXPECT,
    header::MAX_FORWARDS,
    HeaderName::from_static("proxy-connection"),
];

/// Backend response headers that do not reach the client.
const DROPPED_FROM_RESPONSE: [HeaderName; 6] = [
    HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHENTICATE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    HeaderName::from_static("proxy-connection"),
];

/// Backend response headers that reach the client as `x-amzn-Remapped-{name}`.
const REMAPPED: [(HeaderName, HeaderName); 8] = [
    (
        header::AUTHORIZATION,
        HeaderName::from_static("x-amzn-remapped-authorization"),
    ),
    (
        header::CONNECTION,
        HeaderName::from_static("x-amzn-remapped-connection"),
    ),
    (
        HeaderName::from_static("content-md5"),
        HeaderName::from_static("x-amzn-remapped-content-md5"),
    ),
    (
        header::DATE,
        HeaderName::from_static("x-amzn-remapped-date"),
    ),
    (
        header::SERVER,
        HeaderName::from_static("x-amzn-remapped-server"),
    ),
    (
        header::WWW_AUTHENTICATE,
        HeaderName::from_static("x-amzn-remapped-www-authenticate"),
    ),
    (
        HeaderName::from_static("x-amzn-requestid"),
        HeaderName::from_static("x-amzn-remapped-x-amzn-requestid"),
    ),
    (
        header::USER_AGENT,
        HeaderName::from_static("x-amzn-remapped-user-agent"),
    ),
];

/// Removes what must not travel from client to backend, including headers the client's
/// `Connection` header names.
pub fn strip_request(headers: &mut HeaderMap) {
    if let Some(connection) = headers.get(header::CONNECTION).cloned()
        && let Ok(listed) = connection.to_str()
    {
        for name in listed.split(',') {
            if let Ok(name) = HeaderName::from_bytes(name.trim().as_bytes()) {
                headers.remove(name);
            }
        }
    }
    for name in &DROPPED_FROM_REQUEST {
        headers.remove(name);
    }
    headers.remove(header::HOST);
}

/// Rewrites a backend's response headers for the client.
pub fn rewrite_response(headers: &mut HeaderMap) {
    for name in &DROPPED_FROM_RESPONSE {
        headers.remove(name);
    }
    for (name, remapped) in &REMAPPED {
        // Nearly every backend sends one Server and one Date: move those without allocating.
        match headers.get_all(name).iter().count() {
            0 => {}
            1 => {
                if let Some(value) = headers.remove(name) {
                    headers.insert(remapped.clone(), value);
                }
            }
            _ => {
                let values: Vec<_> = headers.get_all(name).iter().cloned().collect();
                headers.remove(name);
                for value in values {
                    headers.append(remapped.clone(), value);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    #[test]
    fn hop_by_hop_and_listed_headers_are_stripped() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONNECTION,
            HeaderValue::from_static("keep-alive, x-private"),
        );
        headers.insert("x-private", HeaderValue::from_static("1"));
        headers.insert(header::HOST, HeaderValue::from_static("gw"));
        headers.insert(
            header::TRANSFER_ENCODING,
            HeaderValue::from_static("chunked"),
        );
        headers.insert("x-kept", HeaderValue::from_static("1"));
        strip_request(&mut headers);
        assert_eq!(headers.len(), 1);
        assert!(headers.contains_key("x-kept"));
    }

    #[test]
    fn server_and_date_are_remapped() {
        let mut headers = HeaderMap::new();
        headers.insert(header::SERVER, HeaderValue::from_static("nginx"));
        headers.insert(
            header::DATE,
            HeaderValue::from_static("Tue, 21 Dec 2021 14:51:23 GMT"),
        );
        headers.insert(header::CONNECTION, HeaderValue::from_static("keep-alive"));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        rewrite_response(&mut headers);
        assert_eq!(headers["x-amzn-remapped-server"], "nginx");
        assert_eq!(headers["x-amzn-remapped-connection"], "keep-alive");
        assert!(headers.get(header::SERVER).is_none());
        assert!(headers.get(header::DATE).is_none());
        assert_eq!(headers[header::CONTENT_TYPE], "text/plain");
    }
}
