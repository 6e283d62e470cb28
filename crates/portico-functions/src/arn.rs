//! Function names as `Invoke` accepts them: a name, a full ARN or a partial ARN, each with an
//! optional `:qualifier`.

/// `arn:aws:lambda:{region}:{account}:function:{name}`, with `:{qualifier}` when qualified.
pub fn function_arn(region: &str, account_id: &str, name: &str, qualifier: Option<&str>) -> String {
    match qualifier {
        Some(qualifier) => {
            format!("arn:aws:lambda:{region}:{account_id}:function:{name}:{qualifier}")
        }
        None => format!("arn:aws:lambda:{region}:{account_id}:function:{name}"),
    }
}

/// A parsed function reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FunctionRef<'a> {
    pub(crate) name: &'a str,
    pub(crate) qualifier: Option<&'a str>,
}

/// Why a reference names no function here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefError {
    /// Not a name or ARN of any function (wrong shape, another region or account).
    Foreign,
}

/// Parses `my-function`, `my-function:v1`, `123456789012:function:my-function[:v1]` and
/// `arn:aws:lambda:us-east-1:123456789012:function:my-function[:v1]`.
pub(crate) fn parse<'a>(
    input: &'a str,
    region: &str,
    account_id: &str,
) -> Result<FunctionRef<'a>, RefError> {
    // A fixed array: resolving a name sits on every invocation and needs no allocation.
    let mut parts = [""; 8];
    let mut count = 0;
    for part in input.split(':') {
        let slot = parts.get_mut(count).ok_or(RefError::Foreign)?;
        *slot = part;
        count += 1;
    }
    let (name, qualifier) = match &parts[..count] {
        [name] => (*name, None),
        [name, qualifier] => (*name, Some(*qualifier)),
        [account, "function", name] if *account == account_id => (*name, None),
        [account, "function", name, qualifier] if *account == account_id => {
            (*name, Some(*qualifier))
        }
        [
            "arn",
            partition,
            "lambda",
            arn_region,
            account,
            "function",
            name,
            rest @ ..,
        ] if partition.starts_with("aws") && *arn_region == region && *account == account_id => {
            match rest {
                [] => (*name, None),
                [qualifier] => (*name, Some(*qualifier)),
                _ => return Err(RefError::Foreign),
            }
        }
        _ => return Err(RefError::Foreign),
    };
    if !is_function_name(name) || qualifier.is_some_and(|q| !is_qualifier(q)) {
        return Err(RefError::Foreign);
    }
    Ok(FunctionRef { name, qualifier })
}

/// Lambda's function-name pattern: `[a-zA-Z0-9-_]+`, at most 64 characters.
fn is_function_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Lambda's qualifier pattern: `$LATEST`, a version number or an alias name.
fn is_qualifier(qualifier: &str) -> bool {
    qualifier == "$LATEST"
        || (!qualifier.is_empty()
            && qualifier.len() <= 128
            && qualifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<(&str, Option<&str>), RefError>) {
        let parsed = parse(input, "us-east-1", "000000000000").map(|r| (r.name, r.qualifier));
        assert_eq!(parsed, expected, "{input}");
    }

    #[test]
    fn names_and_arns_resolve_to_the_same_function() {
        check("echo", Ok(("echo", None)));
        check("echo:prod", Ok(("echo", Some("prod"))));
        check("echo:$LATEST", Ok(("echo", Some("$LATEST"))));
        check("000000000000:function:echo", Ok(("echo", None)));
        check("000000000000:function:echo:7", Ok(("echo", Some("7"))));
        check(
            "arn:aws:lambda:us-east-1:000000000000:function:echo",
            Ok(("echo", None)),
        );
        check(
            "arn:aws:lambda:us-east-1:000000000000:function:echo:live",
            Ok(("echo", Some("live"))),
        );
    }

    #[test]
    fn other_regions_accounts_and_shapes_are_foreign() {
        check(
            "arn:aws:lambda:eu-west-1:000000000000:function:echo",
            Err(RefError::Foreign),
        );
        check("111111111111:function:echo", Err(RefError::Foreign));
        check("", Err(RefError::Foreign));
        check("a/b", Err(RefError::Foreign));
        check("echo:", Err(RefError::Foreign));
        check("a:b:c", Err(RefError::Foreign));
    }

    #[test]
    fn arns_are_formed_as_aws_does() {
        assert_eq!(
            function_arn("us-east-1", "000000000000", "echo", Some("1")),
            "arn:aws:lambda:us-east-1:000000000000:function:echo:1"
        );
    }
}
