//! Per-method throttling and caching of a stage, compiled from its `methodSettings`, with
//! handles to state in [`portico_limits::Limits`] that outlives snapshots (a redeploy never
//! refills a bucket or empties a cache).
//!
//! Effective settings of a method: the entry `{path}/{METHOD}`, else `{path}/*`, else `*/*`.
//! Throttling applies per method (each method has its own bucket at the stage rate, as on
//! AWS). Caching needs `cacheClusterEnabled`; then a method is cached when its own entry
//! enables caching (any verb), or — for GET, and GET requests to an ANY method — when `*/*`
//! enables it or there is no `*/*` entry: "enabling the stage cache turns caching on for GET
//! only; other verbs need an explicit method setting".

use std::sync::Arc;

use portico_limits::{Bucket, Limits, LocalCache, Throttle};
use portico_model::patch::escape;
use portico_model::stage::UnauthorizedCacheControlHeaderStrategy;
use portico_model::{HttpMethod, Integration, MethodSetting, Stage};

/// What the data plane enforces for one method of one stage.
#[derive(Debug, Default)]
pub struct MethodLimits {
    /// The stage's bucket for this method (absent: only the account limit applies).
    pub throttle: Option<Arc<dyn Bucket>>,
    pub cache: Option<CachePolicy>,
}

/// How one method uses the stage cache.
#[derive(Debug)]
pub struct CachePolicy {
    pub cache: Arc<LocalCache>,
    /// Time to live of an entry, in nanoseconds.
    pub ttl_nanos: u64,
    /// `cacheNamespace` (the resource id by default) and the method: entries are shared
    /// only between methods that share both.
    pub namespace: Box<str>,
    pub key_parameters: Vec<CacheKeyParameter>,
    pub require_authorization: bool,
    pub unauthorized_strategy: UnauthorizedCacheControlHeaderStrategy,
    /// Only GET requests use the cache (an `ANY` method cached by the GET default).
    pub get_only: bool,
}

/// A request value that is part of the cache key (`Integration.cacheKeyParameters`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheKeyParameter {
    /// Lower-case header name.
    Header(Box<str>),
    Query(Box<str>),
    Path(Box<str>),
}

/// Where to find a method's state in [`Limits`].
#[derive(Debug, Clone, Copy)]
pub struct MethodScope<'a> {
    pub api_id: &'a str,
    pub stage: &'a Stage,
    pub resource_path: &'a str,
    pub method: HttpMethod,
    /// How the snapshot uses the stage cache (a canary may not, or only under its own keys).
    pub cache_use: CacheUse<'a>,
}

/// Whether and how a snapshot uses the stage cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheUse<'a> {
    /// The stage's own deployment.
    Stage,
    /// A canary with `useStageCache`; keys carry the deployment id when it differs from the
    /// stage's, so canary and production answers never mix.
    Canary { deployment_prefix: Option<&'a str> },
    /// A canary without `useStageCache`.
    None,
}

/// Compiles a method's limits; `limits` is absent when compiling only to check a deployment.
pub fn compile(
    scope: &MethodScope<'_>,
    integration: &Integration,
    limits: Option<&Limits>,
) -> MethodLimits {
    let Some(limits) = limits else {
        return MethodLimits::default();
    };
    let (setting, own_entry) = effective_setting(scope);
    let throttle = setting.map(|setting| {
        let bucket: Arc<dyn Bucket> = limits.bucket(
            &format!(
                "stage:{}/{}/{} {}",
                scope.api_id, scope.stage.stage_name, scope.resource_path, scope.method
            ),
            throttle_of(setting),
        );
        bucket
    });
    MethodLimits {
        throttle,
        cache: cache_policy(scope, integration, setting, own_entry, limits),
    }
}

/// The method's setting entry and whether it is the method's own (not `*/*`).
fn effective_setting<'s>(scope: &MethodScope<'s>) -> (Option<&'s MethodSetting>, bool) {
    let settings = &scope.stage.method_settings;
    let path = escape(scope.resource_path);
    let own = settings
        .get(&format!("{path}/{}", scope.method))
        .or_else(|| settings.get(&format!("{path}/*")));
    match own {
        Some(setting) => (Some(setting), true),
        None => (settings.get("*/*"), false),
    }
}

fn throttle_of(setting: &MethodSetting) -> Throttle {
    Throttle {
        rate: setting.throttling_rate_limit.max(0.0),
        burst: u64::try_from(setting.throttling_burst_limit).unwrap_or(0),
    }
}

fn cache_policy(
    scope: &MethodScope<'_>,
    integration: &Integration,
    setting: Option<&MethodSetting>,
    own_entry: bool,
    limits: &Limits,
) -> Option<CachePolicy> {
    let stage = scope.stage;
    if !stage.cache_cluster_enabled || scope.cache_use == CacheUse::None {
        return None;
    }
    let gets = matches!(scope.method, HttpMethod::Get | HttpMethod::Any);
    let (enabled, get_only) = match setting {
        Some(setting) if own_entry => (setting.caching_enabled, false),
        // `*/*` (or its absence) speaks for GET only, including GET requests to an ANY method.
        Some(setting) => (
            gets && setting.caching_enabled,
            scope.method == HttpMethod::Any,
        ),
        None => (gets, scope.method == HttpMethod::Any),
    };
    let ttl_seconds = setting.map_or(300, |setting| setting.cache_ttl_in_seconds);
    if !enabled || ttl_seconds <= 0 {
        return None;
    }
    let size_gb = stage
        .cache_cluster_size
        .map_or(0.5, |size| size.as_str().parse().unwrap_or(0.5));
    let defaults = MethodSetting::default();
    let setting = setting.unwrap_or(&defaults);
    let mut namespace = integration
        .cache_namespace
        .clone()
        .unwrap_or_else(|| scope.resource_path.to_owned());
    if let CacheUse::Canary {
        deployment_prefix: Some(deployment),
    } = scope.cache_use
    {
        namespace = format!("{deployment}\u{0}{namespace}");
    }
    Some(CachePolicy {
        cache: limits.cache(scope.api_id, &stage.stage_name, size_gb),
        ttl_nanos: u64::try_from(ttl_seconds).unwrap_or(0) * 1_000_000_000,
        namespace: format!("{namespace}\u{0}{}", scope.method).into(),
        key_parameters: integration
            .cache_key_parameters
            .iter()
            .filter_map(|parameter| key_parameter(parameter))
            .collect(),
        require_authorization: setting.require_authorization_for_cache_control,
        unauthorized_strategy: setting.unauthorized_cache_control_header_strategy,
        get_only,
    })
}

