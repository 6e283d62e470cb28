//! Code packages: checked and stored by the control plane at `CreateFunction` /
//! `UpdateFunctionCode` (before it commits), unpacked by the host once per digest when a
//! worker first needs them.
//!
//! Unpacking refuses entries that would land outside the code directory (zip-slip: absolute
//! paths, `..`, and symlinks that a later entry could be written through: links are created
//! last, so no write ever follows one), and bounds the unpacked size to AWS's 250 MB.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Cursor, Read, Seek};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

use base64::Engine as _;
use zip::ZipArchive;

use crate::layout::{self, Layout};

/// AWS's limit on the unzipped size of a function (250 MB).
pub const MAX_UNZIPPED_BYTES: u64 = 262_144_000;
/// Most entries a package may hold (a guard against archive bombs made of tiny files).
pub const MAX_ENTRIES: usize = 100_000;

/// Facts about a code package, in the forms AWS reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeInfo {
    /// `CodeSha256`: base64 of the SHA-256 of the zip.
    pub sha256_base64: String,
    /// The same digest in hex; names the stored file.
    pub sha256_hex: String,
    /// `CodeSize` in bytes.
    pub size: u64,
}

/// Why a package is refused; the message is what AWS answers
/// (`InvalidParameterValueException`).
#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    /// Not a readable zip archive.
    #[error("Could not unzip uploaded file. Please check your file, then try to upload again.")]
    NotAZip,
    /// An entry would be written outside the code directory.
    #[error("Could not unzip uploaded file. Please check your file, then try to upload again.")]
    UnsafeEntry { name: String },
    /// Too many entries or too many bytes once unzipped.
    #[error("Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes")]
    TooLarge,
}

/// Checks that `zip` is a package the host can unpack and returns its digest and size.
pub fn inspect(zip: &[u8]) -> Result<CodeInfo, CodeError> {
    let mut archive = ZipArchive::new(Cursor::new(zip)).map_err(|_| CodeError::NotAZip)?;
    if archive.len() > MAX_ENTRIES {
        return Err(CodeError::TooLarge);
    }
    let mut declared: u64 = 0;
    for index in 0..archive.len() {
        // Raw access reads the central directory only; nothing is decompressed here.
        let entry = archive
            .by_index_raw(index)
            .map_err(|_| CodeError::NotAZip)?;
        if safe_relative_path(entry.name()).is_none() {
            return Err(CodeError::UnsafeEntry {
                name: entry.name().to_owned(),
            });
        }
        declared = declared.saturating_add(entry.size());
        if declared > MAX_UNZIPPED_BYTES {
            return Err(CodeError::TooLarge);
        }
    }
    Ok(info(zip))
}

/// Stores `zip` at [`zip_path`] (fsynced, file and directory) after [`inspect`]ing it.
/// Storing the same package twice is harmless.
pub fn store(data_dir: &Path, zip: &[u8]) -> io::Result<CodeInfo> {
    let info = inspect(zip).map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))?;
    let path = zip_path(data_dir, &info.sha256_hex);
    let already_stored = fs::metadata(&path).is_ok_and(|meta| meta.len() == info.size);
    if !already_stored {
        fs::create_dir_all(Layout::new(data_dir).code_dir())?;
        layout::write_durably(&path, zip)?;
    }
    Ok(info)
}

/// Where the package with this digest is stored: `{data_dir}/functions/code/{sha256_hex}.zip`.
pub fn zip_path(data_dir: &Path, sha256_hex: &str) -> PathBuf {
    Layout::new(data_dir)
        .code_dir()
        .join(format!("{sha256_hex}.zip"))
}

/// The hex digest for a `code_sha256` given in hex or AWS's base64 form; `None` for anything
/// else (it becomes a path component, so nothing else may pass).
pub(crate) fn normalise_sha256(code_sha256: &str) -> Option<String> {
    if code_sha256.len() == 64 && code_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(code_sha256.to_ascii_lowercase());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(code_sha256)
        .ok()?;
    (bytes.len() == 32).then(|| hex::encode(bytes))
}

