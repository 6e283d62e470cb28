//! Providers: the user pools (or any OpenID Connect issuers) an authorizer trusts, and AWS's
//! mapping from a Cognito user-pool ARN to its issuer and JWKS address (reference §12).

/// One user pool / OIDC provider an authorizer trusts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Provider {
    /// The provider ARN as configured on the authorizer (`providerARNs`).
    pub arn: String,
    /// The exact `iss` its tokens carry.
    pub issuer: String,
    /// Where its JSON Web Key Set is served (`http://` or `https://`).
    pub jwks_url: String,
}

// === impl Provider ===

impl Provider {
    /// AWS's mapping: `arn:aws:cognito-idp:{region}:{acct}:userpool/{poolId}` → issuer
    /// `https://cognito-idp.{region}.amazonaws.com/{poolId}`, JWKS
    /// `{issuer}/.well-known/jwks.json` (`amazonaws.com.cn` in the `aws-cn` partition). `None`
    /// when the ARN is not a user-pool ARN.
    pub fn from_cognito_arn(arn: &str) -> Option<Provider> {
        let mut parts = arn.splitn(6, ':');
        let (Some("arn"), Some(partition), Some("cognito-idp"), Some(region), Some(account)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let pool_id = parts.next()?.strip_prefix("userpool/")?;
        let domain = match partition {
            "aws" | "aws-us-gov" => "amazonaws.com",
            "aws-cn" => "amazonaws.com.cn",
            _ => return None,
        };
        let is_label = |text: &str| {
            !text.is_empty()
                && text
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
        };
        // The region and pool id become part of a URL: only plain labels may go there.
        let is_account = !account.is_empty() && account.bytes().all(|byte| byte.is_ascii_digit());
        if !is_label(region) || !is_label(pool_id) || !is_account {
            return None;
        }
        let issuer = format!("https://cognito-idp.{region}.{domain}/{pool_id}");
        Some(Provider {
            arn: arn.to_owned(),
            jwks_url: format!("{issuer}/.well-known/jwks.json"),
            issuer,
        })
    }

    /// A generic OIDC provider: the key set at `{issuer}/.well-known/jwks.json`, the ARN set to
    /// the issuer (for logs).
    pub fn from_issuer(issuer: &str) -> Provider {
        let trimmed = issuer.trim_end_matches('/');
        Provider {
            arn: issuer.to_owned(),
            issuer: issuer.to_owned(),
            jwks_url: format!("{trimmed}/.well-known/jwks.json"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Provider;

    fn check(arn: &str, expected: Option<(&str, &str)>) {
        let provider = Provider::from_cognito_arn(arn);
        let got = provider
            .as_ref()
            .map(|provider| (provider.issuer.as_str(), provider.jwks_url.as_str()));
        assert_eq!(got, expected, "{arn}");
        if let Some(provider) = provider {
            assert_eq!(provider.arn, arn);
        }
    }

    #[test]
    fn user_pool_arn_maps_to_cognito_issuer_and_jwks() {
        check(
            "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123",
            Some((
                "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123",
                "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123/.well-known/jwks.json",
            )),
        );
    }

    #[test]
    fn china_partition_uses_its_own_domain() {
        check(
            "arn:aws-cn:cognito-idp:cn-north-1:123456789012:userpool/cn-north-1_X",
            Some((
                "https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_X",
                "https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_X/.well-known/jwks.json",
            )),
        );
    }

    #[test]
    fn other_arns_are_not_user_pools() {
        check("arn:aws:lambda:us-east-1:123456789012:function:f", None);
        check(
            "arn:aws:cognito-idp:us-east-1:123456789012:identitypool/x",
            None,
        );
        check("arn:aws:cognito-idp:us-east-1:123456789012:userpool/", None);
        check(
            "arn:aws:cognito-idp:us-east-1:acct:userpool/us-east-1_A",
            None,
        );
        check(
            "arn:aws:cognito-idp:us-east-1:123456789012:userpool/a/../b",
            None,
        );
        check(
            "arn:other:cognito-idp:us-east-1:123456789012:userpool/a",
            None,
        );
        check("arn:aws:cognito-idp:us-east-1::userpool/us-east-1_A", None);
        check("not an arn", None);
    }

    #[test]
    fn generic_issuer_serves_its_jwks_under_well_known() {
        let provider = Provider::from_issuer("https://login.example.com/");
        assert_eq!(provider.issuer, "https://login.example.com/");
        assert_eq!(
            provider.jwks_url,
            "https://login.example.com/.well-known/jwks.json"
        );
    }
}
