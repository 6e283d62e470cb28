//! `UpdateAccount`'s patch paths: AWS's `/cloudwatchRoleArn` and `/features`, plus a Portico
//! extension, `/throttleSettings/rateLimit` and `/throttleSettings/burstLimit`, because
//! self-hosters have no support ticket to raise the account throttle with.

use super::{AccountSettings, ThrottleSettings};
use crate::ModelError;
use crate::patch::{self, ParsedOperation, PatchOp, PatchOperation};

/// The account features AWS knows.
pub const ACCOUNT_FEATURES: &[&str] = &["UsagePlans"];

// === impl AccountSettings ===

impl AccountSettings {
    /// Applies `UpdateAccount` patch operations, all or nothing.
    pub fn patch(&self, operations: &[PatchOperation]) -> Result<AccountSettings, ModelError> {
        let mut settings = self.clone();
        for operation in operations {
            let parsed = patch::parse_operation(operation)?;
            settings.apply(&parsed)?;
        }
        Ok(settings)
    }

    fn apply(&mut self, operation: &ParsedOperation<'_>) -> Result<(), ModelError> {
        let segments: Vec<&str> = operation.segments.iter().map(String::as_str).collect();
        let value = operation.value;
        match (operation.op, segments.as_slice()) {
            (PatchOp::Replace, ["cloudwatchRoleArn"]) => {
                self.cloudwatch_role_arn = match value.filter(|arn| !arn.is_empty()) {
                    Some(arn) if arn.starts_with("arn:") => Some(arn.to_owned()),
                    Some(arn) => {
                        return Err(ModelError::bad_request(format!(
                            "Invalid ARN specified in the request: {arn}"
                        )));
                    }
                    None => None,
                };
            }
            (PatchOp::Add, ["features"]) => {
                let feature = value.unwrap_or_default();
                if !ACCOUNT_FEATURES.contains(&feature) {
                    return Err(ModelError::bad_request(format!(
                        "Invalid feature specified: '{feature}'. Valid features are: {}",
                        ACCOUNT_FEATURES.join(", ")
                    )));
                }
                if !self.features.iter().any(|known| known == feature) {
                    self.features.push(feature.to_owned());
                }
            }
            (PatchOp::Replace, ["throttleSettings", "rateLimit"]) => {
                let rate = value
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .filter(|rate| rate.is_finite() && *rate > 0.0)
                    .ok_or_else(|| {
                        ModelError::bad_request(format!(
                            "Invalid value '{}' for '{}': the rate limit must be a positive number",
                            value.unwrap_or_default(),
                            operation.path
                        ))
                    })?;
                self.throttle_settings
                    .get_or_insert_with(ThrottleSettings::default)
                    .rate_limit = Some(rate);
            }
            (PatchOp::Replace, ["throttleSettings", "burstLimit"]) => {
                let burst = value
                    .and_then(|v| v.trim().parse::<i64>().ok())
                    .filter(|burst| *burst > 0)
                    .ok_or_else(|| {
                        ModelError::bad_request(format!(
                            "Invalid value '{}' for '{}': the burst limit must be a positive integer",
                            value.unwrap_or_default(),
                            operation.path
                        ))
                    })?;
                self.throttle_settings
                    .get_or_insert_with(ThrottleSettings::default)
                    .burst_limit = Some(burst);
            }
            (op, _) => return Err(patch::invalid_path(operation.path, op)),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(op: &str, path: &str, value: Option<&str>) -> PatchOperation {
        PatchOperation {
            op: PatchOp::parse(op),
            path: Some(path.into()),
            value: value.map(Into::into),
            from: None,
        }
    }

    fn patched(ops: &[PatchOperation]) -> Result<AccountSettings, ModelError> {
        AccountSettings::default().patch(ops)
    }

    #[test]
    fn defaults_follow_aws() {
        let account = AccountSettings::default().to_account();
        assert_eq!(
            serde_json::to_value(account).unwrap(),
            serde_json::json!({
                "throttleSettings": {"burstLimit": 5000, "rateLimit": 10000.0},
                "features": ["UsagePlans"],
                "apiKeyVersion": "4"
            })
        );
    }

    #[test]
    fn role_arn_and_features_are_patched() {
        let settings = patched(&[
            op(
                "replace",
                "/cloudwatchRoleArn",
                Some("arn:aws:iam::000000000000:role/logs"),
            ),
            op("add", "/features", Some("UsagePlans")),
            op("add", "/features", Some("UsagePlans")),
        ])
        .unwrap();
        assert_eq!(
            settings.cloudwatch_role_arn.as_deref(),
            Some("arn:aws:iam::000000000000:role/logs")
        );
        assert_eq!(settings.features, ["UsagePlans"]);
        let cleared = settings
            .patch(&[op("replace", "/cloudwatchRoleArn", Some(""))])
            .unwrap();
        assert_eq!(cleared.cloudwatch_role_arn, None);
        assert!(patched(&[op("replace", "/cloudwatchRoleArn", Some("role"))]).is_err());
        assert!(patched(&[op("add", "/features", Some("Other"))]).is_err());
    }

    #[test]
    fn account_throttle_is_raised_through_the_portico_extension() {
        let settings = patched(&[
            op("replace", "/throttleSettings/rateLimit", Some("25000")),
            op("replace", "/throttleSettings/burstLimit", Some("9000")),
        ])
        .unwrap();
        assert_eq!(settings.throttle(), (25_000.0, 9_000));
        let half = patched(&[op("replace", "/throttleSettings/rateLimit", Some("0.5"))]).unwrap();
        assert_eq!(half.throttle(), (0.5, 5_000));
    }

    #[test]
    fn non_positive_or_malformed_throttles_are_rejected() {
        for (path, value) in [
            ("/throttleSettings/rateLimit", "0"),
            ("/throttleSettings/rateLimit", "-5"),
            ("/throttleSettings/rateLimit", "fast"),
            ("/throttleSettings/burstLimit", "0"),
            ("/throttleSettings/burstLimit", "1.5"),
        ] {
            let err = patched(&[op("replace", path, Some(value))]).unwrap_err();
            assert!(
                err.to_string().contains("must be a positive"),
                "{path} {value}"
            );
        }
    }

    #[test]
    fn other_paths_and_ops_are_rejected() {
        for (kind, path) in [
            ("remove", "/features"),
            ("replace", "/apiKeyVersion"),
            ("add", "/throttleSettings/rateLimit"),
            ("replace", "/throttleSettings"),
        ] {
            let err = patched(&[op(kind, path, Some("1"))]).unwrap_err();
            assert!(
                err.to_string().contains("Invalid patch path"),
                "{kind} {path}"
            );
        }
    }
}
