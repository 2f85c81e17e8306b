//! A field declared in the model appears everywhere it should: on its
//! GraphQL type, in the input that writes it, in the filter and the order
//! that its kind allows, and as a column of its table on both databases. The
//! README's "How to add a field" ends with this test.

use crate::common::{Options, TestServer, backends};
use relais::model::{CONTENT_TYPES, FieldDef, Kind, column_name, order_name};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The filter a kind is matched with, if any.
fn filter_of(kind: Kind) -> Option<String> {
    Some(match kind {
        Kind::Text | Kind::Url | Kind::LocalText | Kind::Country => "StringFilter".into(),
        Kind::Date => "DateFilter".into(),
        Kind::Int => "IntFilter".into(),
        Kind::Float => "FloatFilter".into(),
        Kind::Bool => "BooleanFilter".into(),
        Kind::DateTime => "DateTimeFilter".into(),
        Kind::Enum(e) => format!("{e}Filter"),
        Kind::Ref(_) => "IDFilter".into(),
        Kind::Refs { .. } => "RelationFilter".into(),
        Kind::Countries => "CountriesFilter".into(),
        _ => return None,
    })
}

/// The column a field is kept in, if it has one of its own (money: its
/// amount; the currency beside it).
fn column_of(f: &FieldDef) -> Option<String> {
    match f.kind {
        Kind::Ref(_) => Some(format!("{}_id", column_name(f.name))),
        Kind::Money => Some(format!("{}_amount", column_name(f.name))),
        k if k.has_column() => Some(column_name(f.name)),
        _ => None,
    }
}

fn names(v: &Value, list: &str) -> BTreeSet<String> {
    v[list]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["name"].as_str().map(String::from)).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_declared_field_is_served_written_filtered_ordered_and_stored() {
    for b in backends() {
        let s = TestServer::start_opts(b, Options { demo: false, ..Default::default() }).await;
        let tables = crate::migrations::schema(b, &s.db_url).await;
        let mut missing = Vec::new();
        for t in CONTENT_TYPES {
            let q = "query($o: String!, $i: String!, $f: String!, $s: String!) {
                o: __type(name: $o) { fields { name } }
                i: __type(name: $i) { inputFields { name } }
                f: __type(name: $f) { inputFields { name type { name } } }
                s: __type(name: $s) { enumValues { name } } }";
            let vars = json!({ "o": t.name, "i": format!("{}Input", t.name), "f": format!("{}Filter", t.name), "s": format!("{}OrderField", t.name) });
            let r = s.gql(q, vars, None).await;
            let d = r.ok();
            let (object, input, order) =
                (names(&d["o"], "fields"), names(&d["i"], "inputFields"), names(&d["s"], "enumValues"));
            for f in t.fields {
                let at = format!("{}.{}", t.name, f.name);
                if !object.contains(f.name) {
                    missing.push(format!("{at}: not on the type"));
                }
                let writable = !f.read_only && !matches!(f.kind, Kind::Reverse { .. });
                if writable != input.contains(f.name) {
                    missing.push(format!("{at}: in the input is {}, should be {writable}", !writable));
                }
                let filter = d["f"]["inputFields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|x| x["name"] == f.name)
                    .and_then(|x| x["type"]["name"].as_str().map(String::from));
                if filter != filter_of(f.kind) {
                    missing.push(format!("{at}: filtered by {filter:?}, should be {:?}", filter_of(f.kind)));
                }
                if f.kind.sortable() != order.contains(&order_name(f.name)) {
                    missing.push(format!("{at}: in the order is {}", !f.kind.sortable()));
                }
                if let Some(c) = column_of(f) {
                    let stored = tables.iter().any(|x| x.starts_with(&format!("column {}.{c} ", t.table)));
                    if !stored {
                        missing.push(format!("{at}: no column {}.{c}", t.table));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "{b:?}: fields not everywhere they should be:\n{}", missing.join("\n"));
        s.finish().await;
    }
}
