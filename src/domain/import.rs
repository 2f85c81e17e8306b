//! Import and export of content in one JSON shape (also the demo content and
//! revision snapshots): `{"items": [{type, key|id, slug, publish, publishedAt, fields}]}`.
//! References are `@key` of another item in the file, or global ids.

use super::auth::Actor;
use super::content::{Content, CreateOpts, PUBLISHED, Transition};
use super::ids;
use super::values;
use crate::error::{Error, Result};
use crate::model::{CONTENT_TYPES, content_type};
use crate::store::{ListSpec, Source, Stage, Window, new_id};
use serde_json::{Value as J, json};
use std::collections::{HashMap, HashSet};

/// The demo content built from the source pages.
pub static DEMO: &str = include_str!("../../demo/content.json");

/// Imports every item; returns how many. Items are created in file order, so
/// the first bad item stops the import with its position in the message.
pub async fn import(content: &Content, text: &str) -> Result<usize> {
    let doc: J = serde_json::from_str(text).map_err(|e| Error::bad_input(format!("the file is not JSON: {e}")))?;
    let items =
        doc.get("items").and_then(J::as_array).ok_or_else(|| Error::bad_input("the file needs an items list"))?;
    // Ids first, so items may refer to ones later in the file.
    let mut keys: HashMap<String, (&'static str, String)> = HashMap::new();
    let mut planned = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let tname = item.get("type").and_then(J::as_str).unwrap_or("");
        let ty = content_type(tname).ok_or_else(|| Error::bad_input(format!("items[{i}]: unknown type {tname:?}")))?;
        let id = match item.get("id").and_then(J::as_str) {
            Some(gid) => ids::decode_as(gid, ty, &format!("items[{i}].id"))?,
            None => new_id(),
        };
        if let Some(key) = item.get("key").and_then(J::as_str) {
            keys.insert(key.to_owned(), (ty.name, id.clone()));
        }
        planned.push((ty, id));
    }
    let known: HashSet<String> = planned.iter().map(|(_, id)| id.clone()).collect();
    let resolve = |ty: &'static crate::model::TypeDef, raw: &str, path: &str| -> Result<String> {
        match raw.strip_prefix('@') {
            Some(key) => match keys.get(key) {
                Some((t, id)) if *t == ty.name => Ok(id.clone()),
                Some((t, _)) => Err(Error::field(path, format!("@{key} is a {t}, expected a {}", ty.name))),
                None => Err(Error::field(path, format!("@{key} is not the key of any item in the file"))),
            },
            None => values::by_global_id(ty, raw, path),
        }
    };
    let actor = Actor::system();
    // One transaction: an import that fails half way leaves nothing behind.
    let mut tx = content.store.begin().await?;
    for (i, (item, (ty, id))) in items.iter().zip(&planned).enumerate() {
        let mut input = item.get("fields").cloned().unwrap_or_else(|| json!({}));
        if let (Some(slug), Some(obj)) = (item.get("slug"), input.as_object_mut()) {
            obj.insert("slug".into(), slug.clone());
        }
        let at = |e: Error| Error { message: format!("items[{i}] ({}): {}", ty.name, e.message), ..e };
        let created = content
            .create_in(
                &mut tx,
                &actor,
                ty,
                &input,
                &resolve,
                &CreateOpts { id: Some(id.clone()), known: Some(&known), trusted: true },
            )
            .await
            .map_err(at)?;
        if item.get("publish").and_then(J::as_bool).unwrap_or(false) {
            content
                .transition_in(&mut tx, &actor, ty, &created.id, created.version, Transition::Publish, None)
                .await
                .map_err(at)?;
            // The source's own publication date, when the file gives one.
            if let Some(when) = item.get("publishedAt").and_then(J::as_str) {
                let ms = chrono::DateTime::parse_from_rfc3339(when)
                    .map_err(|_| at(Error::field("publishedAt", "is not an RFC 3339 date-time")))?
                    .timestamp_millis();
                tx.set_published_at(ty, &created.id, ms).await?;
            }
        }
        if (i + 1) % 1000 == 0 {
            tracing::info!(done = i + 1, of = items.len(), "importing");
        }
    }
    tx.commit().await?;
    let _ = content.changes.send(super::content::LiveChange::all());
    Ok(items.len())
}

/// Every item's working copy, in the import shape.
pub async fn export(content: &Content) -> Result<J> {
    let mut out = Vec::new();
    for ty in CONTENT_TYPES {
        let mut after = None;
        loop {
            let spec = ListSpec {
                filter: None,
                order: vec![],
                window: Window { first: Some(500), last: None, after: after.clone(), before: None },
                locales: vec![content.locales.default_locale().to_owned()],
                want_total: false,
            };
            let mut pages = content.store.list(Source::Root(ty), Stage::Draft, &spec).await?;
            let page = pages.remove(&None).unwrap_or_default();
            let ids: Vec<String> = page.edges.iter().map(|e| e.item.id.clone()).collect();
            let mut links: HashMap<String, Vec<(String, String, Option<String>)>> = HashMap::new();
            for f in ty
                .fields
                .iter()
                .filter(|f| matches!(f.kind, crate::model::Kind::Refs { .. } | crate::model::Kind::Countries))
            {
                for (src, target, role) in content.store.link_targets(ty, f, Stage::Draft, &ids).await? {
                    links.entry(src).or_default().push((crate::store::link_key(ty, f), target, role));
                }
            }
            for e in &page.edges {
                let mut j = values::export(&e.item, links.get(&e.item.id).map(Vec::as_slice).unwrap_or(&[]));
                j["publish"] = J::Bool(e.item.state == PUBLISHED);
                out.push(j);
            }
            if !page.has_next {
                break;
            }
            after = page.edges.last().map(|e| e.key.clone());
        }
    }
    Ok(json!({ "items": out }))
}

/// Loads the demo content into an empty database; false when it has content.
pub async fn load_demo_if_empty(content: &Content) -> Result<bool> {
    let org = content_type("Organisation").expect("declared");
    let spec = ListSpec {
        filter: None,
        order: vec![],
        window: Window { first: Some(1), last: None, after: None, before: None },
        locales: vec![content.locales.default_locale().to_owned()],
        want_total: false,
    };
    let has = content.store.list(Source::Root(org), Stage::Draft, &spec).await?.values().any(|p| !p.edges.is_empty());
    if has {
        return Ok(false);
    }
    import(content, DEMO).await?;
    Ok(true)
}
