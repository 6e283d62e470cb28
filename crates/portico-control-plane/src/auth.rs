//! SigV4 authentication of every control-plane request against the published access keys
//! (root and IAM users), and authorization of API Gateway operations by identity policies.
//!
//! Unsigned → 403 `MissingAuthenticationTokenException`; malformed → 403
//! `IncompleteSignatureException`; unknown or inactive access key → 403 `UnrecognizedClientException`;
//! a user whose policies do not allow the operation → 403 `AccessDeniedException`;
//! wrong signature or clock skew → 403 `InvalidSignatureException`, each with AWS's message.
//! The request's region (from the credential scope) is handed to handlers as [`Caller`].

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use portico_policy::{ConditionKeys, Decision};
use portico_sigv4::{RequestParts, Sigv4Error};
use portico_snapshot::Identity;

use crate::{ApiError, ControlPlane, MAX_BODY_BYTES};

/// The account's root access key; it may call every operation.
#[derive(Clone)]
pub struct RootCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for RootCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret never reaches logs.
        f.debug_struct("RootCredentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Who is calling, as established by the signature.
#[derive(Debug, Clone)]
pub struct Caller {
    pub access_key_id: String,
    /// The region of the credential scope; ARNs in responses use it.
    pub region: String,
    /// The signing identity (root or an IAM user) and its policies.
    pub identity: Arc<Identity>,
    /// The `User-Agent` of the request, for `aws:UserAgent`.
    pub user_agent: Option<String>,
    /// The client address, for `aws:SourceIp`.
    pub source_ip: Option<std::net::IpAddr>,
    /// The `tags` the request asks to set, for `aws:RequestTag/KEY` and `aws:TagKeys`.
    pub request_tags: Vec<(String, String)>,
    /// The tags of the resource the request addresses, for `aws:ResourceTag/KEY` (read only
    /// when the caller's policies ask for them).
    pub resource_tags: Vec<(String, String)>,
}

/// A refused authorization: the principal, action and resource, and whether a statement
/// denied explicitly. Each protocol renders it in its own error shape.
#[derive(Debug, Clone)]
pub struct AccessDenied {
    pub message: String,
}

/// Services whose requests this listener accepts, and the path each is served under.
const APIGATEWAY: &str = "apigateway";
const IAM: &str = "iam";
const LAMBDA: &str = "lambda";

/// Path prefixes of Lambda's operations (each names the API version that added it).
const LAMBDA_PATHS: [&str; 4] = [
    "/2015-03-31/",
    "/2017-03-31/",
    "/2017-10-31/",
    "/2019-09-30/",
];

// === impl Caller ===

impl Caller {
    /// Whether the caller's identity policies allow `action` on `resource` (root: always).
    pub fn authorize(&self, action: &str, resource: &str) -> Result<(), AccessDenied> {
        if self.identity.is_root() {
            return Ok(());
        }
        let keys = self.condition_keys();
        match self.identity.authorize(action, resource, &keys) {
            Decision::Allow => Ok(()),
            decision => Err(AccessDenied {
                message: format!(
                    "User: {} is not authorized to perform: {action} on resource: {resource} {}",
                    self.identity.arn,
                    match decision {
                        Decision::ExplicitDeny =>
                            "with an explicit deny in an identity-based policy",
                        _ => "because no identity-based policy allows the action",
                    }
                ),
            }),
        }
    }

    /// The global condition keys of a control-plane request.
    fn condition_keys(&self) -> ConditionKeys {
        let mut keys = ConditionKeys::default();
        self.identity.add_condition_keys(&mut keys);
        let now = crate::wire::now();
        keys.insert("aws:EpochTime", now.to_string());
        keys.insert("aws:CurrentTime", crate::wire::iso8601(now));
        keys.insert("aws:SecureTransport", "false");
        keys.insert("aws:RequestedRegion", self.region.clone());
        if let Some(user_agent) = &self.user_agent {
            keys.insert("aws:UserAgent", user_agent.clone());
        }
        if let Some(source_ip) = self.source_ip {
            keys.insert("aws:SourceIp", source_ip.to_canonical().to_string());
        }
        if !self.request_tags.is_empty() {
            keys.set(
                "aws:TagKeys",
                self.request_tags
                    .iter()
                    .map(|(key, _)| key.clone())
                    .collect(),
            );
            for (key, value) in &self.request_tags {
                keys.insert(&format!("aws:RequestTag/{key}"), value.clone());
            }
        }
        for (key, value) in &self.resource_tags {
            keys.insert(&format!("aws:ResourceTag/{key}"), value.clone());
        }
        keys
    }
}

impl From<AccessDenied> for ApiError {
    fn from(denied: AccessDenied) -> Self {
        ApiError::Forbidden {
            error_type: "AccessDeniedException",
            message: denied.message,
        }
    }
}

/// Middleware: buffers the body (bounded), verifies the signature, passes the request on with
/// a [`Caller`] extension. API Gateway operations are authorized here (`apigateway:VERB` on
/// `arn:aws:apigateway:REGION::PATH`); IAM operations, whose action is in the body, are
/// authorized by their handler.
pub async fn authenticate(
    State(control_plane): State<ControlPlane>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let limit = if service_of(&parts) == LAMBDA {
        crate::lambda::MAX_BODY_BYTES
    } else {
        MAX_BODY_BYTES
    };
    let body = match axum::body::to_bytes(body, limit).await {
        Ok(body) => body,
        Err(_) => {
            return ApiError::PayloadTooLarge(format!("Request body is larger than {limit} bytes"))
                .into_response();
        }
    };
    let mut caller = match verify(&control_plane, &parts, &body) {
        Ok(caller) => caller,
        Err(err) if service_of(&parts) == IAM => {
            return crate::iam::authentication_error(&err, parts.extensions.get());
        }
        Err(err) => return err.into_response(),
    };
    if service_of(&parts) == APIGATEWAY {
        if !caller.identity.is_root() && caller.identity.needs.resource_tags {
            match crate::tags::of_request_path(&control_plane, parts.uri.path()).await {
                Ok(tags) => caller.resource_tags = tags.into_iter().collect(),
                Err(err) => return err.into_response(),
            }
        }
        let resource = format!("arn:aws:apigateway:{}::{}", caller.region, parts.uri.path());
        let action = format!("apigateway:{}", parts.method.as_str());
        if let Err(denied) = caller.authorize(&action, &resource) {
            return ApiError::from(denied).into_response();
        }
    }
    parts.extensions.insert(caller);
    next.run(Request::from_parts(parts, Body::from(body))).await
}

/// The service a request to this path must be signed for: IAM's Query API is `POST /`,
/// Lambda's operations live under their API versions, everything else is API Gateway's.
fn service_of(parts: &http::request::Parts) -> &'static str {
    let path = parts.uri.path();
    if path == "/" {
        IAM
    } else if LAMBDA_PATHS.iter().any(|prefix| path.starts_with(prefix)) {
        LAMBDA
    } else {
        APIGATEWAY
    }
}

