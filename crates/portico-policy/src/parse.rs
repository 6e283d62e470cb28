//! The policy grammar: JSON to a compiled `Policy`, rejecting what IAM rejects with IAM's
//! `MalformedPolicyDocument` messages.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::condition::Condition;
use crate::error::PolicyError;
use crate::pattern::{Case, Pattern, Variables, Wildcards};
use crate::principal::{PrincipalMatcher, parse_principal};

const SYNTAX_ERROR: &str = "Syntax errors in policy.";

/// Which kind of policy a document is; it decides whether `Principal` is required or forbidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// Attached to a user, group or role: must not name a principal.
    Identity,
    /// Attached to a resource (an API's resource policy): every statement names a principal.
    Resource,
}

/// The policy language version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `2012-10-17`: the current language, with policy variables.
    V2012_10_17,
    /// `2008-10-17`: the old language; `${...}` is plain text.
    V2008_10_17,
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The statement grants access.
    Allow,
    /// The statement denies access, overriding any Allow.
    Deny,
}

/// How to parse: the kind of policy and its size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Identity or resource policy.
    pub kind: PolicyKind,
    /// Maximum document size in characters. Identity policies do not count whitespace, as IAM
    /// does not; resource policies count every character.
    pub max_chars: usize,
}

/// A parsed and compiled policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub(crate) version: Option<Version>,
    pub(crate) id: Option<String>,
    pub(crate) kind: PolicyKind,
    pub(crate) statements: Vec<Statement>,
}

/// One statement of a policy, compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub(crate) sid: Option<String>,
    pub(crate) effect: Effect,
    pub(crate) principal: Option<PrincipalMatcher>,
    pub(crate) action: Matcher,
    pub(crate) resource: Matcher,
    pub(crate) conditions: Vec<Condition>,
}

/// `Action`/`NotAction` or `Resource`/`NotResource`: a list of patterns, possibly negated.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Matcher {
    pub(crate) negated: bool,
    pub(crate) patterns: Vec<Pattern>,
}

// === impl ParseOptions ===

impl ParseOptions {
    /// The IAM defaults: 6144 characters for managed identity policies, 20480 for resource
    /// policies. (API Gateway's own limit for `RestApi.policy` is 8192; pass it explicitly.)
    pub fn for_kind(kind: PolicyKind) -> ParseOptions {
        let max_chars = match kind {
            PolicyKind::Identity => 6144,
            PolicyKind::Resource => 20_480,
        };
        ParseOptions { kind, max_chars }
    }
}

// === impl Policy ===

impl Policy {
    /// Parses a policy document of `kind` with that kind's default size limit.
    pub fn parse(json: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        Policy::parse_with(json, ParseOptions::for_kind(kind))
    }

