//! A function's resource-based policy: `AddPermission` turns its parameters into one policy
//! statement, as Lambda does.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::LambdaError;

/// `AddPermission`'s parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddPermissionInput {
    pub statement_id: Option<String>,
    pub action: Option<String>,
    pub principal: Option<String>,
    pub source_arn: Option<String>,
    pub source_account: Option<String>,
    pub event_source_token: Option<String>,
    #[serde(rename = "PrincipalOrgID")]
    pub principal_org_id: Option<String>,
    pub revision_id: Option<String>,
}

/// One statement of a function policy, kept as the JSON AWS shows in `GetPolicy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub sid: String,
    /// The statement document (`Sid`, `Effect`, `Principal`, `Action`, `Resource`, `Condition`).
    pub document: Value,
}

// === impl Statement ===

impl Statement {
    /// Whether the statement belongs to the policy of `resource_arn` (its `Resource`).
    pub fn is_on(&self, resource_arn: &str) -> bool {
        self.document.get("Resource").and_then(Value::as_str) == Some(resource_arn)
    }
}

// === impl AddPermissionInput ===

impl AddPermissionInput {
    /// Validates the input and builds the statement granting it on `resource_arn`.
    pub fn into_statement(self, resource_arn: &str) -> Result<Statement, LambdaError> {
        let sid = required(self.statement_id, "statementId")?;
        let valid_sid = !sid.is_empty()
            && sid.len() <= 100
            && sid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !valid_sid {
            return Err(LambdaError::constraint(
                "statementId",
                &sid,
                "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)",
            ));
        }
        let action = required(self.action, "action")?;
        let valid_action = action == "*"
            || action == "lambda:*"
            || action.strip_prefix("lambda:").is_some_and(|name| {
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphabetic())
            });
        if !valid_action {
            return Err(LambdaError::constraint(
                "action",
                &action,
                "Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])",
            ));
        }
        let principal = required(self.principal, "principal")?;
        if principal.is_empty() || principal.chars().any(char::is_whitespace) {
            return Err(LambdaError::constraint(
                "principal",
                &principal,
                "Member must satisfy regular expression pattern: [^\\s]+",
            ));
        }
        let mut conditions: Map<String, Value> = Map::new();
        if let Some(source_account) = &self.source_account {
            insert_condition(
                &mut conditions,
                "StringEquals",
                "AWS:SourceAccount",
                source_account,
            );
        }
        if let Some(token) = &self.event_source_token {
            insert_condition(
                &mut conditions,
                "StringEquals",
                "lambda:EventSourceToken",
                token,
            );
        }
        if let Some(org) = &self.principal_org_id {
            insert_condition(&mut conditions, "StringEquals", "aws:PrincipalOrgID", org);
        }
        if let Some(source_arn) = &self.source_arn {
            insert_condition(&mut conditions, "ArnLike", "AWS:SourceArn", source_arn);
        }
        let mut document = json!({
            "Sid": sid,
            "Effect": "Allow",
            "Principal": principal_value(&principal),
            "Action": action,
            "Resource": resource_arn,
        });
        if !conditions.is_empty()
            && let Value::Object(map) = &mut document
        {
            map.insert("Condition".into(), Value::Object(conditions));
        }
        Ok(Statement { sid, document })
    }
}

/// The policy document of a function's statements (`GetPolicy`'s `Policy`).
pub fn policy_document(statements: &[Statement]) -> String {
    json!({
        "Version": "2012-10-17",
        "Id": "default",
        "Statement": statements.iter().map(|s| &s.document).collect::<Vec<_>>(),
    })
    .to_string()
}

/// Lambda's principal forms: `*`, an account id, a service (`apigateway.amazonaws.com`) or an ARN.
fn principal_value(principal: &str) -> Value {
    if principal == "*" {
        Value::String("*".into())
    } else if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        json!({ "AWS": format!("arn:aws:iam::{principal}:root") })
    } else if principal.starts_with("arn:") {
        json!({ "AWS": principal })
    } else {
        json!({ "Service": principal })
    }
}

fn insert_condition(conditions: &mut Map<String, Value>, operator: &str, key: &str, value: &str) {
    if let Value::Object(keys) = conditions
        .entry(operator)
        .or_insert_with(|| Value::Object(Map::new()))
    {
        keys.insert(key.into(), Value::String(value.into()));
    }
}

fn required(value: Option<String>, field: &str) -> Result<String, LambdaError> {
    value.ok_or_else(|| LambdaError::constraint(field, "null", "Member must not be null"))
}
