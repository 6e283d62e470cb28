//! Version operations: PublishVersion, ListVersionsByFunction.

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;
use bytes::Bytes;
use http::{StatusCode, Uri};
use serde::Deserialize;
use serde_json::json;

use super::functions::page;
use super::{Result, authorized_ref, json_body, load, update, with_stamp};
use crate::ControlPlane;
use crate::auth::Caller;
use crate::wire::{QueryParams, json_response};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PublishVersionRequest {
    code_sha256: Option<String>,
    description: Option<String>,
    revision_id: Option<String>,
}

/// `POST /2015-03-31/functions/{name}/versions`.
pub(crate) async fn publish_version(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let request: PublishVersionRequest = json_body(&body)?;
    let reference = authorized_ref(&caller, "PublishVersion", &name, None)?;
    let published = update(&control_plane, &reference.name, |function| {
        Ok(with_stamp(|stamp| {
            function.publish_version(
                request.code_sha256.as_deref(),
                request.description.as_deref(),
                request.revision_id.as_deref(),
                stamp,
            )
        })?)
    })
    .await?;
    Ok(json_response(StatusCode::CREATED, &published))
}

/// `GET /2015-03-31/functions/{name}/versions`: `$LATEST`, then the published versions.
pub(crate) async fn list_versions_by_function(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    uri: Uri,
) -> Result<Response> {
    let query = QueryParams::parse(uri.query());
    let reference = authorized_ref(&caller, "ListVersionsByFunction", &name, None)?;
    let function = load(&control_plane, &reference.name).await?.value;
    let mut latest = function.latest.configuration;
    // Listed with its qualified ARN so that it can serve as a marker like the others.
    latest.function_arn = format!("{}:$LATEST", latest.function_arn);
    let versions: Vec<_> = std::iter::once(latest)
        .chain(function.versions.into_iter().map(|v| v.configuration))
        .collect();
    let (page, next_marker) = page(versions, &query)?;
    let mut body = json!({ "Versions": page });
    if let (Some(marker), Some(object)) = (next_marker, body.as_object_mut()) {
        object.insert("NextMarker".into(), marker.into());
    }
    Ok(json_response(StatusCode::OK, &body))
}
