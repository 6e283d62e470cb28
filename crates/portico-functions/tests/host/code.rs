//! Code packages as the control plane hands them over.

use portico_functions::code::{self, CodeError};

use crate::support::zip;

#[test]
fn a_zip_with_an_entry_escaping_its_directory_is_refused() {
    let package = zip(&[("../../outside.py", "x = 1\n", 0o644)]);
    assert!(matches!(
        code::inspect(&package),
        Err(CodeError::UnsafeEntry { .. })
    ));
    let dir = tempfile::tempdir().unwrap();
    assert!(code::store(dir.path(), &package).is_err());
    assert!(!dir.path().join("outside.py").exists());
}

#[test]
fn a_file_that_is_not_a_zip_is_a_code_error() {
    let err = code::inspect(b"PK but not really").unwrap_err();
    assert!(matches!(err, CodeError::NotAZip));
    assert_eq!(
        err.to_string(),
        "Could not unzip uploaded file. Please check your file, then try to upload again."
    );
}

#[test]
fn stored_code_lives_at_zip_path() {
    let dir = tempfile::tempdir().unwrap();
    let package = zip(&[("app.py", "x = 1\n", 0o644)]);
    let info = code::store(dir.path(), &package).unwrap();
    assert_eq!(info, code::inspect(&package).unwrap());
    assert_eq!(
        code::zip_path(dir.path(), &info.sha256_hex),
        dir.path()
            .join("functions/code")
            .join(format!("{}.zip", info.sha256_hex))
    );
    assert_eq!(
        std::fs::read(code::zip_path(dir.path(), &info.sha256_hex)).unwrap(),
        package
    );
}
