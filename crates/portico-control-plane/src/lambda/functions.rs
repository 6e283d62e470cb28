//! Function operations: CreateFunction, GetFunction, GetFunctionConfiguration,
//! ListFunctions, DeleteFunction, UpdateFunctionCode, UpdateFunctionConfiguration, and the
//! download behind `GetFunction`'s `Code.Location`.

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderMap, StatusCode, Uri, header};
use portico_functions::code::{self, CodeInfo};
use portico_model::function::{
    CodeUpload, CreateFunctionInput, DEFAULT_MAX_ITEMS, FunctionConfiguration, LambdaError,
    MAX_ZIP_BYTES, StoredFunction, UpdateConfigurationInput,
};
use portico_store::{Expect, StoreError, Write, typed};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    LambdaApiError, Result, arn_of, authorize, authorized_ref, commit, host, json_body, load,
    update, with_stamp,
};
use crate::ControlPlane;
use crate::auth::Caller;
use crate::wire::{QueryParams, empty_response, json_response};

/// `Code` of `CreateFunction`: only `ZipFile` is stored by Portico.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FunctionCode {
    zip_file: Option<String>,
    #[serde(rename = "S3Bucket")]
    s3_bucket: Option<String>,
    image_uri: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateFunctionRequest {
    #[serde(flatten)]
    input: CreateFunctionInput,
    code: Option<FunctionCode>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateCodeRequest {
    #[serde(flatten)]
    code: FunctionCode,
    #[serde(default)]
    publish: bool,
    #[serde(default)]
    dry_run: bool,
    revision_id: Option<String>,
}

/// `POST /2015-03-31/functions`: stores the code, then the function in state `Pending`;
/// it becomes `Active` as soon as the catalog is republished (before this call returns).
pub(crate) async fn create_function(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response> {
    let request: CreateFunctionRequest = json_body(&body)?;
    let name = request.input.function_name.clone().unwrap_or_default();
    authorize(&caller, "CreateFunction", &arn_of(&name, None))?;
    let zip = zip_file(request.code.unwrap_or_default())?;
    let info = code::inspect(&zip)
        .map_err(|err| LambdaApiError::from(LambdaError::InvalidParameterValue(err.to_string())))?;
    let publish = request.input.publish;
    let function =
        with_stamp(|stamp| StoredFunction::create(request.input, &upload(&info), stamp))?;
    // Until the record naming the package is committed, the collector must not remove it.
    let uploading = control_plane.code_uploads_lock().read().await;
    store_code(&control_plane, zip).await?;
    let write = typed::put("", function.name(), &function, Expect::Absent)?;
    let committed = commit(&control_plane, vec![write]).await;
    drop(uploading);
    match committed {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(
                LambdaError::ResourceConflict(format!("Function already exist: {name}")).into(),
            );
        }
        Err(err) => return Err(err.into()),
    }
    let configuration = if publish {
        update(&control_plane, &name, |function| {
            Ok(with_stamp(|stamp| {
                function.publish_version(None, None, None, stamp)
            })?)
        })
        .await?
    } else {
        function.latest.configuration
    };
    Ok(json_response(StatusCode::CREATED, &configuration))
}

/// `GET /2015-03-31/functions/{name}`: configuration, code location, tags, concurrency.
pub(crate) async fn get_function(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response> {
    let query = QueryParams::parse(uri.query());
    let reference = authorized_ref(&caller, "GetFunction", &name, query.get("Qualifier"))?;
    let function = load(&control_plane, &reference.name).await?.value;
    let version = configuration(&function, reference.qualifier.as_deref())?;
    let host_header = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("localhost");
    let code_hex = function
        .version(reference.qualifier.as_deref())
        .map(|stored| stored.code_sha256_hex.clone())
        .unwrap_or_default();
    let location = format!(
        "http://{host_header}/portico/code/{code_hex}?token={}",
        download_token(&control_plane, &code_hex)
    );
    let mut body = json!({
        "Configuration": version,
        "Code": { "RepositoryType": "S3", "Location": location },
    });
    if let Some(object) = body.as_object_mut() {
        if reference.qualifier.is_none() {
            object.insert("Tags".into(), json!(function.tags));
        }
        if let Some(reserved) = function.reserved_concurrency {
            object.insert(
                "Concurrency".into(),
                json!({ "ReservedConcurrentExecutions": reserved }),
            );
        }
    }
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /2015-03-31/functions/{name}/configuration`.
pub(crate) async fn get_function_configuration(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    uri: Uri,
) -> Result<Response> {
    let query = QueryParams::parse(uri.query());
    let reference = authorized_ref(
        &caller,
        "GetFunctionConfiguration",
        &name,
        query.get("Qualifier"),
    )?;
    let function = load(&control_plane, &reference.name).await?.value;
    let version = configuration(&function, reference.qualifier.as_deref())?;
    Ok(json_response(StatusCode::OK, &version))
}

/// `GET /2015-03-31/functions/`: `$LATEST` of every function (with `FunctionVersion=ALL`
/// also every published version), paged by `Marker`/`MaxItems`.
pub(crate) async fn list_functions(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
) -> Result<Response> {
    let query = QueryParams::parse(uri.query());
    authorize(&caller, "ListFunctions", "*")?;
    let all_versions = match query.get("FunctionVersion") {
        None => false,
        Some("ALL") => true,
        Some(other) => {
            return Err(LambdaError::constraint(
                "functionVersion",
                other,
                "Member must satisfy enum value set: [ALL]",
            )
            .into());
        }
    };
    let functions =
        typed::list::<StoredFunction>(control_plane.store(), "", Default::default()).await?;
    let configurations: Vec<FunctionConfiguration> = functions
        .into_iter()
        .flat_map(|record| {
            let function = record.value;
            let mut listed = vec![function.latest.configuration];
            if all_versions {
                listed.extend(function.versions.into_iter().map(|v| v.configuration));
            }
            listed
        })
        .collect();
    let (page, next_marker) = page(configurations, &query)?;
    let mut body = json!({ "Functions": page });
    if let (Some(marker), Some(object)) = (next_marker, body.as_object_mut()) {
        object.insert("NextMarker".into(), marker.into());
    }
    Ok(json_response(StatusCode::OK, &body))
}

/// `DELETE /2015-03-31/functions/{name}`: the whole function, or one published version.
pub(crate) async fn delete_function(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    uri: Uri,
) -> Result<Response> {
    let query = QueryParams::parse(uri.query());
    let reference = authorized_ref(&caller, "DeleteFunction", &name, query.get("Qualifier"))?;
    if let Some(qualifier) = reference.qualifier.as_deref() {
        update(&control_plane, &reference.name, |function| {
            Ok(function.delete_version(qualifier)?)
        })
        .await?;
        return Ok(empty_response(StatusCode::NO_CONTENT));
    }
    let current = load(&control_plane, &reference.name).await?;
    let write = Write::Delete {
        key: typed::key::<StoredFunction>("", &reference.name),
        expect: Expect::Version(current.version),
    };
    match commit(&control_plane, vec![write]).await {
        Ok(()) => Ok(empty_response(StatusCode::NO_CONTENT)),
        Err(StoreError::Conflict(_)) => Err(LambdaError::ResourceConflict(
            "The function was changed while it was being deleted. Please try again.".into(),
        )
        .into()),
        Err(err) => Err(err.into()),
    }
}

/// `PUT /2015-03-31/functions/{name}/code`.
pub(crate) async fn update_function_code(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let request: UpdateCodeRequest = json_body(&body)?;
    let reference = authorized_ref(&caller, "UpdateFunctionCode", &name, None)?;
    let zip = zip_file(request.code)?;
    let info = code::inspect(&zip)
        .map_err(|err| LambdaApiError::from(LambdaError::InvalidParameterValue(err.to_string())))?;
    if request.dry_run {
        let mut function = load(&control_plane, &reference.name).await?.value;
        with_stamp(|stamp| {
            function.update_code(&upload(&info), request.revision_id.as_deref(), stamp)
        })?;
        return Ok(json_response(
            StatusCode::OK,
            &function.latest.configuration,
        ));
    }
    // Until the record naming the package is committed, the collector must not remove it.
    let uploading = control_plane.code_uploads_lock().read().await;
    store_code(&control_plane, zip).await?;
    let updated = update(&control_plane, &reference.name, |function| {
        with_stamp(|stamp| {
            function.update_code(&upload(&info), request.revision_id.as_deref(), stamp)
        })?;
        Ok(function.latest.configuration.clone())
    })
    .await;
    drop(uploading);
    let updated = updated?;
    if request.publish {
        let published = update(&control_plane, &reference.name, |function| {
            Ok(with_stamp(|stamp| {
                function.publish_version(None, None, None, stamp)
            })?)
        })
        .await?;
        return Ok(json_response(StatusCode::OK, &published));
    }
    Ok(json_response(StatusCode::OK, &updated))
}

/// `PUT /2015-03-31/functions/{name}/configuration`.
pub(crate) async fn update_function_configuration(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let input: UpdateConfigurationInput = json_body(&body)?;
    let reference = authorized_ref(&caller, "UpdateFunctionConfiguration", &name, None)?;
    let updated = update(&control_plane, &reference.name, |function| {
        with_stamp(|stamp| function.update_configuration(input.clone(), stamp))?;
        Ok(function.latest.configuration.clone())
    })
    .await?;
    Ok(json_response(StatusCode::OK, &updated))
}

/// `GET /portico/code/{sha256}?token=…`: the zip behind `Code.Location` (outside SigV4, like
/// the presigned S3 URL AWS hands out; the token is bound to the digest and the root secret).
pub(crate) async fn get_code(
    State(control_plane): State<ControlPlane>,
    Path(sha256_hex): Path<String>,
    uri: Uri,
) -> Response {
    let query = QueryParams::parse(uri.query());
    let Some(functions) = control_plane.functions() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let valid_digest = sha256_hex.len() == 64 && sha256_hex.bytes().all(|b| b.is_ascii_hexdigit());
    if !valid_digest || query.get("token") != Some(&download_token(&control_plane, &sha256_hex)) {
        return StatusCode::FORBIDDEN.into_response();
    }
    match tokio::fs::read(code::zip_path(&functions.data_dir, &sha256_hex)).await {
        Ok(zip) => {
            let mut response = Response::new(axum::body::Body::from(zip));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/zip"),
            );
            response
        }
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The configuration a qualifier names, or `ResourceNotFoundException`.
fn configuration(
    function: &StoredFunction,
    qualifier: Option<&str>,
) -> Result<FunctionConfiguration> {
    function
        .version(qualifier)
        .map(|stored| stored.configuration.clone())
        .ok_or_else(|| LambdaError::function_not_found(&function.arn(qualifier)).into())
}

/// The package bytes of a `Code` object.
fn zip_file(code: FunctionCode) -> Result<Vec<u8>> {
    if code.s3_bucket.is_some() || code.image_uri.is_some() {
        return Err(LambdaError::InvalidParameterValue(
            "Portico stores deployment packages itself: pass the .zip file as Code.ZipFile \
             (S3Bucket/S3Key and ImageUri are not supported)."
                .into(),
        )
        .into());
    }
    let encoded = code.zip_file.ok_or_else(|| {
        LambdaError::InvalidParameterValue("Please provide a source for function code.".into())
    })?;
    let zip = base64::engine::general_purpose::STANDARD
        .decode(encoded.as_bytes())
        .map_err(|_| {
            LambdaError::InvalidParameterValue(
                "Could not unzip uploaded file. Please check your file, then try to upload \
                 again."
                    .into(),
            )
        })?;
    if zip.len() > MAX_ZIP_BYTES {
        return Err(LambdaError::RequestTooLarge(format!(
            "Request must be smaller than {} bytes for the CreateFunction operation",
            super::MAX_BODY_BYTES
        ))
        .into());
    }
    Ok(zip)
}

/// Writes the package to the data dir (fsynced) before any record names it.
async fn store_code(control_plane: &ControlPlane, zip: Vec<u8>) -> Result<()> {
    let data_dir = host(control_plane)?.data_dir.clone();
    tokio::task::spawn_blocking(move || code::store(&data_dir, &zip))
        .await
        .map_err(|err| LambdaApiError::Internal(Box::new(err)))?
        .map_err(|err| LambdaApiError::Internal(Box::new(err)))?;
    Ok(())
}

fn upload(info: &CodeInfo) -> CodeUpload {
    CodeUpload {
        sha256_base64: info.sha256_base64.clone(),
        sha256_hex: info.sha256_hex.clone(),
        size: info.size,
    }
}

/// The token of a code download: bound to the digest and the root secret, so only callers
/// that were handed the URL by `GetFunction` can fetch the code.
fn download_token(control_plane: &ControlPlane, sha256_hex: &str) -> String {
    let secret = &control_plane.credentials().secret_access_key;
    portico_sigv4::sha256_hex(format!("portico-code:{secret}:{sha256_hex}").as_bytes())
}

/// One page of configurations after `Marker` (a function ARN), at most `MaxItems` long.
pub(super) fn page<T: Serialize + HasArn>(
    items: Vec<T>,
    query: &QueryParams,
) -> Result<(Vec<T>, Option<String>)> {
    let max_items = match query.get("MaxItems") {
        None => DEFAULT_MAX_ITEMS,
        Some(value) => value
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or_else(|| {
                LambdaError::constraint(
                    "maxItems",
                    value,
                    "Member must have value between 1 and 10000",
                )
            })?,
    };
    let start = match query.get("Marker") {
        None => 0,
        Some(marker) => items
            .iter()
            .position(|item| item.arn() == marker)
            .map(|index| index + 1)
            .ok_or_else(|| {
                LambdaError::InvalidParameterValue("Invalid pagination marker.".into())
            })?,
    };
    let mut page: Vec<T> = items.into_iter().skip(start).collect();
    let next = (page.len() > max_items).then(|| page[max_items - 1].arn().to_owned());
    page.truncate(max_items);
    Ok((page, next))
}

/// Items that page by their ARN.
pub(super) trait HasArn {
    fn arn(&self) -> &str;
}

impl HasArn for FunctionConfiguration {
    fn arn(&self) -> &str {
        &self.function_arn
    }
}

impl HasArn for portico_model::function::AliasConfiguration {
    fn arn(&self) -> &str {
        &self.alias_arn
    }
}
