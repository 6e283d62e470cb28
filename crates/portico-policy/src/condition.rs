//! `Condition` blocks: every operator family, the `...IfExists` suffix and the
//! `ForAnyValue:` / `ForAllValues:` set prefixes, with values compiled at parse time.
//!
//! Semantics follow the IAM documentation: several keys in one operator are ANDed (the caller
//! keeps one `Condition` per key and requires all); several values for one key are ORed, and for
//! a negated operator (`StringNotEquals`, `NotIpAddress`…) the key must match none of them. A
//! missing key makes the condition false, except with `...IfExists` and negated operators
//! (true), `ForAllValues` (true) and `Null`, which tests for exactly that.

use crate::context::ConditionKeys;
use crate::date;
use crate::error::PolicyError;
use crate::ip::Cidr;
use crate::pattern::{Case, Pattern, Variables, Wildcards};

/// One operator applied to one key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    qualifier: Qualifier,
    if_exists: bool,
    negated: bool,
    /// Lowercased, since condition key names are case-insensitive.
    key: String,
    values: Values,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Qualifier {
    Single,
    ForAnyValue,
    ForAllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Equals,
    LessThan,
    LessThanEquals,
    GreaterThan,
    GreaterThanEquals,
}

/// The policy values, already in the form the operator compares.
#[derive(Debug, Clone, PartialEq)]
enum Values {
    Strings(Vec<Pattern>),
    Numbers(Comparison, Vec<f64>),
    Dates(Comparison, Vec<f64>),
    Bools(Vec<String>),
    Binary(Vec<String>),
    Cidrs(Vec<Cidr>),
    Arns(Vec<ArnPattern>),
    Null(Vec<bool>),
}

