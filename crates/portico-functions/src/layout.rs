//! Where the host keeps its files under `{data_dir}/functions/`.

use std::io;
use std::path::{Path, PathBuf};

/// The directories of one host.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    root: PathBuf,
}

// === impl Layout ===

impl Layout {
    pub(crate) fn new(data_dir: &Path) -> Layout {
        Layout {
            root: data_dir.join("functions"),
        }
    }

    /// Code packages as uploaded: `code/{sha256_hex}.zip`.
    pub(crate) fn code_dir(&self) -> PathBuf {
        self.root.join("code")
    }

    /// Code packages unpacked once per digest: `unpacked/{sha256_hex}/`.
    pub(crate) fn unpacked_dir(&self) -> PathBuf {
        self.root.join("unpacked")
    }

    /// Files Portico ships to workers (the Python bootstrap): `LAMBDA_RUNTIME_DIR`.
    pub(crate) fn runtime_dir(&self) -> PathBuf {
        self.root.join("runtime")
    }

    /// One log file per function name.
    pub(crate) fn logs_dir(&self) -> PathBuf {
        self.root.join("logs")
    }

    /// Accepted `Event` invocations not yet finished.
    pub(crate) fn events_dir(&self) -> PathBuf {
        self.root.join("events")
    }

    /// Removes what a crash left half-written: `.tmp-…` unpack directories and the temporary
    /// files of [`write_durably`] in the code and runtime directories (the event spool removes
    /// its own when it loads). Only at start-up, before anything writes there (the data
    /// directory is locked to one process).
    pub(crate) fn remove_partial_writes(&self) {
        if let Ok(entries) = std::fs::read_dir(self.unpacked_dir()) {
            for entry in entries.flatten() {
                if entry.file_name().to_string_lossy().starts_with(".tmp-") {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        for dir in [self.code_dir(), self.runtime_dir()] {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let is_file = entry.file_type().is_ok_and(|kind| kind.is_file());
                if is_file && is_durable_write_temp(&entry.file_name().to_string_lossy()) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
    }

    pub(crate) fn create_all(&self) -> io::Result<()> {
        for dir in [
            self.code_dir(),
            self.unpacked_dir(),
            self.runtime_dir(),
            self.logs_dir(),
            self.events_dir(),
        ] {
            std::fs::create_dir_all(dir)?;
        }
        Ok(())
    }
}

/// Writes `bytes` to `path` so that a crash leaves either the old file or the new one:
/// a temporary file beside it, fsynced, renamed over, and the directory fsynced.
pub(crate) fn write_durably(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;

    let dir = path
        .parent()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no parent"))?;
    let mut temp_name = path.file_name().unwrap_or_default().to_os_string();
    temp_name.push(format!(".{}.tmp", crate::ids::short_random()));
    let temp = dir.join(temp_name);
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Whether `name` is a temporary file of [`write_durably`]: `{name}.{random}.tmp`.
fn is_durable_write_temp(name: &str) -> bool {
    name.strip_suffix(".tmp")
        .and_then(|rest| rest.rsplit_once('.'))
        .is_some_and(|(target, random)| !target.is_empty() && !random.is_empty())
}

/// Makes a directory's entries (a rename, a new file) durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_up_removes_what_a_crash_left_half_written() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        layout.create_all().unwrap();
        let digest = "ab".repeat(32);
        let package = layout.code_dir().join(format!("{digest}.zip"));
        std::fs::write(&package, b"zip").unwrap();
        let unpacked = layout.unpacked_dir().join(&digest);
        std::fs::create_dir_all(&unpacked).unwrap();
        let left_behind = [
            layout.code_dir().join(format!("{digest}.zip.k3j2h1.tmp")),
            layout.runtime_dir().join("bootstrap.py.zz9.tmp"),
        ];
        for path in &left_behind {
            std::fs::write(path, b"partial").unwrap();
        }
        let partial_unpack = layout.unpacked_dir().join(format!(".tmp-{digest}-x1"));
        std::fs::create_dir_all(partial_unpack.join("lib")).unwrap();

        layout.remove_partial_writes();

        assert!(left_behind.iter().all(|path| !path.exists()));
        assert!(!partial_unpack.exists());
        assert!(package.exists() && unpacked.is_dir());
    }

    #[test]
    fn only_names_of_durable_writes_count_as_temporary() {
        assert!(is_durable_write_temp("f.zip.abc.tmp"));
        assert!(!is_durable_write_temp("f.tmp"));
        assert!(!is_durable_write_temp(".tmp"));
        assert!(!is_durable_write_temp("f.zip"));
    }
}
