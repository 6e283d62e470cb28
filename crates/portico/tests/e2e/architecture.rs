//! Checks the invariants stated in ARCHITECTURE.md, so that they stay true.

use std::path::{Path, PathBuf};

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crates dir")
        .to_path_buf()
}

/// The `[dependencies]` section of a crate's manifest (not dev-dependencies).
fn dependencies(krate: &str) -> Vec<String> {
    let manifest =
        std::fs::read_to_string(crates_dir().join(krate).join("Cargo.toml")).expect("manifest");
    let mut in_dependencies = false;
    let mut names = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
            continue;
        }
        if in_dependencies
            && let Some((name, _)) = line.split_once(['=', '.'])
            && !name.trim().is_empty()
        {
            names.push(name.trim().to_owned());
        }
    }
    names
}

#[test]
fn pure_crates_have_no_io_or_async_dependencies() {
    for krate in [
        "portico-model",
        "portico-snapshot",
        "portico-openapi",
        "portico-policy",
        "portico-sigv4",
        "portico-vtl",
    ] {
        for forbidden in [
            "tokio",
            "hyper",
            "rusqlite",
            "axum",
            "reqwest",
            "portico-store",
        ] {
            assert!(
                !dependencies(krate).iter().any(|d| d == forbidden),
                "{krate} must not depend on {forbidden}"
            );
        }
        let sources = crates_dir().join(krate).join("src");
        for file in rust_files(&sources) {
            let text = std::fs::read_to_string(&file).expect("source");
            // Address types (`std::net::IpAddr`) are data; sockets are IO.
            for clock in [
                "SystemTime::now",
                "Instant::now",
                "std::fs::",
                "TcpStream",
                "TcpListener",
                "UdpSocket",
            ] {
                assert!(!text.contains(clock), "{} reads {clock}", file.display());
            }
        }
    }
}

#[test]
fn data_plane_never_sees_a_store_and_control_plane_never_sees_the_data_plane() {
    assert!(
        !dependencies("portico-data-plane")
            .iter()
            .any(|d| d.starts_with("portico-store"))
    );
    assert!(
        !dependencies("portico-control-plane")
            .iter()
            .any(|d| d == "portico-data-plane")
    );
}

#[test]
fn every_crate_root_opens_with_a_doc_paragraph() {
    for entry in std::fs::read_dir(crates_dir()).expect("crates") {
        let dir = entry.expect("entry").path();
        let root = ["src/lib.rs", "src/main.rs"]
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.exists());
        let root = root.unwrap_or_else(|| panic!("{} has no lib.rs or main.rs", dir.display()));
        let text = std::fs::read_to_string(&root).expect("crate root");
        assert!(
            text.starts_with("//!"),
            "{} must open with a //! paragraph",
            root.display()
        );
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

#[test]
fn the_request_path_takes_no_locks() {
    let sources = crates_dir().join("portico-data-plane").join("src");
    for file in rust_files(&sources) {
        let text = std::fs::read_to_string(&file).expect("source");
        for lock in ["Mutex", "RwLock", "portico_store"] {
            assert!(!text.contains(lock), "{} mentions {lock}", file.display());
        }
    }
}
