//! Integration: calls the method's backend and turns its answer into the method response.
//! One module per integration type; [`invoke`] is the only place that matches on the type.

pub mod backend;
mod http;
mod http_proxy;
mod mapping;
mod mock;
mod response;

use ::http::Response;
use hyper::body::Incoming;
use portico_snapshot::integration::CompiledIntegration;

use crate::body::Body;
use crate::gateway_response::{GatewayResponseType, Reject};
use crate::invocation::Invocation;
use backend::Backend;

/// Runs the integration of the matched method.
pub async fn invoke(
    invocation: Invocation<'_>,
    backend: &Backend,
    body: Incoming,
) -> Result<Response<Body>, Reject> {
    let route = invocation.route;
    match &route.integration {
        CompiledIntegration::HttpProxy(target) => {
            http_proxy::invoke(invocation, backend, target, body).await
        }
        CompiledIntegration::Http {
            target,
            request,
            responses,
        } => http::invoke(&invocation, backend, target, request, responses, body).await,
        CompiledIntegration::Mock { request, responses } => {
            mock::invoke(&invocation, request, responses, body).await
        }
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
