//! The control plane: Amazon API Gateway's REST-JSON API (botocore service model
//! `apigateway` 2015-07-09) on the admin listener, so that `aws apigateway …` and boto3 work
//! unchanged against Portico.
//!
//! Every request is SigV4-verified ([`auth`]); each AWS operation is one handler, grouped by
//! resource. Handlers validate through `portico-model`, write through the [`Store`] (durable
//! before they answer) and, for changes that affect traffic, compile and publish stage
//! snapshots to [`Live`] ([`publish`]). It never depends on the data plane. The binary builds
//! it with [`ControlPlane::new`] and serves [`router`].

mod account;
mod api_keys;
pub mod auth;
mod authorizers;
pub mod client_limits;
mod definitions;
pub mod deployments;
pub mod domains;
pub mod error;
mod gateway_responses;
pub mod iam;
pub mod lambda;
mod methods;
mod metrics;
mod models;
pub mod openapi;
pub mod publish;
mod resources;
mod rest_apis;
mod stages;
mod tags;
pub mod test_invoke;
pub mod usage;
mod usage_plans;
pub mod wire;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use http::HeaderValue;
use portico_limits::Limits;
use portico_snapshot::Live;
use portico_store::Store;

pub use auth::RootCredentials;
pub use error::ApiError;

/// Largest control-plane request body (OpenAPI imports may be up to 6 MB).
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Shared state of the control plane.
#[derive(Clone)]
pub struct ControlPlane {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    live: Arc<Live>,
    limits: Arc<Limits>,
    credentials: RootCredentials,
    /// Orders republishes of the key and plan index (see `client_limits::republish`).
    republish: tokio::sync::Mutex<()>,
    /// Orders republishes of the access-key index (see `iam::republish`).
    identities: tokio::sync::Mutex<()>,
    /// Orders republishes of the custom domain table (see `domains::republish`).
    domains: tokio::sync::Mutex<()>,
    /// The function host the Lambda API manages, if this gateway hosts functions.
    functions: Option<lambda::Functions>,
    /// The issuers and key sets of Cognito authorizers (for `TestInvokeAuthorizer`).
    user_pools: Arc<portico_jwt::UserPools>,
    /// Runs `TestInvokeMethod` requests through the data plane (set by the binary).
    method_tester: std::sync::OnceLock<Arc<dyn test_invoke::MethodTester>>,
    /// Orders republishes of the function catalog (see `lambda::republish`).
    function_catalog: tokio::sync::Mutex<()>,
    /// Shared by uploads from storing a code package to committing the record naming it;
    /// exclusive while the code collector decides and removes (see `lambda::spawn_code_collector`).
    code_uploads: tokio::sync::RwLock<()>,
    /// Held by writes that publish stages, from reading to publishing, so that snapshots are
    /// published in commit order and a slow write can never put back an older stage (or
    /// one deleted meanwhile).
    stages: tokio::sync::Mutex<()>,
    /// One usage flush at a time: a report waits for a flush in flight instead of reading
    /// the store before that flush's counts arrive.
    usage_flush: tokio::sync::Mutex<()>,
}

// === impl ControlPlane ===

