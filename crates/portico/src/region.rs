//! `--region`: the AWS region a data directory plays. It is chosen once: ARNs kept in the
//! store (functions, versions, aliases) name it, so later starts reuse it and refuse another.

use std::path::Path;

use anyhow::{Context, bail};

/// The file in the data directory that keeps the region.
const FILE_NAME: &str = "region";

/// The region for this start: the one given, else the one the data directory keeps, else
/// `us-east-1`; recorded in the data directory and set for the process.
pub fn choose(data_dir: &Path, given: Option<&str>) -> anyhow::Result<String> {
    let path = data_dir.join(FILE_NAME);
    let kept = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text.trim().to_owned()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
    };
    let region = match (given, kept.as_deref()) {
        (Some(given), Some(kept)) if given != kept => bail!(
            "--region {given}: the data directory {} plays {kept} (its ARNs name it); \
             use another data directory for another region",
            data_dir.display()
        ),
        (Some(given), _) => given.to_owned(),
        (None, Some(kept)) => kept.to_owned(),
        (None, None) => portico_model::DEFAULT_REGION.to_owned(),
    };
    portico_model::set_region(&region).map_err(anyhow::Error::msg)?;
    if kept.as_deref() != Some(region.as_str()) {
        std::fs::write(&path, format!("{region}\n"))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_directory_keeps_its_first_region() {
        let dir = tempfile::tempdir().unwrap();
        // The process region can be set once; this test owns the one it sets.
        assert_eq!(choose(dir.path(), None).unwrap(), "us-east-1");
        assert_eq!(
            std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap(),
            "us-east-1\n"
        );
        assert_eq!(choose(dir.path(), Some("us-east-1")).unwrap(), "us-east-1");
        let err = choose(dir.path(), Some("eu-west-1"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("plays us-east-1"), "{err}");
    }

    #[test]
    fn invalid_regions_are_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let err = choose(dir.path(), Some("EU_WEST")).unwrap_err().to_string();
        assert!(err.contains("invalid region 'EU_WEST'"), "{err}");
        assert!(!dir.path().join(FILE_NAME).exists());
    }
}
