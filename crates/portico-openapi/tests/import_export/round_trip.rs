//! import → export → import gives the same definition (up to ids), for every fixture, both
//! export formats, and JSON as well as YAML text.

use portico_openapi::{
    ExportExtensions, ExportFormat, ExportOptions, ImportOptions, export, import, parse, to_yaml,
};

use crate::common::{FIXTURES, assert_same_definition, fixture, ids, import_bytes};

fn options(format: ExportFormat) -> ExportOptions {
    ExportOptions {
        format,
        extensions: ExportExtensions::all(),
        stage_name: Some("prod".into()),
        ..Default::default()
    }
}

fn round_trip(name: &str, format: ExportFormat, as_yaml: bool) {
    let first = import_bytes(&fixture(name)).definition;
    let exported = export(&first, &options(format));
    let text = if as_yaml {
        to_yaml(&exported)
    } else {
        serde_json::to_string_pretty(&exported).expect("documents serialise")
    };
    let reparsed = parse(text.as_bytes()).unwrap_or_else(|err| panic!("{name}: {err}\n{text}"));
    assert_eq!(reparsed, exported, "{name}: the exported text parses back");
    let second = import(
        &reparsed,
        &ImportOptions::default(),
        &mut ids("b"),
        1_800_000_000,
    )
    .unwrap_or_else(|err| panic!("{name} re-import: {err}\n{text}"));
    assert!(
        second.warnings.is_empty(),
        "{name}: re-importing an export warns: {:?}",
        second.warnings
    );
    assert_same_definition(
        &first,
        &second.definition,
        &format!("{name} via {format:?}"),
    );
}

#[test]
fn every_fixture_survives_an_openapi_3_round_trip() {
    for name in FIXTURES {
        round_trip(name, ExportFormat::Oas30, false);
    }
}

#[test]
fn every_fixture_survives_a_swagger_2_round_trip() {
    for name in FIXTURES {
        round_trip(name, ExportFormat::Swagger2, false);
    }
}

#[test]
fn every_fixture_survives_a_round_trip_through_yaml_text() {
    for name in FIXTURES {
        round_trip(name, ExportFormat::Oas30, true);
    }
}

#[test]
fn exporting_twice_gives_the_same_document() {
    for name in FIXTURES {
        let first = import_bytes(&fixture(name)).definition;
        let once = export(&first, &options(ExportFormat::Oas30));
        let again = import(&once, &ImportOptions::default(), &mut ids("c"), 0)
            .unwrap()
            .definition;
        let twice = export(&again, &options(ExportFormat::Oas30));
        assert_eq!(
            serde_json::to_string(&once)
                .unwrap()
                .replace(first.rest_api.id.as_str(), "API"),
            serde_json::to_string(&twice)
                .unwrap()
                .replace(again.rest_api.id.as_str(), "API"),
            "{name}"
        );
    }
}
