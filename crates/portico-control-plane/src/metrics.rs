//! `GET /metrics` on the admin listener: Prometheus text format counters that AWS reports
//! through CloudWatch (`CacheHitCount`, `CacheMissCount`). Unauthenticated like `/ping`, so a
//! scraper needs no SigV4; it exposes counts only, never configuration or secrets.

use std::fmt::Write as _;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::header::CONTENT_TYPE;

use portico_limits::CacheStats;

use crate::ControlPlane;

/// A metric family: name, type, help and how to read it from a cache's counters.
type Family = (
    &'static str,
    &'static str,
    &'static str,
    fn(&CacheStats) -> u64,
);

/// Renders every metric.
pub async fn metrics(State(control_plane): State<ControlPlane>) -> Response {
    let mut out = String::new();
    let stats = control_plane.limits().cache_stats();
    let families: [Family; 5] = [
        (
            "portico_cache_hits_total",
            "counter",
            "Requests served from the stage cache (CacheHitCount).",
            |s| s.hits,
        ),
        (
            "portico_cache_misses_total",
            "counter",
            "Cacheable requests that went to the integration (CacheMissCount).",
            |s| s.misses,
        ),
        (
            "portico_cache_entries",
            "gauge",
            "Entries held by the stage cache.",
            |s| s.entries,
        ),
        (
            "portico_cache_bytes",
            "gauge",
            "Bytes held by the stage cache.",
            |s| s.bytes,
        ),
        (
            "portico_cache_capacity_bytes",
            "gauge",
            "Memory budget of the stage cache (cacheClusterSize).",
            |s| s.capacity_bytes,
        ),
    ];
    for (name, kind, help, value) in families {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for stat in &stats {
            let _ = writeln!(
                out,
                "{name}{{api_id=\"{}\",stage=\"{}\"}} {}",
                stat.api_id,
                stat.stage,
                value(stat)
            );
        }
    }
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}
