//! A function as stored: `$LATEST`, its published versions, aliases, policy statements,
//! reserved concurrency and tags, with the operations that change them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::config::{
    AliasConfiguration, AliasRoutingConfiguration, EphemeralStorage, FunctionState,
    LastUpdateStatus, LoggingConfig, TracingConfig,
};
use super::permission::{self, Statement};
use super::{
    DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_SECONDS, Environment, FunctionConfiguration, LATEST,
    LambdaError, function_arn, validate,
};

/// One stored function (record kind `function`, keyed by name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredFunction {
    pub latest: StoredVersion,
    #[serde(default)]
    pub versions: Vec<StoredVersion>,
    /// The number the next published version gets (versions are never reused).
    pub next_version: u64,
    #[serde(default)]
    pub aliases: Vec<AliasConfiguration>,
    #[serde(default)]
    pub statements: Vec<Statement>,
    #[serde(default)]
    pub policy_revision_id: Option<String>,
    #[serde(default)]
    pub reserved_concurrency: Option<u32>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// One version's configuration and the hex SHA-256 naming its code in the data dir.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredVersion {
    pub configuration: FunctionConfiguration,
    pub code_sha256_hex: String,
}

/// A validated deployment package, as the control plane measured it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeUpload {
    pub sha256_base64: String,
    pub sha256_hex: String,
    pub size: u64,
}

/// `CreateFunction`'s parameters (the code travels separately as [`CodeUpload`]).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateFunctionInput {
    pub function_name: Option<String>,
    pub runtime: Option<String>,
    pub role: Option<String>,
    pub handler: Option<String>,
    pub description: Option<String>,
    pub timeout: Option<u32>,
    pub memory_size: Option<u32>,
    #[serde(default)]
    pub publish: bool,
    pub environment: Option<Environment>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub package_type: Option<String>,
    pub architectures: Option<Vec<String>>,
}

/// `UpdateFunctionConfiguration`'s parameters: only those given change.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateConfigurationInput {
    pub runtime: Option<String>,
    pub role: Option<String>,
    pub handler: Option<String>,
    pub description: Option<String>,
    pub timeout: Option<u32>,
    pub memory_size: Option<u32>,
    pub environment: Option<Environment>,
    pub revision_id: Option<String>,
}

/// `CreateAlias`'s parameters.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateAliasInput {
    pub name: Option<String>,
    pub function_version: Option<String>,
    pub description: Option<String>,
    pub routing_config: Option<AliasRoutingConfiguration>,
}

/// `UpdateAlias`'s parameters: only those given change.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateAliasInput {
    pub function_version: Option<String>,
    pub description: Option<String>,
    pub routing_config: Option<AliasRoutingConfiguration>,
    pub revision_id: Option<String>,
}

/// What a change needs from outside: the time (`LastModified` form) and fresh revision ids.
pub struct Stamp<'a> {
    pub region: &'a str,
    pub last_modified: &'a str,
    pub new_revision_id: &'a mut dyn FnMut() -> String,
}

// === impl StoredFunction ===

