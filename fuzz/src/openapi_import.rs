//! `openapi_import`: any bytes are parsed as an OpenAPI document (JSON or YAML) and imported;
//! an import that works is exported in both formats and imported again, and merged into itself
//! with PutRestApi's rules. Nothing may panic.

use portico_openapi::{
    ExportExtensions, ExportFormat, ExportOptions, IdKind, ImportOptions, PutMode, export, import,
    parse, put,
};

/// Runs one fuzz input.
pub fn run(data: &[u8]) {
    let Ok(document) = parse(data) else {
        return;
    };
    let options = ImportOptions::default();
    let Ok(imported) = import(&document, &options, &mut ids(), 0) else {
        return;
    };
    for format in [ExportFormat::Oas30, ExportFormat::Swagger2] {
        let export_options = ExportOptions {
            format,
            extensions: ExportExtensions::all(),
            ..Default::default()
        };
        let exported = export(&imported.definition, &export_options);
        let _ = import(&exported, &options, &mut ids(), 0);
    }
    for mode in [PutMode::Merge, PutMode::Overwrite] {
        let _ = put(&imported.definition, &document, mode, &options, &mut ids());
    }
}

/// Ids `id1`, `id2`… as a fresh store would hand out.
fn ids() -> impl FnMut(IdKind) -> String {
    let mut counter = 0;
    move |_| {
        counter += 1;
        format!("id{counter}")
    }
}
