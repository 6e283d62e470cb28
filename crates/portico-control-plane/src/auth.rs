//! SigV4 authentication of every control-plane request against the root credentials.
//!
//! Unsigned → 403 `MissingAuthenticationTokenException`; malformed → 403
//! `IncompleteSignatureException`; unknown access key → 403 `UnrecognizedClientException`;
//! wrong signature or clock skew → 403 `InvalidSignatureException`, each with AWS's message.
//! The request's region (from the credential scope) is handed to handlers as [`Caller`].

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use portico_sigv4::{RequestParts, Sigv4Error};
use subtle::ConstantTimeEq;

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
}

/// Services whose requests this listener accepts.
const SERVICES: &[&str] = &["apigateway"];

/// Middleware: buffers the body (bounded), verifies the signature, passes the request on with
/// a [`Caller`] extension.
pub async fn authenticate(
    State(control_plane): State<ControlPlane>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            return ApiError::PayloadTooLarge(format!(
                "Request body is larger than {MAX_BODY_BYTES} bytes"
            ))
            .into_response();
        }
    };
    match verify(&control_plane, &parts, &body) {
        Ok(caller) => {
            parts.extensions.insert(caller);
            next.run(Request::from_parts(parts, Body::from(body))).await
        }
        Err(err) => err.into_response(),
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
    let credentials = control_plane.credentials();
    let known = authorization
        .access_key_id
        .as_bytes()
        .ct_eq(credentials.access_key_id.as_bytes());
    if !bool::from(known) {
        return Err(ApiError::Forbidden {
            error_type: "UnrecognizedClientException",
            message: "The security token included in the request is invalid.".into(),
        });
    }
    if !SERVICES.contains(&authorization.service.as_str()) {
        return Err(ApiError::Forbidden {
            error_type: "InvalidSignatureException",
            message: "Credential should be scoped to correct service: 'apigateway'. ".into(),
        });
    }
    let payload_hash = portico_sigv4::sha256_hex(body);
    portico_sigv4::verify(
        &request,
        &authorization,
        &credentials.secret_access_key,
        &payload_hash,
        crate::wire::now(),
    )
    .map_err(|err| sigv4_error(&err))?;
    Ok(Caller {
        access_key_id: authorization.access_key_id,
        region: authorization.region,
    })
}

fn sigv4_error(err: &Sigv4Error) -> ApiError {
    ApiError::Forbidden {
        error_type: err.error_type(),
        message: err.to_string(),
    }
}