    /// Parses a policy document with explicit options.
    pub fn parse_with(json: &str, options: ParseOptions) -> Result<Policy, PolicyError> {
        let size = match options.kind {
            PolicyKind::Identity => json.chars().filter(|c| !c.is_whitespace()).count(),
            PolicyKind::Resource => json.chars().count(),
        };
        if size > options.max_chars {
            return Err(PolicyError::TooLarge {
                limit: options.max_chars,
            });
        }
        let document: Value =
            serde_json::from_str(json).map_err(|_| PolicyError::malformed(SYNTAX_ERROR))?;
        let Value::Object(document) = document else {
            return Err(PolicyError::malformed(SYNTAX_ERROR));
        };
        check_fields(&document, &["Version", "Id", "Statement"])?;
        let version = match document.get("Version") {
            None => None,
            Some(Value::String(version)) if version == "2012-10-17" => Some(Version::V2012_10_17),
            Some(Value::String(version)) if version == "2008-10-17" => Some(Version::V2008_10_17),
            Some(_) => return Err(PolicyError::malformed("The policy failed legacy parsing")),
        };
        let id = optional_string(&document, "Id")?;
        let variables = match version {
            Some(Version::V2012_10_17) => Variables::Expand,
            _ => Variables::Literal,
        };
        let statements = match document.get("Statement") {
            None => return Err(missing("Statement")),
            Some(Value::Array(statements)) => statements.iter().collect(),
            Some(statement) => vec![statement],
        };
        let mut sids = BTreeSet::new();
        let statements = statements
            .into_iter()
            .map(|statement| {
                let statement = parse_statement(statement, options.kind, variables)?;
                if let Some(sid) = &statement.sid
                    && !sids.insert(sid.clone())
                {
                    return Err(PolicyError::malformed(
                        "Statement IDs (SID) in a single policy must be unique.",
                    ));
                }
                Ok(statement)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Policy {
            version,
            id,
            kind: options.kind,
            statements,
        })
    }

    /// The `Version`, if the document has one.
    pub fn version(&self) -> Option<Version> {
        self.version
    }

    /// The `Id`, if the document has one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Whether this is an identity or a resource policy.
    pub fn kind(&self) -> PolicyKind {
        self.kind
    }

    /// The statements, in document order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// Every condition key the policy reads (in conditions and as `${…}` variables),
    /// lowercased, so that a caller can build only the keys evaluation will look at.
    pub fn condition_keys(&self) -> BTreeSet<String> {
        let mut keys = BTreeSet::new();
        for statement in &self.statements {
            let patterns = statement
                .action
                .patterns
                .iter()
                .chain(&statement.resource.patterns);
            keys.extend(patterns.flat_map(Pattern::variable_keys).map(str::to_owned));
            for condition in &statement.conditions {
                keys.extend(condition.keys().map(str::to_owned));
            }
        }
        keys
    }
}

// === impl Statement ===

impl Statement {
    /// The `Sid`, if any.
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    /// `Allow` or `Deny`.
    pub fn effect(&self) -> Effect {
        self.effect
    }
}

fn parse_statement(
    value: &Value,
    kind: PolicyKind,
    variables: Variables,
) -> Result<Statement, PolicyError> {
    let Value::Object(statement) = value else {
        return Err(PolicyError::malformed(SYNTAX_ERROR));
    };
    check_fields(
        statement,
        &[
            "Sid",
            "Effect",
            "Principal",
            "NotPrincipal",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Condition",
        ],
    )?;
    let sid = optional_string(statement, "Sid")?;
    if let (Some(sid), PolicyKind::Identity) = (&sid, kind)
        && !sid.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(PolicyError::malformed(
            "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
        ));
    }
    let effect = match statement.get("Effect") {
        None => return Err(missing("Effect")),
        Some(Value::String(effect)) if effect == "Allow" => Effect::Allow,
        Some(Value::String(effect)) if effect == "Deny" => Effect::Deny,
        Some(Value::String(effect)) => {
            return Err(PolicyError::malformed(format!("Invalid effect: {effect}")));
        }
        Some(_) => return Err(PolicyError::malformed(SYNTAX_ERROR)),
    };
    let principal = parse_principal(statement, kind)?;
    let action = match pick(statement, "Action", "NotAction")? {
        None => {
            return Err(PolicyError::malformed(
                "Policy statement must contain actions.",
            ));
        }
        Some((negated, value)) => {
            let actions = strings(value)?;
            if actions.is_empty() {
                return Err(PolicyError::malformed(
                    "Policy statement must contain actions.",
                ));
            }
            let patterns = actions
                .iter()
                .map(|action| {
                    if action != "*" && !action.contains(':') {
                        return Err(PolicyError::malformed(
                            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
                        ));
                    }
                    Ok(Pattern::compile(action, Case::Insensitive, Wildcards::Glob, Variables::Literal))
                })
                .collect::<Result<_, _>>()?;
            Matcher { negated, patterns }
        }
    };
    let resource = match pick(statement, "Resource", "NotResource")? {
        None => {
            return Err(PolicyError::malformed(
                "Policy statement must contain resources.",
            ));
        }
        Some((negated, value)) => {
            let resources = strings(value)?;
            if resources.is_empty() {
                return Err(PolicyError::malformed(
                    "Policy statement must contain resources.",
                ));
            }
            let patterns = resources
                .iter()
                .map(|resource| {
                    if resource != "*" && !resource.starts_with("arn:") {
                        return Err(PolicyError::malformed(format!(
                            "Resource {resource} must be in ARN format or \"*\"."
                        )));
                    }
                    Ok(Pattern::compile(
                        resource,
                        Case::Sensitive,
                        Wildcards::Glob,
                        variables,
                    ))
                })
                .collect::<Result<_, _>>()?;
            Matcher { negated, patterns }
        }
    };
    let conditions = match statement.get("Condition") {
        None => Vec::new(),
        Some(condition) => parse_conditions(condition, variables)?,
    };
    Ok(Statement {
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

fn parse_conditions(value: &Value, variables: Variables) -> Result<Vec<Condition>, PolicyError> {
    let Value::Object(operators) = value else {
        return Err(PolicyError::malformed(SYNTAX_ERROR));
    };
    let mut conditions = Vec::new();
    for (operator, block) in operators {
        let Value::Object(block) = block else {
            return Err(PolicyError::malformed(SYNTAX_ERROR));
        };
        for (key, values) in block {
            let values = match values {
                Value::Array(values) => values.iter().map(scalar).collect::<Result<Vec<_>, _>>()?,
                value => vec![scalar(value)?],
            };
            conditions.push(Condition::compile(operator, key, &values, variables)?);
        }
    }
    Ok(conditions)
}

fn scalar(value: &Value) -> Result<String, PolicyError> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Number(number) => Ok(number.to_string()),
        Value::Bool(flag) => Ok(flag.to_string()),
        _ => Err(PolicyError::malformed(SYNTAX_ERROR)),
    }
}

/// Exactly one of `positive`/`negative` (or neither): `(negated, value)`.
pub(crate) fn pick<'a>(
    statement: &'a Map<String, Value>,
    positive: &str,
    negative: &str,
) -> Result<Option<(bool, &'a Value)>, PolicyError> {
    match (statement.get(positive), statement.get(negative)) {
        (Some(_), Some(_)) => Err(PolicyError::malformed(format!(
            "Statement must not contain both {positive} and {negative}"
        ))),
        (Some(value), None) => Ok(Some((false, value))),
        (None, Some(value)) => Ok(Some((true, value))),
        (None, None) => Ok(None),
    }
}

/// A string or an array of strings.
pub(crate) fn strings(value: &Value) -> Result<Vec<String>, PolicyError> {
    match value {
        Value::String(text) => Ok(vec![text.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(text) => Ok(text.clone()),
                _ => Err(PolicyError::malformed(SYNTAX_ERROR)),
            })
            .collect(),
        _ => Err(PolicyError::malformed(SYNTAX_ERROR)),
    }
}

fn optional_string(
    object: &Map<String, Value>,
    field: &str,
) -> Result<Option<String>, PolicyError> {
    match object.get(field) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(PolicyError::malformed(SYNTAX_ERROR)),
    }
}

fn check_fields(object: &Map<String, Value>, known: &[&str]) -> Result<(), PolicyError> {
    match object.keys().find(|key| !known.contains(&key.as_str())) {
        Some(unknown) => Err(PolicyError::malformed(format!("Unknown field {unknown}"))),
        None => Ok(()),
    }
}

pub(crate) fn missing(field: &str) -> PolicyError {
    PolicyError::malformed(format!("Missing required field {field}"))
}
