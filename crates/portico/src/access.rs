//! Command-line access settings of the data plane: private listeners (`--private-listen
//! vpce-NAME=ADDR`), their endpoint policies (`--endpoint-policy vpce-NAME=FILE`) and the
//! proxies whose `X-Forwarded-For` is trusted (`--trusted-proxy CIDR`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, bail};
use portico_data_plane::stages::access::{AccessConfig, PrivateEndpoint};
use portico_policy::{Cidr, Policy, PolicyKind};

/// One private listener to bind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateListen {
    /// `vpce-…`, the listener's `aws:SourceVpce`.
    pub id: String,
    pub address: SocketAddr,
}

/// Parses `--private-listen vpce-NAME=ADDR`.
pub fn parse_private_listen(text: &str) -> anyhow::Result<PrivateListen> {
    let (id, address) = text
        .split_once('=')
        .context("--private-listen must be vpce-NAME=ADDRESS:PORT")?;
    check_endpoint_id(id)?;
    let address = address
        .parse()
        .with_context(|| format!("--private-listen {id}: invalid address {address}"))?;
    Ok(PrivateListen {
        id: id.to_owned(),
        address,
    })
}

/// The data plane's access settings from the parsed options: one private endpoint per
/// listener (in order), each with its policy file if one was given.
pub fn config(
    listens: &[PrivateListen],
    endpoint_policies: &[String],
    trusted_proxies: &[String],
) -> anyhow::Result<AccessConfig> {
    let mut policies: BTreeMap<&str, Policy> = BTreeMap::new();
    for entry in endpoint_policies {
        let (id, file) = entry
            .split_once('=')
            .context("--endpoint-policy must be vpce-NAME=FILE")?;
        if !listens.iter().any(|listen| listen.id == id) {
            bail!("--endpoint-policy {id}: no --private-listen declares this endpoint");
        }
        policies.insert(id, read_policy(Path::new(file))?);
    }
    let private_endpoints = listens
        .iter()
        .map(|listen| PrivateEndpoint::new(listen.id.clone(), policies.remove(listen.id.as_str())))
        .collect();
    let trusted_proxies = trusted_proxies
        .iter()
        .map(|text| {
            Cidr::parse(text)
                .with_context(|| format!("--trusted-proxy {text}: not an address or CIDR block"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(AccessConfig {
        private_endpoints,
        trusted_proxies,
    })
}

fn check_endpoint_id(id: &str) -> anyhow::Result<()> {
    let valid = id.strip_prefix("vpce-").is_some_and(|rest| {
        !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    if !valid {
        bail!("private endpoint name {id:?} must look like vpce-NAME (letters, digits, '-')");
    }
    Ok(())
}

/// A VPC endpoint policy: a resource-style policy (statements name principals).
fn read_policy(path: &Path) -> anyhow::Result<Policy> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading endpoint policy {}", path.display()))?;
    Policy::parse(&text, PolicyKind::Resource)
        .with_context(|| format!("endpoint policy {} is not a valid policy", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_listeners_need_vpce_names_and_addresses() {
        let listen = parse_private_listen("vpce-0abc=127.0.0.1:8443").unwrap();
        assert_eq!(listen.id, "vpce-0abc");
        assert_eq!(listen.address.port(), 8443);
        assert!(parse_private_listen("lan=127.0.0.1:1").is_err());
        assert!(parse_private_listen("vpce-a").is_err());
        assert!(parse_private_listen("vpce-a=nowhere").is_err());
    }

    #[test]
    fn endpoint_policies_must_name_a_declared_listener_and_parse() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("policy.json");
        std::fs::write(
            &file,
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}"#,
        )
        .unwrap();
        let listens = [parse_private_listen("vpce-a=127.0.0.1:0").unwrap()];
        let policy = format!("vpce-a={}", file.display());
        let config = config(
            &listens,
            std::slice::from_ref(&policy),
            &["10.0.0.0/8".into()],
        )
        .unwrap();
        assert!(config.private_endpoints[0].policy.is_some());
        assert_eq!(config.trusted_proxies.len(), 1);
        let stray = format!("vpce-b={}", file.display());
        assert!(super::config(&listens, &[stray], &[]).is_err());
        assert!(super::config(&listens, &[], &["not-a-cidr".into()]).is_err());
        std::fs::write(&file, r#"{"Statement":[{"Effect":"Allow"}]}"#).unwrap();
        assert!(super::config(&listens, &[policy], &[]).is_err());
    }
}
