//! The custom domain table the data plane routes by: `Host` → the domain's base path
//! mappings, longest base path first (reference §3, self-hosted routing form 3).

use std::collections::HashMap;

use portico_model::domain::{NO_BASE_PATH, StoredDomainName};

/// Every custom domain's mappings, by lowercase domain name (wildcards as `*.example.com`).
#[derive(Debug, Default)]
pub struct DomainTable {
    domains: HashMap<Box<str>, Vec<Mapping>>,
}

/// One base path mapping, ready for matching.
#[derive(Debug)]
struct Mapping {
    /// Without slashes at either end; empty for the domain's root.
    base_path: Box<str>,
    /// As the API shows it (`(none)` for the root): `$context.customDomain.basePathMatched`.
    shown: Box<str>,
    api_id: Box<str>,
    stage: Option<Box<str>>,
}

/// Where a request to a custom domain goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DomainTarget<'t> {
    pub api_id: &'t str,
    /// The mapped stage; `None` when the mapping names none and the first segment after the
    /// base path is the stage.
    pub stage: Option<&'t str>,
    /// What follows the base path, starting with `/` (or empty).
    pub rest_offset: usize,
    pub base_path_matched: &'t str,
}

// === impl DomainTable ===

impl DomainTable {
    /// The table of `domains`.
    pub fn new<'d>(domains: impl IntoIterator<Item = &'d StoredDomainName>) -> DomainTable {
        let domains = domains
            .into_iter()
            .map(|stored| {
                let mut mappings: Vec<Mapping> = stored
                    .mappings
                    .iter()
                    .map(|mapping| Mapping {
                        base_path: if mapping.base_path == NO_BASE_PATH {
                            "".into()
                        } else {
                            mapping.base_path.as_str().into()
                        },
                        shown: mapping.base_path.as_str().into(),
                        api_id: mapping.rest_api_id.as_str().into(),
                        stage: mapping.stage.as_deref().map(Into::into),
                    })
                    .collect();
                mappings.sort_by_key(|mapping| std::cmp::Reverse(mapping.base_path.len()));
                (stored.domain.domain_name.as_str().into(), mappings)
            })
            .collect();
        DomainTable { domains }
    }

    /// Whether no domain is configured (the data plane skips the lookup then).
    pub fn is_empty(&self) -> bool {
        self.domains.is_empty()
    }

    /// The mapping for a request to `host` (port and case ignored) with `path` (starting with
    /// `/`): the longest base path that is a whole-segment prefix of the path. An exact
    /// domain wins over a wildcard one.
    pub fn route(&self, host: &str, path: &str) -> Option<DomainTarget<'_>> {
        let host = host.rsplit_once(':').map_or(host, |(name, port)| {
            if port.bytes().all(|byte| byte.is_ascii_digit()) {
                name
            } else {
                host
            }
        });
        let host = host.strip_suffix('.').unwrap_or(host);
        // Clients send host names in lower case; only another case costs an allocation.
        let host: std::borrow::Cow<'_, str> = if host.bytes().any(|b| b.is_ascii_uppercase()) {
            host.to_ascii_lowercase().into()
        } else {
            host.into()
        };
        let mappings = self.domains.get(&*host).or_else(|| {
            let (_, parent) = host.split_once('.')?;
            self.domains.get(format!("*.{parent}").as_str())
        })?;
        let after_slash = path.strip_prefix('/')?;
        mappings.iter().find_map(|mapping| {
            let rest_offset = if mapping.base_path.is_empty() {
                0
            } else {
                let rest = after_slash.strip_prefix(&*mapping.base_path)?;
                if !(rest.is_empty() || rest.starts_with('/')) {
                    return None;
                }
                1 + mapping.base_path.len()
            };
            Some(DomainTarget {
                api_id: &mapping.api_id,
                stage: mapping.stage.as_deref(),
                rest_offset,
                base_path_matched: &mapping.shown,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_model::domain::{BasePathMapping, DomainName};

    fn stored(name: &str, mappings: &[(&str, &str, Option<&str>)]) -> StoredDomainName {
        StoredDomainName {
            domain: DomainName {
                domain_name: name.into(),
                domain_name_arn: String::new(),
                certificate_name: None,
                certificate_arn: None,
                certificate_upload_date: None,
                regional_domain_name: None,
                regional_hosted_zone_id: None,
                regional_certificate_name: None,
                regional_certificate_arn: None,
                distribution_domain_name: None,
                distribution_hosted_zone_id: None,
                endpoint_configuration: Default::default(),
                domain_name_status: "AVAILABLE".into(),
                security_policy: portico_model::domain::SecurityPolicy::Tls12,
                tags: Default::default(),
            },
            mappings: mappings
                .iter()
                .map(|(base_path, api, stage)| BasePathMapping {
                    base_path: (*base_path).into(),
                    rest_api_id: (*api).into(),
                    stage: stage.map(Into::into),
                })
                .collect(),
        }
    }

    fn route<'t>(
        table: &'t DomainTable,
        host: &str,
        path: &'t str,
    ) -> Option<(&'t str, Option<&'t str>, &'t str, &'t str)> {
        table.route(host, path).map(|target| {
            (
                target.api_id,
                target.stage,
                &path[target.rest_offset..],
                target.base_path_matched,
            )
        })
    }

    #[test]
    fn the_longest_whole_segment_base_path_wins() {
        let domains = [
            stored(
                "api.example.com",
                &[
                    ("(none)", "root", Some("prod")),
                    ("v1", "one", Some("prod")),
                    ("v1/orders", "orders", None),
                ],
            ),
            stored("*.example.org", &[("(none)", "wild", Some("dev"))]),
        ];
        let table = DomainTable::new(&domains);
        assert_eq!(
            route(&table, "api.example.com", "/v1/items"),
            Some(("one", Some("prod"), "/items", "v1"))
        );
        assert_eq!(
            route(&table, "API.example.com:8080", "/v1"),
            Some(("one", Some("prod"), "", "v1"))
        );
        assert_eq!(
            route(&table, "api.example.com", "/v1/orders/beta/7"),
            Some(("orders", None, "/beta/7", "v1/orders"))
        );
        assert_eq!(
            route(&table, "api.example.com", "/v10/items"),
            Some(("root", Some("prod"), "/v10/items", "(none)"))
        );
        assert_eq!(
            route(&table, "shop.example.org", "/"),
            Some(("wild", Some("dev"), "/", "(none)"))
        );
        assert_eq!(route(&table, "example.org", "/"), None);
        assert_eq!(route(&table, "other.example.com", "/v1"), None);
    }

    #[test]
    fn a_domain_without_a_root_mapping_matches_only_its_base_paths() {
        let domains = [stored("api.example.com", &[("v1", "one", Some("prod"))])];
        let table = DomainTable::new(&domains);
        assert_eq!(route(&table, "api.example.com", "/v2/items"), None);
        assert_eq!(route(&table, "api.example.com", "/"), None);
    }
}
