//! Function names as Lambda accepts them: `my-function`, `my-function:alias`, the full ARN
//! `arn:aws:lambda:REGION:ACCOUNT:function:my-function[:QUALIFIER]` or the partial
//! `ACCOUNT:function:my-function[:QUALIFIER]`.

use super::LambdaError;

/// A function named in a request, with the qualifier the name carried (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    pub name: String,
    pub qualifier: Option<String>,
}

/// Longest function name.
const MAX_NAME_LEN: usize = 64;
/// Longest qualifier (version or alias name).
const MAX_QUALIFIER_LEN: usize = 128;

/// The unqualified ARN of `name` in `region`, or qualified by `qualifier`.
pub fn function_arn(region: &str, name: &str, qualifier: Option<&str>) -> String {
    let mut arn = format!(
        "arn:aws:lambda:{region}:{}:function:{name}",
        crate::ACCOUNT_ID
    );
    if let Some(qualifier) = qualifier {
        arn.push(':');
        arn.push_str(qualifier);
    }
    arn
}

/// Parses a `FunctionName` parameter. A qualifier in the name and a separate `Qualifier`
/// parameter must agree.
pub fn parse_function_ref(
    value: &str,
    qualifier: Option<&str>,
    region: &str,
) -> Result<FunctionRef, LambdaError> {
    let invalid = || {
        LambdaError::constraint(
            "functionName",
            value,
            "Member must satisfy regular expression pattern: \
             (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?\
             (function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?",
        )
    };
    let rest = match value.strip_prefix("arn:") {
        Some(arn) => {
            let mut parts = arn.splitn(4, ':');
            let (Some(partition), Some("lambda"), Some(arn_region), Some(rest)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(invalid());
            };
            if !partition.starts_with("aws") {
                return Err(invalid());
            }
            if arn_region != region {
                return Err(LambdaError::function_not_found(value));
            }
            rest
        }
        None => value,
    };
    let rest = match rest.split_once(":function:") {
        Some((account, rest)) => {
            if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            if account != crate::ACCOUNT_ID {
                return Err(LambdaError::function_not_found(value));
            }
            rest
        }
        None if value.starts_with("arn:") => return Err(invalid()),
        None => rest,
    };
    let (name, named_qualifier) = match rest.split_once(':') {
        Some((name, qualifier)) => (name, Some(qualifier)),
        None => (rest, None),
    };
    if !valid_name(name) || named_qualifier.is_some_and(|q| !valid_qualifier(q)) {
        return Err(invalid());
    }
    if let Some(qualifier) = qualifier
        && !valid_qualifier(qualifier)
    {
        return Err(LambdaError::constraint(
            "qualifier",
            qualifier,
            "Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)",
        ));
    }
    let qualifier = match (named_qualifier, qualifier) {
        (Some(named), Some(given)) if named != given => {
            return Err(LambdaError::InvalidParameterValue(
                "The derived qualifier from the function name does not match the specified \
                 qualifier."
                    .into(),
            ));
        }
        (Some(named), _) => Some(named.to_owned()),
        (None, given) => given.filter(|q| !q.is_empty()).map(str::to_owned),
    };
    Ok(FunctionRef {
        name: name.to_owned(),
        qualifier,
    })
}

/// Whether `name` is a valid function name (not an ARN).
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn valid_qualifier(qualifier: &str) -> bool {
    qualifier == super::LATEST
        || (!qualifier.is_empty()
            && qualifier.len() <= MAX_QUALIFIER_LEN
            && qualifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}