impl StoredFunction {
    /// A new function in state `Pending` (it becomes `Active` once its code is unpacked).
    pub fn create(
        input: CreateFunctionInput,
        code: &CodeUpload,
        stamp: &mut Stamp<'_>,
    ) -> Result<StoredFunction, LambdaError> {
        let name = input.function_name.unwrap_or_default();
        if !super::name::valid_name(&name) {
            return Err(LambdaError::constraint(
                "functionName",
                &name,
                "Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+",
            ));
        }
        if let Some(package_type) = input.package_type.as_deref()
            && package_type != "Zip"
        {
            return Err(LambdaError::InvalidParameterValue(format!(
                "PackageType {package_type} is not supported by Portico: upload a .zip file \
                 archive (PackageType Zip)."
            )));
        }
        if let Some(architectures) = &input.architectures
            && architectures.iter().any(|a| a != "x86_64" && a != "arm64")
        {
            return Err(LambdaError::constraint(
                "architectures",
                &architectures.join(","),
                "Member must satisfy enum value set: [x86_64, arm64]",
            ));
        }
        let runtime = input.runtime.ok_or_else(|| {
            LambdaError::InvalidParameterValue(
                "Runtime and Handler are mandatory parameters for functions created with Zip \
                 packages. "
                    .into(),
            )
        })?;
        validate::check_runtime(&runtime)?;
        let handler = input.handler.ok_or_else(|| {
            LambdaError::InvalidParameterValue(
                "Runtime and Handler are mandatory parameters for functions created with Zip \
                 packages. "
                    .into(),
            )
        })?;
        validate::check_handler(&handler)?;
        let role = input.role.unwrap_or_default();
        validate::check_role(&role)?;
        let description = input.description.unwrap_or_default();
        validate::check_description(&description)?;
        let timeout = input.timeout.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
        validate::check_timeout(timeout)?;
        let memory_size = input.memory_size.unwrap_or(DEFAULT_MEMORY_MB);
        validate::check_memory(memory_size)?;
        let environment = input.environment.filter(|env| !env.variables.is_empty());
        if let Some(environment) = &environment {
            validate::check_environment(&environment.variables)?;
        }
        crate::tags::validate(&input.tags)
            .map_err(|err| LambdaError::InvalidParameterValue(err.to_string()))?;
        let configuration = FunctionConfiguration {
            function_arn: function_arn(stamp.region, &name, None),
            function_name: name.clone(),
            runtime,
            role,
            handler,
            code_size: code.size,
            description,
            timeout,
            memory_size,
            last_modified: stamp.last_modified.to_owned(),
            code_sha256: code.sha256_base64.clone(),
            version: LATEST.into(),
            environment,
            revision_id: (stamp.new_revision_id)(),
            state: FunctionState::Pending,
            state_reason: Some("The function is being created.".into()),
            state_reason_code: Some("Creating".into()),
            last_update_status: LastUpdateStatus::Successful,
            last_update_status_reason: None,
            last_update_status_reason_code: None,
            package_type: "Zip".into(),
            architectures: input.architectures.unwrap_or_else(|| vec!["x86_64".into()]),
            tracing_config: TracingConfig::default(),
            ephemeral_storage: EphemeralStorage::default(),
            logging_config: LoggingConfig::for_function(&name),
        };
        Ok(StoredFunction {
            latest: StoredVersion {
                configuration,
                code_sha256_hex: code.sha256_hex.clone(),
            },
            versions: Vec::new(),
            next_version: 1,
            aliases: Vec::new(),
            statements: Vec::new(),
            policy_revision_id: None,
            reserved_concurrency: None,
            tags: input.tags,
        })
    }

    /// The function's name.
    pub fn name(&self) -> &str {
        &self.latest.configuration.function_name
    }

    /// Marks `$LATEST` ready: `Active` after creation, `Successful` after an update.
    pub fn activate(&mut self) {
        let configuration = &mut self.latest.configuration;
        configuration.state = FunctionState::Active;
        configuration.state_reason = None;
        configuration.state_reason_code = None;
        configuration.last_update_status = LastUpdateStatus::Successful;
        configuration.last_update_status_reason = None;
        configuration.last_update_status_reason_code = None;
    }

    /// Whether `$LATEST` is usable (not still being created).
    pub fn check_active(&self) -> Result<(), LambdaError> {
        match self.latest.configuration.state {
            FunctionState::Active => Ok(()),
            state => Err(LambdaError::not_ready(state.as_str())),
        }
    }

    /// The version a qualifier names (`None` and `$LATEST`: the latest; a number: that
    /// version; otherwise an alias's primary version).
    pub fn version(&self, qualifier: Option<&str>) -> Option<&StoredVersion> {
        match qualifier {
            None | Some(LATEST) => Some(&self.latest),
            Some(qualifier) if qualifier.bytes().all(|b| b.is_ascii_digit()) => self
                .versions
                .iter()
                .find(|version| version.configuration.version == qualifier),
            Some(alias) => {
                let alias = self.alias(alias)?;
                self.version(Some(&alias.function_version))
            }
        }
    }

    /// The alias named `name`.
    pub fn alias(&self, name: &str) -> Option<&AliasConfiguration> {
        self.aliases.iter().find(|alias| alias.name == name)
    }

    /// `UpdateFunctionCode`: new code for `$LATEST`.
    pub fn update_code(
        &mut self,
        code: &CodeUpload,
        revision_id: Option<&str>,
        stamp: &mut Stamp<'_>,
    ) -> Result<(), LambdaError> {
        self.check_revision(revision_id)?;
        self.check_updatable()?;
        let configuration = &mut self.latest.configuration;
        configuration.code_sha256 = code.sha256_base64.clone();
        configuration.code_size = code.size;
        self.latest.code_sha256_hex = code.sha256_hex.clone();
        self.begin_update(stamp);
        Ok(())
    }