fn key_parameter(parameter: &str) -> Option<CacheKeyParameter> {
    let rest = parameter.strip_prefix("method.request.")?;
    let (location, name) = rest.split_once('.')?;
    Some(match location {
        "header" | "multivalueheader" => {
            CacheKeyParameter::Header(name.to_ascii_lowercase().into())
        }
        "querystring" | "multivaluequerystring" => CacheKeyParameter::Query(name.into()),
        "path" => CacheKeyParameter::Path(name.into()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_model::stage::CacheClusterSize;

    fn stage(settings: &[(&str, MethodSetting)], cache: bool) -> Stage {
        let mut stage: Stage = serde_json::from_value(serde_json::json!({
            "stageName": "dev", "deploymentId": "d1", "cacheClusterEnabled": cache,
            "cacheClusterStatus": if cache { "AVAILABLE" } else { "NOT_AVAILABLE" },
            "tracingEnabled": false, "createdDate": 0, "lastUpdatedDate": 0
        }))
        .unwrap();
        stage.cache_cluster_size = cache.then_some(CacheClusterSize::Half);
        for (key, setting) in settings {
            stage.method_settings.insert((*key).into(), setting.clone());
        }
        stage
    }

    fn integration(keys: &[&str]) -> Integration {
        serde_json::from_value(serde_json::json!({
            "type": "MOCK", "cacheNamespace": "res1",
            "cacheKeyParameters": keys, "timeoutInMillis": 29000
        }))
        .unwrap()
    }

    fn compiled(stage: &Stage, method: HttpMethod, limits: &Limits) -> MethodLimits {
        let scope = MethodScope {
            api_id: "a",
            stage,
            resource_path: "/pets",
            method,
            cache_use: CacheUse::Stage,
        };
        compile(
            &scope,
            &integration(&["method.request.querystring.type"]),
            Some(limits),
        )
    }

    #[test]
    fn get_is_cached_by_default_and_other_verbs_need_a_setting() {
        let limits = Limits::default();
        let plain = stage(&[], true);
        let get = compiled(&plain, HttpMethod::Get, &limits)
            .cache
            .expect("GET cached");
        assert_eq!(get.ttl_nanos, 300_000_000_000);
        assert_eq!(
            get.key_parameters,
            vec![CacheKeyParameter::Query("type".into())]
        );
        assert!(compiled(&plain, HttpMethod::Post, &limits).cache.is_none());
        let post_on = MethodSetting {
            caching_enabled: true,
            ..MethodSetting::default()
        };
        let with_post = stage(&[("~1pets/POST", post_on)], true);
        assert!(
            compiled(&with_post, HttpMethod::Post, &limits)
                .cache
                .is_some()
        );
        let get_off = stage(&[("~1pets/GET", MethodSetting::default())], true);
        assert!(compiled(&get_off, HttpMethod::Get, &limits).cache.is_none());
        let all_on = MethodSetting {
            caching_enabled: true,
            ..MethodSetting::default()
        };
        let stage_wide = stage(&[("*/*", all_on)], true);
        assert!(
            compiled(&stage_wide, HttpMethod::Get, &limits)
                .cache
                .is_some()
        );
        assert!(
            compiled(&stage_wide, HttpMethod::Post, &limits)
                .cache
                .is_none(),
            "*/* speaks for GET only"
        );
        let stage_off = stage(&[("*/*", MethodSetting::default())], true);
        assert!(
            compiled(&stage_off, HttpMethod::Get, &limits)
                .cache
                .is_none(),
            "*/* can turn GET off"
        );
        assert!(
            compiled(&stage(&[], false), HttpMethod::Get, &limits)
                .cache
                .is_none()
        );
    }

    #[test]
    fn stage_throttle_is_per_method_and_survives_recompiles() {
        let limits = Limits::default();
        let slow = MethodSetting {
            throttling_rate_limit: 1.0,
            throttling_burst_limit: 1,
            ..MethodSetting::default()
        };
        let stage = stage(&[("*/*", slow)], false);
        let get = compiled(&stage, HttpMethod::Get, &limits).throttle.unwrap();
        let post = compiled(&stage, HttpMethod::Post, &limits)
            .throttle
            .unwrap();
        assert!(get.try_acquire(1) && !get.try_acquire(1));
        assert!(post.try_acquire(1), "each method has its own bucket");
        let again = compiled(&stage, HttpMethod::Get, &limits).throttle.unwrap();
        assert!(
            !again.try_acquire(1),
            "recompiling keeps the bucket's state"
        );
        assert!(
            compiled(&self::stage(&[], false), HttpMethod::Get, &limits)
                .throttle
                .is_none()
        );
    }
}