/// The unpacked code directory for `sha256_hex`, unpacking the stored zip first if needed.
/// Blocking: call from `spawn_blocking`.
pub(crate) fn unpacked(layout: &Layout, data_dir: &Path, sha256_hex: &str) -> io::Result<PathBuf> {
    let target = layout.unpacked_dir().join(sha256_hex);
    if target.is_dir() {
        return Ok(target);
    }
    let file = File::open(zip_path(data_dir, sha256_hex))?;
    let mut archive = ZipArchive::new(io::BufReader::new(file)).map_err(invalid_data)?;
    // Unpack beside the target and rename, so a crash or a concurrent unpack never leaves a
    // half-written directory under the final name.
    let temp = layout
        .unpacked_dir()
        .join(format!(".tmp-{sha256_hex}-{}", crate::ids::short_random()));
    fs::create_dir_all(&temp)?;
    if let Err(err) = extract(&mut archive, &temp) {
        let _ = fs::remove_dir_all(&temp);
        return Err(err);
    }
    match fs::rename(&temp, &target) {
        Ok(()) => Ok(target),
        Err(_) if target.is_dir() => {
            // Another worker unpacked the same digest first.
            let _ = fs::remove_dir_all(&temp);
            Ok(target)
        }
        Err(err) => {
            let _ = fs::remove_dir_all(&temp);
            Err(err)
        }
    }
}

/// Removes stored and unpacked code packages once no digest (hex) in use has named them for
/// a grace period. With no grace (start-up, before anything runs) they go at once; in a
/// running gateway [`COLLECTOR_GRACE`] is longer than any invocation may run (AWS's 900 s
/// timeout), so no running worker loses its code. The caller keeps uploads out while a
/// pass runs (an upload stores its package before committing the record naming it).
#[derive(Debug)]
pub struct Collector {
    grace: std::time::Duration,
    unreferenced_since: std::collections::HashMap<String, std::time::Instant>,
}

/// How long a package stays after the last version naming it went: the longest function
/// timeout (15 minutes) and a minute for a killed worker to exit.
pub const COLLECTOR_GRACE: std::time::Duration = std::time::Duration::from_secs(16 * 60);

// === impl Collector ===

impl Collector {
    /// A collector that removes packages unreferenced for `grace`.
    pub fn new(grace: std::time::Duration) -> Collector {
        Collector {
            grace,
            unreferenced_since: std::collections::HashMap::new(),
        }
    }

    /// One pass: notes when each stored package was first seen unreferenced and removes
    /// those unreferenced for the grace period; returns how many went. A package that
    /// cannot be removed is logged and tried again at the next pass. Blocking.
    pub fn collect(
        &mut self,
        data_dir: &Path,
        in_use: &std::collections::HashSet<String>,
        now: std::time::Instant,
    ) -> io::Result<usize> {
        let unreferenced: std::collections::HashSet<String> = stored_digests(data_dir)?
            .into_iter()
            .filter(|digest| !in_use.contains(digest))
            .collect();
        // A package referenced again (the same code uploaded anew) starts over.
        self.unreferenced_since
            .retain(|digest, _| unreferenced.contains(digest));
        let mut removed = 0;
        for digest in unreferenced {
            let since = *self.unreferenced_since.entry(digest.clone()).or_insert(now);
            if now.saturating_duration_since(since) >= self.grace {
                match remove(data_dir, &digest) {
                    Ok(had_package) => {
                        removed += usize::from(had_package);
                        self.unreferenced_since.remove(&digest);
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, digest, "removing function code failed");
                    }
                }
            }
        }
        Ok(removed)
    }
}

/// Digests (hex) that have a stored package or an unpacked directory.
fn stored_digests(data_dir: &Path) -> io::Result<std::collections::HashSet<String>> {
    let layout = Layout::new(data_dir);
    let mut digests = std::collections::HashSet::new();
    for entry in fs::read_dir(layout.code_dir())? {
        let path = entry?.path();
        let is_package = path.extension().is_some_and(|ext| ext == "zip");
        if let Some(digest) = path.file_stem().and_then(|stem| stem.to_str())
            && is_package
            && is_digest(digest)
        {
            digests.insert(digest.to_owned());
        }
    }
    for entry in fs::read_dir(layout.unpacked_dir())? {
        let name = entry?.file_name();
        // Partial unpacks are `.tmp-…`; anything else that is not a digest is not ours.
        if let Some(name) = name.to_str().filter(|name| is_digest(name)) {
            digests.insert(name.to_owned());
        }
    }
    Ok(digests)
}

