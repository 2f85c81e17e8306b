//! `schema.graphql` is written from the code; this fails when it drifts.
//! Regenerate with `cargo run -- schema > schema.graphql`.

use crate::common::{Backend, TestServer};

#[tokio::test]
async fn schema_file_matches_the_code() {
    let s = TestServer::start_with(Backend::Sqlite, Default::default(), false).await;
    let sdl = relais::graphql::build(s.hub.clone()).unwrap().sdl();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    if std::env::var("RELAIS_UPDATE_SCHEMA").is_ok() {
        std::fs::write(path, &sdl).unwrap();
    }
    let file = std::fs::read_to_string(path).unwrap_or_default();
    assert!(file == sdl, "schema.graphql is out of date: run `cargo run -- schema > schema.graphql`");
    // Every type and field is documented for GraphiQL and generated clients.
    for ty in relais::model::CONTENT_TYPES {
        assert!(
            sdl.contains(&format!("\"\"\"\n{}\n\"\"\"\ntype {} ", ty.description, ty.name)),
            "{} has its description",
            ty.name
        );
    }
}

#[tokio::test]
async fn every_type_and_field_is_described() {
    let s = TestServer::start_with(Backend::Sqlite, Default::default(), false).await;
    let q = "{ __schema { types { name description fields { name description } inputFields { name description } } } }";
    let r = s.gql(q, serde_json::json!({}), None).await;
    let builtin = ["String", "Int", "Float", "Boolean", "ID"];
    let mut missing = Vec::new();
    for t in r.ok()["__schema"]["types"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        if name.starts_with("__") || builtin.contains(&name) {
            continue;
        }
        if t["description"].as_str().is_none_or(str::is_empty) {
            missing.push(name.to_owned());
        }
        for f in t["fields"].as_array().into_iter().chain(t["inputFields"].as_array()).flatten() {
            if f["description"].as_str().is_none_or(str::is_empty) {
                missing.push(format!("{name}.{}", f["name"].as_str().unwrap()));
            }
        }
    }
    assert!(missing.is_empty(), "{} undocumented: {}", missing.len(), missing.join(" "));
    s.finish().await;
}
