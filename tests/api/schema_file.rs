//! `schema.graphql` is written from the code; these fail when it drifts from
//! what `relais schema` prints or from what the running server serves.
//! Regenerate with `cargo run -- schema > schema.graphql`.

use crate::common::{Backend, TestServer};
use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use serde_json::Value;
use std::collections::BTreeSet;

#[tokio::test]
async fn schema_file_matches_the_code() {
    let s = TestServer::start_with(Backend::Sqlite, Default::default(), false).await;
    let sdl = relais::graphql::sdl(&s.hub.limits).unwrap();
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

/// One line per type, field, argument, input field, enum value and scalar
/// `@specifiedBy`, as the file declares them.
fn declared(sdl: &str) -> BTreeSet<String> {
    let doc = async_graphql::parser::parse_schema(sdl).expect("schema.graphql parses");
    let mut out = BTreeSet::new();
    for def in doc.definitions {
        let TypeSystemDefinition::Type(t) = def else { continue };
        let t = t.node;
        let name = t.name.node.to_string();
        let fields =
            |out: &mut BTreeSet<String>,
             kind: &str,
             fs: &[async_graphql::Positioned<async_graphql::parser::types::FieldDefinition>]| {
                for f in fs {
                    let f = &f.node;
                    out.insert(format!("{kind} {name}.{}: {}", f.name.node, f.ty.node));
                    for a in &f.arguments {
                        out.insert(format!("{kind} {name}.{}({}: {})", f.name.node, a.node.name.node, a.node.ty.node));
                    }
                }
            };
        match &t.kind {
            TypeKind::Scalar => {
                let by = t.directives.iter().find(|d| d.node.name.node == "specifiedBy").and_then(|d| {
                    d.node.arguments.iter().find(|(k, _)| k.node == "url").map(|(_, v)| v.node.to_string())
                });
                out.insert(format!("SCALAR {name} {}", by.unwrap_or_default().trim_matches('"')));
            }
            TypeKind::Object(o) => {
                out.insert(format!("OBJECT {name}"));
                fields(&mut out, "OBJECT", &o.fields);
                out.extend(o.implements.iter().map(|i| format!("OBJECT {name} implements {}", i.node)));
            }
            TypeKind::Interface(o) => {
                out.insert(format!("INTERFACE {name}"));
                fields(&mut out, "INTERFACE", &o.fields);
                out.extend(o.implements.iter().map(|i| format!("INTERFACE {name} implements {}", i.node)));
            }
            TypeKind::Union(u) => {
                out.insert(format!("UNION {name}"));
                out.extend(u.members.iter().map(|m| format!("UNION {name} | {}", m.node)));
            }
            TypeKind::Enum(e) => {
                out.insert(format!("ENUM {name}"));
                out.extend(e.values.iter().map(|v| format!("ENUM {name}.{}", v.node.value.node)));
            }
            TypeKind::InputObject(i) => {
                out.insert(format!("INPUT_OBJECT {name}"));
                out.extend(
                    i.fields.iter().map(|f| format!("INPUT_OBJECT {name}.{}: {}", f.node.name.node, f.node.ty.node)),
                );
            }
        }
    }
    out
}

fn type_ref(t: &Value) -> String {
    match t["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_ref(&t["ofType"])),
        Some("LIST") => format!("[{}]", type_ref(&t["ofType"])),
        _ => t["name"].as_str().unwrap_or("?").to_owned(),
    }
}

/// The same lines, from the running server's introspection.
fn served(schema: &Value) -> BTreeSet<String> {
    let builtin = ["String", "Int", "Float", "Boolean", "ID"];
    let mut out = BTreeSet::new();
    for t in schema["types"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        let kind = t["kind"].as_str().unwrap();
        if name.starts_with("__") || builtin.contains(&name) {
            continue;
        }
        if kind == "SCALAR" {
            out.insert(format!("SCALAR {name} {}", t["specifiedByURL"].as_str().unwrap_or_default()));
            continue;
        }
        out.insert(format!("{kind} {name}"));
        for f in t["fields"].as_array().into_iter().flatten() {
            let fname = f["name"].as_str().unwrap();
            out.insert(format!("{kind} {name}.{fname}: {}", type_ref(&f["type"])));
            for a in f["args"].as_array().into_iter().flatten() {
                out.insert(format!("{kind} {name}.{fname}({}: {})", a["name"].as_str().unwrap(), type_ref(&a["type"])));
            }
        }
        for i in t["interfaces"].as_array().into_iter().flatten() {
            out.insert(format!("{kind} {name} implements {}", i["name"].as_str().unwrap()));
        }
        if kind == "UNION" {
            for m in t["possibleTypes"].as_array().into_iter().flatten() {
                out.insert(format!("UNION {name} | {}", m["name"].as_str().unwrap()));
            }
        }
        for v in t["enumValues"].as_array().into_iter().flatten() {
            out.insert(format!("ENUM {name}.{}", v["name"].as_str().unwrap()));
        }
        for f in t["inputFields"].as_array().into_iter().flatten() {
            out.insert(format!("INPUT_OBJECT {name}.{}: {}", f["name"].as_str().unwrap(), type_ref(&f["type"])));
        }
    }
    out
}

/// The file is what the server serves: every type, field, argument, enum
/// value and scalar of one is in the other, with the same types.
#[tokio::test]
async fn schema_file_is_what_the_server_serves() {
    let s = TestServer::start_with(Backend::Sqlite, Default::default(), false).await;
    let q = "{ __schema { types { kind name specifiedByURL \
             fields(includeDeprecated: true) { name type { ...T } args { name type { ...T } } } \
             inputFields { name type { ...T } } enumValues(includeDeprecated: true) { name } \
             interfaces { name } possibleTypes { name } } } } \
             fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }";
    let r = s.gql(q, serde_json::json!({}), None).await;
    let live = served(&r.ok()["__schema"]);
    let file = declared(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap());
    let only_file: Vec<_> = file.difference(&live).collect();
    let only_live: Vec<_> = live.difference(&file).collect();
    assert!(
        only_file.is_empty() && only_live.is_empty(),
        "schema.graphql drifts from the server:\nonly in the file: {only_file:#?}\nonly served: {only_live:#?}"
    );
    assert!(live.contains("SCALAR Upload https://github.com/jaydenseric/graphql-multipart-request-spec"), "{live:?}");
    s.finish().await;
}
