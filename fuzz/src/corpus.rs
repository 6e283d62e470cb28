//! Replays a target's saved corpus (`fuzz/corpus/<target>/`) through its `run` function, for
//! regression tests that run on stable without the fuzzer.

use std::path::{Path, PathBuf};

/// Runs every file of `fuzz/corpus/<target>/` through `run` and returns how many there were.
/// `crate_dir` is the calling crate's `CARGO_MANIFEST_DIR` (`crates/<name>`).
///
/// # Panics
///
/// When the corpus cannot be read, is empty, or an input panics `run`; the message names the
/// input file.
pub fn replay(crate_dir: &str, target: &str, run: fn(&[u8])) -> usize {
    let dir = Path::new(crate_dir).join("../../fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("reading {}: {err}", dir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no inputs", dir.display());
    for file in &files {
        let data =
            std::fs::read(file).unwrap_or_else(|err| panic!("reading {}: {err}", file.display()));
        if std::panic::catch_unwind(|| run(&data)).is_err() {
            panic!("fuzz input {} panics {target}", file.display());
        }
    }
    files.len()
}
