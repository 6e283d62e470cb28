//! What an integration knows about the request it serves: the matched stage and method,
//! path parameters, ids, the client connection, and `$context` values derived from them.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::time::SystemTime;

use percent_encoding::percent_decode_str;
use portico_limits::quota::civil_from_days;
use portico_snapshot::context::ContextVariable;
use portico_snapshot::{MethodRoute, PathParams, StageSnapshot};

use crate::http1::head::RequestHead;
use crate::request_id::RequestIds;

/// The client side of a connection.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionInfo {
    pub remote: SocketAddr,
    pub local: SocketAddr,
    /// `http` or `https`.
    pub scheme: &'static str,
    /// The private endpoint this listener plays (index into the data plane's endpoints).
    pub endpoint: Option<usize>,
}

/// One request as the integration sees it.
#[derive(Debug)]
pub struct Invocation<'a> {
    pub stage: &'a StageSnapshot,
    pub route: &'a MethodRoute,
    pub params: PathParams<'a>,
    /// The path after the stage, still percent-encoded.
    pub path: &'a str,
    /// The base path mapping matched when the request came through a custom domain.
    pub base_path: Option<&'a str>,
    /// The client's request head (method, target, headers).
    pub head: &'a RequestHead,
    pub ids: &'a RequestIds,
    pub connection: &'a ConnectionInfo,
    pub received_at: SystemTime,
    /// The API key the request was admitted with (`apiKeyRequired` methods).
    pub api_key: Option<std::sync::Arc<portico_snapshot::clients::ClientKey>>,
    /// The IAM caller and the client address the access stage established.
    pub access: crate::stages::access::Access,
    /// What a Lambda or Cognito authorizer established (`requestContext.authorizer`).
    pub authorizer: Option<serde_json::Value>,
}

// === impl Invocation ===

impl<'a> Invocation<'a> {
    /// The decoded value of path parameter `name`.
    pub fn path_param(&self, name: &str) -> Option<Cow<'a, str>> {
        let raw = self.params.raw(self.path, name)?;
        Some(percent_decode_str(raw).decode_utf8_lossy())
    }

    /// The raw (still encoded) value of path parameter `name`.
    pub fn raw_path_param(&self, name: &str) -> Option<&'a str> {
        self.params.raw(self.path, name)
    }

    /// Every value of query parameter `name`, decoded, in order.
    pub fn query_values(&self, name: &str) -> Vec<Cow<'a, str>> {
        query_pairs(self.head.query())
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value)
            .collect()
    }

    /// The last value of header `name` (AWS's single-value view), lossily as text.
    pub fn header_value(&self, name: &str) -> Option<Cow<'a, str>> {
        self.head.header_last(name).map(String::from_utf8_lossy)
    }

    /// The client address (`$context.identity.sourceIp`): the TCP peer, or the client behind
    /// a trusted proxy.
    pub fn source_ip(&self) -> std::net::IpAddr {
        self.access
            .source_ip
            .unwrap_or_else(|| self.connection.remote.ip())
    }

    /// The `Host` header (`$context.domainName`).
    pub fn domain_name(&self) -> &'a str {
        self.head.header_str("host").unwrap_or_default()
    }

    /// `$context.path`: the request path as the client sent it: with the stage on the
    /// execute-api endpoint (`/dev/items`), with the base path (and a stage taken from the
    /// path) on a custom domain (`/v1/items`).
    pub fn request_path(&self) -> String {
        match self.base_path {
            None => format!("/{}{}", self.stage.stage_name, self.path),
            Some(_) => self.head.path().to_owned(),
        }
    }

    /// The value of a `$context` variable, if it has one for this request.
    pub fn context_value(&self, variable: &ContextVariable) -> Option<Cow<'_, str>> {
        use ContextVariable::*;
        let owned = |text: String| Some(Cow::Owned(text));
        match variable {
            AccountId => Some(Cow::Borrowed(portico_model::ACCOUNT_ID)),
            IdentityAccountId => self
                .access
                .caller
                .as_ref()
                .map(|caller| Cow::Borrowed(&*caller.account)),
            ApiId => owned(self.stage.api_id.to_string()),
            DomainName => Some(Cow::Borrowed(self.domain_name())),
            DomainPrefix => Some(Cow::Borrowed(
                self.domain_name().split('.').next().unwrap_or_default(),
            )),
            ExtendedRequestId => Some(Cow::Borrowed(self.ids.extended_request_id_str())),
            HttpMethod => Some(Cow::Borrowed(self.head.method.as_str())),
            Path => owned(self.request_path()),
            CustomDomainBasePathMatched => self.base_path.map(Cow::Borrowed),
            Protocol => Some(Cow::Borrowed("HTTP/1.1")),
            RequestId => Some(Cow::Borrowed(self.ids.request_id_str())),
            RequestTime => owned(format_clf(self.received_at)),
            RequestTimeEpoch => owned(epoch_millis(self.received_at).to_string()),
            ResourceId => owned(self.route.resource_id.to_string()),
            ResourcePath => owned(self.route.resource_path.to_string()),
            Stage => owned(self.stage.stage_name.to_string()),
            IdentitySourceIp => owned(self.source_ip().to_string()),
            IdentityUserAgent => self.header_value("user-agent"),
            IdentityApiKey => self.api_key.as_ref().map(|key| Cow::Borrowed(&*key.value)),
            IdentityApiKeyId => self.api_key.as_ref().map(|key| Cow::Borrowed(&*key.id)),
            IdentityCaller | IdentityUser => self
                .access
                .caller
                .as_ref()
                .map(|caller| Cow::Borrowed(&*caller.user_id)),
            IdentityUserArn => self
                .access
                .caller
                .as_ref()
                .map(|caller| Cow::Borrowed(&*caller.arn)),
            IdentityAccessKey => self
                .access
                .caller
                .as_ref()
                .map(|caller| Cow::Borrowed(&*caller.access_key_id)),
            Authorizer(key) => self.authorizer_value(key),
            Unknown(_) => None,
        }
    }
}

