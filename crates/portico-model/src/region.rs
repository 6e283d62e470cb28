//! The region Portico plays. One process is one region of one account, as one AWS endpoint
//! is: execute-api and Lambda ARNs, the credential scope of data-plane SigV4 signatures and
//! the functions' `AWS_REGION` all name it. It is `us-east-1` unless `portico serve --region`
//! chose another at start-up, before anything read it.

use std::sync::OnceLock;

/// The region when none is configured.
pub const DEFAULT_REGION: &str = "us-east-1";

static CONFIGURED: OnceLock<Box<str>> = OnceLock::new();

/// The region of this process.
pub fn region() -> &'static str {
    CONFIGURED.get().map_or(DEFAULT_REGION, |region| region)
}

/// Chooses the region of this process. Only the first choice counts: a second, different
/// one is refused, since ARNs already handed out name the first.
pub fn set_region(region: &str) -> Result<(), String> {
    if !is_region_name(region) {
        return Err(format!(
            "invalid region '{region}': expected a region name such as us-east-1 or eu-west-2"
        ));
    }
    match CONFIGURED.set(region.into()) {
        Ok(()) => Ok(()),
        Err(_) if self::region() == region => Ok(()),
        Err(_) => Err(format!(
            "the region is already {}, it cannot become {region}",
            self::region()
        )),
    }
}

/// Whether `name` has the shape of an AWS region: lowercase words joined by `-`, the last
/// one a number (`us-east-1`, `us-gov-west-1`, `ap-southeast-4`).
pub fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    let Some((number, words)) = parts.split_last() else {
        return false;
    };
    words.len() >= 2
        && words
            .iter()
            .all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase()))
        && !number.is_empty()
        && number.len() <= 2
        && number.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names_have_aws_shape() {
        for good in [
            "us-east-1",
            "eu-west-2",
            "us-gov-west-1",
            "ap-southeast-4",
            "cn-north-1",
        ] {
            assert!(is_region_name(good), "{good}");
        }
        for bad in [
            "",
            "us",
            "us-east",
            "US-EAST-1",
            "us-east-x",
            "us--east-1",
            "-east-1",
            "us-east-1-",
        ] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }

    #[test]
    fn an_invalid_region_is_refused_without_being_set() {
        let err = set_region("Mars-1").unwrap_err();
        assert!(err.contains("invalid region 'Mars-1'"), "{err}");
        assert_eq!(region(), DEFAULT_REGION);
    }
}
