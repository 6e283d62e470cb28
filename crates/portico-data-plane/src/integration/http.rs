//! `HTTP` (non-proxy): the integration request is built from mappings and the request
//! template (or the passthrough body), and the backend's answer goes through integration
//! response selection by status code (reference §4, §5).

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Request, Response};
use hyper::body::Incoming;
use portico_model::PassthroughBehavior;
use portico_snapshot::integration::{HttpTarget, IntegrationResponses, RequestMapping};

use super::backend::Backend;
use super::mapping::{self, build_uri};
use super::response::{self, IntegrationOutput};
use crate::body::{Body, Outbound, collect_limited};
use crate::gateway_response::{GatewayResponseType, Reject};
use crate::invocation::Invocation;

/// Calls the backend and maps its response.
pub async fn invoke(
    invocation: &Invocation<'_>,
    backend: &Backend,
    target: &HttpTarget,
    request_mapping: &RequestMapping,
    responses: &IntegrationResponses,
    body: Incoming,
) -> Result<Response<Body>, Reject> {
    let body = collect_limited(body)
        .await
        .map_err(Reject::from_body_error)?;
    let (content_type, outbound_body) =
        integration_request_body(&invocation.headers, request_mapping, body.clone())?;
    let mapped = mapping::evaluate(invocation, &target.parameters, Some(&body));
    let uri = build_uri(target, invocation, &mapped, None)?;

    let mut headers = HeaderMap::new();
    headers.insert(header::HOST, target.uri.host_header.clone());
    if !outbound_body.is_empty() {
        headers.insert(header::CONTENT_TYPE, content_type);
    }
    if let Ok(agent) =
        HeaderValue::try_from(format!("AmazonAPIGateway_{}", invocation.stage.api_id))
    {
        headers.insert(header::USER_AGENT, agent);
    }
    headers.insert(
        "x-amzn-apigateway-api-id",
        invocation.stage.api_id_header.clone(),
    );
    for (name, value) in mapped.headers {
        headers.insert(name, value);
    }

    let mut request = Request::new(Outbound::Full(Some(outbound_body)));
    *request.method_mut() = target
        .method
        .clone()
        .unwrap_or_else(|| invocation.method.clone());
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;

    let backend_response = backend.send(request, target.timeout).await?;
    let (head, backend_body) = backend_response.into_parts();
    let backend_body = collect_limited(backend_body)
        .await
        .map_err(|err| Reject::with_cause(GatewayResponseType::ApiConfigurationError, err))?;
    let output = IntegrationOutput {
        headers: &head.headers,
        body: backend_body,
    };
    response::map(invocation, responses, head.status.as_str(), &output)
}

/// The integration request body and its content type: the template for the request's
/// content type, else the request body as the passthrough behaviour allows.
pub fn integration_request_body(
    request_headers: &HeaderMap,
    mapping: &RequestMapping,
    body: Bytes,
) -> Result<(HeaderValue, Bytes), Reject> {
    let content_type = request_headers
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or(HeaderValue::from_static("application/json"));
    let content_type_text = content_type.to_str().unwrap_or("application/json");
    if let Some(template) = mapping.template_for(content_type_text) {
        // FIXME(mapping templates): request templates are Velocity (VTL); until the VTL
        // engine lands a template is sent as literal text.
        let text = template.as_deref().unwrap_or_default();
        return Ok((
            HeaderValue::from_static("application/json"),
            Bytes::from(text.to_owned()),
        ));
    }
    let passthrough = mapping
        .passthrough
        .unwrap_or(PassthroughBehavior::WhenNoMatch);
    let allowed = match passthrough {
        PassthroughBehavior::WhenNoMatch => true,
        PassthroughBehavior::WhenNoTemplates => mapping.templates.is_empty(),
        PassthroughBehavior::Never => false,
    };
    if allowed {
        Ok((content_type, body))
    } else {
        Err(Reject::new(GatewayResponseType::UnsupportedMediaType))
    }
}
