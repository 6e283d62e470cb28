//! Integration response mapping for non-proxy integrations (`HTTP`, `MOCK`): select the
//! integration response by the selection value, map headers, choose the response template.

use bytes::Bytes;
use http::Response;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use portico_snapshot::integration::{
    CompiledIntegrationResponse, CompiledTemplate, IntegrationResponses, ResponseValue,
};

use super::mapping;
use crate::gateway_response::{GatewayResponseType, Reject};
use crate::http1::head::RequestHead;
use crate::invocation::Invocation;

/// What came back from the integration.
pub struct IntegrationOutput<'a> {
    pub headers: &'a HeaderMap,
    pub body: Bytes,
}

/// Builds the method response from the integration response that `selection` picks.
pub fn map(
    invocation: &Invocation<'_>,
    responses: &IntegrationResponses,
    selection: &str,
    output: &IntegrationOutput<'_>,
) -> Result<Response<Bytes>, Reject> {
    let selected = responses
        .select(selection)
        .ok_or_else(|| no_match(selection))?;
    map_selected(invocation, selected, output)
}

/// Builds the method response from the default integration response (the one without a
/// selection pattern): what a successful Lambda invocation selects.
pub fn map_default(
    invocation: &Invocation<'_>,
    responses: &IntegrationResponses,
    output: &IntegrationOutput<'_>,
) -> Result<Response<Bytes>, Reject> {
    let selected = responses
        .default
        .as_ref()
        .or_else(|| responses.select(""))
        .ok_or_else(|| no_match(""))?;
    map_selected(invocation, selected, output)
}

fn no_match(selection: &str) -> Reject {
    Reject::with_cause(
        GatewayResponseType::ApiConfigurationError,
        format!(
            "Execution failed due to configuration error: No match for output mapping and no \
             default output mapping specified (selection value {selection})"
        ),
    )
}

fn map_selected(
    invocation: &Invocation<'_>,
    selected: &CompiledIntegrationResponse,
    output: &IntegrationOutput<'_>,
) -> Result<Response<Bytes>, Reject> {
    let types = &invocation.stage.binary_media_types;
    let backend_type = output
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    let binary_backend = crate::binary::is_binary(types, backend_type);
    let mut overrides = portico_vtl::aws::Overrides::default();
    let (content_type, body) = match select_template(selected, invocation.head) {
        Some((content_type, template)) => {
            let rendered =
                crate::templates::render(template, invocation, &output.body, binary_backend)?;
            overrides = rendered.overrides;
            (content_type, Bytes::from(rendered.output))
        }
        None => {
            let binary_accept = crate::binary::is_binary(
                types,
                crate::binary::first_accept(invocation.head.header_str("accept")),
            );
            let body = crate::binary::convert_response(
                selected.content_handling,
                binary_backend,
                binary_accept,
                output.body.clone(),
            )?;
            ("application/json", body)
        }
    };
    let mut response = Response::new(body);
    *response.status_mut() = selected.status;
    if let Some(status) = overrides
        .response_status
        .and_then(|status| http::StatusCode::from_u16(status).ok())
    {
        *response.status_mut() = status;
    }
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/json")),
    );
    for (name, value) in &selected.headers {
        let mut values = header_values(invocation, value, output).into_iter();
        if let Some(first) = values.next() {
            headers.insert(name.clone(), first);
        }
        for value in values {
            headers.append(name.clone(), value);
        }
    }
    for (name, value) in &overrides.response_headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(name, value);
        }
    }
    Ok(response)
}

/// The response template for the client's `Accept`: an exact match, else
/// `application/json`, else the first template (reference §5).
fn select_template<'r>(
    response: &'r CompiledIntegrationResponse,
    request: &RequestHead,
) -> Option<(&'r str, &'r CompiledTemplate)> {
    if response.templates.is_empty() {
        return None;
    }
    let accept = request
        .header_str("accept")
        .and_then(|value| value.split(',').next())
        .map(|first| first.split(';').next().unwrap_or_default().trim())
        .filter(|first| !first.is_empty() && *first != "*/*")
        .unwrap_or("application/json");
    let find = |wanted: &str| {
        response
            .templates
            .iter()
            .find(|(content_type, _)| content_type.eq_ignore_ascii_case(wanted))
    };
    find(accept)
        .or_else(|| find("application/json"))
        .or_else(|| response.templates.first())
        .map(|(content_type, template)| (&**content_type, template))
}

fn header_values(
    invocation: &Invocation<'_>,
    value: &ResponseValue,
    output: &IntegrationOutput<'_>,
) -> Vec<HeaderValue> {
    match value {
        ResponseValue::Literal(value) => vec![value.clone()],
        ResponseValue::IntegrationHeader(name) => output
            .headers
            .get_all(name)
            .iter()
            .next_back()
            .cloned()
            .into_iter()
            .collect(),
        ResponseValue::IntegrationMultiValueHeader(name) => {
            output.headers.get_all(name).iter().cloned().collect()
        }
        ResponseValue::IntegrationBody(path) => mapping::body_value(&output.body, path.as_deref())
            .and_then(|text| HeaderValue::try_from(text).ok())
            .into_iter()
            .collect(),
        ResponseValue::Context(variable) => invocation
            .context_value(variable)
            .and_then(|text| HeaderValue::try_from(text.as_ref()).ok())
            .into_iter()
            .collect(),
    }
}
