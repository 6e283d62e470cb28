//! `portico serve --import`: the examples import, deploy and answer through the binary, and
//! re-running with the same file updates the API instead of duplicating it.

use portico_test_support::Portico;
use serde_json::Value;

fn example(name: &str) -> String {
    format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

async fn apis(portico: &Portico) -> Vec<Value> {
    let list = portico.admin().expect(200, "GET", "/restapis", None).await;
    list["item"]
        .as_array()
        .or_else(|| list["items"].as_array())
        .cloned()
        .unwrap_or_default()
}

async fn api_named(portico: &Portico, name: &str) -> String {
    let all = apis(portico).await;
    let matching: Vec<&Value> = all.iter().filter(|api| api["name"] == name).collect();
    assert_eq!(matching.len(), 1, "exactly one API named {name}: {all:?}");
    matching[0]["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn serve_import_deploys_the_petstore_and_rerunning_does_not_duplicate_it() {
    let petstore = example("petstore.yaml");
    let mut portico =
        Portico::start_with(env!("CARGO_BIN_EXE_portico"), &["--import", &petstore]).await;
    let api_id = api_named(&portico, "PetStore").await;
    let client = reqwest::Client::new();
    let ping = client
        .get(portico.invoke_url(&api_id, "dev", "/ping"))
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status(), 200);
    assert!(ping.text().await.unwrap().contains("pong"));
    let pet = client
        .get(portico.invoke_url(&api_id, "dev", "/mock/pets/1"))
        .send()
        .await
        .unwrap();
    assert_eq!(pet.status(), 200);
    assert_eq!(pet.json::<Value>().await.unwrap()["id"], 1);

    portico.restart().await;
    assert_eq!(
        api_named(&portico, "PetStore").await,
        api_id,
        "same API, updated in place"
    );
    let deployments = portico
        .admin()
        .expect(200, "GET", &format!("/restapis/{api_id}/deployments"), None)
        .await;
    assert_eq!(
        deployments["item"].as_array().map(Vec::len),
        Some(2),
        "{deployments}"
    );
    let ping = client
        .get(portico.invoke_url(&api_id, "dev", "/ping"))
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status(), 200);
}

#[tokio::test]
async fn every_example_imports_and_deploys_to_its_stage() {
    let options = [
        "--import".to_owned(),
        example("petstore.yaml"),
        "--import".to_owned(),
        format!("{}:prod", example("templates.yaml")),
        "--import".to_owned(),
        format!("{}:v1", example("serverless.json")),
    ];
    let options: Vec<&str> = options.iter().map(String::as_str).collect();
    let portico = Portico::start_with(env!("CARGO_BIN_EXE_portico"), &options).await;
    let all = apis(&portico).await;
    assert_eq!(all.len(), 3, "{all:?}");
    for (api, stage) in all.iter().map(|api| {
        let stage = match api["name"].as_str() {
            Some("PetStore") => "dev",
            Some(name) if name.contains("greet") => "prod",
            _ => "v1",
        };
        (api["id"].as_str().expect("id").to_owned(), stage)
    }) {
        portico
            .admin()
            .expect(200, "GET", &format!("/restapis/{api}/stages/{stage}"), None)
            .await;
    }
}

#[tokio::test]
async fn the_templates_example_validates_and_renders_through_the_binary() {
    let templates = format!("{}:prod", example("templates.yaml"));
    let portico =
        Portico::start_with(env!("CARGO_BIN_EXE_portico"), &["--import", &templates]).await;
    let api_id = apis(&portico).await[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let url = portico.invoke_url(&api_id, "prod", "/greetings?lang=fr");
    let client = reqwest::Client::new();
    let greeted = client
        .post(&url)
        .header("content-type", "application/json")
        .body(r#"{"name": "Ann", "language": "fr"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(greeted.status(), 200);
    assert_eq!(
        greeted.json::<Value>().await.unwrap(),
        serde_json::json!({"greeting": "Bonjour!"})
    );
    let invalid = client
        .post(&url)
        .header("content-type", "application/json")
        .body(r#"{"language": "xx"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        invalid.status(),
        400,
        "the document's request validator applies"
    );
}

#[tokio::test]
async fn a_missing_import_file_stops_the_start() {
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_portico"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "127.0.0.1:0",
        ])
        .args([
            "--data-dir",
            &std::env::temp_dir()
                .join("portico-missing-import")
                .to_string_lossy(),
        ])
        .args(["--import", "/nonexistent/openapi.yaml"])
        .output()
        .expect("runs");
    assert!(!status.status.success());
    assert!(String::from_utf8_lossy(&status.stderr).contains("/nonexistent/openapi.yaml"));
}
