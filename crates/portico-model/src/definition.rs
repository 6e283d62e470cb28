//! The editable definition of one RestApi: the API itself and its resource tree with methods,
//! method responses, integrations and integration responses. It is the unit the store keeps
//! and a deployment freezes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::authorizer::{Authorizer, AuthorizerType, CreateAuthorizerInput};
use crate::deployment::MethodSnapshot;
use crate::gateway_response::{GatewayResponse, GatewayResponseType, PutGatewayResponseInput};
use crate::integration::{IntegrationResponse, PutIntegrationInput, PutIntegrationResponseInput};
use crate::method::AuthorizationType;
use crate::method::{PutMethodInput, PutMethodResponseInput};
use crate::models::{CreateModelInput, CreateRequestValidatorInput, Model, RequestValidator};
use crate::patch::{self, PatchOperation, PatchRule, ValueKind};
use crate::resource::{PathPart, child_path};
use crate::{
    HttpMethod, Integration, Method, MethodResponse, ModelError, Resource, ResourceId, RestApi,
};

/// A RestApi with everything that a deployment snapshots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiDefinition {
    pub rest_api: RestApi,
    pub resources: BTreeMap<ResourceId, Resource>,
    /// Models by name.
    #[serde(default)]
    pub models: BTreeMap<String, Model>,
    /// Request validators by id.
    #[serde(default)]
    pub request_validators: BTreeMap<String, RequestValidator>,
    /// Customised gateway responses (types absent here answer with AWS's defaults).
    #[serde(default)]
    pub gateway_responses: BTreeMap<GatewayResponseType, GatewayResponse>,
    /// Authorizers by id.
    #[serde(default)]
    pub authorizers: BTreeMap<String, Authorizer>,
    /// API-level OpenAPI extensions Portico keeps without acting on them
    /// (`x-amazon-apigateway-documentation`, …), exported unchanged.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<String, serde_json::Value>,
}

const RESOURCE_PATCH_RULES: &[PatchRule] = &[
    PatchRule {
        path: "/pathPart",
        ops: patch::REPLACE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/parentId",
        ops: patch::REPLACE,
        kind: ValueKind::String,
    },
];

/// Most resources one API may have.
pub const MAX_RESOURCES: usize = 300;
/// Authorizers per API (AWS's default quota).
pub const MAX_AUTHORIZERS: usize = 10;

// === impl ApiDefinition ===

impl ApiDefinition {
    /// A new definition with only the root resource `/`.
    pub fn new(rest_api: RestApi) -> Self {
        let root = Resource {
            id: rest_api.root_resource_id.clone(),
            parent_id: None,
            path_part: None,
            path: "/".into(),
            resource_methods: BTreeMap::new(),
        };
        Self {
            resources: BTreeMap::from([(root.id.clone(), root)]),
            rest_api,
            models: BTreeMap::new(),
            request_validators: BTreeMap::new(),
            gateway_responses: BTreeMap::new(),
            authorizers: BTreeMap::new(),
            extensions: BTreeMap::new(),
        }
    }

    /// Applies `UpdateRestApi` patch operations to the API's own settings.
    pub fn patch_rest_api(
        &mut self,
        operations: &[PatchOperation],
    ) -> Result<&RestApi, ModelError> {
        let mut patched: RestApi =
            patch::apply(&self.rest_api, operations, crate::rest_api::PATCH_RULES)?;
        if patched
            .binary_media_types
            .as_ref()
            .is_some_and(Vec::is_empty)
        {
            patched.binary_media_types = None;
        }
        if patched.policy.as_deref() == Some("") {
            patched.policy = None;
        }
        patched.expand_policy()?;
        patched.validate()?;
        self.rest_api = patched;
        Ok(&self.rest_api)
    }

