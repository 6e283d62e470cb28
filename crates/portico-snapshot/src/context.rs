//! `$context` variables that parameter mappings (`context.X`) can read.

/// A `$context` variable a mapping refers to, resolved when the snapshot is compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextVariable {
    AccountId,
    ApiId,
    /// `customDomain.basePathMatched`: set on requests through a custom domain.
    CustomDomainBasePathMatched,
    DomainName,
    DomainPrefix,
    ExtendedRequestId,
    HttpMethod,
    Path,
    Protocol,
    RequestId,
    RequestTime,
    RequestTimeEpoch,
    ResourceId,
    ResourcePath,
    Stage,
    IdentitySourceIp,
    IdentityUserAgent,
    IdentityApiKey,
    IdentityApiKeyId,
    IdentityCaller,
    IdentityUser,
    IdentityUserArn,
    IdentityAccessKey,
    IdentityAccountId,
    /// `authorizer.principalId` and `authorizer.{key}`: set once authorizers exist.
    Authorizer(Box<str>),
    /// A name AWS does not define (or Portico does not fill yet); it maps to an empty value.
    Unknown(Box<str>),
}

// === impl ContextVariable ===

impl ContextVariable {
    /// The name after `context.` ([`ContextVariable::parse`] read backwards).
    pub fn name(&self) -> String {
        use ContextVariable::*;
        match self {
            AccountId => "accountId".into(),
            ApiId => "apiId".into(),
            CustomDomainBasePathMatched => "customDomain.basePathMatched".into(),
            DomainName => "domainName".into(),
            DomainPrefix => "domainPrefix".into(),
            ExtendedRequestId => "extendedRequestId".into(),
            HttpMethod => "httpMethod".into(),
            Path => "path".into(),
            Protocol => "protocol".into(),
            RequestId => "requestId".into(),
            RequestTime => "requestTime".into(),
            RequestTimeEpoch => "requestTimeEpoch".into(),
            ResourceId => "resourceId".into(),
            ResourcePath => "resourcePath".into(),
            Stage => "stage".into(),
            IdentitySourceIp => "identity.sourceIp".into(),
            IdentityUserAgent => "identity.userAgent".into(),
            IdentityApiKey => "identity.apiKey".into(),
            IdentityApiKeyId => "identity.apiKeyId".into(),
            IdentityCaller => "identity.caller".into(),
            IdentityUser => "identity.user".into(),
            IdentityUserArn => "identity.userArn".into(),
            IdentityAccessKey => "identity.accessKey".into(),
            IdentityAccountId => "identity.accountId".into(),
            Authorizer(key) => format!("authorizer.{key}"),
            Unknown(name) => name.to_string(),
        }
    }

    /// Resolves the name after `context.`.
    pub fn parse(name: &str) -> ContextVariable {
        match name {
            "accountId" => ContextVariable::AccountId,
            "apiId" => ContextVariable::ApiId,
            "customDomain.basePathMatched" => ContextVariable::CustomDomainBasePathMatched,
            "domainName" => ContextVariable::DomainName,
            "domainPrefix" => ContextVariable::DomainPrefix,
            "extendedRequestId" => ContextVariable::ExtendedRequestId,
            "httpMethod" => ContextVariable::HttpMethod,
            "path" => ContextVariable::Path,
            "protocol" => ContextVariable::Protocol,
            "requestId" | "awsEndpointRequestId" => ContextVariable::RequestId,
            "requestTime" => ContextVariable::RequestTime,
            "requestTimeEpoch" => ContextVariable::RequestTimeEpoch,
            "resourceId" => ContextVariable::ResourceId,
            "resourcePath" => ContextVariable::ResourcePath,
            "stage" => ContextVariable::Stage,
            "identity.sourceIp" => ContextVariable::IdentitySourceIp,
            "identity.userAgent" => ContextVariable::IdentityUserAgent,
            "identity.apiKey" => ContextVariable::IdentityApiKey,
            "identity.apiKeyId" => ContextVariable::IdentityApiKeyId,
            "identity.caller" => ContextVariable::IdentityCaller,
            "identity.user" => ContextVariable::IdentityUser,
            "identity.userArn" => ContextVariable::IdentityUserArn,
            "identity.accessKey" => ContextVariable::IdentityAccessKey,
            "identity.accountId" => ContextVariable::IdentityAccountId,
            other => match other.strip_prefix("authorizer.") {
                Some(key) => ContextVariable::Authorizer(key.into()),
                None => ContextVariable::Unknown(other.into()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_as_they_parse() {
        for name in [
            "accountId",
            "customDomain.basePathMatched",
            "domainPrefix",
            "path",
            "requestTimeEpoch",
            "resourceId",
            "identity.apiKeyId",
            "identity.userArn",
            "authorizer.claims.sub",
            "somethingNew",
        ] {
            assert_eq!(ContextVariable::parse(name).name(), name);
        }
    }

    #[test]
    fn known_and_unknown_names_resolve() {
        assert_eq!(
            ContextVariable::parse("requestId"),
            ContextVariable::RequestId
        );
        assert_eq!(
            ContextVariable::parse("identity.sourceIp"),
            ContextVariable::IdentitySourceIp
        );
        assert_eq!(
            ContextVariable::parse("authorizer.principalId"),
            ContextVariable::Authorizer("principalId".into())
        );
        assert_eq!(
            ContextVariable::parse("bogus"),
            ContextVariable::Unknown("bogus".into())
        );
    }
}