    /// `UpdateFunctionConfiguration`.
    pub fn update_configuration(
        &mut self,
        input: UpdateConfigurationInput,
        stamp: &mut Stamp<'_>,
    ) -> Result<(), LambdaError> {
        self.check_revision(input.revision_id.as_deref())?;
        self.check_updatable()?;
        let configuration = &mut self.latest.configuration;
        if let Some(runtime) = input.runtime {
            validate::check_runtime(&runtime)?;
            configuration.runtime = runtime;
        }
        if let Some(role) = input.role {
            validate::check_role(&role)?;
            configuration.role = role;
        }
        if let Some(handler) = input.handler {
            validate::check_handler(&handler)?;
            configuration.handler = handler;
        }
        if let Some(description) = input.description {
            validate::check_description(&description)?;
            configuration.description = description;
        }
        if let Some(timeout) = input.timeout {
            validate::check_timeout(timeout)?;
            configuration.timeout = timeout;
        }
        if let Some(memory_size) = input.memory_size {
            validate::check_memory(memory_size)?;
            configuration.memory_size = memory_size;
        }
        if let Some(environment) = input.environment {
            validate::check_environment(&environment.variables)?;
            configuration.environment = Some(environment).filter(|env| !env.variables.is_empty());
        }
        self.begin_update(stamp);
        Ok(())
    }

    /// `PublishVersion`: freezes `$LATEST` as the next version, unless nothing changed since
    /// the last published version (then that version is returned, as AWS does).
    pub fn publish_version(
        &mut self,
        code_sha256: Option<&str>,
        description: Option<&str>,
        revision_id: Option<&str>,
        stamp: &mut Stamp<'_>,
    ) -> Result<FunctionConfiguration, LambdaError> {
        self.check_revision(revision_id)?;
        self.check_active()?;
        let latest = &self.latest.configuration;
        if let Some(expected) = code_sha256
            && expected != latest.code_sha256
        {
            return Err(LambdaError::InvalidParameterValue(format!(
                "CodeSHA256 ({expected}) is different from current CodeSHA256 in $LATEST \
                 ({}). Please try again with the CodeSHA256 in $LATEST.",
                latest.code_sha256
            )));
        }
        if let Some(last) = self.versions.last()
            && same_release(&last.configuration, latest)
        {
            return Ok(last.configuration.clone());
        }
        let number = self.next_version.to_string();
        let mut configuration = latest.clone();
        configuration.function_arn =
            function_arn(stamp.region, &latest.function_name, Some(&number));
        configuration.version = number;
        configuration.revision_id = (stamp.new_revision_id)();
        if let Some(description) = description {
            validate::check_description(description)?;
            configuration.description = description.to_owned();
        }
        self.versions.push(StoredVersion {
            configuration: configuration.clone(),
            code_sha256_hex: self.latest.code_sha256_hex.clone(),
        });
        self.next_version += 1;
        Ok(configuration)
    }

    /// Deletes a published version (`DeleteFunction` with a version qualifier).
    pub fn delete_version(&mut self, qualifier: &str) -> Result<(), LambdaError> {
        if qualifier == LATEST {
            return Err(LambdaError::InvalidParameterValue(
                "$LATEST version cannot be deleted without deleting the function.".into(),
            ));
        }
        if !qualifier.bytes().all(|b| b.is_ascii_digit()) {
            return Err(LambdaError::InvalidParameterValue(
                "Deletion of aliases is not currently supported.".into(),
            ));
        }
        let referencing: Vec<&str> = self
            .aliases
            .iter()
            .filter(|alias| {
                alias.function_version == qualifier
                    || alias
                        .routing_config
                        .as_ref()
                        .is_some_and(|r| r.additional_version_weights.contains_key(qualifier))
            })
            .map(|alias| alias.name.as_str())
            .collect();
        if !referencing.is_empty() {
            return Err(LambdaError::ResourceConflict(format!(
                "Unable to delete version because the following aliases reference it: [{}]",
                referencing.join(", ")
            )));
        }
        let before = self.versions.len();
        self.versions
            .retain(|version| version.configuration.version != qualifier);
        if self.versions.len() == before {
            return Err(LambdaError::function_not_found(&self.arn(Some(qualifier))));
        }
        self.drop_policy(qualifier);
        Ok(())
    }

    /// `CreateAlias`.
    pub fn create_alias(
        &mut self,
        input: CreateAliasInput,
        stamp: &mut Stamp<'_>,
    ) -> Result<AliasConfiguration, LambdaError> {
        let name = input.name.unwrap_or_default();
        validate::check_alias_name(&name)?;
        if self.alias(&name).is_some() {
            return Err(LambdaError::ResourceConflict(format!(
                "Alias already exists: {}",
                self.arn(Some(&name))
            )));
        }
        let version = input.function_version.unwrap_or_default();
        self.check_alias_target(&version, input.routing_config.as_ref())?;
        let description = input.description.unwrap_or_default();
        validate::check_description(&description)?;
        let alias = AliasConfiguration {
            alias_arn: function_arn(stamp.region, self.name(), Some(&name)),
            name,
            function_version: version,
            description,
            routing_config: input
                .routing_config
                .filter(|routing| !routing.additional_version_weights.is_empty()),
            revision_id: (stamp.new_revision_id)(),
        };
        self.aliases.push(alias.clone());
        Ok(alias)
    }

