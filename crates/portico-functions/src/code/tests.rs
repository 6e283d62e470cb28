use std::io::Write;
use std::os::unix::fs::PermissionsExt;

use zip::write::SimpleFileOptions;

use super::*;

enum Entry<'a> {
    File(&'a str, &'a [u8], u32),
    Link(&'a str, &'a str),
}

fn build(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for entry in entries {
        match entry {
            Entry::File(name, content, mode) => {
                let options = SimpleFileOptions::default().unix_permissions(*mode);
                writer.start_file(*name, options).unwrap();
                writer.write_all(content).unwrap();
            }
            Entry::Link(name, target) => {
                writer
                    .add_symlink(*name, *target, SimpleFileOptions::default())
                    .unwrap();
            }
        }
    }
    writer.finish().unwrap().into_inner()
}

fn unpack(zip: &[u8]) -> (tempfile::TempDir, io::Result<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout::new(dir.path());
    layout.create_all().unwrap();
    let info = store(dir.path(), zip).unwrap();
    let result = unpacked(&layout, dir.path(), &info.sha256_hex);
    (dir, result)
}

fn mode_of(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn inspect_reports_the_digest_in_aws_and_hex_forms() {
    let zip = build(&[Entry::File("app.py", b"x = 1\n", 0o644)]);
    let info = inspect(&zip).unwrap();
    assert_eq!(info.size, zip.len() as u64);
    assert_eq!(info.sha256_hex.len(), 64);
    assert_eq!(
        normalise_sha256(&info.sha256_base64),
        Some(info.sha256_hex.clone())
    );
    assert_eq!(
        normalise_sha256(&info.sha256_hex.to_uppercase()),
        Some(info.sha256_hex)
    );
    assert_eq!(normalise_sha256("../../etc"), None);
}

#[test]
fn a_file_that_is_not_a_zip_is_refused_with_aws_message() {
    let err = inspect(b"definitely not a zip").unwrap_err();
    assert!(matches!(err, CodeError::NotAZip));
    assert_eq!(
        err.to_string(),
        "Could not unzip uploaded file. Please check your file, then try to upload again."
    );
}

#[test]
fn entries_escaping_the_directory_are_refused() {
    for name in ["../evil.py", "a/../../evil.py", "/etc/evil"] {
        let zip = build(&[Entry::File(name, b"boom", 0o644)]);
        assert!(
            matches!(inspect(&zip), Err(CodeError::UnsafeEntry { .. })),
            "{name}"
        );
    }
}

#[test]
fn unpacking_keeps_exec_bits_and_nested_directories() {
    let zip = build(&[
        Entry::File("bootstrap", b"#!/bin/sh\n", 0o755),
        Entry::File("pkg/mod.py", b"x = 1\n", 0o600),
        Entry::Link("pkg/alias.py", "mod.py"),
    ]);
    let (_dir, result) = unpack(&zip);
    let root = result.unwrap();
    assert_eq!(mode_of(&root.join("bootstrap")), 0o755);
    assert_eq!(mode_of(&root.join("pkg/mod.py")), 0o644);
    assert_eq!(fs::read(root.join("pkg/alias.py")).unwrap(), b"x = 1\n");
}

#[test]
fn unpacking_twice_reuses_the_directory() {
    let zip = build(&[Entry::File("app.py", b"x = 1\n", 0o644)]);
    let (dir, first) = unpack(&zip);
    let layout = Layout::new(dir.path());
    let again = unpacked(&layout, dir.path(), &inspect(&zip).unwrap().sha256_hex).unwrap();
    assert_eq!(first.unwrap(), again);
}

#[test]
fn symlinks_pointing_outside_or_used_as_directories_are_refused() {
    let zip = build(&[Entry::Link("escape", "../../etc")]);
    let (dir, result) = unpack(&zip);
    assert_eq!(result.unwrap_err().kind(), io::ErrorKind::InvalidData);
    // Nothing was left behind under the final name or a temporary one.
    let leftovers: Vec<_> = fs::read_dir(Layout::new(dir.path()).unpacked_dir())
        .unwrap()
        .collect();
    assert!(leftovers.is_empty());

    let zip = build(&[Entry::Link("dir", "sub"), Entry::Link("dir/inner", "x")]);
    let (_dir, result) = unpack(&zip);
    assert_eq!(result.unwrap_err().kind(), io::ErrorKind::InvalidData);
}

#[test]
fn store_is_idempotent_and_refuses_non_zips() {
    let dir = tempfile::tempdir().unwrap();
    let zip = build(&[Entry::File("app.py", b"x = 1\n", 0o644)]);
    let first = store(dir.path(), &zip).unwrap();
    let second = store(dir.path(), &zip).unwrap();
    assert_eq!(first, second);
    assert_eq!(
        fs::read(zip_path(dir.path(), &first.sha256_hex)).unwrap(),
        zip
    );
    let err = store(dir.path(), b"nope").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
}

/// A data directory with two stored packages: `a.py` (to keep) and `b.py`.
fn two_stored_packages() -> (tempfile::TempDir, Layout, CodeInfo, CodeInfo) {
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout::new(dir.path());
    layout.create_all().unwrap();
    let [kept, other] = [("a.py", b"a = 1\n"), ("b.py", b"b = 1\n")].map(|(name, source)| {
        store(dir.path(), &build(&[Entry::File(name, source, 0o644)])).unwrap()
    });
    (dir, layout, kept, other)
}

#[test]
fn unused_packages_are_removed_and_used_ones_kept() {
    let (dir, layout, kept, gone) = two_stored_packages();
    let kept_dir = unpacked(&layout, dir.path(), &kept.sha256_hex).unwrap();
    let gone_dir = unpacked(&layout, dir.path(), &gone.sha256_hex).unwrap();
    // Something that is not a package stays whatever its name.
    fs::write(layout.code_dir().join("notes.txt"), b"x").unwrap();

    let in_use = [kept.sha256_hex.clone()].into_iter().collect();
    let mut at_once = Collector::new(std::time::Duration::ZERO);
    let now = std::time::Instant::now();
    assert_eq!(at_once.collect(dir.path(), &in_use, now).unwrap(), 1);

    assert!(zip_path(dir.path(), &kept.sha256_hex).exists());
    assert!(kept_dir.join("a.py").exists());
    assert!(!zip_path(dir.path(), &gone.sha256_hex).exists());
    assert!(!gone_dir.exists());
    assert!(layout.code_dir().join("notes.txt").exists());
    // Nothing left to remove the second time.
    assert_eq!(at_once.collect(dir.path(), &in_use, now).unwrap(), 0);
}

#[test]
fn the_collector_removes_a_package_only_after_it_stayed_unreferenced_for_the_grace() {
    use std::time::{Duration, Instant};
    let (dir, layout, kept, old) = two_stored_packages();
    let old_dir = unpacked(&layout, dir.path(), &old.sha256_hex).unwrap();
    let only_kept = [kept.sha256_hex.clone()].into_iter().collect();
    let both = [kept.sha256_hex.clone(), old.sha256_hex.clone()]
        .into_iter()
        .collect();
    let grace = Duration::from_secs(60);
    let mut collector = Collector::new(grace);
    let start = Instant::now();

    // Unreferenced from `start`; still there just before the grace ends.
    assert_eq!(collector.collect(dir.path(), &only_kept, start).unwrap(), 0);
    let almost = start + grace - Duration::from_secs(1);
    assert_eq!(
        collector.collect(dir.path(), &only_kept, almost).unwrap(),
        0
    );
    assert!(zip_path(dir.path(), &old.sha256_hex).exists() && old_dir.exists());

    // Referenced again (the same code uploaded anew): the clock starts over.
    assert_eq!(collector.collect(dir.path(), &both, almost).unwrap(), 0);
    let later = start + 2 * grace;
    assert_eq!(collector.collect(dir.path(), &only_kept, later).unwrap(), 0);
    assert!(zip_path(dir.path(), &old.sha256_hex).exists());

    // A full grace after it went unreferenced again: package and unpacked code go.
    assert_eq!(
        collector
            .collect(dir.path(), &only_kept, later + grace)
            .unwrap(),
        1
    );
    assert!(!zip_path(dir.path(), &old.sha256_hex).exists());
    assert!(!old_dir.exists());
    assert!(zip_path(dir.path(), &kept.sha256_hex).exists());
    assert_eq!(
        collector
            .collect(dir.path(), &only_kept, later + 3 * grace)
            .unwrap(),
        0
    );
}
