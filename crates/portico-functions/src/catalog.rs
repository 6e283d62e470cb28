//! The functions and aliases the host serves, as the control plane publishes them, and the
//! compiled form that invocations resolve against with one atomic load and hash lookups.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::arn::{self, RefError};
use crate::invocation::InvokeError;
use crate::pool::FunctionPool;

/// Everything the host serves; [`crate::FunctionHost::publish`] replaces it whole.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    pub functions: Vec<FunctionSpec>,
    pub aliases: Vec<AliasSpec>,
    /// Resource-based policies (`AddPermission`) by function name: who else may invoke.
    pub policies: Vec<(String, Arc<portico_policy::Policy>)>,
}

/// One version of a function (`$LATEST` or a published number).
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionSpec {
    pub name: String,
    /// `$LATEST`, `1`, `2`…
    pub version: String,
    pub runtime: Runtime,
    /// `module.function` for Python; passed as `_HANDLER` to every runtime.
    pub handler: String,
    /// Hex SHA-256 of the code zip, stored at [`crate::code::zip_path`] (AWS's base64
    /// `CodeSha256` form is accepted too).
    pub code_sha256: String,
    pub environment: BTreeMap<String, String>,
    pub timeout: Duration,
    pub memory_mb: u32,
    /// `Some(0)` throttles every invocation; shared by all versions of the name (the
    /// `$LATEST` spec's value counts).
    pub reserved_concurrency: Option<u32>,
}

/// The runtimes the host can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runtime {
    /// `python3.x`, holding the minor version (`"3.12"`); run by Portico's bootstrap.
    Python(String),
    /// `provided.al2` or `provided.al2023` (the whole identifier); runs `{task root}/bootstrap`.
    Provided(String),
}

/// An alias of a function: a name for a version, optionally splitting traffic.
#[derive(Debug, Clone, PartialEq)]
pub struct AliasSpec {
    pub function: String,
    pub name: String,
    pub version: String,
    /// `RoutingConfig.AdditionalVersionWeights`: (version, weight in 0..=1).
    pub additional_weights: Vec<(String, f64)>,
}

/// The catalog prepared for lookups; pools carry over from the previous one by name.
#[derive(Default)]
pub(crate) struct Compiled {
    functions: HashMap<String, CompiledFunction>,
}

/// One function name with its versions, aliases and worker pool.
pub(crate) struct CompiledFunction {
    pub(crate) pool: Arc<FunctionPool>,
    pub(crate) reserved_concurrency: Option<u32>,
    /// The function's resource-based policy, if it has statements.
    pub(crate) policy: Option<Arc<portico_policy::Policy>>,
    versions: HashMap<String, Arc<FunctionSpec>>,
    aliases: HashMap<String, CompiledAlias>,
}

struct CompiledAlias {
    version: String,
    additional_weights: Vec<(String, f64)>,
}

/// What an invocation runs.
pub(crate) struct Target<'a> {
    pub(crate) function: &'a CompiledFunction,
    pub(crate) spec: &'a Arc<FunctionSpec>,
    /// The ARN as the caller named it (qualified when the caller qualified it).
    pub(crate) invoked_arn: String,
}

/// The ARN context of the host.
pub(crate) struct Account<'a> {
    pub(crate) region: &'a str,
    pub(crate) account_id: &'a str,
}

// === impl Runtime ===

impl Runtime {
    /// Parses an AWS runtime identifier (`python3.12`, `provided.al2023`).
    pub fn parse(identifier: &str) -> Option<Runtime> {
        if let Some(minor) = identifier.strip_prefix("python") {
            let (major, rest) = minor.split_once('.')?;
            let is_number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            return (major == "3" && is_number(rest)).then(|| Runtime::Python(minor.to_owned()));
        }
        matches!(identifier, "provided" | "provided.al2" | "provided.al2023")
            .then(|| Runtime::Provided(identifier.to_owned()))
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Runtime::Python(minor) => write!(f, "python{minor}"),
            Runtime::Provided(identifier) => f.write_str(identifier),
        }
    }
}

// === impl Compiled ===

impl Compiled {
    /// The code digests of every version in the catalog.
    pub(crate) fn code_digests(&self) -> impl Iterator<Item = &str> {
        self.functions
            .values()
            .flat_map(|function| function.versions.values())
            .map(|spec| spec.code_sha256.as_str())
    }