    /// `UpdateAlias`.
    pub fn update_alias(
        &mut self,
        name: &str,
        input: UpdateAliasInput,
        stamp: &mut Stamp<'_>,
    ) -> Result<AliasConfiguration, LambdaError> {
        let arn = self.arn(Some(name));
        let current = self
            .alias(name)
            .cloned()
            .ok_or_else(|| LambdaError::ResourceNotFound(format!("Alias not found: {arn}")))?;
        if let Some(revision_id) = input.revision_id.as_deref()
            && revision_id != current.revision_id
        {
            return Err(LambdaError::stale_revision());
        }
        let version = input
            .function_version
            .unwrap_or_else(|| current.function_version.clone());
        let routing = match input.routing_config {
            Some(routing) => Some(routing).filter(|r| !r.additional_version_weights.is_empty()),
            None => current.routing_config.clone(),
        };
        self.check_alias_target(&version, routing.as_ref())?;
        let mut updated = current;
        updated.function_version = version;
        updated.routing_config = routing;
        if let Some(description) = input.description {
            validate::check_description(&description)?;
            updated.description = description;
        }
        updated.revision_id = (stamp.new_revision_id)();
        for alias in &mut self.aliases {
            if alias.name == name {
                *alias = updated.clone();
            }
        }
        Ok(updated)
    }

    /// `DeleteAlias`.
    pub fn delete_alias(&mut self, name: &str) -> Result<(), LambdaError> {
        let before = self.aliases.len();
        self.aliases.retain(|alias| alias.name != name);
        if before == self.aliases.len() {
            return Err(LambdaError::ResourceNotFound(format!(
                "Alias not found: {}",
                self.arn(Some(name))
            )));
        }
        self.drop_policy(name);
        Ok(())
    }

    /// `AddPermission`: appends a statement to the policy of `qualifier` (a version or alias;
    /// the function's own policy when `None`). Each has its own policy, as on Lambda, so a
    /// statement id is unique within one of them; `$LATEST` has none.
    pub fn add_permission(
        &mut self,
        qualifier: Option<&str>,
        statement: Statement,
        revision_id: Option<&str>,
        new_revision_id: String,
    ) -> Result<(), LambdaError> {
        if qualifier == Some(LATEST) {
            return Err(LambdaError::InvalidParameterValue(
                "We currently do not support adding policies for $LATEST.".into(),
            ));
        }
        if let Some(revision_id) = revision_id
            && Some(revision_id) != self.policy_revision_id.as_deref()
        {
            return Err(LambdaError::stale_revision());
        }
        let resource = self.arn(qualifier);
        if self
            .statements
            .iter()
            .any(|s| s.sid == statement.sid && s.is_on(&resource))
        {
            return Err(LambdaError::ResourceConflict(
                "The statement id (sid) provided already exists. Please choose a new statement \
                 id, or remove the existing statement."
                    .into(),
            ));
        }
        self.statements.push(statement);
        self.policy_revision_id = Some(new_revision_id);
        Ok(())
    }

    /// `RemovePermission` from the policy of `qualifier`.
    pub fn remove_permission(
        &mut self,
        qualifier: Option<&str>,
        sid: &str,
        new_revision_id: String,
    ) -> Result<(), LambdaError> {
        let resource = self.arn(qualifier);
        let before = self.statements.len();
        self.statements
            .retain(|statement| statement.sid != sid || !statement.is_on(&resource));
        if before == self.statements.len() {
            return Err(LambdaError::ResourceNotFound(format!(
                "Statement {sid} is not found in resource policy."
            )));
        }
        self.policy_revision_id = Some(new_revision_id);
        Ok(())
    }

    /// `GetPolicy`'s document for `qualifier`, if its policy has statements.
    pub fn policy(&self, qualifier: Option<&str>) -> Option<String> {
        let resource = self.arn(qualifier);
        let statements: Vec<Statement> = self
            .statements
            .iter()
            .filter(|statement| statement.is_on(&resource))
            .cloned()
            .collect();
        (!statements.is_empty()).then(|| permission::policy_document(&statements))
    }