/// Whether `name` is a SHA-256 in lowercase hex, as packages are named.
fn is_digest(name: &str) -> bool {
    name.len() == 64
        && name
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
}

/// Removes a digest's package and unpacked directory; whether there was a package.
fn remove(data_dir: &Path, digest: &str) -> io::Result<bool> {
    let layout = Layout::new(data_dir);
    let had_package = match fs::remove_file(zip_path(data_dir, digest)) {
        Ok(()) => true,
        Err(err) if err.kind() == io::ErrorKind::NotFound => false,
        Err(err) => return Err(err),
    };
    match fs::remove_dir_all(layout.unpacked_dir().join(digest)) {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(err),
    }
    Ok(had_package)
}

fn info(zip: &[u8]) -> CodeInfo {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, zip);
    CodeInfo {
        sha256_base64: base64::engine::general_purpose::STANDARD.encode(digest),
        sha256_hex: hex::encode(digest),
        size: zip.len() as u64,
    }
}

fn extract<R: Read + Seek>(archive: &mut ZipArchive<R>, root: &Path) -> io::Result<()> {
    if archive.len() > MAX_ENTRIES {
        return Err(invalid_data(CodeError::TooLarge));
    }
    let mut budget = MAX_UNZIPPED_BYTES;
    let mut links = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(invalid_data)?;
        let relative = safe_relative_path(entry.name()).ok_or_else(|| {
            invalid_data(CodeError::UnsafeEntry {
                name: entry.name().to_owned(),
            })
        })?;
        let path = root.join(&relative);
        if entry.is_dir() {
            fs::create_dir_all(&path)?;
            continue;
        }
        if entry.is_symlink() {
            let mut target = String::new();
            (&mut entry).take(4096).read_to_string(&mut target)?;
            links.push((relative, target));
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let executable = entry.unix_mode().is_some_and(|mode| mode & 0o111 != 0);
        // `create_new`: a second entry with the same name cannot overwrite the first.
        let mut out = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(if executable { 0o755 } else { 0o644 })
            .open(&path)?;
        let written = io::copy(&mut (&mut entry).take(budget + 1), &mut out)?;
        if written > budget {
            return Err(invalid_data(CodeError::TooLarge));
        }
        budget -= written;
    }
    for (relative, target) in links {
        create_link(root, &relative, &target)?;
    }
    Ok(())
}

/// Creates a symlink from the package, refusing one inside another link's directory or
/// pointing outside `root`.
fn create_link(root: &Path, relative: &Path, target: &str) -> io::Result<()> {
    let refuse = || {
        invalid_data(CodeError::UnsafeEntry {
            name: relative.display().to_string(),
        })
    };
    let mut ancestor = root.to_path_buf();
    if let Some(parent) = relative.parent() {
        for component in parent.components() {
            ancestor.push(component);
            match fs::symlink_metadata(&ancestor) {
                Ok(meta) if meta.file_type().is_symlink() => return Err(refuse()),
                Ok(_) => {}
                Err(err) if err.kind() == io::ErrorKind::NotFound => fs::create_dir(&ancestor)?,
                Err(err) => return Err(err),
            }
        }
    }
    // The target is relative to the link's directory; it may climb no higher than `root`.
    let mut depth = relative.components().count().saturating_sub(1);
    for component in Path::new(target).components() {
        match component {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => depth = depth.checked_sub(1).ok_or_else(refuse)?,
            Component::RootDir | Component::Prefix(_) => return Err(refuse()),
        }
    }
    std::os::unix::fs::symlink(target, root.join(relative))
}

/// `name` as a relative path with only normal components, or `None` if it is absolute,
/// climbs with `..`, holds a NUL or names nothing.
fn safe_relative_path(name: &str) -> Option<PathBuf> {
    if name.contains('\0') {
        return None;
    }
    let mut path = PathBuf::new();
    for component in Path::new(name).components() {
        match component {
            Component::Normal(part) => path.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!path.as_os_str().is_empty()).then_some(path)
}

fn invalid_data(err: impl Into<crate::BoxError>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, err)
}

#[cfg(test)]
mod tests;