impl ControlPlane {
    /// A control plane over `store` that publishes to `live`, keeps limiter state in
    /// `limits`, trusts `credentials`, manages the functions of `functions` and tests Cognito
    /// authorizers against `user_pools` (shared with the data plane, so key sets are fetched
    /// once).
    pub fn new(
        store: Arc<dyn Store>,
        live: Arc<Live>,
        limits: Arc<Limits>,
        credentials: RootCredentials,
        functions: Option<lambda::Functions>,
        user_pools: Arc<portico_jwt::UserPools>,
    ) -> Self {
        // Until the IAM users are loaded (`iam::republish`), only the root key signs.
        live.publish_identities(portico_snapshot::Identities::new([
            portico_snapshot::Identity::root(
                &credentials.access_key_id,
                &credentials.secret_access_key,
                portico_model::ACCOUNT_ID,
            ),
        ]));
        Self {
            inner: Arc::new(Inner {
                store,
                live,
                limits,
                credentials,
                republish: tokio::sync::Mutex::new(()),
                identities: tokio::sync::Mutex::new(()),
                domains: tokio::sync::Mutex::new(()),
                functions,
                user_pools,
                method_tester: std::sync::OnceLock::new(),
                function_catalog: tokio::sync::Mutex::new(()),
                code_uploads: tokio::sync::RwLock::new(()),
                stages: tokio::sync::Mutex::new(()),
                usage_flush: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Lets `TestInvokeMethod` run requests through `tester` (once; later calls are ignored).
    pub fn set_method_tester(&self, tester: Arc<dyn test_invoke::MethodTester>) {
        let _ = self.inner.method_tester.set(tester);
    }

    /// What runs `TestInvokeMethod` requests, once the binary has set it.
    pub(crate) fn method_tester(&self) -> Option<&Arc<dyn test_invoke::MethodTester>> {
        self.inner.method_tester.get()
    }

    /// The user pools of Cognito authorizers.
    pub(crate) fn user_pools(&self) -> &portico_jwt::UserPools {
        &self.inner.user_pools
    }

    /// Held by every usage flush.
    pub(crate) fn usage_flush_lock(&self) -> &tokio::sync::Mutex<()> {
        &self.inner.usage_flush
    }

    /// Held by every write that publishes or removes stages.
    pub(crate) fn stage_lock(&self) -> &tokio::sync::Mutex<()> {
        &self.inner.stages
    }

    /// Held while the key and plan index is rebuilt and published.
    pub(crate) fn republish_lock(&self) -> &tokio::sync::Mutex<()> {
        &self.inner.republish
    }

    /// Held while the access-key index (IAM users) is rebuilt and published.
    pub(crate) fn identities_lock(&self) -> &tokio::sync::Mutex<()> {
        &self.inner.identities
    }

    /// Held while the custom domain table is rebuilt and published.
    pub(crate) fn domains_lock(&self) -> &tokio::sync::Mutex<()> {
        &self.inner.domains
    }

    /// Held while the function catalog is rebuilt and published.
    pub(crate) fn functions_lock(&self) -> &tokio::sync::Mutex<()> {
        &self.inner.function_catalog
    }

    /// Orders code uploads (shared) against the code collector (exclusive).
    pub(crate) fn code_uploads_lock(&self) -> &tokio::sync::RwLock<()> {
        &self.inner.code_uploads
    }

    /// The function host and its data directory, if functions are hosted.
    pub fn functions(&self) -> Option<&lambda::Functions> {
        self.inner.functions.as_ref()
    }

    /// Buckets, usage counters and stage caches.
    pub fn limits(&self) -> &Arc<Limits> {
        &self.inner.limits
    }

    /// The store (source of truth).
    pub fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// The snapshot holder shared with the data plane.
    pub fn live(&self) -> &Live {
        &self.inner.live
    }

    /// The root credentials.
    pub fn credentials(&self) -> &RootCredentials {
        &self.inner.credentials
    }
}

/// The admin listener's router: `/ping` unauthenticated, every AWS operation behind SigV4.
pub fn router(control_plane: ControlPlane) -> Router {
    let public = Router::new()
        .route("/ping", get(ping))
        .route("/metrics", get(metrics::metrics))
        .route("/portico/code/{sha256}", get(lambda::get_code))
        .with_state(control_plane.clone());
    let operations = Router::new()
        .route("/", post(iam::dispatch))
        .route("/restapis", post(rest_apis::create_rest_api).get(rest_apis::get_rest_apis))
        .route(
            "/restapis/{restapi_id}",
            get(rest_apis::get_rest_api)
                .patch(rest_apis::update_rest_api)
                .delete(rest_apis::delete_rest_api)
                .put(openapi::put_rest_api),
        )
        .route("/restapis/{restapi_id}/resources", get(resources::get_resources))
        .route(
            "/restapis/{restapi_id}/resources/{resource_id}",
            get(resources::get_resource)
                .post(resources::create_resource)
                .patch(resources::update_resource)
                .delete(resources::delete_resource),
        )
        .route(
            "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}",
            get(methods::get_method)
                .post(test_invoke::test_invoke_method)
                .put(methods::put_method)
                .patch(methods::update_method)
                .delete(methods::delete_method),
        )
        .route(
            "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/responses/{status_code}",
            get(methods::get_method_response)
                .put(methods::put_method_response)
                .patch(methods::update_method_response)
                .delete(methods::delete_method_response),
        )
        .route(
            "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration",
            get(methods::get_integration)
                .put(methods::put_integration)
                .patch(methods::update_integration)
                .delete(methods::delete_integration),
        )
        .route(
            "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration/responses/{status_code}",
            get(methods::get_integration_response)
                .put(methods::put_integration_response)
                .patch(methods::update_integration_response)
                .delete(methods::delete_integration_response),
        )
        .route(
            "/restapis/{restapi_id}/deployments",
            post(deployments::create_deployment).get(deployments::get_deployments),
        )
        .route(
            "/restapis/{restapi_id}/deployments/{deployment_id}",
            get(deployments::get_deployment)
                .patch(deployments::update_deployment)
                .delete(deployments::delete_deployment),
        )
        .route(
            "/restapis/{restapi_id}/stages",
            post(stages::create_stage).get(stages::get_stages),
        )
        .route(
            "/restapis/{restapi_id}/stages/{stage_name}",
            get(stages::get_stage)
                .patch(stages::update_stage)
                .delete(stages::delete_stage),
        )
        .route("/restapis/{restapi_id}/models", post(models::create_model).get(models::get_models))
        .route(
            "/restapis/{restapi_id}/models/{model_name}",
            get(models::get_model).patch(models::update_model).delete(models::delete_model),
        )
        .route("/restapis/{restapi_id}/models/{model_name}/default_template", get(models::get_model_template))
        .route(
            "/restapis/{restapi_id}/requestvalidators",
            post(models::create_request_validator).get(models::get_request_validators),
        )
        .route(
            "/restapis/{restapi_id}/requestvalidators/{requestvalidator_id}",
            get(models::get_request_validator)
                .patch(models::update_request_validator)
                .delete(models::delete_request_validator),
        )
        .route(
            "/restapis/{restapi_id}/authorizers",
            post(authorizers::create_authorizer).get(authorizers::get_authorizers),
        )
        .route(
            "/restapis/{restapi_id}/authorizers/{authorizer_id}",
            get(authorizers::get_authorizer)
                .post(authorizers::test_invoke_authorizer)
                .patch(authorizers::update_authorizer)
                .delete(authorizers::delete_authorizer),
        )
        .route("/restapis/{restapi_id}/gatewayresponses", get(gateway_responses::get_gateway_responses))
        .route(
            "/restapis/{restapi_id}/gatewayresponses/{response_type}",
            get(gateway_responses::get_gateway_response)
                .put(gateway_responses::put_gateway_response)
                .patch(gateway_responses::update_gateway_response)
                .delete(gateway_responses::delete_gateway_response),
        )
        .route(
            "/domainnames",
            post(domains::create_domain_name).get(domains::get_domain_names),
        )
        .route(
            "/domainnames/{domain_name}",
            get(domains::get_domain_name)
                .patch(domains::update_domain_name)
                .delete(domains::delete_domain_name),
        )
        .route(
            "/domainnames/{domain_name}/basepathmappings",
            post(domains::create_base_path_mapping).get(domains::get_base_path_mappings),
        )
        .route(
            "/domainnames/{domain_name}/basepathmappings/{base_path}",
            get(domains::get_base_path_mapping)
                .patch(domains::update_base_path_mapping)
                .delete(domains::delete_base_path_mapping),
        )
        .route("/usageplans/{usageplan_id}/usage", get(usage::get_usage))
        .route(
            "/usageplans/{usageplan_id}/keys/{key_id}/usage",
            axum::routing::patch(usage::update_usage),
        )
        .route(
            "/restapis/{restapi_id}/stages/{stage_name}/exports/{export_type}",
            get(openapi::get_export),
        )
        .route(
            "/restapis/{restapi_id}/stages/{stage_name}/cache/data",
            axum::routing::delete(stages::flush_stage_cache),
        )
        .route(
            "/restapis/{restapi_id}/stages/{stage_name}/cache/authorizers",
            axum::routing::delete(stages::flush_stage_authorizers_cache),
        )
        .route("/apikeys", post(api_keys::create_api_key).get(api_keys::get_api_keys))
        .route(
            "/apikeys/{api_key}",
            get(api_keys::get_api_key)
                .patch(api_keys::update_api_key)
                .delete(api_keys::delete_api_key),
        )
        .route(
            "/usageplans",
            post(usage_plans::create_usage_plan).get(usage_plans::get_usage_plans),
        )
        .route(
            "/usageplans/{usageplan_id}",
            get(usage_plans::get_usage_plan)
                .patch(usage_plans::update_usage_plan)
                .delete(usage_plans::delete_usage_plan),
        )
        .route(
            "/usageplans/{usageplan_id}/keys",
            post(usage_plans::create_usage_plan_key).get(usage_plans::get_usage_plan_keys),
        )
        .route(
            "/usageplans/{usageplan_id}/keys/{key_id}",
            get(usage_plans::get_usage_plan_key).delete(usage_plans::delete_usage_plan_key),
        )
        .route("/account", get(account::get_account).patch(account::update_account))
        .merge(lambda_routes())
        .route(
            "/tags/{resource_arn}",
            get(tags::get_tags).put(tags::tag_resource).delete(tags::untag_resource),
        )
        .fallback(unknown_operation)
        .method_not_allowed_fallback(unknown_operation)
        // The SigV4 middleware bounds every body (10 MB; 70 MB for Lambda code); axum's own
        // 2 MB default would refuse large imports and code packages before it.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(control_plane.clone(), auth::authenticate))
        .with_state(control_plane);
    Router::new()
        .merge(public)
        .merge(operations)
        .layer(middleware::from_fn(request_id))
}

/// AWS Lambda's operations (their paths carry the API version they were added in).
fn lambda_routes() -> Router<ControlPlane> {
    const FUNCTION: &str = "/2015-03-31/functions/{function_name}";
    Router::new()
        .route(
            "/2015-03-31/functions",
            post(lambda::create_function).get(lambda::list_functions),
        )
        .route("/2015-03-31/functions/", get(lambda::list_functions))
        .route(
            FUNCTION,
            get(lambda::get_function).delete(lambda::delete_function),
        )
        .route(
            &format!("{FUNCTION}/configuration"),
            get(lambda::get_function_configuration).put(lambda::update_function_configuration),
        )
        .route(
            &format!("{FUNCTION}/code"),
            put(lambda::update_function_code),
        )
        .route(&format!("{FUNCTION}/invocations"), post(lambda::invoke))
        .route(
            &format!("{FUNCTION}/versions"),
            post(lambda::publish_version).get(lambda::list_versions_by_function),
        )
        .route(
            &format!("{FUNCTION}/aliases"),
            post(lambda::create_alias).get(lambda::list_aliases),
        )
        .route(
            &format!("{FUNCTION}/aliases/{{alias}}"),
            get(lambda::get_alias)
                .put(lambda::update_alias)
                .delete(lambda::delete_alias),
        )
        .route(
            &format!("{FUNCTION}/policy"),
            post(lambda::add_permission).get(lambda::get_policy),
        )
        .route(
            &format!("{FUNCTION}/policy/{{statement_id}}"),
            axum::routing::delete(lambda::remove_permission),
        )
        .route(
            "/2017-10-31/functions/{function_name}/concurrency",
            put(lambda::put_function_concurrency).delete(lambda::delete_function_concurrency),
        )
        .route(
            "/2019-09-30/functions/{function_name}/concurrency",
            get(lambda::get_function_concurrency),
        )
        .route(
            "/2017-03-31/tags/{arn}",
            get(lambda::list_tags)
                .post(lambda::tag_resource)
                .delete(lambda::untag_resource),
        )
}

async fn ping() -> &'static str {
    "ok"
}

async fn unknown_operation(request: Request) -> ApiError {
    ApiError::UnknownOperation(format!(
        "No operation matches {} {}",
        request.method(),
        request.uri().path()
    ))
}

/// Stamps every response with a fresh `x-amzn-RequestId`; handlers that also write it into
/// the body (IAM's XML) find it in the request's extensions.
async fn request_id(mut request: Request, next: Next) -> Response {
    let request_id = wire::new_request_id();
    request
        .extensions_mut()
        .insert(wire::RequestId(request_id.clone()));
    let mut response = next.run(request).await.into_response();
    // Lambda's Invoke answers with the invocation's own request id.
    if !response.headers().contains_key(wire::X_AMZN_REQUESTID)
        && let Ok(value) = HeaderValue::from_str(&request_id)
    {
        response.headers_mut().insert(wire::X_AMZN_REQUESTID, value);
    }
    response
}
