//! `HTTP` (non-proxy): the integration request is built from mappings and the request
//! template (or the passthrough body), and the backend's answer goes through integration
//! response selection by status code (reference §4, §5).

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::{Response, StatusCode};
use portico_model::PassthroughBehavior;
use portico_snapshot::integration::{HttpTarget, IntegrationResponses, RequestMapping};

use super::http_proxy::{MAX_PAYLOAD_BYTES, reject_upstream};
use super::mapping::{self, request_target};
use super::response::{self, IntegrationOutput};
use crate::gateway_response::{GatewayResponseType, Reject};
use crate::http1::body::BodyReader;
use crate::http1::response::{format_u64, push_header};
use crate::invocation::Invocation;
use crate::pipeline::Client;
use crate::upstream::{Backends, Outgoing, pool};

/// Calls the backend and maps its response.
pub async fn invoke(
    invocation: &Invocation<'_>,
    backends: &Backends,
    target: &HttpTarget,
    request_mapping: &RequestMapping,
    responses: &IntegrationResponses,
    mut client: Client<'_>,
) -> Result<Response<Bytes>, Reject> {
    let body = client
        .mapped_body(invocation.head.header_str("content-encoding"))
        .await?;
    let integration_request = integration_request_body(invocation, request_mapping, body.clone())?;
    let content_type = integration_request.content_type;
    let outbound_body = integration_request.body;
    let mut mapped = mapping::evaluate(invocation, &target.parameters, Some(&body));
    mapped.apply_overrides(&integration_request.overrides);
    let method = target.method.as_ref().unwrap_or(&invocation.head.method);

    let mut request = Vec::with_capacity(512);
    request.extend_from_slice(method.as_str().as_bytes());
    request.push(b' ');
    request_target(&mut request, target, invocation, &mapped, None);
    request.extend_from_slice(b" HTTP/1.1\r\n");
    push_header(&mut request, b"host", target.uri.host_header.as_bytes());
    push_header(
        &mut request,
        b"user-agent",
        format!("AmazonAPIGateway_{}", invocation.stage.api_id).as_bytes(),
    );
    push_header(
        &mut request,
        b"x-amzn-apigateway-api-id",
        invocation.stage.api_id.as_bytes(),
    );
    let overrides = |name: &[u8]| {
        mapped
            .headers
            .iter()
            .any(|(mapped_name, _)| mapped_name.as_str().as_bytes().eq_ignore_ascii_case(name))
    };
    if !outbound_body.is_empty() && !overrides(b"content-type") {
        push_header(&mut request, b"content-type", content_type.as_bytes());
    }
    for (name, value) in &mapped.headers {
        push_header(&mut request, name.as_str().as_bytes(), value.as_bytes());
    }
    let mut digits = [0u8; 20];
    push_header(
        &mut request,
        b"content-length",
        format_u64(outbound_body.len() as u64, &mut digits),
    );
    request.extend_from_slice(b"\r\n");

    let exchange = async {
        let received = backends
            .send::<tokio::net::TcpStream>(
                target,
                method,
                &request,
                Outgoing::Buffered(&outbound_body),
            )
            .await
            .map_err(reject_upstream)?;
        let mut conn = received.conn;
        let mut reader = BodyReader::new(received.head.framing);
        let body = reader
            .read_to_end(&mut conn, MAX_PAYLOAD_BYTES)
            .await
            .map_err(|err| Reject::with_cause(GatewayResponseType::ApiConfigurationError, err))?;
        if received.head.keep_alive {
            pool::checkin(&target.pool_key, conn);
        }
        let mut headers = HeaderMap::new();
        for (name, value) in received.head.headers(&received.head_bytes) {
            if let (Ok(name), Ok(value)) =
                (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
            {
                headers.append(name, value);
            }
        }
        Ok::<_, Reject>((received.head.status, headers, body))
    };
    let (status, headers, body) = tokio::time::timeout(target.timeout, exchange)
        .await
        .map_err(|_| Reject::new(GatewayResponseType::IntegrationTimeout))??;
    let status = StatusCode::from_u16(status).map_err(|_| {
        Reject::with_cause(
            GatewayResponseType::ApiConfigurationError,
            "backend sent an invalid status code",
        )
    })?;
    let output = IntegrationOutput {
        headers: &headers,
        body,
    };
    response::map(invocation, responses, status.as_str(), &output)
}

/// The integration request: the rendered template for the request's content type, else the
/// request body as the passthrough behaviour allows (with `contentHandling` applied).
pub struct IntegrationRequest {
    pub content_type: String,
    pub body: Bytes,
    /// What the template set under `$context.requestOverride`.
    pub overrides: portico_vtl::aws::Overrides,
}

/// Builds the integration request from the method request.
pub fn integration_request_body(
    invocation: &Invocation<'_>,
    mapping: &RequestMapping,
    body: Bytes,
) -> Result<IntegrationRequest, Reject> {
    let content_type = invocation
        .head
        .header_str("content-type")
        .unwrap_or("application/json");
    let binary = crate::binary::is_binary(&invocation.stage.binary_media_types, Some(content_type));
    if let Some(template) = mapping.template_for(content_type) {
        let rendered = crate::templates::render(template, invocation, &body, binary)?;
        return Ok(IntegrationRequest {
            content_type: "application/json".to_owned(),
            body: Bytes::from(rendered.output),
            overrides: rendered.overrides,
        });
    }
    let passthrough = mapping
        .passthrough
        .unwrap_or(PassthroughBehavior::WhenNoMatch);
    let allowed = match passthrough {
        PassthroughBehavior::WhenNoMatch => true,
        PassthroughBehavior::WhenNoTemplates => mapping.templates.is_empty(),
        PassthroughBehavior::Never => false,
    };
    if !allowed {
        return Err(Reject::new(GatewayResponseType::UnsupportedMediaType));
    }
    let body = crate::binary::convert_request(mapping.content_handling, binary, body)?;
    Ok(IntegrationRequest {
        content_type: content_type.to_owned(),
        body,
        overrides: Default::default(),
    })
}