fn verify(
    control_plane: &ControlPlane,
    parts: &http::request::Parts,
    body: &[u8],
) -> Result<Caller, ApiError> {
    let request = RequestParts {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers: &parts.headers,
    };
    let authorization = portico_sigv4::parse(&request)
        .map_err(|err| sigv4_error(&err))?
        .ok_or_else(ApiError::missing_authentication_token)?;
    let identity = control_plane
        .live()
        .identities()
        .get(&authorization.access_key_id)
        .filter(|identity| identity.active)
        .cloned()
        .ok_or_else(|| ApiError::Forbidden {
            error_type: "UnrecognizedClientException",
            message: "The security token included in the request is invalid.".into(),
        })?;
    let service = service_of(parts);
    if authorization.service != service {
        return Err(ApiError::Forbidden {
            error_type: "InvalidSignatureException",
            message: format!("Credential should be scoped to correct service: '{service}'. "),
        });
    }
    let payload_hash = portico_sigv4::sha256_hex(body);
    portico_sigv4::verify(
        &request,
        &authorization,
        identity.secret_access_key(),
        &payload_hash,
        crate::wire::now(),
    )
    .map_err(|err| sigv4_error(&err))?;
    Ok(Caller {
        access_key_id: authorization.access_key_id,
        region: authorization.region,
        identity,
        user_agent: parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned),
        source_ip: parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip()),
        request_tags: request_tags(parts, body),
        resource_tags: Vec::new(),
    })
}

/// The `tags` object of an API Gateway request body (create operations and `TagResource`).
fn request_tags(parts: &http::request::Parts, body: &[u8]) -> Vec<(String, String)> {
    if service_of(parts) != APIGATEWAY || body.is_empty() {
        return Vec::new();
    }
    let Ok(serde_json::Value::Object(document)) = serde_json::from_slice(body) else {
        return Vec::new();
    };
    match document.get("tags") {
        Some(serde_json::Value::Object(tags)) => tags
            .iter()
            .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
            .collect(),
        _ => Vec::new(),
    }
}

fn sigv4_error(err: &Sigv4Error) -> ApiError {
    ApiError::Forbidden {
        error_type: err.error_type(),
        message: err.to_string(),
    }
}