/// The operator family before values are compiled.
#[derive(Debug, Clone, Copy)]
enum Family {
    String(Case, Wildcards),
    Numeric(Comparison),
    Date(Comparison),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

/// An ARN pattern matched part by part: `arn:partition:service:region:account:resource`.
#[derive(Debug, Clone, PartialEq)]
struct ArnPattern {
    parts: Vec<Pattern>,
}

// === impl Condition ===

impl Condition {
    /// The lowercased condition keys this condition reads: its own key and any policy
    /// variables in its values.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        let patterns: &[Pattern] = match &self.values {
            Values::Strings(patterns) => patterns,
            Values::Arns(arns) => {
                return std::iter::once(self.key.as_str()).chain(
                    arns.iter()
                        .flat_map(|arn| arn.parts.iter())
                        .flat_map(Pattern::variable_keys)
                        .collect::<Vec<_>>(),
                );
            }
            _ => &[],
        };
        std::iter::once(self.key.as_str()).chain(
            patterns
                .iter()
                .flat_map(Pattern::variable_keys)
                .collect::<Vec<_>>(),
        )
    }

    /// Compiles `operator: {key: values}` for one key. `values` are the JSON scalars already
    /// turned to text.
    pub(crate) fn compile(
        operator: &str,
        key: &str,
        values: &[String],
        variables: Variables,
    ) -> Result<Condition, PolicyError> {
        let invalid = || PolicyError::malformed(format!("Invalid Condition operator: {operator}"));
        let (qualifier, name) = if let Some(name) = operator.strip_prefix("ForAnyValue:") {
            (Qualifier::ForAnyValue, name)
        } else if let Some(name) = operator.strip_prefix("ForAllValues:") {
            (Qualifier::ForAllValues, name)
        } else {
            (Qualifier::Single, operator)
        };
        let (name, if_exists) = match name.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (name, false),
        };
        let (family, negated) = family(name).ok_or_else(invalid)?;
        if if_exists && matches!(family, Family::Null) {
            return Err(invalid());
        }
        let bad_value = |value: &str| {
            PolicyError::malformed(format!(
                "Invalid value for Condition operator {operator}: {value}"
            ))
        };
        let values = match family {
            Family::String(case, wildcards) => Values::Strings(
                values
                    .iter()
                    .map(|value| Pattern::compile(value, case, wildcards, variables))
                    .collect(),
            ),
            Family::Numeric(comparison) => Values::Numbers(
                comparison,
                values
                    .iter()
                    .map(|value| parse_number(value).ok_or_else(|| bad_value(value)))
                    .collect::<Result<_, _>>()?,
            ),
            Family::Date(comparison) => Values::Dates(
                comparison,
                values
                    .iter()
                    .map(|value| date::parse(value).ok_or_else(|| bad_value(value)))
                    .collect::<Result<_, _>>()?,
            ),
            Family::Bool => Values::Bools(values.iter().map(|v| v.to_ascii_lowercase()).collect()),
            Family::Binary => Values::Binary(
                values
                    .iter()
                    .map(|value| {
                        is_base64(value)
                            .then(|| value.clone())
                            .ok_or_else(|| bad_value(value))
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Family::Ip => Values::Cidrs(
                values
                    .iter()
                    .map(|value| Cidr::parse(value).ok_or_else(|| bad_value(value)))
                    .collect::<Result<_, _>>()?,
            ),
            Family::Arn => Values::Arns(
                values
                    .iter()
                    .map(|value| ArnPattern::compile(value, variables))
                    .collect(),
            ),
            Family::Null => Values::Null(
                values
                    .iter()
                    .map(|value| match value.to_ascii_lowercase().as_str() {
                        "true" => Ok(true),
                        "false" => Ok(false),
                        _ => Err(bad_value(value)),
                    })
                    .collect::<Result<_, _>>()?,
            ),
        };
        Ok(Condition {
            qualifier,
            if_exists,
            negated,
            key: key.to_ascii_lowercase(),
            values,
        })
    }

    /// Whether the request satisfies this condition.
    pub(crate) fn evaluate(&self, keys: &ConditionKeys) -> bool {
        let present = keys
            .get_lowercase(&self.key)
            .filter(|values| !values.is_empty());
        if let Values::Null(expected) = &self.values {
            let absent = present.is_none();
            return expected.contains(&absent);
        }
        let Some(actual) = present else {
            return match self.qualifier {
                Qualifier::ForAllValues => true,
                Qualifier::ForAnyValue => self.if_exists,
                Qualifier::Single => self.if_exists || self.negated,
            };
        };
        // For one request value: does it satisfy the operator (a negated operator: matches no
        // policy value)?
        let satisfies = |value: &String| self.matches_any(value, keys) != self.negated;
        match self.qualifier {
            Qualifier::Single if self.negated => {
                !actual.iter().any(|value| self.matches_any(value, keys))
            }
            Qualifier::Single | Qualifier::ForAnyValue => actual.iter().any(satisfies),
            Qualifier::ForAllValues => actual.iter().all(satisfies),
        }
    }

    /// Whether one request value matches any policy value under the positive operator.
    fn matches_any(&self, actual: &str, keys: &ConditionKeys) -> bool {
        match &self.values {
            Values::Strings(patterns) => patterns.iter().any(|p| p.matches(actual, keys)),
            Values::Numbers(comparison, expected) => parse_number(actual)
                .is_some_and(|actual| expected.iter().any(|&e| comparison.holds(actual, e))),
            Values::Dates(comparison, expected) => date::parse(actual)
                .is_some_and(|actual| expected.iter().any(|&e| comparison.holds(actual, e))),
            Values::Bools(expected) => expected.iter().any(|e| e.eq_ignore_ascii_case(actual)),
            Values::Binary(expected) => expected.iter().any(|e| e == actual),
            Values::Cidrs(cidrs) => cidrs.iter().any(|cidr| cidr.contains(actual)),
            Values::Arns(patterns) => patterns.iter().any(|p| p.matches(actual, keys)),
            Values::Null(_) => false,
        }
    }
}

// === impl Comparison ===

impl Comparison {
    fn holds(self, actual: f64, expected: f64) -> bool {
        match self {
            Comparison::Equals => actual == expected,
            Comparison::LessThan => actual < expected,
            Comparison::LessThanEquals => actual <= expected,
            Comparison::GreaterThan => actual > expected,
            Comparison::GreaterThanEquals => actual >= expected,
        }
    }
}

// === impl ArnPattern ===

impl ArnPattern {
    fn compile(source: &str, variables: Variables) -> ArnPattern {
        let parts = source
            .splitn(6, ':')
            .map(|part| Pattern::compile(part, Case::Sensitive, Wildcards::Glob, variables))
            .collect();
        ArnPattern { parts }
    }

    /// Part by part, so a `*` never crosses a `:` before the resource part. A pattern without
    /// six parts matches only as a whole (`*`).
    fn matches(&self, arn: &str, keys: &ConditionKeys) -> bool {
        if self.parts.len() != 6 {
            return self.parts.len() == 1 && self.parts[0].matches(arn, keys);
        }
        let mut actual = arn.splitn(6, ':');
        let matched = self
            .parts
            .iter()
            .all(|part| actual.next().is_some_and(|text| part.matches(text, keys)));
        matched && actual.next().is_none()
    }
}

fn family(name: &str) -> Option<(Family, bool)> {
    use Comparison::*;
    let found = match name {
        "StringEquals" => (Family::String(Case::Sensitive, Wildcards::Literal), false),
        "StringNotEquals" => (Family::String(Case::Sensitive, Wildcards::Literal), true),
        "StringEqualsIgnoreCase" => (Family::String(Case::Insensitive, Wildcards::Literal), false),
        "StringNotEqualsIgnoreCase" => {
            (Family::String(Case::Insensitive, Wildcards::Literal), true)
        }
        "StringLike" => (Family::String(Case::Sensitive, Wildcards::Glob), false),
        "StringNotLike" => (Family::String(Case::Sensitive, Wildcards::Glob), true),
        "NumericEquals" => (Family::Numeric(Equals), false),
        "NumericNotEquals" => (Family::Numeric(Equals), true),
        "NumericLessThan" => (Family::Numeric(LessThan), false),
        "NumericLessThanEquals" => (Family::Numeric(LessThanEquals), false),
        "NumericGreaterThan" => (Family::Numeric(GreaterThan), false),
        "NumericGreaterThanEquals" => (Family::Numeric(GreaterThanEquals), false),
        "DateEquals" => (Family::Date(Equals), false),
        "DateNotEquals" => (Family::Date(Equals), true),
        "DateLessThan" => (Family::Date(LessThan), false),
        "DateLessThanEquals" => (Family::Date(LessThanEquals), false),
        "DateGreaterThan" => (Family::Date(GreaterThan), false),
        "DateGreaterThanEquals" => (Family::Date(GreaterThanEquals), false),
        "Bool" => (Family::Bool, false),
        "BinaryEquals" => (Family::Binary, false),
        "IpAddress" => (Family::Ip, false),
        "NotIpAddress" => (Family::Ip, true),
        "ArnEquals" | "ArnLike" => (Family::Arn, false),
        "ArnNotEquals" | "ArnNotLike" => (Family::Arn, true),
        "Null" => (Family::Null, false),
        _ => return None,
    };
    Some(found)
}

fn parse_number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

fn is_base64(text: &str) -> bool {
    let body = text.trim_end_matches('=');
    text.len().is_multiple_of(4)
        && text.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}
