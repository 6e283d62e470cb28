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

/// Makes a directory's entries (a rename, a new file) durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}
