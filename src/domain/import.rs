//! Import and export of content in one JSON shape (also the demo content and
//! revision snapshots): `{"items": [{type, key|id, slug, publish, publishedAt, fields}]}`.
//! References are `@key` of another item in the file, or global ids.

use super::auth::Actor;
use super::auth::Viewer;
use super::content::{Content, CreateOpts, new_values};
use super::ids;
use super::values;
use super::workflow::Transition;
use crate::error::{Error, Result};
use crate::model::item::{Item, Stage, Versioned};
use crate::model::query::{ListSpec, Source, Window};
use crate::model::{CONTENT_TYPES, WorkflowState, content_type};
use crate::store::{BulkRow, NewItem, new_id};
use serde_json::{Value as J, json};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A reference as written in a file: `@key` of an item of the file (`scope`
/// says which ones count), or a global id.
fn resolve_ref(
    keys: &HashMap<String, (&'static str, String)>,
    ty: &'static crate::model::TypeDef,
    raw: &str,
    path: &str,
    scope: &str,
) -> Result<String> {
    match raw.strip_prefix('@') {
        Some(key) => match keys.get(key) {
            Some((t, id)) if *t == ty.name => Ok(id.clone()),
            Some((t, _)) => Err(Error::field(path, format!("@{key} is a {t}, expected a {}", ty.name))),
            None => Err(Error::field(path, format!("@{key} is not the key of {scope}"))),
        },
        None => values::by_global_id(ty, raw, path),
    }
}

/// The demo content built from the source pages.
pub static DEMO: &str = include_str!("../../demo/content.json");

/// Imports every item; returns how many. Items are created in file order, so
/// the first bad item stops the import with its position in the message.
pub async fn import(content: &Content, text: &str) -> Result<usize> {
    let items = parse_document(text)?;
    import_items(content, &items).await
}

fn parse_document(text: &str) -> Result<Vec<J>> {
    let doc: J = serde_json::from_str(text).map_err(|e| Error::bad_input(format!("the file is not JSON: {e}")))?;
    match doc {
        J::Object(mut o) => match o.remove("items") {
            Some(J::Array(items)) => Ok(items),
            _ => Err(Error::bad_input("the file needs an items list")),
        },
        _ => Err(Error::bad_input("the file needs an items list")),
    }
}

/// Imports items given in file order (see `import`).
pub async fn import_items(content: &Content, items: &[J]) -> Result<usize> {
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
        resolve_ref(&keys, ty, raw, path, "any item in the file")
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
                .transition_in(
                    &mut tx,
                    &actor,
                    Versioned { ty, id: &created.id, version: created.version },
                    Transition::Publish,
                    None,
                )
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

/// Every item's working copy, in the import shape, with its publication
/// date (the whole service, history included, is `archive::export`).
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
                columns: crate::model::query::Columns::ALL,
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
                let mut j = values::export(&e.item, links.get(&e.item.id).map(Vec::as_slice).unwrap_or(&[]))?;
                j["publish"] = J::Bool(e.item.state == WorkflowState::Published);
                if let Some(at) = e.item.published_at.filter(|_| e.item.state == WorkflowState::Published) {
                    let at = chrono::DateTime::from_timestamp_millis(at).unwrap_or_default();
                    j["publishedAt"] = J::from(at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
                }
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
        columns: crate::model::query::Columns::ALL,
    };
    let has = content.store.list(Source::Root(org), Stage::Draft, &spec).await?.values().any(|p| !p.edges.is_empty());
    if has {
        return Ok(false);
    }
    import(content, DEMO).await?;
    Ok(true)
}

/// The items of an import file, read as they are needed: NDJSON (`.ndjson` or
/// `.jsonl`, one item per line; files of millions of items) or a JSON
/// document `{"items": [...]}`. Each item comes with where it is in the file.
pub struct ItemFile {
    lines: Option<std::io::Lines<BufReader<Counting<std::fs::File>>>>,
    doc: std::vec::IntoIter<J>,
    line: usize,
    /// The file's size and how much of it has been read, for progress.
    pub size: u64,
    pub read: Arc<AtomicU64>,
}

struct Counting<R>(R, Arc<AtomicU64>);

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        self.1.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl ItemFile {
    pub fn open(path: &std::path::Path) -> Result<ItemFile> {
        let file =
            std::fs::File::open(path).map_err(|e| Error::bad_input(format!("cannot read {}: {e}", path.display())))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let read = Arc::new(AtomicU64::new(0));
        let ndjson = matches!(path.extension().and_then(|e| e.to_str()), Some("ndjson" | "jsonl"));
        let mut reader = BufReader::with_capacity(1 << 20, Counting(file, read.clone()));
        if ndjson {
            return Ok(ItemFile { lines: Some(reader.lines()), doc: Vec::new().into_iter(), line: 0, size, read });
        }
        let mut text = String::new();
        reader.read_to_string(&mut text).map_err(|e| Error::bad_input(format!("{}: {e}", path.display())))?;
        Ok(ItemFile { lines: None, doc: parse_document(&text)?.into_iter(), line: 0, size, read })
    }

    /// Every item at once (the per-item import resolves references forward).
    pub fn collect_all(self) -> Result<Vec<J>> {
        self.map(|r| r.map(|(_, j)| j)).collect()
    }
}

impl Iterator for ItemFile {
    type Item = Result<(String, J)>;

    fn next(&mut self) -> Option<Self::Item> {
        self.line += 1;
        let Some(lines) = &mut self.lines else {
            return self.doc.next().map(|j| Ok((format!("items[{}]", self.line - 1), j)));
        };
        loop {
            let text = match lines.next()? {
                Ok(t) => t,
                Err(e) => return Some(Err(Error::bad_input(format!("line {}: {e}", self.line)))),
            };
            if text.trim().is_empty() {
                self.line += 1;
                continue;
            }
            return Some(
                serde_json::from_str(&text)
                    .map(|j| (format!("line {}", self.line), j))
                    .map_err(|e| Error::bad_input(format!("line {}: not JSON: {e}", self.line))),
            );
        }
    }
}

/// Items written per batch of statements.
const BULK_BATCH: usize = 500;

/// A bulk import, for loading many items at once (a migration, the benchmark
/// data set): items are validated exactly as one by one, then written a batch
/// at a time, rows, links and search documents of both stages in a few
/// statements. It is all or nothing, like `import`. Unlike it, references by
/// key must point to items earlier in the file (by id, anywhere), and it
/// writes one audit entry for the whole import and no revisions, webhooks or
/// events per item: a bulk-loaded item's history starts at its next change.
/// `progress` hears the count of items written after every batch.
pub async fn import_bulk(
    content: &Content,
    items: impl Iterator<Item = Result<(String, J)>>,
    mut progress: impl FnMut(usize),
) -> Result<usize> {
    let actor = Actor::system();
    let viewer = content.may_create(&actor)?.clone();
    let mut keys: HashMap<String, (&'static str, String)> = HashMap::new();
    let mut known: HashSet<String> = HashSet::new();
    let mut slugs: HashMap<&'static str, HashSet<String>> = HashMap::new();
    let mut batch = Batch::default();
    // Ids referred to before their item came: checked at the end, against
    // the file and the database (an export refers by id, in any order).
    let mut later: Vec<(&'static crate::model::TypeDef, String)> = Vec::new();
    let mut tx = content.store.begin().await?;
    let mut count = 0;
    for next in items {
        let (place, item) = next?;
        let at = |e: Error| Error { message: format!("{place}: {}", e.message), ..e };
        let tname = item.get("type").and_then(J::as_str).unwrap_or("");
        let ty = content_type(tname).ok_or_else(|| at(Error::bad_input(format!("unknown type {tname:?}"))))?;
        if batch.ty.is_some_and(|t| t.name != ty.name) || batch.rows.len() >= BULK_BATCH {
            count += batch.flush(&mut tx).await?;
            progress(count);
        }
        if !slugs.contains_key(ty.name) {
            slugs.insert(ty.name, tx.all_slugs(ty).await?.into_iter().collect());
        }
        let row = bulk_row(content, &viewer, ty, &item, &keys, &mut slugs).map_err(at)?;
        later.extend(row.1.into_iter().filter(|(_, id)| !known.contains(id)));
        if !known.insert(row.0.item.id.clone()) {
            return Err(at(Error::bad_input(format!("the id of {} is already used", row.0.item.slug))));
        }
        if let Some(key) = item.get("key").and_then(J::as_str) {
            keys.insert(key.to_owned(), (ty.name, row.0.item.id.clone()));
        }
        batch.ty = Some(ty);
        batch.rows.push(row.0);
    }
    count += batch.flush(&mut tx).await?;
    progress(count);
    later.retain(|(_, id)| !known.contains(id));
    Content::check_refs(&mut tx, &later, &known).await?;
    super::audit::record(&mut tx, &actor, "import", None, Some(json!({ "items": count, "bulk": true }))).await?;
    tx.commit().await?;
    content.store.refresh_statistics().await?;
    let _ = content.changes.send(super::content::LiveChange::all());
    Ok(count)
}

#[derive(Default)]
struct Batch {
    ty: Option<&'static crate::model::TypeDef>,
    rows: Vec<BulkRow>,
}

impl Batch {
    async fn flush(&mut self, tx: &mut crate::store::Tx<'_>) -> Result<usize> {
        let Some(ty) = self.ty else { return Ok(0) };
        tx.insert_bulk(ty, &self.rows).await?;
        let n = self.rows.len();
        *self = Batch::default();
        Ok(n)
    }
}

/// One item checked and made ready to write, with the references it makes.
#[allow(clippy::type_complexity)]
fn bulk_row(
    content: &Content,
    viewer: &Viewer,
    ty: &'static crate::model::TypeDef,
    item: &J,
    keys: &HashMap<String, (&'static str, String)>,
    slugs: &mut HashMap<&'static str, HashSet<String>>,
) -> Result<(BulkRow, Vec<(&'static crate::model::TypeDef, String)>)> {
    let id = match item.get("id").and_then(J::as_str) {
        Some(gid) => ids::decode_as(gid, ty, "id")?,
        None => new_id(),
    };
    let mut input = item.get("fields").cloned().unwrap_or_else(|| json!({}));
    if let (Some(slug), Some(obj)) = (item.get("slug"), input.as_object_mut()) {
        obj.insert("slug".into(), slug.clone());
    }
    let resolve = |rty: &'static crate::model::TypeDef, raw: &str, path: &str| -> Result<String> {
        resolve_ref(keys, rty, raw, path, "an earlier item in the file")
    };
    let changes = content.parser(&resolve, true).parse(ty, &input)?;
    let (values, links) = new_values(ty, changes.fields)?;
    let used = slugs.entry(ty.name).or_default();
    let slug = match changes.slug {
        Some(s) if used.contains(&s) => {
            return Err(Error {
                code: crate::error::Code::Conflict,
                message: format!("slug: another {} (in the database or earlier in the file) uses {s:?}", ty.name),
                field: Some("slug".into()),
            });
        }
        Some(s) => s,
        None => {
            let base = content.title_slug(ty, &values);
            let mut candidate = base.clone();
            let mut n = 1;
            while used.contains(&candidate) {
                n += 1;
                candidate = format!("{base}-{n}");
            }
            candidate
        }
    };
    used.insert(slug.clone());
    let publish = item.get("publish").and_then(J::as_bool).unwrap_or(false);
    let now = content.store.now_ms();
    let published_at = match item.get("publishedAt").and_then(J::as_str) {
        Some(when) if publish => Some(
            chrono::DateTime::parse_from_rfc3339(when)
                .map_err(|_| Error::field("publishedAt", "is not an RFC 3339 date-time"))?
                .timestamp_millis(),
        ),
        _ if publish => Some(now),
        _ => None,
    };
    let saved = Item {
        ty,
        id,
        stage: Stage::Draft,
        slug,
        state: if publish { WorkflowState::Published } else { WorkflowState::Draft },
        version: if publish { 2 } else { 1 },
        created_at: now,
        updated_at: now,
        published_at,
        created_by: Some(viewer.id.clone()),
        updated_by: Some(viewer.id.clone()),
        values,
        fetched: crate::model::query::Columns::ALL,
    };
    let docs = super::search::documents(&saved, &content.locales);
    let stamps = content.new_stamps(ty, &saved.id, &saved.values, now);
    let row = BulkRow {
        version: saved.version,
        published_at,
        live: publish,
        links: links.into_iter().map(|(f, l)| (crate::store::link_key(ty, f), l)).collect(),
        docs,
        stamps,
        item: NewItem {
            id: saved.id,
            slug: saved.slug,
            state: saved.state,
            values: saved.values,
            by: saved.created_by,
            at: now,
        },
    };
    Ok((row, changes.refs))
}
