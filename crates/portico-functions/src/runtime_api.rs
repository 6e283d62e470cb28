//! The AWS Lambda Runtime API (2018-06-01) for one worker process.
//!
//! Each worker gets its own loopback listener (`AWS_LAMBDA_RUNTIME_API=127.0.0.1:{port}`),
//! so a request's connection says which worker is calling. Routes:
//! `GET /2018-06-01/runtime/invocation/next` (long poll), `POST …/invocation/{id}/response`,
//! `POST …/invocation/{id}/error`, `POST …/init/error`. The host [`RuntimeApi::deliver`]s an
//! invocation and awaits its [`Outcome`]; the handlers below complete it.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

use crate::invocation::MAX_RESPONSE_BYTES;

const REQUEST_ID: HeaderName = HeaderName::from_static("lambda-runtime-aws-request-id");
const DEADLINE_MS: HeaderName = HeaderName::from_static("lambda-runtime-deadline-ms");
const INVOKED_FUNCTION_ARN: HeaderName =
    HeaderName::from_static("lambda-runtime-invoked-function-arn");
const TRACE_ID: HeaderName = HeaderName::from_static("lambda-runtime-trace-id");
const CLIENT_CONTEXT: HeaderName = HeaderName::from_static("lambda-runtime-client-context");
const COGNITO_IDENTITY: HeaderName = HeaderName::from_static("lambda-runtime-cognito-identity");
const FUNCTION_ERROR_TYPE: HeaderName =
    HeaderName::from_static("lambda-runtime-function-error-type");

const PREFIX: &str = "/2018-06-01/runtime/";

/// One invocation on its way to the runtime.
pub(crate) struct Invocation {
    pub(crate) request_id: String,
    pub(crate) payload: Bytes,
    pub(crate) invoked_arn: String,
    pub(crate) trace_id: String,
    pub(crate) client_context: Option<String>,
    pub(crate) cognito_identity: Option<String>,
    pub(crate) timeout: Duration,
    /// Told when the runtime picked the invocation up; the timeout runs from then.
    pub(crate) picked_up: oneshot::Sender<Instant>,
}

/// How the runtime finished an invocation.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// `POST …/response`.
    Response(Bytes),
    /// `POST …/error`: the error document.
    Error(Bytes),
    /// `POST …/init/error`: the runtime could not start; the worker is spent.
    InitError(Bytes),
    /// The response was over [`MAX_RESPONSE_BYTES`].
    ResponseTooLarge,
}

/// The worker's side of the Runtime API.
#[derive(Default)]
pub(crate) struct RuntimeApi {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Delivered but not yet picked up.
    pending: Option<Invocation>,
    /// A `next` call waiting for an invocation.
    poller: Option<oneshot::Sender<Invocation>>,
    /// The invocation in progress, whose outcome the host awaits.
    current: Option<Current>,
    /// An init error reported while no invocation was delivered.
    init_error: Option<Bytes>,
    /// When the runtime first asked for work: the end of its init phase.
    first_poll: Option<Instant>,
}

struct Current {
    request_id: String,
    outcome: oneshot::Sender<Outcome>,
}

type Reply = Response<Full<Bytes>>;

/// Binds a listener on `127.0.0.1:0` and serves the Runtime API on it until the returned task
/// is aborted (which also ends every connection).
pub(crate) async fn serve() -> std::io::Result<(Arc<RuntimeApi>, SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let address = listener.local_addr()?;
    let api = Arc::new(RuntimeApi::default());
    let task = tokio::spawn(accept(listener, Arc::clone(&api)));
    Ok((api, address, task))
}

// === impl RuntimeApi ===

impl RuntimeApi {
    /// Hands `invocation` to the runtime (now if it is polling, else at its next poll); its
    /// outcome arrives on `outcome`.
    pub(crate) fn deliver(&self, invocation: Invocation, outcome: oneshot::Sender<Outcome>) {
        let mut state = self.lock();
        if let Some(body) = state.init_error.take() {
            let _ = outcome.send(Outcome::InitError(body));
            return;
        }
        state.current = Some(Current {
            request_id: invocation.request_id.clone(),
            outcome,
        });
        let invocation = match state.poller.take() {
            Some(poller) => match poller.send(invocation) {
                Ok(()) => return,
                // The poll's connection is gone; the runtime's next poll takes it.
                Err(invocation) => invocation,
            },
            None => invocation,
        };
        state.pending = Some(invocation);
    }

