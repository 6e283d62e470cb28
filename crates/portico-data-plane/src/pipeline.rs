//! The request pipeline: every data-plane request passes these stages in AWS's order
//! (reference §17). One function shows the order; each stage lives in its own module.

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use http::Response;
use portico_snapshot::StageSnapshot;

use crate::DataPlane;
use crate::gateway_response::{self, ErrorContext, GatewayResponseType, Reject};
use crate::http1::body::BodyReader;
use crate::http1::head::RequestHead;
use crate::http1::response;
use crate::http1::server::ClientConn;
use crate::integration;
use crate::invocation::Invocation;
use crate::request_id::RequestIds;
use crate::stages::access::{self, AccessRequest};
use crate::stages::authorizer;
use crate::stages::{cache, request_validation, route, usage};

/// How a request was answered.
#[derive(Debug)]
pub enum Handled {
    /// A whole response for the connection to write.
    Full(Response<Bytes>),
    /// The integration already streamed the response; `keep_alive` says whether the
    /// connection is still usable.
    Streamed { keep_alive: bool },
}

/// What the stages and the integration may do with the client connection.
pub struct Client<'c> {
    pub conn: &'c mut ClientConn,
    pub body: &'c mut BodyReader,
    /// The request body, once a stage had to read it whole (validation, mappings).
    pub buffered: Option<Bytes>,
    /// The body as mappings see it (decompressed), once a stage asked for it.
    pub mapped: Option<Bytes>,
    /// Whether the response may keep the connection open.
    pub keep_alive: bool,
}

// === impl Client ===

impl Client<'_> {
    /// The whole request body (read now, or what a stage already read), at most 10 MB.
    pub async fn whole_body(&mut self) -> Result<Bytes, Reject> {
        if let Some(body) = &self.buffered {
            return Ok(body.clone());
        }
        let body = self
            .body
            .read_to_end(&mut self.conn.io, crate::integration::MAX_PAYLOAD_BYTES)
            .await
            .map_err(Reject::from_body_error)?;
        self.buffered = Some(body.clone());
        Ok(body)
    }

    /// The whole request body as validation and mapping templates see it: a body sent with
    /// `Content-Encoding: gzip` or `deflate` is decompressed first, as AWS does (proxy
    /// integrations get the body as sent, through [`Client::whole_body`]).
    pub async fn mapped_body(&mut self, content_encoding: Option<&str>) -> Result<Bytes, Reject> {
        if let Some(body) = &self.mapped {
            return Ok(body.clone());
        }
        let body = self.whole_body().await?;
        let body = crate::compression::decode_request(
            body,
            content_encoding,
            crate::integration::MAX_PAYLOAD_BYTES,
        )
        .await?;
        self.mapped = Some(body.clone());
        Ok(body)
    }
}

/// What routing found, kept for rendering a rejection.
#[derive(Default)]
struct Resolved {
    stage: Option<Arc<StageSnapshot>>,
    resource_path: Option<Box<str>>,
}

/// Serves one request and returns whether the connection may serve another. Never fails:
/// rejections become gateway responses.
pub async fn handle(
    data_plane: &DataPlane,
    conn: &mut ClientConn,
    head: &RequestHead,
    body: &mut BodyReader,
    closing: bool,
) -> bool {
    let ids = RequestIds::generate();
    let keep_alive = head.keep_alive && !closing;
    let mut resolved = Resolved::default();
    let handled = {
        let client = Client {
            conn: &mut *conn,
            body: &mut *body,
            buffered: None,
            mapped: None,
            keep_alive,
        };
        run_stages(data_plane, client, head, &ids, &mut resolved).await
    };
    let (response, keep_alive) = match handled {
        Ok(Handled::Streamed { keep_alive }) => return keep_alive,
        Ok(Handled::Full(mut response)) => {
            if let Some(stage) = &resolved.stage {
                crate::compression::compress_response(
                    &mut response,
                    stage.minimum_compression_size,
                    || head.header_str("accept-encoding"),
                )
                .await;
            }
            (response, keep_alive)
        }
        Err(reject) => {
            if let Some(cause) = &reject.cause {
                tracing::warn!(request_id = ids.request_id_str(), kind = ?reject.kind, error = %cause, "request rejected");
            }
            let context = ErrorContext {
                request: head,
                request_id: ids.request_id_str(),
                extended_request_id: ids.extended_request_id_str(),
                stage: resolved.stage.as_deref(),
                resource_path: resolved.resource_path.as_deref(),
                source_ip: conn.info.remote.ip(),
            };
            (
                gateway_response::render(&reject, &context),
                keep_alive && !reject.close,
            )
        }
    };
    conn.scratch.clear();
    response::serialize(
        &mut conn.scratch,
        &response,
        &ids,
        keep_alive,
        head.version,
        &head.method,
    );
    let written = conn.io.write_all(&conn.scratch).await.is_ok();
    written && keep_alive
}