    /// Every policy of the function in one document, for the function host: each
    /// statement's `Resource` names the version or alias it applies to. Statement ids are
    /// left out: they are unique only within one qualifier's policy, and a policy document
    /// may not repeat them (evaluation never reads them).
    pub fn combined_policy(&self) -> Option<String> {
        let statements: Vec<Statement> = self
            .statements
            .iter()
            .map(|statement| {
                let mut document = statement.document.clone();
                if let Some(map) = document.as_object_mut() {
                    map.remove("Sid");
                }
                Statement {
                    sid: statement.sid.clone(),
                    document,
                }
            })
            .collect();
        (!statements.is_empty()).then(|| permission::policy_document(&statements))
    }

    /// Drops the policy of a deleted version or alias, so that one created again under the
    /// same name starts without it.
    fn drop_policy(&mut self, qualifier: &str) {
        let resource = self.arn(Some(qualifier));
        self.statements
            .retain(|statement| !statement.is_on(&resource));
    }

    /// The function's ARN, qualified when `qualifier` is given.
    pub fn arn(&self, qualifier: Option<&str>) -> String {
        let unqualified = &self.latest.configuration.function_arn;
        match qualifier {
            Some(qualifier) => format!("{unqualified}:{qualifier}"),
            None => unqualified.clone(),
        }
    }

    fn check_revision(&self, revision_id: Option<&str>) -> Result<(), LambdaError> {
        match revision_id {
            Some(revision_id) if revision_id != self.latest.configuration.revision_id => {
                Err(LambdaError::stale_revision())
            }
            _ => Ok(()),
        }
    }

    fn check_updatable(&self) -> Result<(), LambdaError> {
        let configuration = &self.latest.configuration;
        if configuration.state == FunctionState::Pending {
            return Err(LambdaError::not_ready("Pending"));
        }
        if configuration.last_update_status == LastUpdateStatus::InProgress {
            return Err(LambdaError::ResourceConflict(format!(
                "The operation cannot be performed at this time. An update is in progress for \
                 resource: {}",
                configuration.function_arn
            )));
        }
        Ok(())
    }

    fn begin_update(&mut self, stamp: &mut Stamp<'_>) {
        let configuration = &mut self.latest.configuration;
        configuration.last_modified = stamp.last_modified.to_owned();
        configuration.revision_id = (stamp.new_revision_id)();
        configuration.last_update_status = LastUpdateStatus::InProgress;
        configuration.last_update_status_reason = Some("The function is being created.".into());
        configuration.last_update_status_reason_code = Some("Creating".into());
    }

    fn check_alias_target(
        &self,
        version: &str,
        routing: Option<&AliasRoutingConfiguration>,
    ) -> Result<(), LambdaError> {
        // An alias points at `$LATEST` or a published version (not at another alias).
        let is_version = version == LATEST || version.bytes().all(|b| b.is_ascii_digit());
        if !is_version || self.version(Some(version)).is_none() {
            return Err(LambdaError::function_not_found(&self.arn(Some(version))));
        }
        let Some(routing) = routing else {
            return Ok(());
        };
        if routing.additional_version_weights.len() > 1 {
            return Err(LambdaError::InvalidParameterValue(
                "Number of items in AdditionalVersionWeights cannot be greater than 1".into(),
            ));
        }
        for (other, weight) in &routing.additional_version_weights {
            if !(0.0..=1.0).contains(weight) {
                return Err(LambdaError::constraint(
                    "routingConfig.additionalVersionWeights",
                    &weight.to_string(),
                    "Member must have value less than or equal to 1.0",
                ));
            }
            if version == LATEST || other == LATEST {
                return Err(LambdaError::InvalidParameterValue(
                    "$LATEST is not supported for an alias pointing to more than 1 version".into(),
                ));
            }
            if other == version {
                return Err(LambdaError::InvalidParameterValue(format!(
                    "Invalid function version {other}. Function version {other} is already \
                     included in routing configuration."
                )));
            }
            if self.version(Some(other)).is_none() {
                return Err(LambdaError::function_not_found(&self.arn(Some(other))));
            }
        }
        Ok(())
    }
}

/// Whether two configurations would run the same way (what `PublishVersion` compares).
fn same_release(published: &FunctionConfiguration, latest: &FunctionConfiguration) -> bool {
    published.code_sha256 == latest.code_sha256
        && published.runtime == latest.runtime
        && published.handler == latest.handler
        && published.role == latest.role
        && published.timeout == latest.timeout
        && published.memory_size == latest.memory_size
        && published.environment == latest.environment
}