    /// When the runtime first called `next`.
    pub(crate) fn first_poll(&self) -> Option<Instant> {
        self.lock().first_poll
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Completes the current invocation if it is `request_id`; false if it is not current.
    fn complete(&self, request_id: &str, outcome: Outcome) -> bool {
        let mut state = self.lock();
        match state.current.take() {
            Some(current) if current.request_id == request_id => {
                let _ = current.outcome.send(outcome);
                true
            }
            other => {
                state.current = other;
                false
            }
        }
    }

    fn is_current(&self, request_id: &str) -> bool {
        self.lock()
            .current
            .as_ref()
            .is_some_and(|current| current.request_id == request_id)
    }
}

async fn accept(listener: TcpListener, api: Arc<RuntimeApi>) {
    // Connections live in this set, so aborting this task ends them all.
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        while connections.try_join_next().is_some() {}
        let api = Arc::clone(&api);
        connections.spawn(async move {
            let service = service_fn(move |req| handle(Arc::clone(&api), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(api: Arc<RuntimeApi>, req: Request<Incoming>) -> Result<Reply, Infallible> {
    let Some(route) = req.uri().path().strip_prefix(PREFIX) else {
        return Ok(not_found());
    };
    let reply = match (req.method(), route) {
        (&Method::GET, "invocation/next") => next(&api).await,
        (&Method::POST, "init/error") => init_error(&api, req).await,
        (&Method::POST, route) => match route.strip_prefix("invocation/") {
            Some(rest) => {
                if let Some(id) = rest.strip_suffix("/response") {
                    let id = id.to_owned();
                    response(&api, &id, req).await
                } else if let Some(id) = rest.strip_suffix("/error") {
                    let id = id.to_owned();
                    error(&api, &id, req).await
                } else {
                    not_found()
                }
            }
            None => not_found(),
        },
        _ => not_found(),
    };
    Ok(reply)
}

/// `GET …/invocation/next`: waits for an invocation and returns its event.
async fn next(api: &RuntimeApi) -> Reply {
    let waiting = {
        let mut state = api.lock();
        state.first_poll.get_or_insert_with(Instant::now);
        match state.pending.take() {
            Some(invocation) => return invocation_reply(invocation),
            None => {
                let (poller, waiting) = oneshot::channel();
                state.poller = Some(poller);
                waiting
            }
        }
    };
    match waiting.await {
        Ok(invocation) => invocation_reply(invocation),
        // Another poll replaced this one, or the worker is being retired.
        Err(_) => error_reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceException",
            "the worker is shutting down",
        ),
    }
}

fn invocation_reply(invocation: Invocation) -> Reply {
    let _ = invocation.picked_up.send(Instant::now());
    let timeout_ms = u64::try_from(invocation.timeout.as_millis()).unwrap_or(u64::MAX);
    let deadline_ms = crate::ids::epoch_millis().saturating_add(timeout_ms);
    let mut reply = Response::new(Full::new(invocation.payload));
    let headers = reply.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(DEADLINE_MS, HeaderValue::from(deadline_ms));
    for (name, value) in [
        (REQUEST_ID, Some(invocation.request_id)),
        (INVOKED_FUNCTION_ARN, Some(invocation.invoked_arn)),
        (TRACE_ID, Some(invocation.trace_id)),
        (CLIENT_CONTEXT, invocation.client_context),
        (COGNITO_IDENTITY, invocation.cognito_identity),
    ] {
        // Values come from the host or were checked by the caller; one that still is not a
        // valid header value is left out rather than failing the invocation.
        if let Some(value) = value.and_then(|v| HeaderValue::try_from(v).ok()) {
            headers.insert(name, value);
        }
    }
    reply
}

/// `POST …/invocation/{id}/response`.
async fn response(api: &RuntimeApi, request_id: &str, req: Request<Incoming>) -> Reply {
    if !api.is_current(request_id) {
        return invalid_request_id();
    }
    match read_body(req, MAX_RESPONSE_BYTES).await {
        Ok(body) => accepted(api.complete(request_id, Outcome::Response(body))),
        Err(BodyError::TooLarge) => {
            api.complete(request_id, Outcome::ResponseTooLarge);
            error_reply(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLarge",
                &format!("Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."),
            )
        }
        Err(BodyError::Broken) => bad_request("the request body could not be read"),
    }
}

/// `POST …/invocation/{id}/error`.
async fn error(api: &RuntimeApi, request_id: &str, req: Request<Incoming>) -> Reply {
    if !api.is_current(request_id) {
        return invalid_request_id();
    }
    let error_type = header_string(&req, &FUNCTION_ERROR_TYPE);
    match read_body(req, MAX_RESPONSE_BYTES).await {
        Ok(body) => {
            let document = error_document(body, error_type.as_deref());
            accepted(api.complete(request_id, Outcome::Error(document)))
        }
        Err(_) => bad_request("the request body could not be read"),
    }
}

/// `POST …/init/error`.
async fn init_error(api: &RuntimeApi, req: Request<Incoming>) -> Reply {
    let error_type = header_string(&req, &FUNCTION_ERROR_TYPE);
    let body = match read_body(req, MAX_RESPONSE_BYTES).await {
        Ok(body) => error_document(body, error_type.as_deref()),
        Err(_) => return bad_request("the request body could not be read"),
    };
    let mut state = api.lock();
    match state.current.take() {
        Some(current) => {
            let _ = current.outcome.send(Outcome::InitError(body));
        }
        None => state.init_error = Some(body),
    }
    accepted(true)
}

/// The error document returned to the caller: the runtime's own when it is JSON, else one
/// built from the error type header, as Lambda does.
fn error_document(body: Bytes, error_type: Option<&str>) -> Bytes {
    if serde_json::from_slice::<serde_json::Value>(&body).is_ok_and(|value| value.is_object()) {
        return body;
    }
    let document = serde_json::json!({
        "errorType": error_type.unwrap_or("Runtime.Unknown"),
        "errorMessage": String::from_utf8_lossy(&body),
    });
    Bytes::from(document.to_string())
}

fn header_string(req: &Request<Incoming>, name: &HeaderName) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

enum BodyError {
    TooLarge,
    Broken,
}

/// Reads a request body of at most `limit` bytes.
async fn read_body(req: Request<Incoming>, limit: usize) -> Result<Bytes, BodyError> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut body = req.into_body();
    let mut collected = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| BodyError::Broken)?;
        if let Ok(data) = frame.into_data() {
            if collected.len() + data.len() > limit {
                return Err(BodyError::TooLarge);
            }
            collected.extend_from_slice(&data);
        }
    }
    Ok(collected.freeze())
}

fn accepted(was_current: bool) -> Reply {
    if !was_current {
        return invalid_request_id();
    }
    let mut reply = Response::new(Full::new(Bytes::from_static(b"{\"status\":\"OK\"}")));
    *reply.status_mut() = StatusCode::ACCEPTED;
    reply
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    reply
}

fn invalid_request_id() -> Reply {
    error_reply(
        StatusCode::BAD_REQUEST,
        "InvalidRequestID",
        "Invalid request ID",
    )
}

fn bad_request(message: &str) -> Reply {
    error_reply(StatusCode::BAD_REQUEST, "InvalidRequest", message)
}

fn not_found() -> Reply {
    error_reply(StatusCode::NOT_FOUND, "NotFound", "not found")
}

fn error_reply(status: StatusCode, error_type: &str, message: &str) -> Reply {
    let body = serde_json::json!({ "errorMessage": message, "errorType": error_type });
    let mut reply = Response::new(Full::new(Bytes::from(body.to_string())));
    *reply.status_mut() = status;
    reply
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    reply
}

#[cfg(test)]
mod tests;
