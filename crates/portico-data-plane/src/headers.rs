//! Header rules between clients and HTTP backends (AWS's "important notes" for REST APIs):
//! hop-by-hop headers never cross; some backend response headers reach the client renamed
//! to `x-amzn-Remapped-{name}` so that they cannot clash with the gateway's own. The gateway
//! sets body framing itself on both sides.

/// True if a client header is copied to the backend request. `listed` holds the names the
/// client's `Connection` header declares hop-by-hop.
pub fn forwarded_to_backend(name: &str, listed: Option<&[u8]>) -> bool {
    const DROPPED: [&str; 16] = [
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "expect",
        "max-forwards",
        "proxy-connection",
        "host",
        "content-length",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-forwarded-port",
    ];
    if DROPPED
        .iter()
        .any(|dropped| dropped.eq_ignore_ascii_case(name))
    {
        return false;
    }
    match listed {
        Some(listed) => !listed
            .split(|b| *b == b',')
            .any(|token| crate::http1::head::trim(token).eq_ignore_ascii_case(name.as_bytes())),
        None => true,
    }
}

/// What happens to a backend response header on its way to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseRule {
    Keep,
    Drop,
    /// Sent under this name instead.
    Remap(&'static [u8]),
}

/// The rule for a backend response header.
pub fn response_rule(name: &[u8]) -> ResponseRule {
    const DROPPED: [&[u8]; 8] = [
        b"keep-alive",
        b"proxy-authenticate",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"proxy-connection",
        b"content-length",
        b"x-amz-apigw-id",
    ];
    const REMAPPED: [(&[u8], &[u8]); 8] = [
        (b"authorization", b"x-amzn-remapped-authorization"),
        (b"connection", b"x-amzn-remapped-connection"),
        (b"content-md5", b"x-amzn-remapped-content-md5"),
        (b"date", b"x-amzn-remapped-date"),
        (b"server", b"x-amzn-remapped-server"),
        (b"www-authenticate", b"x-amzn-remapped-www-authenticate"),
        (b"x-amzn-requestid", b"x-amzn-remapped-x-amzn-requestid"),
        (b"user-agent", b"x-amzn-remapped-user-agent"),
    ];
    if DROPPED
        .iter()
        .any(|dropped| dropped.eq_ignore_ascii_case(name))
    {
        return ResponseRule::Drop;
    }
    REMAPPED
        .iter()
        .find(|(original, _)| original.eq_ignore_ascii_case(name))
        .map_or(ResponseRule::Keep, |(_, remapped)| {
            ResponseRule::Remap(remapped)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_and_listed_headers_stay_behind() {
        assert!(!forwarded_to_backend("Connection", None));
        assert!(!forwarded_to_backend("Host", None));
        assert!(!forwarded_to_backend("Transfer-Encoding", None));
        assert!(forwarded_to_backend("X-Custom", None));
        assert!(!forwarded_to_backend(
            "X-Private",
            Some(b"keep-alive, x-private")
        ));
    }

    #[test]
    fn server_and_date_are_remapped() {
        assert_eq!(
            response_rule(b"Server"),
            ResponseRule::Remap(b"x-amzn-remapped-server")
        );
        assert_eq!(
            response_rule(b"date"),
            ResponseRule::Remap(b"x-amzn-remapped-date")
        );
        assert_eq!(
            response_rule(b"Connection"),
            ResponseRule::Remap(b"x-amzn-remapped-connection")
        );
        assert_eq!(response_rule(b"Transfer-Encoding"), ResponseRule::Drop);
        assert_eq!(response_rule(b"Content-Type"), ResponseRule::Keep);
    }
}