async fn run_stages(
    data_plane: &DataPlane,
    mut client: Client<'_>,
    head: &RequestHead,
    ids: &RequestIds,
    resolved: &mut Resolved,
) -> Result<Handled, Reject> {
    let received_at = SystemTime::now();
    let connection = client.conn.info;
    let path = head.path();
    if path == "/ping"
        && !head
            .header_str("host")
            .is_some_and(|host| host.contains(".execute-api."))
    {
        // Health check of the gateway itself (AWS reserves `/ping` the same way).
        let mut response = Response::new(Bytes::from_static(b"{}"));
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        return Ok(Handled::Full(response));
    }
    // Custom domains are looked up only for requests no invoke URL form claims, so the
    // execute-api forms never pay for the table.
    let domains;
    let target = match route::parse_invoke_target(head, path) {
        Ok(target) => target,
        Err(missing) => {
            domains = data_plane.live.domains();
            route::custom_domain_target(&domains, head, path).ok_or(missing)?
        }
    };
    let stage = select_stage(data_plane, target.api_id, target.stage)?;
    resolved.stage = Some(Arc::clone(&stage));
    // `disableExecuteApiEndpoint` leaves custom domains as the only way in.
    if stage.execute_api_endpoint_disabled && target.base_path.is_none() {
        return Err(Reject::new(GatewayResponseType::InvalidApiKey));
    }
    if matches!(head.framing, crate::http1::head::Framing::Length(length) if length > crate::integration::MAX_PAYLOAD_BYTES)
    {
        return Err(Reject::new(GatewayResponseType::RequestTooLarge).closing());
    }
    let stage = choose_canary(&stage);
    let matched = stage
        .routes
        .lookup(&head.method, target.path)
        .ok_or_else(|| Reject::new(GatewayResponseType::MissingAuthenticationToken))?;
    resolved.resource_path = Some(matched.route.resource_path.clone());
    // WAF joins here. Access: private endpoints, resource policy, AWS_IAM; methods with
    // Lambda or Cognito authorizers fail closed until authorizers exist.
    let access_request = AccessRequest {
        stage,
        route: matched.route,
        head,
        path: target.path,
        source_ip: data_plane.access.source_ip(connection.remote.ip(), head),
        endpoint: connection
            .endpoint
            .and_then(|index| data_plane.private_endpoint(index)),
        secure: connection.scheme == "https",
        now: received_at,
    };
    let access = access::check(&data_plane.live.identities(), &access_request, &mut client).await?;
    let mut invocation = Invocation {
        stage,
        route: matched.route,
        params: matched.params,
        path: target.path,
        base_path: target.base_path,
        head,
        ids,
        connection: &connection,
        received_at,
        api_key: None,
        access,
        authorizer: None,
    };
    let clients = data_plane.live.clients();
    let authorized = authorizer::authorize(
        &invocation,
        &data_plane.backends,
        clients.clock.monotonic_nanos(),
    )
    .await?;
    invocation.api_key = usage::admit(
        &clients,
        stage,
        matched.route,
        head,
        authorized
            .as_ref()
            .and_then(|authorized| authorized.usage_identifier_key.as_deref()),
    )?;
    invocation.authorizer = authorized.map(|authorized| authorized.context);
    request_validation::validate(&invocation, &mut client).await?;
    match &invocation.route.limits.cache {
        Some(policy) => cache::serve(&invocation, policy, &data_plane.backends, client).await,
        None => integration::invoke(&invocation, &data_plane.backends, client).await,
    }
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
