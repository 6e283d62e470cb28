//! Security schemes and requirements: API keys (`x-api-key` header), IAM (`awsSigv4`),
//! Lambda and Cognito authorizers (`x-amazon-apigateway-authorizer`), and how an operation's
//! `security` sets its method's authorization type, authorizer, scopes and `apiKeyRequired`.

use std::collections::BTreeMap;

use portico_model::authorizer::{Authorizer, AuthorizerType, CreateAuthorizerInput};
use portico_model::method::AuthorizationType;

use super::{IdKind, Importer, model_error};
use crate::error::ImportError;
use crate::node::Node;

pub(crate) const AUTHORIZER: &str = "x-amazon-apigateway-authorizer";
pub(crate) const AUTHTYPE: &str = "x-amazon-apigateway-authtype";
pub(crate) const AUTH: &str = "x-amazon-apigateway-auth";
/// The header API keys travel in.
pub(crate) const API_KEY_HEADER: &str = "x-api-key";
/// `x-amazon-apigateway-authtype` of IAM (SigV4) schemes.
pub(crate) const SIGV4_AUTHTYPE: &str = "awsSigv4";

/// What a security scheme means to API Gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// `type: apiKey, name: x-api-key, in: header`: the method requires an API key.
    ApiKey,
    /// `x-amazon-apigateway-authtype: awsSigv4`: AWS_IAM authorization.
    Iam,
    /// A Lambda or Cognito authorizer.
    Authorizer { id: String, kind: AuthorizerType },
    /// Anything else (OAuth 2, HTTP basic…): API Gateway cannot enforce it.
    Unsupported,
}

/// How one method is authorised, from its operation's `security`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct MethodAuth {
    pub authorization_type: AuthorizationType,
    pub authorizer_id: Option<String>,
    pub api_key_required: bool,
    pub scopes: Option<Vec<String>>,
}

/// Reads every security scheme; the ones with an authorizer extension become Authorizers
/// named after the scheme.
pub(super) fn import_schemes(importer: &mut Importer<'_>) -> Result<(), ImportError> {
    let Some(schemes) = importer.at_path(importer.flavor.security_schemes_path()) else {
        return Ok(());
    };
    let existing: BTreeMap<String, String> = importer
        .definition
        .authorizers
        .values()
        .map(|authorizer| (authorizer.name.clone(), authorizer.id.clone()))
        .collect();
    for (name, node) in schemes.entries()? {
        let node = importer.resolve(node)?;
        let scheme = read_scheme(importer, name, &node, existing.get(name))?;
        importer.schemes.insert(name.to_owned(), scheme);
    }
    Ok(())
}

fn read_scheme(
    importer: &mut Importer<'_>,
    name: &str,
    node: &Node<'_>,
    existing_id: Option<&String>,
) -> Result<Scheme, ImportError> {
    node.object()?;
    let kind = node.str_field("type")?.unwrap_or_default();
    let location = node.str_field("in")?.unwrap_or_default();
    let header = node.str_field("name")?;
    let authtype = node.str_field(AUTHTYPE)?;
    if let Some(authorizer) = node.get(AUTHORIZER) {
        let header = header.filter(|_| location.eq_ignore_ascii_case("header"));
        let authorizer =
            read_authorizer(importer, name, &authorizer, header, authtype, existing_id)?;
        let scheme = Scheme::Authorizer {
            id: authorizer.id.clone(),
            kind: authorizer.kind,
        };
        importer
            .definition
            .authorizers
            .insert(authorizer.id.clone(), authorizer);
        return Ok(scheme);
    }
    if authtype.is_some_and(|t| t.eq_ignore_ascii_case(SIGV4_AUTHTYPE)) {
        return Ok(Scheme::Iam);
    }
    let is_api_key = kind == "apiKey"
        && location.eq_ignore_ascii_case("header")
        && header.is_some_and(|h| h.eq_ignore_ascii_case(API_KEY_HEADER));
    if is_api_key {
        return Ok(Scheme::ApiKey);
    }
    importer.warn(
        node.location.clone(),
        format!(
            "Unsupported security scheme '{name}' of type '{kind}': API Gateway supports API keys \
             in the x-api-key header, awsSigv4 and x-amazon-apigateway-authorizer. Ignoring."
        ),
    );
    Ok(Scheme::Unsupported)
}

