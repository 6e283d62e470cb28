//! The user pools of a gateway: which issuer and key set each provider ARN stands for (AWS's
//! Cognito mapping, unless configured otherwise with `--user-pool ARN=ISSUER[,JWKS_URL]`),
//! and one [`JwksCache`] for all of them. The data plane's authorizer stage and the control
//! plane's `TestInvokeAuthorizer` share one, so a key set is fetched once for both.

use std::collections::HashMap;

use crate::{JwksCache, JwtError, Provider, Requirements, Validated};

/// Configured providers by ARN, and the key sets fetched so far.
#[derive(Default)]
pub struct UserPools {
    overrides: HashMap<String, Provider>,
    keys: JwksCache,
}

impl std::fmt::Debug for UserPools {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserPools")
            .field("overrides", &self.overrides.len())
            .finish_non_exhaustive()
    }
}

// === impl UserPools ===

impl UserPools {
    /// User pools with the configured providers (by provider ARN).
    pub fn new(overrides: Vec<Provider>) -> UserPools {
        UserPools {
            overrides: overrides
                .into_iter()
                .map(|provider| (provider.arn.clone(), provider))
                .collect(),
            keys: JwksCache::default(),
        }
    }

    /// The provider of a user-pool ARN: configured, or AWS's Cognito issuer for it.
    pub fn provider(&self, arn: &str) -> Option<Provider> {
        self.overrides
            .get(arn)
            .cloned()
            .or_else(|| Provider::from_cognito_arn(arn))
    }

    /// Validates `token` against the providers of an authorizer's `providerARNs` (ARNs that
    /// name no provider are skipped: no token can come from them).
    pub async fn validate(
        &self,
        token: &str,
        provider_arns: &[impl AsRef<str>],
        requirements: &Requirements<'_>,
    ) -> Result<Validated, JwtError> {
        let providers: Vec<Provider> = provider_arns
            .iter()
            .filter_map(|arn| self.provider(arn.as_ref()))
            .collect();
        self.keys.validate(token, &providers, requirements).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_provider_wins_over_the_cognito_mapping() {
        let arn = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_pool";
        let mut configured = Provider::from_issuer("http://127.0.0.1:9/issuer");
        configured.arn = arn.to_owned();
        let pools = UserPools::new(vec![configured.clone()]);
        assert_eq!(pools.provider(arn), Some(configured));
        let other = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_other";
        assert_eq!(
            pools.provider(other).map(|provider| provider.issuer),
            Some("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other".to_owned())
        );
        assert_eq!(pools.provider("not-an-arn"), None);
    }
}
