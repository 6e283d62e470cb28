//! Root credentials: from the command line or environment, else from the data directory,
//! else generated on first start into `{data-dir}/root-credentials` (mode 0600).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use portico_control_plane::RootCredentials;
use rand::Rng;

/// File in the data directory that holds generated root credentials.
pub const FILE_NAME: &str = "root-credentials";

/// Where the credentials came from, so that generated ones are printed exactly once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Given,
    Stored,
    Generated,
}

/// Resolves the root credentials.
pub fn resolve(given: Option<&str>, data_dir: &Path) -> anyhow::Result<(RootCredentials, Origin)> {
    if let Some(given) = given {
        let (access_key_id, secret_access_key) = given
            .split_once(':')
            .context("--root-credentials must be KEY:SECRET")?;
        if access_key_id.is_empty() || secret_access_key.is_empty() {
            bail!("--root-credentials must be KEY:SECRET with both parts non-empty");
        }
        let credentials = RootCredentials {
            access_key_id: access_key_id.to_owned(),
            secret_access_key: secret_access_key.to_owned(),
        };
        return Ok((credentials, Origin::Given));
    }
    let path = data_dir.join(FILE_NAME);
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        return Ok((
            parse_file(&text).with_context(|| format!("parsing {}", path.display()))?,
            Origin::Stored,
        ));
    }
    let credentials = generate();
    write_file(&path, &credentials).with_context(|| format!("writing {}", path.display()))?;
    Ok((credentials, Origin::Generated))
}

fn generate() -> RootCredentials {
    const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rng = rand::rng();
    let mut pick = |alphabet: &[u8], len: usize| -> String {
        (0..len)
            .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
            .collect()
    };
    RootCredentials {
        access_key_id: format!("AKIA{}", pick(UPPER, 16)),
        secret_access_key: pick(SECRET, 40),
    }
}

fn parse_file(text: &str) -> anyhow::Result<RootCredentials> {
    let value = |key: &str| {
        text.lines()
            .filter_map(|line| line.split_once('='))
            .find(|(name, _)| name.trim() == key)
            .map(|(_, value)| value.trim().to_owned())
            .with_context(|| format!("missing {key}"))
    };
    Ok(RootCredentials {
        access_key_id: value("aws_access_key_id")?,
        secret_access_key: value("aws_secret_access_key")?,
    })
}

/// Writes the credentials in the AWS shared-credentials format, readable only by the owner.
fn write_file(path: &Path, credentials: &RootCredentials) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    write!(
        file,
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        credentials.access_key_id, credentials.secret_access_key
    )?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_credentials_are_stored_and_reused() {
        let dir = std::env::temp_dir().join(format!("portico-credentials-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (first, origin) = resolve(None, &dir).unwrap();
        assert_eq!(origin, Origin::Generated);
        assert!(first.access_key_id.starts_with("AKIA") && first.access_key_id.len() == 20);
        assert_eq!(first.secret_access_key.len(), 40);
        let (second, origin) = resolve(None, &dir).unwrap();
        assert_eq!(origin, Origin::Stored);
        assert_eq!(second.secret_access_key, first.secret_access_key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn given_credentials_must_have_both_parts() {
        let dir = std::env::temp_dir();
        assert!(resolve(Some("KEY"), &dir).is_err());
        assert!(resolve(Some(":secret"), &dir).is_err());
        let (credentials, origin) = resolve(Some("KEY:SECRET"), &dir).unwrap();
        assert_eq!(
            (credentials.access_key_id.as_str(), origin),
            ("KEY", Origin::Given)
        );
    }
}
