//! Field checks with Lambda's constraints and messages.

use std::collections::BTreeMap;

use super::LambdaError;

/// Runtimes Portico can run: Python with the bootstrap Portico ships, and custom runtimes
/// with the package's own `bootstrap`.
pub const RUNTIMES: &[&str] = &[
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "provided.al2",
    "provided.al2023",
];

/// Runtimes AWS knows that Portico cannot run (no interpreter of theirs is shipped).
const FOREIGN_RUNTIMES: &[&str] = &[
    "nodejs18.x",
    "nodejs20.x",
    "nodejs22.x",
    "java11",
    "java17",
    "java21",
    "java8.al2",
    "dotnet8",
    "ruby3.2",
    "ruby3.3",
    "ruby3.4",
];

/// Runtimes AWS no longer accepts for new functions, with the runtime it suggests.
const DEPRECATED_RUNTIMES: &[&str] = &[
    "python2.7",
    "python3.6",
    "python3.7",
    "python3.8",
    "provided",
    "nodejs16.x",
    "nodejs14.x",
    "go1.x",
];

/// Environment variable names AWS reserves for the runtime.
const RESERVED_VARIABLES: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// Largest total size of a function's environment variables (names and values), in bytes.
const MAX_ENVIRONMENT_BYTES: usize = 4096;

/// Checks a `Runtime` value.
pub fn check_runtime(runtime: &str) -> Result<(), LambdaError> {
    if RUNTIMES.contains(&runtime) {
        return Ok(());
    }
    if DEPRECATED_RUNTIMES.contains(&runtime) {
        return Err(LambdaError::InvalidParameterValue(format!(
            "The runtime parameter of {runtime} is no longer supported for creating or updating \
             AWS Lambda functions. We recommend you use the new runtime (python3.13) while \
             creating or updating functions."
        )));
    }
    if FOREIGN_RUNTIMES.contains(&runtime) {
        return Err(LambdaError::InvalidParameterValue(format!(
            "The runtime parameter of {runtime} is not supported by Portico. Supported \
             runtimes: {}.",
            RUNTIMES.join(", ")
        )));
    }
    let mut known: Vec<&str> = RUNTIMES.to_vec();
    known.extend_from_slice(FOREIGN_RUNTIMES);
    Err(LambdaError::constraint(
        "runtime",
        runtime,
        &format!(
            "Member must satisfy enum value set: [{}] or be a valid ARN",
            known.join(", ")
        ),
    ))
}

/// Checks a `Handler` value (`module.function` for Python; anything for custom runtimes).
pub(crate) fn check_handler(handler: &str) -> Result<(), LambdaError> {
    if handler.is_empty() || handler.len() > 128 || handler.chars().any(char::is_whitespace) {
        return Err(LambdaError::constraint(
            "handler",
            handler,
            "Member must satisfy regular expression pattern: [^\\s]+",
        ));
    }
    Ok(())
}

/// Checks a `Role`: Lambda requires an IAM role ARN even though Portico does not assume it.
pub(crate) fn check_role(role: &str) -> Result<(), LambdaError> {
    let valid = role
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":role/"))
        .is_some_and(|(account, name)| {
            account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+=,.@-_/".contains(&b))
        });
    if valid {
        Ok(())
    } else {
        Err(LambdaError::constraint(
            "role",
            role,
            "Member must satisfy regular expression pattern: \
             arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
        ))
    }
}

/// Checks `Timeout` (1–900 seconds).
pub(crate) fn check_timeout(timeout: u32) -> Result<(), LambdaError> {
    check_range("timeout", timeout, 1, 900)
}

/// Checks `MemorySize` (128–10240 MB).
pub(crate) fn check_memory(memory: u32) -> Result<(), LambdaError> {
    check_range("memorySize", memory, 128, 10240)
}

/// Checks a `Description` (at most 256 characters).
pub(crate) fn check_description(description: &str) -> Result<(), LambdaError> {
    if description.chars().count() > 256 {
        return Err(LambdaError::constraint(
            "description",
            description,
            "Member must have length less than or equal to 256",
        ));
    }
    Ok(())
}

/// Checks environment variables: names, reserved names, total size.
pub(crate) fn check_environment(variables: &BTreeMap<String, String>) -> Result<(), LambdaError> {
    for name in variables.keys() {
        let mut bytes = name.bytes();
        let valid = bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
            && name.len() >= 2
            && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid {
            return Err(LambdaError::constraint(
                "environment.variables",
                name,
                "Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+",
            ));
        }
    }
    let reserved: Vec<&str> = variables
        .keys()
        .map(String::as_str)
        .filter(|name| RESERVED_VARIABLES.contains(name))
        .collect();
    if !reserved.is_empty() {
        return Err(LambdaError::InvalidParameterValue(format!(
            "Lambda was unable to configure your environment variables because the environment \
             variables you have provided contains reserved keys that are currently not \
             supported for modification. Reserved keys used in this request: {}",
            reserved.join(", ")
        )));
    }
    let size: usize = variables
        .iter()
        .map(|(name, value)| name.len() + value.len())
        .sum();
    if size > MAX_ENVIRONMENT_BYTES {
        return Err(LambdaError::InvalidParameterValue(format!(
            "Lambda was unable to configure your environment variables because the environment \
             variables you have provided exceeded the 4KB limit. String measured: {size}"
        )));
    }
    Ok(())
}

/// Checks an alias name: letters, digits, `-` and `_`, not only digits, not `$LATEST`.
pub(crate) fn check_alias_name(name: &str) -> Result<(), LambdaError> {
    let valid = !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !name.bytes().all(|b| b.is_ascii_digit());
    if valid {
        Ok(())
    } else {
        Err(LambdaError::constraint(
            "name",
            name,
            "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)",
        ))
    }
}

fn check_range(field: &str, value: u32, min: u32, max: u32) -> Result<(), LambdaError> {
    if value < min {
        return Err(LambdaError::constraint(
            field,
            &value.to_string(),
            &format!("Member must have value greater than or equal to {min}"),
        ));
    }
    if value > max {
        return Err(LambdaError::constraint(
            field,
            &value.to_string(),
            &format!("Member must have value less than or equal to {max}"),
        ));
    }
    Ok(())
}
