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