    /// Prepares `catalog`, reusing `previous`'s pools by name and its specs where unchanged,
    /// so that warm workers of unchanged versions stay current (compared by pointer).
    pub(crate) fn compile(catalog: Catalog, previous: &Compiled) -> Compiled {
        let mut functions: HashMap<String, CompiledFunction> = HashMap::new();
        for spec in catalog.functions {
            let name = spec.name.clone();
            let function = functions.entry(name.clone()).or_insert_with(|| {
                let pool = previous.functions.get(&name).map_or_else(
                    || Arc::new(FunctionPool::new(name.clone())),
                    |old| Arc::clone(&old.pool),
                );
                CompiledFunction {
                    pool,
                    reserved_concurrency: None,
                    policy: None,
                    versions: HashMap::new(),
                    aliases: HashMap::new(),
                }
            });
            if spec.version == LATEST || function.versions.is_empty() {
                function.reserved_concurrency = spec.reserved_concurrency;
            }
            let unchanged = previous
                .functions
                .get(&name)
                .and_then(|old| old.versions.get(&spec.version))
                .filter(|old| ***old == spec)
                .cloned();
            let spec = unchanged.unwrap_or_else(|| Arc::new(spec));
            function.versions.insert(spec.version.clone(), spec);
        }
        for alias in catalog.aliases {
            if let Some(function) = functions.get_mut(&alias.function) {
                function.aliases.insert(
                    alias.name,
                    CompiledAlias {
                        version: alias.version,
                        additional_weights: alias.additional_weights,
                    },
                );
            }
        }
        for (name, policy) in catalog.policies {
            if let Some(function) = functions.get_mut(&name) {
                function.policy = Some(policy);
            }
        }
        Compiled { functions }
    }

    /// Finds what `function` (name or ARN) with `qualifier` runs; an alias with weights picks
    /// a version at random by weight.
    pub(crate) fn resolve<'a>(
        &'a self,
        function: &str,
        qualifier: Option<&str>,
        account: &Account<'_>,
    ) -> Result<Target<'a>, InvokeError> {
        let not_found = |name: &str, qualifier: Option<&str>| InvokeError::NotFound {
            message: format!(
                "Function not found: {}",
                arn::function_arn(account.region, account.account_id, name, qualifier)
            ),
        };
        let reference = match arn::parse(function, account.region, account.account_id) {
            Ok(reference) => reference,
            Err(RefError::Foreign) => {
                return Err(InvokeError::NotFound {
                    message: format!("Function not found: {function}"),
                });
            }
        };
        let qualifier = match (reference.qualifier, qualifier) {
            (Some(derived), Some(given)) if derived != given => {
                return Err(InvokeError::InvalidParameterValue {
                    message: "The derived qualifier from the function name does not match the specified qualifier."
                        .to_owned(),
                });
            }
            (derived, given) => derived.or(given),
        };
        let compiled = self
            .functions
            .get(reference.name)
            .ok_or_else(|| not_found(reference.name, qualifier))?;
        let version = match qualifier {
            None => LATEST,
            Some(q) if compiled.versions.contains_key(q) => q,
            Some(q) => match compiled.aliases.get(q) {
                Some(alias) => alias.pick_version(rand::random::<f64>()),
                None => return Err(not_found(reference.name, qualifier)),
            },
        };
        let spec = compiled
            .versions
            .get(version)
            .ok_or_else(|| not_found(reference.name, qualifier))?;
        Ok(Target {
            function: compiled,
            spec,
            invoked_arn: arn::function_arn(
                account.region,
                account.account_id,
                reference.name,
                qualifier,
            ),
        })
    }

    /// Whether `spec` is still what its version runs (workers started with anything else
    /// retire).
    pub(crate) fn is_current(&self, spec: &Arc<FunctionSpec>) -> bool {
        self.functions
            .get(&spec.name)
            .and_then(|function| function.versions.get(&spec.version))
            .is_some_and(|current| Arc::ptr_eq(current, spec))
    }

    /// Every function's pool.
    pub(crate) fn pools(&self) -> impl Iterator<Item = &Arc<FunctionPool>> {
        self.functions.values().map(|function| &function.pool)
    }
}

/// The version every unqualified invocation runs.
const LATEST: &str = "$LATEST";

// === impl CompiledAlias ===

impl CompiledAlias {
    /// The version for a uniform `draw` in `0..1`: each additional version takes its weight's
    /// share of draws, the alias's own version the rest.
    fn pick_version(&self, draw: f64) -> &str {
        let mut threshold = 0.0;
        for (version, weight) in &self.additional_weights {
            threshold += weight;
            if draw < threshold {
                return version;
            }
        }
        &self.version
    }
}

#[cfg(test)]
mod tests;