/// An Authorizer from `x-amazon-apigateway-authorizer`; a TOKEN authorizer without an
/// `identitySource` reads the scheme's header.
fn read_authorizer(
    importer: &mut Importer<'_>,
    name: &str,
    node: &Node<'_>,
    header: Option<&str>,
    authtype: Option<&str>,
    existing_id: Option<&String>,
) -> Result<Authorizer, ImportError> {
    let mut input = CreateAuthorizerInput {
        name: Some(name.to_owned()),
        auth_type: authtype.map(str::to_owned),
        ..Default::default()
    };
    for (key, field) in node.entries()? {
        match key {
            "type" => {
                let value = field.as_str()?;
                let kind = AuthorizerType::parse(&value.to_ascii_uppercase()).ok_or_else(|| {
                    field.error(format!(
                        "Invalid authorizer type '{value}'. Valid values are token, request, cognito_user_pools"
                    ))
                })?;
                input.kind = Some(kind);
            }
            "authorizerUri" => input.authorizer_uri = Some(field.as_str()?.to_owned()),
            "authorizerCredentials" => {
                input.authorizer_credentials = Some(field.as_str()?.to_owned());
            }
            "identitySource" => input.identity_source = Some(field.as_str()?.to_owned()),
            "identityValidationExpression" => {
                input.identity_validation_expression = Some(field.as_str()?.to_owned());
            }
            "authorizerResultTtlInSeconds" => {
                input.authorizer_result_ttl_in_seconds = Some(field.as_i64()?);
            }
            "providerARNs" => input.provider_arns = Some(field.string_list()?),
            _ => importer.warn(
                field.location.clone(),
                format!("Ignoring unsupported authorizer property '{key}'"),
            ),
        }
    }
    let kind = input.kind.ok_or_else(|| {
        node.error("The authorizer needs a type (token, request or cognito_user_pools)")
    })?;
    if input.identity_source.is_none()
        && matches!(
            kind,
            AuthorizerType::Token | AuthorizerType::CognitoUserPools
        )
        && let Some(header) = header
    {
        input.identity_source = Some(format!("method.request.header.{header}"));
    }
    let id = match existing_id {
        Some(id) => id.clone(),
        None => importer.new_id(IdKind::Authorizer),
    };
    Authorizer::create(input, id).map_err(|err| {
        model_error(
            node.location.clone(),
            &format!("Unable to create authorizer '{name}'"),
            &err,
        )
    })
}

/// The authorization of one operation from its `security` and `x-amazon-apigateway-auth`.
/// Requirements are combined: any API key scheme requires a key, and the authorizer (or IAM)
/// scheme sets the authorization type.
pub(super) fn method_auth(
    importer: &mut Importer<'_>,
    operation: &Node<'_>,
    label: &str,
) -> Result<MethodAuth, ImportError> {
    let mut auth = MethodAuth {
        authorization_type: AuthorizationType::None,
        authorizer_id: None,
        api_key_required: false,
        scopes: None,
    };
    let mut iam = false;
    if let Some(security) = operation.get("security") {
        for requirement in security.items()? {
            for (name, scopes) in requirement.entries()? {
                let scheme = importer.schemes.get(name).cloned().ok_or_else(|| {
                    scopes.error(format!(
                        "Invalid security requirement: no security scheme named '{name}'"
                    ))
                })?;
                let scopes_list = scopes.string_list()?;
                match scheme {
                    Scheme::ApiKey => auth.api_key_required = true,
                    Scheme::Iam => iam = true,
                    Scheme::Authorizer { id, kind } => {
                        if auth.authorizer_id.as_ref().is_some_and(|first| *first != id) {
                            importer.warn(
                                scopes.location.clone(),
                                format!(
                                    "Method '{label}' names more than one authorizer; API Gateway uses one per method, so '{name}' is ignored"
                                ),
                            );
                            continue;
                        }
                        auth.authorization_type = match kind {
                            AuthorizerType::CognitoUserPools => AuthorizationType::CognitoUserPools,
                            AuthorizerType::Token | AuthorizerType::Request => {
                                AuthorizationType::Custom
                            }
                        };
                        auth.authorizer_id = Some(id);
                        if !scopes_list.is_empty() {
                            if kind == AuthorizerType::CognitoUserPools {
                                auth.scopes = Some(scopes_list);
                            } else {
                                importer.warn(
                                    scopes.location.clone(),
                                    "Authorization scopes apply only to Cognito user pool authorizers. Ignoring.",
                                );
                            }
                        }
                    }
                    Scheme::Unsupported => importer.warn(
                        scopes.location.clone(),
                        format!(
                            "Method '{label}' requires security scheme '{name}', which API Gateway cannot enforce; the method is imported without it"
                        ),
                    ),
                }
            }
        }
    }
    if let Some(node) = operation.get(AUTH) {
        let kind = node
            .get("type")
            .ok_or_else(|| node.error("x-amazon-apigateway-auth needs a type (NONE or AWS_IAM)"))?;
        match kind.as_str()?.to_ascii_uppercase().as_str() {
            "AWS_IAM" => iam = true,
            "NONE" => {}
            other => {
                return Err(kind.error(format!(
                    "Invalid authorization type '{other}'. Valid values are NONE, AWS_IAM"
                )));
            }
        }
    }
    if iam {
        if auth.authorizer_id.is_some() {
            importer.warn(
                operation.location.clone(),
                format!(
                    "Method '{label}' asks for both IAM and an authorizer; the authorizer is used"
                ),
            );
        } else {
            auth.authorization_type = AuthorizationType::AwsIam;
        }
    }
    Ok(auth)
}

/// API Gateway ignores root-level `security`; say so, since the methods end up open.
pub(super) fn check_root_security(importer: &mut Importer<'_>) -> Result<(), ImportError> {
    if let Some(node) = importer.root().get("security")
        && !node.items()?.is_empty()
    {
        importer.warn(
            node.location.clone(),
            "API Gateway ignores root-level security; set 'security' on each operation",
        );
    }
    Ok(())
}
