//! Rendering mapping templates (VTL) for non-proxy integrations: the request's `$input`,
//! `$context` and `$stageVariables`, and what a template sets under
//! `$context.requestOverride` / `$context.responseOverride`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use portico_snapshot::integration::CompiledTemplate;
use portico_vtl::Limits;
use portico_vtl::aws::{self, Overrides, Variables};
use serde_json::{Map, Value, json};

use crate::gateway_response::{GatewayResponseType, Reject};
use crate::invocation::{Invocation, epoch_millis, format_clf, query_pairs};

/// A rendered template.
#[derive(Debug, Default)]
pub struct Rendered {
    pub output: String,
    pub overrides: Overrides,
}

/// Renders `template` for the request, with `body` as `$input.body` (base64 when `binary`).
pub fn render(
    template: &CompiledTemplate,
    invocation: &Invocation<'_>,
    body: &[u8],
    binary: bool,
) -> Result<Rendered, Reject> {
    let template = match template {
        CompiledTemplate::Empty => return Ok(Rendered::default()),
        CompiledTemplate::Broken(reason) => {
            return Err(Reject::with_cause(
                GatewayResponseType::ApiConfigurationError,
                format!(
                    "Execution failed due to configuration error: Unable to parse the mapping template: {reason}"
                ),
            ));
        }
        CompiledTemplate::Vtl(template) => template,
    };
    let mut context = variables(invocation, body, binary).into_context();
    let output = template.render(&mut context, &Limits::default()).map_err(|err| {
        Reject::with_cause(
            GatewayResponseType::ApiConfigurationError,
            format!(
                "Execution failed due to configuration error: Unable to transform the payload with the mapping template of {} {}: {err}",
                invocation.route.http_method, invocation.route.resource_path
            ),
        )
    })?;
    let overrides = aws::overrides(&context);
    Ok(Rendered { output, overrides })
}

fn variables(invocation: &Invocation<'_>, body: &[u8], binary: bool) -> Variables {
    let body = if binary {
        STANDARD.encode(body)
    } else {
        String::from_utf8_lossy(body).into_owned()
    };
    let path = invocation
        .params
        .iter(invocation.path)
        .map(|(name, _)| {
            (
                name.to_owned(),
                invocation.path_param(name).unwrap_or_default().into_owned(),
            )
        })
        .collect();
    // Single-value views: the last value of a repeated name wins, as on AWS.
    let mut querystring: Vec<(String, String)> = Vec::new();
    for (name, value) in query_pairs(invocation.head.query()) {
        match querystring
            .iter_mut()
            .find(|(existing, _)| *existing == name)
        {
            Some(entry) => entry.1 = value.into_owned(),
            None => querystring.push((name.into_owned(), value.into_owned())),
        }
    }
    let mut header: Vec<(String, String)> = Vec::new();
    for (name, value) in invocation.head.headers() {
        let value = String::from_utf8_lossy(value).into_owned();
        match header
            .iter_mut()
            .find(|(existing, _)| existing.eq_ignore_ascii_case(name))
        {
            Some(entry) => entry.1 = value,
            None => header.push((name.to_owned(), value)),
        }
    }
    let stage_variables = invocation
        .stage
        .variables
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    Variables {
        body,
        path,
        querystring,
        header,
        context: context_map(invocation),
        stage_variables,
    }
}

/// `$context` for templates.
pub fn context_map(invocation: &Invocation<'_>) -> Map<String, Value> {
    let domain = invocation.domain_name();
    let user_agent = invocation
        .header_value("user-agent")
        .map(|agent| agent.into_owned());
    let caller = invocation.access.caller.as_deref();
    let value = json!({
        "accountId": portico_model::ACCOUNT_ID,
        "apiId": &*invocation.stage.api_id,
        "domainName": domain,
        "domainPrefix": domain.split('.').next().unwrap_or_default(),
        "extendedRequestId": invocation.ids.extended_request_id_str(),
        "httpMethod": invocation.head.method.as_str(),
        "identity": {
            "sourceIp": invocation.source_ip().to_string(),
            "userAgent": user_agent,
            "accountId": caller.map(|caller| &*caller.account),
            "apiKey": invocation.api_key.as_ref().map(|key| &*key.value),
            "apiKeyId": invocation.api_key.as_ref().map(|key| &*key.id),
            "caller": caller.map(|caller| &*caller.user_id),
            "user": caller.map(|caller| &*caller.user_id),
            "userArn": caller.map(|caller| &*caller.arn),
            "accessKey": caller.map(|caller| &*caller.access_key_id),
            "cognitoAuthenticationProvider": Value::Null,
            "cognitoAuthenticationType": Value::Null,
            "cognitoIdentityId": Value::Null,
            "cognitoIdentityPoolId": Value::Null,
            "principalOrgId": Value::Null,
        },
        "path": invocation.request_path(),
        "protocol": "HTTP/1.1",
        "requestId": invocation.ids.request_id_str(),
        "awsEndpointRequestId": invocation.ids.request_id_str(),
        "requestTime": format_clf(invocation.received_at),
        "requestTimeEpoch": u64::try_from(epoch_millis(invocation.received_at)).unwrap_or(u64::MAX),
        "resourceId": &*invocation.route.resource_id,
        "resourcePath": &*invocation.route.resource_path,
        "stage": &*invocation.stage.stage_name,
    });
    match value {
        Value::Object(mut map) => {
            // `$context.authorizer.*`: what the authorizer returned, values as text (as
            // AWS hands them to templates); Cognito claims stay a map of strings.
            if let Some(Value::Object(authorizer)) = &invocation.authorizer {
                let text: Map<String, Value> = authorizer
                    .iter()
                    .map(|(key, value)| {
                        let value = match value {
                            Value::Number(_) | Value::Bool(_) => Value::String(value.to_string()),
                            other => other.clone(),
                        };
                        (key.clone(), value)
                    })
                    .collect();
                map.insert("authorizer".into(), Value::Object(text));
            }
            if let Some(base_path) = invocation.base_path {
                map.insert(
                    "customDomain".into(),
                    json!({ "basePathMatched": base_path }),
                );
            }
            map
        }
        _ => Map::new(),
    }
}