// === impl Invocation (authorizer) ===

impl Invocation<'_> {
    /// `$context.authorizer.KEY` as text (`claims.NAME` reaches into Cognito claims).
    pub fn authorizer_value(&self, key: &str) -> Option<Cow<'_, str>> {
        let authorizer = self.authorizer.as_ref()?;
        let value = match key.split_once('.') {
            Some((outer, inner)) if authorizer.get(key).is_none() => {
                authorizer.get(outer)?.get(inner)?
            }
            _ => authorizer.get(key)?,
        };
        match value {
            serde_json::Value::String(text) => Some(Cow::Borrowed(text)),
            serde_json::Value::Null => None,
            other => Some(Cow::Owned(other.to_string())),
        }
    }
}

/// Decoded `(key, value)` pairs of a raw query string (`+` is a space, as browsers send it).
pub fn query_pairs(query: Option<&str>) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_query_part(key), decode_query_part(value))
        })
}

fn decode_query_part(text: &str) -> Cow<'_, str> {
    if text.contains('+') {
        let spaced = text.replace('+', " ");
        Cow::Owned(percent_decode_str(&spaced).decode_utf8_lossy().into_owned())
    } else {
        percent_decode_str(text).decode_utf8_lossy()
    }
}

/// Milliseconds since the Unix epoch.
pub fn epoch_millis(time: SystemTime) -> u128 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

/// `$context.requestTime`: `dd/MMM/yyyy:HH:mm:ss +0000`.
pub fn format_clf(time: SystemTime) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let seconds = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(seconds / 86_400).unwrap_or_default();
    let of_day = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{day:02}/{}/{year:04}:{:02}:{:02}:{:02} +0000",
        MONTHS[usize::try_from(month - 1).unwrap_or_default()],
        of_day / 3600,
        (of_day % 3600) / 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn request_time_uses_common_log_format() {
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(format_clf(time), "14/Nov/2023:22:13:20 +0000");
        assert_eq!(
            format_clf(SystemTime::UNIX_EPOCH),
            "01/Jan/1970:00:00:00 +0000"
        );
    }

    #[test]
    fn query_pairs_are_decoded() {
        let pairs: Vec<_> = query_pairs(Some("a=1&b=x%20y&c=p+q&flag")).collect();
        assert_eq!(pairs[1], ("b".into(), "x y".into()));
        assert_eq!(pairs[2], ("c".into(), "p q".into()));
        assert_eq!(pairs[3], ("flag".into(), "".into()));
    }
}
