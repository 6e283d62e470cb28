//! Route: the first stage. Finds the API and stage from the invoke URL, then the method
//! from the deployed route trie (reference §3).
//!
//! Invoke URL forms: `Host: {api-id}.execute-api.{anything}` with path `/{stage}/{path}`;
//! `/restapis/{api-id}/{stage}/_user_request_/{path}` for clients that cannot set Host; and
//! the `x-apigw-api-id` header with the host form's path (private API style). An unknown
//! API, stage, path or method answers 403 `Missing Authentication Token`, as AWS does.

use crate::gateway_response::{GatewayResponseType, Reject};
use crate::http1::head::RequestHead;

/// Where an invoke URL points: API, stage, and the resource path after the stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvokeTarget<'r> {
    pub api_id: &'r str,
    pub stage: &'r str,
    /// The path after the stage, starting with `/` (still percent-encoded).
    pub path: &'r str,
    /// The base path mapping matched, when the request came through a custom domain
    /// (`$context.customDomain.basePathMatched`; `(none)` for the domain's root).
    pub base_path: Option<&'r str>,
}

/// The header private APIs use to name the API.
const X_APIGW_API_ID: &str = "x-apigw-api-id";
/// What follows the API id's label in a host-form invoke URL.
const EXECUTE_API: &str = "execute-api.";
const PATH_FORM_MARKER: &str = "_user_request_";

/// Parses the invoke URL of a request whose path is `path`.
pub fn parse_invoke_target<'r>(
    head: &'r RequestHead,
    path: &'r str,
) -> Result<InvokeTarget<'r>, Reject> {
    let missing = || Reject::new(GatewayResponseType::MissingAuthenticationToken);
    if let Some(rest) = path.strip_prefix("/restapis/") {
        let (api_id, rest) = rest.split_once('/').ok_or_else(missing)?;
        let (stage, rest) = rest.split_once('/').ok_or_else(missing)?;
        let rest = after_marker(rest).ok_or_else(missing)?;
        return target(api_id, stage, rest).ok_or_else(missing);
    }
    let api_id = head
        .header_str("host")
        .and_then(api_id_of_host)
        .or_else(|| head.header_str(X_APIGW_API_ID))
        .ok_or_else(missing)?;
    let rest = path.strip_prefix('/').ok_or_else(missing)?;
    let (stage, rest) = match rest.find('/') {
        Some(index) => (&rest[..index], &rest[index..]),
        None => (rest, "/"),
    };
    target(api_id, stage, rest).ok_or_else(missing)
}

/// The target of a request to a custom domain: the `Host`'s longest matching base path
/// mapping, then its stage (or, when the mapping names none, the first segment after the base
/// path). `None` when no mapping matches: AWS's 403 `Missing Authentication Token`.
pub fn custom_domain_target<'r>(
    domains: &'r portico_snapshot::domains::DomainTable,
    head: &'r RequestHead,
    path: &'r str,
) -> Option<InvokeTarget<'r>> {
    if domains.is_empty() {
        return None;
    }
    let found = domains.route(head.header_str("host")?, path)?;
    let rest = &path[found.rest_offset..];
    let (stage, rest) = match found.stage {
        Some(stage) => (stage, rest),
        None => {
            let after = rest.strip_prefix('/')?;
            match after.find('/') {
                Some(index) => (&after[..index], &after[index..]),
                None => (after, ""),
            }
        }
    };
    let rest = if rest.is_empty() { "/" } else { rest };
    let mut target = target(found.api_id, stage, rest)?;
    target.base_path = Some(found.base_path_matched);
    Some(target)
}

/// `{api-id}.execute-api.{anything}` → the API id (the first label: ids have no dots), also
/// in the Route 53 alias form of private APIs, `{api-id}-{vpce-id}.execute-api.{anything}`
/// (ids have no dashes either).
fn api_id_of_host(host: &str) -> Option<&str> {
    let (label, rest) = host.split_once('.')?;
    if !rest.starts_with(EXECUTE_API) {
        return None;
    }
    // The first `-` (one memchr, not a substring search) ends the API id when an endpoint
    // id follows it.
    match label.find('-') {
        Some(dash) if label[dash..].starts_with("-vpce-") => Some(&label[..dash]),
        _ => Some(label),
    }
}

/// `_user_request_/items` → `/items`; `_user_request_` and `_user_request_/` → `/`.
fn after_marker(rest: &str) -> Option<&str> {
    let after = rest.strip_prefix(PATH_FORM_MARKER)?;
    match after {
        "" => Some("/"),
        _ if after.starts_with('/') => Some(after),
        _ => None,
    }
}

fn target<'r>(api_id: &'r str, stage: &'r str, path: &'r str) -> Option<InvokeTarget<'r>> {
    if api_id.is_empty() || stage.is_empty() {
        return None;
    }
    Some(InvokeTarget {
        api_id,
        stage,
        path,
        base_path: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(host: Option<&str>, path: &str, expected: Option<(&str, &str, &str)>) {
        let headers: Vec<(&str, &str)> = host.map(|host| ("Host", host)).into_iter().collect();
        let head = RequestHead::synthetic("GET", path, &headers);
        let found = parse_invoke_target(&head, head.path())
            .ok()
            .map(|t| (t.api_id, t.stage, t.path));
        assert_eq!(found, expected, "{host:?} {path}");
    }

    #[test]
    fn host_form_takes_the_api_from_the_first_label() {
        check(
            Some("abc123.execute-api.localhost:8080"),
            "/dev/items/42",
            Some(("abc123", "dev", "/items/42")),
        );
        check(
            Some("abc123.execute-api.us-east-1.amazonaws.com"),
            "/dev",
            Some(("abc123", "dev", "/")),
        );
        check(
            Some("abc123.execute-api.localhost"),
            "/dev/",
            Some(("abc123", "dev", "/")),
        );
    }

    #[test]
    fn private_alias_hosts_name_the_api_before_the_endpoint() {
        check(
            Some("abc123-vpce-0a1b2c3d.execute-api.us-east-1.amazonaws.com"),
            "/prod/x",
            Some(("abc123", "prod", "/x")),
        );
        check(
            Some("abc123-vpce-office.execute-api.localhost:8443"),
            "/prod",
            Some(("abc123", "prod", "/")),
        );
    }

    #[test]
    fn path_form_needs_the_user_request_marker() {
        check(
            None,
            "/restapis/abc123/dev/_user_request_/items/42",
            Some(("abc123", "dev", "/items/42")),
        );
        check(
            None,
            "/restapis/abc123/dev/_user_request_",
            Some(("abc123", "dev", "/")),
        );
        check(None, "/restapis/abc123/dev/_user_request_x", None);
        check(None, "/restapis/abc123/dev/items", None);
    }

    #[test]
    fn unknown_hosts_are_not_routed() {
        check(Some("localhost:8080"), "/dev/items", None);
        check(None, "/", None);
        check(Some("abc.execute-api.x"), "/", None);
        check(Some("a.b.execute-api.x"), "/dev/items", None);
        check(Some("abc.execute-apix.x"), "/dev/items", None);
    }

    #[test]
    fn private_api_header_names_the_api() {
        let head = RequestHead::synthetic("GET", "/prod/x", &[("x-apigw-api-id", "abc123")]);
        let target = parse_invoke_target(&head, head.path()).unwrap();
        assert_eq!(
            (target.api_id, target.stage, target.path),
            ("abc123", "prod", "/x")
        );
    }
}
