//! Integration: calls the method's backend and turns its answer into the method response.
//! One module per integration type; [`invoke`] is the only place that matches on the type.

mod http;
mod http_proxy;
pub mod lambda;
mod lambda_proxy;
mod mapping;
mod mock;
pub mod proxy_event;
mod response;

use portico_snapshot::integration::CompiledIntegration;

use crate::gateway_response::{GatewayResponseType, Reject};
use crate::invocation::Invocation;
use crate::pipeline::{Client, Handled};
use crate::upstream::Backends;

pub use http_proxy::MAX_PAYLOAD_BYTES;

/// Runs the integration of the matched method.
pub async fn invoke(
    invocation: &Invocation<'_>,
    backends: &Backends,
    client: Client<'_>,
) -> Result<Handled, Reject> {
    match &invocation.route.integration {
        CompiledIntegration::HttpProxy(target) => {
            http_proxy::invoke(invocation, backends, target, client, false).await
        }
        CompiledIntegration::Http {
            target,
            request,
            responses,
        } => http::invoke(invocation, backends, target, request, responses, client)
            .await
            .map(Handled::Full),
        CompiledIntegration::Mock { request, responses } => {
            mock::invoke(invocation, request, responses, client)
                .await
                .map(Handled::Full)
        }
        CompiledIntegration::LambdaProxy(target) => {
            lambda_proxy::invoke(invocation, backends, target, client)
                .await
                .map(Handled::Full)
        }
        CompiledIntegration::Lambda {
            target,
            request,
            responses,
        } => lambda::invoke(invocation, backends, target, request, responses, client)
            .await
            .map(Handled::Full),
        CompiledIntegration::Unsupported { kind } => Err(Reject::with_cause(
            GatewayResponseType::ApiConfigurationError,
            format!("integration type {kind} is not supported by this Portico version"),
        )),
        CompiledIntegration::Misconfigured { reason } => Err(Reject::with_cause(
            GatewayResponseType::ApiConfigurationError,
            format!("Execution failed due to configuration error: {reason}"),
        )),
    }
}

/// Runs the integration and returns the whole response (for the cache): `HTTP_PROXY`
/// responses are read into memory instead of streamed.
pub async fn invoke_buffered(
    invocation: &Invocation<'_>,
    backends: &Backends,
    client: Client<'_>,
) -> Result<::http::Response<bytes::Bytes>, Reject> {
    let handled = match &invocation.route.integration {
        CompiledIntegration::HttpProxy(target) => {
            http_proxy::invoke(invocation, backends, target, client, true).await?
        }
        _ => invoke(invocation, backends, client).await?,
    };
    match handled {
        Handled::Full(response) => Ok(response),
        Handled::Streamed { .. } => Err(Reject::with_cause(
            GatewayResponseType::IntegrationFailure,
            "a buffered integration streamed its response",
        )),
    }
}