    /// Resources in path order, as `GetResources` lists them.
    pub fn resources_by_path(&self) -> Vec<&Resource> {
        let mut resources: Vec<&Resource> = self.resources.values().collect();
        resources.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.id.cmp(&b.id)));
        resources
    }

    /// The resource with `id`.
    pub fn resource(&self, id: &ResourceId) -> Result<&Resource, ModelError> {
        self.resources
            .get(id)
            .ok_or_else(|| ModelError::invalid_identifier("Resource"))
    }

    fn resource_mut(&mut self, id: &ResourceId) -> Result<&mut Resource, ModelError> {
        self.resources
            .get_mut(id)
            .ok_or_else(|| ModelError::invalid_identifier("Resource"))
    }

    /// Creates a child of `parent_id` with `path_part`, enforcing AWS's sibling rules.
    pub fn create_resource(
        &mut self,
        parent_id: &ResourceId,
        path_part: &str,
        id: ResourceId,
    ) -> Result<&Resource, ModelError> {
        let parent = self.resource(parent_id)?;
        if self.resources.len() >= MAX_RESOURCES {
            return Err(ModelError::LimitExceeded(format!(
                "Maximum number of Resources for this API has been reached ({MAX_RESOURCES})"
            )));
        }
        let parent_path = parent.path.clone();
        self.check_placement(parent_id, path_part, None)?;
        let resource = Resource {
            id,
            parent_id: Some(parent_id.clone()),
            path_part: Some(path_part.to_owned()),
            path: child_path(&parent_path, path_part),
            resource_methods: BTreeMap::new(),
        };
        let id = resource.id.clone();
        self.resources.insert(id.clone(), resource);
        self.resource(&id)
    }

    /// Checks that a resource with `path_part` may live under `parent_id`: valid part, parent
    /// not greedy, no sibling with the same part, at most one variable sibling.
    fn check_placement(
        &self,
        parent_id: &ResourceId,
        path_part: &str,
        moving: Option<&ResourceId>,
    ) -> Result<(), ModelError> {
        let part = PathPart::parse(path_part)?;
        let parent = self.resource(parent_id)?;
        if let Some(parent_part) = parent.path_part.as_deref()
            && matches!(PathPart::parse(parent_part), Ok(PathPart::Greedy(_)))
        {
            return Err(ModelError::bad_request(format!(
                "Cannot create a child of a resource with a greedy path variable: {parent_part}"
            )));
        }
        for sibling in self.children(parent_id) {
            if Some(&sibling.id) == moving {
                continue;
            }
            let sibling_part = sibling.path_part.as_deref().unwrap_or_default();
            if sibling_part == path_part {
                return Err(ModelError::Conflict(format!(
                    "Another resource with the same parent already has this name: {path_part}"
                )));
            }
            let sibling_is_variable =
                PathPart::parse(sibling_part).is_ok_and(PathPart::is_variable);
            if part.is_variable() && sibling_is_variable {
                return Err(ModelError::bad_request(format!(
                    "A sibling ({}) of this resource already has a variable path part -- only one is allowed",
                    sibling.id
                )));
            }
        }
        Ok(())
    }

    fn children<'a>(
        &'a self,
        parent_id: &'a ResourceId,
    ) -> impl Iterator<Item = &'a Resource> + 'a {
        self.resources
            .values()
            .filter(move |r| r.parent_id.as_ref() == Some(parent_id))
    }

    /// Applies `UpdateResource` (`/pathPart`, `/parentId`) and recomputes the subtree's paths.
    pub fn patch_resource(
        &mut self,
        id: &ResourceId,
        operations: &[PatchOperation],
    ) -> Result<&Resource, ModelError> {
        let current = self.resource(id)?.clone();
        if current.parent_id.is_none() {
            return Err(ModelError::bad_request("Cannot update the root resource"));
        }
        let patched: Resource = patch::apply(&current, operations, RESOURCE_PATCH_RULES)?;
        let parent_id = patched.parent_id.clone().unwrap_or_default();
        let path_part = patched.path_part.clone().unwrap_or_default();
        if self.is_descendant(&parent_id, id) {
            return Err(ModelError::bad_request(
                "Cannot move a resource under itself or one of its descendants",
            ));
        }
        self.check_placement(&parent_id, &path_part, Some(id))?;
        let resource = self.resource_mut(id)?;
        resource.parent_id = Some(parent_id);
        resource.path_part = Some(path_part);
        self.recompute_paths(id)?;
        self.resource(id)
    }

    /// True if `candidate` is `ancestor` or lies below it.
    fn is_descendant(&self, candidate: &ResourceId, ancestor: &ResourceId) -> bool {
        let mut current = Some(candidate.clone());
        while let Some(id) = current {
            if &id == ancestor {
                return true;
            }
            current = self.resources.get(&id).and_then(|r| r.parent_id.clone());
        }
        false
    }

    fn recompute_paths(&mut self, id: &ResourceId) -> Result<(), ModelError> {
        let resource = self.resource(id)?;
        let parent_path = match &resource.parent_id {
            Some(parent) => self.resource(parent)?.path.clone(),
            None => return Ok(()),
        };
        let path = child_path(
            &parent_path,
            resource.path_part.as_deref().unwrap_or_default(),
        );
        self.resource_mut(id)?.path = path;
        let children: Vec<ResourceId> = self.children(id).map(|r| r.id.clone()).collect();
        for child in children {
            self.recompute_paths(&child)?;
        }
        Ok(())
    }

    /// Deletes a resource and everything below it. The root cannot be deleted.
    pub fn delete_resource(&mut self, id: &ResourceId) -> Result<(), ModelError> {
        let resource = self.resource(id)?;
        if resource.parent_id.is_none() {
            return Err(ModelError::bad_request("Cannot delete the root resource"));
        }
        let doomed: Vec<ResourceId> = self
            .resources
            .keys()
            .filter(|candidate| self.is_descendant(candidate, id))
            .cloned()
            .collect();
        for id in doomed {
            self.resources.remove(&id);
        }
        Ok(())
    }

    /// The method `http_method` of a resource.
    pub fn method(
        &self,
        resource_id: &ResourceId,
        http_method: HttpMethod,
    ) -> Result<&Method, ModelError> {
        self.resource(resource_id)?
            .resource_methods
            .get(http_method.as_str())
            .ok_or_else(|| ModelError::invalid_identifier("Method"))
    }

    fn method_mut(
        &mut self,
        resource_id: &ResourceId,
        http_method: HttpMethod,
    ) -> Result<&mut Method, ModelError> {
        self.resource_mut(resource_id)?
            .resource_methods
            .get_mut(http_method.as_str())
            .ok_or_else(|| ModelError::invalid_identifier("Method"))
    }

    /// `PutMethod`: creates a method; an existing one is a conflict, as on AWS.
    pub fn put_method(
        &mut self,
        resource_id: &ResourceId,
        http_method: HttpMethod,
        input: PutMethodInput,
    ) -> Result<&Method, ModelError> {
        let resource = self.resource(resource_id)?;
        if resource.resource_methods.contains_key(http_method.as_str()) {
            return Err(ModelError::Conflict(
                "Method already exists for this resource".into(),
            ));
        }
        let method = Method::create(http_method, input)?;
        self.check_method_references(&method)?;
        let resource = self.resource_mut(resource_id)?;
        resource
            .resource_methods
            .insert(http_method.as_str().to_owned(), method);
        self.method(resource_id, http_method)
    }

    /// References a method makes to other parts of the API must resolve. Authorizers do not
    /// exist in Portico yet, so any authorizer reference is unknown.
    fn check_method_references(&self, method: &Method) -> Result<(), ModelError> {
        let authorizer = method
            .authorizer_id
            .as_deref()
            .filter(|id| !id.is_empty())
            .map(|id| self.authorizers.get(id));
        let matches = match (method.authorization_type, authorizer) {
            (AuthorizationType::Custom, Some(Some(authorizer))) => {
                matches!(
                    authorizer.kind,
                    AuthorizerType::Token | AuthorizerType::Request
                )
            }
            (AuthorizationType::CognitoUserPools, Some(Some(authorizer))) => {
                authorizer.kind == AuthorizerType::CognitoUserPools
            }
            (AuthorizationType::Custom | AuthorizationType::CognitoUserPools, _) => false,
            (_, Some(None)) => false,
            _ => true,
        };
        if !matches {
            return Err(ModelError::bad_request(
                "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or \
                 COGNITO_USER_POOLS requires a valid authorizer.",
            ));
        }
        if let Some(validator) = method
            .request_validator_id
            .as_deref()
            .filter(|id| !id.is_empty())
            && !self.request_validators.contains_key(validator)
        {
            return Err(ModelError::bad_request(
                "Invalid Request Validator identifier specified",
            ));
        }
        if let Some(models) = &method.request_models {
            self.check_model_names(models.values())?;
        }
        Ok(())
    }

    fn check_model_names<'n>(
        &self,
        mut names: impl Iterator<Item = &'n String>,
    ) -> Result<(), ModelError> {
        match names.find(|name| !self.models.contains_key(*name)) {
            Some(name) => Err(ModelError::bad_request(format!(
                "Invalid model identifier specified: {name}"
            ))),
            None => Ok(()),
        }
    }

    /// Adds AWS's default `Empty` and `Error` models.
    pub fn with_default_models(mut self, ids: [String; 2]) -> Self {
        for model in Model::defaults(ids) {
            self.models.insert(model.name.clone(), model);
        }
        self
    }

    /// `CreateModel`.
    pub fn create_model(
        &mut self,
        input: CreateModelInput,
        id: String,
    ) -> Result<&Model, ModelError> {
        let model = Model::create(input, id)?;
        if self.models.contains_key(&model.name) {
            return Err(ModelError::Conflict(
                "Model name already exists for this REST API".into(),
            ));
        }
        let name = model.name.clone();
        self.models.insert(name.clone(), model);
        self.model(&name)
    }

    /// The model called `name`.
    pub fn model(&self, name: &str) -> Result<&Model, ModelError> {
        self.models
            .get(name)
            .ok_or_else(|| ModelError::NotFound(format!("Invalid model name specified: {name}")))
    }

    /// `UpdateModel` (`/schema`, `/description`).
    pub fn patch_model(
        &mut self,
        name: &str,
        operations: &[PatchOperation],
    ) -> Result<&Model, ModelError> {
        let patched: Model = patch::apply(
            self.model(name)?,
            operations,
            crate::models::MODEL_PATCH_RULES,
        )?;
        patched.validate()?;
        self.models.insert(name.to_owned(), patched);
        self.model(name)
    }

    /// `DeleteModel`: refused while a method request or response uses the model.
    pub fn delete_model(&mut self, name: &str) -> Result<(), ModelError> {
        self.model(name)?;
        for resource in self.resources.values() {
            for method in resource.resource_methods.values() {
                let in_request = method
                    .request_models
                    .iter()
                    .flatten()
                    .any(|(_, model)| model == name);
                let in_response = method
                    .method_responses
                    .iter()
                    .flatten()
                    .any(|(_, response)| {
                        response
                            .response_models
                            .iter()
                            .flatten()
                            .any(|(_, model)| model == name)
                    });
                if in_request || in_response {
                    return Err(ModelError::bad_request(format!(
                        "Cannot delete model '{name}', is referenced in method request or response: {} {}",
                        method.http_method, resource.path
                    )));
                }
            }
        }
        self.models.remove(name);
        Ok(())
    }

    /// `CreateRequestValidator`.
    pub fn create_request_validator(
        &mut self,
        input: CreateRequestValidatorInput,
        id: String,
    ) -> Result<&RequestValidator, ModelError> {
        let validator = RequestValidator::create(input, id);
        let id = validator.id.clone();
        self.request_validators.insert(id.clone(), validator);
        self.request_validator(&id)
    }

    /// The validator with `id`.
    pub fn request_validator(&self, id: &str) -> Result<&RequestValidator, ModelError> {
        self.request_validators.get(id).ok_or_else(|| {
            ModelError::NotFound("Invalid Request Validator identifier specified".into())
        })
    }

    /// `UpdateRequestValidator`.
    pub fn patch_request_validator(
        &mut self,
        id: &str,
        operations: &[PatchOperation],
    ) -> Result<&RequestValidator, ModelError> {
        let patched: RequestValidator = patch::apply(
            self.request_validator(id)?,
            operations,
            crate::models::VALIDATOR_PATCH_RULES,
        )?;
        self.request_validators.insert(id.to_owned(), patched);
        self.request_validator(id)
    }

    /// `DeleteRequestValidator`: refused while a method uses it.
    pub fn delete_request_validator(&mut self, id: &str) -> Result<(), ModelError> {
        self.request_validator(id)?;
        let in_use = self
            .resources
            .values()
            .flat_map(|resource| resource.resource_methods.values())
            .any(|method| method.request_validator_id.as_deref() == Some(id));
        if in_use {
            return Err(ModelError::bad_request(
                "Cannot delete a request validator that a method uses",
            ));
        }
        self.request_validators.remove(id);
        Ok(())
    }

    /// `CreateAuthorizer`.
    pub fn create_authorizer(
        &mut self,
        input: CreateAuthorizerInput,
        id: String,
    ) -> Result<&Authorizer, ModelError> {
        if self.authorizers.len() >= MAX_AUTHORIZERS {
            return Err(ModelError::LimitExceeded(format!(
                "Maximum number of Authorizers for this API has been reached ({MAX_AUTHORIZERS})"
            )));
        }
        let authorizer = Authorizer::create(input, id)?;
        let id = authorizer.id.clone();
        self.authorizers.insert(id.clone(), authorizer);
        self.authorizer(&id)
    }

    /// The authorizer with `id`.
    pub fn authorizer(&self, id: &str) -> Result<&Authorizer, ModelError> {
        self.authorizers
            .get(id)
            .ok_or_else(|| ModelError::invalid_identifier("Authorizer"))
    }

    /// `UpdateAuthorizer`.
    pub fn patch_authorizer(
        &mut self,
        id: &str,
        operations: &[PatchOperation],
    ) -> Result<&Authorizer, ModelError> {
        let patched: Authorizer = patch::apply(
            self.authorizer(id)?,
            operations,
            crate::authorizer::PATCH_RULES,
        )?;
        patched.validate()?;
        self.authorizers.insert(id.to_owned(), patched);
        self.authorizer(id)
    }

    /// `DeleteAuthorizer`: refused while a method uses it.
    pub fn delete_authorizer(&mut self, id: &str) -> Result<(), ModelError> {
        self.authorizer(id)?;
        for resource in self.resources.values() {
            for method in resource.resource_methods.values() {
                if method.authorizer_id.as_deref() == Some(id) {
                    return Err(ModelError::bad_request(format!(
                        "Cannot delete authorizer, is referenced in method: {} {}",
                        method.http_method, resource.path
                    )));
                }
            }
        }
        self.authorizers.remove(id);
        Ok(())
    }

    /// `GetGatewayResponse`: the customised response, else AWS's default.
    pub fn gateway_response(&self, response_type: GatewayResponseType) -> GatewayResponse {
        self.gateway_responses
            .get(&response_type)
            .cloned()
            .unwrap_or_else(|| GatewayResponse::default_for(response_type))
    }

    /// `GetGatewayResponses`: every type, customised or default.
    pub fn all_gateway_responses(&self) -> Vec<GatewayResponse> {
        GatewayResponseType::all()
            .map(|response_type| self.gateway_response(response_type))
            .collect()
    }

    /// `PutGatewayResponse`: replaces the customisation of a type.
    pub fn put_gateway_response(
        &mut self,
        response_type: GatewayResponseType,
        input: PutGatewayResponseInput,
    ) -> Result<GatewayResponse, ModelError> {
        let response = GatewayResponse::create(response_type, input)?;
        self.gateway_responses
            .insert(response_type, response.clone());
        Ok(response)
    }

    /// `UpdateGatewayResponse`: a default response becomes customised.
    pub fn patch_gateway_response(
        &mut self,
        response_type: GatewayResponseType,
        operations: &[PatchOperation],
    ) -> Result<GatewayResponse, ModelError> {
        let mut patched: GatewayResponse = patch::apply(
            &self.gateway_response(response_type),
            operations,
            crate::gateway_response::PATCH_RULES,
        )?;
        patched.default_response = false;
        patched.validate()?;
        self.gateway_responses
            .insert(response_type, patched.clone());
        Ok(patched)
    }

    /// `DeleteGatewayResponse`: back to AWS's default.
    pub fn delete_gateway_response(&mut self, response_type: GatewayResponseType) {
        self.gateway_responses.remove(&response_type);
    }

    /// `UpdateMethod`.
    pub fn patch_method(
        &mut self,
        resource_id: &ResourceId,
        http_method: HttpMethod,
        operations: &[PatchOperation],
    ) -> Result<&Method, ModelError> {
        let current = self.method(resource_id, http_method)?;
        let patched: Method = patch::apply(current, operations, crate::method::PATCH_RULES)?;
        patched.validate()?;
        self.check_method_references(&patched)?;
        if let Some(integration) = &patched.method_integration {
            integration.validate(&patched)?;
        }
        *self.method_mut(resource_id, http_method)? = patched;
        self.method(resource_id, http_method)
    }

    /// `DeleteMethod`.
    pub fn delete_method(
        &mut self,
        resource_id: &ResourceId,
        http_method: HttpMethod,
    ) -> Result<(), ModelError> {
        self.method(resource_id, http_method)?;
        self.resource_mut(resource_id)?
            .resource_methods
            .remove(http_method.as_str());
        Ok(())
    }

    /// `PutMethodResponse`: an existing response for the status code is a conflict.
    pub fn put_method_response(
        &mut self,
        resource_id: &ResourceId,
        http_method: HttpMethod,
        status_code: &str,
        input: PutMethodResponseInput,
    ) -> Result<&MethodResponse, ModelError> {
        let method = self.method(resource_id, http_method)?;
        if method.method_response(status_code).is_ok() {
            return Err(ModelError::Conflict(
                "Response already exists for this resource".into(),
            ));
        }
        let response = MethodResponse::create(status_code, input)?;
        if let Some(models) = &response.response_models {
            self.check_model_names(models.values())?;
        }
        self.method_mut(resource_id, http_method)?
            .method_responses
            .get_or_insert_with(BTreeMap::new)
            .insert(status_code.to_owned(), response);
        self.method(resource_id, http_method)?
            .method_response(status_code)
    }

    /// `UpdateMethodResponse`.
    pub fn patch_method_response(
        &mut self,
        resource_id: &ResourceId,
        http_method: HttpMethod,
        status_code: &str,
        operations: &[PatchOperation],
    ) -> Result<&MethodResponse, ModelError> {
        let current = self
            .method(resource_id, http_method)?
            .method_response(status_code)?;
        let patched: MethodResponse =
            patch::apply(current, operations, crate::method::RESPONSE_PATCH_RULES)?;
        patched.validate()?;
        if let Some(models) = &patched.response_models {
            self.check_model_names(models.values())?;
        }
        let method = self.method_mut(resource_id, http_method)?;
        if let Some(integration_response) = method
            .method_integration
            .as_ref()
            .and_then(|i| i.integration_response(status_code).ok())
        {
            integration_response.validate(&patched)?;
        }
        if let Some(responses) = method.method_responses.as_mut() {
            responses.insert(status_code.to_owned(), patched);
        }
        self.method(resource_id, http_method)?
            .method_response(status_code)
    }

    /// `DeleteMethodResponse`.
    pub fn delete_method_response(
        &mut self,
        resource_id: &ResourceId,
        http_method: HttpMethod,
        status_code: &str,
    ) -> Result<(), ModelError> {
        self.method(resource_id, http_method)?
            .method_response(status_code)?;
        let method = self.method_mut(resource_id, http_method)?;
        if let Some(responses) = method.method_responses.as_mut() {
            responses.remove(status_code);
            if responses.is_empty() {
                method.method_responses = None;
            }
        }
        Ok(())
    }

    /// `PutIntegration`: sets (or replaces) the method's integration.
    pub fn put_integration(
        &mut self,
        resource_id: &ResourceId,
        http_method: HttpMethod,
        input: PutIntegrationInput,
    ) -> Result<&Integration, ModelError> {
        let method = self.method(resource_id, http_method)?;
        let integration = Integration::create(input, method, resource_id.as_str())?;
        self.method_mut(resource_id, http_method)?
            .method_integration = Some(integration);
        self.method(resource_id, http_method)?.integration()
    }

    /// `UpdateIntegration`; the integration type cannot change.
    pub fn patch_integration(
        &mut self,
        resource_id: &ResourceId,
        http_method: HttpMethod,
        operations: &[PatchOperation],
    ) -> Result<&Integration, ModelError> {
        let method = self.method(resource_id, http_method)?;
        let current = method.integration()?;
        let patched: Integration =
            patch::apply(current, operations, crate::integration::PATCH_RULES)?;
        if patched.kind == crate::IntegrationType::Mock
            && patched.http_method != current.http_method
        {
            return Err(ModelError::bad_request(
                "Cannot set an HTTP method on a MOCK integration",
            ));
        }
        patched.validate(method)?;
        *self
            .method_mut(resource_id, http_method)?
            .integration_mut()? = patched;
        self.method(resource_id, http_method)?.integration()
    }

    /// `DeleteIntegration`.
    pub fn delete_integration(
        &mut self,
        resource_id: &ResourceId,
        http_method: HttpMethod,
    ) -> Result<(), ModelError> {
        self.method(resource_id, http_method)?.integration()?;
        self.method_mut(resource_id, http_method)?
            .method_integration = None;
        Ok(())
    }

    /// `PutIntegrationResponse`: sets (or replaces) the response for `status_code`.
    pub fn put_integration_response(
        &mut self,
        resource_id: &ResourceId,
        http_method: HttpMethod,
        status_code: &str,
        input: PutIntegrationResponseInput,
    ) -> Result<&IntegrationResponse, ModelError> {
        let method = self.method(resource_id, http_method)?;
        method.integration()?;
        let response = IntegrationResponse::create(status_code, input, method)?;
        self.method_mut(resource_id, http_method)?
            .integration_mut()?
            .integration_responses
            .get_or_insert_with(BTreeMap::new)
            .insert(status_code.to_owned(), response);
        self.method(resource_id, http_method)?
            .integration()?
            .integration_response(status_code)
    }

    /// `UpdateIntegrationResponse`.
    pub fn patch_integration_response(
        &mut self,
        resource_id: &ResourceId,
        http_method: HttpMethod,
        status_code: &str,
        operations: &[PatchOperation],
    ) -> Result<&IntegrationResponse, ModelError> {
        let method = self.method(resource_id, http_method)?;
        let current = method.integration()?.integration_response(status_code)?;
        let patched: IntegrationResponse = patch::apply(
            current,
            operations,
            crate::integration::RESPONSE_PATCH_RULES,
        )?;
        patched.validate(method.method_response(status_code)?)?;
        if let Some(responses) = self
            .method_mut(resource_id, http_method)?
            .integration_mut()?
            .integration_responses
            .as_mut()
        {
            responses.insert(status_code.to_owned(), patched);
        }
        self.method(resource_id, http_method)?
            .integration()?
            .integration_response(status_code)
    }

    /// `DeleteIntegrationResponse`.
    pub fn delete_integration_response(
        &mut self,
        resource_id: &ResourceId,
        http_method: HttpMethod,
        status_code: &str,
    ) -> Result<(), ModelError> {
        self.method(resource_id, http_method)?
            .integration()?
            .integration_response(status_code)?;
        let integration = self
            .method_mut(resource_id, http_method)?
            .integration_mut()?;
        if let Some(responses) = integration.integration_responses.as_mut() {
            responses.remove(status_code);
            if responses.is_empty() {
                integration.integration_responses = None;
            }
        }
        Ok(())
    }

    /// The checks `CreateDeployment` makes: at least one method, and every method integrated.
    pub fn check_deployable(&self) -> Result<(), ModelError> {
        let mut any_method = false;
        for resource in self.resources.values() {
            for method in resource.resource_methods.values() {
                any_method = true;
                if method.method_integration.is_none() {
                    return Err(ModelError::bad_request("No integration defined for method"));
                }
            }
        }
        if any_method {
            Ok(())
        } else {
            Err(ModelError::bad_request(
                "The REST API doesn't contain any methods",
            ))
        }
    }

    /// `apiSummary` of a deployment: per path and method, what callers need.
    pub fn api_summary(&self) -> BTreeMap<String, BTreeMap<String, MethodSnapshot>> {
        let mut summary = BTreeMap::new();
        for resource in self.resources.values() {
            if resource.resource_methods.is_empty() {
                continue;
            }
            let methods = resource
                .resource_methods
                .iter()
                .map(|(verb, method)| {
                    let snapshot = MethodSnapshot {
                        authorization_type: method.authorization_type.as_str().to_owned(),
                        api_key_required: method.api_key_required,
                    };
                    (verb.clone(), snapshot)
                })
                .collect();
            summary.insert(resource.path.clone(), methods);
        }
        summary
    }
}

#[cfg(test)]
mod tests;
