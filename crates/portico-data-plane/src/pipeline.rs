//! The request pipeline: every data-plane request passes these stages in AWS's order
//! (reference §17). One function shows the order; each stage lives in its own module.

use std::sync::Arc;
use std::time::SystemTime;

use http::{Request, Response};
use hyper::body::Incoming;
use portico_snapshot::StageSnapshot;

use crate::DataPlane;
use crate::body::Body;
use crate::gateway_response::{self, GatewayResponseType, Reject};
use crate::integration;
use crate::invocation::{ConnectionInfo, Invocation};
use crate::request_id::RequestIds;
use crate::stages::route;

/// `x-amzn-RequestId` on every response.
pub const X_AMZN_REQUESTID: &str = "x-amzn-requestid";
/// `x-amz-apigw-id` on every response.
pub const X_AMZ_APIGW_ID: &str = "x-amz-apigw-id";

/// Serves one request; never fails: rejections become gateway responses.
pub async fn handle(
    data_plane: &DataPlane,
    connection: &ConnectionInfo,
    request: Request<Incoming>,
) -> Response<Body> {
    let ids = RequestIds::generate();
    let mut response = match run_stages(data_plane, connection, &ids, request).await {
        Ok(response) => response,
        Err(reject) => {
            if let Some(cause) = &reject.cause {
                tracing::warn!(request_id = ids.request_id_str(), kind = ?reject.kind, error = %cause, "request rejected");
            }
            gateway_response::render(&reject)
        }
    };
    let headers = response.headers_mut();
    headers.insert(X_AMZN_REQUESTID, ids.request_id);
    headers.insert(X_AMZ_APIGW_ID, ids.extended_request_id);
    response
}

async fn run_stages(
    data_plane: &DataPlane,
    connection: &ConnectionInfo,
    ids: &RequestIds,
    request: Request<Incoming>,
) -> Result<Response<Body>, Reject> {
    let received_at = SystemTime::now();
    let (parts, body) = request.into_parts();
    let http::request::Parts {
        method,
        uri,
        headers,
        ..
    } = parts;
    let target = route::parse_invoke_target(&headers, uri.path())?;
    let stage = select_stage(data_plane, target.api_id, target.stage)?;
    let path = target.path_in(uri.path());
    if stage.execute_api_endpoint_disabled {
        return Err(Reject::new(GatewayResponseType::InvalidApiKey));
    }
    let stage = choose_canary(&stage);
    let matched = stage
        .routes
        .lookup(&method, path)
        .ok_or_else(|| Reject::new(GatewayResponseType::MissingAuthenticationToken))?;
    // Later stages join here in AWS's order: WAF, resource policy, authorizer, API key,
    // throttling and quota, request validation, cache lookup.
    let invocation = Invocation {
        stage,
        route: matched.route,
        params: matched.params,
        path,
        method,
        headers,
        query: uri.query(),
        ids,
        connection,
        received_at,
    };
    integration::invoke(invocation, &data_plane.backend, body).await
}

/// The deployed stage, or AWS's 403 for an unknown API or stage.
fn select_stage(
    data_plane: &DataPlane,
    api_id: &str,
    stage: &str,
) -> Result<Arc<StageSnapshot>, Reject> {
    data_plane
        .live
        .load()
        .stage(api_id, stage)
        .cloned()
        .ok_or_else(|| Reject::new(GatewayResponseType::MissingAuthenticationToken))
}

/// Sends the canary's share of traffic to the canary deployment.
fn choose_canary(stage: &StageSnapshot) -> &StageSnapshot {
    match &stage.canary {
        Some(canary)
            if canary.percent_traffic > 0.0
                && rand::random::<f64>() * 100.0 < canary.percent_traffic =>
        {
            &canary.snapshot
        }
        _ => stage,
    }
}
